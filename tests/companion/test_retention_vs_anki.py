"""``retention --json`` against Anki's own True Retention table, through a real AnkiConnect server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from click.testing import CliRunner

from ankiconnect_server import anki_connect_server
from companion.cli import retention_command
from review_history import PHASE_1, ROOT

pytest_plugins = ["companion_fixtures"]


def retention(served, *args: str) -> dict:
    result = CliRunner().invoke(retention_command, ["--url", served.url, "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_the_history_is_big_and_varied_enough(served):
    h = served.history
    assert h.member_reviews >= 3_000
    table = served.deck_oracle
    assert all(table[p][k] > 0 for p in ("today", "yesterday", "week", "month", "year", "all")
               for k in ("young_passed", "young_failed", "mature_passed", "mature_failed"))
    assert table["year"] != table["all"]  # rows older than a year


def test_deck_and_tag_subtree_equal_ankis_table(served, companion_home):
    deck = retention(served)
    assert deck["day_cutoff"] == served.cutoff
    assert deck["true_retention"] == served.deck_oracle
    tag = retention(served, "--tag", PHASE_1)
    assert tag["tag"] == PHASE_1
    assert tag["true_retention"] == served.oracles[f'deck:"{ROOT}" tag:{PHASE_1}']
    assert tag["true_retention"] != deck["true_retention"]
    card = retention(served, "--offline", "--tag", "ATLAS::Card")  # Anki's tags ignore case
    assert card["true_retention"] == served.oracles[f'deck:"{ROOT}" tag:atlas::card']


@pytest.mark.parametrize("period", ["today", "yesterday", "week", "month", "year", "all"])
def test_every_breakdown_group_equals_ankis_table(served, companion_home, period):
    data = retention(served, "--by", "atlas::phase", "--by", "atlas::level", "--period", period)
    assert data["breakdown_period"] == period
    phases = {g["tag"]: g for g in data["breakdowns"]["atlas::phase"]}
    assert sorted(phases) == [PHASE_1, "atlas::phase::2-performance", "atlas::phase::3-companies"]
    keys = ("young_passed", "young_failed", "mature_passed", "mature_failed")
    for tag, group in phases.items():
        assert {k: group[k] for k in keys} == served.oracles[f'deck:"{ROOT}" tag:{tag}'][period], tag
        assert (group["total"]["passed"], group["total"]["failed"]) == (
            group["young_passed"] + group["mature_passed"], group["young_failed"] + group["mature_failed"])
    recall = next(g for g in data["breakdowns"]["atlas::level"] if g["tag"] == "atlas::level::recall")
    assert {k: recall[k] for k in keys} == served.oracles[f'deck:"{ROOT}" tag:atlas::level::recall'][period]


def test_weeks_add_up_to_all_time_and_rates_match_counts(served, companion_home):
    data = retention(served)
    total = {k: sum(w[k] for w in data["weeks"]) for k in ("young_passed", "young_failed", "mature_passed",
                                                          "mature_failed")}
    assert total == data["true_retention"]["all"]
    assert data["weeks"][-1]["partial"] is True
    month = data["true_retention"]["month"]
    rate = data["rates"]["month"]["total"]
    assert rate["passed"] == month["young_passed"] + month["mature_passed"]
    assert rate["retention"] == round(rate["passed"] / (rate["passed"] + rate["failed"]), 6)
    assert data["kr5"]["retention"]["passed"] == data["true_retention"]["week"]["young_passed"] + \
        data["true_retention"]["week"]["mature_passed"]
    assert set(data["recall_after"]) == {"24h", "7d", "30d"}


def test_another_time_zone_and_rollover_hour(tmp_path):
    """Los Angeles (UTC−8) with the day starting at 19:00: both Anki and retention run there."""
    env = {**os.environ, "TZ": "America/Los_Angeles", "ATLAS_ANKI_HOME": str(tmp_path / "companion_home")}
    env.pop("ANKICONNECT_URL", None)
    here = os.path.dirname(__file__)
    make = textwrap.dedent(f"""
        import json, sys
        sys.path.insert(0, {here!r})
        from pathlib import Path
        from review_history import ROOT, make_history, open_collection, oracle
        path = Path({str(tmp_path / 'collection.anki2')!r})
        make_history(path, notes_per_deck=10, rollover=19)
        col = open_collection(path)
        print(json.dumps({{"table": oracle(col, 'deck:"' + ROOT + '"'), "cutoff": col.sched.day_cutoff}}))
        col.close()
    """)
    made = subprocess.run([sys.executable, "-c", make], env=env, capture_output=True, text=True, check=True)
    expected = json.loads(made.stdout)
    with anki_connect_server(tmp_path / "collection.anki2") as url:
        run = subprocess.run([sys.executable, "-c", "from companion.cli import retention_main; retention_main()",
                              "--url", url, "--json", "--rollover", "19"], env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert (data["day_cutoff"], data["rollover_hour"]) == (expected["cutoff"], 19)
    assert data["true_retention"] == expected["table"]
