"""True retention exactly as Anki computes its True Retention table, plus an ISO-week series.

Source of truth: ``rslib/src/stats/graphs/retention.rs`` (Anki ≥ 24.11) and
``rslib/src/scheduler/timing.rs``:

* a review-log row counts when it has a rating (``ease > 0``: not a manual reschedule,
  set-due-date or reset), is not cramming (``type == 3`` with ``factor == 0``: a filtered
  deck that does not reschedule), and the card had an interval of at least a day: the row
  is a review (``type == 1``), or its previous interval ``lastIvl`` is ≥ 1 day (positive
  values are days) or ≤ −86400 (negative values are seconds: a learning step of a day or
  more);
* pass = any button but Again (``ease != 1``); young when ``lastIvl < 21``, mature otherwise;
* periods are counted back from the next day rollover in steps of exactly 86,400 s:
  today ``[next − 1 d, next)``, yesterday ``[next − 2 d, next − 1 d)``, week 7 days, month
  30, year 365, all ``[0, next)``; a row's time is its id in ms, truncated to seconds.

Everything here is pure: the store aggregates the same way in SQL, and the tests check both
against each other and against Anki's own ``graphs`` call.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from operator import attrgetter
from typing import Iterable, Mapping

DAY = 86_400
MATURE_DAYS = 21
REVIEW, FILTERED = 1, 3


@dataclass(frozen=True)
class Review:
    """One row of Anki's review log (``revlog``), as AnkiConnect's ``cardReviews`` returns it."""

    id: int  # epoch milliseconds of the answer
    cid: int
    ease: int  # button: 1 Again, 2 Hard, 3 Good, 4 Easy; 0 = no rating (manual)
    ivl: int  # new interval: days if > 0, seconds if < 0
    last_ivl: int  # previous interval, same units
    factor: int
    time: int  # milliseconds spent answering
    type: int  # 0 learn, 1 review, 2 relearn, 3 filtered, 4 manual, 5 rescheduled


def counts(review: Review) -> bool:
    """Whether Anki's True Retention table counts this row."""
    has_rating = review.ease > 0
    cramming = review.type == FILTERED and review.factor == 0
    day_interval = review.type == REVIEW or review.last_ivl <= -DAY or review.last_ivl >= 1
    return has_rating and not cramming and day_interval


def is_mature(review: Review) -> bool:
    return review.last_ivl >= MATURE_DAYS


def passed(review: Review) -> bool:
    return review.ease != 1


def id_secs(review_id: int) -> int:
    """Milliseconds to seconds, truncating toward zero like Rust's integer division."""
    return review_id // 1000 if review_id >= 0 else -((-review_id) // 1000)


@dataclass(frozen=True)
class Tally:
    """Passed and failed reviews, young and mature: one cell of Anki's table."""

    young_passed: int = 0
    young_failed: int = 0
    mature_passed: int = 0
    mature_failed: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            self.young_passed + other.young_passed,
            self.young_failed + other.young_failed,
            self.mature_passed + other.mature_passed,
            self.mature_failed + other.mature_failed,
        )

    @property
    def passed(self) -> int:
        return self.young_passed + self.mature_passed

    @property
    def failed(self) -> int:
        return self.young_failed + self.mature_failed

    @property
    def total(self) -> int:
        return self.passed + self.failed

    @property
    def young_total(self) -> int:
        return self.young_passed + self.young_failed

    @property
    def mature_total(self) -> int:
        return self.mature_passed + self.mature_failed

    def as_dict(self) -> dict[str, int]:
        return {
            "young_passed": self.young_passed,
            "young_failed": self.young_failed,
            "mature_passed": self.mature_passed,
            "mature_failed": self.mature_failed,
        }


def tally_of(*, mature: bool, failed: bool, n: int = 1) -> Tally:
    if mature:
        return Tally(mature_failed=n) if failed else Tally(mature_passed=n)
    return Tally(young_failed=n) if failed else Tally(young_passed=n)


def total(tallies: Iterable[Tally]) -> Tally:
    result = Tally()
    for tally in tallies:
        result = result + tally
    return result


# ---------------------------------------------------------------------------------------
# Review days


@dataclass(frozen=True)
class DayClock:
    """Where review days begin: the next rollover and the local offset used to name dates."""

    next_day_start: int  # epoch seconds of the next rollover
    utc_offset: int  # seconds east of UTC, used to name the dates of review days
    rollover_hour: int

    @property
    def today(self) -> dt.date:
        """The date of the current review day (it began at the last rollover)."""
        start = self.next_day_start - DAY
        return dt.datetime.fromtimestamp(start, dt.timezone(dt.timedelta(seconds=self.utc_offset))).date()

    def days_ago(self, review_id: int) -> int | None:
        """0 for a review of the current review day, 1 for yesterday …; None outside ``[0, next)``."""
        secs = id_secs(review_id)
        if secs < 0 or secs >= self.next_day_start:
            return None
        return (self.next_day_start - 1 - secs) // DAY

    def date_of(self, days_ago: int) -> dt.date:
        return self.today - dt.timedelta(days=days_ago)


