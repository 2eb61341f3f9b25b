"""The local store: a SQLite file per deck under ``ATLAS_ANKI_HOME`` caching the review log.

It holds the deck's review-log rows, which cards belong to the deck now and which note each
is on, the tags of the deck's notes (the namespaces synced), the retag undo log and the
speed-draw plans and results. A sync is written in one transaction: a sync killed half-way
leaves the file as it was.

Each row carries what the reports group by, so that they read one index and never join:
``cell`` says whether Anki's True Retention table counts the row and in which cell (decided
in Python by :func:`companion.core.retention.counts`), ``member`` whether its card is in the
deck now, ``nid`` its note, and ``dayno`` its review day (numbered for the rollover and
time-zone offset of the last report, renumbered when those change). The tests hold the SQL
aggregates to the pure maths, and both to Anki's own numbers.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Mapping, Sequence

from companion.core.retention import (
    DAY,
    RECALL_WINDOWS,
    DayClock,
    Period,
    Review,
    Tally,
    counts,
    elapsed_since_previous_answer,
    id_secs,
    is_mature,
    passed,
    tally_of,
)
from companion.core.speed_draw import Result
from companion.core.tags import child_of
from companion.errors import StoreError

SCHEMA_VERSION = 1
CHUNK = 50_000  # rows per INSERT batch
BULK = 100_000  # rows from which a sync rebuilds the indexes instead of updating them
INDEX_CARD = "CREATE INDEX IF NOT EXISTS revlog_card ON revlog (cid, id)"
# What the reports read: counted rows of the deck's cards, by day, cell and note.
INDEX_COUNTED = ("CREATE INDEX IF NOT EXISTS revlog_counted ON revlog (dayno, cell, nid) "
                 "WHERE member = 1 AND cell IS NOT NULL")

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS revlog (
    id INTEGER PRIMARY KEY,          -- epoch ms, Anki's revlog id
    cid INTEGER NOT NULL,
    ease INTEGER NOT NULL,
    ivl INTEGER NOT NULL,
    last_ivl INTEGER NOT NULL,
    factor INTEGER NOT NULL,
    time INTEGER NOT NULL,
    type INTEGER NOT NULL,
    nid INTEGER,                     -- the card's note, once known
    member INTEGER NOT NULL,         -- 1: the card is in the deck (as of the last sync)
    cell INTEGER,                    -- NULL: not counted; else 2 * mature + failed
    dayno INTEGER,                   -- review day number for meta.day_phase (NULL: before 1970)
    elapsed_ms INTEGER               -- since the card's previous rated answer
);
""" + INDEX_CARD + ";\n" + INDEX_COUNTED + """;
CREATE TABLE IF NOT EXISTS cards (
    cid INTEGER PRIMARY KEY,
    nid INTEGER,                     -- NULL until known
    member INTEGER NOT NULL          -- 1: in the deck (or its subdecks) at the last sync
);
CREATE INDEX IF NOT EXISTS cards_note ON cards (nid);
CREATE TABLE IF NOT EXISTS note_tags (
    nid INTEGER NOT NULL,
    tag TEXT NOT NULL,
    folded TEXT NOT NULL,            -- casefolded: Anki's tags ignore case
    PRIMARY KEY (nid, folded)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS note_tags_tag ON note_tags (folded);
CREATE TABLE IF NOT EXISTS retag_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    summary TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'applied', 'undone'))
);
CREATE TABLE IF NOT EXISTS retag_changes (
    run INTEGER NOT NULL REFERENCES retag_runs (id),
    op TEXT NOT NULL CHECK (op IN ('add', 'remove')),
    tag TEXT NOT NULL,
    nid INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS speed_draw_plans (
    week TEXT NOT NULL,
    nid INTEGER NOT NULL,
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    minutes INTEGER NOT NULL,
    planned_at INTEGER NOT NULL,
    PRIMARY KEY (week, nid)
);
CREATE TABLE IF NOT EXISTS speed_draw_results (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    nid INTEGER NOT NULL,
    at INTEGER NOT NULL,
    week TEXT NOT NULL,
    accuracy REAL NOT NULL,
    seconds INTEGER NOT NULL,
    limit_seconds INTEGER
);
"""

