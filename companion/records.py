"""The learner's records: ``ATLAS_ANKI_HOME/records.sqlite``, one file for every deck.

What is here was made by the learner and cannot be rebuilt from Anki: speed-draw plans and
results, and the retag undo log. The companion never deletes this file and none of its
messages tells anyone to; the review cache (:mod:`companion.cache`) is the file to delete.
Rows carry the deck's key (its name casefolded: Anki's deck names ignore case).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from companion.sqlitefile import SqliteFile, guarded
from companion.core.speed_draw import Result
from companion.errors import RecordsError
from companion.home import deck_key
from companion.sqlite_errors import Failure, classify

SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS retag_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    deck TEXT NOT NULL,              -- the deck's key (name casefolded)
    at INTEGER NOT NULL,
    summary TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'applied', 'undone'))
);
CREATE INDEX IF NOT EXISTS retag_runs_deck ON retag_runs (deck, id);
CREATE TABLE IF NOT EXISTS retag_changes (
    run INTEGER NOT NULL REFERENCES retag_runs (id),
    op TEXT NOT NULL CHECK (op IN ('add', 'remove')),
    tag TEXT NOT NULL,
    nid INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS retag_changes_run ON retag_changes (run);
CREATE TABLE IF NOT EXISTS speed_draw_plans (
    deck TEXT NOT NULL,
    week TEXT NOT NULL,
    nid INTEGER NOT NULL,
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    minutes INTEGER NOT NULL,
    planned_at INTEGER NOT NULL,
    PRIMARY KEY (deck, week, nid)
);
CREATE TABLE IF NOT EXISTS speed_draw_results (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    deck TEXT NOT NULL,
    nid INTEGER NOT NULL,
    at INTEGER NOT NULL,
    week TEXT NOT NULL,
    accuracy REAL NOT NULL,
    seconds INTEGER NOT NULL,
    limit_seconds INTEGER
);
CREATE INDEX IF NOT EXISTS speed_draw_results_deck ON speed_draw_results (deck, at);
"""



@dataclass(frozen=True)
class RetagRun:
    id: int
    at: int
    summary: str
    state: str
    changes: tuple[tuple[str, str, int], ...]  # (op, tag, nid)


def records_error(path: Path, e: sqlite3.DatabaseError) -> RecordsError:
    failure = classify(e)
    if failure is Failure.FULL:
        return RecordsError(f"no space left for your records {path}: free some space and run again "
                            f"(they are as they were)")
    if failure is Failure.BUSY:
        return RecordsError(f"your records {path} are in use by another atlas-anki command: run again when it "
                            f"has finished")
    if failure is Failure.ACCESS:
        return RecordsError(f"cannot write your records {path} ({e}): make {path.parent} writable")
    return RecordsError(f"your records {path} cannot be read ({e}): they cannot be rebuilt from Anki; restore the "
                        f"file from a backup, or move it away to start new records")


class RecordsFile(SqliteFile):
    """A table group in ``records.sqlite`` for one deck (rows keyed by its casefolded name):
    durable writes, and failures that never advise deleting the learner's records."""

    SCHEMA = ""

    def __init__(self, path: Path, deck: str) -> None:
        self.deck = deck_key(deck)
        super().__init__(path)

    def error(self, e: sqlite3.DatabaseError) -> Exception:
        return records_error(self.path, e)

    def setup(self) -> None:
        self._db.execute("PRAGMA synchronous = FULL")
        self._db.executescript(self.SCHEMA)


