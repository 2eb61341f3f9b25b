"""``apply-options``: the plan's deck options as presets of the deck and its subdecks, and ``--undo``.

Read every deck's preset (``getDeckConfig``) and the tree's cards by complexity (``findCards``,
one request), work out the difference (:mod:`companion.core.options`), log what is about to
change in the learner's records, then create presets (``cloneDeckConfigId``), write their
values (``saveDeckConfig``) and give them to the decks (``setDeckConfigId``). A preset is only
changed when it carries one of the plan's names and no deck outside the tree uses it; decks
outside the tree are never touched. ``--undo`` gives the decks their presets back, writes the
changed presets back as they were and removes the presets the run created.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from deckbuilder.core.plan import DeckOptions
from deckbuilder.core.tags import COMPLEXITY, LEVEL

from companion.client import AnkiConnect, Call
from companion.core import search
from companion.core.options import (
    COMPLEXITIES,
    LEVEL_COMPLEXITY,
    Complexity,
    DeckState,
    OptionsDiff,
    Preset,
    PresetConflict,
    diff_options,
)
from companion.errors import AnkiProtocolError, CompanionError, UsageError
from companion.options_log import OptionsRun
from companion.store import DeckStore
from companion.sync import deck_subtree


@dataclass(frozen=True)
class OptionsOutcome:
    diff: OptionsDiff
    applied: bool
    run: int | None  # the undo log's entry
    ids: Mapping[str, int]  # preset name -> id, once applied (or already there)


def complexity_search(deck: str, complexity: Complexity) -> str:
    """The deck's cards of a complexity: by their note's complexity tag, else by its level."""
    levels = " OR ".join(search.tag_subtree(LEVEL.tag(level))
                         for level, c in LEVEL_COMPLEXITY.items() if c == complexity)
    return search.in_deck(deck, f"({search.tag_subtree(COMPLEXITY.tag(complexity))} OR "
                                f"(-{search.tag_below(COMPLEXITY.root)} ({levels})))")


def _preset_of(deck: str, config: Any) -> Preset | None:
    if not isinstance(config, dict) or not config:
        raise UsageError(f'Anki has no options for the deck "{deck}" (it was deleted or renamed while '
                         f"apply-options read the decks): run apply-options again")
    if config.get("dyn"):
        return None  # a filtered deck: no preset
    try:
        return Preset(int(config["id"]), str(config["name"]), config)
    except (KeyError, TypeError, ValueError):
        raise AnkiProtocolError(f'AnkiConnect answered getDeckConfig for "{deck}" with a preset without an id '
                                f"or a name: update the AnkiConnect add-on") from None


def read_decks(client: AnkiConnect, deck: str) -> tuple[list[DeckState], list[DeckState], dict[str, dict[str, int]]]:
    """The tree (root first), the other decks, and the tree's cards by complexity per deck."""
    names = client.deck_names()
    subtree = deck_subtree(names, deck)
    inside = set(subtree)
    configs = client.multi([Call("getDeckConfig", {"deck": n}) for n in names])
    states = {n: DeckState(n, _preset_of(n, c)) for n, c in zip(names, configs)}
    tree = [states[n] for n in subtree]
    if tree[0].preset is None:
        raise UsageError(f'"{tree[0].name}" is a filtered deck, which has no preset: pass the deck its cards '
                         f"come from with --deck")
    outside = [states[n] for n in names if n not in inside]
    queries = [(d.name, c) for d in tree if d.preset is not None for c in COMPLEXITIES]
    found = client.multi([Call("findCards", {"query": complexity_search(d, c)}) for d, c in queries])
    cards: dict[str, dict[str, int]] = {}
    for (d, c), ids in zip(queries, found):
        cards.setdefault(d, {})[c] = len(ids)
    return tree, outside, cards


