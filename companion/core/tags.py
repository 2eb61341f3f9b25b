"""The companion's tags, what a note's build tags say, and tag diffs.

The build writes ``atlas::phase|week|path|category|topic|level|kr|card::…``; the companion
owns ``atlas::now::…``, ``atlas::status::…``, ``atlas::weak`` and ``atlas::speed-draw::…``
and never writes anything else. Anki compares tags case-insensitively, so does this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Mapping

from deckbuilder.core import tags as vocabulary
from deckbuilder.core.tags import LEECH, NAMESPACE, NOW, SPEED_DRAW, STATUS, WEAK  # noqa: F401 - re-exported

NOW_PHASE = NOW.tag("phase")
NOW_WEEK = NOW.tag("week")
NOW_UPCOMING = NOW.tag("upcoming")
STATUS_PREFIX = STATUS.root + "::"
STATUSES = ("learning", "young", "mature", "mastered")
SPEED_DRAW_PREFIX = SPEED_DRAW.root + "::"
SPEED_DRAW_CARD = vocabulary.CARD.tag("speed-draw")


def status_tag(status: str) -> str:
    return STATUS.tag(status)


def speed_draw_tag(iso_week: str) -> str:
    return SPEED_DRAW.tag(iso_week)


def is_retag_owned(tag: str) -> bool:
    """Tags ``retag`` manages: ``atlas::now::…``, ``atlas::status::…`` and exactly ``atlas::weak``."""
    t = tag.casefold()
    return t.startswith(NOW.root + "::") or t.startswith(STATUS_PREFIX) or t == WEAK


def is_speed_draw_owned(tag: str) -> bool:
    return tag.casefold().startswith(SPEED_DRAW_PREFIX)


def in_subtree(tag: str, root: str) -> bool:
    """Anki's ``tag:root``: the tag itself or any tag below it, ignoring case."""
    t, r = tag.casefold(), root.casefold()
    return t == r or t.startswith(r + "::")


def child_of(tag: str, root: str) -> str | None:
    """The child of ``root`` that ``tag`` lies under (``atlas::phase::1-x`` → itself for root ``atlas::phase``)."""
    if not tag.casefold().startswith(root.casefold() + "::"):
        return None
    rest = tag[len(root) + 2:]
    return root + "::" + rest.split("::", 1)[0] if rest else None


@dataclass(frozen=True)
class PlanTags:
    """What a note's build tags say about its place in the plan."""

    phase: int | None
    week: int | None
    path: str | None


def plan_tags(tags: Iterable[str]) -> PlanTags:
    """The build's placement tags read back with the vocabulary's parsers."""
    phase = week = path = None
    for tag in tags:
        phase = vocabulary.phase_of(tag) if phase is None else phase
        week = vocabulary.week_of(tag) if week is None else week
        value = vocabulary.PATH.value(tag)
        path = value.lower() if value and path is None else path
    return PlanTags(phase, week, path)


# ---------------------------------------------------------------------------------------
# Diffs


@dataclass(frozen=True)
class TagChange:
    tag: str
    add: tuple[int, ...]  # note ids, sorted
    remove: tuple[int, ...]


@dataclass(frozen=True)
class TagDiff:
    changes: tuple[TagChange, ...]  # sorted by tag

    @property
    def empty(self) -> bool:
        return not self.changes

    @property
    def notes(self) -> int:
        return len({nid for c in self.changes for nid in (*c.add, *c.remove)})

    def operations(self) -> list[tuple[str, str, tuple[int, ...]]]:
        """``(op, tag, note ids)`` with op ``"add"`` or ``"remove"``; removals first."""
        removes = [("remove", c.tag, c.remove) for c in self.changes if c.remove]
        adds = [("add", c.tag, c.add) for c in self.changes if c.add]
        return removes + adds

    def inverse(self) -> TagDiff:
        return TagDiff(tuple(TagChange(c.tag, c.remove, c.add) for c in self.changes))


def diff_tags(current: Mapping[int, Iterable[str]], desired: Mapping[int, Iterable[str]],
              owned: Callable[[str], bool]) -> TagDiff:
    """What to add and remove so that the owned tags of every note in ``current`` are ``desired``.

    Only notes in ``current`` (the deck's notes) are considered and only tags for which
    ``owned`` holds are compared: a tag outside the namespace is never added or removed.
    """
    adds: dict[str, list[int]] = {}
    removes: dict[str, list[int]] = {}
    spelling: dict[str, str] = {}
    for nid in sorted(current):
        have = {t.casefold(): t for t in current[nid] if owned(t)}
        want = {}
        for tag in desired.get(nid, ()):
            if not owned(tag):
                raise ValueError(f"refusing to write {tag!r}: outside the companion's tags")
            want[tag.casefold()] = tag
        for key in want.keys() - have.keys():
            spelling.setdefault(key, want[key])
            adds.setdefault(key, []).append(nid)
        for key in have.keys() - want.keys():
            spelling.setdefault(key, have[key])
            removes.setdefault(key, []).append(nid)
    keys = sorted(adds.keys() | removes.keys())
    return TagDiff(tuple(TagChange(spelling[k], tuple(adds.get(k, ())), tuple(removes.get(k, ()))) for k in keys))
