"""The weekly report's pure core: Anki's Reviews-graph days, windows, streaks, diagrams, key results,
action rules, manual metrics; and the cache's SQL held to the pure maths."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from deckbuilder.diagrams.cards import native_uid, occlusion_uid, speed_draw_uid
from deckbuilder.loader import load_plan

from companion.cache import ReviewCache, SyncBatch
from companion.cli import PROJECT_PLAN
from companion.core import measures as m
from companion.core.report_actions import (
    actions,
    category_rule,
    consistency_rule,
    kr_rule,
    problematic_rule,
    retention_rule,
)
from companion.core.report_days import (
    DayActivity,
    Window,
    activity_by_day,
    first_answer_ids,
    graph_day,
    graph_day_ids,
    plan_week,
    plan_weeks,
    rolling_weeks,
    streak,
    study,
    weeks_of,
)
from companion.core.report_progress import (
    Diagram,
    DiagramState,
    NoteState,
    category_progress,
    diagram_of,
    diagram_state,
    group_diagrams,
    key_results,
    linear_expected,
    note_status,
)
from companion.core.retention import DayClock, Review, Tally, day_clock
from companion.core.schedule import position
from companion.errors import UsageError
from companion.report_sync import diagram_row
from companion.report_weekly import choose_window, progress_trend
from review_history import _rows

NDS = 1_795_910_400  # a next day start (epoch s)
DAY = 86_400
plan = load_plan(PROJECT_PLAN)


# ---------------------------------------------------------------------------------------
# Anki's Reviews graph


@pytest.mark.parametrize("secs, ms, day", [
    (NDS - 1, 999, 0),                 # the last second before the rollover: today
    (NDS - DAY + 1, 0, 0),             # a second after today's rollover: today
    (NDS - DAY, 0, -1),                # the rollover's own second: yesterday (Rust truncates toward zero)
    (NDS - DAY, 999, -1),
    (NDS - 2 * DAY + 1, 0, -1),
    (NDS - 2 * DAY, 0, -2),
    (NDS, 0, 0),                       # dated after the next rollover (a clock ahead): still today
    (NDS + DAY - 1, 999, 0),
    (NDS + DAY, 0, 1),
])
def test_graph_day_truncates_toward_zero_like_anki(secs, ms, day):
    assert graph_day(secs * 1000 + ms, NDS) == day


@pytest.mark.parametrize("first, last", [(-6, 0), (-27, -21), (-1, -1), (0, 0), (-400, -3)])
def test_graph_day_ids_hold_exactly_those_days(first, last):
    low, high = graph_day_ids(NDS, first, last)
    for day in range(first - 2, min(last + 2, 1) + 1):
        for secs in (NDS + (day - 1) * DAY, NDS + (day - 1) * DAY + 1, NDS + day * DAY - 1, NDS + day * DAY):
            for rid in (secs * 1000, secs * 1000 + 999):
                inside = first <= graph_day(rid, NDS) <= last
                assert (low <= rid < high) == inside, (day, secs, rid)


def _history(seed: int = 3) -> list[Review]:
    rng = random.Random(seed)
    rows = _rows(rng, list(range(1, 60)), 14, NDS - 3600)
    rows += [(NDS * 1000 - DAY * 1000, 1, -1, 3, 30, 21, 2500, 100, 1),  # the rollover's second
             (NDS * 1000 - DAY * 1000 - 1, 2, -1, 1, 1, 20, 2500, 100, 1),
             (NDS * 1000 - 5 * DAY * 1000 + 500, 3, -1, 0, 10, 5, 0, 0, 4),  # manual: not in the graph
             (NDS * 1000 - 2 * DAY * 1000 + 7, 4, -1, 3, 3, 2, 2500, -5, 1),  # negative time: 0
             (NDS * 1000 - 3 * DAY * 1000 + 9, 5, -1, 2, 3, 2, 2500, 2**33, 7)]  # unknown type: learning
    return [Review(r[0], r[1], *r[3:]) for r in rows]


def _clock() -> DayClock:
    return DayClock(NDS, 0, 4)


def test_the_caches_days_equal_the_pure_rule(tmp_path):
    reviews = sorted(_history(), key=lambda r: r.id)
    cache = ReviewCache(tmp_path / "cache.sqlite")
    cards = frozenset(r.cid for r in reviews)
    cache.apply_sync(SyncBatch(reviews, cards, {c: 1000 + c for c in cards}, {}, reviews[-1].id, NDS))
    clock = _clock()
    expected = activity_by_day(reviews, clock, first_answer_ids(reviews))
    got = cache.activity(clock, -60, 0)
    assert got == {day: a for day, a in expected.items() if -60 <= day <= 0}
    assert got[-1].reviews > 0 and got[0].new + got[-1].new > 0
    assert sum(a.ms for a in got.values()) == sum(
        (r.time if 0 <= r.time < 2**32 else 0) for r in reviews if r.type not in (4, 5) and -60 <= graph_day(r.id, NDS) <= 0)
    assert cache.reviewed_on(clock, -1) and not cache.reviewed_on(clock, -5000)
    cache.close()


def test_a_days_rates_minutes_and_average():
    day = DayActivity(dt.date(2026, 12, 1), reviews=10, again=1, hard=2, good=6, easy=0, ms=90_000, new=2)
    assert (day.rate("again"), day.rate("good"), day.minutes, day.average_seconds) == (1 / 9, 6 / 9, 1.5, 9.0)
    assert DayActivity(dt.date(2026, 12, 1)).rate("again") is None


# ---------------------------------------------------------------------------------------
# Windows and streaks


def test_plan_weeks_and_rolling_weeks():
    start, today = dt.date(2026, 11, 2), dt.date(2026, 11, 25)
    assert plan_week(start, 4, today) == Window(dt.date(2026, 11, 23), today, 4, aligned=True)
    assert [w.week for w in plan_weeks(start, 2, 4, today)] == [1, 2]
    assert rolling_weeks(today, 2) == [Window(dt.date(2026, 11, 12), dt.date(2026, 11, 18)),
                                       Window(dt.date(2026, 11, 19), today)]
    aligned = Window(dt.date(2026, 11, 2), dt.date(2026, 11, 25), 4, aligned=True)
    assert [w.week for w in weeks_of(aligned, 4, start, today)] == [1, 2, 3, 4]
    assert weeks_of(Window(dt.date(2026, 10, 29), today, 4), 4, start, today)[0].first == dt.date(2026, 10, 29)
    assert Window(dt.date(2026, 11, 19), today).days_ago(today) == (0, 7)


def test_choose_window():
    clock = day_clock(1_795_910_400 - 3 * 3600, 0, 4)  # 2026-11-28 early morning UTC
    today = clock.today
    pos = position(plan, today - dt.timedelta(days=9), "intensive", today)  # week 2
    assert choose_window(clock, pos, None, False) == Window(today - dt.timedelta(days=6), today, 2)
    assert choose_window(clock, None, None, True) == Window(today - dt.timedelta(days=27), today, None)
    assert choose_window(clock, pos, 1, True) == Window(pos.start, pos.start + dt.timedelta(days=6), 1, aligned=True)
    assert choose_window(clock, pos, 2, True) == Window(pos.start, today, 2, aligned=True)
    with pytest.raises(UsageError) as e:
        choose_window(clock, pos, 3, False)
    assert str(e.value) == (f"week 3 begins on {(pos.start + dt.timedelta(weeks=2)).isoformat()}, after today "
                            f"({today.isoformat()}): pass a week up to 2")


@pytest.mark.parametrize("studied, last, expected", [
    ({0, 1, 2, 3}, 0, 4),
    ({1, 2, 3}, 0, 3),      # nothing yet today: the streak up to yesterday
    ({0, 2, 3}, 0, 1),
    ({1, 2}, 1, 2),         # a past window: its last day must have been studied
    ({2, 3}, 1, 0),
    (set(), 0, 0),
])
def test_streak(studied, last, expected):
    today = dt.date(2026, 11, 28)
    days = {today - dt.timedelta(days=d) for d in studied}
    assert streak(days.__contains__, today - dt.timedelta(days=last), today) == expected


def test_study_against_the_thirty_minute_target():
    d = dt.date(2026, 11, 28)
    days = [DayActivity(d, reviews=40, ms=31 * 60_000, learning_ms=60_000, new=3), DayActivity(d, reviews=5, ms=60_000),
            DayActivity(d)]
    s = study(days, 2)
    assert (s.days, s.days_studied, s.days_on_target, s.reviews, s.new, s.minutes, s.review_ms) == (
        3, 2, 1, 45, 3, 32.0, 31 * 60_000)
    assert s.average_minutes == pytest.approx(32 / 3)


# ---------------------------------------------------------------------------------------
# Diagrams


@pytest.mark.parametrize("uid, page", [
    (occlusion_uid("site/docs/systems/uber/architecture.md", 0, "node", "API"), "site/docs/systems/uber/architecture.md"),
    (occlusion_uid("media/cap.mmd", 2, "subgraph", "cluster_1"), "media/cap.mmd"),
    (native_uid("site/docs/patterns/saga.md", 1, "node"), "site/docs/patterns/saga.md"),
    (native_uid("site/docs/patterns/saga.md", 0, "subgraph"), "site/docs/patterns/saga.md"),
    (speed_draw_uid("site/docs/incidents/aws-s3-2017.md"), "site/docs/incidents/aws-s3-2017.md"),
    ("cap-pacelc-rcl-03", None),
    ("", None),
])
def test_diagram_of_reads_the_builders_ids_back(uid, page):
    assert diagram_of(uid) == page


def test_diagram_rows_from_notes_info():
    def info(nid, **fields):
        return {"noteId": nid, "fields": {k: {"value": v, "order": i} for i, (k, v) in enumerate(fields.items())}}

    assert diagram_row(info(1, Id="atlas-speed-draw:media/cap.mmd", Title="CAP &amp; <b>PACELC</b>")) == (
        1, "media/cap.mmd", "CAP & PACELC", True)
    assert diagram_row(info(2, Id="atlas-occlusion:media/cap.mmd#1:A", Diagram="CAP &amp; PACELC — diagram 2")) == (
        2, "media/cap.mmd", "CAP & PACELC", False)
    assert diagram_row(info(3, Occlusion="{{c1::…}}", Header="Saga<br><small>Patterns</small>",
                            Comments="Built by atlas-anki (atlas-io:site/docs/patterns/saga.md#0). Masks …")) == (
        3, "site/docs/patterns/saga.md", "Saga", False)
    assert diagram_row(info(4, Id="cap-rcl-01", Prompt="?")) == (4, None, "", False)


def test_note_status_at_a_moment():
    first = 1_000 * DAY * 1000
    mastered = NoteState(1, first, 19, 20)
    assert note_status(mastered, first + 30 * DAY * 1000, 0.95) == "mastered"
    assert note_status(mastered, first + 10 * DAY * 1000, 0.95) == "young"
    assert note_status(mastered, first, 0.95) is None  # not answered before that moment
    assert note_status(NoteState(2, first, 18, 20), first + 30 * DAY * 1000, 0.95) == "mature"
    assert note_status(NoteState(3, None, 0, 0), first, 0.95) is None


def test_a_diagram_is_studied_by_any_note_and_mastered_by_all():
    d = Diagram("p", "P", "systems", (1, 2, 3))
    assert diagram_state(d, {1: "mastered", 2: None, 3: "mature"}) == DiagramState(d, True, False, False)
    assert diagram_state(d, {1: "mastered", 2: "mastered", 3: "mature"}) == DiagramState(d, True, True, False)
    assert diagram_state(d, {1: "mastered", 2: "mastered", 3: "mastered"}) == DiagramState(d, True, True, True)
    assert diagram_state(d, {}) == DiagramState(d, False, False, False)


def test_group_diagrams_takes_the_speed_draw_title_and_any_category():
    rows = [(5, "b", "B occl", False), (1, "a", "A occl", False), (2, "a", "A", True), (3, "b", "", False)]
    assert group_diagrams(rows, {1: None, 2: "patterns", 5: "systems"}) == [
        Diagram("a", "A", "patterns", (1, 2)), Diagram("b", "B occl", "systems", (3, 5))]


def _states(spec: dict[str, tuple[int, int, int]]) -> list[DiagramState]:
    """Folder -> (diagrams, studied, mastered)."""
    states = []
    for folder, (n, studied, mastered) in spec.items():
        for i in range(n):
            d = Diagram(f"{folder}/{i}", f"{folder} {i}", folder, (i,))
            states.append(DiagramState(d, i < studied, i < mastered, i < mastered))
    return states


def test_category_progress_against_the_plans_targets():
    rows = category_progress(plan.report_categories, _states({"patterns": (5, 3, 1), "systems": (2, 2, 2),
                                                              "foundation": (4, 4, 4)}))
    assert [(c.name, c.target, c.tally.diagrams, c.tally.studied, c.tally.mastered) for c in rows][:3] == [
        ("Patterns", 80, 5, 3, 1), ("Companies", 240, 2, 2, 2), ("Incidents", 100, 0, 0, 0)]
    assert sum(c.target for c in rows) == 900


@pytest.mark.parametrize("target, week, due, expected", [
    (240, 3, 4, 180), (240, 0, 4, 0), (240, 6, 4, 240), (200, 3, 14, 200 * 3 / 14), (240, 5, 0, 240)])
def test_linear_pace(target, week, due, expected):
    assert linear_expected(target, week, due) == pytest.approx(expected)


def test_key_results():
    states = _states({"patterns": (100, 90, 10), "mechanisms": (100, 80, 0), "systems": (50, 50, 20),
                      "performance": (10, 10, 9)})
    krs = {k.id: k for k in key_results(plan, "balanced", 6, states, 0.962, "met", 870.0)}
    kr1 = krs["KR1"]
    assert (kr1.actual, kr1.target, kr1.due_week, kr1.expected, kr1.on_track) == (170, 240, 8, 180, False)
    assert kr1.measure == "diagrams studied in patterns, mechanisms"
    kr2 = krs["KR2"]
    assert (kr2.actual, kr2.due_week, kr2.expected, kr2.on_track) == (20, 20, 72, False)
    assert (krs["KR4"].actual, krs["KR4"].measure) == (9, "diagrams mastered in performance, scaling, costs, capacity")
    assert (krs["KR5"].actual, krs["KR5"].expected, krs["KR5"].on_track, krs["KR5"].due_week) == (0.962, 0.95, True, 32)
    assert (krs["KR6"].actual, krs["KR6"].expected, krs["KR6"].on_track) == (870, 850, True)
    none = {k.id: k for k in key_results(plan, None, None, [], None, "not enough data", None)}
    assert [(k.expected, k.on_track) for k in none.values()] == [(None, None)] * 4 + [(0.95, None), (850, None)]


# ---------------------------------------------------------------------------------------
# What to do next


def test_the_retention_rule():
    assert retention_rule(Tally(70, 30, 0, 0))[0].message == (
        "retention 70.0% over 100 reviews is below 80%: increase review frequency, add more active recall practice, "
        "strengthen encoding (multi-modal)")
    assert retention_rule(Tally(20, 9, 0, 0)) == []  # fewer than 30 reviews
    assert retention_rule(Tally(80, 20, 0, 0)) == []


def test_the_category_rule():
    deck = Tally(900, 100, 0, 0)
    found = category_rule({"systems": Tally(70, 30), "patterns": Tally(78, 22), "costs": Tally(95, 5),
                           "scaling": Tally(10, 10)}, deck)
    assert [a.message for a in found] == [
        "systems is struggling (70.0% over 100 reviews, the deck 90.0%): deep dive on it, add resources (blogs, "
        "videos), more application problems in that area",
        "patterns is struggling (78.0% over 100 reviews, the deck 90.0%): deep dive on it, add resources (blogs, "
        "videos), more application problems in that area"]
    assert category_rule({"costs": Tally(82, 18)}, Tally(95, 5)) != []  # 13 points under the deck


def test_the_consistency_kr_and_problematic_rules():
    d = dt.date(2026, 11, 28)
    s = study([DayActivity(d, 10, ms=40 * 60_000), DayActivity(d, 5, ms=10 * 60_000), DayActivity(d)], 0)
    assert consistency_rule(s)[0].message == (
        "the 30-minute review session was reached on 1 of 3 days (2 days studied, 17 minutes a day on average): "
        "keep the daily morning session, consistency beats intensity")
    krs = key_results(plan, "intensive", 3, _states({"systems": (40, 40, 30)}), 0.9, "not met", 700.0)
    assert [a.message for a in kr_rule(krs, 3)] == [
        "KR1 is behind: 0 diagrams studied, 180 expected by week 3; 240 a week to reach 240 by week 4",
        "KR2 is behind: 30 diagrams mastered, 72 expected by week 3; 30 a week to reach 240 by week 10",
        "KR3 is behind: 0 diagrams studied, 42.9 expected by week 3; 19 a week to reach 200 by week 14",
        "KR4 is behind: 0 diagrams mastered, 41.2 expected by week 3; 17 a week to reach 220 by week 16",
        "KR5: retention 90.0% is under its 95% target",
        "KR6: the latest assessment scores 700/1000, under 850: remediate its weakest part before the next one"]
    assert problematic_rule(["A", "B", "C", "D"])[0].message == (
        "redraw the problematic diagrams: A, B, C and 1 more (speed-draw plan picks the weakest first)")
    on_track = actions(Tally(95, 5), {}, study([DayActivity(d, 50, ms=31 * 60_000)], 1), [], [], 3)
    assert [(a.rule, a.message) for a in on_track] == [("on-track", "no action rule applies: keep the current routine")]


def test_the_months_trend():
    assert progress_trend([Tally(90, 10), Tally(90, 10), Tally(95, 5), Tally(94, 6)]) == "improving"
    assert progress_trend([Tally(90, 10), Tally(90, 10), Tally(89, 11), Tally(90, 10)]) == "stable"
    assert progress_trend([Tally(95, 5), Tally(95, 5), Tally(90, 10), Tally(90, 10)]) == "declining"
    assert progress_trend([Tally(5, 1), Tally(5, 1), Tally(90, 10), Tally(90, 10)]) is None


# ---------------------------------------------------------------------------------------
# Manual metrics


@pytest.mark.parametrize("kind, score, out_of, message", [
    ("assessment", 420, 400, "a score of 420 out of 400 is outside 0–400: check the score and --of"),
    ("assessment", None, 400, "a assessment needs a score"),
    ("problem", 5, 0, "a score needs a total above 0 (--of), not 0"),
    ("quiz", 1, 2, "unknown kind 'quiz': use one of assessment, mock-interview, component-listing, verbal, problem"),
])
def test_measures_are_validated(kind, score, out_of, message):
    with pytest.raises(ValueError) as e:
        m.validate(kind, score, out_of)
    assert str(e.value) == message


def test_measures_add_up():
    rows = [m.Measure("assessment", 10, "2026-W48", 320, 400, label="week 4 checkpoint"),
            m.Measure("assessment", 30, "2026-W49", 870, 1000, label="final"),
            m.Measure("mock-interview", 20, "2026-W48", None, None, passed=True),
            m.Measure("mock-interview", 21, "2026-W48", 4, 10, passed=False),
            m.Measure("problem", 22, "2026-W48", 17, 20, seconds=1500),
            m.Measure("problem", 23, "2026-W48", 12, 20, seconds=900)]
    assert m.summarize(rows, "problem") == m.Summary("problem", 2, 14.5, 0.725, 1, 2400)
    assert m.summarize(rows, "mock-interview") == m.Summary("mock-interview", 2, 40.0, 0.4, 1, 0)
    assert m.summarize(rows, "assessment") == m.Summary("assessment", 2, 83.5, 0.835, 2, 0)
    assert m.summarize(rows, "verbal") == m.Summary("verbal", 0, None, None, 0, 0)
    assert m.scaled(m.latest_assessment(rows)) == 870.0
    assert m.scaled(m.latest_assessment(rows, before=30)) == 800.0
    assert m.in_window(rows, 20, 23) == rows[2:5]
    assert rows[0].describe() == "assessment (week 4 checkpoint), 320/400"
    assert rows[2].describe() == "mock interview, passed"


def test_tags_below_is_a_part_of_note_tags(tmp_path):
    cache = ReviewCache(tmp_path / "cache.sqlite")
    tags = {1: frozenset({"atlas::category::systems", "atlas::phase::3-companies", "atlas::card::qa"}),
            2: frozenset({"ATLAS::Category::Patterns", "leech", "atlas::categoryx"}),
            3: frozenset({"atlas::card::occlusion"})}
    cache.apply_sync(SyncBatch([], frozenset(), {}, tags, 0, NDS))
    assert cache.tags_below(("atlas::category", "atlas::phase"), exact=("leech",)) == {
        1: {"atlas::category::systems", "atlas::phase::3-companies"}, 2: {"ATLAS::Category::Patterns", "leech"}}
    assert cache.tags_below(("atlas::card",)) == {1: {"atlas::card::qa"}, 3: {"atlas::card::occlusion"}}
    cache.close()
