"""Benchmark the companion: retention over 1,000,000 cached reviews against Anki's own ``graphs``
call on the same collection, and the HTTP requests a 10,000-note ``retag`` makes.

    .venv/bin/python benchmarks/retention.py [--reviews 1000000] [--notes 10000]

Part 1 builds a collection of ``--notes`` notes and ``--reviews`` review-log rows with the
``anki`` package, times Anki's ``graphs(search='deck:"…"', days=0)`` (the call behind its
statistics screen, True Retention table included), loads the same rows into the companion's
cache, and times (a) the True Retention table alone and (b) the whole ``retention`` report
(periods, ISO weeks, four tag breakdowns, 24h/7d/30d recall, KR5). Goal: ratio ≤ 1×. It also
checks that the two tables are identical. Then (c) the whole ``report`` (built, rendered as
text and as JSON) and ``report --month``, with every note mapped to a diagram of ten notes as
a synced ``--atlas`` deck has them. Goal: ≤ 1 s each. Their days are checked against Anki's
own Reviews graph.

Part 2 builds a 10,000-note collection with a lighter history, serves it with
``anki-connect-server`` on loopback and counts the HTTP requests of a first ``retag`` (cold
cache: full sync, card-to-note mapping, apply), a second one (nothing to change) and an undo.
Goal: ≤ 20 requests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "companion"))  # the collection factory and the server runner

from ankiconnect_server import anki_connect_server  # noqa: E402
from review_history import ROOT, make_bulk, open_collection, oracle, reviews_graph  # noqa: E402

from companion.client import AnkiConnect  # noqa: E402
from companion.core.retention import Review, day_clock, period_tallies  # noqa: E402
from companion.report import build, local_offset  # noqa: E402
from companion.cache import ReviewCache as Store, SyncBatch  # noqa: E402
from companion.home import prepare  # noqa: E402
from companion.store import DeckStore  # noqa: E402


def median_time(func, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def load_cache(collection: Path, store: Store) -> int:
    """Put the deck's rows, cards, notes and tags into the cache, as a sync would."""
    col = open_collection(collection)
    try:
        cards = {int(c) for c in col.find_cards(f'"deck:{ROOT}"')}
        card_notes = dict(col.db.all(f"select id, nid from cards where id in ({','.join(map(str, cards))})"))
        notes = set(card_notes.values())
        tags = {nid: frozenset(t for t in tag_text.split() if t.startswith("atlas::"))
                for nid, tag_text in col.db.all("select id, tags from notes")
                if nid in notes}
        rows = [Review(*r) for r in col.db.all(
            "select id, cid, ease, ivl, lastIvl, factor, time, type from revlog order by id")
            if r[1] in cards]
    finally:
        col.close()
    store.apply_sync(SyncBatch(rows, frozenset(cards), card_notes, tags, rows[-1].id, int(time.time())))
    return len(rows)


def part_one(folder: Path, notes: int, reviews: int, runs: int) -> None:
    print(f"Part 1: retention over {reviews:,} cached reviews ({notes:,} notes)")
    collection = folder / "big.anki2"
    t = time.perf_counter()
    make_bulk(collection, notes=notes, reviews=reviews)
    print(f"  built the collection with the anki package in {time.perf_counter() - t:.1f} s")

    col = open_collection(collection)
    try:
        search = f'deck:"{ROOT}"'
        col._backend.graphs(search=search, days=0)  # warm up
        anki_s, _ = median_time(lambda: col._backend.graphs(search=search, days=0), runs)
        anki_table = oracle(col, search)
        anki_graph = reviews_graph(col, search)
        cutoff = col.sched.day_cutoff
    finally:
        col.close()

    store = Store(folder / "cache.sqlite3")
    t = time.perf_counter()
    cached = load_cache(collection, store)
    print(f"  loaded {cached:,} rows into the cache in {time.perf_counter() - t:.1f} s")

    now = int(time.time())
    clock = day_clock(now, local_offset(now), 4)
    assert clock.next_day_start == cutoff, "the day rolled over during the benchmark: run it again"
    table_s, by_period = median_time(lambda: period_tallies(store.day_tallies(clock)), runs)
    report_s, _ = median_time(lambda: build(store, ROOT, clock), runs)
    ours = {name: tally.as_dict() for name, tally in by_period.items()}
    print(f"  Anki graphs(search, days=0), median of {runs}:   {anki_s * 1000:8.0f} ms")
    print(f"  companion True Retention table:              {table_s * 1000:8.0f} ms   "
          f"ratio {table_s / anki_s:.2f}x (goal <= 1x)")
    print(f"  companion whole retention report:            {report_s * 1000:8.0f} ms   "
          f"ratio {report_s / anki_s:.2f}x (goal <= 1x)")
    print(f"  tables identical: {'yes' if ours == anki_table else 'NO'}  "
          f"(all time: {sum(ours['all'].values()):,} counted reviews)")
    weekly_report(store, clock, now, anki_graph, runs)
    store.close()


