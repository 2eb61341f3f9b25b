"""Fixtures of the diagram tests: the shared DS checkout, one render cache per session, the
corpus built once (overlay and native), its packages, and real Anki collections importing them.

The shared corpus renders once per session (each page's blocks until its main diagram: about two
minutes on 2 cores); every later build in the session reads the same cache.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
MERMAID_JS = REPO / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"


def atlas_dir() -> Path:
    return Path(os.environ.get("ATLAS_DIR") or (REPO.parent / "shared" / "atlas")).resolve()


def _require_browser() -> None:
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: apt-get install chromium fonts-noto-color-emoji")
    if not MERMAID_JS.exists():
        pytest.fail(f"mermaid is missing at {MERMAID_JS}: run `npm ci`")


@pytest.fixture(scope="session")
def plan():
    from deckbuilder.loader import load_plan

    return load_plan(REPO / "cards" / "plan.yaml")


@pytest.fixture(scope="session")
def render_cache(tmp_path_factory) -> Path:
    """One render cache for the whole session: the corpus renders once. ``ATLAS_TEST_RENDER_CACHE``
    names a folder to keep it across sessions (while working on the tests)."""
    kept = os.environ.get("ATLAS_TEST_RENDER_CACHE")
    return Path(kept) if kept else tmp_path_factory.mktemp("render-cache")


@pytest.fixture(scope="session")
def shared_atlas() -> Path:
    path = atlas_dir()
    if not (path / "site" / "docs").is_dir():
        pytest.fail(f"the shared DS checkout is missing at {path} (set ATLAS_DIR)")
    return path


def build(plan, atlas: Path | None, cache: Path, **options):
    from deckbuilder.diagrams import DiagramOptions, build_diagram_notes

    _require_browser()
    return build_diagram_notes(plan=plan, path="intensive", atlas_dir=atlas, own_diagrams=[],
                               options=DiagramOptions(cache_dir=cache, **options))


@pytest.fixture(scope="session")
def corpus_build(plan, shared_atlas, render_cache):
    """The shared corpus with default options (overlay, hide-all-guess-one, node, main)."""
    return build(plan, shared_atlas, render_cache)


@pytest.fixture(scope="session")
def native_build(plan, shared_atlas, render_cache, corpus_build):
    """The same corpus with --io native (after the overlay build: everything is cached)."""
    return build(plan, shared_atlas, render_cache, io="native")


def write(notes, out: Path) -> Path:
    from deckbuilder.writer import write_package

    return write_package(list(notes), out, build_time=1_700_000_000)


def open_collection(folder: Path):
    from anki.collection import Collection

    folder.mkdir(parents=True, exist_ok=True)
    return Collection(str(folder / "collection.anki2"))


def import_package(col, path: Path):
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest
    from anki.import_export_pb2 import IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER as IF_NEWER

    options = ImportAnkiPackageOptions(merge_notetypes=False, update_notes=IF_NEWER, update_notetypes=IF_NEWER,
                                       with_scheduling=False, with_deck_configs=False)
    return col.import_anki_package(ImportAnkiPackageRequest(package_path=str(path), options=options))


@pytest.fixture(scope="session")
def corpus_records(corpus_build, render_cache, shared_atlas):
    """Each page's render records (page path -> one per block, None for a block the build did
    not need), read back from the cache."""
    from deckbuilder.core.mermaid_source import has_literal_newlines, mermaid_blocks, unescape_literal_newlines
    from deckbuilder.diagrams import DiagramOptions
    from deckbuilder.diagrams.build import render_cache as open_cache
    from deckbuilder.diagrams.cache import block_key

    cache = open_cache(DiagramOptions(cache_dir=render_cache))
    out = {}
    try:
        for page in corpus_build.pages:
            text = (shared_atlas / page.page).read_text(encoding="utf-8")
            if has_literal_newlines(text):
                text = unescape_literal_newlines(text)
            out[page.page] = [cache.record(block_key(b.source)) for b in mermaid_blocks(text)]
    finally:
        cache.close()
    return out


@pytest.fixture(scope="session")
def corpus_package(corpus_build, tmp_path_factory) -> Path:
    return write(corpus_build.notes, tmp_path_factory.mktemp("apkg") / "atlas.apkg")


@pytest.fixture(scope="session")
def corpus_collection(corpus_package, tmp_path_factory):
    col = open_collection(tmp_path_factory.mktemp("anki"))
    import_package(col, corpus_package)
    yield col
    col.close()


@pytest.fixture(scope="session")
def native_collection(native_build, tmp_path_factory):
    out = write(native_build.notes, tmp_path_factory.mktemp("apkg-native") / "atlas-native.apkg")
    col = open_collection(tmp_path_factory.mktemp("anki-native"))
    import_package(col, out)
    yield col
    col.close()


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium for looking at cards."""
    from playwright.sync_api import sync_playwright

    from deckbuilder.diagrams.renderer import CHROMIUM_ARGS

    _require_browser()
    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS))
        yield instance
        instance.close()


def notes_by_guid(col) -> dict:
    """Note id by GUID (GUIDs hold characters Anki's search syntax treats specially)."""
    return {guid: nid for nid, guid in col.db.all("select id, guid from notes")}


def copy_media(col, folder: Path) -> None:
    """The collection's media beside an HTML file in ``folder``."""
    media = Path(col.media.dir())
    for item in media.iterdir():
        shutil.copy(item, folder / item.name)
