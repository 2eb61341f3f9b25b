"""``speed-draw plan`` / ``record`` against a real AnkiConnect server, and the results in ``retention``."""

from __future__ import annotations

import datetime as dt
import json
import time

import requests
from click.testing import CliRunner
from icalendar import Calendar

from companion.cli import retention_command, speed_draw_group
from companion.core.retention import day_clock, iso_week
from companion.report import local_offset

pytest_plugins = ["companion_fixtures"]


def call(url: str, action: str, **params):
    reply = requests.post(url, json={"action": action, "version": 6, "params": params}).json()
    assert reply["error"] is None, reply
    return reply["result"]


def speed_draw(*args: str):
    return CliRunner().invoke(speed_draw_group, list(args))


def test_plan_record_and_retention(fresh, companion_home, tmp_path):
    url = fresh.url
    today = day_clock(int(time.time()), local_offset(time.time()), 4).today
    start = (today - dt.timedelta(days=7)).isoformat()  # week 2: 5 minutes, phase 1
    week = iso_week(today)
    out = tmp_path / "out"

    planned = speed_draw("plan", "--url", url, "--start", start, "--path", "intensive", "--count", "3",
                         "--at", "07:30", "--out", str(out))
    assert planned.exit_code == 0, planned.output
    text = planned.stdout
    assert text.startswith(f"# Speed-draw tests, {week}\n\nWeek 2 of 16 (intensive), phase 1 Foundations & "
                           f"Patterns. Time limit this week: **5 minutes** per diagram.\n")
    assert planned.stderr == (f"checklist: {out}/speed-draw-{week}.md\ncalendar:  {out}/speed-draw-{week}.ics\n"
                              f"tagged 3 notes atlas::speed-draw::{week}\n")
    assert (out / f"speed-draw-{week}.md").read_text() == text

    picked = [int(line.split("speed-draw record ")[1].split()[0]) for line in text.splitlines()
              if "speed-draw record " in line]
    assert len(picked) == 3 and set(picked) <= set(fresh.history.speed_draw)
    phases = {n: next(t for t in call(url, "getNoteTags", note=n) if t.startswith("atlas::phase::"))
              for n in picked}
    assert all(p == "atlas::phase::1-foundations" for p in phases.values())  # nothing from later phases
    assert sorted(call(url, "findNotes", query=f"tag:atlas::speed-draw::{week}")) == sorted(picked)

    cal = Calendar.from_ical((out / f"speed-draw-{week}.ics").read_bytes())
    events = cal.walk("VEVENT")
    assert [str(e["UID"]) for e in events] == [f"speed-draw-{week}-{n}@atlas-anki" for n in picked]
    assert [e.decoded("DTSTART") for e in events] == [
        dt.datetime.combine(today, dt.time(7, 30)) + dt.timedelta(minutes=8 * i) for i in range(3)]
    titles = {"Raft leader election", "Read & write quorums", "Consistent hashing ring", "Two-phase commit",
              "Netflix edge & Zuul", "Cache-aside with TTL"}  # the Title fields, as plain text
    summaries = [str(e["SUMMARY"]) for e in events]
    assert all(s.startswith(f"Speed-draw {i}/3: ") and s.endswith(" (5 min)") for i, s in enumerate(summaries, 1))
    assert {s.split(": ", 1)[1][:-len(" (5 min)")] for s in summaries} <= titles
    assert f"speed-draw record {picked[0]} --accuracy PCT --seconds N" in str(events[0]["DESCRIPTION"])

    again = speed_draw("plan", "--url", url, "--count", "2", "--out", str(out), "--json")
    assert again.exit_code == 0, again.output
    replanned = json.loads(again.stdout)
    assert [d["note"] for d in replanned["diagrams"]] == picked[:2]
    assert (replanned["tagged"], replanned["untagged"]) == (0, 1)
    assert sorted(call(url, "findNotes", query=f"tag:atlas::speed-draw::{week}")) == sorted(picked[:2])

    recorded = speed_draw("record", str(picked[0]), "--accuracy", "88", "--seconds", "200")
    assert recorded.exit_code == 0, recorded.output
    title = replanned["diagrams"][0]["title"]
    assert recorded.stdout == f"recorded {title}: 88% in 3:20 (limit 5:00): excellent, normal interval\n"
    slow = speed_draw("record", str(picked[1]), "--accuracy", "97", "--seconds", "330", "--json")
    assert json.loads(slow.stdout) == {"note": picked[1], "title": replanned["diagrams"][1]["title"], "week": week,
                                       "accuracy": 97.0, "seconds": 330, "limit_seconds": 300, "in_time": False,
                                       "band": "perfect", "advice": "perfect recall: extend the interval"}

    report = CliRunner().invoke(retention_command, ["--url", url, "--json", "--offline"])
    data = json.loads(report.stdout)
    assert [(r["note"], r["accuracy"], r["band"]) for r in data["speed_draw"]["results"]] == [
        (picked[0], 88.0, "excellent"), (picked[1], 97.0, "perfect")]
    assert data["speed_draw"]["weeks"] == [{"week": week, "tests": 2, "mean_accuracy": 92.5, "mean_seconds": 265.0,
                                            "in_time": 1, "bands": {"perfect": 1, "excellent": 1, "good": 0,
                                                                    "acceptable": 0, "needs work": 0, "failed": 0}}]
    assert (data["kr5"]["speed_draw_tests"], data["kr5"]["speed_draw_mean"]) == (2, 92.5)
    table = CliRunner().invoke(retention_command, ["--url", url, "--offline"]).stdout
    assert (f"Speed-draw tests:\n  {week}  2 tests, mean 92.5%, mean 4.4 min, 1 in time "
            f"(1 perfect, 1 excellent)\n") in table


def test_record_refuses_nonsense(companion_home):
    result = speed_draw("record", "123", "--accuracy", "120", "--seconds", "60")
    assert result.exit_code == 1
    assert result.stderr == "speed-draw record: --accuracy must be between 0 and 100 (a percentage), not 120\n"
    result = speed_draw("record", "123", "--accuracy", "50", "--seconds", "0")
    assert result.stderr == "speed-draw record: --seconds must be the drawing time in seconds (more than 0), not 0\n"


def test_plan_without_speed_draw_notes(served, companion_home, tmp_path):
    result = speed_draw("plan", "--url", served.url, "--deck", "Other", "--start", "2026-01-05", "--path",
                        "intensive", "--out", str(tmp_path))
    assert result.exit_code == 1
    assert result.stderr == ('speed-draw plan: no speed-draw notes (tag atlas::card::speed-draw) in the deck "Other": '
                             "build the deck with diagram cards (build-deck --atlas PATH_TO_DS) and push it first\n")
