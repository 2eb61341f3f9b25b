"""The undo log of ``apply-options``, kept with the learner's records (``records.sqlite``).

Before ``apply-options`` changes anything it writes what was there: each deck's preset id and
the whole JSON of every preset it will change; then, as it creates presets, their ids. That is
all ``--undo`` needs to put back exactly what was there, and it cannot be rebuilt from Anki, so
it lives in the records (never deleted), not in the rebuildable review cache.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from companion.sqlitefile import guarded
from companion.records import RecordsFile

SCHEMA = """
CREATE TABLE IF NOT EXISTS options_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    deck TEXT NOT NULL,              -- the deck's key (name casefolded)
    at INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'applied', 'undone')),
    decks TEXT NOT NULL,             -- JSON: deck name -> preset id before the run
    presets TEXT NOT NULL,           -- JSON: the presets the run changed, as they were
    created TEXT NOT NULL            -- JSON: ids of the presets the run created
);
CREATE INDEX IF NOT EXISTS options_runs_deck ON options_runs (deck, id);
"""



@dataclass(frozen=True)
class OptionsRun:
    id: int
    at: int
    state: str
    decks: Mapping[str, int]  # deck -> its preset id before the run
    presets: Sequence[Mapping[str, Any]]  # the changed presets' JSON before the run
    created: Sequence[int]  # presets the run created


class OptionsLog(RecordsFile):
    """The ``apply-options`` runs of one deck (rows keyed by its casefolded name)."""

    SCHEMA = SCHEMA

    @guarded
    def start(self, at: int, decks: Mapping[str, int], presets: Sequence[Mapping[str, Any]]) -> int:
        """Log what a run is about to change; the run is 'pending' until :meth:`set_state`."""
        with self._transaction() as db:
            run = db.execute("INSERT INTO options_runs (deck, at, state, decks, presets, created) "
                             "VALUES (?, ?, 'pending', ?, ?, '[]')",
                             (self.deck, at, json.dumps(dict(decks), sort_keys=True), json.dumps(list(presets)))
                             ).lastrowid
        assert run is not None
        return run

    @guarded
    def add_created(self, run: int, preset_id: int) -> None:
        with self._transaction() as db:
            (created,) = db.execute("SELECT created FROM options_runs WHERE id = ?", (run,)).fetchone()
            db.execute("UPDATE options_runs SET created = ? WHERE id = ?",
                       (json.dumps([*json.loads(created), preset_id]), run))

    @guarded
    def set_state(self, run: int, state: str) -> None:
        with self._transaction() as db:
            db.execute("UPDATE options_runs SET state = ? WHERE id = ? AND deck = ?", (state, run, self.deck))

    @guarded
    def last(self) -> OptionsRun | None:
        """The deck's latest run not undone yet (applied, or pending: interrupted part-way)."""
        row = self._db.execute("SELECT id, at, state, decks, presets, created FROM options_runs "
                               "WHERE deck = ? AND state != 'undone' ORDER BY id DESC LIMIT 1",
                               (self.deck,)).fetchone()
        if row is None:
            return None
        run, at, state, decks, presets, created = row
        return OptionsRun(run, at, state, json.loads(decks), json.loads(presets), json.loads(created))
