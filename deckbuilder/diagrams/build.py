"""The diagram pipeline: pages in, rendered (or cached) blocks, notes out.

``build_diagram_notes`` is the contract with the build (see ``api.py``). It reads the DS
checkout and the project's own ``.mmd`` files, renders in headless Chromium what the cache
lacks of the blocks the cards use (each page's blocks in order until its main diagram, or
every block with ``--blocks all``), and turns each page's main diagram (or every diagram) into
occlusion notes, and each page into a speed-draw note. Blocks that fail are reported with page,
line and Mermaid's message; the rest of the deck still builds. Nothing here prints: progress
goes to the ``progress`` callback, and the report is returned.
"""

from __future__ import annotations

import importlib.metadata
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from deckbuilder.cache import default_cache_dir
from deckbuilder.core import atlas_pages as pages_model
from deckbuilder.core.mermaid_source import MermaidBlock, repair
from deckbuilder.core.notes import MediaFile, NoteSpec, deck_name
from deckbuilder.core.occlusion import legible, occlusion_units, raster_scale
from deckbuilder.core.plan import Plan
from deckbuilder.core.tags import COMPANY, TYPE, placement_tags
from deckbuilder.diagrams import cards
from deckbuilder.diagrams.api import BlockFailure, DiagramBuild, DiagramOptions, OwnDiagram, PageReport, Progress
from deckbuilder.diagrams.atlas import AtlasPage, read_checkout
from deckbuilder.diagrams.cache import RenderCache, RenderRecord, block_key, open_render_cache
from deckbuilder.diagrams.errors import DiagramError
from deckbuilder.diagrams.renderer import (
    FAST_CONFIG_FOR,
    BlockJob,
    PageJob,
    Renderer,
    chromium_version,
    default_jobs,
    find_mermaid_js,
    mermaid_version,
)
from deckbuilder.diagrams.selection import blocks_used, choose_main, decided, image_blocks

READING = "reading diagram pages"  # the progress stages, in order
RENDERING = "rendering diagrams"


@dataclass(frozen=True)
class _Source:
    """A page to render: what its notes need, its blocks and their cache keys."""

    page: cards.DiagramPage
    blocks: tuple[MermaidBlock, ...]
    keys: tuple[str, ...]


def _silent(stage: str, done: int, total: int) -> None:
    return None


def build_diagram_notes(*, plan: Plan, path: str, atlas_dir: Path | None, own_diagrams: Sequence[OwnDiagram],
                        options: DiagramOptions, progress: Progress | None = None,
                        epoch: int | None = None) -> DiagramBuild:
    """Occlusion and speed-draw notes for a DS checkout's pages and the project's own diagrams.

    ``progress(stage, done, total)`` hears of each page read and each page rendered (see
    ``api.Progress``). Raises :class:`DiagramError` when Mermaid or Chromium is missing."""
    tell = progress or _silent
    mermaid_js = options.mermaid_js or find_mermaid_js()
    if not mermaid_js.is_file():
        raise DiagramError(f"mermaid.js not found at {mermaid_js} — run `npm ci` in the project folder, or fix the path")
    if not options.chromium.exists():
        raise DiagramError(
            f"Chromium is not installed at {options.chromium} — install Debian's package: apt-get install chromium")
    warnings: list[str] = []
    sources: list[_Source] = []
    if atlas_dir is not None:
        sources += _atlas_sources(atlas_dir, plan, path, warnings, epoch,
                                  lambda done, total: tell(READING, done, total))
    sources += _own_sources(own_diagrams, plan, warnings)

    cache = render_cache(options, mermaid_js)
    try:
        known, images = _cached(sources, cache)
        jobs = _jobs(sources, known, images, options)
        done = 0

        def page_rendered() -> None:
            nonlocal done
            done += 1
            tell(RENDERING, done, len(jobs))

        if jobs:
            tell(RENDERING, 0, len(jobs))
        renderer = Renderer(cache, mermaid_js=mermaid_js, chromium=options.chromium,
                            workers=options.jobs or default_jobs(), timeout=options.render_timeout,
                            on_page=page_rendered)
        renderer.run(jobs)
        known.update(renderer.records)
        images.update(renderer.images)
        if jobs and not renderer.sped_up:
            warnings.append(f"{mermaid_js}: not the Mermaid build the renderer's fast config copy was written for "
                            f"(mermaid {FAST_CONFIG_FOR}, pinned in package.json): diagrams render, only slower — "
                            "run `npm ci`")
        return _assemble(sources, known, images, renderer.capture_failures, options, warnings,
                         rendered_now=renderer.rendered)
    finally:
        cache.close()


def render_cache(options: DiagramOptions, mermaid_js: Path | None = None) -> RenderCache:
    """The render cache for this code, Mermaid, Chromium and genanki (close it after use)."""
    mermaid_js = mermaid_js or options.mermaid_js or find_mermaid_js()
    tools = {"mermaid": mermaid_version(mermaid_js), "chromium": chromium_version(options.chromium),
             "genanki": importlib.metadata.version("genanki")}
    return open_render_cache(options.cache_dir or default_cache_dir(), tools)


