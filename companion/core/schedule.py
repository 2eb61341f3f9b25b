"""Where the learner is in the plan: current week and phase on their path, time limits.

Pure arithmetic over :class:`deckbuilder.core.plan.Plan`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from deckbuilder.core.plan import REFERENCE_PATH, Phase, Plan, scale_week, speed_draw_minutes, week_of_date


@dataclass(frozen=True)
class Position:
    """The learner's place in the plan on ``today``."""

    start: dt.date
    path: str
    today: dt.date
    week: int  # 1-based week on the path; 0 before the start; may pass the last week
    weeks: int  # weeks on the path
    phase: Phase  # the phase of ``week`` (the first before the start, the last after the end)

    @property
    def before_start(self) -> bool:
        return self.week == 0

    @property
    def finished(self) -> bool:
        return self.week > self.weeks

    def describe(self) -> str:
        if self.before_start:
            return f"the {self.path} plan starts on {self.start.isoformat()} (phase 1 {self.phase.title} comes first)"
        if self.finished:
            return f"week {self.week}: past the {self.weeks}-week {self.path} plan (last phase {self.phase.number} {self.phase.title})"
        return f"week {self.week} of {self.weeks} ({self.path}), phase {self.phase.number} {self.phase.title}"


def position(plan: Plan, start: dt.date, path: str, today: dt.date) -> Position:
    if path not in plan.paths:
        raise ValueError(f"unknown path {path!r}")
    week = week_of_date(start, today)
    return Position(start, path, today, week, plan.paths[path].weeks, plan.phase_of_week(week, path))


def reference_week(plan: Plan, week: int, path: str) -> int:
    """The week of the 16-week reference path at the same point as ``week`` of ``path``."""
    last = plan.paths[path].weeks
    week = min(max(week, 1), last)
    phase = plan.phase_of_week(week, path)
    return scale_week(week, phase.span(path), phase.span(REFERENCE_PATH))


def weeks_on(plan: Plan, week: int, phase_number: int, source_path: str, target_path: str) -> tuple[int, int]:
    """The weeks of ``target_path`` (first, last) covered by ``week`` of ``source_path``.

    A note's ``atlas::week::`` tag is a week of the path the deck was built for. On a longer
    path one week becomes several (week 3 of 16 is weeks 5–6 of 32), on a shorter one several
    weeks share one.
    """
    if source_path == target_path:
        return week, week
    phase = plan.phase(phase_number)
    source, target = phase.span(source_path), phase.span(target_path)
    first = scale_week(week, source, target)
    last = scale_week(week + 1, source, target) - 1 if week + 1 <= source[1] else target[1]
    return first, max(first, last)


def speed_draw_limit(plan: Plan, pos: Position) -> int:
    """Minutes per speed-draw test this week (DS protocol: 5/4/3/2 by week of the reference path)."""
    return speed_draw_minutes(reference_week(plan, pos.week, pos.path))
