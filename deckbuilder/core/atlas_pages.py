"""What a DS page is in the study plan: category, company, diagram type, subdeck, week, metrics.

Pure: the adapter (``deckbuilder.diagrams.atlas``) reads the checkout and hands plain values in.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Mapping, Sequence

from deckbuilder.core.plan import REFERENCE_PATH, Plan, spread_weeks

# The DS company page types (``systems/<company>/<type>.md``), with the spellings in use.
COMPANY_PAGE_TYPES: Mapping[str, str] = {
    "architecture": "architecture",
    "complete-architecture": "architecture",
    "request-flow": "request-flow",
    "storage": "storage",
    "storage-architecture": "storage",
    "failure-domains": "failure-domains",
    "scale-evolution": "scale-evolution",
    "cost-breakdown": "cost-breakdown",
    "novel-solutions": "novel-solutions",
    "production-ops": "production-ops",
    "production-operations": "production-ops",
}

# Other pages: the first keyword found in the file name decides (order matters).
_TYPE_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("request-flow", "request-flow"),
    ("failure", "failure-domains"),
    ("outage", "failure-domains"),
    ("incident", "failure-domains"),
    ("storage", "storage"),
    ("scale-evolution", "scale-evolution"),
    ("evolution", "scale-evolution"),
    ("cost", "cost-breakdown"),
    ("capacity", "capacity"),
    ("migration", "migration"),
    ("debug", "debugging"),
    ("performance", "performance"),
    ("latency", "performance"),
    ("architecture", "architecture"),
    ("-vs-", "comparison"),
)

# When neither the registry nor the file name says: the category's usual kind of diagram.
_CATEGORY_TYPES: Mapping[str, str] = {
    "incidents": "failure-domains",
    "debugging": "debugging",
    "costs": "cost-breakdown",
    "capacity": "capacity",
    "migrations": "migration",
    "comparisons": "comparison",
    "performance": "performance",
    "scaling": "scale-evolution",
    "patterns": "pattern",
    "mechanisms": "mechanism",
    "guarantees": "guarantee",
    "foundation": "concept",
    "examples": "architecture",
    "systems": "architecture",
}


def category_of(rel_path: str) -> str | None:
    """The DS folder of a page (``systems`` for ``systems/uber/architecture.md``); None at top level."""
    parts = rel_path.split("/")
    return parts[0] if len(parts) > 1 else None


def company_of(rel_path: str) -> str | None:
    """The company of a page under ``systems/<company>/``."""
    parts = rel_path.split("/")
    return parts[1] if len(parts) > 2 and parts[0] == "systems" else None


def diagram_type(rel_path: str, registry_type: str | None) -> str:
    """The page's diagram type, a tag-safe slug: the registry's when it has one, else from the
    file name (``request-flow``, ``storage``, …), else the category's usual kind, else ``concept``."""
    if registry_type:
        slug = slugify(registry_type)
        return COMPANY_PAGE_TYPES.get(slug, slug)
    stem = rel_path.rsplit("/", 1)[-1].removesuffix(".md").lower()
    if stem in COMPANY_PAGE_TYPES:
        return COMPANY_PAGE_TYPES[stem]
    for keyword, kind in _TYPE_KEYWORDS:
        if keyword in stem:
            return kind
    return _CATEGORY_TYPES.get(category_of(rel_path) or "", "concept")


