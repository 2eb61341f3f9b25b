"""The forecast's maths (companion.core.forecast): Future Due days, minutes, FSRS histories."""

from __future__ import annotations

import datetime as dt

import pytest

from companion.core.forecast import (
    AnswerTime,
    answer_time,
    fsrs_history,
    future_due_day,
    retrievability,
    workload,
)
from companion.core.retention import Review

CUTOFF = 1_800_000_000  # next day start
DAY = 86_400


@pytest.mark.parametrize("due, day", [
    (1500, 0), (1499, -1), (1530, 30),  # day numbers, today is 1500
    (CUTOFF - 1, 0), (CUTOFF - DAY + 1, 0), (CUTOFF - DAY - 1, -1),  # due times: toward zero, like Rust
    (CUTOFF + DAY - 1, 0), (CUTOFF + DAY, 1), (CUTOFF - 3 * DAY, -3),
])
def test_future_due_days_as_ankis_graph_counts_them(due, day):
    assert future_due_day(due, 1500, CUTOFF) == day


def test_minutes_and_the_days_over_the_target():
    load = workload({-2: 3, -1: 1, 0: 10, 2: 200}, dt.date(2026, 12, 1), AnswerTime(40, 9.0, 30), days=3,
                    target_minutes=30)
    assert [(d.date.isoformat(), d.cards, d.minutes) for d in load.days] == [
        ("2026-12-01", 10, 1.5), ("2026-12-02", 0, 0.0), ("2026-12-03", 200, 30.0)]
    assert load.overdue == 4 and load.minutes(4) == 0.6
    assert load.over_target == ()  # 30.0 is not over 30
    unknown = workload({0: 5}, dt.date(2026, 12, 1), answer_time((0, 0), (0, 0), 30), days=1)
    assert (unknown.answer_time, unknown.days[0].minutes) == (AnswerTime(0, None, None), None)


def test_answer_time_falls_back_to_all_time():
    assert answer_time((0, 0), (4, 30_000), 30) == AnswerTime(4, 7.5, None)
    assert answer_time((2, 9_000), (4, 30_000), 30) == AnswerTime(2, 4.5, 30)


def row(day: float, ease: int, ivl: int, kind: int, factor: int = 2500) -> Review:
    return Review(int((CUTOFF - day * DAY) * 1000), 1, ease, ivl, 0, factor, 5000, kind)


def test_a_history_starts_at_the_last_learning_run_and_drops_cramming():
    h = fsrs_history([row(30.5, 3, -600, 0), row(30.4, 3, 1, 0), row(29.5, 3, 4, 1), row(20.5, 3, 3, 3, 0),
                      row(10.5, 1, 1, 1), row(0.5, 4, 9, 1)], CUTOFF)
    assert h is not None and h.complete
    assert h.reviews == ((3, 0), (3, 0), (3, 1), (1, 19), (4, 10))


def test_without_learning_the_first_interday_review_starts_an_incomplete_history():
    h = fsrs_history([row(40.5, 3, -600, 2), row(30.5, 3, 12, 1, 2300), row(5.5, 3, 30, 1)], CUTOFF)
    assert h is not None and not h.complete
    assert (h.reviews, h.first_interval, h.first_factor) == (((3, 0), (3, 25)), 12, 2300)


def test_a_reset_cuts_the_history():
    relearnt = fsrs_history([row(50.5, 3, 10, 1), row(20.5, 0, 0, 4, 0), row(19.5, 3, -600, 0),
                             row(2.5, 3, 3, 1)], CUTOFF)
    assert relearnt is not None and relearnt.complete and relearnt.reviews == ((3, 0), (3, 17))
    assert fsrs_history([row(50.5, 3, 10, 1), row(20.5, 0, 0, 4, 0)], CUTOFF) is None  # not graded since


def test_the_forgetting_curve():
    assert retrievability(10.0, 10.0, 0.5) == pytest.approx(0.9)  # stability: 90% after that many days
    assert retrievability(10.0, 0.0, 0.1542) == 1.0
    assert retrievability(10.0, 30.0, 0.1542) < retrievability(10.0, 10.0, 0.1542) < retrievability(10.0, 7.0, 0.1542)
    assert retrievability(10.0, 10.0, 0.1542) == pytest.approx(0.9)  # whatever the decay
