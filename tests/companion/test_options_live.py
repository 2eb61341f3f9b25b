"""``apply-options`` on the default deck through a real AnkiConnect server: the Atlas decks and no
other, a second run changes nothing, ``--undo`` puts back exactly what was there. And the tiers:
every note of the default deck carries one (``retag`` groups them)."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from ankiconnect_server import anki_connect_server
from ankitools import import_package
from companion.cli import apply_options_command, retag_command
from deckbuilder.build import BuildSettings, build

pytest_plugins = ["companion_fixtures"]

ROOT = "Atlas Distributed Systems"
SUBDECK = f"{ROOT}::Foundation::Conway's law"
PLAN_VALUES = {  # the plan's values as the fields of Anki's preset JSON
    ("new", "delays"): [30.0, 1440.0, 4320.0], ("new", "ints"): [7, 14, 0], ("new", "order"): 1,
    ("lapse", "delays"): [30.0, 1440.0], ("lapse", "mult"): 0.5, ("lapse", "minInt"): 2,
    ("lapse", "leechFails"): 6, ("rev", "maxIvl"): 365, ("rev", "ivlFct"): 1.0, ("rev", "hardFactor"): 1.2,
    ("rev", "ease4"): 1.3, ("new", "bury"): True, ("rev", "bury"): True, ("buryInterdayLearning",): True,
    ("timer",): 1, ("desiredRetention",): 0.95,
}


@pytest.fixture(scope="module")
def default_package(tmp_path_factory) -> Path:
    return build(BuildSettings(out_dir=tmp_path_factory.mktemp("deck") / "out", diagrams=False)).out_path


@pytest.fixture
def collection(tmp_path, default_package) -> Path:
    """The default deck, a subdeck on a preset of the learner's, other decks on Default and a
    shared preset, and a filtered deck inside the tree."""
    from anki.collection import Collection

    path = tmp_path / "anki" / "collection.anki2"
    path.parent.mkdir()
    col = Collection(str(path))
    try:
        import_package(col, default_package)
        mine = col.decks.add_config("Mine", col.decks.get_config(1))
        col.decks.set_config_id_for_deck_dict(col.decks.by_name(SUBDECK), mine["id"])
        shared = col.decks.add_config("Shared", col.decks.get_config(1))
        for name in ("Other", "Other::Child", f"{ROOT} Extra"):
            col.decks.id(name)
        col.decks.set_config_id_for_deck_dict(col.decks.by_name("Other"), shared["id"])
        col.decks.new_filtered(f"{ROOT}::Cram")
    finally:
        col.close()
    return path


def presets_and_decks(path: Path) -> tuple[dict[int, dict], dict[str, int]]:
    """Every preset (all of them, used or not) and each normal deck's preset, read with the anki package."""
    from anki.collection import Collection

    col = Collection(str(path))
    try:
        return ({c["id"]: c for c in col.decks.all_config()},
                {d["name"]: d["conf"] for d in col.decks.all() if not d["dyn"]})
    finally:
        col.close()


def deck_configs(url: str) -> dict[str, dict]:
    """Each deck's preset JSON as AnkiConnect's getDeckConfig gives it."""
    def call(action: str, **params):
        return requests.post(url, json={"action": action, "version": 6, "params": params}, timeout=30).json()["result"]

    return {name: call("getDeckConfig", deck=name) for name in call("deckNames")}


def cards_by_level(path: Path) -> dict[str, int]:
    from anki.collection import Collection

    col = Collection(str(path))
    try:
        return {complexity: len(col.find_cards(f'"deck:{ROOT}" tag:atlas::level::{level}')) for level, complexity in
                (("recognition", "simple"), ("recall", "moderate"), ("application", "complex"),
                 ("analysis", "very-complex"))}
    finally:
        col.close()


def notes_in(path: Path) -> int:
    from anki.collection import Collection

    col = Collection(str(path))
    try:
        return len(col.find_notes(f'"deck:{ROOT}"'))
    finally:
        col.close()


def run(url: str, *args: str):
    return CliRunner().invoke(apply_options_command, ["--url", url, *args])


