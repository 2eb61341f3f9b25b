"""Real Anki collections with a realistic review history, made with the ``anki`` package.

Used by the integration tests and by ``benchmarks/retention.py``. Everything is seeded: the
same arguments give the same notes and rows (relative to the collection's day cutoff).
"""

from __future__ import annotations

import random
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = "Atlas Distributed Systems"
PHASE_1 = "atlas::phase::1-foundations"
SUBDECKS = ("Guarantees::CAP", "Performance::Caching", "Companies::Netflix")
PHASES = {  # subdeck -> (phase tag, category, week on the intensive path)
    "": ("atlas::phase::1-foundations", "foundation", 1),
    "Guarantees::CAP": ("atlas::phase::1-foundations", "guarantees", 2),
    "Performance::Caching": ("atlas::phase::2-performance", "performance", 3),
    "Companies::Netflix": ("atlas::phase::3-companies", "systems", 7),
}
LEVELS = ("recognition", "recall", "application", "analysis")
DIAGRAMS = ("Raft leader election", "Read &amp; write <i>quorums</i>", "Consistent hashing ring",
            "Two-phase commit", "Netflix edge &amp; <b>Zuul</b>", "Cache-aside with TTL")
DAY_MS = 86_400_000


@dataclass
class History:
    path: Path
    day_cutoff: int  # Anki's next day start (epoch s) when the history was made
    notes: dict[str, list[int]] = field(default_factory=dict)  # subdeck -> note ids
    speed_draw: list[int] = field(default_factory=list)  # note ids of speed-draw notes
    occlusion: dict[int, list[int]] = field(default_factory=dict)  # diagram i -> its occlusion notes
    leech_notes: list[int] = field(default_factory=list)
    filtered_cards: list[int] = field(default_factory=list)
    member_reviews: int = 0
    decoy_reviews: int = 0


def open_collection(path: Path):
    from anki.collection import Collection

    return Collection(str(path))


def oracle(col, search: str) -> dict[str, dict[str, int]]:
    """Anki's own True Retention table for a search, keyed like ``retention --json``."""
    table = col._backend.graphs(search=search, days=0).true_retention
    names = {"today": "today", "yesterday": "yesterday", "week": "week", "month": "month", "year": "year",
             "all": "all_time"}
    return {ours: {k: getattr(getattr(table, theirs), k)
                   for k in ("young_passed", "young_failed", "mature_passed", "mature_failed")}
            for ours, theirs in names.items()}


def reviews_graph(col, search: str) -> dict[int, tuple[int, int]]:
    """Anki's own Reviews graph for a search: day (0 today, −1 yesterday …) → (answers, milliseconds)."""
    reviews = col._backend.graphs(search=search, days=0).reviews
    kinds = ("learn", "relearn", "young", "mature", "filtered")
    return {int(day): (sum(getattr(c, k) for k in kinds), sum(getattr(reviews.time[day], k) for k in kinds))
            for day, c in reviews.count.items()}


