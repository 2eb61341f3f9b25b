"""``retag`` against a real AnkiConnect server: dry run, apply, idempotent second run, undo."""

from __future__ import annotations

import datetime as dt
import json
import time

import requests
from click.testing import CliRunner

from companion.cli import retag_command
from companion.core.retention import day_clock
from companion.report import local_offset
from review_history import ROOT

pytest_plugins = ["companion_fixtures"]

OWNED = ("atlas::now::", "atlas::status::")


def call(url: str, action: str, **params):
    reply = requests.post(url, json={"action": action, "version": 6, "params": params}).json()
    assert reply["error"] is None, reply
    return reply["result"]


def all_tags(url: str) -> dict[int, set[str]]:
    notes = call(url, "findNotes", query="")
    return {info["noteId"]: set(info["tags"]) for info in call(url, "notesInfo", notes=notes)}


def owned(tags: set[str]) -> set[str]:
    return {t for t in tags if t.casefold().startswith(OWNED) or t.casefold() == "atlas::weak"}


def run(url: str, *args: str):
    return CliRunner().invoke(retag_command, ["--url", url, *args])


def test_dry_run_apply_second_run_undo(fresh, companion_home):
    h, url = fresh.history, fresh.url
    member = h.notes["Performance::Caching"][3]
    decoy = call(url, "findNotes", query='deck:"Other"')[0]
    call(url, "addTags", notes=[member], tags="atlas::now::upcoming Atlas::Status::Young atlas::weak::mine atlas::nowhere")
    call(url, "addTags", notes=[decoy], tags="atlas::now::week")
    before = all_tags(url)

    today = day_clock(int(time.time()), local_offset(time.time()), 4).today
    start = (today - dt.timedelta(days=7)).isoformat()  # week 2 of 16: phase 1, week 3 is next

    dry = run(url, "--start", start, "--path", "intensive", "--dry-run", "--json")
    assert dry.exit_code == 0, dry.output
    plan = json.loads(dry.stdout)
    assert plan["position"] == "week 2 of 16 (intensive), phase 1 Foundations & Patterns"
    assert (plan["dry_run"], plan["applied"], plan["run"]) == (True, False, None)
    assert all_tags(url) == before  # nothing sent
    changes = {c["tag"].casefold(): (set(c["add"]), set(c["remove"])) for c in plan["changes"]}

    deck_notes = set(call(url, "findNotes", query=f'deck:"{ROOT}"'))
    assert plan["notes"] == len(deck_notes)
    phase_1 = set(h.notes[""] + h.notes["Guarantees::CAP"]) | {n for n in h.speed_draw
                                                                if "phase::1" in " ".join(before[n])}
    week_2 = set(h.notes["Guarantees::CAP"]) | {n for n in h.speed_draw if "atlas::week::02" in before[n]}
    week_3 = set(h.notes["Performance::Caching"]) | {n for n in h.speed_draw if "atlas::week::03" in before[n]}
    assert changes["atlas::now::phase"] == (phase_1, set())
    assert changes["atlas::now::week"] == (week_2, set())
    assert changes["atlas::now::upcoming"] == (week_3 - {member}, set())  # it has the tag already
    assert member not in changes["atlas::status::young"][0]  # has it already (spelt differently): kept or removed
    assert set(h.leech_notes) <= changes["atlas::weak"][0]
    assert decoy not in {n for add, remove in changes.values() for n in add | remove}

    applied = run(url)  # start and path remembered
    assert applied.exit_code == 0, applied.output
    lines = applied.stdout.splitlines()
    assert lines[0] == f"retag {ROOT}: week 2 of 16 (intensive), phase 1 Foundations & Patterns, {len(deck_notes)} notes"
    assert lines[-1].startswith("applied to ") and lines[-1].endswith(" requests (undo with: retag --undo)")
    after = all_tags(url)
    for nid, tags in before.items():
        if nid not in deck_notes:
            assert after[nid] == tags  # notes outside the deck: untouched
            continue
        assert after[nid] - owned(after[nid]) == tags - owned(tags)  # other tags: untouched
        expected = {t.casefold() for t in owned(tags)}
        for tag, (add, remove) in changes.items():
            if nid in add:
                expected.add(tag.casefold())
            if nid in remove:
                expected.discard(tag.casefold())
        assert {t.casefold() for t in owned(after[nid])} == expected, nid
        statuses = [t for t in after[nid] if t.casefold().startswith("atlas::status::")]
        assert len(statuses) <= 1, (nid, statuses)
    assert "atlas::weak::mine" in after[member] and "atlas::nowhere" in after[member]

    again = run(url, "--json")
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["changes"] == []
    assert run(url).stdout.splitlines()[-1] == "nothing to change: every note's tags are up to date"
    assert all_tags(url) == after

    undo = run(url, "--undo")
    assert undo.exit_code == 0, undo.output
    assert undo.stdout.startswith("undid retag run 1 (week 2 of 16 (intensive), phase 1 Foundations & Patterns):\n")
    assert all_tags(url) == before

    nothing = run(url, "--undo")
    assert nothing.exit_code == 1
    assert nothing.stderr == ("retag: nothing to undo: no retag has been applied with this deck "
                              "(or all were undone)\n")


def test_retag_needs_a_start_and_path_once(served, companion_home):
    result = run(served.url)
    assert result.exit_code == 1
    assert result.stderr == (f"retag: pass --start and --path once (e.g. --start 2026-01-05 --path intensive): the "
                             f"first day of week 1 and your study path are remembered in {companion_home / 'config.json'}\n")
    result = run(served.url, "--start", "2026-01-05")
    assert "retag: pass --path once" in result.stderr
