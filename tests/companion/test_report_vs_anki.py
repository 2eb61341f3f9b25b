"""``report`` against Anki's own screens, through a real AnkiConnect server: reviews and time per day
equal Anki's Reviews graph, retention its True Retention table; diagrams, key results and
problematic diagrams equal what the collection's own review log says."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from ankiconnect_server import anki_connect_server
from companion.cli import report_command
from companion.core.retention import Review, counts, day_clock, passed
from companion.report import local_offset
from companion.core.status import status
from review_history import PHASES, ROOT, History, make_history, open_collection, oracle, reviews_graph

pytest_plugins = ["companion_fixtures"]

CATEGORIES = sorted({category for _, category, _ in PHASES.values()})
SEARCHES = [f'deck:"{ROOT}"', *(f'deck:"{ROOT}" tag:{phase}' for phase, _, _ in PHASES.values()),
            *(f'deck:"{ROOT}" tag:atlas::category::{c}' for c in CATEGORIES)]
PAGE_TITLES = {"d0": "Raft leader election", "d1": "Read & write quorums", "d2": "Consistent hashing ring",
               "d3": "Two-phase commit", "d4": "Netflix edge & Zuul", "d5": "Cache-aside with TTL"}  # plain text


@dataclass(frozen=True)
class Reported:
    history: History
    url: str
    cutoff: int
    graph: dict[int, tuple[int, int]]  # Anki's Reviews graph of the deck
    tables: dict[str, dict]  # Anki's True Retention table per search
    statuses: dict[int, str | None]  # retag's status of every diagram note, from the collection's review log
    lapses: dict[int, int]  # note -> review answers of Again of its cards with 2+ of them
    leeches: set[int]  # notes Anki tagged leech


def _facts(path: Path, history: History) -> tuple[dict[int, str | None], dict[int, int], set[int]]:
    col = open_collection(path)
    try:
        now_ms = int(time.time() * 1000)
        notes = history.speed_draw + [n for ns in history.occlusion.values() for n in ns]
        statuses, lapses = {}, {}
        for nid in notes:
            rows = [Review(*r) for r in col.db.all(
                "select r.id, r.cid, r.ease, r.ivl, r.lastIvl, r.factor, r.time, r.type from revlog r "
                "join cards c on c.id = r.cid where c.nid = ? order by r.id", nid)]
            first = min((r.id for r in rows if r.ease > 0), default=None)
            recent = [passed(r) for r in rows if counts(r) and r.id < now_ms]
            statuses[nid] = status(first, recent, now_ms, 0.95)
            per_card: dict[int, int] = {}
            for r in rows:
                if r.type == 1 and r.ease == 1:
                    per_card[r.cid] = per_card.get(r.cid, 0) + 1
            if any(n >= 2 for n in per_card.values()):
                lapses[nid] = sum(n for n in per_card.values() if n >= 2)
        leeches = {int(n) for n in col.find_notes("tag:leech")}
        return statuses, lapses, leeches
    finally:
        col.close()


@pytest.fixture(scope="module")
def reported(tmp_path_factory) -> Reported:
    path = tmp_path_factory.mktemp("report") / "collection.anki2"
    history = make_history(path, notes_per_deck=30, occlusion_notes=3)
    col = open_collection(path)
    try:
        graph = reviews_graph(col, f'deck:"{ROOT}"')
        tables = {search: oracle(col, search) for search in SEARCHES}
        cutoff = col.sched.day_cutoff
    finally:
        col.close()
    statuses, lapses, leeches = _facts(path, history)
    with anki_connect_server(path) as url:
        yield Reported(history, url, cutoff, graph, tables, statuses, lapses, leeches)


def report(url: str, *args: str) -> dict:
    result = CliRunner().invoke(report_command, ["--url", url, "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_the_history_has_reviews_every_day_and_on_the_boundaries(reported):
    assert all(reported.graph.get(day, (0, 0))[0] > 0 for day in range(-27, 1))
    assert len(reported.history.occlusion) == 6 and all(len(v) == 3 for v in reported.history.occlusion.values())
    assert reported.lapses and reported.leeches


def test_days_equal_ankis_reviews_graph(reported, companion_home):
    data = report(reported.url)
    assert data["day_cutoff"] == reported.cutoff
    today = dt.date.fromisoformat(data["today"])
    assert [d["date"] for d in data["days"]] == [(today - dt.timedelta(days=6 - i)).isoformat() for i in range(7)]
    for day, row in zip(range(-6, 1), data["days"]):
        answers, ms = reported.graph.get(day, (0, 0))
        assert (row["reviews"], round(row["seconds"] * 1000)) == (answers, ms), row["date"]
        assert row["again"] + row["hard"] + row["good"] + row["easy"] <= row["reviews"]
    assert data["study"]["reviews"] == sum(reported.graph.get(day, (0, 0))[0] for day in range(-6, 1))
    assert round(data["study"]["seconds"] * 1000) == sum(reported.graph.get(day, (0, 0))[1] for day in range(-6, 1))


def test_the_month_equals_ankis_reviews_graph_week_by_week(reported, companion_home):
    data = report(reported.url, "--month")
    assert data["report"] == "month" and data["window"]["days"] == 28
    weeks = data["month"]["weeks"]
    assert [w["days"] for w in weeks] == [7, 7, 7, 7]
    for i, week in enumerate(weeks):
        days = range(-27 + 7 * i, -20 + 7 * i)
        assert week["reviews"] == sum(reported.graph.get(d, (0, 0))[0] for d in days)
        assert round(week["seconds"] * 1000) == sum(reported.graph.get(d, (0, 0))[1] for d in days)
    assert data["study"]["reviews"] == sum(w["reviews"] for w in weeks)


def test_retention_equals_ankis_true_retention_table(reported, companion_home):
    data = report(reported.url)
    retention = data["retention"]
    assert retention["true_retention"] == reported.tables[f'deck:"{ROOT}"']["week"]
    for group in retention["by_phase"]:
        expected = reported.tables[f'deck:"{ROOT}" tag:{group["tag"]}']["week"]
        assert {k: group[k] for k in expected} == expected, group["tag"]
    assert sorted(g["name"] for g in retention["by_category"]) == CATEGORIES
    for group in retention["by_category"]:
        expected = reported.tables[f'deck:"{ROOT}" tag:{group["tag"]}']["week"]
        assert {k: group[k] for k in expected} == expected, group["tag"]
    rates = {g["name"]: g["total"]["retention"] for g in retention["by_category"] if not g["total"]["low_count"]}
    assert retention["strongest"] == max(rates, key=lambda k: (rates[k], k))
    assert retention["weakest"] == min(rates, key=lambda k: (rates[k], k))
    assert set(retention["recall_after"]) == {"24h", "7d", "30d"}


def test_diagrams_key_results_and_problematic_diagrams(reported, companion_home):
    data = report(reported.url, "--start", (dt.date.today() - dt.timedelta(days=20)).isoformat(),
                  "--path", "intensive")
    h = reported.history
    pages = {f"d{i}": [h.speed_draw[i], *h.occlusion[i]] for i in range(6)}
    studied = {p for p, notes in pages.items() if any(reported.statuses[n] for n in notes)}
    mastered = {p for p, notes in pages.items() if all(reported.statuses[n] == "mastered" for n in notes)}
    mature = {p for p, notes in pages.items() if all(reported.statuses[n] in ("mature", "mastered") for n in notes)}
    diagrams = data["diagrams"]
    assert (diagrams["in_deck"], diagrams["studied"], diagrams["mature"], diagrams["mastered"]) == (
        6, len(studied), len(mature), len(mastered))
    category = {f"d{i}": PHASES[list(PHASES)[i % len(PHASES)]][1] for i in range(6)}
    by_name = {c["name"]: c for c in data["categories"]}
    for name, folder in (("Performance", "performance"), ("Companies", "systems")):
        chosen = [p for p in pages if category[p] == folder]
        assert (by_name[name]["diagrams"], by_name[name]["studied"], by_name[name]["mastered"]) == (
            len(chosen), len(studied & set(chosen)), len(mastered & set(chosen)))
    assert sum(c["target"] for c in data["categories"]) == diagrams["target"] == 900
    assert diagrams["outside_targets"] == sum(1 for p in pages if category[p] not in ("performance", "systems"))

    krs = {k["id"]: k for k in data["kr"]}
    assert list(krs) == ["KR1", "KR2", "KR3", "KR4", "KR5", "KR6"]
    assert krs["KR2"]["actual"] == len(mastered & {p for p in pages if category[p] == "systems"})
    assert krs["KR4"]["actual"] == len(mastered & {p for p in pages if category[p] == "performance"})
    assert (krs["KR2"]["target"], krs["KR2"]["due_week"], krs["KR2"]["expected"]) == (240, 10, 72.0)  # week 3
    assert krs["KR2"]["on_track"] is False
    assert (krs["KR6"]["actual"], krs["KR6"]["on_track"]) == (None, None)
    assert krs["KR5"]["actual"] == data["retention"]["total"]["retention"]

    problem_pages = {p for p, notes in pages.items() if any(n in reported.lapses or n in reported.leeches
                                                            for n in notes)}
    listed = {p["diagram"]: p for p in diagrams["problematic"]}
    assert set(listed) == problem_pages
    for page, p in listed.items():
        assert p["title"] == PAGE_TITLES[page]
        assert p["lapses"] == sum(reported.lapses.get(n, 0) for n in pages[page])
        assert p["leech"] == any(n in reported.leeches for n in pages[page])


def test_week_n_is_the_plans_week(reported, companion_home):
    today = day_clock(int(time.time()), local_offset(time.time()), 4).today
    start = today - dt.timedelta(days=16)
    data = report(reported.url, "--start", start.isoformat(), "--path", "intensive", "--week", "2")
    assert data["today"] == today.isoformat()
    assert data["window"] == {"first": (start + dt.timedelta(weeks=1)).isoformat(),
                              "last": (start + dt.timedelta(days=13)).isoformat(), "days": 7, "week": 2}
    for row in data["days"]:
        day = (dt.date.fromisoformat(row["date"]) - today).days
        assert (row["reviews"], round(row["seconds"] * 1000)) == reported.graph.get(day, (0, 0))
    assert data["next_week"]["week"] == 3


def test_out_writes_markdown_and_three_charts(reported, companion_home, tmp_path):
    out = tmp_path / "notes"
    result = CliRunner().invoke(report_command, ["--url", reported.url, "--out", str(out), "--start",
                                                 (dt.date.today() - dt.timedelta(days=20)).isoformat(), "--path",
                                                 "intensive", "--week", "3", "--offline"])
    assert result.exit_code == 1  # nothing cached yet for --offline
    assert result.stderr == ('report: nothing cached for the deck "Atlas Distributed Systems" yet: run report once '
                             'without --offline\n')
    result = CliRunner().invoke(report_command, ["--url", reported.url, "--out", str(out), "--week", "3"])
    assert result.exit_code == 0, result.output
    names = ["week-03.md", "week-03-minutes.png", "week-03-retention.png", "week-03-categories.png"]
    assert sorted(p.name for p in out.iterdir()) == sorted(names)
    assert result.stderr.endswith(f"wrote {', '.join(names)} to {out}\n")
    markdown = (out / "week-03.md").read_text()
    assert markdown.startswith("# Weekly report: Atlas Distributed Systems\n\nweek 3 of 16 (intensive, phase 2 "
                               "Performance & Scale), ")
    for png in names[1:]:
        assert f"]({png})" in markdown
        with Image.open(out / png) as image:
            assert image.format == "PNG" and image.width >= 400
    assert "| KR2 | " in markdown and "## What to do next" in markdown


def test_another_time_zone_and_rollover_hour(tmp_path):
    """Los Angeles (UTC−8) with the day starting at 19:00: Anki and report both run there."""
    env = {**os.environ, "TZ": "America/Los_Angeles", "ATLAS_ANKI_HOME": str(tmp_path / "home")}
    env.pop("ANKICONNECT_URL", None)
    here = os.path.dirname(__file__)
    make = textwrap.dedent(f"""
        import json, sys
        sys.path.insert(0, {here!r})
        from pathlib import Path
        from review_history import ROOT, make_history, open_collection, oracle, reviews_graph
        path = Path({str(tmp_path / 'collection.anki2')!r})
        make_history(path, notes_per_deck=10, rollover=19)
        col = open_collection(path)
        print(json.dumps({{"graph": reviews_graph(col, 'deck:"' + ROOT + '"'),
                          "table": oracle(col, 'deck:"' + ROOT + '"')["week"], "cutoff": col.sched.day_cutoff}}))
        col.close()
    """)
    made = subprocess.run([sys.executable, "-c", make], env=env, capture_output=True, text=True, check=True)
    expected = json.loads(made.stdout)
    graph = {int(day): tuple(v) for day, v in expected["graph"].items()}
    with anki_connect_server(tmp_path / "collection.anki2") as url:
        run = subprocess.run([sys.executable, "-c", "from companion.cli import report_main; report_main()",
                              "--url", url, "--json", "--rollover", "19"], env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert (data["day_cutoff"], data["rollover_hour"]) == (expected["cutoff"], 19)
    assert [(d["reviews"], round(d["seconds"] * 1000)) for d in data["days"]] == [
        graph.get(day, (0, 0)) for day in range(-6, 1)]
    assert data["retention"]["true_retention"] == expected["table"]