def plan_changes(client: AnkiConnect, deck: str, options: DeckOptions, base_name: str,
                 desired_retention: float) -> OptionsDiff:
    tree, outside, cards = read_decks(client, deck)
    try:
        return diff_options(options, base_name, desired_retention, tree, outside, cards)
    except PresetConflict as e:
        users = ", ".join(f'"{d}"' for d in e.outside[:5]) + (" …" if len(e.outside) > 5 else "")
        raise UsageError(f'the preset "{e.name}" is also used by {users}, outside "{tree[0].name}": apply-options '
                         f"never changes a preset other decks use; give those decks another preset in Anki "
                         f"(their Options, preset menu), or pass --preset with another name") from None


def apply_options(client: AnkiConnect, store: DeckStore, deck: str, options: DeckOptions, base_name: str,
                  desired_retention: float, *, now: int, dry_run: bool) -> OptionsOutcome:
    diff = plan_changes(client, deck, options, base_name, desired_retention)
    ids = {p.name: p.existing.id for p in diff.presets if p.existing is not None}
    if dry_run or diff.empty:
        return OptionsOutcome(diff, False, None, ids)
    run = store.options.start(now, {m.deck: m.old.id for m in diff.moves},
                              [dict(p.existing.config) for p in diff.presets
                               if p.existing is not None and p.action == "update"])
    hint = "apply-options --undo puts back what was changed"
    try:
        for p in diff.presets:
            if p.action == "create":
                new_id = _create(client, p.name, p.source.id)
                store.options.add_created(run, new_id)
                ids[p.name] = new_id
                _save(client, {**p.config, "id": new_id})
            elif p.action == "update":
                _save(client, dict(p.config))
        _assign(client, {name: [m.deck for m in diff.moves if m.new_name == name] for name in ids}, ids)
    except CompanionError as e:
        raise type(e)(f"{e} (the options may be partly applied: {hint})") from e
    store.options.set_state(run, "applied")
    return OptionsOutcome(diff, True, run, ids)


def undo(client: AnkiConnect, store: DeckStore) -> OptionsRun:
    """Put back what the deck's last ``apply-options`` run changed."""
    run = store.options.last()
    if run is None:
        raise UsageError("nothing to undo: apply-options has not changed this deck's options (or every run was "
                         "undone)")
    try:
        by_id: dict[int, list[str]] = {}
        for name, preset_id in run.decks.items():
            by_id.setdefault(int(preset_id), []).append(name)
        _assign(client, {str(i): sorted(decks) for i, decks in by_id.items()}, {str(i): i for i in by_id})
        for config in run.presets:
            _save(client, dict(config))
        for preset_id in run.created:
            if client.call("removeDeckConfigId", {"configId": preset_id}, write=True) is not True:
                raise UsageError(f"AnkiConnect did not remove the preset {preset_id}")
    except CompanionError as e:
        raise type(e)(f"{e} (the undo may be partly done: run apply-options --undo again)") from e
    store.options.set_state(run.id, "undone")
    return run


def _create(client: AnkiConnect, name: str, source: int) -> int:
    try:
        new_id = client.call("cloneDeckConfigId", {"name": name, "cloneFrom": source}, write=True)
    except CompanionError as e:
        raise type(e)(f'{e}: create the preset "{name}" by hand in Anki (a deck\'s Options, preset menu, Add '
                      f"preset), give it to the deck, and run apply-options again") from e
    if isinstance(new_id, bool) or not isinstance(new_id, int):
        raise AnkiProtocolError(f'AnkiConnect did not create the preset "{name}" (cloneDeckConfigId answered '
                                f"{new_id!r}): update the AnkiConnect add-on")
    return new_id


def _save(client: AnkiConnect, config: dict[str, Any]) -> None:
    if client.call("saveDeckConfig", {"config": config}, write=True) is not True:
        raise UsageError(f'AnkiConnect did not save the preset "{config.get("name")}" (id {config.get("id")}): '
                         f"check it still exists in Anki")


def _assign(client: AnkiConnect, decks: Mapping[str, Sequence[str]], ids: Mapping[str, int]) -> None:
    for name, members in decks.items():
        if members and client.call("setDeckConfigId", {"decks": list(members), "configId": ids[name]},
                                   write=True) is not True:
            raise UsageError(f"AnkiConnect did not give the preset {name!r} to {', '.join(members)}: check that "
                             f"those decks still exist")
