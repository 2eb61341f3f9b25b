"""The SQLite review cache: all-or-nothing syncs, SQL aggregates equal to the pure maths."""

from __future__ import annotations

import dataclasses
import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap

import pytest

import companion.cache as store_module
from companion.core.retention import (
    PERIODS,
    DayClock,
    Review,
    Tally,
    counts,
    elapsed_since_previous_answer,
    is_mature,
    passed,
    period,
    period_tallies,
    recall_window,
    tally_by_day,
    tally_of,
)
from companion.cache import ReviewCache, SyncBatch
from companion.errors import CacheError
from companion.home import Home, cache_file_name

NEXT = 1_795_924_800
CLOCK = DayClock(NEXT, 0, 4)


def random_reviews(n: int, cards: int, seed: int = 3) -> list[Review]:
    rng = random.Random(seed)
    ids = rng.sample(range((NEXT - 500 * 86_400) * 1000, (NEXT + 86_400) * 1000), n)
    return [Review(i, rng.randrange(cards), rng.choice((0, 1, 2, 3, 4)), rng.randrange(-700, 400),
                   rng.choice((-172_800, -86_400, -86_399, -600, 0, 1, 5, 20, 21, 22, 90)),
                   rng.choice((0, 2500)), rng.randrange(10_000), rng.choice((0, 1, 2, 3, 4, 5, 9)))
            for i in ids]


def batch(reviews, members, notes=None, tags=None, watermark=None) -> SyncBatch:
    return SyncBatch(reviews, frozenset(members), notes if notes is not None else {c: 1000 + c for c in members},
                     tags or {}, watermark if watermark is not None else max((r.id for r in reviews), default=0), 1)


@pytest.fixture
def store(tmp_path):
    with ReviewCache(tmp_path / "cache.sqlite3") as s:
        yield s


def test_sql_aggregates_equal_the_pure_maths(store):
    reviews = random_reviews(20_000, 60)
    members = set(range(50))  # ten cards left the deck: their rows must not count
    store.apply_sync(batch(reviews, members))
    mine = [r for r in reviews if r.cid in members]
    assert store.day_tallies(CLOCK) == tally_by_day(mine, CLOCK)
    store.apply_sync(batch([], set(range(10, 60))))  # membership changes: ten cards out, ten in
    assert store.day_tallies(CLOCK) == tally_by_day([r for r in reviews if r.cid >= 10], CLOCK)


def test_tag_subtrees_and_groups(store):
    reviews = random_reviews(5_000, 6)
    tags = {1000: frozenset({"atlas::phase::1-x", "Atlas::Level::recall"}), 1001: frozenset({"atlas::phase::2-y"}),
            1002: frozenset({"atlas::phase::1-x::deeper"}), 1003: frozenset({"atlas::phases::1"})}
    store.apply_sync(batch(reviews, range(6), tags=tags))

    def of(cards):
        return tally_by_day([r for r in reviews if r.cid in cards], CLOCK)

    assert store.day_tallies(CLOCK, "ATLAS::phase::1-x") == of({0, 2})
    assert store.day_tallies(CLOCK, "atlas::phase") == of({0, 1, 2})
    assert store.day_tallies(CLOCK, "atlas::level::RECALL") == of({0})
    for p in PERIODS:
        def total(cards):
            return period_tallies(of(cards))[p.name]

        assert store.group_tallies(CLOCK, "atlas::phase", p) == {"atlas::phase::1-x": total({0, 2}),
                                                                  "atlas::phase::2-y": total({1})}, p
        assert store.group_tallies(CLOCK, "atlas::phase", p, tag="atlas::level") == {
            "atlas::phase::1-x": total({0}), "atlas::phase::2-y": Tally()}, p


def test_day_numbers_follow_the_clock(store):
    reviews = random_reviews(5_000, 5)
    store.apply_sync(batch(reviews, range(5)))
    for clock in (CLOCK, DayClock(NEXT + 3 * 3600, 0, 7), DayClock(NEXT - 8 * 3600, -8 * 3600, 20), CLOCK):
        assert store.day_tallies(clock) == tally_by_day(reviews, clock)
    more = [r for r in random_reviews(200, 5, seed=8) if r.id not in {x.id for x in reviews}]
    store.apply_sync(batch(more, range(5)))  # new rows numbered with the last clock's phase
    assert store.day_tallies(CLOCK) == tally_by_day(reviews + more, CLOCK)


