"""Helpers shared by the top-level tests: paths, and the import Anki's GUI does."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURE_CARDS = Path(__file__).resolve().parent / "fixtures" / "cards"


def import_package(col, path: Path):
    """Import like Anki's import dialog does by default: update notes and note types if newer."""
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest
    from anki.import_export_pb2 import IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER as IF_NEWER

    options = ImportAnkiPackageOptions(
        merge_notetypes=False, update_notes=IF_NEWER, update_notetypes=IF_NEWER,
        with_scheduling=False, with_deck_configs=False,
    )
    return col.import_anki_package(ImportAnkiPackageRequest(package_path=str(path), options=options))