def slugify(text: str) -> str:
    """Lowercase letters, digits and ``-`` (for tags)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def title_from_slug(slug: str) -> str:
    return " ".join(word.capitalize() for word in re.split(r"[-_]+", slug) if word)


# --- navigation ------------------------------------------------------------------------------

@dataclass(frozen=True)
class NavEntry:
    """A page listed in mkdocs.yml ``nav``: its title and the section titles above it."""

    path: str  # relative to site/docs
    title: str
    sections: tuple[str, ...]  # outermost first
    position: int  # order in the nav


def subdeck_groups(entries: Sequence[NavEntry]) -> Mapping[str, tuple[str, ...]]:
    """For each nav page, the section titles below its category's own section.

    A category's own section is the outermost section of the page whose pages all lie in the
    page's DS folder (``Systems`` holds only ``systems/…``, so ``Systems › Uber`` gives ``Uber``;
    ``Home › Patterns`` gives nothing below ``Patterns``).
    """
    folders_by_prefix: dict[tuple[str, ...], set[str | None]] = {}
    for entry in entries:
        for depth in range(1, len(entry.sections) + 1):
            folders_by_prefix.setdefault(entry.sections[:depth], set()).add(category_of(entry.path))
    groups: dict[str, tuple[str, ...]] = {}
    for entry in entries:
        folder = category_of(entry.path)
        own = len(entry.sections)
        for depth in range(1, len(entry.sections) + 1):
            if folders_by_prefix[entry.sections[:depth]] == {folder}:
                own = depth
                break
        groups[entry.path] = entry.sections[own:]
    return groups


def subdeck(category_title: str, groups: Sequence[str]) -> str:
    """``Companies::Uber`` from the category's title and the page's groups (``::`` inside a
    title would nest decks, so it is written ``:``)."""
    parts = [category_title, *groups]
    return "::".join(part.replace("::", ":").strip() for part in parts if part.strip())


def fallback_groups(rel_path: str) -> tuple[str, ...]:
    """Groups for a page missing from the nav: its sub-folders, title-cased."""
    parts = rel_path.split("/")[1:-1]
    return tuple(title_from_slug(part) for part in parts)


# --- weeks -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class PageWeeks:
    reference_week: int  # on the 16-week reference path (for the speed-draw time limit)
    path_week: int  # on the chosen path (for the week tag)


def assign_weeks(ordered_pages: Mapping[int, Sequence[str]], plan: Plan, path: str) -> dict[str, PageWeeks]:
    """Spread each phase's pages, in study order, evenly over the phase's weeks.

    ``ordered_pages`` maps a phase number to its pages in the order they are studied.
    """
    weeks: dict[str, PageWeeks] = {}
    for number, pages in ordered_pages.items():
        phase = plan.phase(number)
        reference = spread_weeks(len(pages), phase.span(REFERENCE_PATH))
        on_path = spread_weeks(len(pages), phase.span(path))
        for page, ref_week, path_week in zip(pages, reference, on_path):
            weeks[page] = PageWeeks(reference_week=ref_week, path_week=path_week)
    return weeks


# --- page text -------------------------------------------------------------------------------

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(.*\S)\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_MD_NOISE = re.compile(r"(?<!\w)[*_`]+|[*_`]+(?!\w)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")


def page_title(markdown: str) -> str | None:
    """The page's first ``#`` heading, as plain text."""
    in_fence = False
    for line in markdown.split("\n"):
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        match = _HEADING.match(line)
        if not in_fence and match and len(match.group(1)) == 1:
            return plain_markdown(match.group(2))
    return None


def key_metrics(markdown: str, limit: int = 8) -> tuple[str, ...]:
    """The page's key metrics as HTML items: the bullets under its first heading that mentions
    metrics (and its sub-headings), else the first bullets that hold a number. Text is escaped;
    only ``**bold**`` becomes ``<b>``."""
    lines = _outside_fences(markdown)
    start_level = None
    picked: list[str] = []
    for line in lines:
        heading = _HEADING.match(line)
        if heading:
            level = len(heading.group(1))
            if start_level is not None and level <= start_level:
                break
            if start_level is None and "metric" in heading.group(2).lower():
                start_level = level
            continue
        if start_level is not None:
            bullet = _BULLET.match(line)
            if bullet:
                picked.append(bullet.group(1))
    if not picked:
        picked = [m.group(1) for m in map(_BULLET.match, lines) if m and re.search(r"\d", m.group(1))]
    return tuple(_metric_html(item) for item in picked[:limit])


def _outside_fences(markdown: str) -> list[str]:
    out: list[str] = []
    in_fence = False
    for line in markdown.split("\n"):
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if not in_fence:
            out.append(line)
    return out


def _metric_html(item: str) -> str:
    item = _LINK.sub(r"\1", item)
    pieces: list[str] = []
    last = 0
    for match in _BOLD.finditer(item):
        pieces.append(html.escape(plain_markdown(item[last:match.start()]), quote=False))
        pieces.append("<b>" + html.escape(plain_markdown(match.group(1)), quote=False) + "</b>")
        last = match.end()
    pieces.append(html.escape(plain_markdown(item[last:]), quote=False))
    return "".join(pieces).strip()


def plain_markdown(text: str) -> str:
    """Inline Markdown as plain text: links keep their text, emphasis and code marks go."""
    text = _LINK.sub(r"\1", text)
    text = _BOLD.sub(r"\1", text)
    return _MD_NOISE.sub("", text).strip()