def day_clock(now: int, utc_offset: int, rollover_hour: int = 4) -> DayClock:
    """Anki's ``sched_timing_today_v2_new``: the next rollover after ``now`` in the given offset.

    ``now`` in epoch seconds, ``utc_offset`` in seconds east of UTC (the machine's offset at
    ``now``, as the Anki desktop uses), ``rollover_hour`` from Anki's preferences (default 4).
    """
    if not 0 <= rollover_hour <= 23:
        raise ValueError(f"rollover hour must be 0–23, not {rollover_hour}")
    tz = dt.timezone(dt.timedelta(seconds=utc_offset))
    local_now = dt.datetime.fromtimestamp(now, tz)
    rollover_today = local_now.replace(hour=rollover_hour, minute=0, second=0, microsecond=0)
    if rollover_today <= local_now:
        rollover_today += dt.timedelta(days=1)
    return DayClock(int(rollover_today.timestamp()), utc_offset, rollover_hour)


def tally_by_day(reviews: Iterable[Review], clock: DayClock) -> dict[int, Tally]:
    """Counted reviews per review day (days ago). The store does the same in SQL."""
    cells: dict[tuple[int, bool, bool], int] = {}
    for review in reviews:
        if not counts(review):
            continue
        days = clock.days_ago(review.id)
        if days is None:
            continue
        key = (days, is_mature(review), not passed(review))
        cells[key] = cells.get(key, 0) + 1
    by_day: dict[int, Tally] = {}
    for (days, mature, failed), n in cells.items():
        by_day[days] = by_day.get(days, Tally()) + tally_of(mature=mature, failed=failed, n=n)
    return by_day


# ---------------------------------------------------------------------------------------
# Anki's periods


@dataclass(frozen=True)
class Period:
    name: str
    first_day: int  # days ago, inclusive
    last_day: int | None  # days ago, exclusive; None = no limit

    def contains(self, days_ago: int) -> bool:
        return days_ago >= self.first_day and (self.last_day is None or days_ago < self.last_day)


PERIODS: tuple[Period, ...] = (
    Period("today", 0, 1),
    Period("yesterday", 1, 2),
    Period("week", 0, 7),
    Period("month", 0, 30),
    Period("year", 0, 365),
    Period("all", 0, None),
)
PERIOD_NAMES: tuple[str, ...] = tuple(p.name for p in PERIODS)


def period(name: str) -> Period:
    for p in PERIODS:
        if p.name == name:
            return p
    raise KeyError(name)


def period_tallies(by_day: Mapping[int, Tally]) -> dict[str, Tally]:
    """Anki's True Retention table: ``{today|yesterday|week|month|year|all: Tally}``."""
    return {p.name: total(t for days, t in by_day.items() if p.contains(days)) for p in PERIODS}


# ---------------------------------------------------------------------------------------
# ISO weeks


@dataclass(frozen=True)
class WeekTally:
    week: str  # ISO week, e.g. "2026-W48"
    start: dt.date  # its Monday
    tally: Tally
    partial: bool  # the current week, still running


def iso_week(date: dt.date) -> str:
    year, week, _ = date.isocalendar()
    return f"{year}-W{week:02d}"


def monday_of(date: dt.date) -> dt.date:
    return date - dt.timedelta(days=date.weekday())


def week_series(by_day: Mapping[int, Tally], clock: DayClock, weeks: int | None = None) -> list[WeekTally]:
    """Counted reviews per ISO week of the review day, oldest first, empty weeks included.

    Review days start at the rollover, like Anki's periods: a review at 2 am on a Monday with
    a 4 am rollover belongs to Sunday, so to the week before. ``weeks`` keeps the last ones.
    """
    today = clock.today
    current = monday_of(today)
    per_week: dict[dt.date, Tally] = {}
    for days, tally in by_day.items():
        monday = monday_of(clock.date_of(days))
        per_week[monday] = per_week.get(monday, Tally()) + tally
    if weeks is not None:
        first = current - dt.timedelta(weeks=weeks - 1)
    elif per_week:
        first = min(per_week)
    else:
        first = current
    series = []
    monday = first
    while monday <= current:
        series.append(WeekTally(iso_week(monday), monday, per_week.get(monday, Tally()), monday == current))
        monday += dt.timedelta(weeks=1)
    return series


# ---------------------------------------------------------------------------------------
# Recall after a delay (the DS tracking doc's 24-hour, 7-day and 30-day retention)


@dataclass(frozen=True)
class RecallWindow:
    name: str
    low: int  # seconds since the card's previous answer, inclusive
    high: int  # exclusive
    label: str


RECALL_WINDOWS: tuple[RecallWindow, ...] = (
    RecallWindow("24h", 12 * 3600, 36 * 3600, "about 1 day after the previous answer (12–36 h)"),
    RecallWindow("7d", 5 * DAY, 10 * DAY, "about 7 days after (5–10 days)"),
    RecallWindow("30d", 21 * DAY, 45 * DAY, "about 30 days after (21–45 days)"),
)


def recall_window(elapsed_ms: int | None) -> str | None:
    """The window a review falls in, by the time since the same card's previous answer."""
    if elapsed_ms is None:
        return None
    for window in RECALL_WINDOWS:
        if window.low * 1000 <= elapsed_ms < window.high * 1000:
            return window.name
    return None


def elapsed_since_previous_answer(reviews: Iterable[Review]) -> dict[int, int | None]:
    """For each review id, the ms since the same card's previous rated answer (None for the first)."""
    last: dict[int, int] = {}
    result: dict[int, int | None] = {}
    for review in sorted(reviews, key=attrgetter("id")):  # in time order, whatever the card
        previous = last.get(review.cid)
        result[review.id] = review.id - previous if previous is not None else None
        if review.ease > 0:
            last[review.cid] = review.id
    return result
