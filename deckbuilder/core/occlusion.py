"""Occlusion geometry and diagram arithmetic: boxes in a rendered diagram → masks in fractions.

Pure: the renderer measures boxes in CSS pixels of the diagram; everything here is maths on
those numbers, so masks stay aligned with the image at any size or zoom.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Iterable, Literal, Mapping, Sequence

BoxKind = Literal["node", "cluster", "actor"]  # actor: a sequence diagram participant
Complexity = Literal["simple", "moderate", "complex", "very-complex"]

# Anki folds every cloze number above 500 into card 500, so numbers live in 1..CLOZE_SLOTS.
CLOZE_SLOTS = 499


@dataclass(frozen=True)
class Box:
    """A node or subgraph of a rendered diagram, in CSS pixels from the diagram's top-left."""

    kind: BoxKind
    node_id: str  # the Mermaid id written in the source (``CDN`` in ``CDN[Global CDN]``)
    x: float
    y: float
    width: float
    height: float
    label: tuple[str, ...]  # plain-text lines of its label (markup cleaned)


@dataclass(frozen=True)
class Rect:
    """A rectangle in fractions (0–1) of the image's width and height."""

    left: float
    top: float
    width: float
    height: float

    def css(self) -> str:
        """Inline CSS placing an absolutely positioned element over this rectangle."""
        return (
            f"left:{_pct(self.left)}%;top:{_pct(self.top)}%;"
            f"width:{_pct(self.width)}%;height:{_pct(self.height)}%"
        )

    def native(self, occlude_inactive: bool) -> str:
        """The shape as Anki's image-occlusion cloze body (fractions, 4 decimals)."""
        return (
            f"image-occlusion:rect:left={_frac(self.left)}:top={_frac(self.top)}"
            f":width={_frac(self.width)}:height={_frac(self.height)}:oi={1 if occlude_inactive else 0}"
        )


def _pct(value: float) -> str:
    return f"{value * 100:.2f}".rstrip("0").rstrip(".") or "0"


def _frac(value: float) -> str:
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def mask_rect(box: Box, image_width: float, image_height: float, pad: float = 2.0) -> Rect:
    """The mask over ``box`` in fractions of the image, grown by ``pad`` CSS px on each side
    (to cover anti-aliased edges and shadows) and clipped to the image."""
    if image_width <= 0 or image_height <= 0:
        raise ValueError(f"image size must be positive, got {image_width}×{image_height}")
    left = max(0.0, box.x - pad)
    top = max(0.0, box.y - pad)
    right = min(image_width, box.x + box.width + pad)
    bottom = min(image_height, box.y + box.height + pad)
    return Rect(
        left=left / image_width,
        top=top / image_height,
        width=max(0.0, right - left) / image_width,
        height=max(0.0, bottom - top) / image_height,
    )


def complexity(component_count: int) -> Complexity:
    """The DS design doc's complexity by number of components: 0–5, 6–10, 11–15, 16+."""
    if component_count <= 5:
        return "simple"
    if component_count <= 10:
        return "moderate"
    if component_count <= 15:
        return "complex"
    return "very-complex"


def complexity_title(level: Complexity) -> str:
    return {"simple": "Simple", "moderate": "Moderate", "complex": "Complex", "very-complex": "Very complex"}[level]


def occlusion_units(boxes: Sequence[Box], unit: BoxKind) -> list[Box]:
    """The boxes of one kind with a label, one per Mermaid id, in reading order (top to
    bottom, then left to right): the nodes (or subgraphs) a note is made for."""
    seen: set[str] = set()
    chosen: list[Box] = []
    for box in sorted(boxes, key=lambda b: (round(b.y), round(b.x), b.node_id)):
        if box.kind != unit or box.node_id in seen or not box.label:
            continue
        if box.width <= 0 or box.height <= 0:
            continue
        seen.add(box.node_id)
        chosen.append(box)
    return chosen


def cloze_numbers(node_ids: Iterable[str]) -> Mapping[str, int]:
    """A cloze number (1–499) for each node id that depends on the id, not on the other nodes.

    Each id hashes to a home slot; ids that collide take the next free slot, resolved in
    (slot, id) order. Renaming, moving or editing other nodes never changes a node's number;
    adding or removing a node changes another's only when their hashes collide (a chance of
    about n/499 for a diagram of n nodes). Numbers are deterministic across machines.
    """
    ids = sorted(set(node_ids), key=lambda i: (_home_slot(i), i))
    if len(ids) > CLOZE_SLOTS:
        raise ValueError(f"a diagram of {len(ids)} nodes exceeds Anki's {CLOZE_SLOTS} cloze numbers")
    taken: set[int] = set()
    numbers: dict[str, int] = {}
    for node_id in ids:
        slot = _home_slot(node_id)
        while slot in taken:
            slot = slot % CLOZE_SLOTS + 1
        taken.add(slot)
        numbers[node_id] = slot
    return numbers


def _home_slot(node_id: str) -> int:
    digest = hashlib.sha1(node_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % CLOZE_SLOTS + 1


# Images are rasterized at 2 device pixels per CSS pixel (sharp on a 2× phone screen) while that
# stays within RASTER_PIXEL_BUDGET pixels; larger diagrams get less, never below
# RASTER_MIN_SCALE (Mermaid's 16 px text stays 12 px or more), except that no side exceeds
# RASTER_MAX_SIDE (the largest image phones' web views reliably show). A card shows the image at
# most as wide as its window, so the budget (about 1,400×1,100 px) is what a phone (~1,200
# device pixels across) or a desktop card shows sharply at full width; it is also what makes a
# DS checkout fast to build: every megapixel costs ~0.1 s of CPU to raster and encode.
RASTER_PREFERRED_SCALE = 2.0
RASTER_PIXEL_BUDGET = 1_500_000
RASTER_MIN_SCALE = 0.75
RASTER_MAX_SIDE = 8000


def raster_scale(width: float, height: float) -> float:
    """Device pixels per CSS pixel for a diagram of ``width``×``height`` CSS pixels."""
    area = max(width * height, 1.0)
    scale = min(RASTER_PREFERRED_SCALE, max(RASTER_MIN_SCALE, (RASTER_PIXEL_BUDGET / area) ** 0.5))
    return round(min(scale, RASTER_MAX_SIDE / max(width, height, 1.0)), 3)


# Below this many device pixels per CSS pixel, the diagram's text (Mermaid's 16 px) shrinks under
# 8 px in the image: nothing to read, and masks too small to see. Such a diagram gets no
# occlusion notes (its speed-draw note keeps the component list).
LEGIBLE_SCALE = 0.5


def legible(width: float, height: float) -> bool:
    """Whether a diagram of ``width``×``height`` CSS pixels stays readable once rasterized."""
    return raster_scale(width, height) >= LEGIBLE_SCALE


def components(boxes: Sequence[Box]) -> list[Box]:
    """A diagram's components for speed-draw: its nodes, or for a sequence diagram its
    participants (left to right)."""
    return occlusion_units(boxes, "node") or occlusion_units(boxes, "actor")


def containing_cluster(box: Box, boxes: Sequence[Box]) -> Box | None:
    """The smallest subgraph whose box holds ``box``'s centre (None outside every subgraph)."""
    cx = box.x + box.width / 2
    cy = box.y + box.height / 2
    best: Box | None = None
    for other in boxes:
        if other.kind != "cluster" or other is box or other.node_id == box.node_id:
            continue
        if other.x <= cx <= other.x + other.width and other.y <= cy <= other.y + other.height:
            if best is None or other.width * other.height < best.width * best.height:
                best = other
    return best
