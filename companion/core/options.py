"""The plan's deck options as Anki presets, and the difference from what Anki has (pure).

Anki keeps a deck's options in a *preset* (a "deck config"), shared by every deck that uses
it; AnkiConnect reads and writes presets as Anki's legacy JSON (``getDeckConfig``,
``saveDeckConfig``). :data:`SETTINGS` maps each value of the plan's ``deck_options`` to the
fields of that JSON and to the name Anki's deck options screen gives it.

New cards per day depend on complexity in the plan (simple 15, moderate 10, complex 5, very
complex 3), but a limit belongs to a deck's preset. So there is one preset per complexity, all
named for the deck: ``<preset>`` itself (simple, also the root deck's: at most 15 new cards a
day in all) and ``<preset> (moderate)``, ``(complex)``, ``(very complex)``. Each subdeck gets
the preset of its *typical* card: the median card, ordered from simple to very complex (the
more complex of the two middle ones for an even count). A card's complexity is its note's
``atlas::complexity::`` tag (diagram notes: by component count), else its level's: recognition
simple, recall moderate, application complex, analysis very complex. A subdeck without such
cards takes its parent's preset.

Nothing here talks to Anki: :func:`diff_options` takes what was read and returns the changes.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

from deckbuilder.core.plan import DeckOptions

Complexity = str  # one of COMPLEXITIES
COMPLEXITIES: tuple[Complexity, ...] = ("simple", "moderate", "complex", "very-complex")
LEVEL_COMPLEXITY: Mapping[str, Complexity] = {
    "recognition": "simple", "recall": "moderate", "application": "complex", "analysis": "very-complex"}
ROOT_COMPLEXITY: Complexity = "simple"  # the root deck's preset: the plan's largest daily number
NEW_CARDS_DUE = 1  # Anki's new.order for "Sequential (oldest cards first)"; 0 is random
DEFAULT_PRESET_ID = 1  # Anki's "Default": never changed
FLOAT_TOLERANCE = 1e-6  # Anki stores some values as 32-bit floats

JsonPath = tuple[str, ...]


def complexity_label(complexity: Complexity) -> str:
    return complexity.replace("-", " ")


def preset_name(base: str, complexity: Complexity) -> str:
    """``base`` for simple cards (and the root deck), ``base (moderate)`` etc. for the others."""
    return base if complexity == ROOT_COMPLEXITY else f"{base} ({complexity_label(complexity)})"


# ---------------------------------------------------------------------------------------
# The settings


@dataclass(frozen=True)
class Setting:
    """One field of a preset's JSON set from the plan."""

    key: str  # the plan's key in deck_options
    label: str  # where Anki's deck options screen shows it
    path: JsonPath  # the field in the preset's JSON
    value: Any


def plan_settings(options: DeckOptions, complexity: Complexity, desired_retention: float) -> tuple[Setting, ...]:
    """The fields a preset for ``complexity`` cards takes from the plan, in the screen's order."""
    o = options
    bury = o.bury_related
    settings = [
        Setting("new_per_day", "Daily limits > New cards/day", ("new", "perDay"), o.new_per_day[complexity]),
        Setting("learning_steps", "New cards > Learning steps", ("new", "delays"), list(o.learning_steps)),
        Setting("graduating_interval", "New cards > Graduating interval", ("new", "ints", "0"),
                o.graduating_interval),
        Setting("easy_interval", "New cards > Easy interval", ("new", "ints", "1"), o.easy_interval),
        Setting("insertion_order", "New cards > Insertion order", ("new", "order"),
                NEW_CARDS_DUE if o.insertion_order == "sequential" else 0),
        Setting("relearning_steps", "Lapses > Relearning steps", ("lapse", "delays"), list(o.relearning_steps)),
        Setting("minimum_interval", "Lapses > Minimum interval", ("lapse", "minInt"), o.minimum_interval),
        Setting("leech_threshold", "Lapses > Leech threshold", ("lapse", "leechFails"), o.leech_threshold),
        Setting("bury_related", "Burying > Bury new siblings", ("new", "bury"), bury),
        Setting("bury_related", "Burying > Bury review siblings", ("rev", "bury"), bury),
        Setting("bury_related", "Burying > Bury interday learning siblings", ("buryInterdayLearning",), bury),
        Setting("show_timer", "Timers > Show answer timer", ("timer",), 1 if o.show_timer else 0),
        Setting("maximum_interval", "Advanced > Maximum interval", ("rev", "maxIvl"), o.maximum_interval),
        Setting("interval_modifier", "Advanced > Interval modifier", ("rev", "ivlFct"), o.interval_modifier),
        Setting("hard_interval", "Advanced > Hard interval", ("rev", "hardFactor"), o.hard_interval),
        Setting("easy_bonus", "Advanced > Easy bonus", ("rev", "ease4"), o.easy_bonus),
        Setting("lapse_new_interval", "Advanced > New interval", ("lapse", "mult"), o.lapse_new_interval),
    ]
    if o.fsrs:
        settings.append(Setting("fsrs", "FSRS > Desired retention (KR5's target)", ("desiredRetention",),
                                desired_retention))
    return tuple(settings)


