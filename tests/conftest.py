"""Shared fixtures: writable fixture sources and a real Anki collection."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from ankitools import FIXTURE_CARDS


@pytest.fixture
def cards(tmp_path: Path) -> Path:
    """A writable copy of the fixture sources, with fixed, distinct file times."""
    target = tmp_path / "cards"
    shutil.copytree(FIXTURE_CARDS, target)
    for i, path in enumerate(sorted(target.rglob("*.yaml"))):
        os.utime(path, (1_700_000_000 + i, 1_700_000_000 + i))
    (tmp_path / "media").mkdir()
    return target


@pytest.fixture
def media(cards: Path) -> Path:
    return cards.parent / "media"


@pytest.fixture
def collection(tmp_path: Path):
    from anki.collection import Collection

    (tmp_path / "anki").mkdir()
    col = Collection(str(tmp_path / "anki" / "collection.anki2"))
    yield col
    col.close()