@dataclass(frozen=True)
class SyncBatch:
    """Everything one sync learned, written at once."""

    reviews: Sequence[Review]
    members: frozenset[int]  # the deck's cards now
    card_notes: Mapping[int, int]  # card id -> note id, for cards not mapped before
    note_tags: Mapping[int, frozenset[str]]  # every deck note's tags in the synced namespaces
    watermark: int  # the highest review id seen
    synced_at: int  # epoch seconds


@dataclass(frozen=True)
class StoreSummary:
    reviews: int
    cards: int
    notes: int
    watermark: int
    synced_at: int | None


@dataclass(frozen=True)
class NoteAnswers:
    nid: int
    first_answer: int | None
    recent: tuple[bool, ...]  # counted answers, oldest first (the last 20)
    lapses: int  # review rows answered Again
    passed: int  # counted answers, all time
    failed: int


@dataclass(frozen=True)
class RetagRun:
    id: int
    at: int
    summary: str
    state: str
    changes: tuple[tuple[str, str, int], ...]  # (op, tag, nid)


def store_path(home: Path, deck: str) -> Path:
    """One file per deck: a readable slug plus a short hash of the exact name."""
    slug = re.sub(r"[^a-z0-9]+", "-", deck.casefold()).strip("-")[:40] or "deck"
    digest = hashlib.sha256(deck.encode("utf-8")).hexdigest()[:8]
    return home / f"{slug}-{digest}.sqlite3"