# --- sources ---------------------------------------------------------------------------------

def _atlas_sources(atlas_dir: Path, plan: Plan, path: str, warnings: list[str], epoch: int | None,
                   on_page) -> list[_Source]:  # noqa: ANN001 - (done, total) -> None
    checkout = read_checkout(atlas_dir, plan.categories, epoch=epoch, on_page=on_page)
    warnings.extend(checkout.warnings)
    by_phase: dict[int, list[AtlasPage]] = {}
    unphased: dict[str, int] = {}
    for page in checkout.pages:
        phase = plan.phase_of_category(page.category)
        if phase is None:
            unphased[page.category] = unphased.get(page.category, 0) + 1
            continue
        by_phase.setdefault(phase.number, []).append(page)
    if unphased:
        listing = ", ".join(f"{c} ({n})" for c, n in sorted(unphased.items()))
        warnings.append(f"cards/plan.yaml: categories in no phase were left out: {listing} — add them to a phase's `categories`")
    for number, phase_pages in by_phase.items():
        order = plan.phase(number).categories
        phase_pages.sort(key=lambda p: (order.index(p.category), p.nav_position, p.rel_path))
    weeks = pages_model.assign_weeks({n: [p.rel_path for p in ps] for n, ps in by_phase.items()}, plan, path)
    sources = []
    for number in sorted(by_phase):
        phase = plan.phase(number)
        for page in by_phase[number]:
            week = weeks[page.rel_path]
            category_title = plan.categories[page.category]
            tags = [*placement_tags(plan, phase=phase.number, week=week.path_week, path=path, category=page.category),
                    TYPE.tag(page.diagram_type)]
            if page.company:
                tags.append(COMPANY.tag(pages_model.slugify(page.company)))
            context = " › ".join([category_title, *page.groups]) + f" · {page.diagram_type.replace('-', ' ')}"
            sources.append(_source(cards.DiagramPage(
                key=page.report_path,
                source_label=page.report_path,
                title=page.title,
                context=context,
                deck=deck_name(pages_model.subdeck(category_title, page.groups)),
                tags=tuple(tags),
                reference_week=week.reference_week,
                key_metrics=page.key_metrics,
                mtime=page.mtime,
            ), page.blocks))
    return sources


def _own_sources(own_diagrams: Sequence[OwnDiagram], plan: Plan, warnings: list[str]) -> list[_Source]:
    """The project's own diagrams: each ``media/*.mmd`` file is one Mermaid block."""
    sources = []
    for own in own_diagrams:
        label = f"media/{own.path.name}"
        try:
            text = own.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            warnings.append(f"{label}: named by topic {own.topic_id} but unreadable ({exc}) — check the file")
            continue
        category_title = plan.categories.get(own.category, own.category)
        sources.append(_source(cards.DiagramPage(
            key=label,
            source_label=label,
            title=own.topic_title,
            context=f"{category_title} · {own.topic_title}",
            deck=own.deck,
            tags=tuple(own.tags),
            reference_week=own.reference_week,
            key_metrics=(),
            mtime=own.mtime,
        ), (MermaidBlock(index=0, line=1, source=text.strip("\n") + "\n"),)))
    return sources


def _source(page: cards.DiagramPage, blocks: tuple[MermaidBlock, ...]) -> _Source:
    return _Source(page=page, blocks=blocks, keys=tuple(block_key(b.source) for b in blocks))


# --- rendering -------------------------------------------------------------------------------

def _cached(sources: Sequence[_Source], cache: RenderCache) -> tuple[dict[str, RenderRecord], dict[str, Path]]:
    """The cached records of every block, and the cached images of those that have one."""
    keys = list(dict.fromkeys(k for s in sources for k in s.keys))
    records = cache.records(keys)
    images = {}
    for key in keys:
        if key in records and records[key].ok:
            image = cache.image(key)
            if image is not None:
                images[key] = image
    return records, images


def _jobs(sources: Sequence[_Source], known: dict[str, RenderRecord], images: dict[str, Path],
          options: DiagramOptions) -> list[PageJob]:
    """A job for each page whose used blocks or images the cache lacks."""
    jobs = []
    for source in sources:
        records = [known.get(k) for k in source.keys]
        if decided(records, options.blocks) and all(source.keys[i] in images
                                                    for i in image_blocks(records, options.blocks)):
            continue
        blocks = tuple(_block_job(b, k, known.get(k), k in images) for b, k in zip(source.blocks, source.keys))
        jobs.append(PageJob(page=source.page.source_label, blocks=blocks, selection=options.blocks))
    return jobs


def _block_job(block: MermaidBlock, key: str, record: RenderRecord | None, has_image: bool) -> BlockJob:
    repaired = repair(block.source).source
    return BlockJob(key=key, source=block.source, repaired=repaired if repaired != block.source else None,
                    record=record, has_image=has_image)


