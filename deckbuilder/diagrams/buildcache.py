"""The assembled-build cache: when nothing a build reads has changed, its result is loaded
instead of re-read, re-parsed and re-assembled.

The fingerprint covers every input: each page file's path, size and modification time (so an
edit, even one that keeps the size, misses), the nav and registry files, the project's own
diagram files, the plan, the study path, the options that shape notes, SOURCE_DATE_EPOCH, the
renderer version and the code that assembles notes. Any change is a miss and a normal build
(which still renders only changed blocks). Entries are pickles of our own values written by
this module into the user's cache dir; a damaged or incompatible entry is a miss.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path
from typing import Mapping, Sequence

from deckbuilder.atomicfile import write_bytes
from deckbuilder.diagrams.api import DiagramBuild, DiagramOptions, OwnDiagram

FORMAT = "1"
KEEP = 2  # entries kept (the newest), each about as large as the notes' text
_CODE = (
    Path(__file__).resolve().parent,  # deckbuilder/diagrams
    *(Path(__file__).resolve().parent.parent / "core" / name
      for name in ("atlas_pages.py", "mermaid_source.py", "occlusion.py", "notes.py", "plan.py", "tags.py")),
)


def fingerprint(*, plan: object, path: str, atlas_dir: Path | None, own_diagrams: Sequence[OwnDiagram],
                options: DiagramOptions, renderer_version: str, epoch: int | None) -> str:
    h = hashlib.sha256()

    def feed(*parts: object) -> None:
        for part in parts:
            h.update(str(part).encode("utf-8", "surrogateescape"))
            h.update(b"\0")

    feed(FORMAT, renderer_version, repr(plan), path, options.io, options.mode, options.unit, options.blocks,
         str(epoch))
    for code in _CODE:
        files = sorted(code.glob("*.py")) + sorted(code.glob("*.js")) if code.is_dir() else [code]
        for file in files:
            feed(file.name)
            h.update(file.read_bytes())
    if atlas_dir is not None:
        root = atlas_dir.resolve()
        feed(root)
        for extra in (root / "site" / "mkdocs.yml", root / "site" / "data" / "unified_diagram_status.json"):
            feed(extra.name, *_stat(extra))
        docs = root / "site" / "docs"
        for page in sorted(docs.rglob("*.md")):
            feed(page.relative_to(docs).as_posix(), *_stat(page))
    for own in own_diagrams:
        feed(repr(own), *_stat(own.path))
    return h.hexdigest()


def _stat(path: Path) -> tuple[int, int]:
    try:
        stat = path.stat()
        return stat.st_size, stat.st_mtime_ns
    except OSError:
        return -1, -1


def load(folder: Path, key: str) -> DiagramBuild | None:
    """The cached build, or None (missing, unreadable, or an image it names is gone)."""
    try:
        with open(folder / f"{key}.pickle", "rb") as handle:
            result = pickle.load(handle)  # noqa: S301 - our own entry in the user's cache dir
    except Exception:  # noqa: BLE001 - any damage is a miss
        return None
    if not isinstance(result, DiagramBuild):
        return None
    images = {m.path for note in result.notes for m in note.media}
    if not all(os.path.isfile(p) for p in images):
        return None
    return result


def store(folder: Path, key: str, result: DiagramBuild) -> None:
    _dump(folder / f"{key}.pickle", result)
    entries = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in entries[KEEP:]:
        try:
            old.unlink()
        except OSError:
            pass


def load_memo(path: Path) -> dict:
    """A memo of earlier builds (parsed pages, render records by key); empty when unreadable."""
    try:
        with open(path, "rb") as handle:
            memo = pickle.load(handle)  # noqa: S301 - our own entry in the user's cache dir
        return memo if isinstance(memo, dict) else {}
    except Exception:  # noqa: BLE001 - any damage is an empty memo
        return {}


def store_memo(path: Path, memo: dict) -> None:
    _dump(path, memo)


def _dump(path: Path, value: object) -> None:
    write_bytes(path, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