def _get(config: Mapping[str, Any], path: JsonPath) -> Any:
    node: Any = config
    for part in path:
        try:
            node = node[int(part)] if isinstance(node, list) else node[part]
        except (KeyError, IndexError, TypeError, ValueError):
            return None
    return node


def _set(config: dict[str, Any], path: JsonPath, value: Any) -> None:
    node: Any = config
    for part in path[:-1]:
        node = node.setdefault(part, {})
    last = path[-1]
    if isinstance(node, list):
        index = int(last)
        node.extend([0] * (index + 1 - len(node)))
        node[index] = value
    else:
        node[last] = copy.deepcopy(value)


def same_value(a: Any, b: Any) -> bool:
    """Equal as Anki means it: numbers within float rounding, lists element by element."""
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):  # True == 1, as Anki reads it
        return abs(float(a) - float(b)) <= FLOAT_TOLERANCE * max(1.0, abs(float(a)), abs(float(b)))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    return a == b


@dataclass(frozen=True)
class FieldChange:
    setting: Setting
    old: Any  # None when the preset has no such field

    @property
    def new(self) -> Any:
        return self.setting.value


def field_changes(config: Mapping[str, Any], settings: Sequence[Setting]) -> tuple[FieldChange, ...]:
    return tuple(FieldChange(s, _get(config, s.path)) for s in settings if not same_value(_get(config, s.path), s.value))


def with_settings(config: Mapping[str, Any], settings: Sequence[Setting]) -> dict[str, Any]:
    """A copy of ``config`` with ``settings`` applied."""
    result = copy.deepcopy(dict(config))
    for s in settings:
        _set(result, s.path, s.value)
    return result


# ---------------------------------------------------------------------------------------
# Complexity


def typical_complexity(cards: Mapping[Complexity, int]) -> Complexity | None:
    """The complexity of the median card (the more complex middle one for an even count)."""
    total = sum(cards.get(c, 0) for c in COMPLEXITIES)
    if total == 0:
        return None
    middle = total // 2  # 0-based: the upper median
    seen = 0
    for c in COMPLEXITIES:
        seen += cards.get(c, 0)
        if seen > middle:
            return c
    raise AssertionError("unreachable")


def parent_of(deck: str) -> str | None:
    return deck.rsplit("::", 1)[0] if "::" in deck else None


def deck_complexities(subtree: Sequence[str], cards: Mapping[str, Mapping[Complexity, int]]) -> dict[str, Complexity]:
    """The preset complexity of each deck of ``subtree`` (root first, parents before children)."""
    chosen: dict[str, Complexity] = {}
    for i, deck in enumerate(subtree):
        if i == 0:
            chosen[deck] = ROOT_COMPLEXITY
            continue
        typical = typical_complexity(cards.get(deck, {}))
        parent = parent_of(deck)
        chosen[deck] = typical or chosen.get(parent or "", ROOT_COMPLEXITY)
    return chosen


# ---------------------------------------------------------------------------------------
# What Anki has, and the difference


@dataclass(frozen=True)
class Preset:
    id: int
    name: str
    config: Mapping[str, Any]  # the legacy JSON, as getDeckConfig returned it


@dataclass(frozen=True)
class DeckState:
    name: str  # as Anki spells it
    preset: Preset | None  # None for a filtered deck (it has no preset)


@dataclass(frozen=True)
class PresetChange:
    name: str
    complexity: Complexity
    existing: Preset | None  # None: to be created
    source: Preset  # what a new preset is cloned from (the existing one itself otherwise)
    changes: tuple[FieldChange, ...]
    config: Mapping[str, Any]  # the preset's JSON afterwards (for a new one: without its id yet)

    @property
    def action(self) -> str:
        return "create" if self.existing is None else ("update" if self.changes else "keep")


@dataclass(frozen=True)
class DeckMove:
    deck: str
    complexity: Complexity
    cards: Mapping[Complexity, int]  # the deck's cards by complexity (its subdecks included)
    old: Preset
    new_name: str


@dataclass(frozen=True)
class OptionsDiff:
    deck: str
    presets: tuple[PresetChange, ...]
    moves: tuple[DeckMove, ...]
    decks: tuple[DeckMove, ...]  # every deck with a preset, moved or not (moves are those whose preset changes)

    @property
    def empty(self) -> bool:
        return not self.moves and all(p.action == "keep" for p in self.presets)


class PresetConflict(ValueError):
    """One of the plan's presets is used by a deck outside the tree: it must not be changed."""

    def __init__(self, name: str, outside: Sequence[str]) -> None:
        super().__init__(name)
        self.name = name
        self.outside = tuple(outside)


