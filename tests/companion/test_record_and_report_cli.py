"""``record`` (the plan's manual metrics, kept with the learner's records) and ``report``'s options,
messages and outputs."""

from __future__ import annotations

import json
import socket
import sqlite3

import pytest
from click.testing import CliRunner

from companion.cli import record_group, report_command, speed_draw_group
from companion.home import Home

pytest_plugins = ["companion_fixtures"]


def record(*args: str):
    return CliRunner().invoke(record_group, list(args))


@pytest.mark.parametrize("args", [[], ["assessment"], ["mock-interview"], ["component-listing"], ["verbal"],
                                  ["problem"], ["speed-draw"], ["list"]])
def test_record_has_help_with_examples(args):
    result = record(*args, "--help")
    assert result.exit_code == 0
    assert "\n  Examples:\n" in result.output
    assert "\n    ATLAS_ANKI_HOME   where your records, the review cache and config live\n" in result.output


def test_report_has_help_with_examples():
    result = CliRunner().invoke(report_command, ["--help"])
    assert result.exit_code == 0
    assert "\n  Examples:\n" in result.output and "--month" in result.output and "--out DIRECTORY" in result.output


def test_each_kind_is_recorded_with_the_learners_records(companion_home):
    assert record("assessment", "320", "--of", "400", "--label", "week 4 checkpoint").stdout == (
        "recorded assessment (week 4 checkpoint), 320/400 = 800/1000, 80%: at or above the 80% pass mark\n")
    assert record("assessment", "700", "--of", "1000").stdout == (
        "recorded assessment, 700/1000 = 700/1000, 70%: below the 80% pass mark\n")
    assert record("mock-interview", "--result", "passed").stdout == "recorded mock interview, passed\n"
    assert record("mock-interview", "--result", "failed", "--score", "4", "--of", "10").stdout == (
        "recorded mock interview, not passed, 4/10\n")
    assert record("component-listing", "92", "--note", "17").stdout == (
        "recorded component listing, 92%, note 17: at or above the 90% target\n")
    assert record("verbal", "31").stdout == "recorded verbal explanation, 31/40\n"
    assert record("problem", "17", "--minutes", "25", "--label", "design: URL shortener").stdout == (
        "recorded application problem (design: URL shortener), 17/20, in 25 min: solved\n")
    data = json.loads(record("problem", "12", "--json").stdout)
    assert {k: data[k] for k in ("kind", "score", "out_of", "passed", "seconds", "note", "label", "title")} == {
        "kind": "problem", "score": 12.0, "out_of": 20.0, "passed": None, "seconds": None, "note": None,
        "label": None, "title": None}

    home = Home(companion_home)
    assert not any(home.cache_dir.iterdir())  # nothing in the rebuildable cache
    with sqlite3.connect(home.records) as db:
        rows = db.execute("SELECT kind, score, out_of, passed FROM measures ORDER BY id").fetchall()
    assert rows == [("assessment", 320.0, 400.0, None), ("assessment", 700.0, 1000.0, None),
                    ("mock-interview", None, None, 1), ("mock-interview", 4.0, 10.0, 0),
                    ("component-listing", 92.0, 100.0, None), ("verbal", 31.0, 40.0, None),
                    ("problem", 17.0, 20.0, None), ("problem", 12.0, 20.0, None)]
    listed = record("list").stdout.splitlines()
    assert [line[18:] for line in listed][:2] == [
        "assessment (week 4 checkpoint), 320/400 = 800/1000, 80%: at or above the 80% pass mark",
        "assessment, 700/1000 = 700/1000, 70%: below the 80% pass mark"]
    assert len(json.loads(record("list", "--json").stdout)) == 8


def test_record_speed_draw_is_speed_draw_record(companion_home):
    one = record("speed-draw", "123", "--accuracy", "88", "--seconds", "200")
    other = CliRunner().invoke(speed_draw_group, ["record", "123", "--accuracy", "88", "--seconds", "200"])
    assert one.stdout == other.stdout == "recorded note 123: 88% in 3:20: excellent, normal interval\n"
    assert [r["kind"] for r in json.loads(record("list", "--json").stdout)] == ["speed-draw", "speed-draw"]
    bad = record("speed-draw", "123", "--accuracy", "120", "--seconds", "60")
    assert bad.stderr == "record speed-draw: --accuracy must be between 0 and 100 (a percentage), not 120\n"


