"""The contract between the build and the diagram pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Literal

from deckbuilder.core.notes import NoteSpec

IoFormat = Literal["overlay", "native"]
OcclusionMode = Literal["hide-all-guess-one", "hide-one-guess-one"]
OcclusionUnit = Literal["node", "subgraph"]
BlockSelection = Literal["main", "all"]

# progress(stage, done, total): "reading diagram pages" once per Markdown file of the checkout
# (done = files read so far, total = files), then "rendering diagrams" once with done = 0 and
# once per page rendered (total = pages the cache lacks; not sent when it lacks none).
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class DiagramOptions:
    io: IoFormat = "overlay"
    mode: OcclusionMode = "hide-all-guess-one"
    unit: OcclusionUnit = "node"
    blocks: BlockSelection = "main"
    jobs: int | None = None  # parallel browser pages; None: one per CPU
    cache_dir: Path | None = None  # None: the user cache dir
    verbose: bool = False  # the report lists every repair
    render_timeout: float = 30.0  # seconds for one block; a block that takes longer fails
    mermaid_js: Path | None = None  # None: node_modules/mermaid/dist/mermaid.min.js of the project
    chromium: Path = Path("/usr/bin/chromium")  # Debian's Chromium


@dataclass(frozen=True)
class OwnDiagram:
    """A Mermaid file of the project's own (``media/*.mmd``) named by a topic."""

    topic_id: str
    topic_title: str
    phase: int
    category: str
    reference_week: int
    deck: str  # full deck name of the topic
    tags: tuple[str, ...]  # the topic's tags (phase, week, category, topic, kr, path)
    path: Path
    mtime: int


@dataclass(frozen=True)
class BlockFailure:
    page: str  # path relative to the checkout (or media file)
    line: int  # line of the block's opening fence
    message: str  # Mermaid's message


@dataclass(frozen=True)
class PageReport:
    """What became of one page's blocks."""

    page: str
    blocks: int  # on the page
    used: int  # the blocks the build used: up to the main diagram with --blocks main
    rendered: int  # of those used
    notes: int
    failures: tuple[BlockFailure, ...] = field(default=())  # of the blocks used only


@dataclass(frozen=True)
class DiagramBuild:
    notes: tuple[NoteSpec, ...]
    failures: tuple[BlockFailure, ...] = field(default=())
    repairs: tuple[str, ...] = field(default=())  # one line per block rendered after repair
    warnings: tuple[str, ...] = field(default=())
    blocks_total: int = 0  # every block of the pages read
    blocks_used: int = 0  # the blocks the build used (with --blocks main: up to each page's main diagram)
    blocks_rendered: int = 0  # of those used
    pages: tuple[PageReport, ...] = field(default=())  # one per page (or own diagram file) read
    rendered_now: int = 0  # blocks rendered in this run (the rest came from the cache)
    verbose: bool = False  # the report lists the repairs

    def report(self) -> str:
        """What the CLI prints: with ``verbose`` every repair (``repaired page:line: …``), then
        every page with a failed block, each failure with its line and Mermaid's message, then
        the totals."""
        lines = [f"repaired {line}" for line in self.repairs] if self.verbose else []
        for page in self.pages:
            if page.failures:
                lines.append(f"{page.page}: {page.rendered} of {page.used} blocks rendered, {page.notes} notes")
                lines.extend(f"  line {f.line}: {f.message}" for f in page.failures)
        share = 100.0 * self.blocks_rendered / self.blocks_used if self.blocks_used else 100.0
        unused = self.blocks_total - self.blocks_used
        lines.append(
            f"diagrams: {self.blocks_rendered} of {self.blocks_used} blocks rendered ({share:.1f}%"
            f"{f'; {unused} more not needed' if unused else ''}), "
            f"{len(self.repairs)} after repair, {len(self.failures)} failed, {len(self.notes)} notes"
        )
        return "\n".join(lines)
