"""The local store: a SQLite file per deck under ``ATLAS_ANKI_HOME`` caching the review log.

It holds the deck's review-log rows, which cards belong to the deck now and which note each
is on, the tags of the deck's notes (the namespaces synced), the retag undo log and the
speed-draw plans and results. A sync is written in one transaction: a sync killed half-way
leaves the file as it was.

The retention queries aggregate in SQL exactly like :mod:`companion.core.retention` does in
Python (the tests hold the two, and Anki, to the same numbers).
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Mapping, Sequence

from companion.core.retention import DAY, RECALL_WINDOWS, DayClock, Review, Tally, tally_of
from companion.core.speed_draw import Result
from companion.core.tags import child_of
from companion.errors import StoreError

SCHEMA_VERSION = 1
CHUNK = 50_000  # rows per INSERT batch

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
    elapsed_ms INTEGER               -- since the card's previous rated answer
);
CREATE INDEX IF NOT EXISTS revlog_card ON revlog (cid, id);
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

# The rows Anki's True Retention table counts (see companion.core.retention.counts).
COUNTED = ("r.ease > 0 AND NOT (r.type = 3 AND r.factor = 0) "
           "AND (r.type = 1 OR r.last_ivl <= -86400 OR r.last_ivl >= 1)")


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
            db.execute("CREATE TEMP TABLE IF NOT EXISTS touched (cid INTEGER PRIMARY KEY)")
            db.execute("DELETE FROM touched")
            for start in range(0, len(batch.reviews), CHUNK):
                _insert_reviews(db, batch.reviews[start:start + CHUNK])
            _update_elapsed(db)
            db.execute("UPDATE cards SET member = 0 WHERE member = 1")
            db.executemany("INSERT INTO cards (cid, member) VALUES (?, 1) "
                           "ON CONFLICT (cid) DO UPDATE SET member = 1", ((c,) for c in batch.members))
            db.executemany("INSERT INTO cards (cid, nid, member) VALUES (?, ?, 0) "
                           "ON CONFLICT (cid) DO UPDATE SET nid = excluded.nid",
                           batch.card_notes.items())
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
        reviews = self._db.execute("SELECT count(*) FROM revlog r JOIN cards c ON c.cid = r.cid AND c.member = 1").fetchone()[0]
        cards = self._db.execute("SELECT count(*) FROM cards WHERE member = 1").fetchone()[0]
        notes = self._db.execute("SELECT count(DISTINCT nid) FROM cards WHERE member = 1").fetchone()[0]
        synced = self._meta("synced_at")
        return StoreSummary(reviews, cards, notes, self.watermark(), int(synced) if synced else None)

    def reviews(self) -> list[Review]:
        """Every cached row of the deck's cards (for tests and small decks)."""
        rows = self._db.execute(
            "SELECT r.id, r.cid, r.ease, r.ivl, r.last_ivl, r.factor, r.time, r.type FROM revlog r "
            "JOIN cards c ON c.cid = r.cid AND c.member = 1 ORDER BY r.id")
        return [Review(*row) for row in rows]

    # -- retention ------------------------------------------------------------------------

    def day_tallies(self, clock: DayClock, tag: str | None = None) -> dict[int, Tally]:
        """Counted reviews per review day (days ago) of the deck, or of a tag subtree in it."""
        grouped = self._tallies(clock, "''", tag)
        return grouped.get("", {})

    def group_day_tallies(self, clock: DayClock, root: str, tag: str | None = None) -> dict[str, dict[int, Tally]]:
        """Counted reviews per review day for each child tag of ``root`` (``atlas::phase`` → each phase)."""
        groups: dict[str, str] = {}  # folded -> spelling
        pairs: list[tuple[int, str]] = []
        for nid, spelled in self._db.execute(
                "SELECT nid, tag FROM note_tags WHERE substr(folded, 1, ?) = ?",
                (len(root) + 2, (root + "::").casefold())):
            child = child_of(spelled, root)
            if child is None:
                continue
            key = child.casefold()
            groups.setdefault(key, child)
            pairs.append((nid, key))
        self._db.execute("CREATE TEMP TABLE IF NOT EXISTS note_group (nid INTEGER, grp TEXT, PRIMARY KEY (nid, grp)) WITHOUT ROWID")
        self._db.execute("DELETE FROM note_group")
        self._db.executemany("INSERT OR IGNORE INTO note_group VALUES (?, ?)", pairs)
        grouped = self._tallies(clock, "g.grp", tag, join="JOIN note_group g ON g.nid = c.nid")
        return {groups[key]: by_day for key, by_day in grouped.items()}

    def _tallies(self, clock: DayClock, group: str, tag: str | None, join: str = "") -> dict[str, dict[int, Tally]]:
        where, params = self._scope(tag)
        sql = (f"SELECT {group}, (? - 1 - r.id / 1000) / {DAY} AS days, r.last_ivl >= 21, r.ease = 1, count(*) "
               f"FROM revlog r JOIN cards c ON c.cid = r.cid AND c.member = 1 {join} "
               f"WHERE {COUNTED} AND r.id / 1000 >= 0 AND r.id / 1000 < ? {where} "
               f"GROUP BY 1, 2, 3, 4")
        result: dict[str, dict[int, Tally]] = {}
        for grp, days, mature, failed, n in self._db.execute(sql, (clock.next_day_start, clock.next_day_start, *params)):
            by_day = result.setdefault(grp, {})
            by_day[days] = by_day.get(days, Tally()) + tally_of(mature=bool(mature), failed=bool(failed), n=n)
        return result

    @staticmethod
    def _scope(tag: str | None) -> tuple[str, tuple[object, ...]]:
        if tag is None:
            return "", ()
        folded = tag.casefold()
        return ("AND c.nid IN (SELECT nid FROM note_tags WHERE folded = ? OR substr(folded, 1, ?) = ?)",
                (folded, len(folded) + 2, folded + "::"))

    def recall_tallies(self, clock: DayClock, first_day: int, last_day: int | None,
                       tag: str | None = None) -> dict[str, Tally]:
        """Counted reviews in a period by the time since the card's previous answer (24h/7d/30d)."""
        where, params = self._scope(tag)
        cases = " ".join(f"WHEN r.elapsed_ms >= {w.low * 1000} AND r.elapsed_ms < {w.high * 1000} THEN '{w.name}'"
                         for w in RECALL_WINDOWS)
        days = f"(? - 1 - r.id / 1000) / {DAY}"
        limit = f"AND {days} < {int(last_day)}" if last_day is not None else ""
        sql = (f"SELECT CASE {cases} END AS win, r.last_ivl >= 21, r.ease = 1, count(*) "
               f"FROM revlog r JOIN cards c ON c.cid = r.cid AND c.member = 1 "
               f"WHERE {COUNTED} AND r.id / 1000 >= 0 AND r.id / 1000 < ? AND {days} >= ? {limit} {where} "
               f"GROUP BY 1, 2, 3")
        args: list[object] = [clock.next_day_start, clock.next_day_start, first_day]
        if last_day is not None:
            args.append(clock.next_day_start)
        result = {w.name: Tally() for w in RECALL_WINDOWS}
        for win, mature, failed, n in self._db.execute(sql, (*args, *params)):
            if win is not None:
                result[win] = result[win] + tally_of(mature=bool(mature), failed=bool(failed), n=n)
        return result

    # -- notes ----------------------------------------------------------------------------

    def note_tags(self) -> dict[int, set[str]]:
        tags: dict[int, set[str]] = {}
        for nid, tag in self._db.execute("SELECT nid, tag FROM note_tags"):
            tags.setdefault(nid, set()).add(tag)
        return tags

    def note_answers(self, recent: int = 20) -> dict[int, NoteAnswers]:
        """Per note of the deck: first rated answer, its last counted answers, lapses."""
        first: dict[int, int] = {}
        lapses: dict[int, int] = {}
        totals: dict[int, tuple[int, int]] = {}
        for nid, first_id, n_lapses, n_passed, n_failed in self._db.execute(
                "SELECT c.nid, min(CASE WHEN r.ease > 0 THEN r.id END), "
                "sum(r.type = 1 AND r.ease = 1), "
                f"sum(({COUNTED}) AND r.ease != 1), sum(({COUNTED}) AND r.ease = 1) "
                "FROM revlog r JOIN cards c ON c.cid = r.cid AND c.member = 1 "
                "WHERE c.nid IS NOT NULL GROUP BY c.nid"):
            if first_id is not None:
                first[nid] = first_id
            lapses[nid] = n_lapses or 0
            totals[nid] = (n_passed or 0, n_failed or 0)
        answers: dict[int, list[bool]] = {}
        for nid, ease in self._db.execute(
                "SELECT nid, ease FROM (SELECT c.nid AS nid, r.id AS id, r.ease AS ease, "
                "row_number() OVER (PARTITION BY c.nid ORDER BY r.id DESC) AS k "
                "FROM revlog r JOIN cards c ON c.cid = r.cid AND c.member = 1 "
                f"WHERE c.nid IS NOT NULL AND {COUNTED}) WHERE k <= ? ORDER BY nid, id", (recent,)):
            answers.setdefault(nid, []).append(ease != 1)
        nids = set(first) | set(lapses)
        return {nid: NoteAnswers(nid, first.get(nid), tuple(answers.get(nid, ())), lapses.get(nid, 0),
                                 *totals.get(nid, (0, 0))) for nid in nids}

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


def _insert_reviews(db: sqlite3.Connection, reviews: Sequence[Review]) -> None:
    db.executemany("INSERT OR IGNORE INTO revlog (id, cid, ease, ivl, last_ivl, factor, time, type) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   ((r.id, r.cid, r.ease, r.ivl, r.last_ivl, r.factor, r.time, r.type) for r in reviews))
    db.executemany("INSERT OR IGNORE INTO temp.touched (cid) VALUES (?)", ((r.cid,) for r in reviews))


def _update_elapsed(db: sqlite3.Connection) -> None:
    """Time since the previous rated answer of the same card, for the cards this sync touched."""
    db.execute(
        "UPDATE revlog SET elapsed_ms = x.elapsed FROM ("
        "  SELECT id, id - max(CASE WHEN ease > 0 THEN id END) OVER ("
        "    PARTITION BY cid ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS elapsed"
        "  FROM revlog WHERE cid IN (SELECT cid FROM temp.touched)"
        ") AS x WHERE revlog.id = x.id AND revlog.elapsed_ms IS NOT x.elapsed")