def test_elapsed_times_and_recall_windows(store):
    reviews = random_reviews(3_000, 20)
    store.apply_sync(batch(reviews[:2_000], range(20)))
    store.apply_sync(batch(reviews[2_000:], range(20)))  # the second sync recomputes the cards it touched
    elapsed = elapsed_since_previous_answer(reviews)
    assert dict(store._db.execute("SELECT id, elapsed_ms FROM revlog")) == elapsed
    for p in (period("month"), period("all")):
        expected = {"24h": Tally(), "7d": Tally(), "30d": Tally()}
        for r in reviews:
            days, window = CLOCK.days_ago(r.id), recall_window(elapsed[r.id])
            if window and counts(r) and days is not None and p.contains(days):
                expected[window] = expected[window] + tally_of(mature=is_mature(r), failed=not passed(r))
        assert store.recall_tallies(CLOCK, p) == expected


def test_membership_follows_the_last_sync_and_rows_are_never_duplicated(store):
    reviews = random_reviews(100, 4)
    assert store.apply_sync(batch(reviews, {0, 1, 2, 3})) == 100
    assert store.apply_sync(batch(reviews[:50], {0, 1}, notes={})) == 0
    summary = store.summary()
    assert (summary.cards, summary.reviews) == (2, sum(1 for r in reviews if r.cid in {0, 1}))
    assert store.members() == {0, 1}
    assert store.mapped_cards() == {0, 1, 2, 3}
    assert store.member_notes() == {1000, 1001}


def test_the_watermark_never_goes_back(store):
    store.apply_sync(batch(random_reviews(10, 2), {0, 1}, watermark=500))
    store.apply_sync(batch([], {0, 1}, watermark=100))
    assert store.watermark() == 500


def test_a_sync_that_fails_half_way_leaves_the_store_as_it_was(store, monkeypatch):
    first = random_reviews(1_000, 10, seed=1)
    store.apply_sync(batch(first, range(10), tags={1000: frozenset({"atlas::weak"})}))
    before = (store.summary(), store.note_tags(), store.members(), store.watermark())

    monkeypatch.setattr(store_module, "CHUNK", 100)
    real = store_module._insert_reviews
    calls = []

    def failing(db, rows):
        calls.append(len(rows))
        if len(calls) == 3:
            raise KeyboardInterrupt  # the user pressed Ctrl-C between two batches
        real(db, rows)

    monkeypatch.setattr(store_module, "_insert_reviews", failing)
    second = [r for r in random_reviews(1_000, 12, seed=2) if r.id not in {x.id for x in first}]
    with pytest.raises(KeyboardInterrupt):
        store.apply_sync(batch(second, range(12), tags={}))
    assert calls == [100, 100, 100]
    assert (store.summary(), store.note_tags(), store.members(), store.watermark()) == before


