"""Where the package cannot be written: one line saying what and what to do, never a traceback,
and nothing half-written or lost (the previous package and stamps stay as they were).

Read-only and full disks are real: a tmpfs mounted inside a private mount namespace
(``unshare``), so the tests need neither root nor a spare disk.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

PACKAGE = "atlas-distributed-systems.apkg"
STAMPS = "atlas-distributed-systems.stamps.json"


def can_unshare() -> bool:
    return shutil.which("unshare") is not None and subprocess.run(
        ["unshare", "-rm", "true"], capture_output=True).returncode == 0


needs_unshare = pytest.mark.skipif(not can_unshare(), reason="needs user and mount namespaces (unshare -rm)")


def build_cmd(cards: Path, out: str) -> list[str]:
    return [sys.executable, "-m", "deckbuilder.cli", "--cards", str(cards), "--media", str(cards.parent / "media"),
            "--out", out, "--no-diagrams"]


def run_build(cards: Path, out: str, *, mount: str = "", env: dict | None = None) -> subprocess.CompletedProcess:
    """build-deck in a subprocess; with ``mount``, inside a namespace where ``out`` is that tmpfs."""
    command = build_cmd(cards, out)
    if mount:
        script = f'mount -t tmpfs -o {mount} tmpfs "$1" && shift && exec "$@"'
        command = ["unshare", "-rm", "sh", "-c", script, "sh", out, *command]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=cards.parent, env=env)


def one_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    return lines[0]


@needs_unshare
def test_read_only_out(cards: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    assert one_line(run_build(cards, str(out), mount="ro")) == (
        "build-deck: --out out: cannot write to it (it is read-only) — make it writable, or choose another --out")


@needs_unshare
def test_disk_full_on_write(cards: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    script = ('mount -t tmpfs -o size=12k tmpfs "$1" && shift && "$@"; code=$?; '
              'ls -A "$OUT"; exit $code')
    result = subprocess.run(["unshare", "-rm", "sh", "-c", script, "sh", str(out), *build_cmd(cards, str(out))],
                            capture_output=True, text=True, timeout=300, env={**os.environ, "OUT": str(out)})
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"build-deck: --out {out}: no space left on the device — free some space and build again (nothing was replaced)"]
    assert result.stdout == "", "nothing is left in the folder: no partial package, no temporary file"


def test_out_below_a_file(cards: Path, tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    assert one_line(run_build(cards, str(tmp_path / "afile" / "out"))) == (
        "build-deck: --out afile/out: a parent of it is a file, not a folder — choose another --out")


def test_out_is_a_file(cards: Path, tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    result = run_build(cards, str(tmp_path / "afile"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1] == (
        f"Error: Invalid value for '--out': Directory '{tmp_path / 'afile'}' is a file.")
    assert (tmp_path / "afile").read_text() == "x"


@pytest.mark.parametrize("name", [PACKAGE, STAMPS])
def test_package_or_stamps_path_is_a_folder(cards: Path, tmp_path: Path, name: str) -> None:
    out = tmp_path / "out"
    (out / name).mkdir(parents=True)
    assert one_line(run_build(cards, str(out))) == (
        f"build-deck: out/{name} is a folder — move it away: the build writes a file there")
    assert sorted(p.name for p in out.iterdir()) == [name], "nothing written beside it"


def test_a_failure_keeps_the_previous_package_and_stamps(cards: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_build(cards, str(out)).returncode == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    (cards / "topics" / "queues.yaml").write_text("topic: [unclosed\n")
    assert run_build(cards, str(out)).returncode == 1
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_kill_9_mid_write_leaves_nothing_the_next_build_does_not_clear(cards: Path, tmp_path: Path) -> None:
    """The writer is slowed down so the kill lands while the package is half written."""
    out, tmp = tmp_path / "out", tmp_path / "tmp"
    tmp.mkdir()
    slow = ("import time, deckbuilder.zipout as z; real = z.deflate\n"
            "def deflate(*a, **k):\n    time.sleep(0.3)\n    return real(*a, **k)\n"
            "z.deflate = deflate\nfrom deckbuilder.cli import main\nmain()")
    env = {**os.environ, "TMPDIR": str(tmp)}
    proc = subprocess.Popen([sys.executable, "-c", slow, *build_cmd(cards, str(out))[3:]], env=env,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not any(p.name.endswith("-package.tmp") for p in (out.iterdir() if out.is_dir() else [])):
        assert time.monotonic() < deadline and proc.poll() is None, "the build never started writing"
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert [p.name for p in out.iterdir() if p.name.endswith("-package.tmp")], "killed mid-write: a temporary file remains"
    assert list(tmp.iterdir()) == [], "nothing in the system temp folder, not even a collection database"
    assert run_build(cards, str(out), env=env).returncode == 0
    assert sorted(p.name for p in out.iterdir()) == [PACKAGE, STAMPS]
    assert list(tmp.iterdir()) == []
