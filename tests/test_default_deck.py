"""The default deck as a learner gets it, measured in a real collection: an answer key that cannot
be gamed, answers short enough to check at a glance, and every note a learner already has."""

from __future__ import annotations

import html
import re

import pytest

from ankitools import REPO, import_package
from deckbuilder.build import BuildSettings, build
from deckbuilder.writer import note_guid

GUIDS_2026_12_02 = REPO / "tests" / "data" / "default-deck-guids-2026-12-02.tsv"
LIMITS = {"recall": 40, "application": 60, "analysis": 80}
_TAG = re.compile(r"<[^>]+>")
_OPTION = re.compile(r'<li[^>]*><span class="letter">([A-J])</span><span>(.*?)</span>(?:<span class="mark">.*?</span>)?</li>')
_GAP = re.compile(r"\{\{c\d+::(.*?)(?:::.*?)?\}\}", re.S)


def text_of(fragment: str) -> str:
    return html.unescape(_TAG.sub(" ", fragment))


def words(fragment: str) -> int:
    return sum(1 for token in text_of(fragment).split() if any(ch.isalnum() for ch in token))


@pytest.fixture(scope="module")
def deck(tmp_path_factory: pytest.TempPathFactory):
    """The default deck (questions only: diagrams have their own tests) in a fresh collection."""
    from anki.collection import Collection

    tmp = tmp_path_factory.mktemp("default-deck")
    result = build(BuildSettings(out_dir=tmp / "out", diagrams=False))
    col = Collection(str(tmp / "collection.anki2"))
    import_package(col, result.out_path)
    yield col, result
    col.close()


def notes(col, notetype: str) -> list:
    return [col.get_note(nid) for nid in col.find_notes(f'"note:{notetype}"')]


def test_the_answer_key_cannot_be_gamed(deck) -> None:
    col, _ = deck
    longest_score = 0.0
    ratios = []
    letters: dict[str, int] = {}
    single = four = 0
    for note in notes(col, "Atlas Multiple Choice"):
        options = {letter: len(text_of(body).strip()) for letter, body in _OPTION.findall(note["Options"])}
        correct = [c.strip() for c in note["Correct"].split(",")]
        assert options and set(correct) <= set(options), note["Id"]
        others = [n for letter, n in options.items() if letter not in correct]
        ratios.append(sum(options[c] for c in correct) / len(correct) / (sum(others) / len(others)))
        if len(correct) == 1:
            single += 1
            top = max(options.values())
            tied = [letter for letter, n in options.items() if n == top]
            longest_score += (correct[0] in tied) / len(tied)
            if len(options) == 4:
                four += 1
                letters[correct[0]] = letters.get(correct[0], 0) + 1
    assert single > 200
    assert longest_score / single <= 0.35, f"pick the longest scores {longest_score / single:.1%}"
    shares = {letter: n / four for letter, n in sorted(letters.items())}
    assert set(shares) == set("ABCD") and all(0.15 <= s <= 0.35 for s in shares.values()), shares
    assert sum(ratios) / len(ratios) <= 1.2, f"correct options are {sum(ratios) / len(ratios):.2f}x a distractor"


def test_written_answers_can_be_checked_at_a_glance(deck) -> None:
    col, _ = deck
    counts = [(note["Id"], note["Level"], words(note["Answer"])) for note in notes(col, "Atlas Question")]
    within = [c for c in counts if c[2] <= LIMITS[c[1]]]
    far_over = [c for c in counts if c[2] > 1.5 * LIMITS[c[1]]]
    assert len(counts) > 700
    assert len(within) / len(counts) >= 0.98, sorted(set(counts) - set(within), key=lambda c: -c[2])[:20]
    assert far_over == []


def test_cloze_gaps_hide_few_words(deck) -> None:
    col, _ = deck
    gaps = [(note["Id"], words(gap)) for note in notes(col, "Atlas Cloze") for gap in _GAP.findall(note["Text"])]
    assert len(gaps) > 150
    long = [g for g in gaps if g[1] > 8]
    assert len(long) / len(gaps) <= 0.03, long


def test_every_note_of_the_2026_12_02_deck_is_still_there(deck) -> None:
    """A learner's reviews hang on these GUIDs: a rewrite of the cards must keep every one."""
    col, result = deck
    pinned = dict(line.split("\t") for line in GUIDS_2026_12_02.read_text().splitlines() if not line.startswith("#"))
    questions = {uid: guid for uid, guid in pinned.items() if not uid.startswith("atlas-")}
    assert len(pinned) == 1197 and len(questions) == 995
    in_collection = {col.get_note(nid).guid for nid in col.find_notes("")}
    assert {uid: guid for uid, guid in questions.items() if guid not in in_collection} == {}
    assert all(note_guid(uid) == guid for uid, guid in pinned.items()), "the GUID rule itself is unchanged"
    built = {note.uid for note in result.notes}
    assert set(questions) <= built
