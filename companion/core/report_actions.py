"""What to do next: the weekly analysis's action rules applied to the numbers, and next week's plan.

The rules (``spaced-repetition-system.md`` 4.2 "Action Items"), in this order:

* ``retention``: the window's true retention below 80 % (over 30+ reviews) → review more often,
  more active recall, stronger encoding;
* ``category``: a category below 80 %, or 10+ points under the deck (over 30+ reviews) → deep
  dive on it, more resources and application problems there;
* ``consistency``: days below the plan's 30-minute review session ("Consistency (days studied)");
* ``kr``: a key result behind its linear pace, with the pace that still makes its due week;
* ``problematic``: diagrams with repeated lapses or leeches → redraw them.

"Motivation dropping" and "time inefficient" need what only the learner knows: not applied.
Pure.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from deckbuilder.core.plan import Plan

from companion.core.report_days import Study
from companion.core.report_progress import KrProgress
from companion.core.retention import Tally
from companion.core.schedule import Position, speed_draw_limit
from companion.core.stats import Rate
from companion.core.status import now_tags
from companion.core.tags import NOW_WEEK, PlanTags

RETENTION_FLOOR = 0.80  # "IF retention < 80%"
CATEGORY_GAP = 0.10  # a category this far under the deck is struggling too


@dataclass(frozen=True)
class Action:
    rule: str  # retention, category, consistency, kr, problematic, on-track
    message: str


def _pct(value: float) -> str:
    return f"{value:.1%}"


def retention_rule(week: Tally) -> list[Action]:
    rate = Rate(week.passed, week.failed)
    if rate.value is None or rate.low_count or rate.value >= RETENTION_FLOOR:
        return []
    return [Action("retention", f"retention {_pct(rate.value)} over {rate.total} reviews is below 80%: increase "
                                f"review frequency, add more active recall practice, strengthen encoding (multi-modal)")]


def struggling(categories: Mapping[str, Tally], deck: Tally) -> list[tuple[str, Rate]]:
    """Categories (tag → tally) below 80 % or 10+ points under the deck, over 30+ reviews, weakest first."""
    overall = Rate(deck.passed, deck.failed).value
    found = []
    for name, t in categories.items():
        rate = Rate(t.passed, t.failed)
        if rate.value is None or rate.low_count:
            continue
        if rate.value < RETENTION_FLOOR or (overall is not None and rate.value <= overall - CATEGORY_GAP):
            found.append((name, rate))
    return sorted(found, key=lambda x: (x[1].value or 0, x[0]))


def category_rule(categories: Mapping[str, Tally], deck: Tally) -> list[Action]:
    overall = Rate(deck.passed, deck.failed).value
    return [Action("category", f"{name} is struggling ({_pct(rate.value or 0)} over {rate.total} reviews"
                               + (f", the deck {_pct(overall)}" if overall is not None else "")
                               + "): deep dive on it, add resources (blogs, videos), more application problems "
                                 "in that area")
            for name, rate in struggling(categories, deck)]


def consistency_rule(s: Study) -> list[Action]:
    if s.days == 0 or s.days_on_target == s.days:
        return []
    return [Action("consistency", f"the {s.target_minutes}-minute review session was reached on {s.days_on_target} "
                                  f"of {s.days} days ({s.days_studied} days studied, {s.average_minutes:.0f} minutes "
                                  f"a day on average): keep the daily morning session, consistency beats intensity")]


def kr_rule(krs: Sequence[KrProgress], week: int | None) -> list[Action]:
    actions = []
    for kr in krs:
        if kr.on_track is not False:
            continue
        if kr.unit == "diagrams" and kr.expected is not None and kr.actual is not None:
            left = max(0.0, kr.target - kr.actual)
            weeks_left = kr.due_week - (week or 0)
            pace = (f"{math.ceil(left / weeks_left)} a week to reach {kr.target:g} by week {kr.due_week}"
                    if weeks_left > 0 else f"due in week {kr.due_week}: {left:g} to go")
            actions.append(Action("kr", f"{kr.id} is behind: {kr.actual:g} {kr.measure.split(' in ')[0]}, "
                                        f"{kr.expected:g} expected by week {week}; {pace}"))
        elif kr.unit == "retention" and kr.actual is not None:
            actions.append(Action("kr", f"{kr.id}: retention {_pct(kr.actual)} is under its {kr.target:.0%} target"))
        elif kr.unit == "score" and kr.actual is not None:
            actions.append(Action("kr", f"{kr.id}: the latest assessment scores {kr.actual:g}/1000, under "
                                        f"{kr.target:g}: remediate its weakest part before the next one"))
    return actions


def problematic_rule(titles: Sequence[str], shown: int = 3) -> list[Action]:
    if not titles:
        return []
    names = ", ".join(titles[:shown]) + (f" and {len(titles) - shown} more" if len(titles) > shown else "")
    return [Action("problematic", f"redraw the problematic diagrams: {names} (speed-draw plan picks the weakest "
                                  f"first)")]


def actions(week: Tally, categories: Mapping[str, Tally], s: Study, krs: Sequence[KrProgress],
            problematic_titles: Sequence[str], week_number: int | None) -> list[Action]:
    found = (retention_rule(week) + category_rule(categories, week) + consistency_rule(s)
             + kr_rule(krs, week_number) + problematic_rule(problematic_titles))
    if not found:
        return [Action("on-track", "no action rule applies: keep the current routine")]
    return found


# ---------------------------------------------------------------------------------------
# Next week


@dataclass(frozen=True)
class NextWeek:
    week: int
    first: dt.date
    last: dt.date
    phase: int
    phase_title: str
    new_notes: int  # notes of that week of the plan not answered yet
    new_diagrams: int  # of them, diagrams (pages) with a note of that week not studied yet
    speed_draw_minutes: int
    review_minutes: int  # the plan's daily session × 7


def due_in_week(plan: Plan, pos: Position, notes: Mapping[int, PlanTags]) -> set[int]:
    """Notes whose build week covers ``pos``'s week on the learner's path (``retag``'s atlas::now::week)."""
    by_placement: dict[PlanTags, list[int]] = {}
    for nid, tags in notes.items():
        by_placement.setdefault(tags, []).append(nid)
    return {nid for tags, nids in by_placement.items() if NOW_WEEK in now_tags(plan, pos, tags) for nid in nids}


def next_week(plan: Plan, pos: Position, unstudied: Iterable[int], diagram_of_note: Mapping[int, str],
              target_minutes: int) -> NextWeek:
    """Next week's plan; ``pos`` is on its first day, ``unstudied`` its notes not answered yet."""
    due = set(unstudied)
    first = pos.start + dt.timedelta(weeks=pos.week - 1)
    return NextWeek(pos.week, first, first + dt.timedelta(days=6), pos.phase.number, pos.phase.title, len(due),
                    len({diagram_of_note[n] for n in due if n in diagram_of_note}), speed_draw_limit(plan, pos),
                    target_minutes * 7)
