"""The plan's manual metrics (``record``), kept with the learner's records (``records.sqlite``).

Assessments, mock interviews, component listings, verbal explanations and application problems
are made by the learner and cannot be rebuilt from Anki: they live in the records, never in the
review cache, one table beside the speed-draw results (:mod:`companion.records`).
"""

from __future__ import annotations

import datetime as dt

from companion.sqlitefile import guarded
from companion.core.measures import Measure, validate
from companion.core.retention import iso_week
from companion.errors import UsageError
from companion.records import RecordsFile

SCHEMA = """
CREATE TABLE IF NOT EXISTS measures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    deck TEXT NOT NULL,              -- the deck's key (name casefolded)
    kind TEXT NOT NULL,              -- assessment, mock-interview, component-listing, verbal, problem
    at INTEGER NOT NULL,             -- epoch seconds
    week TEXT NOT NULL,              -- ISO week of the review day
    score REAL,                      -- NULL: a mock interview without a score
    out_of REAL,
    passed INTEGER,                  -- mock interviews: 1 passed, 0 not
    seconds INTEGER,
    nid INTEGER,
    label TEXT
);
CREATE INDEX IF NOT EXISTS measures_deck ON measures (deck, at);
"""



class MeasureLog(RecordsFile):
    """The manual metrics of one deck (rows keyed by its casefolded name)."""

    SCHEMA = SCHEMA

    @guarded
    def add(self, m: Measure) -> None:
        self._db.execute(
            "INSERT INTO measures (deck, kind, at, week, score, out_of, passed, seconds, nid, label) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (self.deck, m.kind, m.at, m.week, m.score, m.out_of, None if m.passed is None else int(m.passed),
             m.seconds, m.nid, m.label))

    @guarded
    def all(self) -> list[Measure]:
        return [Measure(kind, at, week, score, out_of, None if passed is None else bool(passed), seconds, nid, label)
                for kind, at, week, score, out_of, passed, seconds, nid, label in self._db.execute(
                    "SELECT kind, at, week, score, out_of, passed, seconds, nid, label FROM measures "
                    "WHERE deck = ? ORDER BY at, id", (self.deck,))]


def new_measure(kind: str, *, at: int, today: dt.date, score: float | None, out_of: float | None,
                passed: bool | None = None, seconds: int | None = None, nid: int | None = None,
                label: str | None = None) -> Measure:
    """A measure to record, or :class:`UsageError` saying what to change."""
    try:
        validate(kind, score, out_of)
    except ValueError as e:
        raise UsageError(str(e)) from e
    return Measure(kind, at, iso_week(today), score, out_of, passed, seconds, nid, (label or "").strip() or None)
