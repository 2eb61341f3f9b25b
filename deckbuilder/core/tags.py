"""The project's vocabulary: the root deck, the package's file names and every tag, each tag
family with its builder and its parser side by side. The builder and the companion both import
this module; nothing else spells an ``atlas::`` tag.

Tags the build writes: ``atlas::phase|week|path|category|tier|topic|level|kr|card|company|type|
complexity::…``. Tags the companion owns: ``atlas::now::…``, ``atlas::status::…``,
``atlas::weak`` and ``atlas::speed-draw::…``. Anki compares tags case-insensitively, and so do
the parsers here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from deckbuilder.core.plan import Plan

NAMESPACE = "atlas"
ROOT_DECK = "Atlas Distributed Systems"
PACKAGE_NAME = "atlas-distributed-systems.apkg"
STAMPS_NAME = "atlas-distributed-systems.stamps.json"  # per-note content digest and time, see core/stamps.py
RESERVED_PREFIX = f"{NAMESPACE}::"
LEECH = "leech"  # Anki's own tag for leeches


@dataclass(frozen=True)
class Family:
    """One kind of tag, ``atlas::<name>::<value>``: the tag of a value, and the value of a tag."""

    name: str
    pattern: str = r"[^\s:]+"  # what a value looks like

    @property
    def root(self) -> str:
        return f"{NAMESPACE}::{self.name}"

    def tag(self, value: object) -> str:
        text = str(value)
        if not re.fullmatch(self.pattern, text):
            raise ValueError(f"{text!r} is not a value of {self.root}")
        return f"{self.root}::{text}"

    def value(self, tag: str) -> str | None:
        """The value of ``tag`` in this family (as written), or None when it is not one."""
        prefix = self.root + "::"
        if not tag.casefold().startswith(prefix.casefold()):
            return None
        rest = tag[len(prefix):]
        return rest if re.fullmatch(self.pattern, rest, re.IGNORECASE) else None


# --- written by the build -----------------------------------------------------------------
PHASE = Family("phase", r"\d+-[a-z0-9-]+")  # atlas::phase::1-foundations
WEEK = Family("week", r"\d{1,3}")  # atlas::week::03 (on the path the deck was built for)
PATH = Family("path", r"[a-z]+")
CATEGORY = Family("category", r"[a-z0-9_-]+")  # a DS folder
TIER = Family("tier", r"\d-[a-z0-9-]+")  # atlas::tier::1-foundations-and-patterns
TOPIC = Family("topic", r"[a-z0-9][a-z0-9-]*")
LEVEL = Family("level", r"recognition|recall|application|analysis")
KR = Family("kr", r"[A-Za-z0-9-]+")
CARD = Family("card", r"mcq|qa|cloze|occlusion|speed-draw")
COMPANY = Family("company", r"[a-z0-9-]+")
TYPE = Family("type", r"[a-z0-9-]+")
COMPLEXITY = Family("complexity", r"simple|moderate|complex|very-complex")
BUILD_FAMILIES = (PHASE, WEEK, PATH, CATEGORY, TIER, TOPIC, LEVEL, KR, CARD, COMPANY, TYPE, COMPLEXITY)

# --- owned by the companion ---------------------------------------------------------------
NOW = Family("now", r"phase|week|upcoming")
STATUS = Family("status", r"learning|young|mature|mastered")
SPEED_DRAW = Family("speed-draw", r"\d{4}-W\d{2}")  # the ISO week a speed-draw test is planned for
WEAK = f"{NAMESPACE}::weak"
COMPANION_FAMILIES = (NOW, STATUS, SPEED_DRAW)


def phase_tag(number: int, slug: str) -> str:
    return PHASE.tag(f"{number}-{slug}")


def phase_of(tag: str) -> int | None:
    value = PHASE.value(tag)
    return int(value.split("-", 1)[0]) if value else None


def week_tag(week: int) -> str:
    return WEEK.tag(f"{week:02d}")


def week_of(tag: str) -> int | None:
    value = WEEK.value(tag)
    return int(value) if value else None


def tier_tag(number: int, slug: str) -> str:
    return TIER.tag(f"{number}-{slug}")


def tier_of(tag: str) -> int | None:
    value = TIER.value(tag)
    return int(value.split("-", 1)[0]) if value else None


def placement_tags(plan: Plan, *, phase: int, week: int, path: str, category: str) -> tuple[str, ...]:
    """Where an item sits in the plan: phase, week (on ``path``), path, category and tier."""
    spec = plan.phase(phase)
    tags = [phase_tag(spec.number, spec.slug), week_tag(week), PATH.tag(path), CATEGORY.tag(category)]
    tier = plan.tier_of_category(category)
    if tier is not None:
        tags.append(tier_tag(tier.number, tier.slug))
    return tuple(tags)


def plan_vocabulary_problems(plan: Plan) -> list[str]:
    """What in the plan cannot become a tag (the plan's slugs, categories and key results name tags)."""
    problems = []
    for phase in plan.phases:
        if not re.fullmatch(r"[a-z0-9-]+", phase.slug):
            problems.append(f"phase {phase.number} slug {phase.slug!r} is not lowercase letters, digits and '-'")
    for tier in plan.tiers:
        if not (1 <= tier.number <= 9 and re.fullmatch(r"[a-z0-9-]+", tier.slug)):
            problems.append(f"tier {tier.number} slug {tier.slug!r}: use a number 1–9 and lowercase letters, digits, '-'")
    for category in plan.categories:
        if not re.fullmatch(CATEGORY.pattern, category):
            problems.append(f"category {category!r} is not lowercase letters, digits, '-' and '_'")
    for kr in plan.key_results:
        if not re.fullmatch(KR.pattern, kr.id):
            problems.append(f"key result id {kr.id!r} is not letters, digits and '-'")
    return problems


def parse(tag: str) -> tuple[Family, str] | None:
    """The family and value of an ``atlas::`` tag, or None (``atlas::weak`` is its own tag)."""
    for family in BUILD_FAMILIES + COMPANION_FAMILIES:
        value = family.value(tag)
        if value is not None:
            return family, value
    return None


def is_reserved(tag: str) -> bool:
    return tag.casefold().startswith(RESERVED_PREFIX)


def ordered(tags: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Unique, sorted tags (so the output never depends on the order they were collected in)."""
    return tuple(sorted(set(tags)))
