"""Render records and the render cache over the one store (``deckbuilder.cachestore``).

A record is what rendering one block produced: its layout and boxes, or a typed failure. The
failure's kind alone decides what is cached: a ``parse`` error is deterministic (the same
source fails the same way with the same code and tools) and is cached; a ``timeout`` or a
``transient`` failure (the browser crashed, the capture failed) is never cached, so the next
build tries again. Images are files named by their content; the index maps a block to its image.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from deckbuilder.cachestore import CacheStore, fingerprint, key_of
from deckbuilder.core.occlusion import Box

FailureKind = Literal["parse", "timeout", "transient"]
FAILURE_KINDS: tuple[FailureKind, ...] = ("parse", "timeout", "transient")
RECORDS = "render"  # namespaces of the store
IMAGES = "image"
IMAGE_SUFFIX = ".webp"


@dataclass(frozen=True)
class RenderFailure:
    kind: FailureKind
    message: str  # Mermaid's message (parse), or what went wrong

    @property
    def lasting(self) -> bool:
        """Whether the same source fails the same way next time (only then is it cached)."""
        return self.kind == "parse"


@dataclass(frozen=True)
class RenderRecord:
    """What rendering one block produced (without the image, which is a file of its own)."""

    width: float = 0.0
    height: float = 0.0
    boxes: tuple[Box, ...] = ()
    repaired: bool = False  # rendered only after the safe repairs
    repairs: tuple[tuple[int, str], ...] = ()  # the repairs that made it render: (line in the block, what)
    failure: RenderFailure | None = None

    @staticmethod
    def failed(kind: FailureKind, message: str) -> RenderRecord:
        return RenderRecord(failure=RenderFailure(kind, message))

    @property
    def ok(self) -> bool:
        return self.failure is None

    @property
    def error(self) -> str | None:
        return None if self.failure is None else self.failure.message

    def has_nodes(self) -> bool:
        return self.ok and any(b.kind == "node" for b in self.boxes)

    def to_json(self) -> dict:
        return {
            "width": self.width, "height": self.height,
            "boxes": [[b.kind, b.node_id, b.x, b.y, b.width, b.height, list(b.label)] for b in self.boxes],
            "repaired": self.repaired, "repairs": [list(r) for r in self.repairs],
            "failure": None if self.failure is None else [self.failure.kind, self.failure.message],
        }

    @staticmethod
    def from_json(data: dict) -> RenderRecord:
        failure = data["failure"]
        if failure is not None and failure[0] not in FAILURE_KINDS:
            raise ValueError(f"unknown failure kind {failure[0]!r}")
        return RenderRecord(
            width=float(data["width"]), height=float(data["height"]),
            boxes=tuple(Box(kind=k, node_id=i, x=x, y=y, width=w, height=h, label=tuple(lbl))
                        for k, i, x, y, w, h, lbl in data["boxes"]),
            repaired=bool(data["repaired"]),
            repairs=tuple((int(n), str(w)) for n, w in data["repairs"]),
            failure=None if failure is None else RenderFailure(failure[0], str(failure[1])),
        )


def block_key(source: str) -> str:
    """The cache key of a block: its exact source (the code and the tools are the store's
    fingerprint)."""
    return key_of("block", source)


class RenderCache:
    """Records and images by block key, in a :class:`CacheStore`."""

    def __init__(self, store: CacheStore):
        self.store = store

    def record(self, key: str) -> RenderRecord | None:
        return self.records([key]).get(key)

    def records(self, keys: list[str]) -> dict[str, RenderRecord]:
        """The cached records of ``keys`` (a damaged entry is a miss)."""
        found: dict[str, RenderRecord] = {}
        for key, data in self.store.get_many(RECORDS, keys).items():
            try:
                found[key] = RenderRecord.from_json(data)
            except (KeyError, TypeError, ValueError):
                pass
        return found

    def put_record(self, key: str, record: RenderRecord) -> bool:
        """Cache ``record`` unless its failure is not lasting; whether it was cached."""
        if record.failure is not None and not record.failure.lasting:
            return False
        self.store.put(RECORDS, key, record.to_json())
        return True

    def image(self, key: str) -> Path | None:
        """The block's image, when it is cached and its file is there."""
        name = self.store.get(IMAGES, key)
        if not isinstance(name, str):
            return None
        path = self.store.file_path(name)
        return path if path.is_file() else None

    def put_image(self, key: str, data: bytes) -> Path:
        name = self.store.put_file(data, IMAGE_SUFFIX)
        self.store.put(IMAGES, key, name)
        return self.store.file_path(name)

    def close(self) -> None:
        self.store.close()


def open_render_cache(cache_dir: Path, tools: dict[str, str]) -> RenderCache:
    """The render cache in ``cache_dir`` for this code and these tools' versions."""
    _remove_legacy(cache_dir)
    return RenderCache(CacheStore(cache_dir, fingerprint(tools)))


def _remove_legacy(cache_dir: Path) -> None:
    """The caches of earlier versions (``diagrams/<version>/`` with pickled memos): deleted."""
    legacy = cache_dir / "diagrams"
    if any(legacy.glob("*/records.pickle")) or any(legacy.glob("*/pages.pickle")) or any(legacy.glob("*/builds")):
        shutil.rmtree(legacy, ignore_errors=True)
