from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from deckbuilder.core.plan import scale_week, speed_draw_minutes, spread_weeks, validate_tiling, week_of_date
from deckbuilder.loader import load_plan

PLAN = load_plan(Path(__file__).resolve().parent.parent / "cards" / "plan.yaml")


@pytest.mark.parametrize(("week", "path", "expected"), [
    (1, "intensive", 1), (2, "intensive", 2), (16, "intensive", 16),
    (1, "balanced", 1), (2, "balanced", 3), (3, "balanced", 5), (6, "balanced", 11), (16, "balanced", 31),
    (1, "extended", 1), (2, "extended", 4), (3, "extended", 8), (7, "extended", 21), (16, "extended", 50),
])
def test_week_on_path_scales_within_the_phase(week: int, path: str, expected: int) -> None:
    assert PLAN.week_on_path(week, path) == expected


@pytest.mark.parametrize(("week", "path", "phase"), [
    (1, "intensive", 1), (3, "intensive", 2), (10, "intensive", 3), (11, "intensive", 4), (16, "intensive", 5),
    (4, "balanced", 1), (5, "balanced", 2), (33, "balanced", 5), (46, "extended", 4), (47, "extended", 5),
])
def test_phase_of_week(week: int, path: str, phase: int) -> None:
    assert PLAN.phase_of_week(week, path).number == phase


def test_plan_tiles_every_path() -> None:
    assert validate_tiling(PLAN) == []


def test_scale_week_keeps_the_last_week_in_the_span() -> None:
    assert scale_week(2, (1, 2), (1, 7)) == 4
    assert scale_week(6, (3, 6), (8, 20)) == 17


def test_spread_weeks_in_order_over_the_span() -> None:
    assert spread_weeks(5, (3, 6)) == [3, 3, 4, 5, 6]
    assert spread_weeks(0, (1, 2)) == []


@pytest.mark.parametrize(("week", "minutes"), [(1, 5), (2, 5), (3, 4), (4, 4), (5, 3), (8, 3), (9, 2), (16, 2)])
def test_speed_draw_minutes_follow_the_protocol(week: int, minutes: int) -> None:
    assert speed_draw_minutes(week) == minutes


def test_week_of_date() -> None:
    start = dt.date(2026, 11, 2)
    assert week_of_date(start, dt.date(2026, 11, 1)) == 0
    assert week_of_date(start, start) == 1
    assert week_of_date(start, dt.date(2026, 11, 8)) == 1
    assert week_of_date(start, dt.date(2026, 11, 9)) == 2
