"""The workload ahead and the retention FSRS predicts, computed the way Anki computes them (pure).

Reviews due per day are Anki's *Future Due* graph (``rslib/src/stats/graphs/future_due.rs``):
every card that is not new and not suspended, on the day of its due date (its original due
date while it sits in a filtered deck): a day number minus today's number for review and
interday-learning cards, ``(due − next day start) ÷ 86,400`` truncated toward zero for a due
time in seconds (intraday learning); buried cards count only when due after today. Day 0 is
today, negative days are overdue. The companion reads these counts with Anki's own
``prop:due=N`` search, which is the same rule (``rslib/src/search/sqlwriter.rs``) except for
buried cards: those are placed with :func:`future_due_day`.

Minutes are cards × the learner's average time per review answer. Retention predictions follow
Anki's FSRS memory states: the review history filtered and turned into FSRS reviews exactly
as ``reviews_for_fsrs`` does (``rslib/src/scheduler/fsrs/params.rs``, not training), and the
forgetting curve of ``fsrs::current_retrievability``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from companion.core.retention import DAY, Review, id_secs

FORECAST_DAYS = 30
TARGET_MINUTES = 30.0  # the default of plan.yaml daily_review_minutes
RETENTION_DAYS = (0, 7, 30)  # predicted retention today, in 7 and in 30 days without review
EPOCH_TIMESTAMP = 1_000_000_000  # a due above this is a time in seconds (timing.rs)
LEARNING, REVIEW, FILTERED, MANUAL = 0, 1, 3, 4
QUEUE_USER_BURIED, QUEUE_SCHED_BURIED = -3, -2
FSRS5_DECAY = 0.5  # the decay of FSRS 4.5/5 parameters (19 of them); FSRS-6 has its own, the 21st


# ---------------------------------------------------------------------------------------
# Future due


def future_due_day(due: int, today_number: int, next_day_start: int) -> int:
    """The Future Due graph's day of a card's (original) due: 0 today, negative overdue."""
    if due > EPOCH_TIMESTAMP:
        return _toward_zero(due - next_day_start, DAY)
    return due - today_number


def _toward_zero(a: int, b: int) -> int:
    """Integer division truncating toward zero, like Rust's and SQLite's."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


@dataclass(frozen=True)
class DueDay:
    day: int  # 0 = today
    date: dt.date
    cards: int
    minutes: float | None  # None when the learner has no timed review answers yet


@dataclass(frozen=True)
class AnswerTime:
    answers: int  # review answers averaged
    seconds: float | None  # mean seconds per review answer
    window_days: int | None  # the answers of the last N days; None: all time


@dataclass(frozen=True)
class Workload:
    days: tuple[DueDay, ...]
    overdue: int  # cards due before today (Anki's backlog)
    answer_time: AnswerTime
    target_minutes: float

    def minutes(self, cards: int) -> float | None:
        return None if self.answer_time.seconds is None else round(cards * self.answer_time.seconds / 60, 6)

    @property
    def total(self) -> int:
        return sum(d.cards for d in self.days)

    @property
    def over_target(self) -> tuple[DueDay, ...]:
        return tuple(d for d in self.days if d.minutes is not None and d.minutes > self.target_minutes)

    @property
    def peak(self) -> DueDay | None:
        return max(self.days, key=lambda d: (d.cards, -d.day)) if self.days else None


def workload(due_by_day: Mapping[int, int], today: dt.date, answer_time: AnswerTime, *,
             days: int = FORECAST_DAYS, target_minutes: float = TARGET_MINUTES) -> Workload:
    """Days 0 … days−1 of the Future Due counts, with minutes; negative days are the backlog."""
    per_card = answer_time.seconds

    def minutes(cards: int) -> float | None:
        return None if per_card is None else round(cards * per_card / 60, 6)

    rows = tuple(DueDay(d, today + dt.timedelta(days=d), due_by_day.get(d, 0), minutes(due_by_day.get(d, 0)))
                 for d in range(days))
    overdue = sum(n for d, n in due_by_day.items() if d < 0)
    return Workload(rows, overdue, answer_time, target_minutes)


def answer_time(recent: tuple[int, int], all_time: tuple[int, int], window_days: int) -> AnswerTime:
    """Mean seconds per review answer from ``(answers, total ms)``: recent ones, else all."""
    for (n, ms), window in ((recent, window_days), (all_time, None)):
        if n:
            return AnswerTime(n, round(ms / n / 1000, 6), window)
    return AnswerTime(0, None, None)


