"""The built deck in a real Anki collection (the `anki` package): counts, decks, tags, HTML,
and the round trip that must keep a learner's reviews."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from ankitools import import_package
from deckbuilder.build import BuildSettings, build

ROOT = "Atlas Distributed Systems"


def build_deck(cards: Path, out: Path, **kwargs) -> Path:
    settings = BuildSettings(cards_dir=cards, media_dir=cards.parent / "media", out_dir=out, diagrams=False, **kwargs)
    result = build(settings)
    assert result.out_path is not None
    return result.out_path


@pytest.fixture
def imported(cards: Path, tmp_path: Path, collection):
    apkg = build_deck(cards, tmp_path / "out")
    import_package(collection, apkg)
    return collection


def notes_of(col, notetype: str) -> list:
    return [col.get_note(nid) for nid in col.find_notes(f'"note:{notetype}"')]


def test_note_and_card_counts_per_note_type(imported) -> None:
    col = imported
    counts = {name: (len(col.find_notes(f'"note:{name}"')), len(col.find_cards(f'"note:{name}"')))
              for name in ("Atlas Multiple Choice", "Atlas Question", "Atlas Cloze")}
    # fixture: 10 + 1 recognition; 12 Q/A recall + 15 application + 10 + 1 analysis;
    # 3 clozes, one with two deletions.
    assert counts == {"Atlas Multiple Choice": (11, 11), "Atlas Question": (38, 38), "Atlas Cloze": (3, 4)}
    assert col.note_count() == 52
    assert col.card_count() == 53


def test_deck_names(imported) -> None:
    names = sorted(d.name for d in imported.decks.all_names_and_ids())
    assert names == ["Atlas Distributed Systems", "Atlas Distributed Systems::Foundation",
                     "Atlas Distributed Systems::Foundation::Queues for tests",
                     "Atlas Distributed Systems::Scaling", "Atlas Distributed Systems::Scaling::Small", "Default"]
    assert len(imported.find_cards(f'"deck:{ROOT}::Foundation::Queues for tests"')) == 51


def test_tags(imported) -> None:
    col = imported
    note = col.get_note(col.find_notes("Id:fq-app-03")[0])
    assert note.tags == ["atlas::card::qa", "atlas::category::foundation", "atlas::kr::KR1", "atlas::kr::KR5",
                         "atlas::level::application", "atlas::path::intensive", "atlas::phase::1-foundations",
                         "atlas::topic::fixture-queues", "atlas::week::02", "fixture"]
    small = col.get_note(col.find_notes("Id:fs-rec-01")[0])
    assert small.tags == ["atlas::card::mcq", "atlas::category::scaling", "atlas::level::recognition",
                          "atlas::path::intensive", "atlas::phase::2-performance", "atlas::topic::fixture-small",
                          "atlas::week::03", "escaping"]


def test_week_tags_follow_the_chosen_path(cards: Path, tmp_path: Path, collection) -> None:
    import_package(collection, build_deck(cards, tmp_path / "out", path="balanced"))
    note = collection.get_note(collection.find_notes("Id:fq-app-03")[0])
    assert "atlas::week::03" in note.tags and "atlas::path::balanced" in note.tags


def card_of(col, note_id: str, ord_: int = 0):
    note = col.get_note(col.find_notes(f"Id:{note_id}")[0])
    return [c for c in note.cards() if c.ord == ord_][0]


def test_multiple_choice_renders_without_javascript(imported) -> None:
    card = card_of(imported, "fs-rec-01")
    question, answer = card.question(), card.answer()
    assert "<script" not in question.split("<style>")[0] + answer.split("<style>")[0].replace("&lt;script", "")
    assert ('<div class="atlas-prompt">Is <code>&lt;script&gt;alert(1)&lt;/script&gt;</code> shown as text?</div>'
            in question)
    # Shown in the question's own shuffle (display_order("fs-rec-01", 4) == (2, 0, 1, 3)).
    assert ('<ol class="atlas-options"><li><span class="letter">A</span><span>only on desktop</span></li>'
            '<li><span class="letter">B</span><span>yes, as <strong>text</strong></span></li>'
            '<li><span class="letter">C</span><span>no</span></li>'
            '<li><span class="letter">D</span><span>only on a phone</span></li></ol>') in question
    assert 'class="correct"' not in question and "Answer:" not in question
    assert ('<li class="wrong"><span class="letter">A</span><span>only on desktop</span></li><li class="correct">'
            '<span class="letter">B</span><span>yes, as <strong>text</strong></span><span class="mark">✓</span></li>') in answer
    assert "<strong>Answer: B</strong>" in answer
    assert '<div class="atlas-section"><h3>Why</h3>Raw HTML in the sources is escaped.</div>' in answer
    assert 'Small &lt;topic&gt;' in question


def test_multiple_correct_options_follow_the_shuffle(imported) -> None:
    # Source order one, two, six (correct: A, C) is shown as six, two, one.
    answer = card_of(imported, "fq-rec-10").answer()
    assert "<strong>Answer: A, C</strong>" in answer
    assert ('<li class="correct"><span class="letter">A</span><span>option six</span><span class="mark">✓</span></li>'
            '<li class="wrong"><span class="letter">B</span><span>option two</span></li>'
            '<li class="correct"><span class="letter">C</span><span>option one</span><span class="mark">✓</span></li>') in answer


def test_question_note_renders_prompt_answer_and_key_points(imported) -> None:
    card = card_of(imported, "fq-app-03")
    assert '<span class="atlas-badge application">application</span>Queues for tests' in card.question()
    assert '<div class="atlas-prompt">A queue receives 30 requests per second.</div>' in card.question()
    assert "Little's law" not in card.question()
    answer = card.answer()
    assert '<div class="atlas-answer">Apply <strong>Little\'s law</strong>.</div>' in answer
    assert ('<div class="atlas-section"><h3>Key points</h3><ul><li>measure the arrival rate</li>'
            "<li>multiply by the wait</li></ul></div>") in answer
    assert 'Source: Test fixture, section 3 · <span class="atlas-id">fq-app-03</span>' in answer
    assert "<h3>Why</h3>" not in answer  # no explanation, no empty box


def test_multi_paragraph_answer(imported) -> None:
    assert "<p>A is cheaper.</p>\n<p>B is faster.</p>" in card_of(imported, "fs-ana-01").answer()


def test_cloze_renders_one_card_per_deletion(imported) -> None:
    first, second = card_of(imported, "fq-rcl-01", 0), card_of(imported, "fq-rcl-01", 1)
    assert ('<div class="atlas-prompt"><span class="cloze" data-cloze="Little&#x27;s&#x20;law" data-ordinal="1">[...]'
            '</span> says L = <span class="cloze-inactive" data-ordinal="2">λW</span>.</div>') in first.question()
    assert ('<div class="atlas-prompt"><span class="cloze" data-ordinal="1">Little\'s law</span> says L = '
            '<span class="cloze-inactive" data-ordinal="2">λW</span>.</div>') in first.answer()
    assert ('<span class="cloze-inactive" data-ordinal="1">Little\'s law</span> says L = '
            '<span class="cloze" data-cloze="λW" data-ordinal="2">[...]</span>.</div>') in second.question()


def test_unchanged_sources_build_byte_identical_packages(cards: Path, tmp_path: Path) -> None:
    first = build_deck(cards, tmp_path / "one").read_bytes()
    second = build_deck(cards, tmp_path / "two").read_bytes()
    assert first == second


def test_source_date_epoch_sets_every_note_time(cards: Path, tmp_path: Path, collection) -> None:
    settings = BuildSettings(cards_dir=cards, media_dir=cards.parent / "media", out_dir=tmp_path / "out",
                             diagrams=False, source_date_epoch=1750000000)
    import_package(collection, build(settings).out_path)
    assert collection.db.list("select distinct mod from notes") == [1750000000]


def test_round_trip_keeps_identity_history_and_scheduling(cards: Path, tmp_path: Path, collection) -> None:
    col = collection
    import_package(col, build_deck(cards, tmp_path / "first"))
    note_ids = sorted(col.find_notes(""))
    card_ids = sorted(col.find_cards(""))
    notetypes = sorted(col.models.all_names_and_ids(), key=lambda m: m.id)

    # The learner studies: answer five cards through the real scheduler.
    col.decks.select(col.decks.id_for_name(ROOT))
    for ease in (3, 1, 4, 3, 2):
        card = col.sched.getCard()
        col.sched.answerCard(card, ease)
    revlog = col.db.all("select * from revlog order by id")
    scheduling = col.db.all("select id, type, queue, due, ivl, factor, reps, lapses, left from cards order by id")
    assert len(revlog) == 5

    # Later, someone fixes a question's text and tags in a copy of the sources and rebuilds.
    edited = tmp_path / "edited" / "cards"
    shutil.copytree(cards, edited)
    (edited.parent / "media").mkdir()
    path = edited / "topics" / "queues.yaml"
    text = path.read_text()
    text = text.replace("What is recall question 4?", "What is recall question four?")
    text = text.replace("  - id: fq-rcl-04\n    level: recall\n", "  - id: fq-rcl-04\n    level: recall\n    tags: [typo-fixed]\n")
    path.write_text(text)
    later = int(os.stat(cards / "topics" / "queues.yaml").st_mtime) + 3600
    os.utime(path, (later, later))
    import_package(col, build_deck(edited, tmp_path / "second"))

    assert sorted(col.find_notes("")) == note_ids
    assert sorted(col.find_cards("")) == card_ids
    assert sorted(col.models.all_names_and_ids(), key=lambda m: m.id) == notetypes
    note = col.get_note(col.find_notes("Id:fq-rcl-04")[0])
    assert note["Prompt"] == "What is recall question four?"
    assert "typo-fixed" in note.tags
    assert col.db.all("select * from revlog order by id") == revlog
    assert col.db.all("select id, type, queue, due, ivl, factor, reps, lapses, left from cards order by id") == scheduling


def test_rebuild_updates_only_the_edited_note_and_keeps_other_notes_tags(cards: Path, tmp_path: Path, collection) -> None:
    col = collection
    out = tmp_path / "out"
    import_package(col, build_deck(cards, out))
    other = col.get_note(col.find_notes("Id:fq-rcl-05")[0])
    other.tags.append("my-own-tag")
    col.update_note(other)

    path = cards / "topics" / "queues.yaml"
    path.write_text(path.read_text().replace("What is recall question 4?", "What is recall question four?"))
    build_time = int(time.time()) + 100
    log = import_package(col, build_deck(cards, out, now=build_time)).log

    assert [n.fields[0] for n in log.updated] == ["fq-rcl-04"]
    assert "my-own-tag" in col.get_note(other.id).tags
    assert col.get_note(col.find_notes("Id:fq-rcl-04")[0]).mod == build_time, "a changed note takes the build time"


def test_unchanged_rebuild_in_place_is_byte_identical(cards: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = build_deck(cards, out).read_bytes()
    stamps = (out / "atlas-distributed-systems.stamps.json").read_text()
    assert build_deck(cards, out).read_bytes() == first
    assert (out / "atlas-distributed-systems.stamps.json").read_text() == stamps