def _find_preset(name: str, subtree: Sequence[DeckState], outside: Sequence[DeckState]) -> Preset | None:
    """The tree's preset called ``name`` (lowest id if several), or :class:`PresetConflict`."""
    users_outside = sorted(d.name for d in outside if d.preset and d.preset.name == name)
    if users_outside:
        raise PresetConflict(name, users_outside)
    found = sorted((d.preset for d in subtree if d.preset and d.preset.name == name), key=lambda p: p.id)
    return found[0] if found else None


def diff_options(options: DeckOptions, base_name: str, desired_retention: float, subtree: Sequence[DeckState],
                 outside: Sequence[DeckState], cards: Mapping[str, Mapping[Complexity, int]]) -> OptionsDiff:
    """What to create, change and move so that the tree's decks use the plan's presets.

    ``subtree`` is the deck and its subdecks (root first, parents before children), ``outside``
    every other deck, ``cards`` each deck's cards by complexity. Raises :class:`PresetConflict`
    when a preset of the plan's name is used by a deck outside the tree. Anki's Default preset
    is never changed: a preset only changes when it carries one of the plan's names.
    """
    root = subtree[0]
    with_preset = [d for d in subtree if d.preset is not None]
    chosen = deck_complexities([d.name for d in subtree], cards)
    needed = [c for c in COMPLEXITIES if any(chosen[d.name] == c for d in with_preset)]
    presets: list[PresetChange] = []
    for complexity in needed:
        name = preset_name(base_name, complexity)
        settings = plan_settings(options, complexity, desired_retention)
        existing = _find_preset(name, subtree, outside)
        if existing is not None and existing.id == DEFAULT_PRESET_ID:
            raise PresetConflict(name, ("Anki's Default preset",))
        source = existing or root.preset or next(d.preset for d in with_preset if d.preset)
        assert source is not None
        config = with_settings(source.config, settings)
        config["name"] = name
        presets.append(PresetChange(name, complexity, existing, source, field_changes(source.config, settings),
                                    config))
    decks = []
    for d in with_preset:
        assert d.preset is not None
        decks.append(DeckMove(d.name, chosen[d.name], dict(cards.get(d.name, {})), d.preset,
                              preset_name(base_name, chosen[d.name])))
    by_name = {p.name: p for p in presets}
    moves = tuple(m for m in decks if by_name[m.new_name].existing is None
                  or by_name[m.new_name].existing.id != m.old.id)  # type: ignore[union-attr]
    return OptionsDiff(root.name, tuple(presets), moves, tuple(decks))


# ---------------------------------------------------------------------------------------
# Showing values as Anki's screen does


def _duration(minutes: float) -> str:
    for unit, size in (("d", 1440), ("h", 60)):
        if minutes >= size and minutes % size == 0:
            return f"{minutes / size:g}{unit}"
    return f"{minutes:g}m"


def _days(value: Any) -> str:
    return f"{value} day{'s' if value != 1 else ''}"


def show_value(setting: Setting, value: Any) -> str:
    if value is None:
        return "(not set)"
    formats: dict[str, Callable[[Any], str]] = {
        "learning_steps": lambda v: " ".join(_duration(float(x)) for x in v) or "(none)",
        "relearning_steps": lambda v: " ".join(_duration(float(x)) for x in v) or "(none)",
        "insertion_order": lambda v: "sequential" if v == NEW_CARDS_DUE else "random",
        "bury_related": lambda v: "yes" if v else "no",
        "show_timer": lambda v: "yes" if v else "no",
        "graduating_interval": _days,
        "easy_interval": _days,
        "minimum_interval": _days,
        "maximum_interval": _days,
        "leech_threshold": lambda v: f"{v} lapse{'s' if v != 1 else ''}",
        "interval_modifier": lambda v: f"{float(v):.2f}",
        "hard_interval": lambda v: f"{float(v):.2f}",
        "easy_bonus": lambda v: f"{float(v):.2f}",
        "lapse_new_interval": lambda v: f"{float(v):.2f}",
        "fsrs": lambda v: f"{float(v):.2f}",
    }
    try:
        return formats.get(setting.key, str)(value)
    except (TypeError, ValueError):
        return repr(value)


def manual_steps(options: DeckOptions, deck: str, base_name: str, desired_retention: float) -> list[str]:
    """What AnkiConnect cannot set, as steps in Anki (FSRS is a collection-wide switch)."""
    if not options.fsrs:
        return []
    return [
        f'In Anki\'s main window, click the gear beside "{deck}" and choose Options.',
        "Scroll to the FSRS section and switch FSRS on (it applies to every preset of the collection).",
        f'Check that Desired retention shows {desired_retention:.2f} for the preset "{base_name}" '
        "(apply-options set it from KR5's target).",
        'Once you have about 1,000 reviews, click "Optimize" (or "Optimize all presets") in that section.',
        "Click Save.",
    ]