def weekly_report(store: Store, clock, now: int, anki_graph: dict, runs: int) -> None:
    """``report`` and ``report --month`` over the cache, every ten notes one diagram."""
    from companion import report_render
    from companion.core.schedule import position
    from companion.report_weekly import build, choose_window
    from deckbuilder.loader import load_plan

    notes = sorted(store.member_notes())
    store.save_diagram_notes((nid, f"site/docs/page-{i // 10}.md", f"Diagram {i // 10}", i % 10 == 0)
                             for i, nid in enumerate(notes))
    plan = load_plan(HERE.parent / "cards" / "plan.yaml")
    pos = position(plan, clock.today - dt.timedelta(days=20), "intensive", clock.today)  # week 3
    for kind in ("week", "month"):
        window = choose_window(clock, pos, None, kind == "month")

        def whole_report():
            report = build(store, ROOT, clock, plan, pos, window, kind=kind, target=0.95, now=now)
            report_render.to_text(report)
            report_render.to_json(report)
            return report

        seconds, report = median_time(whole_report, runs)
        same = all((d.reviews, d.ms) == anki_graph.get((d.date - clock.today).days, (0, 0)) for d in report.days)
        label = "report" if kind == "week" else "report --month"
        print(f"  companion whole {label + ':':<29}{seconds * 1000:8.0f} ms   (goal <= 1000 ms; "
              f"{len(notes) // 10:,} diagrams; {report.window.days} days equal Anki's Reviews graph: "
              f"{'yes' if same else 'NO'})")


def part_two(folder: Path, notes: int) -> None:
    from companion.retag import retag, undo
    from companion.core.schedule import position
    from deckbuilder.loader import load_plan

    print(f"\nPart 2: HTTP requests of a {notes:,}-note retag")
    collection = folder / "retag.anki2"
    make_bulk(collection, notes=notes, reviews=notes * 5, seed=5)
    plan = load_plan(HERE.parent / "cards" / "plan.yaml")
    now = int(time.time())
    today = day_clock(now, local_offset(now), 4).today
    pos = position(plan, today - dt.timedelta(weeks=1), "intensive", today)  # week 2: phase 1
    with anki_connect_server(collection) as url, DeckStore(prepare(folder), ROOT) as store:
        for label in ("first run (cold cache)", "second run (nothing to change)"):
            client = AnkiConnect(url, timeout=120)
            t = time.perf_counter()
            outcome = retag(client, store, ROOT, plan, pos, now=now, target=0.95, dry_run=False)
            changed = sum(len(c.add) + len(c.remove) for c in outcome.diff.changes)
            print(f"  {label:<32} {client.requests_made:3d} requests  {changed:6,} tag changes  "
                  f"{time.perf_counter() - t:5.1f} s   (goal <= 20)")
        client = AnkiConnect(url, timeout=120)
        t = time.perf_counter()
        undo(client, store)
        print(f"  {'undo':<32} {client.requests_made:3d} requests  {'':6} {'':12}  {time.perf_counter() - t:5.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reviews", type=int, default=1_000_000)
    parser.add_argument("--notes", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="atlas-bench-") as tmp:
        part_one(Path(tmp), args.notes, args.reviews, args.runs)
        part_two(Path(tmp), args.notes)


if __name__ == "__main__":
    main()
