"""Where the build keeps what it can reuse: rendered diagrams (see deckbuilder/cachestore.py)."""

from __future__ import annotations

from pathlib import Path

import platformdirs


def default_cache_dir() -> Path:
    """The user cache dir (e.g. ~/.cache/atlas-anki on Linux)."""
    return Path(platformdirs.user_cache_dir("atlas-anki", appauthor=False))
