"""One cache, one rule: every entry under one fingerprint of the whole package's code and the
tools' versions; JSON in SQLite and files named by content, no pickles; a typed failure kind
decides what is cached. The code-change test builds with an altered copy of the package."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.diagrams.conftest import MERMAID_JS, REPO, build
from tests.diagrams.test_render_small import checkout

PACKAGE = REPO / "deckbuilder"


def _week_tags(result) -> dict[str, str]:
    return {n.uid: next(t for t in n.tags if t.startswith("atlas::week::")) for n in result.notes}


def _folders(cache: Path) -> list[str]:
    return sorted(p.name for p in cache.iterdir())


# --- the fingerprint ---------------------------------------------------------------------------

def _copy_package(tmp_path: Path) -> Path:
    copy = tmp_path / "pkg" / "deckbuilder"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


@pytest.mark.parametrize("change", [
    ("core/plan.py", "\n# a comment\n"),
    ("diagrams/render.js", "\n// a comment\n"),
    ("notetypes/style.css", "\n/* a comment */\n"),
    ("diagrams/new_module.py", ""),  # a file no list names
])
def test_any_code_file_of_the_package_changes_the_fingerprint(tmp_path, change):
    from deckbuilder.cachestore import fingerprint

    copy = _copy_package(tmp_path)
    tools = {"mermaid": "12.3.0", "chromium": "Chromium 156", "genanki": "0.13.1"}
    before = fingerprint(tools, copy)
    assert before == fingerprint(tools, PACKAGE)
    name, text = change
    with open(copy / name, "a", encoding="utf-8") as handle:
        handle.write(text)
    assert fingerprint(tools, copy) != before
    (copy / "notes.txt").write_text("not code")
    assert fingerprint({**tools}, copy) == fingerprint(tools, copy)


@pytest.mark.parametrize("tool", ["mermaid", "chromium", "genanki"])
def test_each_tool_version_changes_the_fingerprint(tool):
    from deckbuilder.cachestore import fingerprint

    tools = {"mermaid": "12.3.0", "chromium": "Chromium 156", "genanki": "0.13.1"}
    assert fingerprint({**tools, tool: tools[tool] + ".1"}) != fingerprint(tools)


ALTERED_BUILD = """
import json, sys
from pathlib import Path
from deckbuilder.diagrams import DiagramOptions, build_diagram_notes
from deckbuilder.loader import load_plan
import deckbuilder
assert Path(deckbuilder.__file__).parent == Path(sys.argv[1]), deckbuilder.__file__
result = build_diagram_notes(plan=load_plan(Path(sys.argv[2])), path="intensive", atlas_dir=Path(sys.argv[3]),
                             own_diagrams=[], options=DiagramOptions(cache_dir=Path(sys.argv[4]),
                             mermaid_js=Path(sys.argv[5])))
print(json.dumps({"rendered_now": result.rendered_now,
                  "weeks": {n.uid: [t for t in n.tags if t.startswith("atlas::week::")][0] for n in result.notes}}))