def field(config: dict, path: tuple[str, ...]):
    for part in path:
        config = config[part]
    return config


def without_mod(config: dict) -> dict:
    return {k: v for k, v in config.items() if k not in ("mod", "usn")}


def test_options_go_to_the_atlas_decks_only_a_second_run_changes_nothing_undo_puts_back_exactly(
        collection, companion_home):
    presets_before, decks_before = presets_and_decks(collection)
    by_level = cards_by_level(collection)
    with anki_connect_server(collection) as url:
        before = deck_configs(url)
        atlas = sorted(n for n, c in before.items() if (n == ROOT or n.startswith(ROOT + "::")) and not c.get("dyn"))
        assert len(atlas) > 40

        dry = run(url, "--dry-run", "--json")
        assert dry.exit_code == 0, dry.output
        plan = json.loads(dry.stdout)
        assert (plan["dry_run"], plan["applied"], plan["run"]) == (True, False, None)
        assert [(p["name"], p["action"], p["new_per_day"], p["copy_of"]) for p in plan["presets"]] == [
            (ROOT, "create", 15, {"id": 1, "name": "Default"}),
            (f"{ROOT} (moderate)", "create", 10, {"id": 1, "name": "Default"})]
        decks = {d["deck"]: d for d in plan["decks"]}
        assert sorted(decks) == atlas
        assert decks[SUBDECK]["old"]["name"] == "Mine" and decks[SUBDECK]["new"] == f"{ROOT} (moderate)"
        assert decks[ROOT]["cards"] == by_level  # question notes have no complexity tag: their level's
        assert deck_configs(url) == before  # a dry run sends nothing

        applied = run(url)
        assert applied.exit_code == 0, applied.output
        assert f"applied to {len(atlas)} decks and 2 presets (undo with: apply-options --undo)\n" in applied.stdout
        assert "\nIn Anki (AnkiConnect cannot switch FSRS on):\n  1. In Anki's main window, click the gear" in \
            applied.stdout
        after = deck_configs(url)
        for name in atlas:
            expected = ROOT if name == ROOT else f"{ROOT} (moderate)"
            assert after[name]["name"] == expected, name
            assert after[name]["new"]["perDay"] == (15 if name == ROOT else 10)
            for path, value in PLAN_VALUES.items():
                assert field(after[name], path) == value, (name, path)
        for name, config in before.items():
            if name not in atlas:
                assert after[name] == config, name  # other decks and their presets: untouched, mod included
        assert after[ROOT]["rev"]["perDay"] == before[ROOT]["rev"]["perDay"]  # what the plan does not set: Default's

        again = run(url)
        assert again.exit_code == 0, again.output
        assert again.stdout.splitlines()[:4] == [
            f"apply-options {ROOT}: {len(atlas)} decks", "Presets:",
            f'  = "{ROOT}" (id {after[ROOT]["id"]}, 15 new/day): up to date',
            f'  = "{ROOT} (moderate)" (id {after[SUBDECK]["id"]}, 10 new/day): up to date']
        assert "nothing to change: the decks have the plan's options\n" in again.stdout
        assert deck_configs(url) == after  # nothing saved again: not even a modification time

        with sqlite3.connect(companion_home / "records.sqlite") as records:  # the learner's records
            assert records.execute("SELECT count(*), min(state) FROM options_runs").fetchone() == (1, "applied")
        shutil.rmtree(companion_home / "cache")  # the rebuildable cache: the undo log is not in it
        undo = run(url, "--undo")
        assert undo.exit_code == 0, undo.output
        assert undo.stdout == f"undid apply-options run 1: {len(atlas)} decks have their presets back, 0 presets " \
                              f"restored, 2 presets removed\n"
        assert deck_configs(url) == before
        nothing = run(url, "--undo")
        assert nothing.exit_code == 1
        assert nothing.stderr == ("apply-options: nothing to undo: apply-options has not changed this deck's options "
                                  "(or every run was undone)\n")
    assert presets_and_decks(collection) == (presets_before, decks_before)  # the two presets are gone


