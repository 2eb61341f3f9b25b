"""Anki's True Retention rules, day boundaries, periods, ISO weeks, recall windows (pure)."""

from __future__ import annotations

import datetime as dt

import pytest

from companion.core.retention import (
    DayClock,
    Review,
    Tally,
    counts,
    day_clock,
    elapsed_since_previous_answer,
    id_secs,
    period_tallies,
    recall_window,
    tally_by_day,
    week_series,
)

NEXT = 1_795_924_800  # 2026-11-29 04:00 UTC
CLOCK = DayClock(NEXT, 0, 4)


def review(id=NEXT * 1000 - 1, cid=1, ease=3, ivl=10, last_ivl=5, factor=2500, time=1000, type=1) -> Review:
    return Review(id, cid, ease, ivl, last_ivl, factor, time, type)


@pytest.mark.parametrize("row, counted", [
    (review(), True),
    (review(ease=0), False),  # manual: set due date / reset
    (review(ease=0, type=4), False),
    (review(ease=0, type=5), False),  # rescheduled
    (review(type=3, factor=0, last_ivl=30), False),  # cramming
    (review(type=3, factor=2500, last_ivl=30), True),  # filtered deck that reschedules
    (review(type=3, factor=2500, last_ivl=-600), False),  # … but a sub-day interval
    (review(type=0, last_ivl=-600), False),  # learning step of 10 minutes
    (review(type=0, last_ivl=-86_399), False),  # a second short of a day
    (review(type=0, last_ivl=-86_400), True),  # a one-day learning step
    (review(type=0, last_ivl=0), False),  # new card
    (review(type=2, last_ivl=3), True),  # relearning with a review interval
    (review(type=2, last_ivl=-600), False),
    (review(type=1, last_ivl=-600), True),  # review rows count whatever their last interval
    (review(type=1, last_ivl=0), True),
    (review(type=7, last_ivl=-600), False),  # unknown kind: Anki reads it as learning
    (review(type=7, last_ivl=2), True),
])
def test_which_rows_count(row, counted):
    assert counts(row) is counted


def test_young_and_mature_split_at_21_days_and_only_again_fails():
    rows = [review(id=1_000, last_ivl=20, ease=1), review(id=2_000, last_ivl=21, ease=2),
            review(id=3_000, last_ivl=-86_400, type=0, ease=4), review(id=4_000, last_ivl=400, ease=1)]
    by_day = tally_by_day(rows, DayClock(100, 0, 4))
    assert by_day == {0: Tally(young_passed=1, young_failed=1, mature_passed=1, mature_failed=1)}


@pytest.mark.parametrize("ms, secs", [(1_999, 1), (1_000, 1), (999, 0), (0, 0), (-1, 0), (-999, 0), (-1_000, -1),
                                      (-1_001, -1)])
def test_ids_are_truncated_toward_zero_like_rust(ms, secs):
    assert id_secs(ms) == secs


