"""The commands' help, errors as one line with exit code 1, the output formats."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import socket
from pathlib import Path

import pytest
import requests
import responses
from click.testing import CliRunner
from PIL import Image

from companion.cli import push_command, retag_command, retention_command, speed_draw_group
from companion.cache import ReviewCache
from companion.home import Home

pytest_plugins = ["companion_fixtures"]

URL = "http://127.0.0.1:8765"
README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.mark.parametrize("command, args", [
    (retention_command, []), (retag_command, []), (push_command, []),
    (speed_draw_group, []), (speed_draw_group, ["plan"]), (speed_draw_group, ["record"]),
])
def test_every_command_has_help_with_examples(command, args):
    result = CliRunner().invoke(command, [*args, "--help"])
    assert result.exit_code == 0
    assert "\n  Examples:\n" in result.output
    assert ("\n  Environment:\n    ANKICONNECT_URL   AnkiConnect's address (same as --url; default "
            "http://127.0.0.1:8765)\n") in result.output
    assert "\n    ATLAS_ANKI_HOME   where your records, the review cache and config live\n" in result.output


def test_the_readme_section_shows_every_command_and_variable():
    text = README.read_text()
    for needle in ("retention", "retag", "speed-draw plan", "speed-draw record", "push", "ANKICONNECT_URL",
                   "ANKICONNECT_KEY", "ATLAS_ANKI_HOME", "--json", "--csv", "--chart", "--dry-run", "--undo"):
        assert needle in text, needle


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_anki_down(companion_home):
    port = closed_port()
    result = CliRunner().invoke(retention_command, ["--url", f"http://127.0.0.1:{port}"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (f"retention: Anki is not running or AnkiConnect is not installed at "
                             f"http://127.0.0.1:{port}: start Anki with the AnkiConnect add-on (code 2055492159), "
                             f"or pass --url / set ANKICONNECT_URL if it listens elsewhere\n")


def test_anki_down_after_a_sync_points_to_the_cache(served, companion_home):
    assert CliRunner().invoke(retention_command, ["--url", served.url]).exit_code == 0
    with ReviewCache(Home(companion_home).cache_file("Atlas Distributed Systems")) as store:
        synced = store.summary().synced_at
    when = dt.datetime.fromtimestamp(synced).strftime("%Y-%m-%d %H:%M")
    port = closed_port()
    result = CliRunner().invoke(retention_command, ["--url", f"http://127.0.0.1:{port}"])
    assert result.exit_code == 1
    assert result.stderr.endswith(f"if it listens elsewhere; or run retention --offline for the reviews cached on "
                                  f"{when}\n")
    assert CliRunner().invoke(retention_command, ["--offline"]).exit_code == 0


@responses.activate
def test_timeout(companion_home, monkeypatch):
    monkeypatch.setattr("time.sleep", lambda s: None)  # the retries' backoff
    responses.post(URL, body=requests.ReadTimeout())
    result = CliRunner().invoke(retention_command, ["--url", URL, "--timeout", "0.5"])
    assert result.exit_code == 1
    assert result.stderr == ("retention: AnkiConnect at http://127.0.0.1:8765 did not answer multi (deckNames, "
                             "findCards, getTags) within 0.5 s: Anki may be busy (syncing, or a dialog is open); "
                             "try again, or allow longer with --timeout\n")
    assert len(responses.calls) == 3


@responses.activate
def test_wrong_key_from_the_environment(companion_home, monkeypatch):
    monkeypatch.setenv("ANKICONNECT_KEY", "not-it")
    responses.post(URL, json={"result": None, "error": "valid api key must be provided"})
    result = CliRunner().invoke(retag_command, ["--url", URL, "--start", "2026-01-05", "--path", "intensive"])
    assert result.exit_code == 1
    assert result.stderr == ("retag: AnkiConnect rejected the API key: pass the apiKey from AnkiConnect's config "
                             "(Tools > Add-ons > AnkiConnect > Config) with --key or ANKICONNECT_KEY\n")
    body = json.loads(responses.calls[0].request.body)
    assert body["key"] == "not-it" and {a["key"] for a in body["params"]["actions"]} == {"not-it"}


def test_unknown_deck(served, companion_home):
    result = CliRunner().invoke(retention_command, ["--url", served.url, "--deck", "Atlas Distributed System"])
    assert result.exit_code == 1
    assert result.stderr == ('retention: no deck named "Atlas Distributed System" in Anki: did you mean '
                             '"Atlas Distributed Systems", "Atlas Distributed Systems Extra"? Pass the exact '
                             "name with --deck\n")


@responses.activate
def test_server_error_envelope(companion_home):
    responses.post(URL, json={"result": [{"result": ["Default"], "error": None},
                                         {"result": None, "error": "database is locked"},
                                         {"result": [], "error": None}, {"result": [], "error": None}],
                              "error": None})
    result = CliRunner().invoke(retention_command, ["--url", URL, "--deck", "Default"])
    assert result.exit_code == 1
    assert result.stderr == "retention: AnkiConnect failed on findCards: database is locked\n"


@pytest.mark.parametrize("args, message", [
    (["--json", "--csv"], "retention: --json and --csv print different formats: pick one\n"),
    (["--offline", "--resync"], "retention: --offline and --resync contradict each other: pick one\n"),
    (["--offline", "--deck", "Nothing Here"],
     'retention: nothing cached for the deck "Nothing Here" yet: run retention once without --offline\n'),
])
def test_contradictions(companion_home, args, message):
    result = CliRunner().invoke(retention_command, args)
    assert (result.exit_code, result.stderr) == (1, message)


def test_table_csv_and_chart_agree_with_json(served, companion_home, tmp_path):
    data = json.loads(CliRunner().invoke(retention_command, ["--url", served.url, "--json"]).stdout)
    table = CliRunner().invoke(retention_command, ["--offline"])
    assert table.exit_code == 0
    week = data["true_retention"]["week"]
    passed, total = week["young_passed"] + week["mature_passed"], sum(week.values())
    line = next(l for l in table.stdout.splitlines() if l.startswith("last 7 days"))
    assert f"{passed}/{total}" in line and f"{passed / total:.1%}" in line
    assert f"{data['kr5']['message']}\n" in table.stdout

    rows = list(csv.DictReader(io.StringIO(CliRunner().invoke(retention_command, ["--offline", "--csv"]).stdout)))
    periods = {r["name"]: r for r in rows if r["section"] == "period"}
    for name, cell in data["true_retention"].items():
        assert {k: int(periods[name][k]) for k in cell} == cell
    assert [r["name"] for r in rows if r["section"] == "week"] == [w["week"] for w in data["weeks"]]
    assert {r["name"] for r in rows if r["section"] == "tag:atlas::phase"} == {
        g["tag"] for g in data["breakdowns"]["atlas::phase"]}

    chart = tmp_path / "weekly.png"
    result = CliRunner().invoke(retention_command, ["--offline", "--chart", str(chart), "--weeks", "10"])
    assert result.exit_code == 0, result.output
    assert result.stderr == f"chart written to {chart}\n"
    with Image.open(chart) as image:
        assert image.format == "PNG" and image.size == (720, 480)
