"""The plan's deck options as presets (companion.core.options): settings, complexity, the diff."""

from __future__ import annotations

import copy

import pytest

from companion.cli.common import PROJECT_PLAN, load_plan
from companion.core.options import (
    DeckState,
    Preset,
    PresetConflict,
    deck_complexities,
    diff_options,
    field_changes,
    manual_steps,
    plan_settings,
    preset_name,
    show_value,
    typical_complexity,
    with_settings,
)

ROOT = "Atlas Distributed Systems"
OPTIONS = load_plan(PROJECT_PLAN).deck_options
DEFAULT = {"id": 1, "name": "Default", "mod": 0, "usn": 0, "timer": 0, "buryInterdayLearning": False,
           "desiredRetention": 0.9,
           "new": {"bury": False, "delays": [1.0, 10.0], "ints": [1, 4, 0], "order": 1, "perDay": 20},
           "rev": {"bury": False, "ease4": 1.3, "ivlFct": 1.0, "maxIvl": 36500, "perDay": 200, "hardFactor": 1.2},
           "lapse": {"delays": [10.0], "leechAction": 1, "leechFails": 8, "minInt": 1, "mult": 0.0}}


def preset(pid: int, name: str, config: dict | None = None) -> Preset:
    return Preset(pid, name, {**copy.deepcopy(config or DEFAULT), "id": pid, "name": name})


@pytest.mark.parametrize("cards, typical", [
    ({}, None),
    ({"simple": 1}, "simple"),
    ({"simple": 2, "moderate": 1}, "simple"),
    ({"simple": 1, "moderate": 1}, "moderate"),  # an even count: the more complex middle card
    ({"simple": 1, "complex": 1, "very-complex": 1}, "complex"),
    ({"simple": 10, "moderate": 20, "complex": 15, "very-complex": 10}, "moderate"),
    ({"very-complex": 3}, "very-complex"),
])
def test_the_typical_complexity_is_the_median_cards(cards, typical):
    assert typical_complexity(cards) == typical


def test_the_root_takes_the_daily_cap_and_a_subdeck_without_graded_cards_its_parents():
    decks = [ROOT, f"{ROOT}::A", f"{ROOT}::A::x", f"{ROOT}::B"]
    cards = {ROOT: {"very-complex": 9}, f"{ROOT}::A": {"complex": 3}, f"{ROOT}::B": {"simple": 1}}
    assert deck_complexities(decks, cards) == {ROOT: "simple", f"{ROOT}::A": "complex", f"{ROOT}::A::x": "complex",
                                               f"{ROOT}::B": "simple"}


def test_every_plan_value_has_its_field_in_ankis_preset():
    settings = {(s.key, s.path): s.value for s in plan_settings(OPTIONS, "complex", 0.95)}
    assert settings == {
        ("new_per_day", ("new", "perDay")): 5,
        ("learning_steps", ("new", "delays")): [30.0, 1440.0, 4320.0],
        ("graduating_interval", ("new", "ints", "0")): 7,
        ("easy_interval", ("new", "ints", "1")): 14,
        ("insertion_order", ("new", "order")): 1,
        ("relearning_steps", ("lapse", "delays")): [30.0, 1440.0],
        ("minimum_interval", ("lapse", "minInt")): 2,
        ("leech_threshold", ("lapse", "leechFails")): 6,
        ("bury_related", ("new", "bury")): True,
        ("bury_related", ("rev", "bury")): True,
        ("bury_related", ("buryInterdayLearning",)): True,
        ("show_timer", ("timer",)): 1,
        ("maximum_interval", ("rev", "maxIvl")): 365,
        ("interval_modifier", ("rev", "ivlFct")): 1.0,
        ("hard_interval", ("rev", "hardFactor")): 1.2,
        ("easy_bonus", ("rev", "ease4")): 1.3,
        ("lapse_new_interval", ("lapse", "mult")): 0.5,
        ("fsrs", ("desiredRetention",)): 0.95,
    }
    applied = with_settings(DEFAULT, plan_settings(OPTIONS, "complex", 0.95))
    assert applied["new"]["ints"] == [7, 14, 0] and applied["lapse"]["leechAction"] == 1  # the rest kept
    assert field_changes(applied, plan_settings(OPTIONS, "complex", 0.95)) == ()
    assert DEFAULT["new"]["ints"] == [1, 4, 0]  # the source is not changed


