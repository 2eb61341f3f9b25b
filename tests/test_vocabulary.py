"""One vocabulary: every tag the build writes is read back by the same module's parsers, and
by the companion, to the values the build meant."""

from __future__ import annotations

from pathlib import Path

import pytest

from companion.core.tags import plan_tags
from deckbuilder.build import BuildSettings, build
from deckbuilder.core import tags as vocabulary


def round_trip(tag: str) -> str:
    parsed = vocabulary.parse(tag)
    assert parsed is not None, f"no family parses {tag!r}"
    family, value = parsed
    return family.tag(value)


@pytest.mark.parametrize("path", ["intensive", "balanced", "extended"])
def test_every_tag_of_the_default_deck_round_trips(tmp_path: Path, path: str) -> None:
    result = build(BuildSettings(out_dir=tmp_path / "out", diagrams=False, check=True, path=path))
    plan = result.curriculum.plan
    topics = {t.id: t for t in result.curriculum.topics}
    families = set()
    for note in result.notes:
        atlas = [t for t in note.tags if vocabulary.is_reserved(t)]
        assert [round_trip(t) for t in atlas] == atlas
        families |= {vocabulary.parse(t)[0].name for t in atlas}
        topic = topics[next(vocabulary.TOPIC.value(t) for t in atlas if vocabulary.TOPIC.value(t))]
        read = plan_tags(note.tags)  # the companion's reading of the same tags
        assert (read.phase, read.week, read.path) == (topic.phase, plan.week_on_path(topic.reference_week, path), path)
        tiers = [vocabulary.tier_of(t) for t in atlas if vocabulary.tier_of(t)]
        assert tiers == [plan.tier_of_category(topic.category).number]
    assert families == {"phase", "week", "path", "category", "tier", "topic", "level", "kr", "card"}


@pytest.mark.parametrize("tag", ["atlas::now::week", "atlas::status::mastered", "atlas::speed-draw::2026-W48",
                                 "atlas::complexity::very-complex", "atlas::company::uber", "atlas::type::request-flow"])
def test_companion_and_diagram_tags_round_trip(tag: str) -> None:
    assert round_trip(tag) == tag


@pytest.mark.parametrize("tag", ["atlas::weak", "atlas::phase::one", "atlas::week::", "atlas::card::essay", "leech",
                                 "atlas::level::Recall::x"])
def test_what_is_not_a_tag_of_a_family(tag: str) -> None:
    assert vocabulary.parse(tag) is None


def test_parsers_ignore_case_as_anki_does() -> None:
    assert vocabulary.week_of("ATLAS::Week::07") == 7 and vocabulary.phase_of("Atlas::Phase::2-performance") == 2
    with pytest.raises(ValueError, match="is not a value of atlas::card"):
        vocabulary.CARD.tag("essay")
