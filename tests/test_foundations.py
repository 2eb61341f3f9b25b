"""The project's own curriculum (the default deck): every foundations topic at the mix."""

from __future__ import annotations

from pathlib import Path

import pytest

from ankitools import REPO, import_package
from deckbuilder.build import BuildSettings, build
from deckbuilder.core.model import MINIMUM_MIX
from deckbuilder.loader import load_curriculum

FOUNDATIONS = [
    "cap-pacelc", "fallacies", "littles-law", "amdahl-usl", "conways-law", "sharding",
    "replication", "consistency-models", "time-and-order", "raft", "paxos", "byzantine-consensus",
    "availability", "durability", "communication-patterns", "reliability-patterns", "caching-patterns",
    "partition-tolerance",
]


@pytest.fixture(scope="module")
def curriculum():
    curriculum, warnings = load_curriculum(REPO / "cards", REPO / "media", {})
    assert warnings == []
    return curriculum


def test_all_eighteen_foundations_topics_are_there(curriculum) -> None:
    assert sorted(t.id for t in curriculum.topics) == sorted(FOUNDATIONS)


@pytest.mark.parametrize("topic_id", FOUNDATIONS)
def test_topic_bank_meets_the_minimum_mix(curriculum, topic_id: str) -> None:
    topic = next(t for t in curriculum.topics if t.id == topic_id)
    counts = topic.count_by_level()
    assert {lvl: counts[lvl] >= n for lvl, n in MINIMUM_MIX.items()} == {lvl: True for lvl in MINIMUM_MIX}, counts
    assert len(topic.questions) >= 50
    assert topic.phase == 1 and topic.diagrams, "each topic has at least one diagram of its own"
    assert all(q.source.strip() for q in topic.questions)
    assert all(q.explanation.strip() for q in topic.questions), "every question explains its answer"


def test_default_deck_imports_and_every_card_renders(tmp_path: Path, collection) -> None:
    settings = BuildSettings(out_dir=tmp_path / "out", diagrams=False)
    result = build(settings)
    import_package(collection, result.out_path)
    assert collection.note_count() == len(result.notes)
    problems = []
    for cid in collection.find_cards(""):
        card = collection.get_card(cid)
        for side in (card.question(), card.answer()):
            if "there is no field called" in side or "template-error" in side or "{{" in side:
                problems.append((card.note()["Id"], side[-300:]))
    assert problems == []
