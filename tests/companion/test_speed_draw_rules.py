"""Speed-draw choice, rubric bands, checklist text, weekly summaries, the calendar (pure)."""

from __future__ import annotations

import datetime as dt

import pytest
from icalendar import Calendar

from companion.core import ics
from companion.core.speed_draw import Diagram, Pick, Result, WeekPlan, band, by_week, checklist, pick

TODAY = dt.date(2026, 11, 28)


@pytest.mark.parametrize("accuracy, name", [
    (100, "perfect"), (95, "perfect"), (94.9, "excellent"), (85, "excellent"), (84.99, "good"), (75, "good"),
    (74, "acceptable"), (65, "acceptable"), (64.5, "needs work"), (50, "needs work"), (49.9, "failed"),
    (0, "failed"),
])
def test_rubric_bands(accuracy, name):
    assert band(accuracy).name == name


def test_band_refuses_impossible_accuracy():
    with pytest.raises(ValueError, match="^accuracy must be 0–100 %, not 101$"):
        band(101)


def diagram(nid, phase=1, lapses=0, passed=0, failed=0, drawn=None, accuracy=None) -> Diagram:
    return Diagram(nid, f"D{nid}", phase, lapses, passed, failed, drawn, accuracy)


def test_weakest_first_current_phase_doubled_future_and_recent_left_out():
    diagrams = [
        diagram(1, phase=1, lapses=2, passed=8, failed=2),  # 2 + 10 * (1 - 9/12) = 4.5
        diagram(2, phase=2, lapses=1, passed=9, failed=1),  # (1 + 10 * (1 - 10/12)) * 2 = 5.333333
        diagram(3, phase=3, lapses=9),  # a phase not reached yet
        diagram(4, phase=1, lapses=5, drawn=TODAY - dt.timedelta(days=6), accuracy=40.0),  # drawn 6 days ago
        diagram(5, phase=1, lapses=0, passed=0, failed=0),  # unknown: counts as 50 %: 5.0
        diagram(6, phase=1, lapses=0, passed=3, failed=0, drawn=TODAY - dt.timedelta(days=7), accuracy=70.0),
        # 10 * (1 - 4/5) + 10 * 0.3 = 5.0, ties with 5 but was drawn, so after it
    ]
    picks = pick(diagrams, current_phase=2, today=TODAY, count=10)
    assert [(p.diagram.nid, p.score) for p in picks] == [(2, 5.333333), (5, 5.0), (6, 5.0), (1, 4.5)]
    assert picks[0].reason == "current phase, 1 lapse, retention 90% of 10, never drawn"
    assert picks[2].reason == "phase 1, 0 lapses, retention 100% of 3, last drawn 2026-11-21 at 70%"
    assert [p.diagram.nid for p in pick(diagrams, 2, TODAY, count=2)] == [2, 5]


def week_plan(picks=()) -> WeekPlan:
    return WeekPlan("2026-W48", "week 3 of 16 (intensive), phase 2 Performance & Scale", 4, TODAY, tuple(picks))


def test_checklist_text():
    text = checklist(week_plan([Pick(diagram(7), 5.0, "current phase, 0 lapses, not reviewed yet, never drawn")]))
    assert text.startswith("# Speed-draw tests, 2026-W48\n\nWeek 3 of 16 (intensive), phase 2 Performance & Scale. "
                           "Time limit this week: **4 minutes** per diagram.\n")
    assert ("- [ ] 1. **D7** (4 min): current phase, 0 lapses, not reviewed yet, never drawn\n"
            "      `speed-draw record 7 --accuracy PCT --seconds N`\n") in text
    assert text.endswith("## Rubric\n\n- 95–100%: perfect, perfect recall: extend the interval\n"
                         "- 85–94%: excellent, normal interval\n- 75–84%: good, normal interval\n"
                         "- 65–74%: acceptable, slight interval reduction\n"
                         "- 50–64%: needs work, significant interval reduction\n"
                         "- below 50%: failed, reset to the learning phase\n")
    assert "No diagram to draw this week" in checklist(week_plan())


def test_results_by_week():
    results = [Result(1, 0, "2026-W47", 90.0, 200, 240), Result(2, 0, "2026-W48", 96.0, 250, 240),
               Result(3, 0, "2026-W48", 60.0, 100, None), Result(1, 0, "2026-W48", 84.0, 230, 240)]
    weeks = by_week(results)
    assert [(w.week, w.tests, w.mean_accuracy, w.mean_seconds, w.in_time) for w in weeks] == [
        ("2026-W47", 1, 90.0, 200.0, 1), ("2026-W48", 3, 80.0, 193.333333, 1)]
    assert weeks[1].bands == {"perfect": 1, "excellent": 0, "good": 1, "acceptable": 0, "needs work": 1, "failed": 0}
    assert results[1].in_time is False and results[2].in_time is None


def test_ics_escapes_and_folds_by_octets():
    assert ics.escape('a,b;c\\d\ne') == "a\\,b\\;c\\\\d\\ne"
    line = "SUMMARY:" + "é" * 60  # 8 + 120 octets
    folded = ics.fold(line)
    parts = folded.split("\r\n")
    assert all(len(p.encode()) <= 75 for p in parts)
    assert all(p.startswith(" ") for p in parts[1:])
    assert "".join(p[1:] if i else p for i, p in enumerate(parts)) == line


def test_calendar_parses_back():
    events = [ics.Event("speed-draw-2026-W48-7@atlas-anki", dt.datetime(2026, 11, 28, 8, 0), 7,
                        "Speed-draw 1/2: Raft, leader election; log (4 min)", "Line one\nLine two, with a comma " + "x" * 90),
              ics.Event("speed-draw-2026-W48-8@atlas-anki", dt.datetime(2026, 11, 28, 8, 7), 7, "Ünïcödé", "")]
    text = ics.calendar(events, dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.timezone.utc))
    assert all(line.endswith("\r") or line == "" for line in text.split("\n"))
    cal = Calendar.from_ical(text)
    parsed = cal.walk("VEVENT")
    assert [str(e["UID"]) for e in parsed] == ["speed-draw-2026-W48-7@atlas-anki", "speed-draw-2026-W48-8@atlas-anki"]
    assert str(parsed[0]["SUMMARY"]) == "Speed-draw 1/2: Raft, leader election; log (4 min)"
    assert str(parsed[0]["DESCRIPTION"]) == "Line one\nLine two, with a comma " + "x" * 90
    assert parsed[0].decoded("DTSTART") == dt.datetime(2026, 11, 28, 8, 0)
    assert parsed[1].decoded("DTEND") == dt.datetime(2026, 11, 28, 8, 14)
    assert parsed[0].decoded("DTSTAMP") == dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.timezone.utc)
    assert str(parsed[1]["SUMMARY"]) == "Ünïcödé"
    assert str(cal["PRODID"]) == "-//atlas-anki//speed-draw//EN"