# ---------------------------------------------------------------------------------------
# FSRS


def is_cramming(r: Review) -> bool:
    return r.type == FILTERED and r.factor == 0


def is_reset(r: Review) -> bool:
    return r.type == MANUAL and r.factor == 0


def days_elapsed(review_id: int, next_day_at: int) -> int:
    """Whole days from a review to the next day start (``RevlogEntry::days_elapsed``)."""
    return max(0, _toward_zero(next_day_at - id_secs(review_id), DAY))


@dataclass(frozen=True)
class FsrsHistory:
    """A card's review history as the FSRS scheduler takes it."""

    reviews: tuple[tuple[int, int], ...]  # (rating 1–4, days since the previous review)
    complete: bool  # starts with learning; otherwise the first review seeds an SM-2 state
    first_interval: int  # of the first kept review (for the SM-2 seed)
    first_factor: int  # ‰
    last_review: int  # epoch seconds of the last kept review


def fsrs_history(reviews: Sequence[Review], next_day_at: int) -> FsrsHistory | None:
    """``reviews_for_fsrs`` for one card (not training, no "ignore reviews before" date).

    Walking back from the last review: the last run of learning answers starts the history
    (complete); without one, the first rated answer with an interval of a day or more does
    (incomplete). A reset cuts the history there. Then only rated, non-cramming answers stay.
    """
    entries = sorted(reviews, key=lambda r: r.id)
    first_learn: int | None = None
    first_graded: int | None = None
    complete = False
    for index in range(len(entries) - 1, -1, -1):
        e = entries[index]
        if is_cramming(e):
            continue
        graded = e.ease > 0
        if graded and e.id > 0 and (e.ivl >= 1 or e.ivl <= -DAY):
            first_graded = index
        if graded and e.type == LEARNING:
            first_learn = index
            complete = True
        elif is_reset(e):
            if first_learn is not None:
                complete = True
                break
            if first_graded is not None:
                complete = False
                break
            return None
        elif first_learn is not None:
            break
    start = first_learn if first_learn is not None else first_graded
    if start is None:
        return None
    kept = [e for e in entries[start:] if e.ease > 0 and not is_cramming(e)]
    elapsed = [days_elapsed(e.id, next_day_at) for e in kept]
    deltas = [0] + [prev - cur for prev, cur in zip(elapsed, elapsed[1:])]
    first = kept[0]
    return FsrsHistory(tuple((e.ease, d) for e, d in zip(kept, deltas)), complete, max(first.ivl, 1),
                       first.factor, id_secs(kept[-1].id))


def decay_of(params: Sequence[float]) -> float:
    """The forgetting curve's decay: the 21st parameter of FSRS-6, 0.5 before it."""
    return float(params[20]) if len(params) >= 21 else FSRS5_DECAY


def retrievability(stability: float, days: float, decay: float) -> float:
    """``fsrs::current_retrievability``: recall probability ``days`` after the last review."""
    factor = 0.9 ** (1.0 / -decay) - 1.0
    return (days / stability * factor + 1.0) ** -decay


@dataclass(frozen=True)
class CardMemory:
    cid: int
    stability: float  # days
    difficulty: float
    decay: float
    last_review: int  # epoch seconds


@dataclass(frozen=True)
class RetentionRow:
    group: str  # a category, or "" for the whole deck
    cards: int
    predicted: Mapping[int, float]  # days from now -> mean predicted retention


def predicted_retention(memories: Iterable[CardMemory], now: int, days: Sequence[int] = RETENTION_DAYS) -> dict[int, float]:
    """Mean recall probability of the cards ``d`` days from ``now`` with no review in between."""
    cards = list(memories)
    if not cards:
        return {}
    return {d: round(sum(retrievability(m.stability, (now - m.last_review) / DAY + d, m.decay) for m in cards)
                     / len(cards), 6) for d in days}


def retention_by_group(memories: Mapping[int, CardMemory], groups: Mapping[int, Sequence[str]], now: int,
                       days: Sequence[int] = RETENTION_DAYS) -> list[RetentionRow]:
    """The whole deck first, then each group (a card's groups from ``groups``), by name."""
    rows = [RetentionRow("", len(memories), predicted_retention(memories.values(), now, days))]
    members: dict[str, list[CardMemory]] = {}
    for cid, memory in memories.items():
        for group in groups.get(cid, ()):
            members.setdefault(group, []).append(memory)
    for group in sorted(members, key=str.casefold):
        rows.append(RetentionRow(group, len(members[group]), predicted_retention(members[group], now, days)))
    return rows
