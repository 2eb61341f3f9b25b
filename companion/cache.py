"""The review cache: one SQLite file per deck, rebuilt from Anki whenever it is deleted.

It holds the deck's review-log rows, which cards belong to the deck now and which note each
is on, the tags of the deck's notes (the namespaces synced), the page each diagram note draws
on (``report``), and the deck's name as Anki spells it. Nothing the learner made lives here (see :mod:`companion.records`): deleting the
file costs one full sync, nothing else. A sync is written in one transaction, and so is a
rebuild (``--resync``): interrupted or killed, either leaves the file as it was.

Each row carries what the reports group by, so that they read one index and never join:
``cell`` says whether Anki's True Retention table counts the row and in which cell (decided
in Python by :func:`companion.core.retention.counts`), ``member`` whether its card is in the
deck now, ``nid`` its note, and ``dayno`` its review day (numbered for the rollover and
time-zone offset of the last report, renumbered when those change). The tests hold the SQL
aggregates to the pure maths, and both to Anki's own numbers.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from companion.sqlitefile import SqliteFile, guarded
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
from companion.core.report_days import DayActivity, graph_day_ids
from companion.core.tags import child_of
from companion.errors import CacheError
from companion.sqlite_errors import Failure, classify

SCHEMA_VERSION = 1
CHUNK = 50_000  # rows per INSERT batch
BULK = 100_000  # rows from which a sync rebuilds the indexes instead of updating them
INDEX_CARD = "CREATE INDEX IF NOT EXISTS revlog_card ON revlog (cid, id)"
# What the reports read: counted rows of the deck's cards, by day, cell and note.
INDEX_COUNTED = ("CREATE INDEX IF NOT EXISTS revlog_counted ON revlog (dayno, cell, nid) "
                 "WHERE member = 1 AND cell IS NOT NULL")
# What the weekly report reads: each note's rated answers in time order (its first answer, its
# last counted ones before a moment), and the lapses (review rows answered Again) of each card.
INDEX_NOTE = "CREATE INDEX IF NOT EXISTS revlog_note ON revlog (nid, id, cell) WHERE member = 1 AND ease > 0"
INDEX_LAPSE = "CREATE INDEX IF NOT EXISTS revlog_lapse ON revlog (cid, nid) WHERE member = 1 AND type = 1 AND ease = 1"
INDEXES = {"revlog_card": INDEX_CARD, "revlog_counted": INDEX_COUNTED, "revlog_note": INDEX_NOTE,
           "revlog_lapse": INDEX_LAPSE}

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
""" + ";\n".join(INDEXES.values()) + """;
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
CREATE TABLE IF NOT EXISTS note_diagrams (
    nid INTEGER PRIMARY KEY,
    diagram TEXT,                    -- the page its id names; NULL: the note is no diagram's
    title TEXT NOT NULL,
    speed_draw INTEGER NOT NULL      -- 1: the page's speed-draw note (its title is the diagram's)
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
    deck: str | None = None  # the deck's name as Anki spells it
    replace: bool = False  # a rebuild: everything cached before is dropped in the same transaction


@dataclass(frozen=True)
class CacheSummary:
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


def cache_error(path: Path, e: sqlite3.DatabaseError) -> CacheError:
    failure = classify(e)
    if failure is Failure.FULL:
        return CacheError(f"no space left for the review cache {path}: free some space and run again "
                          f"(the cache is as it was)")
    if failure is Failure.BUSY:
        return CacheError(f"the review cache {path} is in use by another atlas-anki command: run again when "
                          f"it has finished")
    if failure is Failure.ACCESS:
        return CacheError(f"cannot write the review cache {path} ({e}): make {path.parent} writable, or set "
                          f"ATLAS_ANKI_HOME to another folder")
    return CacheError(f"the review cache {path} is damaged ({e}): delete that file, it is rebuilt from Anki "
                      f"on the next sync")


class ReviewCache(SqliteFile):
    """One deck's review cache; every method raises :class:`CacheError` when SQLite fails."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)

    def error(self, e: sqlite3.DatabaseError) -> Exception:
        return cache_error(self.path, e)

    def setup(self) -> None:
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.executescript(SCHEMA)
        version = self._meta("schema")
        if version is None:
            self._set_meta("schema", str(SCHEMA_VERSION))
        elif version != str(SCHEMA_VERSION):
            if not version.isdigit():
                raise CacheError(f"the review cache {self.path} is damaged (its schema version is {version!r}): "
                                 f"delete that file, it is rebuilt from Anki on the next sync")
            raise CacheError(f"{self.path} was written by another version of atlas-anki (schema {version}): "
                             f"delete it and run again to rebuild the cache from Anki")

    def _meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def _meta_int(self, key: str) -> int:
        value = self._meta(key)
        if value is None:
            return 0
        try:
            return int(value)
        except ValueError:
            raise CacheError(f"the review cache {self.path} is damaged (its {key} is {value!r}): delete that "
                             f"file, it is rebuilt from Anki on the next sync") from None

    def _set_meta(self, key: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # -- sync -----------------------------------------------------------------------------

    @guarded
    def watermark(self) -> int:
        return self._meta_int("watermark")

    @guarded
    def deck_name(self) -> str | None:
        """The deck's name as Anki spelt it at the last sync."""
        return self._meta("deck")

    @guarded
    def members(self) -> frozenset[int]:
        return frozenset(r[0] for r in self._db.execute("SELECT cid FROM cards WHERE member = 1"))

    @guarded
    def member_notes(self) -> frozenset[int]:
        return frozenset(r[0] for r in self._db.execute(
            "SELECT DISTINCT nid FROM cards WHERE member = 1 AND nid IS NOT NULL"))

    @guarded
    def mapped_cards(self) -> frozenset[int]:
        return frozenset(r[0] for r in self._db.execute("SELECT cid FROM cards WHERE nid IS NOT NULL"))

    @guarded
    def apply_sync(self, batch: SyncBatch) -> int:
        """Write a sync: new rows, membership, card→note map, tags, watermark. All or nothing.

        With ``batch.replace`` the rows, cards and tags cached before are dropped first, in the
        same transaction. Returns how many review rows were new to the cache.
        """
        with self._transaction() as db:
            if batch.replace:
                for table in ("revlog", "cards", "note_tags", "note_diagrams"):
                    db.execute(f"DELETE FROM {table}")
                db.execute("DELETE FROM meta WHERE key IN ('watermark', 'synced_at')")
            before = db.execute("SELECT count(*) FROM revlog").fetchone()[0]
            old_members = frozenset(r[0] for r in db.execute("SELECT cid FROM cards WHERE member = 1"))
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
                for name in INDEXES:
                    db.execute(f"DROP INDEX {name}")
            for start in range(0, len(rows), CHUNK):
                _insert_reviews(db, rows[start:start + CHUNK])
            if bulk:
                for index in INDEXES.values():
                    db.execute(index)
            _update_elapsed(db, seen)  # cards with earlier rows: recompute across old and new

            db.execute("DELETE FROM note_tags")
            db.executemany("INSERT OR IGNORE INTO note_tags (nid, tag, folded) VALUES (?, ?, ?)",
                           ((nid, tag, tag.casefold()) for nid, tags in batch.note_tags.items() for tag in tags))
            self._set_meta("watermark", str(max(batch.watermark, self._meta_int("watermark"))))
            self._set_meta("synced_at", str(batch.synced_at))
            if batch.deck is not None:
                self._set_meta("deck", batch.deck)
            added = db.execute("SELECT count(*) FROM revlog").fetchone()[0] - before
        return added

    @guarded
    def summary(self) -> CacheSummary:
        reviews = self._db.execute("SELECT count(*) FROM revlog WHERE member = 1").fetchone()[0]
        cards = self._db.execute("SELECT count(*) FROM cards WHERE member = 1").fetchone()[0]
        notes = self._db.execute("SELECT count(DISTINCT nid) FROM cards WHERE member = 1").fetchone()[0]
        synced = self._meta("synced_at")
        return CacheSummary(reviews, cards, notes, self._meta_int("watermark"),
                            self._meta_int("synced_at") if synced else None)

    @guarded
    def reviews(self) -> list[Review]:
        """Every cached row of the deck's cards (for tests and small decks)."""
        rows = self._db.execute("SELECT id, cid, ease, ivl, last_ivl, factor, time, type FROM revlog "
                                "WHERE member = 1 ORDER BY id")
        return [Review(*row) for row in rows]

    @guarded
    def card_notes(self) -> dict[int, int]:
        """The deck's cards (as of the last sync) and their notes."""
        return dict(self._db.execute("SELECT cid, nid FROM cards WHERE member = 1 AND nid IS NOT NULL"))

    @guarded
    def review_answer_times(self, since_ms: int = 0) -> tuple[int, int]:
        """``(answers, total ms)`` of the deck's rated review answers (type 1) from ``since_ms`` on."""
        n, total = self._db.execute("SELECT count(*), coalesce(sum(time), 0) FROM revlog WHERE member = 1 "
                                    "AND type = 1 AND ease > 0 AND id >= ?", (since_ms,)).fetchone()
        return int(n), int(total)

    # -- retention ------------------------------------------------------------------------

    def _day_phase(self) -> int:
        return self._meta_int("day_phase")

    def _renumber_days(self, clock: DayClock) -> None:
        """Number review days for this clock's rollover and offset, if the last report used others."""
        phase = clock.next_day_start % DAY
        if phase != self._day_phase():
            with self._transaction() as db:
                db.execute("UPDATE revlog SET dayno = CASE WHEN id > -1000 THEN " + _DAYNO + " END", (phase,))
                self._set_meta("day_phase", str(phase))

    @guarded
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

    @guarded
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

    @guarded
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

    # -- the weekly report -----------------------------------------------------------------

    @guarded
    def activity(self, clock: DayClock, first: int, last: int) -> dict[int, DayActivity]:
        """Days ``first..last`` of Anki's Reviews graph (0 today, −1 yesterday; both ≤ 0), as
        :func:`companion.core.report_days.activity_by_day` counts them: the rows Anki's graph
        counts, their buttons and time, and the cards answered for the first time."""
        low, high = graph_day_ids(clock.next_day_start, first, last)
        rows = self._db.execute(
            "SELECT (id / 1000 - ?) / 86400 AS day, count(*), sum(ease = 1), sum(ease = 2), sum(ease = 3), "
            f"sum(ease = 4), sum({_ANSWER_MS}), sum(CASE WHEN type NOT IN (1, 2, 3) THEN {_ANSWER_MS} ELSE 0 END), "
            "sum(ease > 0 AND elapsed_ms IS NULL) FROM revlog "
            "WHERE member = 1 AND type NOT IN (4, 5) AND id >= ? AND id < ? GROUP BY day",
            (clock.next_day_start, low, high))
        return {day: DayActivity(clock.date_of(-day), *counts) for day, *counts in rows}

    @guarded
    def reviewed_on(self, clock: DayClock, day: int) -> bool:
        """Whether Anki's Reviews graph has anything on ``day`` (0 today, −1 yesterday …)."""
        low, high = graph_day_ids(clock.next_day_start, day, day)
        return bool(self._db.execute("SELECT EXISTS (SELECT 1 FROM revlog WHERE id >= ? AND id < ? AND member = 1 "
                                     "AND type NOT IN (4, 5))", (low, high)).fetchone()[0])

    @guarded
    def tallies_between(self, clock: DayClock, period: Period) -> dict[int, Tally]:
        """Counted reviews per review day (days ago) in ``period``: :meth:`day_tallies` for a few days."""
        self._renumber_days(clock)
        low, high = self._dayno_range(clock, period)
        today = (clock.next_day_start - clock.next_day_start % DAY) // DAY
        by_day: dict[int, Tally] = {}
        for dayno, cell, n in self._db.execute(
                "SELECT dayno, cell, count(*) FROM revlog WHERE member = 1 AND cell IS NOT NULL "
                "AND dayno > ? AND dayno <= ? GROUP BY dayno, cell", (low, high)):
            by_day[today - dayno] = by_day.get(today - dayno, Tally()) + _tally(cell, n)
        return by_day

    @guarded
    def first_answers(self, nids: Iterable[int]) -> dict[int, int | None]:
        """Each note's first rated answer (ms), None when none of its cards was answered."""
        self._temp_ids(nids)
        return dict(self._db.execute(
            "SELECT t.id, (SELECT min(id) FROM revlog WHERE nid = t.id AND member = 1 AND ease > 0) "
            "FROM temp.report_ids t"))

    @guarded
    def recent_answers(self, nids: Iterable[int], before_ms: int, recent: int = 20,
                       ) -> dict[int, tuple[int | None, int, int]]:
        """Each note's first rated answer and how many of its last ``recent`` counted answers before
        ``before_ms`` passed: ``(first, passed, answers)``, what ``retag``'s status needs at any moment."""
        self._temp_ids(nids)
        rows = self._db.execute(
            "SELECT t.id, (SELECT min(id) FROM revlog WHERE nid = t.id AND member = 1 AND ease > 0), "
            "(SELECT 1000 * total(cell % 2 = 0) + count(*) FROM (SELECT cell FROM revlog "
            "WHERE nid = t.id AND member = 1 AND ease > 0 AND cell IS NOT NULL AND id < ? ORDER BY id DESC LIMIT ?)) "
            "FROM temp.report_ids t", (before_ms, recent))
        return {nid: (first, int(packed) // 1000, int(packed) % 1000) for nid, first, packed in rows}

    @guarded
    def tags_below(self, roots: Sequence[str], exact: Sequence[str] = ()) -> dict[int, set[str]]:
        """The deck's notes' tags below any of ``roots`` (``atlas::category`` → its children), and
        the ``exact`` ones (``leech``): a part of :meth:`note_tags`, one row per note."""
        terms = ["(folded > ? AND folded < ?)"] * len(roots) + ["folded = ?"] * len(exact)
        params = [f.casefold() for r in roots for f in (r + "::", r + ":;")] + [t.casefold() for t in exact]
        return {nid: set(tags.split(" ")) for nid, tags in self._db.execute(  # Anki's tags hold no spaces
            f"SELECT nid, group_concat(tag, ' ') FROM note_tags WHERE {' OR '.join(terms)} GROUP BY nid", params)}

    @guarded
    def lapsed_cards(self, min_lapses: int, since_ms: int, until_ms: int) -> list[tuple[int, int | None, int, int]]:
        """``(card, note, lapses, lapses since since_ms)`` of the deck's cards with ``min_lapses``+
        lapses (review rows answered Again) before ``until_ms``, most first."""
        return self._db.execute(
            "SELECT cid, nid, count(*) AS n, sum(id >= ?) FROM revlog WHERE member = 1 AND type = 1 AND ease = 1 "
            "AND id < ? GROUP BY cid HAVING n >= ? ORDER BY n DESC, cid", (since_ms, until_ms, min_lapses)).fetchall()

    @guarded
    def diagram_notes(self) -> dict[int, tuple[str | None, str, bool]]:
        """Note → (page, title, is its speed-draw note) for the notes mapped so far (page None: no diagram's)."""
        return {nid: (page, title, bool(speed)) for nid, page, title, speed in
                self._db.execute("SELECT nid, diagram, title, speed_draw FROM note_diagrams")}

    @guarded
    def save_diagram_notes(self, rows: Iterable[tuple[int, str | None, str, bool]]) -> None:
        with self._transaction() as db:
            db.executemany("INSERT OR REPLACE INTO note_diagrams (nid, diagram, title, speed_draw) VALUES (?, ?, ?, ?)",
                           ((nid, page, title, int(speed)) for nid, page, title, speed in rows))

    def _temp_ids(self, ids: Iterable[int]) -> None:
        with self._transaction() as db:  # one transaction, not one per row
            db.execute("CREATE TEMP TABLE IF NOT EXISTS report_ids (id INTEGER PRIMARY KEY)")
            db.execute("DELETE FROM temp.report_ids")
            db.executemany("INSERT OR IGNORE INTO temp.report_ids VALUES (?)", ((int(i),) for i in ids))

    # -- notes ----------------------------------------------------------------------------

    @guarded
    def note_tags(self) -> dict[int, set[str]]:
        tags: dict[int, set[str]] = {}
        for nid, tag in self._db.execute("SELECT nid, tag FROM note_tags"):
            tags.setdefault(nid, set()).add(tag)
        return tags

    @guarded
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


# A row's answer time as Anki reads it: an unsigned 32-bit number, anything else 0.
_ANSWER_MS = "CASE WHEN time BETWEEN 0 AND 4294967295 THEN time ELSE 0 END"

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
