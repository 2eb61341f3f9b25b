"""``ATLAS_ANKI_HOME``: one line when it cannot be used; the learner's records kept apart from the
review cache (deleting the cache loses nothing); a store of the first layout moved on first run.

Read-only folders are real: a tmpfs mounted read-only inside a private mount namespace
(``unshare -rm``), since root (as in CI) ignores permission bits.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from companion.cache import ReviewCache
from companion.cli import retag_command, retention_command, speed_draw_group
from companion.home import Home
from companion.migrate import first_layout_name, first_layout_stores
from companion.records import Records
from companion.store import DeckStore
from review_history import ROOT

pytest_plugins = ["companion_fixtures"]

FIRST_LAYOUT = "atlas-distributed-systems-6a94cc7d.sqlite3"  # the name the first layout gave the default deck


def call(url: str, action: str, **params):
    reply = requests.post(url, json={"action": action, "version": 6, "params": params}).json()
    assert reply["error"] is None, reply
    return reply["result"]


def can_unshare() -> bool:
    return shutil.which("unshare") is not None and subprocess.run(
        ["unshare", "-rm", "true"], capture_output=True).returncode == 0


needs_unshare = pytest.mark.skipif(not can_unshare(), reason="needs user and mount namespaces (unshare -rm)")

COMMANDS = {  # console script -> arguments that need no Anki
    "retention": ["--offline"],
    "retag": ["--undo"],
    "speed-draw record": ["record", "1", "--accuracy", "90", "--seconds", "100"],
}
MAINS = {"retention": "retention_main", "retag": "retag_main", "speed-draw record": "speed_draw_main"}


def run_command(name: str, home: Path, *, script: str = "") -> subprocess.CompletedProcess:
    """The console script in a subprocess; with ``script``, inside a namespace that ran it first."""
    command = [sys.executable, "-c", f"from companion.cli import {MAINS[name]} as m; m()", *COMMANDS[name]]
    if script:
        command = ["unshare", "-rm", "sh", "-c", script + ' && exec "$@"', "sh", *command]
    env = {**os.environ, "ATLAS_ANKI_HOME": str(home)}
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)


def one_line(result) -> str:
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


# ---------------------------------------------------------------------------------------
# 2. A home that cannot be used


@needs_unshare
@pytest.mark.parametrize("name", COMMANDS)
def test_a_read_only_home(tmp_path, name):
    home = tmp_path / "home"
    home.mkdir()
    assert one_line(run_command(name, home, script=f"mount -t tmpfs -o ro tmpfs {home}")) == (
        f"{name}: cannot write to the companion's folder {home} (read-only file system): make it writable, or set "
        f"ATLAS_ANKI_HOME to another folder")


@needs_unshare
@pytest.mark.parametrize("name", COMMANDS)
def test_a_home_that_cannot_be_created(tmp_path, name):
    parent = tmp_path / "mnt"
    parent.mkdir()
    home = parent / "atlas"
    assert one_line(run_command(name, home, script=f"mount -t tmpfs -o ro tmpfs {parent}")) == (
        f"{name}: cannot create the companion's folder {home} (read-only file system): set ATLAS_ANKI_HOME to a "
        f"folder you can write")


@needs_unshare
def test_a_home_that_became_read_only_keeps_everything(served, companion_home, tmp_path):
    assert CliRunner().invoke(retention_command, ["--url", served.url]).exit_code == 0
    assert CliRunner().invoke(speed_draw_group, COMMANDS["speed-draw record"]).exit_code == 0
    before = {p.name: p.read_bytes() for p in companion_home.rglob("*") if p.is_file()}
    mount = tmp_path / "mnt"
    mount.mkdir()
    script = (f"mount -t tmpfs tmpfs {mount} && cp -a {companion_home}/. {mount}/ && "
              f"mount -o remount,ro {mount} && ls -A {mount} > {tmp_path}/seen")
    assert one_line(run_command("speed-draw record", mount, script=script)) == (
        f"speed-draw record: cannot write to the companion's folder {mount} (read-only file system): make it "
        f"writable, or set ATLAS_ANKI_HOME to another folder")
    assert (tmp_path / "seen").read_text().split() == sorted(p.name for p in companion_home.iterdir())
    assert {p.name: p.read_bytes() for p in companion_home.rglob("*") if p.is_file()} == before


@pytest.mark.parametrize("name", COMMANDS)
def test_a_home_below_a_file(tmp_path, name):
    (tmp_path / "notes").write_text("mine")
    home = tmp_path / "notes" / "atlas"
    assert one_line(run_command(name, home)) == (
        f"{name}: cannot create the companion's folder {home} ({tmp_path / 'notes'} is a file, not a folder): set "
        f"ATLAS_ANKI_HOME to a folder you can write")
    assert (tmp_path / "notes").read_text() == "mine"


@pytest.mark.parametrize("name", COMMANDS)
def test_a_home_that_is_a_file(tmp_path, name):
    home = tmp_path / "atlas"
    home.write_text("mine")
    assert one_line(run_command(name, home)) == (
        f"{name}: the companion's folder {home} is a file, not a folder: set ATLAS_ANKI_HOME to a folder")
    assert home.read_text() == "mine"


# ---------------------------------------------------------------------------------------
# 4. Records apart from the cache; the first layout moved on first run


def test_the_layout_keeps_records_out_of_the_cache(served, companion_home):
    assert CliRunner().invoke(retention_command, ["--url", served.url]).exit_code == 0
    assert CliRunner().invoke(speed_draw_group, COMMANDS["speed-draw record"]).exit_code == 0
    home = Home(companion_home)
    assert sorted(p.relative_to(companion_home).as_posix() for p in companion_home.rglob("*")) == [
        "cache", f"cache/{home.cache_file(ROOT).name}", "records.sqlite"]
    cache = sqlite3.connect(home.cache_file(ROOT))
    assert {r[0] for r in cache.execute("SELECT name FROM sqlite_master WHERE type = 'table'")} == {
        "meta", "revlog", "cards", "note_tags", "note_diagrams"}
    cache.close()

    shutil.rmtree(home.cache_dir)  # "delete the cache"
    again = CliRunner().invoke(retention_command, ["--url", served.url, "--json"])
    assert again.exit_code == 0, again.output
    assert [(r["note"], r["accuracy"]) for r in json.loads(again.stdout)["speed_draw"]["results"]] == [(1, 90.0)]


def test_damaged_records_are_never_called_deletable(companion_home):
    companion_home.mkdir()
    records = companion_home / "records.sqlite"
    records.write_text("my results, damaged\n" * 300)
    result = CliRunner().invoke(speed_draw_group, COMMANDS["speed-draw record"])
    assert (result.exit_code, result.stderr) == (1, (
        f"speed-draw record: your records {records} cannot be read (file is not a database): they cannot be rebuilt "
        f"from Anki; restore the file from a backup, or move it away to start new records\n"))
    assert records.read_text() == "my results, damaged\n" * 300


V1_RECORD_TABLES = """
CREATE TABLE retag_runs (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, summary TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'applied', 'undone')));
CREATE TABLE retag_changes (run INTEGER NOT NULL REFERENCES retag_runs (id),
    op TEXT NOT NULL CHECK (op IN ('add', 'remove')), tag TEXT NOT NULL, nid INTEGER NOT NULL);