def make_history(path: Path, *, notes_per_deck: int = 30, reviews_per_card: int = 16, seed: int = 7,
                 rollover: int = 4, decoys: bool = True, speed_draw_notes: int = 6,
                 occlusion_notes: int = 0) -> History:
    """A collection at ``path``: the Atlas deck with subdecks, decoy decks, a filtered deck,
    notes tagged like the build tags them, and review-log rows of every kind.

    Speed-draw note ``i`` draws the page ``d{i}``; ``occlusion_notes`` occlusion notes per page
    (ids ``atlas-occlusion:d{i}#0:n{j}``) make each page a diagram of several notes.
    """
    from anki.collection import AddNoteRequest

    rng = random.Random(seed)
    col = open_collection(path)
    try:
        col.set_config("rollover", rollover)
        cutoff = col.sched.day_cutoff
        history = History(path, cutoff)
        basic = col.models.by_name("Basic")
        reversed_ = col.models.by_name("Basic (and reversed card)")
        requests = []
        for sub, (phase, category, week) in PHASES.items():
            did = col.decks.id(f"{ROOT}::{sub}" if sub else ROOT)
            for i in range(notes_per_deck):
                model = reversed_ if i % 5 == 0 else basic
                note = col.new_note(model)
                note["Front"], note["Back"] = f"{sub or 'root'} question {i}", f"answer {i}"
                note.tags = [phase, f"atlas::week::{week:02d}", "atlas::path::intensive",
                             f"atlas::category::{category}", f"atlas::level::{LEVELS[i % 4]}",
                             f"atlas::topic::{category}-{i % 3}", "atlas::card::qa", "interview-core"]
                requests.append((sub, AddNoteRequest(note=note, deck_id=did)))
        speed = _speed_draw_notetype(col)
        for i in range(speed_draw_notes):
            sub = list(PHASES)[i % len(PHASES)]
            phase, category, week = PHASES[sub]
            note = col.new_note(speed)
            note["Id"], note["Title"] = f"atlas-speed-draw:d{i}", DIAGRAMS[i % len(DIAGRAMS)]
            note["Diagram"] = "<img src='d.png'>"
            note.tags = [phase, f"atlas::week::{week:02d}", "atlas::path::intensive",
                         f"atlas::category::{category}", f"atlas::topic::{category}-d{i}", "atlas::card::speed-draw"]
            requests.append((sub, AddNoteRequest(note=note, deck_id=col.decks.id(f"{ROOT}::{sub}" if sub else ROOT))))
            occlusion = _occlusion_notetype(col) if occlusion_notes else None
            for j in range(occlusion_notes):
                note = col.new_note(occlusion)
                note["Id"] = f"atlas-occlusion:d{i}#0:n{j}"
                note["Diagram"], note["Answer"] = DIAGRAMS[i % len(DIAGRAMS)], f"node {j}"
                note.tags = [phase, f"atlas::week::{week:02d}", "atlas::path::intensive",
                             f"atlas::category::{category}", f"atlas::topic::{category}-d{i}", "atlas::card::occlusion"]
                requests.append((sub, AddNoteRequest(note=note, deck_id=col.decks.id(f"{ROOT}::{sub}" if sub else ROOT))))
        col.add_notes([r for _, r in requests])
        nids = [int(n) for n in col.find_notes("")]
        by_front = {}
        for nid in nids:
            note = col.get_note(nid)
            by_front[note["Front"] if "Front" in note else note["Id"]] = nid
        for sub in PHASES:
            history.notes[sub] = sorted(by_front[f"{sub or 'root'} question {i}"] for i in range(notes_per_deck))
        history.speed_draw = sorted(by_front[f"atlas-speed-draw:d{i}"] for i in range(speed_draw_notes))
        history.occlusion = {i: sorted(by_front[f"atlas-occlusion:d{i}#0:n{j}"] for j in range(occlusion_notes))
                             for i in range(speed_draw_notes)} if occlusion_notes else {}

        decoy_cards: list[int] = []
        if decoys:
            for deck_name in ("Other", f"{ROOT} Extra"):
                did = col.decks.id(deck_name)
                decoy_requests = []
                for i in range(10):
                    note = col.new_note(basic)
                    note["Front"], note["Back"] = f"{deck_name} {i}", "x"
                    note.tags = ["atlas::phase::1-foundations", "atlas::week::01"]
                    decoy_requests.append(AddNoteRequest(note=note, deck_id=did))
                col.add_notes(decoy_requests)
                decoy_cards += [int(c) for c in col.find_cards(f'"deck:{deck_name}" -"deck:{deck_name}::*"')]

        member_cards = [int(c) for c in col.find_cards(f'"deck:{ROOT}"')]
        now = int(time.time())
        rows = _rows(rng, member_cards, reviews_per_card, now)
        rows += _edge_rows(member_cards[0], member_cards[1], cutoff)
        history.member_reviews = len(rows)
        decoy_rows = _rows(rng, decoy_cards, reviews_per_card, now)
        decoy_rows += _rows(rng, [9_999_999_999_999], 20, now)  # a deleted card: rows stay in revlog
        history.decoy_reviews = len(decoy_rows)
        _insert(col, rows + decoy_rows)
        _set_card_state(col, rows)

        # leeches: lapses on two notes' cards; Anki's own leech tag on a third
        leeches = history.notes["Guarantees::CAP"][:2]
        for nid in leeches:
            col.db.execute("update cards set lapses = 7 where nid = ?", nid)
        tagged = col.get_note(history.notes["Performance::Caching"][0])
        tagged.tags.append("leech")
        col.update_note(tagged)
        history.leech_notes = sorted(leeches + [tagged.id])

        # a filtered deck outside the tree holding some of ours and some decoys
        cram = col.decks.new_filtered("Cram")
        ours = member_cards[5:12]
        history.filtered_cards = sorted(ours)
        moved = ours + decoy_cards[:3]
        col.db.execute(f"update cards set odid = did, odue = due, did = ? where id in ({','.join(map(str, moved))})", cram)
        return history
    finally:
        col.close()


