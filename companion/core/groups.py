"""Notes grouped by a tag family (phase, tier …) with the status ``retag`` gives them (pure).

``retag`` shows, after its diff, how many notes of each phase and of each tier are learning,
young, mature or mastered, weak, and in this week's plan: the tiers are the study plan's groups
of content (Tier 1 foundations … Tier 7 capacity and comparisons), the phases its order in time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

from deckbuilder.core.tags import NOW, STATUS, WEAK, Family

COLUMNS = ("learning", "young", "mature", "mastered", "weak", "this week")
UNGROUPED = "(none)"  # notes without a tag of the family


@dataclass(frozen=True)
class GroupCounts:
    group: str  # the family's value, e.g. "1-foundations"; UNGROUPED for notes without one
    notes: int
    counts: Mapping[str, int]  # column -> notes


def _columns(tags: Iterable[str]) -> set[str]:
    columns = set()
    for tag in tags:
        status = STATUS.value(tag)
        if status is not None:
            columns.add(status.lower())
        elif tag.casefold() == WEAK.casefold():
            columns.add("weak")
        elif (NOW.value(tag) or "").lower() == "week":
            columns.add("this week")
    return columns


def _order(value: str) -> tuple[int, str]:
    head = value.split("-", 1)[0]
    return (int(head), value) if head.isdigit() else (10**9, value.casefold())


def group_counts(family: Family, note_tags: Mapping[int, Iterable[str]],
                 statuses: Mapping[int, Iterable[str]]) -> list[GroupCounts]:
    """One row per value of ``family`` on the notes of ``note_tags`` (by number, then name),
    counting their ``statuses`` tags (what ``retag`` wants on them); notes without one last."""
    members: dict[str, list[int]] = {}
    for nid, tags in note_tags.items():
        values = {v for v in (family.value(t) for t in tags) if v is not None} or {UNGROUPED}
        for value in values:
            members.setdefault(value, []).append(nid)
    rows = []
    for value in sorted(members, key=lambda v: (v == UNGROUPED, _order(v))):
        counts = {c: 0 for c in COLUMNS}
        for nid in members[value]:
            for column in _columns(statuses.get(nid, ())):
                counts[column] += 1
        rows.append(GroupCounts(value, len(members[value]), counts))
    return rows
