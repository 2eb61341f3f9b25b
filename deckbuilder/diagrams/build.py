"""The diagram pipeline: pages in, rendered (or cached) blocks, notes out.

``build_diagram_notes`` is the contract with the build (see ``api.py``). It reads the DS
checkout and the project's own ``.mmd`` files, renders what the cache lacks in headless
Chromium, and turns each page's main diagram (or every diagram) into occlusion notes, and each
page into a speed-draw note. Blocks that fail are reported with page, line and Mermaid's
message; the rest of the deck still builds.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

from deckbuilder.core import atlas_pages as pages_model
from deckbuilder.core.mermaid_source import MermaidBlock, repair
from deckbuilder.core.notes import MediaFile, NoteSpec, deck_name
from deckbuilder.core.occlusion import legible, occlusion_units, raster_scale
from deckbuilder.core.plan import Plan
from deckbuilder.core.tags import COMPANY, TYPE, placement_tags
from deckbuilder.diagrams import buildcache, cards
from deckbuilder.diagrams.api import BlockFailure, DiagramBuild, DiagramOptions, OwnDiagram, PageReport
from deckbuilder.diagrams.atlas import AtlasPage, read_checkout
from deckbuilder.diagrams.cache import RenderCache, RenderRecord, block_key
from deckbuilder.diagrams.errors import DiagramError
from deckbuilder.diagrams.progress import Progress
from deckbuilder.diagrams.renderer import (
    BlockJob,
    PageJob,
    Renderer,
    choose_main,
    find_mermaid_js,
    image_blocks,
    renderer_version,
)


@dataclass(frozen=True)
class _Source:
    """A page to render: what its notes need, and its blocks."""

    page: cards.DiagramPage
    blocks: tuple[MermaidBlock, ...]


def default_cache_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("atlas-anki"))


def build_diagram_notes(*, plan: Plan, path: str, atlas_dir: Path | None, own_diagrams: Sequence[OwnDiagram],
                        options: DiagramOptions, progress: bool = True, epoch: int | None = None) -> DiagramBuild:
    """Occlusion and speed-draw notes for a DS checkout's pages and the project's own diagrams."""
    mermaid_js = options.mermaid_js or find_mermaid_js()
    if not mermaid_js.is_file():
        raise DiagramError(f"mermaid.js not found at {mermaid_js} — run `npm ci` in the project folder, or fix the path")
    version = renderer_version(mermaid_js, options.chromium)
    cache = RenderCache((options.cache_dir or default_cache_dir()) / "diagrams" / re.sub(r"[^\w.-]+", "-", version))
    builds = cache.root / "builds"
    key = buildcache.fingerprint(plan=plan, path=path, atlas_dir=atlas_dir, own_diagrams=own_diagrams,
                                 options=options, renderer_version=version, epoch=epoch)
    cached = buildcache.load(builds, key)
    if cached is not None:
        _tell(cached, options, progress)
        return cached
    result = _build(plan, path, atlas_dir, own_diagrams, options, progress, mermaid_js, version, cache, epoch)
    transient = ("timed out", "browser failed", "renderer stopped early", "image is missing")
    if not any(marker in f.message for f in result.failures for marker in transient):
        buildcache.store(builds, key, replace(result, rendered_now=0))
    _tell(result, options, progress)
    return result


def _tell(result: DiagramBuild, options: DiagramOptions, progress: bool) -> None:
    """Repairs (with --verbose) and the per-page report on stderr."""
    if options.verbose:
        for line in result.repairs:
            print(f"repaired {line}", file=sys.stderr)
    if progress or options.verbose:
        print(result.report(), file=sys.stderr)


def _build(plan: Plan, path: str, atlas_dir: Path | None, own_diagrams: Sequence[OwnDiagram], options: DiagramOptions,
           progress: bool, mermaid_js: Path, version: str, cache: RenderCache, epoch: int | None) -> DiagramBuild:
    warnings: list[str] = []
    sources: list[_Source] = []
    pages_memo_path, records_memo_path = cache.root / "pages.pickle", cache.root / "records.pickle"
    if atlas_dir is not None:
        pages_memo = buildcache.load_memo(pages_memo_path)
        before = set(pages_memo)
        sources.extend(_atlas_sources(atlas_dir, plan, path, warnings, pages_memo, epoch))
        if set(pages_memo) != before:
            buildcache.store_memo(pages_memo_path, pages_memo)
    sources.extend(_own_sources(own_diagrams, plan, warnings))

    records_memo = buildcache.load_memo(records_memo_path)
    jobs, known = _jobs(sources, cache, version, options, records_memo)
    total_blocks = sum(len(job.blocks) for job in jobs)
    bar = Progress(total_blocks, "rendering diagrams", enabled=progress)
    renderer = Renderer(cache, mermaid_js=mermaid_js, chromium=options.chromium, workers=options.jobs,
                        timeout=options.render_timeout, on_block=lambda page, n: bar.advance(n))
    try:
        transient = renderer.run(jobs)
    finally:
        bar.close()
    for job in jobs:
        for block in job.blocks:
            known[block.key] = transient.get(block.key) or cache.record(block.key)
    lasting = {k: r for k, r in known.items() if r is not None and k not in transient}
    if lasting.keys() != records_memo.keys():
        buildcache.store_memo(records_memo_path, lasting)
    return _assemble(sources, cache, version, known, options, warnings, rendered_now=renderer.rendered)


# --- sources ---------------------------------------------------------------------------------

def _atlas_sources(atlas_dir: Path, plan: Plan, path: str, warnings: list[str], parsed: dict,
                   epoch: int | None) -> list[_Source]:
    checkout = read_checkout(atlas_dir, plan.categories, epoch=epoch, parsed=parsed)
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
            sources.append(_Source(
                page=cards.DiagramPage(
                    key=page.report_path,
                    source_label=page.report_path,
                    title=page.title,
                    context=context,
                    deck=deck_name(pages_model.subdeck(category_title, page.groups)),
                    tags=tuple(tags),
                    reference_week=week.reference_week,
                    key_metrics=page.key_metrics,
                    mtime=page.mtime,
                ),
                blocks=page.blocks,
            ))
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
        sources.append(_Source(
            page=cards.DiagramPage(
                key=label,
                source_label=label,
                title=own.topic_title,
                context=f"{category_title} · {own.topic_title}",
                deck=own.deck,
                tags=tuple(own.tags),
                reference_week=own.reference_week,
                key_metrics=(),
                mtime=own.mtime,
            ),
            blocks=(MermaidBlock(index=0, line=1, source=text.strip("\n") + "\n"),),
        ))
    return sources


# --- rendering -------------------------------------------------------------------------------

def _block_job(block: MermaidBlock, version: str) -> BlockJob:
    repaired = repair(block.source).source
    return BlockJob(key=block_key(block.source, version), source=block.source,
                    repaired=repaired if repaired != block.source else None)


def _jobs(sources: Sequence[_Source], cache: RenderCache, version: str, options: DiagramOptions,
          memo: dict) -> tuple[list[PageJob], dict[str, RenderRecord | None]]:
    """A job for each page whose renders or images the cache lacks, and the cached records read
    (from ``memo``, the records of the previous build, else from the cache's files)."""
    jobs = []
    known: dict[str, RenderRecord | None] = {}
    for source in sources:
        keys = [block_key(b.source, version) for b in source.blocks]
        records = [memo.get(k) or cache.record(k) for k in keys]
        known.update(zip(keys, records))
        if any(r is None for r in records):
            needed = True
        else:
            needed = any(not cache.has_image(keys[i]) for i in image_blocks(records, options.blocks))
        if needed:
            blocks = tuple(_block_job(b, version) for b in source.blocks)
            jobs.append(PageJob(page=source.page.source_label, blocks=blocks, images=options.blocks))
    return jobs, known


# --- notes -----------------------------------------------------------------------------------

def _assemble(sources: Sequence[_Source], cache: RenderCache, version: str, known: dict[str, RenderRecord | None],
              options: DiagramOptions, warnings: list[str], rendered_now: int) -> DiagramBuild:
    notes: list[NoteSpec] = []
    failures: list[BlockFailure] = []
    repairs: list[str] = []
    reports: list[PageReport] = []
    total = rendered = 0
    for source in sources:
        page = source.page
        keys = [block_key(b.source, version) for b in source.blocks]
        records = [known.get(k) for k in keys]
        page_failures = []
        for block, record in zip(source.blocks, records):
            total += 1
            if record is not None and record.ok:
                rendered += 1
                if record.repaired:
                    repairs.append(_repair_line(page.source_label, block, record))
            else:
                message = record.error if record is not None else "not rendered (the renderer stopped early)"
                page_failures.append(BlockFailure(page.source_label, block.line, _with_page_line(message, block.line)))
        main = choose_main(records)
        page_notes: list[NoteSpec] = []
        if main is not None:
            for index in image_blocks(records, options.blocks):
                if not cache.has_image(keys[index]):
                    page_failures.append(BlockFailure(page.source_label, source.blocks[index].line,
                                                      "rendered, but its image is missing from the cache (rebuild)"))
                    continue
                rendered_block = cards.RenderedBlock(
                    index=source.blocks[index].index,
                    line=source.blocks[index].line,
                    record=records[index],
                    image=MediaFile(name=f"atlas-{keys[index][:24]}.webp", path=str(cache.image_path(keys[index]))),
                )
                is_main = index == main
                record = records[index]
                if not legible(record.width, record.height):
                    units = len(occlusion_units(record.boxes, "cluster" if options.unit == "subgraph" else "node"))
                    warnings.append(
                        f"{page.source_label}:{rendered_block.line}: diagram too large to read on a card "
                        f"({round(record.width)}×{round(record.height)} px would shrink to "
                        f"{raster_scale(record.width, record.height):.2f}×, text under 8 px): its {units} occlusion "
                        f"notes were left out — split it into smaller diagrams")
                    if is_main:
                        page_notes.append(cards.speed_draw_note(page, rendered_block))
                    continue
                if options.io == "native":
                    try:
                        note = cards.native_note(page, rendered_block, options, is_main)
                    except ValueError as exc:  # more nodes than Anki has cloze numbers
                        warnings.append(f"{page.source_label}:{rendered_block.line}: no native occlusion note: {exc} "
                                        "— use --io overlay for this diagram")
                        note = None
                    page_notes.extend([note] if note else [])
                else:
                    page_notes.extend(cards.occlusion_notes(page, rendered_block, options, is_main))
                if is_main:
                    page_notes.append(cards.speed_draw_note(page, rendered_block))
        notes.extend(page_notes)
        failures.extend(page_failures)
        reports.append(PageReport(page=page.source_label, blocks=len(records), rendered=sum(
            1 for r in records if r is not None and r.ok), notes=len(page_notes), failures=tuple(page_failures)))
    return DiagramBuild(
        notes=tuple(notes), failures=tuple(failures), repairs=tuple(repairs), warnings=tuple(warnings),
        blocks_total=total, blocks_rendered=rendered, pages=tuple(reports), rendered_now=rendered_now,
    )


def _repair_line(page: str, block: MermaidBlock, record: RenderRecord) -> str:
    """``page:line: block N: <repair> on lines a, b, c …`` (page lines), one clause per kind."""
    fixes = record.repairs if record.repairs is not None else tuple(
        (r.line, r.what) for r in repair(block.source).repairs)
    by_kind: dict[str, list[int]] = {}
    for line, what in fixes:
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
