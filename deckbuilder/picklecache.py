"""A small on-disk cache of Python values, for what a rebuild can reuse.

Keys are digests of everything a value depends on (the caller's job), together with the
source code of the modules that made it, so a code change never serves a stale value.
Entries are written atomically; an unreadable entry is a miss.
"""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path
from typing import Any

from deckbuilder.atomicfile import write_bytes

_MISS_ERRORS = (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError)


def code_digest(*modules: str) -> bytes:
    """A digest of the source of ``modules`` (paths relative to the deckbuilder package)."""
    here = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for name in modules:
        h.update((here / name).read_bytes())
    return h.digest()


class PickleCache:
    def __init__(self, root: Path, namespace: str, salt: bytes):
        self.dir = root / namespace
        self.salt = salt

    def path(self, key: str) -> Path:
        return self.dir / f"{hashlib.sha256(self.salt + key.encode()).hexdigest()}.pickle"

    def get(self, key: str) -> Any | None:
        try:
            with open(self.path(key), "rb") as handle:
                return pickle.load(handle)
        except _MISS_ERRORS:
            return None

    def put(self, key: str, value: Any) -> None:
        try:
            write_bytes(self.path(key), pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        except OSError:
            pass  # a cache that cannot be written only costs time