# --- notes -----------------------------------------------------------------------------------

def _assemble(sources: Sequence[_Source], known: dict[str, RenderRecord], images: dict[str, Path],
              capture_failures: dict[str, str], options: DiagramOptions, warnings: list[str],
              rendered_now: int) -> DiagramBuild:
    notes: list[NoteSpec] = []
    failures: list[BlockFailure] = []
    repairs: list[str] = []
    reports: list[PageReport] = []
    total = used_total = rendered = 0
    for source in sources:
        page = source.page
        records = [known.get(k) for k in source.keys]
        used = blocks_used(records, options.blocks)
        page_failures = []
        for block, record in zip(source.blocks[:used], records[:used]):
            if record is not None and record.ok:
                if record.repaired:
                    repairs.append(_repair_line(page.source_label, block, record))
            else:
                message = record.error if record is not None else "not rendered (the renderer stopped early)"
                page_failures.append(BlockFailure(page.source_label, block.line, _with_page_line(message, block.line)))
        main = choose_main(records)
        page_notes: list[NoteSpec] = []
        for index in image_blocks(records, options.blocks):
            key = source.keys[index]
            if key not in images:
                why = capture_failures.get(key, "its image is missing from the cache (rebuild)")
                page_failures.append(BlockFailure(page.source_label, source.blocks[index].line, f"rendered, but {why}"))
                continue
            page_notes += _block_notes(page, source.blocks[index], records[index], images[key], index == main,
                                       options, warnings)
        notes.extend(page_notes)
        failures.extend(page_failures)
        ok = sum(1 for r in records[:used] if r is not None and r.ok)
        total += len(records)
        used_total += used
        rendered += ok
        reports.append(PageReport(page=page.source_label, blocks=len(records), used=used, rendered=ok,
                                  notes=len(page_notes), failures=tuple(page_failures)))
    return DiagramBuild(
        notes=tuple(notes), failures=tuple(failures), repairs=tuple(repairs), warnings=tuple(warnings),
        blocks_total=total, blocks_used=used_total, blocks_rendered=rendered, pages=tuple(reports),
        rendered_now=rendered_now, verbose=options.verbose,
    )


def _block_notes(page: cards.DiagramPage, block: MermaidBlock, record: RenderRecord, image: Path, is_main: bool,
                 options: DiagramOptions, warnings: list[str]) -> list[NoteSpec]:
    """The occlusion notes of one rendered block, and the page's speed-draw note for its main one."""
    rendered_block = cards.RenderedBlock(index=block.index, line=block.line, record=record,
                                         image=MediaFile(name=f"atlas-{image.stem[:24]}{image.suffix}", path=str(image)))
    speed_draw = [cards.speed_draw_note(page, rendered_block)] if is_main else []
    if not legible(record.width, record.height):
        units = len(occlusion_units(record.boxes, cards.unit_kind(options.unit)))
        warnings.append(
            f"{page.source_label}:{block.line}: diagram too large to read on a card "
            f"({round(record.width)}×{round(record.height)} px would shrink to "
            f"{raster_scale(record.width, record.height):.2f}×, text under 8 px): its {units} occlusion "
            f"notes were left out — split it into smaller diagrams")
        return speed_draw
    if options.io == "native":
        try:
            note = cards.native_note(page, rendered_block, options, is_main)
        except ValueError as exc:  # more nodes than Anki has cloze numbers
            warnings.append(f"{page.source_label}:{block.line}: no native occlusion note: {exc} "
                            "— use --io overlay for this diagram")
            note = None
        return ([note] if note else []) + speed_draw
    return cards.occlusion_notes(page, rendered_block, options, is_main) + speed_draw


def _repair_line(page: str, block: MermaidBlock, record: RenderRecord) -> str:
    """``page:line: block N: <repair> on lines a, b, c …`` (page lines), one clause per kind."""
    by_kind: dict[str, list[int]] = {}
    for line, what in record.repairs:
        kind = re.sub(r"^quoted \d+ labels?", "quoted labels", what)
        by_kind.setdefault(kind, []).append(block.line + line)
    clauses = []
    for kind, lines in by_kind.items():
        shown = ", ".join(str(n) for n in lines[:6]) + (f" and {len(lines) - 6} more" if len(lines) > 6 else "")
        clauses.append(f"{kind} on line{'s' if len(lines) > 1 else ''} {shown}")
    return f"{page}:{block.line}: block {block.index + 1}: " + "; ".join(clauses)


_MERMAID_LINE = re.compile(r"(Parse error|Lexical error) on line (\d+)")


def _with_page_line(message: str, fence_line: int) -> str:
    """Mermaid counts lines within the block; add the page's line number beside it."""
    match = _MERMAID_LINE.search(message)
    if not match:
        return message
    return f"{message} (page line {fence_line + int(match.group(2))})"
