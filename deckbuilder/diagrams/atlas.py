"""Reading a DS checkout: pages, their Mermaid blocks, the registry and the mkdocs nav.

The adapter between the checkout on disk and the pure page model (``core.atlas_pages``).
Nothing here is special to the pages of one checkout: any complete DS checkout works.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

import yaml

from deckbuilder.core import atlas_pages as model
from deckbuilder.core.mermaid_source import MermaidBlock, has_literal_newlines, mermaid_blocks, unescape_literal_newlines
from deckbuilder.diagrams.errors import DiagramError
from deckbuilder.loader import source_time

DOCS = Path("site") / "docs"
REGISTRY = Path("site") / "data" / "unified_diagram_status.json"
MKDOCS = Path("site") / "mkdocs.yml"


@dataclass(frozen=True)
class AtlasPage:
    rel_path: str  # below site/docs, e.g. systems/uber/architecture.md
    report_path: str  # below the checkout, e.g. site/docs/systems/uber/architecture.md
    title: str
    category: str
    company: str | None
    diagram_type: str
    groups: tuple[str, ...]  # subdeck levels below the category (from the nav)
    nav_position: int  # order in the nav; pages missing from the nav come after, by path
    blocks: tuple[MermaidBlock, ...]
    key_metrics: tuple[str, ...]
    literal_newlines: bool  # saved with \n escapes (line numbers are those of the decoded text)
    mtime: int


@dataclass(frozen=True)
class AtlasCheckout:
    pages: tuple[AtlasPage, ...]  # pages in a category of the plan, with at least one block
    skipped: Mapping[str, int]  # folder (or "(top level)") -> pages with blocks left out
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class ParsedPage:
    """What a page's text alone yields."""

    title: str | None
    blocks: tuple[MermaidBlock, ...]
    key_metrics: tuple[str, ...]
    literal_newlines: bool


def parse_page(text: str) -> ParsedPage:
    literal = has_literal_newlines(text)
    if literal:
        text = unescape_literal_newlines(text)
    blocks = tuple(mermaid_blocks(text))
    if not blocks:
        return ParsedPage(None, (), (), literal)
    return ParsedPage(model.page_title(text), blocks, model.key_metrics(text), literal)


def read_checkout(atlas_dir: Path, categories: Mapping[str, str], epoch: int | None = None,
                  on_page: Callable[[int, int], None] | None = None) -> AtlasCheckout:
    """Every Markdown page below ``site/docs`` with a Mermaid block, in a category of the plan.

    ``on_page(done, total)`` is called after each Markdown file is read."""
    docs = atlas_dir / DOCS
    if not docs.is_dir():
        raise DiagramError(f"{atlas_dir}: not a DS checkout (no {DOCS}/ folder) — pass the checkout's root folder to --atlas")
    warnings: list[str] = []
    registry = _read_registry(atlas_dir / REGISTRY, warnings)
    nav = _read_nav(atlas_dir / MKDOCS, warnings)
    groups = model.subdeck_groups(nav)
    nav_by_path = {entry.path: entry for entry in nav}

    pages: list[AtlasPage] = []
    skipped: dict[str, int] = {}
    files = sorted(docs.rglob("*.md"))
    for done, path in enumerate(files, start=1):
        if on_page is not None:
            on_page(done, len(files))
        rel = path.relative_to(docs).as_posix()
        try:
            page = parse_page(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            warnings.append(f"{DOCS.as_posix()}/{rel}: unreadable, skipped ({exc})")
            continue
        if not page.blocks:
            continue
        category = model.category_of(rel)
        if category is None or category not in categories:
            folder = category or "(top level)"
            skipped[folder] = skipped.get(folder, 0) + 1
            continue
        nav_entry = nav_by_path.get(rel)
        registry_entry = registry.get(rel, {})
        pages.append(AtlasPage(
            rel_path=rel,
            report_path=f"{DOCS.as_posix()}/{rel}",
            title=page.title or (nav_entry.title if nav_entry else model.title_from_slug(path.stem)),
            category=category,
            company=model.company_of(rel),
            diagram_type=model.diagram_type(rel, _str_or_none(registry_entry.get("type"))),
            groups=groups.get(rel, ()) if nav_entry else model.fallback_groups(rel),
            nav_position=nav_entry.position if nav_entry else len(nav) + len(pages),
            blocks=page.blocks,
            key_metrics=page.key_metrics,
            literal_newlines=page.literal_newlines,
            mtime=source_time(path, epoch),
        ))
    if skipped:
        listing = ", ".join(f"{folder} ({count} page{'s' if count != 1 else ''})" for folder, count in sorted(skipped.items()))
        warnings.append(
            f"{DOCS.as_posix()}: folders not in plan.yaml `categories` were left out: {listing} — "
            "add a folder to `categories` and to a phase in cards/plan.yaml to include it"
        )
    return AtlasCheckout(pages=tuple(pages), skipped=skipped, warnings=tuple(warnings))


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _read_registry(path: Path, warnings: list[str]) -> dict[str, dict[str, Any]]:
    """``unified_diagram_status.json`` by page path (optional: without it types come from names)."""
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        diagrams = data.get("diagrams", {})
        return {
            entry["file_path"]: entry
            for entry in diagrams.values()
            if isinstance(entry, dict) and isinstance(entry.get("file_path"), str)
        }
    except (OSError, ValueError, AttributeError) as exc:
        warnings.append(f"{REGISTRY.as_posix()}: ignored, it does not parse ({exc})")
        return {}


class _NavLoader(yaml.SafeLoader):
    """A safe loader that reads mkdocs.yml's ``!!python/name:`` tags as plain nulls."""


def _ignore_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> None:
    return None


_NavLoader.add_multi_constructor("tag:yaml.org,2002:python/", _ignore_tag)
_NavLoader.add_multi_constructor("!", _ignore_tag)


def _read_nav(path: Path, warnings: list[str]) -> list[model.NavEntry]:
    """The pages of mkdocs.yml's ``nav`` in order, with their titles and sections."""
    if not path.is_file():
        return []
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_NavLoader)  # noqa: S506 - safe subclass
    except (OSError, yaml.YAMLError) as exc:
        warnings.append(f"{MKDOCS.as_posix()}: nav ignored, it does not parse ({exc})")
        return []
    entries: list[model.NavEntry] = []
    seen: set[str] = set()

    def walk(items: Any, sections: tuple[str, ...]) -> None:
        if not isinstance(items, list):
            return
        for item in items:
            if isinstance(item, str):
                _add(item, model.title_from_slug(Path(item).stem), sections)
            elif isinstance(item, dict):
                for title, value in item.items():
                    if isinstance(value, str):
                        _add(value, str(title), sections)
                    else:
                        walk(value, sections + (str(title),))

    def _add(target: str, title: str, sections: tuple[str, ...]) -> None:
        if target.endswith(".md") and "://" not in target and target not in seen:
            seen.add(target)
            entries.append(model.NavEntry(path=target, title=title, sections=sections, position=len(entries)))

    walk((data or {}).get("nav") if isinstance(data, dict) else None, ())
    return entries
