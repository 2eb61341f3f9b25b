"""Shared fixtures: fixture sources, a real Anki collection, and the import Anki's GUI does."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURE_CARDS = Path(__file__).resolve().parent / "fixtures" / "cards"


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


def import_package(col, path: Path):
    """Import like Anki's import dialog does by default: update notes and note types if newer."""
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest
    from anki.import_export_pb2 import IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER as IF_NEWER

    options = ImportAnkiPackageOptions(
        merge_notetypes=False, update_notes=IF_NEWER, update_notetypes=IF_NEWER,
        with_scheduling=False, with_deck_configs=False,
    )
    return col.import_anki_package(ImportAnkiPackageRequest(package_path=str(path), options=options))
