"""An edit always reaches Anki — even when the note's tags changed in Anki in between (as `retag`,
`speed-draw plan` and Anki's leech tag do every week) — and a build's outputs are one unit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import requests

from ankitools import import_package
from deckbuilder.build import BuildSettings, build
from deckbuilder.output import OutputDir

OLD, NEW = "What is recall question 4?", "What is recall question four?"


def build_deck(cards: Path, out: Path, **kwargs) -> Path:
    result = build(BuildSettings(cards_dir=cards, media_dir=cards.parent / "media", out_dir=out, diagrams=False,
                                 **kwargs))
    assert result.out_path is not None
    return result.out_path


def edit_source(cards: Path, at: float) -> None:
    path = cards / "topics" / "queues.yaml"
    path.write_text(path.read_text().replace(OLD, NEW))
    os.utime(path, (at, at))


def prompt_of(col) -> str:
    return col.get_note(col.find_notes("Id:fq-rcl-04")[0])["Prompt"]


def tag_in_anki(col, tag: str) -> None:
    """What `retag` does through AnkiConnect: add a tag (Anki gives the note the current time)."""
    col.tags.bulk_add(col.find_notes("Id:fq-rcl-04"), tag)


def test_an_edit_made_before_a_tag_change_in_anki_still_reaches_anki(cards: Path, tmp_path: Path, collection) -> None:
    out = tmp_path / "out"
    import_package(collection, build_deck(cards, out))
    edit_source(cards, at=time.time() - 3600)  # edited an hour ago …
    tag_in_anki(collection, "atlas::now::week")  # … then the weekly retag touched the note
    assert collection.get_note(collection.find_notes("Id:fq-rcl-04")[0]).mod > time.time() - 5
    log = import_package(collection, build_deck(cards, out)).log
    assert [n.fields[0] for n in log.updated] == ["fq-rcl-04"]
    assert prompt_of(collection) == NEW
    # And a rebuild with nothing changed leaves the collection alone (no tags replaced), however
    # soon after its import the learner tags the note.
    stamped = collection.get_note(collection.find_notes("Id:fq-rcl-04")[0]).mod
    while time.time() < stamped + 0.01:  # the changed note was stamped one second past the build
        time.sleep(0.05)
    tag_in_anki(collection, "my-own-tag")
    assert import_package(collection, build_deck(cards, out)).log.updated == []
    assert "my-own-tag" in collection.get_note(collection.find_notes("Id:fq-rcl-04")[0]).tags


def test_a_tag_change_then_an_edit_reaches_anki(cards: Path, tmp_path: Path, collection) -> None:
    out = tmp_path / "out"
    import_package(collection, build_deck(cards, out))
    tag_in_anki(collection, "leech")
    edit_source(cards, at=time.time())
    log = import_package(collection, build_deck(cards, out)).log
    assert [n.fields[0] for n in log.updated] == ["fq-rcl-04"]
    assert prompt_of(collection) == NEW


def test_an_edit_reaches_anki_after_a_tag_change_through_ankiconnect(cards: Path, tmp_path: Path) -> None:
    from anki.collection import Collection

    from tests.companion.ankiconnect_server import anki_connect_server

    out, path = tmp_path / "out", tmp_path / "anki" / "collection.anki2"
    path.parent.mkdir()
    col = Collection(str(path))
    import_package(col, build_deck(cards, out))
    note_id = col.find_notes("Id:fq-rcl-04")[0]
    col.close()
    edit_source(cards, at=time.time() - 600)
    with anki_connect_server(path) as url:
        reply = requests.post(url, json={"action": "addTags", "version": 6,
                                         "params": {"notes": [note_id], "tags": "atlas::now::week"}}, timeout=30).json()
        assert reply == {"result": None, "error": None}
    col = Collection(str(path))
    try:
        assert "atlas::now::week" in col.get_note(note_id).tags
        import_package(col, build_deck(cards, out))
        assert col.get_note(note_id)["Prompt"] == NEW
    finally:
        col.close()


def test_a_pinned_source_date_epoch_that_blocks_an_update_is_a_warning(cards: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build_deck(cards, out, source_date_epoch=1750000000)
    edit_source(cards, at=time.time())
    result = build(BuildSettings(cards_dir=cards, media_dir=cards.parent / "media", out_dir=out, diagrams=False,
                                 source_date_epoch=1750000000))
    assert [str(w) for w in result.warnings if w.item == "SOURCE_DATE_EPOCH"] == [
        "build: SOURCE_DATE_EPOCH: 1 changed note (fq-rcl-04) would not be newer than in the previous build "
        "(SOURCE_DATE_EPOCH=1750000000): Anki skips them on import — set SOURCE_DATE_EPOCH to a later time (e.g. the "
        "commit time), or unset it".replace("build: SOURCE_DATE_EPOCH", "build: warning: SOURCE_DATE_EPOCH")]


# --- one build at a time, its outputs one unit ---------------------------------------------


def package_notes(apkg: Path) -> dict[str, tuple[int, str]]:
    """uid -> (modification time, tags) of every note in a package."""
    import sqlite3

    with zipfile.ZipFile(apkg) as zf:
        data = zf.read("collection.anki2")
    db = sqlite3.connect(":memory:")
    db.deserialize(data)
    return {flds.split("\x1f")[0]: (mod, tags) for flds, mod, tags in db.execute("select flds, mod, tags from notes")}


def test_a_second_build_on_a_locked_out_folder_stops_with_one_line(cards: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    with OutputDir(out):
        result = subprocess.run([sys.executable, "-m", "deckbuilder.cli", "--cards", str(cards), "--media",
                                 str(cards.parent / "media"), "--out", str(out), "--no-diagrams"],
                                capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"build-deck: --out {out}: another build-deck is writing there — wait for it to finish, or choose another --out"]
    assert list(out.iterdir()) == []


def test_two_builds_racing_on_one_folder_leave_a_matching_package_and_stamps(cards: Path, tmp_path: Path) -> None:
    from deckbuilder.core.stamps import content_digest

    out = tmp_path / "out"
    expected = {}
    for path in ("intensive", "extended"):
        notes = build(BuildSettings(cards_dir=cards, media_dir=cards.parent / "media", out_dir=tmp_path / "x",
                                    diagrams=False, check=True, path=path)).notes
        expected[path] = {note.uid: content_digest(note) for note in notes}
    args = ["--cards", str(cards), "--media", str(cards.parent / "media"), "--out", str(out), "--no-diagrams"]
    for _ in range(4):
        runs = [subprocess.Popen([sys.executable, "-m", "deckbuilder.cli", *args, "--path", path],
                                 stderr=subprocess.PIPE, text=True) for path in ("intensive", "extended")]
        for run in runs:
            code, err = run.wait(120), run.stderr.read()
            assert code == 0 or "another build-deck is writing there" in err, err
        stamps = json.loads((out / "atlas-distributed-systems.stamps.json").read_text())["notes"]
        package = package_notes(out / "atlas-distributed-systems.apkg")
        path = "extended" if "atlas::path::extended" in package["fq-rcl-04"][1] else "intensive"
        assert {uid: stamp[0] for uid, stamp in stamps.items()} == expected[path]
        assert {uid: stamp[1] for uid, stamp in stamps.items()} == {uid: mod for uid, (mod, _) in package.items()}