def _speed_draw_notetype(col):
    """A note type shaped like the build's "Atlas Speed Draw" (Id first, Title second)."""
    models = col.models
    model = models.new("Atlas Speed Draw")
    for name in ("Id", "Title", "Diagram"):
        models.add_field(model, models.new_field(name))
    template = models.new_template("Speed draw")
    template["qfmt"], template["afmt"] = "{{Title}}", "{{Title}}<hr id=answer>{{Diagram}}"
    models.add_template(model, template)
    models.add(model)
    return models.by_name("Atlas Speed Draw")


def _occlusion_notetype(col):
    """A note type shaped like the build's "Atlas Diagram Occlusion" (Id first, Diagram second)."""
    models = col.models
    existing = models.by_name("Atlas Diagram Occlusion")
    if existing:
        return existing
    model = models.new("Atlas Diagram Occlusion")
    for name in ("Id", "Diagram", "Answer"):
        models.add_field(model, models.new_field(name))
    template = models.new_template("Occlusion")
    template["qfmt"], template["afmt"] = "{{Diagram}}", "{{Diagram}}<hr id=answer>{{Answer}}"
    models.add_template(model, template)
    models.add(model)
    return models.by_name("Atlas Diagram Occlusion")


def _rows(rng: random.Random, cards: list[int], per_card: int, now: int) -> list[tuple]:
    """Review-log rows of every kind over up to two years before ``now`` (epoch s); unique ids."""
    rows = []
    for cid in cards:
        n = max(1, int(rng.gauss(per_card, per_card / 3)))
        start_days = rng.choice((2, 6, 20, 45, 120, 400, 700))
        times = sorted(rng.uniform(0, start_days) for _ in range(n))
        for j, days_ago in enumerate(reversed(times)):
            t = int((now - days_ago * 86_400) * 1000) - 60_000
            rows.append((t, cid, *_kind(rng, j)))
    seen = set()
    unique = []
    for row in rows:
        rid = row[0]
        while rid in seen:
            rid += 1
        seen.add(rid)
        unique.append((rid, *row[1:]))
    return unique


def _kind(rng: random.Random, j: int) -> tuple[int, int, int, int, int, int, int]:
    """``(usn, ease, ivl, lastIvl, factor, time, type)`` for the j-th answer of a card."""
    ease = rng.choices((1, 2, 3, 4), (12, 10, 70, 8))[0]
    if j == 0:
        return (-1, ease, -600, rng.choice((0, -60, -600)), 0, 5000, 0)  # learning, not counted
    roll = rng.random()
    if roll < 0.08:  # learning with a step of a day or more: counted
        return (-1, ease, 1, rng.choice((-86_400, -172_800, -86_399)), 2500, 4000, 0)
    if roll < 0.62:  # review: young or mature
        last = rng.choice((1, 2, 4, 7, 12, 20, 21, 22, 35, 60, 120))
        return (-1, ease, last * 2, last, 2500, 6000, 1)
    if roll < 0.72:  # relearning: after a step (not counted) or with the review interval (counted)
        return (-1, ease, 1, rng.choice((-600, 3, 25)), 2300, 7000, 2)
    if roll < 0.82:  # filtered deck: cramming (factor 0, not counted) or rescheduling
        return (-1, ease, 3, rng.choice((0, 5, 30, -600)), rng.choice((0, 2500)), 3000, 3)
    if roll < 0.9:  # manual: set due date / reset (no rating, not counted)
        return (-1, 0, 10, 5, rng.choice((0, 2500)), 0, 4)
    if roll < 0.95:  # rescheduled on FSRS change
        return (-1, 0, 12, 9, 2500, 0, 5)
    return (-1, ease, 5, rng.choice((-5, 0)), 2500, 4000, 1)  # a review with an odd last interval: counted