@pytest.mark.parametrize("ms, days", [
    (NEXT * 1000 - 1, 0),
    ((NEXT - 86_400) * 1000, 0),  # first ms of today
    ((NEXT - 86_400) * 1000 - 1, 1),  # last ms of yesterday
    ((NEXT - 7 * 86_400) * 1000, 6),
    ((NEXT - 7 * 86_400) * 1000 - 1, 7),
    (NEXT * 1000, None),  # the next day: in no period
    (0, (NEXT - 1) // 86_400),
    (-999, (NEXT - 1) // 86_400),  # truncates to second 0: Anki's "all" still counts it
    (-1_000, None),
])
def test_days_ago(ms, days):
    assert CLOCK.days_ago(ms) == days


@pytest.mark.parametrize("now, offset, rollover, expected", [
    ("2026-11-28T16:00:00+00:00", 0, 4, "2026-11-29T04:00:00+00:00"),
    ("2026-11-28T03:59:59+00:00", 0, 4, "2026-11-28T04:00:00+00:00"),
    ("2026-11-28T04:00:00+00:00", 0, 4, "2026-11-29T04:00:00+00:00"),  # at the rollover: the next one
    ("2026-11-28T16:00:00+00:00", -8 * 3600, 4, "2026-11-29T04:00:00-08:00"),
    ("2026-11-28T02:00:00+00:00", -8 * 3600, 19, "2026-11-27T19:00:00-08:00"),  # 18:00 in Los Angeles
    ("2026-11-28T23:30:00+00:00", 5 * 3600 + 1800, 0, "2026-11-30T00:00:00+05:30"),
])
def test_next_day_start_like_anki(now, offset, rollover, expected):
    clock = day_clock(int(dt.datetime.fromisoformat(now).timestamp()), offset, rollover)
    assert clock.next_day_start == int(dt.datetime.fromisoformat(expected).timestamp())


def test_rollover_hour_out_of_range_is_refused():
    with pytest.raises(ValueError, match="^rollover hour must be 0–23, not 24$"):
        day_clock(0, 0, 24)


def test_today_is_the_date_the_review_day_began():
    assert CLOCK.today == dt.date(2026, 11, 28)
    assert DayClock(NEXT, 5 * 3600, 4).today == dt.date(2026, 11, 28)  # 09:00 local
    assert CLOCK.date_of(3) == dt.date(2026, 11, 25)


def test_periods_add_up_like_ankis_table():
    by_day = {0: Tally(1, 0, 0, 0), 1: Tally(0, 1, 0, 0), 6: Tally(0, 0, 1, 0), 7: Tally(0, 0, 0, 1),
              29: Tally(2, 0, 0, 0), 30: Tally(0, 2, 0, 0), 364: Tally(0, 0, 3, 0), 365: Tally(0, 0, 0, 3)}
    table = period_tallies(by_day)
    assert table == {
        "today": Tally(1, 0, 0, 0),
        "yesterday": Tally(0, 1, 0, 0),
        "week": Tally(1, 1, 1, 0),
        "month": Tally(3, 1, 1, 1),
        "year": Tally(3, 3, 4, 1),
        "all": Tally(3, 3, 4, 4),
    }


def test_week_series_uses_review_days_fills_gaps_and_marks_the_current_week():
    # today is Saturday 2026-11-28 (week 48); 2026-11-23 is its Monday
    monday_2am = int(dt.datetime(2026, 11, 23, 2, tzinfo=dt.timezone.utc).timestamp()) * 1000
    rows = [
        review(id=monday_2am),  # before the 4 am rollover: Sunday, so week 47
        review(id=monday_2am + 3 * 3600 * 1000, ease=1),  # 5 am Monday: week 48
        review(id=monday_2am - 14 * 86_400_000 + 5 * 3600 * 1000),  # Monday of week 46 … 06:00
    ]
    series = week_series(tally_by_day(rows, CLOCK), CLOCK)
    assert [(w.week, w.start.isoformat(), w.tally, w.partial) for w in series] == [
        ("2026-W46", "2026-11-09", Tally(young_passed=1), False),
        ("2026-W47", "2026-11-16", Tally(young_passed=1), False),
        ("2026-W48", "2026-11-23", Tally(young_failed=1), True),
    ]
    assert [w.week for w in week_series({}, CLOCK, weeks=2)] == ["2026-W47", "2026-W48"]
    assert [w.week for w in week_series({}, CLOCK)] == ["2026-W48"]


def test_iso_weeks_across_the_new_year():
    clock = DayClock(int(dt.datetime(2027, 1, 2, 4, tzinfo=dt.timezone.utc).timestamp()), 0, 4)  # today Fri Jan 1
    assert [w.week for w in week_series({0: Tally(1, 0, 0, 0), 7: Tally(1, 0, 0, 0)}, clock)] == ["2026-W52", "2026-W53"]


@pytest.mark.parametrize("elapsed_ms, window", [
    (None, None),
    (12 * 3600 * 1000 - 1, None),
    (12 * 3600 * 1000, "24h"),
    (36 * 3600 * 1000 - 1, "24h"),
    (36 * 3600 * 1000, None),
    (5 * 86_400_000, "7d"),
    (10 * 86_400_000 - 1, "7d"),
    (21 * 86_400_000, "30d"),
    (45 * 86_400_000, None),
])
def test_recall_windows(elapsed_ms, window):
    assert recall_window(elapsed_ms) == window


def test_elapsed_is_measured_from_the_previous_rated_answer_of_the_same_card():
    rows = [review(id=10, cid=1), review(id=20, cid=2), review(id=35, cid=1, ease=0, type=4),
            review(id=50, cid=1), review(id=70, cid=2, ease=1)]
    assert elapsed_since_previous_answer(rows) == {10: None, 20: None, 35: 25, 50: 40, 70: 50}
