"""The writer's identities: GUIDs from stable ids, note and card ids from the sources' time."""

from __future__ import annotations

import os
import sqlite3
import time
import zipfile
from contextlib import closing
from pathlib import Path

import genanki

from ankitools import import_package
from deckbuilder.build import BuildSettings, build
from deckbuilder.writer import note_guid


def test_note_guid_is_genankis_guid_for() -> None:
    uids = ["fq-rcl-04", "", "a", "atlas-occlusion:site/docs/patterns/cqrs.md#0:B", "é∑漢字🙂", "x" * 500]
    uids += [f"topic-{i}-q{j:03d}" for i in range(40) for j in range(50)]
    assert [note_guid(uid) for uid in uids] == [genanki.guid_for("atlas-anki", uid) for uid in uids]


def test_ids_count_from_the_newest_source_time(cards: Path, tmp_path: Path, collection) -> None:
    # Times in the past: Anki keeps an incoming id unless its collection holds it, but it was seen
    # (anki 26.9) to renumber part of a package whose ids lie in the future.
    now = int(time.time())
    path = cards / "topics" / "queues.yaml"
    os.utime(path, (now - 100, now - 100))
    expected = max([now - 100] + notetype_times())
    result = build(BuildSettings(cards_dir=cards, media_dir=cards.parent / "media", out_dir=tmp_path / "out",
                                 diagrams=False))
    import_package(collection, result.out_path)
    note_ids = sorted(collection.find_notes(""))
    card_ids = sorted(collection.find_cards(""))
    assert len(note_ids) == len(result.notes)
    assert note_ids[0] == expected * 1000
    assert sorted(note_ids + card_ids) == list(range(expected * 1000, expected * 1000 + len(note_ids) + len(card_ids)))

    # An edit: the changed note takes the build time, the ids still count from the sources' time.
    path.write_text(path.read_text().replace("What is recall question 4?", "What is recall question four?"))
    os.utime(path, (now - 1, now - 1))
    rebuilt = build(BuildSettings(cards_dir=cards, media_dir=cards.parent / "media", out_dir=tmp_path / "out",
                                  diagrams=False, now=now + 100_000)).out_path
    ids, times = package_ids(rebuilt)
    assert min(ids) == max([now - 1] + notetype_times()) * 1000 and now + 100_000 in times


def notetype_times() -> list[int]:
    """The note type sources' times (a source too: a changed template must reach Anki)."""
    folder = Path(__file__).resolve().parent.parent / "deckbuilder" / "notetypes"
    return [int(p.stat().st_mtime) for p in folder.iterdir() if p.is_file()]


def package_ids(apkg: Path) -> tuple[list[int], set[int]]:
    """The package's note and card ids, and its notes' modification times."""
    db = apkg.parent / "collection.anki2"
    with zipfile.ZipFile(apkg) as archive:
        db.write_bytes(archive.read("collection.anki2"))
    with closing(sqlite3.connect(db)) as conn:
        ids = [row[0] for row in conn.execute("SELECT id FROM notes UNION ALL SELECT id FROM cards")]
        times = {row[0] for row in conn.execute("SELECT DISTINCT mod FROM notes")}
    db.unlink()
    return ids, times


def test_ids_under_source_date_epoch_do_not_depend_on_the_clock(cards: Path, tmp_path: Path, collection) -> None:
    settings = dict(cards_dir=cards, media_dir=cards.parent / "media", diagrams=False, source_date_epoch=1_750_000_000)
    first = build(BuildSettings(out_dir=tmp_path / "one", now=1_800_000_000, **settings)).out_path
    second = build(BuildSettings(out_dir=tmp_path / "two", now=1_900_000_000, **settings)).out_path
    assert first.read_bytes() == second.read_bytes()
    import_package(collection, first)
    assert min(collection.find_notes("")) == 1_750_000_000 * 1000
