"""Where the build keeps what it can reuse: parsed sources and rendered diagrams."""

from __future__ import annotations

from pathlib import Path

import platformdirs


def default_cache_dir() -> Path:
    """The user cache dir (e.g. ~/.cache/atlas-anki on Linux)."""
    return Path(platformdirs.user_cache_dir("atlas-anki", appauthor=False))
