"""What retag writes: plan position, now/status/weak tags, diffs (pure)."""

from __future__ import annotations

import datetime as dt

import pytest
from deckbuilder.loader import load_plan

from companion.cli import PROJECT_PLAN
from companion.core.schedule import position, reference_week, speed_draw_limit, weeks_on
from companion.core.status import NoteFacts, desired_tags, low_retention, now_tags, status
from companion.core.tags import (
    PlanTags,
    TagChange,
    TagDiff,
    child_of,
    diff_tags,
    in_subtree,
    is_retag_owned,
    plan_tags,
)

DAY = 86_400_000
NOW = 1_795_900_000_000
plan = load_plan(PROJECT_PLAN)


@pytest.mark.parametrize("today, week, phase", [
    ("2026-01-04", 0, 1),
    ("2026-01-05", 1, 1),
    ("2026-01-18", 2, 1),
    ("2026-01-19", 3, 2),
    ("2026-04-26", 16, 5),
    ("2026-04-27", 17, 5),
])
def test_position_on_the_intensive_path(today, week, phase):
    pos = position(plan, dt.date(2026, 1, 5), "intensive", dt.date.fromisoformat(today))
    assert (pos.week, pos.phase.number) == (week, phase)


def test_position_describes_itself():
    start = dt.date(2026, 1, 5)
    assert position(plan, start, "balanced", dt.date(2026, 2, 9)).describe() == \
        "week 6 of 32 (balanced), phase 2 Performance & Scale"
    assert position(plan, start, "intensive", dt.date(2026, 1, 1)).describe() == \
        "the intensive plan starts on 2026-01-05 (phase 1 Foundations & Patterns comes first)"
    assert position(plan, start, "intensive", dt.date(2026, 5, 1)).describe() == \
        "week 17: past the 16-week intensive plan (last phase 5 Integration & Mastery)"


@pytest.mark.parametrize("path, week, reference, minutes", [
    ("intensive", 1, 1, 5), ("intensive", 2, 2, 5), ("intensive", 3, 3, 4), ("intensive", 5, 5, 3),
    ("intensive", 9, 9, 2), ("intensive", 0, 1, 5), ("intensive", 30, 16, 2),
    ("balanced", 4, 2, 5), ("balanced", 5, 3, 4), ("balanced", 12, 6, 3), ("balanced", 13, 7, 3),
    ("extended", 7, 2, 5), ("extended", 8, 3, 4), ("extended", 52, 16, 2),
])
def test_speed_draw_minutes_follow_the_reference_week(path, week, reference, minutes):
    assert reference_week(plan, week, path) == reference
    start = dt.date(2026, 1, 5)
    pos = position(plan, start, path, start + dt.timedelta(weeks=max(week, 1) - 1))
    if week >= 1:
        assert speed_draw_limit(plan, pos) == minutes


@pytest.mark.parametrize("week, phase, source, target, weeks", [
    (2, 1, "intensive", "intensive", (2, 2)),
    (1, 1, "intensive", "balanced", (1, 2)),
    (2, 1, "intensive", "balanced", (3, 4)),
    (3, 2, "intensive", "balanced", (5, 6)),
    (6, 2, "intensive", "balanced", (11, 12)),
    (3, 2, "intensive", "extended", (8, 10)),
    (5, 2, "balanced", "intensive", (3, 3)),
    (6, 2, "balanced", "intensive", (3, 3)),
    (12, 2, "balanced", "intensive", (6, 6)),
])
def test_a_notes_week_covers_weeks_of_the_learners_path(week, phase, source, target, weeks):
    assert weeks_on(plan, week, phase, source, target) == weeks


@pytest.mark.parametrize("age_days, recent, expected", [
    (None, (), None),
    (0, (True,), "learning"),
    (6.99, (True,), "learning"),
    (7, (True,), "young"),
    (27.99, (True,) * 10, "young"),
    (28, (True,) * 3, "mature"),  # too few answers to call it mastered
    (28, (True,) * 4, "mastered"),
    (60, (False,) + (True,) * 19, "mastered"),  # 95% of the last 20
    (60, (False, False) + (True,) * 18, "mature"),  # 90%
    (60, (False,) * 5 + (True,) * 20, "mastered"),  # old failures fall out of the window
])
def test_status(age_days, recent, expected):
    first = None if age_days is None else NOW - int(age_days * DAY)
    assert status(first, recent, NOW, 0.95) == expected


@pytest.mark.parametrize("recent, weak", [
    ((), False),
    ((False, False), False),  # fewer than 3 answers
    ((False, True, True), True),  # 67%
    ((True,) * 4 + (False,), False),  # 80% is not below 80%
    ((False,) * 10 + (True,) * 8 + (False,) * 2, False),  # only the last 10 count: 80%
    ((True,) * 7 + (False,) * 3, True),
])
def test_low_retention(recent, weak):
    assert low_retention(recent) is weak


