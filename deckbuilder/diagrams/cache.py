"""The render cache: one entry per (block source, renderer version), so a rebuild renders only
the blocks that changed. Entries are a JSON file (layout, boxes, or Mermaid's error) and, for
blocks shown on cards, the image beside it. Writes are atomic; a damaged entry is a miss.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from deckbuilder.atomicfile import write_bytes
from deckbuilder.core.occlusion import Box


@dataclass(frozen=True)
class RenderRecord:
    """What rendering one block produced (without the image, which is a file of its own)."""

    ok: bool
    error: str | None
    repaired: bool  # rendered only after the safe repairs
    width: float
    height: float
    boxes: tuple[Box, ...]
    # the repairs that made it render: (line in the block, what), None when not recorded
    repairs: tuple[tuple[int, str], ...] | None = None

    def to_json(self) -> str:
        return json.dumps({
            "ok": self.ok, "error": self.error, "repaired": self.repaired,
            "width": self.width, "height": self.height,
            "boxes": [[b.kind, b.node_id, b.x, b.y, b.width, b.height, list(b.label)] for b in self.boxes],
            "repairs": None if self.repairs is None else [list(r) for r in self.repairs],
        }, ensure_ascii=False, separators=(",", ":"))

    @staticmethod
    def from_json(text: str) -> "RenderRecord":
        data = json.loads(text)
        return RenderRecord(
            ok=bool(data["ok"]), error=data["error"], repaired=bool(data["repaired"]),
            width=float(data["width"]), height=float(data["height"]),
            boxes=tuple(Box(kind=k, node_id=i, x=x, y=y, width=w, height=h, label=tuple(lbl))
                        for k, i, x, y, w, h, lbl in data["boxes"]),
            repairs=None if data.get("repairs") is None else tuple((int(n), str(w)) for n, w in data["repairs"]),
        )


def block_key(source: str, renderer_version: str) -> str:
    """The cache key of a block: its exact source and everything that shapes its rendering."""
    return hashlib.sha256(f"{renderer_version}\0{source}".encode("utf-8")).hexdigest()


class RenderCache:
    """Entries under ``root/<key[:2]>/<key>.json`` (and ``.webp``)."""

    def __init__(self, root: Path):
        self.root = root

    def _base(self, key: str) -> Path:
        return self.root / key[:2] / key

    def record(self, key: str) -> RenderRecord | None:
        try:
            return RenderRecord.from_json(self._base(key).with_suffix(".json").read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def image_path(self, key: str) -> Path:
        return self._base(key).with_suffix(".webp")

    def has_image(self, key: str) -> bool:
        return self.image_path(key).is_file()

    def put_record(self, key: str, record: RenderRecord) -> None:
        write_bytes(self._base(key).with_suffix(".json"), record.to_json().encode("utf-8"))

    def put_image(self, key: str, data: bytes) -> None:
        write_bytes(self.image_path(key), data)