def test_values_read_as_anki_shows_them():
    steps, interval = (next(s for s in plan_settings(OPTIONS, "simple", 0.95) if s.key == key)
                       for key in ("learning_steps", "graduating_interval"))
    assert show_value(steps, [1.0, 10.0, 90.0, 1440.0, 4320.0]) == "1m 10m 90m 1d 3d"
    assert (show_value(interval, 1), show_value(interval, 7), show_value(interval, None)) == (
        "1 day", "7 days", "(not set)")


def test_the_presets_are_named_for_the_deck():
    assert [preset_name(ROOT, c) for c in ("simple", "moderate", "very-complex")] == [
        ROOT, f"{ROOT} (moderate)", f"{ROOT} (very complex)"]


def test_a_new_tree_gets_new_presets_copied_from_the_roots():
    mine = preset(7, "Mine")
    tree = [DeckState(ROOT, preset(1, "Default")), DeckState(f"{ROOT}::A", mine), DeckState(f"{ROOT}::Cram", None)]
    outside = [DeckState("Other", preset(1, "Default")), DeckState("Shared deck", mine)]
    diff = diff_options(OPTIONS, ROOT, 0.95, tree, outside, {f"{ROOT}::A": {"complex": 4}})
    assert [(p.name, p.action, p.source.id, p.config["new"]["perDay"]) for p in diff.presets] == [
        (ROOT, "create", 1, 15), (f"{ROOT} (complex)", "create", 1, 5)]
    assert [(m.deck, m.old.name, m.new_name) for m in diff.moves] == [
        (ROOT, "Default", ROOT), (f"{ROOT}::A", "Mine", f"{ROOT} (complex)")]  # the filtered deck has no preset


def test_presets_in_place_and_in_use_by_the_tree_only_are_updated_or_kept():
    ours = preset(20, ROOT, with_settings(DEFAULT, plan_settings(OPTIONS, "simple", 0.95)))
    stale = preset(21, f"{ROOT} (moderate)", with_settings(DEFAULT, plan_settings(OPTIONS, "moderate", 0.9)))
    tree = [DeckState(ROOT, ours), DeckState(f"{ROOT}::A", stale)]
    diff = diff_options(OPTIONS, ROOT, 0.95, tree, [], {f"{ROOT}::A": {"moderate": 1}})
    assert [(p.name, p.action, [(c.setting.key, c.old, c.new) for c in p.changes]) for p in diff.presets] == [
        (ROOT, "keep", []), (f"{ROOT} (moderate)", "update", [("fsrs", 0.9, 0.95)])]
    assert diff.moves == () and not diff.empty
    settled = [DeckState(ROOT, ours), DeckState(f"{ROOT}::A", preset(21, stale.name, diff.presets[1].config))]
    assert diff_options(OPTIONS, ROOT, 0.95, settled, [], {f"{ROOT}::A": {"moderate": 1}}).empty


def test_a_preset_of_the_plans_name_used_outside_the_tree_is_refused():
    shared = preset(30, f"{ROOT} (moderate)")
    tree = [DeckState(ROOT, preset(1, "Default")), DeckState(f"{ROOT}::A", shared)]
    with pytest.raises(PresetConflict) as e:
        diff_options(OPTIONS, ROOT, 0.95, tree, [DeckState("Other", shared)], {f"{ROOT}::A": {"moderate": 1}})
    assert (e.value.name, e.value.outside) == (f"{ROOT} (moderate)", ("Other",))
    with pytest.raises(PresetConflict) as e:  # Anki's Default renamed to the plan's name
        diff_options(OPTIONS, ROOT, 0.95, [DeckState(ROOT, preset(1, ROOT))], [], {})
    assert e.value.outside == ("Anki's Default preset",)


def test_fsrs_steps_name_the_deck_and_kr5s_target():
    assert manual_steps(OPTIONS, ROOT, ROOT, 0.95)[:3] == [
        f'In Anki\'s main window, click the gear beside "{ROOT}" and choose Options.',
        "Scroll to the FSRS section and switch FSRS on (it applies to every preset of the collection).",
        f'Check that Desired retention shows 0.95 for the preset "{ROOT}" (apply-options set it from KR5\'s target).',
    ]
