"""The plan's weekly progress report and monthly review, computed from the review cache and the records.

Each number comes from the rule of the Anki screen it equals: reviews and time per day from the
Reviews graph's (:mod:`companion.core.report_days`), retention from the True Retention table's
(:mod:`companion.core.retention`). Diagram progress, key results and the action rules are the
pure core's (:mod:`companion.core.report_progress`, :mod:`companion.core.report_actions`); the
manual metrics come from the learner's records. Nothing here prints or talks to Anki.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal, Mapping, Sequence

from deckbuilder.core.plan import Phase, Plan
from deckbuilder.core.tags import CATEGORY, LEECH, PATH, PHASE, TIER, WEEK

from companion.cache import ReviewCache
from companion.core import measures as m
from companion.core import report_days as days_
from companion.core import report_progress as progress
from companion.core.report_actions import Action, NextWeek, actions, due_in_week, next_week
from companion.core.report_days import DayActivity, Study, Window
from companion.core.retention import DAY, DayClock, Period, Tally, total
from companion.core.schedule import Position, position
from companion.core.speed_draw import Result
from companion.core.stats import LOW_COUNT, Verdict, kr5_verdict
from companion.core.status import LEECH_LAPSES
from companion.core.tags import PlanTags, plan_tags
from companion.errors import UsageError

Kind = Literal["week", "month"]
GROUP_ROOTS = {"category": CATEGORY.root, "tier": TIER.root, "phase": PHASE.root}
_PLACEMENT = tuple(f.root + "::" for f in (PHASE, WEEK, PATH))
REPEATED_LAPSES = 2  # "problematic diagrams (multiple lapses)"
SERIES_WEEKS = 8  # weeks drawn in the retention chart


@dataclass(frozen=True)
class GroupRetention:
    tag: str
    name: str  # the tag below its root, e.g. "2-performance"
    tally: Tally


@dataclass(frozen=True)
class Problem:
    diagram: str  # the page
    title: str
    category: str | None
    lapses: int  # of its cards with repeated lapses, in all
    lapses_in_window: int
    leech: bool  # a card with 6+ lapses, or a note Anki tagged leech


@dataclass(frozen=True)
class SpeedDraw:
    tests: int
    mean_accuracy: float | None


@dataclass(frozen=True)
class WeekFigures:
    """One seven-day window of a monthly review."""

    window: Window
    study: Study
    retention: Tally
    studied: int  # diagrams studied by the window's end
    speed_draw: SpeedDraw
    measures: dict[str, m.Summary]


@dataclass(frozen=True)
class Report:
    kind: Kind
    deck: str
    clock: DayClock
    position: Position | None  # where the learner is today (None: no start date or path remembered)
    window: Window
    phase: Phase | None  # of the window's week
    days: list[DayActivity]  # every day of the window, oldest first
    study: Study
    retention: Tally  # the window, by Anki's True Retention rules
    target: float
    verdict: Verdict  # KR5, "measured weekly": the window's last week
    verdict_window: Window
    recall: dict[str, Tally]
    groups: dict[str, list[GroupRetention]]  # category, tier, phase
    strongest: GroupRetention | None  # among categories
    weakest: GroupRetention | None
    problematic: list[Problem]
    other_problem_notes: int  # notes outside any diagram with repeated lapses or leeches
    diagrams: progress.Tally  # at the window's end
    diagrams_before: progress.Tally | None  # at its start (--month)
    categories: list[progress.CategoryProgress]
    outside_targets: int  # diagrams in no report category
    krs: list[progress.KrProgress]
    speed_draw: SpeedDraw
    measures: dict[str, m.Summary]
    assessment: m.Measure | None  # the latest, before the window's end
    actions: list[Action]
    next_week: NextWeek | None
    weeks: list[WeekFigures]  # --month: the four weeks, oldest first
    trend: str | None  # --month: improving, stable, declining (retention of weeks 3–4 against 1–2)
    series: list[tuple[Window, Tally]]  # weekly retention up to the window's end, for the chart

    @property
    def last_days(self) -> list[DayActivity]:
        return self.days[-7:]

    @property
    def mastered_in_window(self) -> int | None:
        return None if self.diagrams_before is None else self.diagrams.mastered - self.diagrams_before.mastered

    @property
    def mastered_per_hour(self) -> float | None:
        """Diagrams mastered in the window per hour of review (the monthly deep dive's efficiency)."""
        gained, hours = self.mastered_in_window, self.study.hours
        return gained / hours if gained is not None and hours else None


# ---------------------------------------------------------------------------------------
# Windows


def choose_window(clock: DayClock, pos: Position | None, week: int | None, month: bool) -> Window:
    """The last 7 (or 28) review days, or the plan's week ``week`` (and the three before it).

    Raises :class:`UsageError` for a week that has not begun.
    """
    today = clock.today
    if week is None:
        return days_.last_days(today, 28 if month else 7, pos.week if pos and not pos.before_start else None)
    assert pos is not None
    first_day = pos.start + dt.timedelta(weeks=week - 1)
    if first_day > today:
        fix = f"pass a week up to {pos.week}" if pos.week >= 1 else f"the plan starts on {pos.start.isoformat()}"
        raise UsageError(f"week {week} begins on {first_day.isoformat()}, after today ({today.isoformat()}): {fix}")
    weeks = days_.plan_weeks(pos.start, week, 4 if month else 1, today)
    return Window(weeks[0].first, weeks[-1].last, week, aligned=True)


def day_start(clock: DayClock, day: dt.date) -> int:
    """Epoch seconds of the rollover that began review day ``day`` (Anki's 86,400-second steps)."""
    return clock.next_day_start - DAY * ((clock.today - day).days + 1)


def window_seconds(clock: DayClock, window: Window) -> tuple[int, int]:
    return day_start(clock, window.first), day_start(clock, window.last) + DAY


def period_of(window: Window, today: dt.date) -> Period:
    first_day, last_day = window.days_ago(today)
    return Period("window", first_day, last_day)


# ---------------------------------------------------------------------------------------
# The report


class _Mastery:
    """Diagram states at any moment, from each note's first answer and its answers before it."""

    def __init__(self, cache: ReviewCache, diagrams: Sequence[progress.Diagram], target: float) -> None:
        self.cache = cache
        self.diagrams = diagrams
        self.target = target
        self.nids = [nid for d in diagrams for nid in d.notes]
        self.first: dict[int, int | None] = {}
        self._at: dict[int, list[progress.DiagramState]] = {}

    def studied(self, at_ms: int) -> int:
        """Diagrams with a card answered before ``at_ms`` (after :meth:`at`)."""
        return sum(1 for d in self.diagrams
                   if any((first := self.first.get(nid)) is not None and first < at_ms for nid in d.notes))

    def at(self, at_ms: int) -> list[progress.DiagramState]:
        if at_ms not in self._at:
            answers = self.cache.recent_answers(self.nids, at_ms)
            self.first = {nid: first for nid, (first, _, _) in answers.items()}
            statuses = {nid: progress.note_status(progress.NoteState(nid, *answers[nid]), at_ms, self.target)
                        for nid in self.nids}
            self._at[at_ms] = [progress.diagram_state(d, statuses) for d in self.diagrams]
        return self._at[at_ms]


def build(cache: ReviewCache, deck: str, clock: DayClock, plan: Plan, pos: Position | None, window: Window, *,
          kind: Kind, target: float, now: int, results: Sequence[Result] = (),
          measures: Sequence[m.Measure] = ()) -> Report:
    """The report of ``window`` (its last day no later than today)."""
    today = clock.today
    start_s, end_s = window_seconds(clock, window)
    at_ms = min(now, end_s) * 1000
    start = pos.start if pos else None
    series_windows = days_.weeks_of(window, min(SERIES_WEEKS, window.week) if window.week else SERIES_WEEKS,
                                    start, today)

    all_days = _activity(cache, clock, window)
    study = days_.study(all_days, _streak(cache, clock, window), plan.daily_review_minutes)
    by_day = cache.tallies_between(clock, period_of(Window(min(window.first, series_windows[0].first), window.last),
                                                    today))
    retention = _tally_in(by_day, window, today)
    in_window = [r for r in results if start_s <= r.at < end_s]
    last_week = days_.weeks_of(window, 1, start, today)[0]
    last_week = Window(max(last_week.first, window.first), last_week.last, last_week.week, last_week.aligned)
    week_start, week_end = window_seconds(clock, last_week)
    verdict = kr5_verdict(_tally_in(by_day, last_week, today), target,
                          [r.accuracy for r in results if week_start <= r.at < week_end])
    period = period_of(window, today)
    groups = {name: _groups(cache, clock, root, period) for name, root in GROUP_ROOTS.items()}
    strongest, weakest = _extremes(groups["category"])

    tags = cache.tags_below((CATEGORY.root, PHASE.root, WEEK.root, PATH.root), exact=(LEECH,))
    mapped = cache.diagram_notes()
    members = cache.member_notes()
    vocabulary = _Vocabulary(tags)
    categories_of = {nid: vocabulary.category(ts) for nid, ts in tags.items()}
    diagrams = progress.group_diagrams(((nid, page, title, speed) for nid, (page, title, speed) in mapped.items()
                                        if page is not None and nid in members), categories_of)
    mastery = _Mastery(cache, diagrams, target)
    states = mastery.at(at_ms)
    in_targets = {c for rc in plan.report_categories for c in rc.categories}

    kept = [x for x in measures if x.at < end_s]
    assessment = m.latest_assessment(kept)
    krs = progress.key_results(plan, pos.path if pos else None, window.week, states,
                               verdict.retention.value, verdict.status, m.scaled(assessment))
    problems, others = _problematic(cache, diagrams, tags, start_s * 1000, at_ms)
    todo = actions(retention, {g.name: g.tally for g in groups["category"]}, study, krs,
                   [p.title for p in problems], window.week)

    weeks = _month_weeks(clock, window, start, now, all_days, by_day, mastery, results, kept,
                         plan.daily_review_minutes) if kind == "month" else []
    return Report(
        kind=kind, deck=deck, clock=clock, position=pos, window=window,
        phase=plan.phase_of_week(window.week, pos.path) if pos and window.week else None, days=all_days, study=study,
        retention=retention, target=target, verdict=verdict, verdict_window=last_week,
        recall=cache.recall_tallies(clock, period),
        groups=groups, strongest=strongest, weakest=weakest, problematic=problems, other_problem_notes=others,
        diagrams=progress.tally(states),
        diagrams_before=progress.tally(mastery.at(start_s * 1000)) if kind == "month" else None,
        categories=progress.category_progress(plan.report_categories, states),
        outside_targets=sum(1 for s in states if s.diagram.category not in in_targets), krs=krs,
        speed_draw=_speed_draw(in_window),
        measures={k: m.summarize(m.in_window(kept, start_s, end_s), k) for k in m.KINDS}, assessment=assessment,
        actions=todo, next_week=_next_week(cache, plan, pos, window, tags, members, mapped, vocabulary) if pos else None,
        weeks=weeks, trend=progress_trend([w.retention for w in weeks]) if weeks else None,
        series=[(w, _tally_in(by_day, w, today)) for w in series_windows])


def _month_weeks(clock: DayClock, window: Window, start: dt.date | None, now: int, all_days: Sequence[DayActivity],
                 by_day: Mapping[int, Tally], mastery: _Mastery, results: Sequence[Result],
                 measures: Sequence[m.Measure], target_minutes: int) -> list[WeekFigures]:
    weeks = []
    for w in days_.weeks_of(window, 4, start, clock.today):
        if w.last < window.first:
            continue
        ws, we = window_seconds(clock, w)
        weeks.append(WeekFigures(
            w, days_.study([d for d in all_days if w.first <= d.date <= w.last], 0, target_minutes),
            _tally_in(by_day, w, clock.today),
            mastery.studied(min(now, we) * 1000), _speed_draw([r for r in results if ws <= r.at < we]),
            {k: m.summarize(m.in_window(measures, ws, we), k) for k in m.KINDS}))
    return weeks


def _activity(cache: ReviewCache, clock: DayClock, window: Window) -> list[DayActivity]:
    first, last = window.graph_days(clock.today)
    by_day = cache.activity(clock, first, last)
    return days_.fill(window, {a.date: a for a in by_day.values()})


def _streak(cache: ReviewCache, clock: DayClock, window: Window) -> int:
    known = {a.date: a.studied for a in cache.activity(clock, *window.graph_days(clock.today)).values()}

    def studied(day: dt.date) -> bool:
        if day not in known:
            known[day] = cache.reviewed_on(clock, (day - clock.today).days)
        return known[day]

    return days_.streak(studied, window.last, clock.today)


def _tally_in(by_day: Mapping[int, Tally], window: Window, today: dt.date) -> Tally:
    first_day, last_day = window.days_ago(today)
    return total(t for days, t in by_day.items() if first_day <= days < last_day)


def _speed_draw(results: Sequence[Result]) -> SpeedDraw:
    return SpeedDraw(len(results), round(sum(r.accuracy for r in results) / len(results), 6) if results else None)


def _groups(cache: ReviewCache, clock: DayClock, root: str, period: Period) -> list[GroupRetention]:
    rows = cache.group_tallies(clock, root, period)
    return [GroupRetention(tag, tag[len(root) + 2:], t)
            for tag, t in sorted(rows.items(), key=lambda kv: kv[0].casefold())]


def _extremes(groups: Sequence[GroupRetention]) -> tuple[GroupRetention | None, GroupRetention | None]:
    """The strongest and weakest by retention, among groups of 30+ reviews (else any with reviews)."""
    rated = [g for g in groups if g.tally.total >= LOW_COUNT] or [g for g in groups if g.tally.total]
    if len(rated) < 2:
        return None, None
    ranked = sorted(rated, key=lambda g: (g.tally.passed / g.tally.total, g.name.casefold()))
    return ranked[-1], ranked[0]


class _Vocabulary:
    """The deck's tags read once each (a deck has thousands of notes but few distinct tags)."""

    def __init__(self, tags: Mapping[int, set[str]]) -> None:
        distinct = set().union(*tags.values()) if tags else set()
        self._category = {t: v for t in distinct if (v := CATEGORY.value(t))}
        self._placement = {t for t in distinct if t.casefold().startswith(_PLACEMENT)}
        self._plan: dict[frozenset[str], PlanTags] = {}

    def category(self, tags: set[str]) -> str | None:
        found = sorted(self._category[t] for t in tags if t in self._category)
        return found[0] if found else None

    def plan(self, tags: set[str]) -> PlanTags:
        key = frozenset(t for t in tags if t in self._placement)
        if key not in self._plan:
            self._plan[key] = plan_tags(key)
        return self._plan[key]


def _problematic(cache: ReviewCache, diagrams: Sequence[progress.Diagram], tags: Mapping[int, set[str]],
                 since_ms: int, until_ms: int) -> tuple[list[Problem], int]:
    """Diagrams with a card of repeated lapses by the window's end, or a leech; and how many other notes are."""
    lapses: dict[int, list[tuple[int, int]]] = {}
    for _cid, nid, n, recent in cache.lapsed_cards(REPEATED_LAPSES, since_ms, until_ms):
        if nid is not None:
            lapses.setdefault(nid, []).append((n, recent))
    leech_notes = {nid for nid, ts in tags.items() if any(t.casefold() == LEECH for t in ts)}
    leech_notes |= {nid for nid, cards in lapses.items() if any(n >= LEECH_LAPSES for n, _ in cards)}
    problems = []
    in_diagrams: set[int] = set()
    for d in diagrams:
        in_diagrams.update(d.notes)
        cards = [c for nid in d.notes for c in lapses.get(nid, ())]
        leech = any(nid in leech_notes for nid in d.notes)
        if cards or leech:
            problems.append(Problem(d.key, d.title, d.category, sum(n for n, _ in cards), sum(r for _, r in cards),
                                    leech))
    problems.sort(key=lambda p: (not p.leech, -p.lapses, -p.lapses_in_window, p.title.casefold(), p.diagram))
    return problems, len((set(lapses) | leech_notes) - in_diagrams)


def _next_week(cache: ReviewCache, plan: Plan, pos: Position, window: Window, tags: Mapping[int, set[str]],
               members: frozenset[int], mapped: Mapping[int, tuple[str | None, str, bool]],
               vocabulary: _Vocabulary) -> NextWeek | None:
    week = (window.week or 0) + 1
    if week > pos.weeks:
        return None
    then = position(plan, pos.start, pos.path, pos.start + dt.timedelta(weeks=week - 1))
    notes = {nid: vocabulary.plan(tags.get(nid, set())) for nid in members}
    unstudied = [nid for nid, first in cache.first_answers(due_in_week(plan, then, notes)).items() if first is None]
    pages = {nid: page for nid, (page, _, _) in mapped.items() if page is not None}
    return next_week(plan, then, unstudied, pages, plan.daily_review_minutes)


def progress_trend(weeks: Sequence[Tally], points: float = 0.02) -> str | None:
    """Improving, stable or declining: the retention of the later half of the weeks against the earlier
    half (each over 30+ reviews, 2 points apart); None when either half has too few reviews."""
    half = len(weeks) // 2
    if half == 0:
        return None
    early, late = total(weeks[:half]), total(weeks[-half:])
    if early.total < LOW_COUNT or late.total < LOW_COUNT:
        return None
    change = late.passed / late.total - early.passed / early.total
    return "improving" if change >= points else "declining" if change <= -points else "stable"