"""


def test_a_warm_cache_never_serves_output_of_other_code(plan, tmp_path):
    """Week scaling altered in a copy of the package (core/plan.py), built with the same cache
    dir in a subprocess: the notes carry the new weeks, the renders are redone under the new
    fingerprint, and the old fingerprint's folder is pruned."""
    root = checkout(tmp_path / "atlas")
    cache = tmp_path / "cache"
    first = build(plan, root, cache)
    assert build(plan, root, cache).rendered_now == 0  # warm
    first_week, last_week = plan.phase(3).span("intensive")  # the checkout's 2 pages are in phase 3
    assert sorted(set(_week_tags(first).values())) == [
        f"atlas::week::{first_week:02d}", f"atlas::week::{first_week + (last_week - first_week + 1) // 2:02d}"]
    [old_folder] = _folders(cache)

    copy = _copy_package(tmp_path)
    plan_py = copy / "core" / "plan.py"
    original = "    return [first + (i * n_weeks) // count for i in range(count)] if count else []"
    assert original in plan_py.read_text(encoding="utf-8")
    plan_py.write_text(plan_py.read_text(encoding="utf-8").replace(original, "    return [last] * count"),
                       encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [sys.executable, "-c", ALTERED_BUILD, str(copy), str(REPO / "cards" / "plan.yaml"), str(root), str(cache),
         str(MERMAID_JS)],
        cwd=copy.parent, env={**env, "PYTHONPATH": str(copy.parent)}, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    altered = json.loads(done.stdout)
    assert altered["weeks"].keys() == _week_tags(first).keys()
    assert set(altered["weeks"].values()) == {f"atlas::week::{last_week:02d}"}  # all in the phase's last week
    assert altered["rendered_now"] == 2  # nothing of the other code's cache was served
    [new_folder] = _folders(cache)
    assert new_folder != old_folder  # the old fingerprint's folder is gone

    again = build(plan, root, cache)  # and back: the original code's notes, rendered afresh
    assert _week_tags(again) == _week_tags(first) and again.rendered_now == 2


# --- the store ---------------------------------------------------------------------------------

def test_the_store_holds_json_in_sqlite_and_images_named_by_content_never_pickles(plan, tmp_path):
    import sqlite3

    root = checkout(tmp_path / "atlas")
    cache = tmp_path / "cache"
    result = build(plan, root, cache)
    [folder] = (cache / name for name in _folders(cache))
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    images = sorted({Path(m.path) for n in result.notes for m in n.media})
    assert files == sorted(["index.sqlite", *(p.relative_to(folder).as_posix() for p in images)])
    import hashlib
    for image in images:
        assert image.name == hashlib.sha256(image.read_bytes()).hexdigest() + ".webp"
    with sqlite3.connect(folder / "index.sqlite") as db:
        rows = db.execute("SELECT namespace, value FROM entry ORDER BY namespace").fetchall()
    assert [ns for ns, _ in rows] == ["image", "image", "render", "render"]
    for _, value in rows:
        json.loads(value)
    assert not any(p.suffix == ".pickle" for p in cache.rglob("*"))
    assert not (REPO / "deckbuilder" / "picklecache.py").exists()


def test_the_failure_kind_alone_decides_what_is_cached(tmp_path):
    from deckbuilder.diagrams.cache import RenderRecord, open_render_cache

    cache = open_render_cache(tmp_path, {"test": "kinds"})
    records = {
        "parse": RenderRecord.failed("parse", "rendering took longer than 30 s (timed out)"),  # the words do not matter
        "timeout": RenderRecord.failed("timeout", "Parse error on line 2"),
        "transient": RenderRecord.failed("transient", "Syntax error in text"),
        "ok": RenderRecord(width=10.0, height=20.0),
    }
    stored = {name: cache.put_record(name, record) for name, record in records.items()}
    assert stored == {"parse": True, "timeout": False, "transient": False, "ok": True}
    cache.close()
    reopened = open_render_cache(tmp_path, {"test": "kinds"})
    assert reopened.records(list(records)) == {"parse": records["parse"], "ok": records["ok"]}
    reopened.close()


def test_a_damaged_entry_is_a_miss(tmp_path):
    import sqlite3

    from deckbuilder.diagrams.cache import RenderRecord, open_render_cache

    cache = open_render_cache(tmp_path, {"test": "damage"})
    cache.put_record("a", RenderRecord(width=1.0, height=1.0))
    cache.put_record("b", RenderRecord(width=2.0, height=2.0))
    cache.close()
    [folder] = list(tmp_path.iterdir())
    with sqlite3.connect(folder / "index.sqlite") as db:
        db.execute("UPDATE entry SET value = '{not json' WHERE key = 'a'")
        db.execute("""UPDATE entry SET value = '{"width": 1}' WHERE key = 'b'""")
    reopened = open_render_cache(tmp_path, {"test": "damage"})
    assert reopened.records(["a", "b"]) == {}
    reopened.close()


def test_pruning_removes_only_other_fingerprints_folders(tmp_path):
    from deckbuilder.diagrams.cache import open_render_cache

    open_render_cache(tmp_path, {"v": "1"}).close()
    [old] = _folders(tmp_path)
    (tmp_path / "mine").mkdir()  # not a fingerprint's folder: left alone
    (tmp_path / "0123456789abcdef").mkdir()  # looks like one, but holds no index: left alone
    open_render_cache(tmp_path, {"v": "2"}).close()
    assert old not in _folders(tmp_path)
    assert {"mine", "0123456789abcdef"} <= set(_folders(tmp_path))
    assert len(_folders(tmp_path)) == 3


def test_the_caches_of_earlier_versions_are_deleted(tmp_path):
    from deckbuilder.diagrams.cache import open_render_cache

    old = tmp_path / "diagrams" / "mermaid-12.3.0-r6-chromium-1-2"
    (old / "builds").mkdir(parents=True)
    (old / "records.pickle").write_bytes(b"\x80\x05N.")
    (tmp_path / "other").mkdir()
    open_render_cache(tmp_path, {"v": "1"}).close()
    assert not (tmp_path / "diagrams").exists() and (tmp_path / "other").is_dir()