def test_now_tags():
    pos = position(plan, dt.date(2026, 1, 5), "intensive", dt.date(2026, 1, 19))  # week 3, phase 2
    assert now_tags(plan, pos, PlanTags(2, 3, "intensive")) == {"atlas::now::phase", "atlas::now::week"}
    assert now_tags(plan, pos, PlanTags(2, 4, "intensive")) == {"atlas::now::phase", "atlas::now::upcoming"}
    assert now_tags(plan, pos, PlanTags(1, 2, "intensive")) == set()
    assert now_tags(plan, pos, PlanTags(None, 3, None)) == set()
    assert now_tags(plan, pos, PlanTags(2, None, None)) == {"atlas::now::phase"}
    balanced = position(plan, dt.date(2026, 1, 5), "balanced", dt.date(2026, 2, 9))  # week 6, phase 2
    assert now_tags(plan, balanced, PlanTags(2, 3, "intensive")) == {"atlas::now::phase", "atlas::now::week"}
    assert now_tags(plan, balanced, PlanTags(2, 4, "intensive")) == {"atlas::now::phase", "atlas::now::upcoming"}
    before = position(plan, dt.date(2026, 1, 5), "intensive", dt.date(2026, 1, 1))
    assert now_tags(plan, before, PlanTags(1, 1, "intensive")) == {"atlas::now::upcoming"}


def test_desired_tags_combine_now_status_and_weak():
    pos = position(plan, dt.date(2026, 1, 5), "intensive", dt.date(2026, 1, 19))
    note = NoteFacts(1, PlanTags(2, 3, "intensive"), NOW - 10 * DAY, (True, False, False), leech=False)
    assert desired_tags(plan, pos, note, NOW, 0.95) == {
        "atlas::now::phase", "atlas::now::week", "atlas::status::young", "atlas::weak"}
    leech = NoteFacts(2, PlanTags(1, 1, "intensive"), None, (), leech=True)
    assert desired_tags(plan, pos, leech, NOW, 0.95) == {"atlas::weak"}


def test_build_tags_are_read_case_insensitively():
    assert plan_tags(["Atlas::Phase::2-performance", "atlas::week::03", "atlas::path::Balanced", "x"]) == \
        PlanTags(2, 3, "balanced")
    assert plan_tags(["atlas::week::3x", "atlas::phase::two"]) == PlanTags(None, None, None)


@pytest.mark.parametrize("tag, owned", [
    ("atlas::now::week", True), ("ATLAS::Now::Phase", True), ("atlas::status::young", True),
    ("atlas::weak", True), ("atlas::weak::custom", False), ("atlas::weakest", False),
    ("atlas::now", False), ("atlas::speed-draw::2026-W48", False), ("atlas::phase::1-foundations", False),
    ("now::week", False),
])
def test_retag_owns_only_its_namespaces(tag, owned):
    assert is_retag_owned(tag) is owned


def test_subtrees_ignore_case_and_need_a_separator():
    assert in_subtree("Atlas::Phase::1-x", "atlas::phase")
    assert in_subtree("atlas::phase", "atlas::phase")
    assert not in_subtree("atlas::phases::1", "atlas::phase")
    assert child_of("atlas::topic::raft::extra", "atlas::topic") == "atlas::topic::raft"
    assert child_of("atlas::topic", "atlas::topic") is None
    assert child_of("atlas::topicx::a", "atlas::topic") is None


def test_diff_sends_only_what_changed_and_only_owned_tags():
    current = {1: {"atlas::now::week", "atlas::phase::1-x", "mine"}, 2: {"ATLAS::WEAK"}, 3: set()}
    desired = {1: {"atlas::now::week", "atlas::status::young"}, 2: {"atlas::weak"}, 3: {"atlas::weak"},
               99: {"atlas::weak"}}  # 99 is not in the deck
    diff = diff_tags(current, desired, is_retag_owned)
    assert diff == TagDiff((TagChange("atlas::status::young", (1,), ()), TagChange("atlas::weak", (3,), ())))
    assert diff.notes == 2
    assert diff.operations() == [("add", "atlas::status::young", (1,)), ("add", "atlas::weak", (3,))]


def test_diff_removes_with_the_spelling_anki_has():
    diff = diff_tags({1: {"Atlas::Now::Week"}, 2: {"atlas::now::week"}}, {}, is_retag_owned)
    assert diff.operations() == [("remove", "Atlas::Now::Week", (1, 2))]
    assert diff.inverse().operations() == [("add", "Atlas::Now::Week", (1, 2))]


def test_diff_refuses_to_write_outside_the_namespace():
    with pytest.raises(ValueError, match=r"^refusing to write 'atlas::phase::2-x': outside the companion's tags$"):
        diff_tags({1: set()}, {1: {"atlas::phase::2-x"}}, is_retag_owned)


def test_no_change_is_an_empty_diff():
    same = {1: {"atlas::now::week", "other"}}
    diff = diff_tags(same, {1: {"ATLAS::NOW::WEEK"}}, is_retag_owned)
    assert diff.empty and diff.operations() == []