CREATE TABLE speed_draw_plans (week TEXT NOT NULL, nid INTEGER NOT NULL, position INTEGER NOT NULL,
    title TEXT NOT NULL, minutes INTEGER NOT NULL, planned_at INTEGER NOT NULL, PRIMARY KEY (week, nid));
CREATE TABLE speed_draw_results (id INTEGER PRIMARY KEY AUTOINCREMENT, nid INTEGER NOT NULL, at INTEGER NOT NULL,
    week TEXT NOT NULL, accuracy REAL NOT NULL, seconds INTEGER NOT NULL, limit_seconds INTEGER);
"""


def write_first_layout_records(path: Path, statements: str) -> None:
    """Add the first layout's record tables and rows to ``path`` like a process killed after its
    commit: the rows stay in the ``-wal`` file, never folded into the database."""
    script = textwrap.dedent(f"""
        import os, sqlite3
        db = sqlite3.connect({str(path)!r}, isolation_level=None)
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        db.executescript({V1_RECORD_TABLES + statements!r})
        os._exit(0)
    """)
    subprocess.run([sys.executable, "-c", script], check=True)
    assert Path(f"{path}-wal").stat().st_size > 0


def first_layout_store(home: Path, url: str) -> Path:
    """A store as the first layout left it: the review cache and the records in one file per deck."""
    assert CliRunner().invoke(retention_command, ["--url", url]).exit_code == 0
    old = home / FIRST_LAYOUT
    Home(home).cache_file(ROOT).rename(old)
    shutil.rmtree(home / "cache")
    (home / "records.sqlite").unlink()
    return old


def test_a_first_layout_store_keeps_its_speed_draw_results_and_undo_log(fresh, companion_home):
    url, h = fresh.url, fresh.history
    raft = h.speed_draw[0]
    week2 = h.notes["Guarantees::CAP"][:2]
    call(url, "addTags", notes=week2, tags="atlas::now::week")  # what the old run applied
    old = first_layout_store(companion_home, url)
    write_first_layout_records(old, f"""
        INSERT INTO retag_runs VALUES (1, 1790000000, 'week 1 of 16 (intensive), phase 1 Foundations & Patterns',
                                       'undone');
        INSERT INTO retag_runs VALUES (2, 1790600000, 'week 2 of 16 (intensive), phase 1 Foundations & Patterns',
                                       'applied');
        INSERT INTO retag_changes VALUES (2, 'add', 'atlas::now::week', {week2[0]}), (2, 'add', 'atlas::now::week',
                                          {week2[1]});
        INSERT INTO speed_draw_plans VALUES ('2026-W48', {raft}, 0, 'Raft leader election', 5, 1790600000);
        INSERT INTO speed_draw_results VALUES (1, {raft}, 1790700000, '2026-W48', 88.0, 200, 300);
    """)
    assert first_layout_name(ROOT) == FIRST_LAYOUT

    offline = CliRunner().invoke(retention_command, ["--offline", "--json"])
    assert offline.exit_code == 0, offline.output
    assert offline.stderr == (f"moved {FIRST_LAYOUT} to the new layout: your speed-draw results and retag log into "
                              f"{companion_home / 'records.sqlite'}, its reviews into {companion_home / 'cache'}\n")
    data = json.loads(offline.stdout)
    assert data["true_retention"] == fresh.deck_oracle  # the old file's reviews are the cache now
    assert [(r["note"], r["accuracy"], r["limit_seconds"]) for r in data["speed_draw"]["results"]] == [
        (raft, 88.0, 300)]
    assert sorted(p.name for p in companion_home.iterdir()) == ["cache", "records.sqlite"]
    assert sorted(p.name for p in (companion_home / "cache").iterdir()) == [Home(companion_home).cache_file(ROOT).name]

    undone = CliRunner().invoke(retag_command, ["--url", url, "--undo"])
    assert undone.exit_code == 0, undone.output
    assert undone.stdout.startswith("undid retag run 2 (week 2 of 16 (intensive), phase 1 Foundations & Patterns):\n")
    assert not any("atlas::now::week" in n["tags"] for n in call(url, "notesInfo", notes=week2))
    nothing = CliRunner().invoke(retag_command, ["--url", url, "--undo"])
    assert nothing.stderr == "retag: nothing to undo: no retag has been applied with this deck (or all were undone)\n"

    recorded = CliRunner().invoke(speed_draw_group, ["record", str(raft), "--accuracy", "90", "--seconds", "100"])
    assert recorded.stdout == "recorded Raft leader election: 90% in 1:40 (limit 5:00): excellent, normal interval\n"

    shutil.rmtree(companion_home / "cache")  # deleting the cache loses no record
    synced = CliRunner().invoke(retention_command, ["--url", url, "--json"])
    assert synced.exit_code == 0 and "moved" not in synced.stderr
    assert [(r["note"], r["accuracy"]) for r in json.loads(synced.stdout)["speed_draw"]["results"]] == [
        (raft, 88.0), (raft, 90.0)]


def test_a_move_cut_short_after_the_copy_copies_nothing_twice(tmp_path):
    old = tmp_path / FIRST_LAYOUT
    ReviewCache(old).close()
    write_first_layout_records(old, "INSERT INTO speed_draw_results VALUES (1, 7, 1790700000, '2026-W48', 88, 200, "
                                    "NULL);")
    home = Home(tmp_path)
    (tmp_path / "cache").mkdir()
    with Records(home.records, ROOT) as records:
        assert records.adopt(old) is True  # then killed before the move
    with DeckStore(home, "atlas distributed systems") as store:  # typed in another case
        assert store.migrated == (old,)
        assert [(r.nid, r.accuracy) for r in store.records.results()] == [(7, 88.0)]
    assert not old.exists() and home.cache_file(ROOT).is_file()


def test_which_first_layout_files_belong_to_a_deck(tmp_path):
    home = Home(tmp_path)
    for spelling in (ROOT, "atlas distributed systems", "ATLAS DISTRIBUTED SYSTEMS", "Atlas-Distributed Systems",
                     "Atlas Distributed Systems Extra"):
        (tmp_path / first_layout_name(spelling)).write_bytes(b"")
    assert [p.name for p in first_layout_stores(home, "atlas distributed systems")] == [
        first_layout_name(s) for s in ("atlas distributed systems", "ATLAS DISTRIBUTED SYSTEMS", ROOT)]
