"""Which blocks of a page the build uses: pure rules over the render records, in block order.

With ``--blocks main`` a page's main diagram is its first block that renders with nodes (a
flowchart); when no block has nodes, its first block that renders. So the blocks are rendered
in order until one has nodes, and the rest are never needed; only when none has nodes are all
of them tried. With ``--blocks all`` every block is used.

A record is ``None`` when the block has not been rendered (not cached, or not needed yet).
A block whose render failed for a passing reason (a timeout, a browser crash) leaves the page
undecided: whether it has nodes is unknown, so the page gets no main diagram in this build.
"""

from __future__ import annotations

from typing import Sequence

from deckbuilder.diagrams.api import BlockSelection
from deckbuilder.diagrams.cache import RenderRecord


def _known(record: RenderRecord | None) -> bool:
    return record is not None and (record.failure is None or record.failure.lasting)


def blocks_used(records: Sequence[RenderRecord | None], selection: BlockSelection) -> int:
    """How many leading blocks the page uses: with ``main``, up to its first block with nodes
    (or up to a block that failed for a passing reason: the page stops there), else all.
    Blocks not rendered yet count as used until one before them ends the page."""
    if selection == "main":
        for index, record in enumerate(records):
            if record is not None and (record.has_nodes() or not _known(record)):
                return index + 1
    return len(records)


def decided(records: Sequence[RenderRecord | None], selection: BlockSelection) -> bool:
    """Whether every block the page uses has a lasting record (rendered, or a parse error)."""
    return all(_known(r) for r in records[:blocks_used(records, selection)])


def choose_main(records: Sequence[RenderRecord | None]) -> int | None:
    """The page's main diagram: the first block that renders with nodes, else the first block
    that renders at all; None when nothing renders or when a block it depends on is unknown."""
    for index, record in enumerate(records):
        if not _known(record):
            return None
        if record.has_nodes():
            return index
    return next((index for index, record in enumerate(records) if record.ok), None)


def image_blocks(records: Sequence[RenderRecord | None], selection: BlockSelection) -> list[int]:
    """The blocks of a page that get an image: its main diagram, and with ``all`` every block
    that renders with boxes to occlude."""
    main = choose_main(records)
    chosen = [] if main is None else [main]
    if selection == "all":
        chosen += [i for i, r in enumerate(records) if r is not None and i != main and needs_image_in_all(r)]
    return sorted(chosen)


def needs_image_in_all(record: RenderRecord) -> bool:
    """With ``--blocks all``: a block with nodes or subgraphs to occlude always gets an image."""
    return record.ok and any(b.kind in ("node", "cluster") for b in record.boxes)
