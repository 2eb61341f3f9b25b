"""The tags the build writes, all in the reserved ``atlas::`` namespace."""

from __future__ import annotations

from deckbuilder.core.plan import Plan, week_tag

NAMESPACE = "atlas"


def plan_tags(plan: Plan, *, phase: int, reference_week: int, path: str, category: str) -> tuple[str, ...]:
    """Where an item sits in the plan: phase, week on the chosen path, path and category."""
    week = plan.week_on_path(reference_week, path)
    return (
        f"{NAMESPACE}::phase::{plan.phase(phase).tag}",
        f"{NAMESPACE}::week::{week_tag(week)}",
        f"{NAMESPACE}::path::{path}",
        f"{NAMESPACE}::category::{category}",
    )


def topic_tag(topic_id: str) -> str:
    return f"{NAMESPACE}::topic::{topic_id}"


def level_tag(level: str) -> str:
    return f"{NAMESPACE}::level::{level}"


def kr_tag(kr: str) -> str:
    return f"{NAMESPACE}::kr::{kr}"


def card_tag(kind: str) -> str:
    return f"{NAMESPACE}::card::{kind}"


def ordered(tags: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Unique, sorted tags (so the output never depends on the order they were collected in)."""
    return tuple(sorted(set(tags)))
