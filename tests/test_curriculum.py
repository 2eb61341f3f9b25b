"""The project's own curriculum (the default deck): every topic of phases 1–5 at the plan's mix,
pinned topic by topic, and the deck as a learner imports it."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from ankitools import REPO, import_package
from deckbuilder.build import BuildSettings, build
from deckbuilder.core.model import MINIMUM_MIX
from deckbuilder.loader import load_curriculum

# (topic id, phase, week on the 16-week path, category, (recognition, recall, application, analysis))
TOPICS = [
    ("amdahl-usl", 1, 1, "foundation", (11, 17, 16, 11)),
    ("cap-pacelc", 1, 1, "guarantees", (11, 17, 16, 11)),
    ("consistency-models", 1, 1, "guarantees", (11, 16, 16, 11)),
    ("conways-law", 1, 1, "foundation", (11, 16, 16, 11)),
    ("fallacies", 1, 1, "foundation", (11, 16, 16, 11)),
    ("littles-law", 1, 1, "foundation", (11, 18, 16, 11)),
    ("replication", 1, 1, "mechanisms", (12, 16, 16, 11)),
    ("sharding", 1, 1, "patterns", (11, 17, 16, 11)),
    ("time-and-order", 1, 1, "mechanisms", (11, 16, 16, 11)),
    ("availability", 1, 2, "guarantees", (12, 17, 16, 11)),
    ("byzantine-consensus", 1, 2, "mechanisms", (12, 17, 16, 11)),
    ("caching-patterns", 1, 2, "patterns", (12, 17, 16, 11)),
    ("communication-patterns", 1, 2, "patterns", (12, 17, 16, 11)),
    ("durability", 1, 2, "guarantees", (12, 17, 16, 11)),
    ("partition-tolerance", 1, 2, "mechanisms", (12, 17, 16, 11)),
    ("paxos", 1, 2, "mechanisms", (12, 17, 16, 11)),
    ("raft", 1, 2, "mechanisms", (12, 16, 17, 11)),
    ("reliability-patterns", 1, 2, "patterns", (12, 17, 16, 11)),
    ("finding-bottlenecks", 2, 3, "performance", (13, 17, 17, 11)),
    ("tail-latency", 2, 3, "performance", (13, 17, 17, 11)),
    ("caching-at-scale", 2, 4, "scaling", (14, 17, 17, 11)),
    ("load-balancing", 2, 4, "scaling", (13, 17, 17, 11)),
    ("scaling-databases", 2, 4, "scaling", (13, 17, 17, 11)),
    ("batch-and-stream", 2, 5, "scaling", (12, 18, 17, 11)),
    ("logs-and-streams", 2, 5, "scaling", (12, 18, 17, 11)),
    ("storage-engines", 2, 5, "performance", (12, 18, 17, 11)),
    ("autoscaling", 2, 6, "scaling", (12, 18, 17, 11)),
    ("cdn-edge", 2, 6, "performance", (13, 18, 17, 11)),
    ("cloud-costs", 2, 6, "costs", (12, 18, 17, 11)),
    ("google-coordination", 3, 7, "systems", (13, 18, 16, 10)),
    ("google-storage", 3, 7, "systems", (12, 17, 16, 10)),
    ("amazon-dynamo-aurora", 3, 8, "systems", (12, 18, 16, 10)),
    ("meta-memcache-tao", 3, 8, "systems", (12, 19, 16, 10)),
    ("netflix-resilience", 3, 9, "systems", (13, 18, 16, 11)),
    ("uber-platform", 3, 10, "systems", (13, 20, 17, 11)),
    ("incident-response", 4, 11, "incidents", (14, 18, 17, 11)),
    ("slos-error-budgets", 4, 11, "incidents", (14, 18, 17, 11)),
    ("cascading-failures", 4, 12, "incidents", (14, 18, 17, 11)),
    ("debugging-distributed", 4, 13, "debugging", (14, 18, 17, 11)),
    ("landmark-outages", 4, 13, "incidents", (14, 19, 17, 11)),
    ("safe-deployments", 4, 14, "incidents", (12, 18, 17, 11)),
    ("capacity-planning", 5, 15, "capacity", (13, 18, 18, 11)),
    ("migrations", 5, 15, "migrations", (13, 20, 17, 11)),
    ("multi-region", 5, 16, "comparisons", (13, 18, 17, 11)),
    ("system-design", 5, 16, "capacity", (13, 18, 17, 11)),
    ("tech-tradeoffs", 5, 16, "comparisons", (13, 18, 17, 11)),
]
LEVELS = ("recognition", "recall", "application", "analysis")


@pytest.fixture(scope="module")
def curriculum():
    curriculum, warnings = load_curriculum(REPO / "cards", REPO / "media")
    assert warnings == []
    return curriculum


def test_every_topic_is_there_with_its_place_and_mix(curriculum) -> None:
    found = sorted(
        (t.id, t.phase, t.reference_week, t.category, tuple(t.count_by_level()[lvl] for lvl in LEVELS))
        for t in curriculum.topics)
    assert found == sorted(TOPICS)


@pytest.mark.parametrize("topic_id", [t[0] for t in TOPICS])
def test_topic_bank_meets_the_minimum_mix(curriculum, topic_id: str) -> None:
    topic = next(t for t in curriculum.topics if t.id == topic_id)
    counts = topic.count_by_level()
    assert {lvl: counts[lvl] >= n for lvl, n in MINIMUM_MIX.items()} == {lvl: True for lvl in MINIMUM_MIX}, counts
    assert len(topic.questions) >= 50
    assert topic.diagrams and all((REPO / "media" / name).is_file() for name in topic.diagrams), \
        "each topic has a diagram of its own"
    assert all(q.source.strip() for q in topic.questions)
    assert all(q.explanation.strip() for q in topic.questions), "every question explains its answer"


def test_the_curriculum_covers_every_phase() -> None:
    per_phase = Counter(phase for _, phase, _, _, _ in TOPICS)
    assert len(TOPICS) >= 45 and all(per_phase[p] >= 4 for p in range(1, 6)), per_phase
    assert sum(sum(mix) for *_, mix in TOPICS) >= 2300


def test_default_deck_imports_with_every_topic_at_the_mix_and_every_card_renders(tmp_path: Path, collection) -> None:
    result = build(BuildSettings(out_dir=tmp_path / "out", diagrams=False))
    import_package(collection, result.out_path)
    assert collection.note_count() == len(result.notes)
    mix: dict[str, Counter] = {}
    for nid in collection.find_notes(""):
        tags = collection.get_note(nid).tags
        topic = next(t.split("::")[2] for t in tags if t.startswith("atlas::topic::"))
        level = next(t.split("::")[2] for t in tags if t.startswith("atlas::level::"))
        mix.setdefault(topic, Counter())[level] += 1
    at_mix = [topic for topic, counts in mix.items() if all(counts[lvl] >= n for lvl, n in MINIMUM_MIX.items())]
    assert len(at_mix) == len(TOPICS) >= 45
    assert sum(sum(c.values()) for c in mix.values()) >= 2300
    problems = []
    for cid in collection.find_cards(""):
        card = collection.get_card(cid)
        for side in (card.question(), card.answer()):
            if "there is no field called" in side or "template-error" in side or "{{" in side:
                problems.append((card.note()["Id"], side[-300:]))
    assert problems == []
