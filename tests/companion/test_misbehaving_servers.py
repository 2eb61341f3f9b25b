"""Servers that misbehave, for real on loopback: a deadline for a trickling reply, wrongly typed
results named as such, no proxy for loopback, and ``speed-draw plan`` that tags nothing unless
it can write its files (and says so when tagging fails)."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import socket
import subprocess
import sys
import time

import pytest
import requests
from click.testing import CliRunner

from companion.cli import retention_command, speed_draw_group
from companion.core.retention import day_clock, iso_week
from companion.home import Home
from companion.records import Records
from companion.report import local_offset
from loopback import elapsed, envelope, forward, http_reply, loopback_server, reply_json, trickle
from review_history import ROOT

pytest_plugins = ["companion_fixtures"]


def retention(*args: str):
    return CliRunner().invoke(retention_command, list(args))


def call(url: str, action: str, **params):
    reply = requests.post(url, json={"action": action, "version": 6, "params": params}).json()
    assert reply["error"] is None, reply
    return reply["result"]


# ---------------------------------------------------------------------------------------
# 7. --timeout is a deadline for the whole request


FIRST = envelope([["Default"], [], [], []])  # deckNames, findCards, findCards, getTags


@pytest.mark.parametrize("slow_part", ["everything", "body"])
def test_a_trickling_server_is_cut_at_the_deadline(companion_home, slow_part):
    reply = http_reply(json.dumps(FIRST).encode())
    head, body = reply.split(b"\r\n\r\n", 1)

    def one_byte_a_second(request, sock, server):
        if slow_part == "body":
            sock.sendall(head + b"\r\n\r\n")
            trickle(sock, body, server)
        else:
            trickle(sock, reply, server)

    with loopback_server(one_byte_a_second) as server:
        took, result = elapsed(lambda: retention("--url", server.url, "--deck", "Default", "--timeout", "2"))
        assert result.exit_code == 1
        assert result.stderr == (f"retention: AnkiConnect at {server.url} did not answer multi (deckNames, findCards, "
                                 f"getTags) within 2 s: Anki may be busy (syncing, or a dialog is open); try again, "
                                 f"or allow longer with --timeout\n")
        assert 2 <= took < 3, took
        assert len(server.requests) == 1  # no time was left for another try


def test_a_slow_but_whole_answer_within_the_deadline_is_taken(companion_home):
    from companion.client import AnkiConnect

    def late(request, sock, server):
        server.released.wait(0.5)
        reply_json(sock, {"result": ["Default", ROOT], "error": None})

    with loopback_server(late) as server:
        client = AnkiConnect(server.url, timeout=2)
        assert [client.deck_names() for _ in range(3)] == [["Default", ROOT]] * 3
        assert client.requests_made == 3


# ---------------------------------------------------------------------------------------
# 8. Wrongly typed results say what was wrong


@pytest.mark.parametrize("results, message", [
    ({"deckNames": 5}, "answered deckNames with a number, expected a list of names"),
    ({"deckNames": ["Default", 3]}, "answered deckNames with a list holding 3, expected a list of names"),
    ({"findCards": "1234"}, "answered findCards with a string, expected a list of card ids"),
    ({"getTags": {"atlas": 1}}, "answered getTags with an object, expected a list of tags"),
    ({"findCards": [1], "getDecks": [1]}, "answered getDecks with a list, expected an object of deck names to "
                                          "card ids"),
    ({"cardReviews": [[1, 2, 3]]}, "answered cardReviews with a list holding [1, 2, 3], expected a list of review "
                                   "rows of 9 numbers"),
    ({"cardReviews": [[1, 2, 3, 4, 5, 6, 7, 8, "9"]]}, "answered cardReviews with a list holding [1, 2, 3, 4, 5, 6, "
                                                       "7, 8, '9'], expected a list of review rows of 9 numbers"),
    ({"findCards": [1], "cardsToNotes": None}, "answered cardsToNotes with null, expected a list of note ids"),
])
def test_wrongly_typed_results_are_named(companion_home, results, message):
    answers = {"deckNames": [ROOT], "findCards": [], "getTags": [], "getDecks": {"Cram": [1]}, "cardReviews": [],
               "findNotes": [], "cardsToNotes": [7], **results}

    def answer(request, sock, server):
        reply_json(sock, envelope([answers[a] for a in request.actions]))

    with loopback_server(answer) as server:
        result = retention("--url", server.url)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (f"retention: AnkiConnect at {server.url} {message}: is --url / ANKICONNECT_URL pointing "
                             f"at AnkiConnect?\n")


# ---------------------------------------------------------------------------------------
# 9. Loopback never goes through a proxy


@pytest.fixture
def proxy(monkeypatch):
    """A "proxy" that records what it is sent and answers 502."""

    def refuse(request, sock, server):
        sock.sendall(http_reply(b"no upstream here", "502 Bad Gateway", "text/plain"))

    with loopback_server(refuse) as server:
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
            monkeypatch.setenv(name, server.url)
        for name in ("NO_PROXY", "no_proxy"):
            monkeypatch.delenv(name, raising=False)
        yield server


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_loopback_ankiconnect_is_never_proxied(served, companion_home, proxy, host):
    url = served.url.replace("127.0.0.1", host)
    result = retention("--url", url, "--key", "s3cret", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["true_retention"] == served.deck_oracle
    assert proxy.requests == []  # nothing reached the proxy: not the reviews, not the key


def test_other_hosts_still_use_the_proxy_and_the_error_says_so(companion_home, proxy):
    result = retention("--url", "http://anki.example.invalid:8765", "--key", "s3cret")
    assert result.stderr == ("retention: http://anki.example.invalid:8765 answered multi (deckNames, findCards, getTags) "
                             "with HTTP 502 (text/plain), not like AnkiConnect: check --url (the request went through "
                             f"the proxy {proxy.url}: add the host to NO_PROXY if AnkiConnect is reachable without "
                             "it)\n")
    assert [r.target for r in proxy.requests] == ["http://anki.example.invalid:8765/"]


def test_a_dead_proxy_is_named(companion_home, monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    monkeypatch.setenv("HTTP_PROXY", dead)
    monkeypatch.setenv("http_proxy", dead)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    result = retention("--url", "http://anki.example.invalid:8765", "--timeout", "1")
    assert result.stderr == (f"retention: the proxy {dead} (from HTTP_PROXY / HTTPS_PROXY) did not pass the request "
                             f"on to http://anki.example.invalid:8765: fix the proxy, or add the host to NO_PROXY\n")


# ---------------------------------------------------------------------------------------
# 5. speed-draw plan: the files first, then the tags; nothing tagged when the files cannot be written


def plan_args(url: str, out) -> list[str]:
    today = day_clock(int(time.time()), local_offset(time.time()), 4).today
    return ["plan", "--url", url, "--start", (today - dt.timedelta(days=7)).isoformat(), "--path", "intensive",
            "--count", "3", "--out", str(out)]


def this_week() -> str:
    return iso_week(day_clock(int(time.time()), local_offset(time.time()), 4).today)


def assert_nothing_tagged_or_saved(url: str, home) -> None:
    assert call(url, "findNotes", query="tag:atlas::speed-draw::*") == []
    with Records(Home(home).records, ROOT) as records:
        assert records.speed_draw_plan(this_week()) == []


def test_an_out_folder_below_a_file_tags_nothing(fresh, companion_home, tmp_path):
    (tmp_path / "notes").write_text("mine")
    out = tmp_path / "notes" / "speed-draw"
    result = CliRunner().invoke(speed_draw_group, plan_args(fresh.url, out))
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (f"speed-draw plan: cannot write the checklist to {out}: Not a directory: pass a writable "
                             f"--out folder (nothing was tagged or saved)\n")
    assert_nothing_tagged_or_saved(fresh.url, companion_home)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["anki", "home", "notes"]


@pytest.mark.skipif(shutil.which("unshare") is None or subprocess.run(["unshare", "-rm", "true"]).returncode != 0,
                    reason="needs user and mount namespaces (unshare -rm)")
def test_a_read_only_out_folder_tags_nothing(fresh, companion_home, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    command = [sys.executable, "-c", "from companion.cli import speed_draw_main; speed_draw_main()",
               *plan_args(fresh.url, out)]
    result = subprocess.run(["unshare", "-rm", "sh", "-c", f'mount -t tmpfs -o ro tmpfs {out} && exec "$@"', "sh",
                             *command], capture_output=True, text=True, timeout=120, env=dict(os.environ))
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (f"speed-draw plan: cannot write the checklist to {out}: Read-only file system: pass a "
                             f"writable --out folder (nothing was tagged or saved)\n")
    assert_nothing_tagged_or_saved(fresh.url, companion_home)


def test_tagging_that_fails_writes_no_files_and_saves_no_plan(fresh, companion_home, tmp_path):
    def refuse_tags(request, sock, server):
        if {"addTags", "removeTags"} & set(request.actions):
            sock.sendall(http_reply(json.dumps({"result": [{"result": None, "error": "collection is locked"}
                                                           for _ in request.actions], "error": None}).encode()))
        else:
            sock.sendall(forward(request, fresh.url))

    out = tmp_path / "out"
    with loopback_server(refuse_tags) as server:
        result = CliRunner().invoke(speed_draw_group, plan_args(server.url, out))
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (f"speed-draw plan: AnkiConnect failed on addTags: collection is locked (tagging the notes "
                             f"atlas::speed-draw::{this_week()} failed, some may be tagged: run speed-draw plan again; "
                             f"no checklist, calendar or plan was saved)\n")
    assert not out.exists()
    assert_nothing_tagged_or_saved(fresh.url, companion_home)

    again = CliRunner().invoke(speed_draw_group, plan_args(fresh.url, out))  # with Anki answering: all of it
    assert again.exit_code == 0, again.output
    assert sorted(p.name for p in out.iterdir()) == [f"speed-draw-{this_week()}.ics", f"speed-draw-{this_week()}.md"]
    assert len(call(fresh.url, "findNotes", query=f"tag:atlas::speed-draw::{this_week()}")) == 3
