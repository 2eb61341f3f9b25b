"""The study plan: paths, phases, categories, key results, and the week arithmetic on them.

Pure: the loader builds a :class:`Plan` from ``cards/plan.yaml``; everything here is maths.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal, Mapping

PathName = Literal["intensive", "balanced", "extended"]
PATH_NAMES: tuple[PathName, ...] = ("intensive", "balanced", "extended")
REFERENCE_PATH: PathName = "intensive"


@dataclass(frozen=True)
class StudyPath:
    name: PathName
    weeks: int
    title: str


@dataclass(frozen=True)
class Phase:
    number: int
    slug: str
    title: str
    weeks: Mapping[str, tuple[int, int]]  # path name -> (first, last) week, inclusive
    categories: tuple[str, ...]

    @property
    def tag(self) -> str:
        return f"{self.number}-{self.slug}"

    def span(self, path: str) -> tuple[int, int]:
        return self.weeks[path]


@dataclass(frozen=True)
class KeyResult:
    id: str
    title: str
    target: Mapping[str, float]
    due_week: int  # on the reference (intensive) path
    categories: tuple[str, ...] = ()  # a diagram target: the DS folders whose diagram pages count …
    measure: Literal["studied", "mastered"] | None = None  # … once studied, or once mastered


@dataclass(frozen=True)
class Tier:
    """One of the study plan's seven tiers: a group of content categories (its Part II)."""

    number: int
    slug: str
    title: str
    categories: tuple[str, ...]


@dataclass(frozen=True)
class ReportCategory:
    """A category of the weekly progress report: its diagram target and the DS folders it counts."""

    name: str
    target: int
    categories: tuple[str, ...]


Complexity = Literal["simple", "moderate", "complex", "very-complex"]


@dataclass(frozen=True)
class DeckOptions:
    """The learner's deck options (spaced-repetition-system.md 1.2), as the plan states them."""

    preset: str
    learning_steps: tuple[float, ...]  # minutes
    graduating_interval: int  # days
    easy_interval: int  # days
    insertion_order: Literal["sequential", "random"]
    new_per_day: Mapping[str, int]  # complexity -> new cards per day
    relearning_steps: tuple[float, ...]  # minutes
    lapse_new_interval: float  # fraction of the previous interval after a lapse
    minimum_interval: int  # days
    leech_threshold: int  # lapses
    maximum_interval: int  # days
    interval_modifier: float
    hard_interval: float
    easy_bonus: float
    bury_related: bool
    show_timer: bool
    fsrs: bool


@dataclass(frozen=True)
class Plan:
    paths: Mapping[str, StudyPath]
    phases: tuple[Phase, ...]
    categories: Mapping[str, str]  # DS folder -> subdeck title
    key_results: tuple[KeyResult, ...]
    tiers: tuple[Tier, ...] = ()
    report_categories: tuple[ReportCategory, ...] = ()
    deck_options: DeckOptions | None = None
    daily_review_minutes: int = 30  # the plan's daily review session (its Part V dashboard)

    def tier_of_category(self, category: str) -> Tier | None:
        for tier in self.tiers:
            if category in tier.categories:
                return tier
        return None

    def phase(self, number: int) -> Phase:
        for phase in self.phases:
            if phase.number == number:
                return phase
        raise KeyError(number)

    def phase_of_category(self, category: str) -> Phase | None:
        for phase in self.phases:
            if category in phase.categories:
                return phase
        return None

    def phase_of_week(self, week: int, path: str) -> Phase:
        """The phase a week of ``path`` falls in (weeks past the end belong to the last phase)."""
        for phase in self.phases:
            first, last = phase.span(path)
            if first <= week <= last:
                return phase
        return self.phases[-1] if week > 0 else self.phases[0]

    def week_on_path(self, reference_week: int, path: str) -> int:
        """Map a week of the 16-week reference path to the same point of ``path``.

        Within a phase the position is scaled: week 2 of a 2-week phase becomes week 4 of the
        same phase's 4 weeks on the balanced path.
        """
        phase = self.phase_of_week(reference_week, REFERENCE_PATH)
        return scale_week(reference_week, phase.span(REFERENCE_PATH), phase.span(path))

    def weeks_in_phase(self, phase_number: int, path: str) -> range:
        first, last = self.phase(phase_number).span(path)
        return range(first, last + 1)

    def kr_due_week(self, kr: KeyResult, path: str) -> int:
        """The last week of ``path`` that the key result's due week covers: "by week 4" of the
        16-week path is by the end of week 8 of the 32-week path."""
        if kr.due_week >= self.paths[REFERENCE_PATH].weeks:
            return self.paths[path].weeks
        return self.week_on_path(kr.due_week + 1, path) - 1


def scale_week(week: int, source: tuple[int, int], target: tuple[int, int]) -> int:
    """Map ``week`` inside the span ``source`` onto the span ``target`` (both inclusive)."""
    s_first, s_last = source
    t_first, t_last = target
    s_len = s_last - s_first + 1
    t_len = t_last - t_first + 1
    offset = (week - s_first) * t_len // s_len
    return min(t_first + offset, t_last)


def spread_weeks(count: int, span: tuple[int, int]) -> list[int]:
    """Spread ``count`` items in order evenly over the weeks of ``span``."""
    first, last = span
    n_weeks = last - first + 1
    return [first + (i * n_weeks) // count for i in range(count)] if count else []


def week_of_date(start: dt.date, today: dt.date) -> int:
    """Week number (1-based) of ``today`` on a plan that started on ``start``; 0 before it."""
    days = (today - start).days
    return days // 7 + 1 if days >= 0 else 0


def speed_draw_minutes(reference_week: int) -> int:
    """Time limit of a speed-draw test by week of the reference path (the DS protocol).

    Weeks 1–2: 5 minutes; 3–4: 4; 5–8: 3; 9 and later: 2.
    """
    if reference_week <= 2:
        return 5
    if reference_week <= 4:
        return 4
    if reference_week <= 8:
        return 3
    return 2


def validate_tiers(plan: Plan) -> list[str]:
    """Problems with the tiers: each names known categories, and a category is in one tier."""
    problems: list[str] = []
    seen: dict[str, int] = {}
    for tier in plan.tiers:
        for category in tier.categories:
            if category not in plan.categories:
                problems.append(f"tier {tier.number} names unknown category {category!r}")
            elif category in seen:
                problems.append(f"category {category!r} is in tier {seen[category]} and tier {tier.number}")
            seen.setdefault(category, tier.number)
    return problems


def validate_tiling(plan: Plan) -> list[str]:
    """Problems with the phases' weeks: every path's weeks must tile 1..N in phase order."""
    problems: list[str] = []
    for name, path in plan.paths.items():
        expected = 1
        for phase in plan.phases:
            if name not in phase.weeks:
                problems.append(f"phase {phase.number} has no weeks for path {name!r}")
                break
            first, last = phase.weeks[name]
            if first != expected or last < first:
                problems.append(
                    f"phase {phase.number} weeks {first}–{last} on path {name!r} should start at week {expected}"
                )
                break
            expected = last + 1
        else:
            if expected - 1 != path.weeks:
                problems.append(f"phases cover {expected - 1} weeks of path {name!r}, which has {path.weeks}")
    return problems
