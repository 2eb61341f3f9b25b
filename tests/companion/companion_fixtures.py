"""Fixtures of the companion's tests: real collections, a real AnkiConnect server, a clean home.

A plugin, not a ``conftest.py``: pytest imports every package-less conftest as the module
``conftest``, and the suite's top-level tests import theirs by that name. Test modules load
this one with ``pytest_plugins = ["companion_fixtures"]``; it is registered once, so the
session fixtures are shared.

``review_history`` builds collections with the ``anki`` package; ``ankiconnect_server`` runs
the PyPI ``anki-connect-server`` on a free loopback port (started with this interpreter,
stopped after the test or the session).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from ankiconnect_server import anki_connect_server
from review_history import PHASE_1, ROOT, History, make_history, open_collection, oracle


@dataclass(frozen=True)
class Served:
    history: History
    url: str
    oracles: dict  # Anki's own True Retention table per search (see SEARCHES), computed beforehand
    cutoff: int  # Anki's next day start when the oracles were computed

    @property
    def deck_oracle(self) -> dict:
        return self.oracles[f'deck:"{ROOT}"']


SEARCHES = [f'deck:"{ROOT}"', *(f'deck:"{ROOT}" tag:{t}' for t in (
    PHASE_1, "atlas::phase::2-performance", "atlas::phase::3-companies", "atlas::level::recall",
    "atlas::card::speed-draw", "atlas::card"))]


def _oracles(path: Path) -> tuple[dict, int]:
    col = open_collection(path)
    try:
        return {search: oracle(col, search) for search in SEARCHES}, col.sched.day_cutoff
    finally:
        col.close()


@pytest.fixture(scope="session")
def served(tmp_path_factory) -> Served:
    """A history of more than 3,000 reviews behind a running server. Read-only: do not change it."""
    path = tmp_path_factory.mktemp("shared") / "collection.anki2"
    history = make_history(path, notes_per_deck=40)
    oracles, cutoff = _oracles(path)
    with anki_connect_server(path) as url:
        yield Served(history, url, oracles, cutoff)


@pytest.fixture
def fresh(tmp_path) -> Served:
    """A history of its own behind a server of its own: tests may change it."""
    path = tmp_path / "anki" / "collection.anki2"
    path.parent.mkdir()
    history = make_history(path, notes_per_deck=12, reviews_per_card=10)
    oracles, cutoff = _oracles(path)
    with anki_connect_server(path) as url:
        yield Served(history, url, oracles, cutoff)


@pytest.fixture
def companion_home(tmp_path, monkeypatch) -> Path:
    """ATLAS_ANKI_HOME in the test's folder; no AnkiConnect settings from the environment."""
    folder = tmp_path / "home"
    monkeypatch.setenv("ATLAS_ANKI_HOME", str(folder))
    monkeypatch.delenv("ANKICONNECT_URL", raising=False)
    monkeypatch.delenv("ANKICONNECT_KEY", raising=False)
    return folder