@pytest.mark.parametrize("args, message", [
    (["assessment", "420", "--of", "400"],
     "record assessment: a score of 420 out of 400 is outside 0–400: check the score and --of\n"),
    (["mock-interview", "--result", "passed", "--score", "7"],
     "record mock-interview: --score and --of go together: pass both, or neither\n"),
])
def test_record_refuses_what_cannot_be(companion_home, args, message):
    result = record(*args)
    assert (result.exit_code, result.stderr) == (1, message)


@pytest.mark.parametrize("args, message", [
    (["verbal", "41"], "Invalid value for 'SCORE': 41.0 is not in the range 0<=x<=40."),
    (["problem", "20.5"], "Invalid value for 'SCORE': 20.5 is not in the range 0<=x<=20."),
    (["component-listing", "101"], "Invalid value for 'COVERAGE': 101.0 is not in the range 0<=x<=100."),
    (["mock-interview", "--result", "maybe"], "Invalid value for '--result': 'maybe' is not one of 'passed', 'failed'."),
    (["assessment", "300"], "Missing option '--of'."),
])
def test_click_checks_each_value(companion_home, args, message):
    result = record(*args)
    assert result.exit_code == 2
    assert result.stderr.endswith(f"Error: {message}\n")


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_report_messages(companion_home, tmp_path):
    def run(*args: str):
        return CliRunner().invoke(report_command, list(args))

    result = run("--offline", "--resync")
    assert (result.exit_code, result.stderr) == (1, "report: --offline and --resync contradict each other: pick one\n")
    result = run("--week", "2", "--offline")
    assert result.stderr == (f"report: pass --start and --path once (e.g. --start 2026-01-05 --path intensive): the "
                             f"first day of week 1 and your study path are remembered in {companion_home}/config.json\n")
    result = run("--offline")
    assert result.stderr == ('report: nothing cached for the deck "Atlas Distributed Systems" yet: run report once '
                             "without --offline\n")
    port = closed_port()
    result = run("--url", f"http://127.0.0.1:{port}")
    assert result.stderr.startswith(f"report: Anki is not running or AnkiConnect is not installed at "
                                    f"http://127.0.0.1:{port}: ")
    assert result.stdout == ""


def test_report_reads_the_records_and_writes_a_folder_as_one(served, companion_home, tmp_path):
    assert record("assessment", "870", "--of", "1000", "--label", "final").exit_code == 0
    assert record("problem", "17", "--minutes", "20").exit_code == 0
    assert record("mock-interview", "--result", "passed").exit_code == 0
    first = CliRunner().invoke(report_command, ["--url", served.url, "--json"])
    assert first.exit_code == 0, first.output
    assert first.stderr.startswith("synced 3,")
    data = json.loads(first.stdout)
    assert set(data) == {"schema", "report", "deck", "today", "rollover_hour", "day_cutoff", "plan", "window", "days",
                         "study", "retention", "categories", "diagrams", "kr", "records", "actions", "next_week",
                         "month", "series", "charts"}
    assert set(data["days"][0]) >= {"date", "reviews", "again", "hard", "good", "easy", "seconds", "new"}
    assert set(data["kr"][0]) >= {"id", "title", "target", "actual", "due_week", "expected", "on_track"}
    kr6 = data["kr"][5]
    assert (kr6["id"], kr6["actual"], kr6["on_track"]) == ("KR6", 870.0, True)
    records = data["records"]
    assert records["latest_assessment"] == {"score": 870.0, "out_of": 1000.0, "label": "final", "scaled": 870.0,
                                            "week": records["latest_assessment"]["week"]}
    assert (records["problem"]["count"], records["problem"]["mean_score"], records["problem"]["seconds"]) == (
        1, 17.0, 1200)
    assert (records["mock_interview"]["count"], records["mock_interview"]["passed"]) == (1, 1)
    assert data["diagrams"]["in_deck"] == 6  # the six speed-draw notes, one page each
    assert data["plan"] is None and data["next_week"] is None

    text = CliRunner().invoke(report_command, ["--offline"]).stdout
    assert "  latest assessment: 870/1000 (final) = 870/1000, " in text
    assert "  application problems: 1, mean 17.0/20, 1 solved (16/20 or better), 20 min each\n" in text
    assert "  mock interviews: 1, 1 passed\n" in text

    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    result = CliRunner().invoke(report_command, ["--offline", "--out", str(blocker / "notes")])
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (f"report: cannot write the report to {blocker / 'notes'}: Not a directory: pass a "
                             f"writable --out folder (nothing was written)\n")