def test_a_preset_of_the_plans_name_is_updated_and_undo_restores_it(collection, companion_home):
    from anki.collection import Collection

    col = Collection(str(collection))
    try:
        ours = col.decks.add_config(ROOT, col.decks.get_config(1))
        ours["new"]["perDay"], ours["lapse"]["leechFails"], ours["rev"]["perDay"] = 99, 3, 321
        col.decks.update_config(ours)
        col.decks.set_config_id_for_deck_dict(col.decks.by_name(ROOT), ours["id"])
    finally:
        col.close()
    presets_before, decks_before = presets_and_decks(collection)
    with anki_connect_server(collection) as url:
        dry = run(url, "--dry-run")
        assert dry.exit_code == 0, dry.output
        lines = dry.stdout.splitlines()
        assert lines[2] == f'  ~ "{ROOT}" (id {ours["id"]}, 15 new/day): update'
        assert "      Daily limits > New cards/day               99 → 15" in lines
        assert "      Lapses > Leech threshold                   3 lapses → 6 lapses" in lines
        assert run(url).exit_code == 0
        root = deck_configs(url)[ROOT]
        assert (root["id"], root["new"]["perDay"], root["lapse"]["leechFails"], root["rev"]["perDay"]) == (
            ours["id"], 15, 6, 321)
        undo = run(url, "--undo", "--json")
        assert undo.exit_code == 0, undo.output
        assert json.loads(undo.stdout)["presets_restored"] == [ROOT]
    presets_after, decks_after = presets_and_decks(collection)
    assert decks_after == decks_before
    assert {i: without_mod(c) for i, c in presets_after.items()} == {i: without_mod(c) for i, c in
                                                                     presets_before.items()}


def test_a_preset_of_the_plans_name_that_another_deck_uses_is_never_changed(collection, companion_home):
    from anki.collection import Collection

    col = Collection(str(collection))
    try:
        taken = col.decks.add_config(f"{ROOT} (moderate)", col.decks.get_config(1))
        for name in ("Other::Child", f"{ROOT}::Guarantees"):
            col.decks.set_config_id_for_deck_dict(col.decks.by_name(name), taken["id"])
    finally:
        col.close()
    with anki_connect_server(collection) as url:
        before = deck_configs(url)
        result = run(url)
        assert result.exit_code == 1
        assert result.stderr == (
            f'apply-options: the preset "{ROOT} (moderate)" is also used by "Other::Child", outside "{ROOT}": '
            f"apply-options never changes a preset other decks use; give those decks another preset in Anki "
            f"(their Options, preset menu), or pass --preset with another name\n")
        assert deck_configs(url) == before
        renamed = run(url, "--preset", "Atlas DS")
        assert renamed.exit_code == 0, renamed.output
        after = deck_configs(url)
        assert (after[ROOT]["name"], after[f"{ROOT}::Guarantees"]["name"], after["Other::Child"]) == (
            "Atlas DS", "Atlas DS (moderate)", before["Other::Child"])


def test_undo_takes_no_other_option(companion_home):
    result = CliRunner().invoke(apply_options_command, ["--undo", "--dry-run"])
    assert result.exit_code == 1
    assert result.stderr == "apply-options: --undo takes no --dry-run or --preset: it puts back what the last run " \
                            "changed\n"


def test_every_note_of_the_default_deck_carries_a_tier_and_retag_groups_by_tier(collection, companion_home):
    notes = notes_in(collection)
    with anki_connect_server(collection) as url:
        result = CliRunner().invoke(retag_command, ["--url", url, "--start", "2026-01-05", "--path", "intensive",
                                                    "--dry-run", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    tiers = {g["group"]: g["notes"] for g in data["groups"]["tier"]}
    assert sorted(tiers) == ["1-foundations", "2-core-mechanisms", "3-performance-and-costs", "4-scale-and-migrations",
                             "5-company-deep-dives", "6-incidents-and-debugging", "7-capacity-and-comparisons"]
    assert sum(tiers.values()) == data["notes"] == notes > 2000  # one tier each, none without
    phases = {g["group"]: g["notes"] for g in data["groups"]["phase"]}
    assert "(none)" not in phases and sum(phases.values()) == data["notes"]
