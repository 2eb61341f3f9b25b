"""``forecast`` through a real AnkiConnect server against the ``anki`` package's own numbers: the
Future Due graph, the learner's answer time, FSRS memory states."""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from ankiconnect_server import anki_connect_server
from companion.cli import forecast_command
from companion.core.forecast import retrievability
from due_collection import DAY, ROOT, DueCollection, fsrs_oracle, future_due_oracle, make_due_collection

pytest_plugins = ["companion_fixtures"]


@dataclass(frozen=True)
class Served:
    made: DueCollection
    url: str
    future_due: dict[int, int]  # Anki's graph: day -> cards
    memory: dict[int, tuple[float, float, float, int]]  # Anki's memory states
    categories: dict[int, str]
    buried_later: int  # buried cards due after today


def _facts(path: Path) -> tuple[dict[int, str], int]:
    from anki.collection import Collection

    col = Collection(str(path))
    try:
        categories = {int(cid): next(t.split("::")[2] for t in col.get_card(cid).note().tags
                                     if t.startswith("atlas::category::"))
                      for cid in col.find_cards(f'"deck:{ROOT}"')}
        buried = col.db.scalar(f"select count() from cards where queue in (-2, -3) and type != 0 and due > ? and "
                               f"due < 1000000000 and id in ({','.join(map(str, categories))})", col.sched.today)
        return categories, buried
    finally:
        col.close()


@pytest.fixture(scope="module")
def due(tmp_path_factory) -> Served:
    path = tmp_path_factory.mktemp("due") / "collection.anki2"
    made = make_due_collection(path)
    future = future_due_oracle(path)
    memory = fsrs_oracle(path)  # also stores them on the cards: FSRS is on
    categories, buried = _facts(path)
    with anki_connect_server(path) as url:
        yield Served(made, url, future, memory, categories, buried)


def forecast(due: Served, *args: str) -> dict:
    result = CliRunner().invoke(forecast_command, ["--url", due.url, "--rollover", "4", "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_cards_due_per_day_equal_ankis_future_due_graph(due, companion_home):
    data = forecast(due)
    assert [d["cards"] for d in data["due"]] == [due.future_due.get(day, 0) for day in range(30)]
    assert data["overdue"]["cards"] == sum(n for day, n in due.future_due.items() if day < 0) > 0
    today = dt.datetime.fromtimestamp(due.made.day_cutoff - DAY).date()
    assert [d["date"] for d in data["due"]] == [(today + dt.timedelta(days=i)).isoformat() for i in range(30)]
    assert due.buried_later > 0 and data["buried_not_placed"] == 0  # buried cards due later are in the graph
    assert due.future_due.get(30)  # and days past the window are not shown
    assert len(forecast(due, "--days", "45")["due"]) == 45


def test_minutes_come_from_the_learners_own_review_answers(due, companion_home):
    data = forecast(due, "--target-minutes", "0.5")
    since = (int(time.time()) - 30 * DAY) * 1000
    recent = [ms for rid, ms in due.made.review_times_ms if rid >= since]
    assert data["answers_timed"] == len(recent) > 0 and data["answer_window_days"] == 30
    assert data["seconds_per_review"] == round(sum(recent) / len(recent) / 1000, 6)
    for day in data["due"]:
        assert day["minutes"] == round(day["cards"] * data["seconds_per_review"] / 60, 6)
    assert data["target_minutes"] == 0.5
    assert data["days_over_target"] == [d["date"] for d in data["due"] if d["minutes"] > 0.5]


def test_fsrs_predictions_equal_ankis_memory_states(due, companion_home):
    data = forecast(due)
    now = time.time()
    expected: dict[str | None, list[list[float]]] = {}
    for cid, (stability, _, decay, last) in due.memory.items():
        r = [retrievability(stability, (now - last) / DAY + d, decay) for d in (0, 7, 30)]
        for group in (None, due.categories[cid]):
            expected.setdefault(group, []).append(r)
    retention = data["retention"]
    assert retention["by"] == "category" and retention["cards_without_history"] == 0
    assert [g["group"] for g in retention["groups"]] == [None, "foundation", "guarantees", "performance", "systems"]
    for g in retention["groups"]:
        rows = expected[g["group"]]
        assert g["cards"] == len(rows)
        for i, key in enumerate(("today", "in_7_days", "in_30_days")):
            assert g[key] == pytest.approx(sum(r[i] for r in rows) / len(rows), abs=2e-6), (g["group"], key)
    assert retention["groups"][0]["today"] > retention["groups"][0]["in_30_days"]
    tiers = forecast(due, "--by", "tier")["retention"]["groups"]
    assert [(g["group"], g["cards"]) for g in tiers[1:]] == [
        ("1-foundations", len(expected["foundation"])), ("2-core-mechanisms", len(expected["guarantees"])),
        ("3-performance-and-costs", len(expected["performance"])), ("5-company-deep-dives", len(expected["systems"]))]


def test_the_text_and_the_chart(due, companion_home, tmp_path):
    chart = tmp_path / "forecast.png"
    result = CliRunner().invoke(forecast_command, ["--url", due.url, "--rollover", "4", "--chart", str(chart)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"Forecast: {ROOT}, next 30 days (Anki's Future Due; day 0 is today)"
    assert lines[1].endswith("review answers, the last 30 days); target 30 min a day")
    assert "Predicted retention without review (FSRS), by category:" in lines
    assert f"chart written to {chart}\n" in result.stderr
    with Image.open(chart) as image:
        assert image.format == "PNG" and image.size == (1200, 480)


def test_without_fsrs_there_is_no_prediction(served, companion_home):
    """The retention tests' shared history: no card has a memory state."""
    result = CliRunner().invoke(forecast_command, ["--url", served.url, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["retention"] is None
    text = CliRunner().invoke(forecast_command, ["--url", served.url])
    assert text.stdout.splitlines()[-1] == ("FSRS is off (no card of the deck has a memory state): no retention "
                                            "prediction. Switch it on in Anki (apply-options prints how).")

