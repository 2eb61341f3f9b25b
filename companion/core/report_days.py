"""Days of study as Anki's Reviews graph counts them, the report's windows, streaks and minutes.

Source of truth: ``rslib/src/stats/graphs/reviews.rs`` and ``rslib/src/revlog/mod.rs``:

* every review-log row counts except manual ones (``type == 4``: set due date, reset) and
  FSRS reschedules (``type == 5``); cramming, learning steps and unrated rows count. A type
  Anki does not know is read as learning;
* a row's day is ``(id / 1000 - next_day_start) / 86400`` in Rust's integer arithmetic, which
  truncates toward zero: day 0 is today, −1 yesterday. So a day of the graph runs from one
  second *after* a rollover to the rollover itself: an answer in the very first second of a
  day (``00:00:00.000``–``.999`` after a 4 am rollover) is the day before's, and an answer
  dated less than a day after the next rollover (a device clock ahead) is today's;
* the time is the row's ``time`` in milliseconds, read as an unsigned 32-bit number (anything
  else counts as 0).

The True Retention table counts days the other way round (``[rollover, next rollover)``, see
:mod:`companion.core.retention`): the report takes each number from the rule of the Anki
screen it equals. Everything here is pure.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping, Sequence

from companion.core.retention import DAY, DayClock, Review, id_secs

MANUAL, RESCHEDULED = 4, 5
LEARNING_KINDS = (1, 2, 3)  # review, relearning, filtered: every other type is learning in Anki
TARGET_MINUTES = 30  # the default of plan.yaml daily_review_minutes (the plan's daily review session)
MAX_MS = 2**32 - 1


def in_reviews_graph(review: Review) -> bool:
    return review.type not in (MANUAL, RESCHEDULED)


def graph_day(review_id: int, next_day_start: int) -> int:
    """The row's day in Anki's Reviews graph: 0 today, −1 yesterday (Rust's truncating division)."""
    delta = id_secs(review_id) - next_day_start
    return delta // DAY if delta >= 0 else -((-delta) // DAY)


def answer_ms(review: Review) -> int:
    return review.time if 0 <= review.time <= MAX_MS else 0


def graph_day_ids(next_day_start: int, first: int, last: int) -> tuple[int, int]:
    """Review ids ``[low, high)`` of the graph days ``first..last`` (both ≤ 0, first ≤ last)."""
    low_secs = next_day_start + (first - 1) * DAY + 1  # day d holds secs (nds + (d−1)·DAY, nds + d·DAY]
    high_secs = next_day_start + last * DAY if last < 0 else next_day_start + DAY - 1
    return low_secs * 1000, (high_secs + 1) * 1000


@dataclass(frozen=True)
class DayActivity:
    """One day of the Reviews graph, with the buttons pressed and the cards first answered."""

    date: dt.date
    reviews: int = 0
    again: int = 0
    hard: int = 0
    good: int = 0
    easy: int = 0
    ms: int = 0  # answer time, as the graph sums it
    learning_ms: int = 0  # of it, on learning rows (new material)
    new: int = 0  # cards answered for the first time

    @property
    def seconds(self) -> float:
        return self.ms / 1000

    @property
    def minutes(self) -> float:
        return self.ms / 60_000

    @property
    def average_seconds(self) -> float | None:
        return self.seconds / self.reviews if self.reviews else None

    def rate(self, button: str) -> float | None:
        answered = self.again + self.hard + self.good + self.easy
        return getattr(self, button) / answered if answered else None

    @property
    def studied(self) -> bool:
        return self.reviews > 0


BUTTONS = ("again", "hard", "good", "easy")


def activity_by_day(reviews: Iterable[Review], clock: DayClock,
                    first_answers: frozenset[int] = frozenset()) -> dict[int, DayActivity]:
    """Per graph day (0, −1, …) of the rows: the reference the cache's SQL is held to.

    ``first_answers`` are the ids of rows that are their card's first rated answer.
    """
    counts: dict[int, list[int]] = {}
    for r in reviews:
        if not in_reviews_graph(r):
            continue
        day = graph_day(r.id, clock.next_day_start)
        c = counts.setdefault(day, [0] * 8)
        c[0] += 1
        if 1 <= r.ease <= 4:
            c[r.ease] += 1
        c[5] += answer_ms(r)
        if r.type not in LEARNING_KINDS:
            c[6] += answer_ms(r)
        c[7] += r.id in first_answers
    return {day: DayActivity(clock.today + dt.timedelta(days=day), *c) for day, c in counts.items()}


def first_answer_ids(reviews: Iterable[Review]) -> frozenset[int]:
    """The ids of each card's first rated answer."""
    first: dict[int, int] = {}
    for r in reviews:
        if r.ease > 0 and (r.cid not in first or r.id < first[r.cid]):
            first[r.cid] = r.id
    return frozenset(first.values())


# ---------------------------------------------------------------------------------------
# Windows


@dataclass(frozen=True)
class Window:
    """Review days ``first..last`` (inclusive dates), and the plan's week when the window is one."""

    first: dt.date
    last: dt.date
    week: int | None = None  # the plan's week (of its last day)
    aligned: bool = False  # made of the plan's weeks (``--week``), not the last days

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def dates(self) -> list[dt.date]:
        return [self.first + dt.timedelta(days=i) for i in range(self.days)]

    def graph_days(self, today: dt.date) -> tuple[int, int]:
        """The window as days of the Reviews graph (0 today, −1 yesterday)."""
        return (self.first - today).days, (self.last - today).days

    def days_ago(self, today: dt.date) -> tuple[int, int]:
        """``[first_day, last_day)`` in days ago, as :class:`companion.core.retention.Period` takes them."""
        return (today - self.last).days, (today - self.first).days + 1

    def label(self) -> str:
        return f"{self.first.isoformat()} to {self.last.isoformat()}"


def last_days(today: dt.date, days: int, week: int | None = None) -> Window:
    """The ``days`` review days ending today (the True Retention table's "week" for 7)."""
    return Window(today - dt.timedelta(days=days - 1), today, week)


def plan_week(start: dt.date, week: int, today: dt.date) -> Window:
    """The days of week ``week`` (1-based) of a plan begun on ``start``, up to today."""
    first = start + dt.timedelta(weeks=week - 1)
    return Window(first, min(first + dt.timedelta(days=6), today), week, aligned=True)


def plan_weeks(start: dt.date, last_week: int, count: int, today: dt.date) -> list[Window]:
    """Up to ``count`` weeks of the plan ending with ``last_week`` (none before week 1), oldest first."""
    return [plan_week(start, w, today) for w in range(max(1, last_week - count + 1), last_week + 1)]


def rolling_weeks(last: dt.date, count: int) -> list[Window]:
    """``count`` seven-day windows ending on ``last``, oldest first."""
    ends = [last - dt.timedelta(weeks=count - 1 - i) for i in range(count)]
    return [Window(end - dt.timedelta(days=6), end) for end in ends]


def weeks_of(window: Window, count: int, start: dt.date | None, today: dt.date) -> list[Window]:
    """The window's last ``count`` weeks: the plan's weeks when it is made of them, else 7-day windows."""
    if window.aligned and window.week is not None and start is not None:
        return plan_weeks(start, window.week, count, today)
    return rolling_weeks(window.last, count)


# ---------------------------------------------------------------------------------------
# The days of a window


@dataclass(frozen=True)
class Study:
    """What the days of a window add up to, against the plan's daily minutes."""

    days: int  # days in the window
    days_studied: int
    days_on_target: int  # days with at least the target minutes
    streak: int  # consecutive days studied up to the window's last day (today may still be open)
    reviews: int
    ms: int
    learning_ms: int
    new: int
    target_minutes: int

    @property
    def minutes(self) -> float:
        return self.ms / 60_000

    @property
    def hours(self) -> float:
        return self.ms / 3_600_000

    @property
    def average_minutes(self) -> float:
        return self.minutes / self.days if self.days else 0.0

    @property
    def review_ms(self) -> int:
        return self.ms - self.learning_ms


def fill(window: Window, by_date: Mapping[dt.date, DayActivity]) -> list[DayActivity]:
    """Every day of the window, oldest first, days without reviews included."""
    return [by_date.get(d, DayActivity(d)) for d in window.dates()]


def streak(studied: Callable[[dt.date], bool], last: dt.date, today: dt.date) -> int:
    """Consecutive days studied ending on ``last``; when ``last`` is today and nothing was
    studied yet today, the streak ending yesterday (the day is not over)."""
    day = last
    if day == today and not studied(day):
        day -= dt.timedelta(days=1)
    count = 0
    while studied(day):
        count += 1
        day -= dt.timedelta(days=1)
    return count


def study(days: Sequence[DayActivity], streak_days: int, target_minutes: int = TARGET_MINUTES) -> Study:
    return Study(
        days=len(days),
        days_studied=sum(1 for d in days if d.studied),
        days_on_target=sum(1 for d in days if d.minutes >= target_minutes),
        streak=streak_days,
        reviews=sum(d.reviews for d in days),
        ms=sum(d.ms for d in days),
        learning_ms=sum(d.learning_ms for d in days),
        new=sum(d.new for d in days),
        target_minutes=target_minutes,
    )
