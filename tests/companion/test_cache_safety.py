"""The review cache is never lost to a failed rebuild, a damaged file is one line naming it, and a
deck is the same deck whatever the letter case: against a real AnkiConnect server."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from companion.cache import ReviewCache
from companion.cli import retag_command, retention_command, speed_draw_group
from companion.home import Home
from loopback import forward, loopback_server
from review_history import ROOT

pytest_plugins = ["companion_fixtures"]


def retention(*args: str):
    return CliRunner().invoke(retention_command, list(args))


def closed_url() -> str:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def cache_file(home: Path, deck: str = ROOT) -> Path:
    return Home(home).cache_file(deck)


def cached_on(home: Path) -> str:
    with ReviewCache(cache_file(home)) as cache:
        synced = cache.summary().synced_at
    return dt.datetime.fromtimestamp(synced).strftime("%Y-%m-%d %H:%M")


def anki_down(url: str) -> str:
    return (f"Anki is not running or AnkiConnect is not installed at {url}: start Anki with the AnkiConnect add-on "
            f"(code 2055492159), or pass --url / set ANKICONNECT_URL if it listens elsewhere")


# ---------------------------------------------------------------------------------------
# 1. --resync replaces the cache only once the new one is complete


def test_resync_with_anki_down_keeps_the_cache(served, companion_home):
    assert retention("--url", served.url).exit_code == 0
    before = retention("--offline", "--json")
    assert before.exit_code == 0

    url = closed_url()
    failed = retention("--resync", "--url", url, "--timeout", "1")
    assert failed.exit_code == 1
    assert failed.stderr == (f"retention: {anki_down(url)}; or run retention --offline for the reviews cached on "
                             f"{cached_on(companion_home)}\n")
    after = retention("--offline", "--json")
    assert (after.exit_code, after.stdout) == (0, before.stdout)


def test_resync_killed_mid_sync_keeps_the_cache(served, companion_home):
    """kill -9 while the rebuild waits on Anki: the first requests were answered, cardReviews stalls."""
    assert retention("--url", served.url).exit_code == 0
    before = retention("--offline", "--json").stdout

    def stall_on_reviews(request, sock, server):
        if "cardReviews" in request.actions:
            server.released.wait()
            return
        sock.sendall(forward(request, served.url))

    with loopback_server(stall_on_reviews) as stalling:
        proc = subprocess.Popen([sys.executable, "-c", "from companion.cli import retention_main; retention_main()",
                                 "--resync", "--url", stalling.url], env=dict(os.environ),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            stalling.wait_for(lambda r: "cardReviews" in r.actions)
            assert [r.actions[0] for r in stalling.requests] == ["deckNames", "getDecks", "cardReviews"]
        finally:
            proc.kill()
            proc.wait()
    assert proc.returncode == -9
    after = retention("--offline", "--json")
    assert (after.exit_code, after.stdout) == (0, before)
    assert integrity_problems(cache_file(companion_home)) == []


def integrity_problems(path: Path) -> list[str]:
    """``PRAGMA integrity_check`` without the false "NULL value in note_tags.tag" of SQLite 3.40.0–3.41.0
    (WITHOUT ROWID tables whose primary key is not in column order)."""
    db = sqlite3.connect(path)
    try:
        rows = [row[0] for row in db.execute("PRAGMA integrity_check")]
    finally:
        db.close()
    if (3, 40, 0) <= sqlite3.sqlite_version_info <= (3, 41, 0):
        rows = [r for r in rows if r != "NULL value in note_tags.tag"]
    return [r for r in rows if r != "ok"]


def test_resync_rebuilds_from_anki(fresh, companion_home):
    first = json.loads(retention("--url", fresh.url, "--json").stdout)
    rebuilt = retention("--url", fresh.url, "--json", "--resync")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert rebuilt.stderr.startswith(f"synced {fresh.history.member_reviews:,} new reviews (")
    data = json.loads(rebuilt.stdout)
    assert data["true_retention"] == first["true_retention"] == fresh.deck_oracle


# ---------------------------------------------------------------------------------------
# 3. A damaged cache, a hand-edited config.json: one line, the file, the fix


def _overwrite_middle(path: Path) -> str:
    data = bytearray(path.read_bytes())
    middle = len(data) // 2 // 4096 * 4096
    data[middle:middle + 16384] = bytes(range(256)) * 64
    path.write_bytes(bytes(data))
    return "database disk image is malformed"


def _text(path: Path) -> str:
    path.write_text("these are not the reviews you are looking for\n" * 200)
    return "file is not a database"


def _schema(path: Path) -> str:
    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET value = 'one' WHERE key = 'schema'")
    db.commit()
    db.close()
    return "its schema version is 'one'"


def _watermark(path: Path) -> str:
    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET value = 'soon' WHERE key = 'watermark'")
    db.commit()
    db.close()
    return "its watermark is 'soon'"


@pytest.mark.parametrize("damage", [_overwrite_middle, _text, _schema, _watermark])
def test_a_damaged_cache_is_one_line_and_the_records_survive_its_deletion(served, companion_home, damage):
    assert retention("--url", served.url).exit_code == 0
    recorded = CliRunner().invoke(speed_draw_group, ["record", "1", "--accuracy", "90", "--seconds", "100"])
    assert recorded.exit_code == 0, recorded.output
    path = cache_file(companion_home)
    detail = damage(path)

    for args in (["--offline"], ["--url", served.url]):
        result = retention(*args)
        assert (result.exit_code, result.stdout) == (1, "")
        assert result.stderr == (f"retention: the review cache {path} is damaged ({detail}): delete that file, it is "
                                 f"rebuilt from Anki on the next sync\n")

    path.unlink()  # what the message says to do
    rebuilt = retention("--url", served.url, "--json")
    assert rebuilt.exit_code == 0, rebuilt.output
    data = json.loads(rebuilt.stdout)
    assert data["true_retention"] == served.deck_oracle
    assert [(r["note"], r["accuracy"]) for r in data["speed_draw"]["results"]] == [(1, 90.0)]


@pytest.mark.parametrize("content, message", [
    ('{"start": "2026-01-05", "path": "turbo"}\n',
     '{file}: "path" is "turbo", not a study path (intensive, balanced, extended): fix it, or remove it and pass '
     '--path again'),
    ('{"rollover": 99}\n',
     '{file}: "rollover" is 99, not an hour from 0 to 23: set it to the hour of Anki\'s "next day starts at", or '
     'remove it and pass --rollover again'),
    ('{"rollover": true}\n',
     '{file}: "rollover" is true, not an hour from 0 to 23: set it to the hour of Anki\'s "next day starts at", or '
     'remove it and pass --rollover again'),
    ('{"start": "2026-13-01", "path": "intensive"}\n',
     '{file}: "start" is "2026-13-01", not a date (YYYY-MM-DD): fix it, or remove it and pass --start again'),
    ('{"start": "2026-01-05",\n "path": intensive}\n',
     "{file}:2: not valid JSON (Expecting value): fix it, or delete it and pass --start and --path again"),
    ('["2026-01-05", "intensive"]\n',
     '{file}: expected an object like {{"start": "2026-01-05", "path": "intensive"}}, not a list: fix it, or delete '
     'it and pass --start and --path again'),
])
@pytest.mark.parametrize("command, args", [
    (retention_command, ["--offline"]),
    (retag_command, ["--dry-run"]),
    (speed_draw_group, ["record", "1", "--accuracy", "90", "--seconds", "100"]),
])
def test_a_hand_edited_config_is_one_line_naming_the_file(companion_home, content, message, command, args):
    companion_home.mkdir()
    file = companion_home / "config.json"
    file.write_text(content)
    result = CliRunner().invoke(command, args)
    name = {"retention": "retention", "retag": "retag", "speed-draw": "speed-draw record"}[command.name]
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == f"{name}: {message.format(file=file)}\n"
    assert file.read_text() == content


def test_a_remembered_rollover_of_0_is_kept(served, companion_home):
    assert json.loads(retention("--url", served.url, "--json", "--rollover", "0").stdout)["rollover_hour"] == 0
    assert json.loads(retention("--offline", "--json").stdout)["rollover_hour"] == 0  # was 4: `0 or 4`


# ---------------------------------------------------------------------------------------
# 6. Anki's deck names ignore case: so do the cache and the records


def call(url: str, action: str, **params):
    reply = requests.post(url, json={"action": action, "version": 6, "params": params}).json()
    assert reply["error"] is None, reply
    return reply["result"]


def test_a_deck_in_another_letter_case_is_the_same_deck(fresh, companion_home):
    url = fresh.url
    synced = retention("--url", url, "--deck", "atlas distributed systems")
    assert synced.exit_code == 0, synced.output
    assert synced.stdout.startswith(f"True retention: {ROOT}\n")  # the name as Anki has it

    offline = retention("--offline", "--deck", "ATLAS Distributed SYSTEMS")
    assert offline.exit_code == 0, offline.output
    assert offline.stdout.startswith(f"True retention: {ROOT}\n")
    assert sorted(p.name for p in (companion_home / "cache").iterdir()) == [cache_file(companion_home).name]

    nid = fresh.history.speed_draw[0]
    assert CliRunner().invoke(speed_draw_group, ["record", str(nid), "--deck", "ATLAS DISTRIBUTED SYSTEMS",
                                                 "--accuracy", "80", "--seconds", "90"]).exit_code == 0
    data = json.loads(retention("--offline", "--json").stdout)
    assert [(r["note"], r["accuracy"]) for r in data["speed_draw"]["results"]] == [(nid, 80.0)]

    before = {n["noteId"]: sorted(n["tags"]) for n in call(url, "notesInfo", notes=call(url, "findNotes", query=""))}
    today = dt.date.today()
    applied = CliRunner().invoke(retag_command, ["--url", url, "--deck", "ATLAS DISTRIBUTED SYSTEMS", "--start",
                                                 (today - dt.timedelta(days=7)).isoformat(), "--path", "intensive"])
    assert applied.exit_code == 0, applied.output
    undone = CliRunner().invoke(retag_command, ["--url", url, "--deck", "atlas distributed systems", "--undo"])
    assert undone.exit_code == 0, undone.output
    assert undone.stdout.startswith("undid retag run 1 (")
    after = {n["noteId"]: sorted(n["tags"]) for n in call(url, "notesInfo", notes=call(url, "findNotes", query=""))}
    assert after == before