class Store:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, isolation_level=None)
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA foreign_keys = ON")
            self._db.executescript(SCHEMA)
            version = self._meta("schema")
            if version is None:
                self._set_meta("schema", str(SCHEMA_VERSION))
            elif int(version) != SCHEMA_VERSION:
                raise StoreError(f"{path} was written by another version of atlas-anki (schema {version}): "
                                 f"delete it and run again to rebuild the cache from Anki")
        except sqlite3.DatabaseError as e:
            raise StoreError(f"cannot open the review cache {path}: {e}: delete the file to rebuild it "
                             f"from Anki, or set ATLAS_ANKI_HOME to a writable folder") from e

    @classmethod
    def for_deck(cls, home: Path, deck: str) -> Store:
        return cls(store_path(home, deck))

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def _set_meta(self, key: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # -- sync -----------------------------------------------------------------------------

    def watermark(self) -> int:
        return int(self._meta("watermark") or 0)

    def members(self) -> frozenset[int]:
        return frozenset(r[0] for r in self._db.execute("SELECT cid FROM cards WHERE member = 1"))

    def member_notes(self) -> frozenset[int]:
        return frozenset(r[0] for r in self._db.execute(
            "SELECT DISTINCT nid FROM cards WHERE member = 1 AND nid IS NOT NULL"))

    def mapped_cards(self) -> frozenset[int]:
        return frozenset(r[0] for r in self._db.execute("SELECT cid FROM cards WHERE nid IS NOT NULL"))

    def apply_sync(self, batch: SyncBatch) -> int:
        """Write a sync: new rows, membership, card→note map, tags, watermark. All or nothing.

        Returns how many review rows were new to the store.
        """
        before = self._db.execute("SELECT count(*) FROM revlog").fetchone()[0]
        with self._transaction() as db:
            old_members = self.members()
            db.execute("UPDATE cards SET member = 0 WHERE member = 1")
            db.executemany("INSERT INTO cards (cid, member) VALUES (?, 1) "
                           "ON CONFLICT (cid) DO UPDATE SET member = 1", ((c,) for c in batch.members))
            db.executemany("INSERT INTO cards (cid, nid, member) VALUES (?, ?, 0) "
                           "ON CONFLICT (cid) DO UPDATE SET nid = excluded.nid", batch.card_notes.items())
            _mark(db, "member = 1", batch.members - old_members)
            _mark(db, "member = 0", old_members - batch.members)
            db.executemany("UPDATE revlog SET nid = ? WHERE cid = ? AND nid IS NOT ?",
                           ((nid, cid, nid) for cid, nid in batch.card_notes.items()))

            notes = dict(db.execute("SELECT cid, nid FROM cards WHERE nid IS NOT NULL"))
            cards = {r.cid for r in batch.reviews}
            seen = {cid for (cid,) in db.execute("SELECT DISTINCT cid FROM revlog WHERE cid IN "
                                                 "(SELECT value FROM json_each(?))", (_json_ids(cards),))}
            elapsed = elapsed_since_previous_answer(batch.reviews)
            phase = self._day_phase()
            rows = [(r.id, r.cid, r.ease, r.ivl, r.last_ivl, r.factor, r.time, r.type, notes.get(r.cid),
                     int(r.cid in batch.members), _cell(r), _dayno(r.id, phase), elapsed[r.id])
                    for r in batch.reviews]
            bulk = len(rows) >= BULK
            if bulk:  # building the indexes afterwards is much faster than updating them row by row
                db.execute("DROP INDEX revlog_card")
                db.execute("DROP INDEX revlog_counted")
            for start in range(0, len(rows), CHUNK):
                _insert_reviews(db, rows[start:start + CHUNK])
            if bulk:
                db.execute(INDEX_CARD)
                db.execute(INDEX_COUNTED)
            _update_elapsed(db, seen)  # cards with earlier rows: recompute across old and new

            db.execute("DELETE FROM note_tags")
            db.executemany("INSERT OR IGNORE INTO note_tags (nid, tag, folded) VALUES (?, ?, ?)",
                           ((nid, tag, tag.casefold()) for nid, tags in batch.note_tags.items() for tag in tags))
            self._set_meta("watermark", str(max(batch.watermark, self.watermark())))
            self._set_meta("synced_at", str(batch.synced_at))
            added = db.execute("SELECT count(*) FROM revlog").fetchone()[0] - before
        return added

    def clear(self) -> None:
        """Forget the cached reviews, cards and tags (a full sync follows). Logs stay."""
        with self._transaction() as db:
            for table in ("revlog", "cards", "note_tags"):
                db.execute(f"DELETE FROM {table}")
            db.execute("DELETE FROM meta WHERE key IN ('watermark', 'synced_at')")

    def summary(self) -> StoreSummary:
        reviews = self._db.execute("SELECT count(*) FROM revlog WHERE member = 1").fetchone()[0]
        cards = self._db.execute("SELECT count(*) FROM cards WHERE member = 1").fetchone()[0]
        notes = self._db.execute("SELECT count(DISTINCT nid) FROM cards WHERE member = 1").fetchone()[0]
        synced = self._meta("synced_at")
        return StoreSummary(reviews, cards, notes, self.watermark(), int(synced) if synced else None)

    def reviews(self) -> list[Review]:
        """Every cached row of the deck's cards (for tests and small decks)."""
        rows = self._db.execute("SELECT id, cid, ease, ivl, last_ivl, factor, time, type FROM revlog "
                                "WHERE member = 1 ORDER BY id")
        return [Review(*row) for row in rows]

    # -- retention ------------------------------------------------------------------------

    def _day_phase(self) -> int:
        return int(self._meta("day_phase") or 0)

    def _renumber_days(self, clock: DayClock) -> None:
        """Number review days for this clock's rollover and offset, if the last report used others."""
        phase = clock.next_day_start % DAY
        if phase != self._day_phase():
            with self._transaction() as db:
                db.execute("UPDATE revlog SET dayno = CASE WHEN id > -1000 THEN " + _DAYNO + " END", (phase,))
                self._set_meta("day_phase", str(phase))

    def day_tallies(self, clock: DayClock, tag: str | None = None) -> dict[int, Tally]:
        """Counted reviews per review day (days ago) of the deck, or of a tag subtree in it."""
        self._renumber_days(clock)
        where, params = self._scope(tag)
        today = (clock.next_day_start - clock.next_day_start % DAY) // DAY  # dayno of days ago 0
        by_day: dict[int, Tally] = {}
        for dayno, cell, n in self._db.execute(
                "SELECT dayno, cell, count(*) FROM revlog WHERE member = 1 AND cell IS NOT NULL "
                f"AND dayno <= ? {where} GROUP BY dayno, cell", (today, *params)):
            days = today - dayno
            by_day[days] = by_day.get(days, Tally()) + _tally(cell, n)
        return by_day

    def group_tallies(self, clock: DayClock, root: str, period: Period, tag: str | None = None) -> dict[str, Tally]:
        """Counted reviews in ``period`` for each child tag of ``root`` (``atlas::phase`` → each phase)."""
        self._renumber_days(clock)
        groups: dict[str, str] = {}  # folded -> spelling
        pairs: list[tuple[int, str]] = []
        for nid, spelled in self._db.execute(
                "SELECT nid, tag FROM note_tags WHERE substr(folded, 1, ?) = ?",
                (len(root) + 2, (root + "::").casefold())):
            child = child_of(spelled, root)
            if child is not None:
                groups.setdefault(child.casefold(), child)
                pairs.append((nid, child.casefold()))
        with self._transaction() as db:  # one transaction, not one per row
            db.execute("CREATE TEMP TABLE IF NOT EXISTS note_group (nid INTEGER, grp TEXT, PRIMARY KEY (nid, grp)) "
                       "WITHOUT ROWID")
            db.execute("DELETE FROM note_group")
            db.executemany("INSERT OR IGNORE INTO note_group VALUES (?, ?)", pairs)
        where, params = self._scope(tag, "r.")
        low, high = self._dayno_range(clock, period)
        result = {spelling: Tally() for spelling in groups.values()}
        for grp, cell, n in self._db.execute(
                "SELECT g.grp, r.cell, count(*) FROM revlog r JOIN note_group g ON g.nid = r.nid "
                f"WHERE r.member = 1 AND r.cell IS NOT NULL AND r.dayno > ? AND r.dayno <= ? {where} "
                "GROUP BY g.grp, r.cell", (low, high, *params)):
            result[groups[grp]] = result[groups[grp]] + _tally(cell, n)
        return result

    def recall_tallies(self, clock: DayClock, period: Period, tag: str | None = None) -> dict[str, Tally]:
        """Counted reviews in ``period`` by the time since the card's previous answer (24h/7d/30d)."""
        self._renumber_days(clock)
        where, params = self._scope(tag)
        low, high = self._dayno_range(clock, period)
        cases = " ".join(f"WHEN elapsed_ms >= {w.low * 1000} AND elapsed_ms < {w.high * 1000} THEN '{w.name}'"
                         for w in RECALL_WINDOWS)
        result = {w.name: Tally() for w in RECALL_WINDOWS}
        for window, cell, n in self._db.execute(
                f"SELECT CASE {cases} END AS win, cell, count(*) FROM revlog "
                f"WHERE member = 1 AND cell IS NOT NULL AND dayno > ? AND dayno <= ? {where} "
                "GROUP BY win, cell", (low, high, *params)):
            if window is not None:
                result[window] = result[window] + _tally(cell, n)
        return result

    @staticmethod
    def _dayno_range(clock: DayClock, period: Period) -> tuple[int, int]:
        """``(low, high]`` of day numbers for a period of days ago ``[first_day, last_day)``."""
        today = (clock.next_day_start - clock.next_day_start % DAY) // DAY
        low = today - period.last_day if period.last_day is not None else -1
        return low, today - period.first_day

    @staticmethod
    def _scope(tag: str | None, prefix: str = "") -> tuple[str, tuple[object, ...]]:
        if tag is None:
            return "", ()
        folded = tag.casefold()
        return (f"AND {prefix}nid IN (SELECT nid FROM note_tags WHERE folded = ? OR substr(folded, 1, ?) = ?)",
                (folded, len(folded) + 2, folded + "::"))

    # -- notes ----------------------------------------------------------------------------

    def note_tags(self) -> dict[int, set[str]]:
        tags: dict[int, set[str]] = {}
        for nid, tag in self._db.execute("SELECT nid, tag FROM note_tags"):
            tags.setdefault(nid, set()).add(tag)
        return tags

    def note_answers(self, recent: int = 20) -> dict[int, NoteAnswers]:
        """Per note of the deck: first rated answer, its last counted answers, lapses."""
        facts: dict[int, tuple[int | None, int, int, int]] = {}
        for nid, first_id, lapses, n_passed, n_failed in self._db.execute(
                "SELECT nid, min(CASE WHEN ease > 0 THEN id END), sum(type = 1 AND ease = 1), "
                "sum(cell IN (0, 2)), sum(cell IN (1, 3)) "
                "FROM revlog WHERE member = 1 AND nid IS NOT NULL GROUP BY nid"):
            facts[nid] = (first_id, lapses or 0, n_passed or 0, n_failed or 0)
        answers: dict[int, list[bool]] = {}
        for nid, cell in self._db.execute(
                "SELECT nid, cell FROM (SELECT nid, id, cell, "
                "row_number() OVER (PARTITION BY nid ORDER BY id DESC) AS k "
                "FROM revlog WHERE member = 1 AND nid IS NOT NULL AND cell IS NOT NULL) "
                "WHERE k <= ? ORDER BY nid, id", (recent,)):
            answers.setdefault(nid, []).append(cell % 2 == 0)
        return {nid: NoteAnswers(nid, first, tuple(answers.get(nid, ())), lapses, passed, failed)
                for nid, (first, lapses, passed, failed) in facts.items()}

    # -- retag log ------------------------------------------------------------------------

    def start_retag(self, at: int, summary: str, operations: Iterable[tuple[str, str, Sequence[int]]]) -> int:
        with self._transaction() as db:
            run = db.execute("INSERT INTO retag_runs (at, summary, state) VALUES (?, ?, 'pending')",
                             (at, summary)).lastrowid
            db.executemany("INSERT INTO retag_changes (run, op, tag, nid) VALUES (?, ?, ?, ?)",
                           ((run, op, tag, nid) for op, tag, nids in operations for nid in nids))
        assert run is not None
        return run

    def set_retag_state(self, run: int, state: str) -> None:
        with self._transaction() as db:
            db.execute("UPDATE retag_runs SET state = ? WHERE id = ?", (state, run))

    def last_retag(self) -> RetagRun | None:
        """The latest run that was not undone (applied, or pending: sent but not confirmed)."""
        row = self._db.execute("SELECT id, at, summary, state FROM retag_runs WHERE state != 'undone' "
                               "ORDER BY id DESC LIMIT 1").fetchone()
        if row is None:
            return None
        changes = tuple(self._db.execute("SELECT op, tag, nid FROM retag_changes WHERE run = ? ORDER BY rowid",
                                         (row[0],)))
        return RetagRun(*row, changes=changes)

    # -- speed-draw -----------------------------------------------------------------------

    def save_speed_draw_plan(self, week: str, entries: Sequence[tuple[int, str, int]], at: int) -> None:
        """Replace the week's plan with ``(nid, title, minutes)`` entries in order."""
        with self._transaction() as db:
            db.execute("DELETE FROM speed_draw_plans WHERE week = ?", (week,))
            db.executemany("INSERT INTO speed_draw_plans VALUES (?, ?, ?, ?, ?, ?)",
                           ((week, nid, i, title, minutes, at) for i, (nid, title, minutes) in enumerate(entries)))

    def speed_draw_plan(self, week: str) -> list[tuple[int, str, int]]:
        return [tuple(r) for r in self._db.execute(  # type: ignore[misc]
            "SELECT nid, title, minutes FROM speed_draw_plans WHERE week = ? ORDER BY position", (week,))]

    def planned_minutes(self, nid: int) -> tuple[str, int] | None:
        """The latest plan that included the note: ``(week, minutes)``."""
        row = self._db.execute("SELECT week, minutes FROM speed_draw_plans WHERE nid = ? "
                               "ORDER BY week DESC LIMIT 1", (nid,)).fetchone()
        return (row[0], row[1]) if row else None

    def planned_title(self, nid: int) -> str | None:
        row = self._db.execute("SELECT title FROM speed_draw_plans WHERE nid = ? ORDER BY week DESC LIMIT 1",
                               (nid,)).fetchone()
        return row[0] if row else None

    def add_result(self, result: Result) -> None:
        with self._transaction() as db:
            db.execute("INSERT INTO speed_draw_results (nid, at, week, accuracy, seconds, limit_seconds) "
                       "VALUES (?, ?, ?, ?, ?, ?)",
                       (result.nid, result.at, result.week, result.accuracy, result.seconds, result.limit_seconds))

    def results(self) -> list[Result]:
        return [Result(*row) for row in self._db.execute(
            "SELECT nid, at, week, accuracy, seconds, limit_seconds FROM speed_draw_results ORDER BY at, id")]


# Review day number for a day phase (the rollover as seconds after midnight UTC, i.e. the next
# day start mod 86,400): days ago = today's number − this. Seconds truncate toward zero, as in Anki.
_DAYNO = "(id / 1000 + 86400 - ?) / 86400"


def _cell(review: Review) -> int | None:
    if not counts(review):
        return None
    return 2 * is_mature(review) + (not passed(review))


def _tally(cell: int, n: int) -> Tally:
    return tally_of(mature=cell >= 2, failed=cell % 2 == 1, n=n)


def _json_ids(ids: Iterable[int]) -> str:
    return "[" + ",".join(str(int(i)) for i in ids) + "]"


def _mark(db: sqlite3.Connection, assignment: str, cards: Iterable[int]) -> None:
    """Set a column on every cached row of these cards (membership changed)."""
    ids = _json_ids(cards)
    if ids != "[]":
        db.execute(f"UPDATE revlog SET {assignment} WHERE cid IN (SELECT value FROM json_each(?))", (ids,))


def _dayno(review_id: int, phase: int) -> int | None:
    """The review day number of a row (see ``_DAYNO``); None for rows before 1970."""
    return (id_secs(review_id) + DAY - phase) // DAY if review_id > -1000 else None


def _insert_reviews(db: sqlite3.Connection, rows: Sequence[tuple]) -> None:
    db.executemany("INSERT OR IGNORE INTO revlog (id, cid, ease, ivl, last_ivl, factor, time, type, nid, member, "
                   "cell, dayno, elapsed_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def _update_elapsed(db: sqlite3.Connection, cards: Iterable[int]) -> None:
    """Time since the previous rated answer, recomputed over all cached rows of these cards."""
    ids = _json_ids(cards)
    if ids == "[]":
        return
    db.execute(
        "UPDATE revlog SET elapsed_ms = x.elapsed FROM ("
        "  SELECT id, id - max(CASE WHEN ease > 0 THEN id END) OVER ("
        "    PARTITION BY cid ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS elapsed"
        "  FROM revlog WHERE cid IN (SELECT value FROM json_each(?))"
        ") AS x WHERE revlog.id = x.id AND revlog.elapsed_ms IS NOT x.elapsed", (ids,))