class Records(RecordsFile):
    """The records of one deck (``deck`` as typed; rows are keyed by its casefolded name)."""

    SCHEMA = SCHEMA

    def setup(self) -> None:
        self._db.execute("PRAGMA foreign_keys = ON")
        super().setup()
        version = self._meta("schema")
        if version is None:
            self._db.execute("INSERT INTO meta (key, value) VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        elif version != str(SCHEMA_VERSION):
            raise RecordsError(f"your records {self.path} were written by another version of atlas-anki (schema "
                               f"{version}): run that version, or update atlas-anki; the file is left as it is")

    def _meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    # -- retag log ------------------------------------------------------------------------

    @guarded
    def start_retag(self, at: int, summary: str, operations: Iterable[tuple[str, str, Sequence[int]]]) -> int:
        with self._transaction() as db:
            run = db.execute("INSERT INTO retag_runs (deck, at, summary, state) VALUES (?, ?, ?, 'pending')",
                             (self.deck, at, summary)).lastrowid
            db.executemany("INSERT INTO retag_changes (run, op, tag, nid) VALUES (?, ?, ?, ?)",
                           ((run, op, tag, nid) for op, tag, nids in operations for nid in nids))
        assert run is not None
        return run

    @guarded
    def set_retag_state(self, run: int, state: str) -> None:
        with self._transaction() as db:
            db.execute("UPDATE retag_runs SET state = ? WHERE id = ? AND deck = ?", (state, run, self.deck))

    @guarded
    def last_retag(self) -> RetagRun | None:
        """The deck's latest run that was not undone (applied, or pending: sent but not confirmed)."""
        row = self._db.execute("SELECT id, at, summary, state FROM retag_runs WHERE deck = ? AND state != 'undone' "
                               "ORDER BY id DESC LIMIT 1", (self.deck,)).fetchone()
        if row is None:
            return None
        changes = tuple(self._db.execute("SELECT op, tag, nid FROM retag_changes WHERE run = ? ORDER BY rowid",
                                         (row[0],)))
        return RetagRun(*row, changes=changes)

    # -- speed-draw -----------------------------------------------------------------------

    @guarded
    def save_speed_draw_plan(self, week: str, entries: Sequence[tuple[int, str, int]], at: int) -> None:
        """Replace the week's plan with ``(nid, title, minutes)`` entries in order."""
        with self._transaction() as db:
            db.execute("DELETE FROM speed_draw_plans WHERE deck = ? AND week = ?", (self.deck, week))
            db.executemany("INSERT INTO speed_draw_plans (deck, week, nid, position, title, minutes, planned_at) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?)",
                           ((self.deck, week, nid, i, title, minutes, at)
                            for i, (nid, title, minutes) in enumerate(entries)))

    @guarded
    def speed_draw_plan(self, week: str) -> list[tuple[int, str, int]]:
        return [tuple(r) for r in self._db.execute(  # type: ignore[misc]
            "SELECT nid, title, minutes FROM speed_draw_plans WHERE deck = ? AND week = ? ORDER BY position",
            (self.deck, week))]

    @guarded
    def planned_minutes(self, nid: int) -> tuple[str, int] | None:
        """The latest plan that included the note: ``(week, minutes)``."""
        row = self._db.execute("SELECT week, minutes FROM speed_draw_plans WHERE deck = ? AND nid = ? "
                               "ORDER BY week DESC LIMIT 1", (self.deck, nid)).fetchone()
        return (row[0], row[1]) if row else None

    @guarded
    def planned_title(self, nid: int) -> str | None:
        row = self._db.execute("SELECT title FROM speed_draw_plans WHERE deck = ? AND nid = ? "
                               "ORDER BY week DESC LIMIT 1", (self.deck, nid)).fetchone()
        return row[0] if row else None

    @guarded
    def add_result(self, result: Result) -> None:
        with self._transaction() as db:
            db.execute("INSERT INTO speed_draw_results (deck, nid, at, week, accuracy, seconds, limit_seconds) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?)", (self.deck, result.nid, result.at, result.week,
                                                        result.accuracy, result.seconds, result.limit_seconds))

    @guarded
    def results(self) -> list[Result]:
        return [Result(*row) for row in self._db.execute(
            "SELECT nid, at, week, accuracy, seconds, limit_seconds FROM speed_draw_results WHERE deck = ? "
            "ORDER BY at, id", (self.deck,))]

    # -- the first layout -----------------------------------------------------------------

    def adopt(self, old_store: Path) -> bool:
        """Copy the retag log and speed-draw plans and results of a first-layout store (one file
        per deck, records and reviews together) into these records, under this deck, in one
        transaction. Done once per file (by name); False when it was done before."""
        try:
            return self._adopt(old_store)
        except sqlite3.DatabaseError as e:
            if classify(e) is not Failure.DAMAGED:
                raise records_error(self.path, e) from e
            raise RecordsError(f"{old_store} (the store of an earlier atlas-anki) cannot be read ({e}): move it out "
                               f"of {old_store.parent} to go on without the speed-draw results and retag log it "
                               f"held") from e

    def _adopt(self, old_store: Path) -> bool:
        marker = f"adopted:{old_store.name}"
        if self._meta(marker) is not None:
            return False
        self._db.execute("ATTACH DATABASE ? AS old", (str(old_store),))
        try:
            with self._transaction() as db:
                for run_id, at, summary, state in db.execute(
                        "SELECT id, at, summary, state FROM old.retag_runs ORDER BY id").fetchall():
                    new_id = db.execute("INSERT INTO retag_runs (deck, at, summary, state) VALUES (?, ?, ?, ?)",
                                        (self.deck, at, summary, state)).lastrowid
                    db.execute("INSERT INTO retag_changes (run, op, tag, nid) SELECT ?, op, tag, nid "
                               "FROM old.retag_changes WHERE run = ? ORDER BY rowid", (new_id, run_id))
                db.execute("INSERT OR IGNORE INTO speed_draw_plans (deck, week, nid, position, title, minutes, "
                           "planned_at) SELECT ?, week, nid, position, title, minutes, planned_at "
                           "FROM old.speed_draw_plans", (self.deck,))
                db.execute("INSERT INTO speed_draw_results (deck, nid, at, week, accuracy, seconds, limit_seconds) "
                           "SELECT ?, nid, at, week, accuracy, seconds, limit_seconds FROM old.speed_draw_results "
                           "ORDER BY id", (self.deck,))
                db.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (marker, self.deck))
        finally:
            self._db.execute("DETACH DATABASE old")
        return True