def test_a_sync_killed_mid_way_leaves_the_file_consistent(tmp_path):
    path = tmp_path / "cache.sqlite3"
    with ReviewCache(path) as s:
        s.apply_sync(batch(random_reviews(500, 5, seed=1), range(5)))
        before = s.summary()
    script = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {os.path.dirname(__file__)!r})
        import companion.cache as m
        from test_review_store import batch, random_reviews
        m.CHUNK = 200
        real = m._insert_reviews
        def slow(db, rows):
            real(db, rows)
            print("batch written", flush=True)
            time.sleep(60)
        m._insert_reviews = slow
        from pathlib import Path
        with m.ReviewCache(Path({str(path)!r})) as s:
            s.apply_sync(batch(random_reviews(2000, 8, seed=9), range(8)))
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline() == "batch written\n"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with ReviewCache(path) as s:
        assert s.summary() == before
        assert s._db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_a_rebuild_replaces_everything_or_nothing(store, monkeypatch):
    first = random_reviews(1_000, 10, seed=1)
    store.apply_sync(batch(first, range(10), tags={1000: frozenset({"atlas::weak"})}))
    before = (store.summary(), store.note_tags(), store.members(), store.watermark(), store.reviews())
    second = random_reviews(500, 5, seed=2)
    rebuild = dataclasses.replace(batch(second, range(5), tags={1001: frozenset({"atlas::now::week"})}),
                                  replace=True, deck="Atlas")

    monkeypatch.setattr(store_module, "CHUNK", 100)
    real = store_module._insert_reviews
    calls = []

    def failing(db, rows):
        calls.append(len(rows))
        if len(calls) == 3:
            raise KeyboardInterrupt
        real(db, rows)

    monkeypatch.setattr(store_module, "_insert_reviews", failing)
    with pytest.raises(KeyboardInterrupt):
        store.apply_sync(rebuild)
    assert (store.summary(), store.note_tags(), store.members(), store.watermark(), store.reviews()) == before
    assert store.deck_name() is None

    monkeypatch.setattr(store_module, "_insert_reviews", real)
    assert store.apply_sync(rebuild) == 500
    assert store.reviews() == sorted(second, key=lambda r: r.id)
    assert store.note_tags() == {1001: {"atlas::now::week"}}
    assert (store.members(), store.watermark(), store.deck_name()) == (frozenset(range(5)), max(r.id for r in second),
                                                                      "Atlas")
    assert store.day_tallies(CLOCK) == tally_by_day(second, CLOCK)


def test_a_rebuild_killed_while_writing_leaves_the_old_cache(tmp_path):
    path = tmp_path / "cache.sqlite3"
    with ReviewCache(path) as s:
        s.apply_sync(batch(random_reviews(500, 5, seed=1), range(5)))
        before = (s.summary(), s.reviews())
    script = textwrap.dedent(f"""
        import dataclasses, sys, time
        sys.path.insert(0, {os.path.dirname(__file__)!r})
        import companion.cache as m
        from test_review_store import batch, random_reviews
        m.CHUNK = 200
        real = m._insert_reviews
        def slow(db, rows):
            real(db, rows)
            print("batch written", flush=True)
            time.sleep(60)
        m._insert_reviews = slow
        from pathlib import Path
        with m.ReviewCache(Path({str(path)!r})) as s:
            s.apply_sync(dataclasses.replace(batch(random_reviews(2000, 8, seed=9), range(8)), replace=True))
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline() == "batch written\n"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with ReviewCache(path) as s:
        assert (s.summary(), s.reviews()) == before


def test_one_cache_file_per_deck_whatever_the_letter_case(tmp_path):
    home = Home(tmp_path)
    assert home.cache_file("Atlas Distributed Systems") == tmp_path / "cache" / "atlas-distributed-systems-62862fa5.sqlite"
    assert home.cache_file("atlas DISTRIBUTED systems") == home.cache_file("Atlas Distributed Systems")  # as in Anki
    assert home.cache_file("Atlas Distributed Systems Extra") != home.cache_file("Atlas Distributed Systems")
    assert home.cache_file("Straße") == home.cache_file("STRASSE")  # casefold, not lower
    assert cache_file_name("日本語").startswith("deck-")


def test_a_cache_from_another_version_is_refused_with_the_fix(tmp_path):
    path = tmp_path / "cache.sqlite3"
    ReviewCache(path).close()
    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET value = '99' WHERE key = 'schema'")
    db.commit()
    db.close()
    with pytest.raises(CacheError) as e:
        ReviewCache(path)
    assert str(e.value) == (f"{path} was written by another version of atlas-anki (schema 99): delete it and run "
                            f"again to rebuild the cache from Anki")


def test_a_file_that_is_not_a_database(tmp_path):
    path = tmp_path / "cache.sqlite3"
    path.write_bytes(b"not a database, just text" * 100)
    with pytest.raises(CacheError) as e:
        ReviewCache(path)
    assert str(e.value) == (f"the review cache {path} is damaged (file is not a database): delete that file, it is "
                            f"rebuilt from Anki on the next sync")