def _edge_rows(a: int, b: int, cutoff: int) -> list[tuple]:
    """Rows on the period boundaries, two answers of one card on one day, one in the future."""
    start_today = (cutoff - 86_400) * 1000
    return [
        (start_today, a, -1, 3, 30, 21, 2500, 100, 1),  # first ms of today: today, mature
        (start_today - 1, a, -1, 1, 1, 20, 2500, 100, 1),  # last ms of yesterday, young, failed
        (start_today - 3 * 3_600_000, b, -1, 3, 4, 2, 2500, 100, 1),  # two answers of one card
        (start_today - 2 * 3_600_000, b, -1, 1, 1, 4, 2500, 100, 1),  # on one day (yesterday)
        ((cutoff - 7 * 86_400) * 1000, a, -1, 3, 40, 22, 2500, 100, 1),  # first ms of the week
        ((cutoff - 7 * 86_400) * 1000 - 1, a, -1, 3, 40, 22, 2500, 100, 1),  # just outside it
        ((cutoff - 30 * 86_400) * 1000, b, -1, 4, 40, 22, 2500, 100, 1),
        ((cutoff - 365 * 86_400) * 1000 - 1, b, -1, 2, 40, 22, 2500, 100, 1),
        (cutoff * 1000 + 5_000, a, -1, 3, 9, 4, 2500, 100, 1),  # in the future: in no period
    ]


def _insert(col, rows: list[tuple]) -> None:
    col.db.executemany("insert into revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type) "
                       "values (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def _set_card_state(col, rows: list[tuple]) -> None:
    """Cards answered become review cards with the last interval and the lapses of their rows."""
    last: dict[int, tuple] = {}
    lapses: dict[int, int] = {}
    reps: dict[int, int] = {}
    for row in sorted(rows):
        cid = row[1]
        last[cid] = row
        reps[cid] = reps.get(cid, 0) + (row[3] > 0)
        if row[8] == 1 and row[3] == 1:
            lapses[cid] = lapses.get(cid, 0) + 1
    updates = [(max(1, r[4]) if r[4] > 0 else 1, reps[cid], min(lapses.get(cid, 0), 5), cid) for cid, r in last.items()]
    col.db.executemany("update cards set type = 2, queue = 2, ivl = ?, due = 100, reps = ?, lapses = ? where id = ?", updates)


def make_bulk(path: Path, *, notes: int, reviews: int, seed: int = 11) -> int:
    """A big collection for the benchmark: ``notes`` notes over the subdecks, ``reviews`` rows.

    Returns the day cutoff. Rows are spread over three years, of every kind (see ``_kind``).
    """
    from anki.collection import AddNoteRequest

    rng = random.Random(seed)
    col = open_collection(path)
    try:
        basic = col.models.by_name("Basic")
        requests = []
        subs = list(PHASES)
        for i in range(notes):
            sub = subs[i % len(subs)]
            phase, category, week = PHASES[sub]
            note = col.new_note(basic)
            note["Front"], note["Back"] = f"question {i}", "answer"
            note.tags = [phase, f"atlas::week::{week:02d}", "atlas::path::intensive", f"atlas::category::{category}",
                         f"atlas::level::{LEVELS[i % 4]}", f"atlas::topic::{category}-{i % 25}", "atlas::card::qa"]
            requests.append(AddNoteRequest(note=note, deck_id=col.decks.id(f"{ROOT}::{sub}" if sub else ROOT)))
        col.add_notes(requests)
        cards = [int(c) for c in col.find_cards(f'"deck:{ROOT}"')]
        now_ms = int(time.time()) * 1000 - 60_000
        span = 3 * 365 * DAY_MS
        ids = rng.sample(range(now_ms - span, now_ms), reviews)
        rows = []
        per_card: dict[int, int] = {}
        for rid in sorted(ids):
            cid = cards[rng.randrange(len(cards))]
            j = per_card.get(cid, 0)
            per_card[cid] = j + 1
            rows.append((rid, cid, *_kind(rng, j)))
        cutoff = col.sched.day_cutoff
    finally:
        col.close()
    # a million rows through the anki package's db proxy take minutes: write them with sqlite3
    db = sqlite3.connect(path)
    with db:
        db.executemany("insert into revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type) "
                       "values (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    db.close()
    return cutoff
