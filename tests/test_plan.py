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


def test_plan_yaml_states_tiers_report_targets_and_deck_options() -> None:
    from ankitools import REPO
    from deckbuilder.loader import load_plan

    plan = load_plan(REPO / "cards" / "plan.yaml")
    assert [(t.number, t.slug) for t in plan.tiers] == [
        (1, "foundations"), (2, "core-mechanisms"), (3, "performance-and-costs"), (4, "scale-and-migrations"),
        (5, "company-deep-dives"), (6, "incidents-and-debugging"), (7, "capacity-and-comparisons")]
    assert sorted(c for t in plan.tiers for c in t.categories) == sorted(plan.categories), "every category in a tier"
    assert sum(r.target for r in plan.report_categories) == 900
    options = plan.deck_options
    assert options is not None
    assert (options.learning_steps, options.relearning_steps, options.graduating_interval, options.easy_interval) == (
        (30, 1440, 4320), (30, 1440), 7, 14)
    assert dict(options.new_per_day) == {"simple": 15, "moderate": 10, "complex": 5, "very-complex": 3}
    assert (options.lapse_new_interval, options.minimum_interval, options.leech_threshold, options.maximum_interval,
            options.hard_interval, options.easy_bonus) == (0.5, 2, 6, 365, 1.2, 1.3)
    assert (options.insertion_order, options.bury_related, options.show_timer, options.fsrs) == (
        "sequential", True, True, True)


def test_a_bad_deck_option_names_its_line(tmp_path) -> None:
    from ankitools import REPO
    from deckbuilder.errors import SourceError
    from deckbuilder.loader import load_plan

    text = (REPO / "cards" / "plan.yaml").read_text().replace("  leech_threshold: 6", "  leech_threshold: six")
    (tmp_path / "plan.yaml").write_text(text)
    line = text.splitlines().index("  leech_threshold: six") + 1
    try:
        load_plan(tmp_path / "plan.yaml")
    except SourceError as exc:
        assert [str(p) for p in exc.problems] == [
            f"{tmp_path / 'plan.yaml'}:{line}: deck_options: `leech_threshold` is not valid (invalid literal for int() "
            "with base 10: 'six') — see the deck_options example in cards/plan.yaml"]
    else:
        raise AssertionError("no error")


@pytest.mark.parametrize(("kr", "weeks"), [
    ("KR1", (4, 8, 13)), ("KR2", (10, 20, 33)), ("KR3", (14, 28, 46)), ("KR4", (16, 32, 52)), ("KR6", (16, 32, 52)),
])
def test_a_key_result_is_due_at_the_end_of_the_weeks_its_due_week_covers(kr: str, weeks: tuple[int, int, int]) -> None:
    """"By week 4" of 16 is by the end of week 8 of 32 (weeks 7 and 8 cover week 4), week 13 of 52."""
    result = next(k for k in PLAN.key_results if k.id == kr)
    assert tuple(PLAN.kr_due_week(result, path) for path in ("intensive", "balanced", "extended")) == weeks


def test_diagram_key_results_say_what_they_count() -> None:
    counts = {kr.id: (kr.categories, kr.measure) for kr in PLAN.key_results if kr.categories}
    assert counts == {"KR1": (("patterns", "mechanisms"), "studied"), "KR2": (("systems",), "mastered"),
                      "KR3": (("incidents", "debugging"), "studied"),
                      "KR4": (("performance", "scaling", "costs", "capacity"), "mastered")}
