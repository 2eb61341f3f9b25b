"""What ``retag`` wants on each note: ``atlas::now::…``, ``atlas::status::…`` and ``atlas::weak``.

The DS tag system (cognitive-optimization, "Tag System → Status"): learning in the first week,
young in weeks 2–4, mature from week 5 on, mastered when consistently at 95 % or better.
Weeks count from the note's first answer in Anki.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from deckbuilder.core.plan import Plan

from companion.core.schedule import Position, weeks_on
from companion.core.tags import NOW_PHASE, NOW_UPCOMING, NOW_WEEK, WEAK, PlanTags, status_tag

DAY_MS = 86_400_000
LEARNING_DAYS = 7  # first week
MATURE_DAYS = 28  # 4+ weeks
MASTERED_WINDOW = 20  # last counted answers looked at for "mastered"
MASTERED_MIN = 4  # … of which at least this many
LEECH_LAPSES = 6  # DS deck options: leech threshold 6 lapses
WEAK_WINDOW = 10  # last counted answers looked at for low retention
WEAK_MIN = 3
WEAK_BELOW = 0.80  # DS: "IF retention < 80%: increase review frequency"


@dataclass(frozen=True)
class NoteFacts:
    """What the companion knows about one note of the deck."""

    nid: int
    plan: PlanTags
    first_answer: int | None  # ms of the first rated answer of any of its cards
    recent: tuple[bool, ...]  # pass/fail of its counted answers, oldest first
    leech: bool  # tagged leech by Anki, or a card with LEECH_LAPSES lapses or more


def status(first_answer: int | None, recent: Sequence[bool], now_ms: int, target: float) -> str | None:
    """learning / young / mature / mastered, or None for a note never answered."""
    if first_answer is None:
        return None
    age_days = (now_ms - first_answer) // DAY_MS
    if age_days < LEARNING_DAYS:
        return "learning"
    if age_days < MATURE_DAYS:
        return "young"
    window = recent[-MASTERED_WINDOW:]
    if len(window) >= MASTERED_MIN and sum(window) / len(window) >= target:
        return "mastered"
    return "mature"


def low_retention(recent: Sequence[bool]) -> bool:
    window = recent[-WEAK_WINDOW:]
    return len(window) >= WEAK_MIN and sum(window) / len(window) < WEAK_BELOW


def now_tags(plan: Plan, pos: Position, note: PlanTags) -> set[str]:
    """``atlas::now::phase|week|upcoming`` for a note, from its build tags and the learner's week."""
    tags: set[str] = set()
    if note.phase is None:
        return tags
    if not pos.before_start and note.phase == pos.phase.number:
        tags.add(NOW_PHASE)
    if note.week is None:
        return tags
    try:
        first, last = weeks_on(plan, note.week, note.phase, note.path or pos.path, pos.path)
    except KeyError:  # a phase or path this plan does not know: leave the week alone
        return tags
    if not pos.before_start and first <= pos.week <= last:
        tags.add(NOW_WEEK)
    if first == pos.week + 1:
        tags.add(NOW_UPCOMING)
    return tags


def desired_tags(plan: Plan, pos: Position, note: NoteFacts, now_ms: int, target: float) -> set[str]:
    tags = now_tags(plan, pos, note.plan)
    note_status = status(note.first_answer, note.recent, now_ms, target)
    if note_status:
        tags.add(status_tag(note_status))
    if note.leech or low_retention(note.recent):
        tags.add(WEAK)
    return tags
