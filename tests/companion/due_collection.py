"""A real collection with cards due on every kind of day, and review histories FSRS can read.

Made with the ``anki`` package and seeded. Cards of the Atlas deck and its subdecks are left
new, or made review cards due from 6 days ago to 40 days ahead, interday and intraday
(re)learning cards (due times in seconds, on both sides of the day's end), buried cards (due
today and later), suspended cards and cards sitting in a filtered deck (their original due
date counts). A decoy deck outside the tree has due cards too. Answered cards get a review
log: most start with learning answers (a complete history), some start with a review (an
incomplete one, seeded from SM-2), some were reset or crammed in between.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from pathlib import Path

from deckbuilder.core.tags import CATEGORY, LEVEL, PHASE, TIER

ROOT = "Atlas Distributed Systems"
DECKS = {  # subdeck -> (phase tag value, category, tier tag value)
    "": ("1-foundations", "foundation", "1-foundations"),
    "Guarantees::CAP": ("1-foundations", "guarantees", "2-core-mechanisms"),
    "Performance::Caching": ("2-performance", "performance", "3-performance-and-costs"),
    "Companies::Netflix": ("3-companies", "systems", "5-company-deep-dives"),
}
LEVELS = ("recognition", "recall", "application", "analysis")
DAY = 86_400
COLLECTION_AGE = 1_500  # days


@dataclass
class DueCollection:
    path: Path
    day_cutoff: int
    today: int  # Anki's day number of today
    answered: list[int] = field(default_factory=list)  # card ids with a review log
    review_times_ms: list[tuple[int, int]] = field(default_factory=list)  # (id, time) of type-1 rated answers


def make_due_collection(path: Path, *, notes_per_deck: int = 30, seed: int = 5, rollover: int = 4) -> DueCollection:
    from anki.collection import AddNoteRequest, Collection

    rng = random.Random(seed)
    col = Collection(str(path))
    col.crt = col.crt - COLLECTION_AGE * DAY  # a collection in use for years: day numbers far from 0
    col.close()
    col = Collection(str(path))
    try:
        col.set_config("rollover", rollover)
        basic = col.models.by_name("Basic")
        requests = []
        for sub, (phase, category, tier) in DECKS.items():
            did = col.decks.id(f"{ROOT}::{sub}" if sub else ROOT)
            for i in range(notes_per_deck):
                note = col.new_note(basic)
                note["Front"], note["Back"] = f"{sub or 'root'} {i}", "x"
                note.tags = [PHASE.tag(phase), CATEGORY.tag(category), TIER.tag(tier), LEVEL.tag(LEVELS[i % 4])]
                requests.append(AddNoteRequest(note=note, deck_id=did))
        decoy = col.decks.id("Other")
        for i in range(15):
            note = col.new_note(basic)
            note["Front"], note["Back"] = f"other {i}", "x"
            note.tags = [PHASE.tag("1-foundations"), CATEGORY.tag("foundation")]
            requests.append(AddNoteRequest(note=note, deck_id=decoy))
        col.add_notes(requests)
        cutoff = col.sched.day_cutoff
        today = col.sched.today
        result = DueCollection(path, cutoff, today)
        ours = sorted(int(c) for c in col.find_cards(f'"deck:{ROOT}"'))
        others = sorted(int(c) for c in col.find_cards('"deck:Other"'))
        now = int(time.time())
        cram = col.decks.new_filtered("Cram")
        rows: list[tuple] = []
        for i, cid in enumerate(ours + others):
            kind = rng.random()
            if kind < 0.12:
                continue  # new
            rows += _history(rng, cid, now, i)
            if kind < 0.60:  # review
                _set(col, cid, type=2, queue=2, due=today + rng.randint(-6, 40), ivl=rng.randint(1, 60))
            elif kind < 0.68:  # interday learning
                _set(col, cid, type=1, queue=3, due=today + rng.randint(-1, 3), ivl=0)
            elif kind < 0.80:  # intraday (re)learning: due times around today's end
                _set(col, cid, type=rng.choice((1, 3)), queue=1, due=cutoff + rng.randint(-2 * DAY, 2 * DAY), ivl=0)
            elif kind < 0.88:  # buried: review or intraday learning
                if rng.random() < 0.7:
                    _set(col, cid, type=2, queue=rng.choice((-2, -3)), due=today + rng.randint(-1, 12), ivl=5)
                else:
                    _set(col, cid, type=1, queue=-3, due=cutoff + rng.randint(-DAY, 3 * DAY), ivl=0)
            elif kind < 0.93:  # suspended
                _set(col, cid, type=2, queue=-1, due=today + rng.randint(0, 20), ivl=8)
            else:  # a review card in the filtered deck: its original due counts
                col.db.execute("update cards set type = 2, queue = 2, ivl = 9, odid = did, odue = ?, did = ?, "
                               "due = ? where id = ?", today + rng.randint(-2, 25), cram, -100_000 + i, cid)
            if cid in ours:
                result.answered.append(cid)
        _unique_insert(col, rows)
        member_rows = [r for r in rows if r[1] in set(ours)]
        result.review_times_ms = [(r[0], r[7]) for r in member_rows if r[8] == 1 and r[3] > 0]
        return result
    finally:
        col.close()


def _set(col, cid: int, **fields: int) -> None:
    assignments = ", ".join(f"{k} = ?" for k in fields)
    col.db.execute(f"update cards set {assignments} where id = ?", *fields.values(), cid)


def _history(rng: random.Random, cid: int, now: int, i: int) -> list[tuple]:
    """``(id, cid, usn, ease, ivl, lastIvl, factor, time, type)`` rows ending before ``now``."""
    start = now - rng.randint(20, 400) * DAY - rng.randint(0, DAY)
    t = start
    rows = []
    shape = i % 10
    if shape != 0:  # learning first: a complete history
        for step in (-600, 1):
            rows.append((t * 1000, cid, -1, rng.choice((1, 3, 3, 4)), step, 0 if not rows else -600, 0,
                         rng.randint(2000, 9000), 0))
            t += rng.choice((600, 3600, DAY))
    ivl = rng.randint(1, 4)
    for j in range(rng.randint(1, 8)):
        t += ivl * DAY + rng.randint(-3600, 3600)
        if t >= now - 60:
            break
        ease = rng.choices((1, 2, 3, 4), (10, 10, 70, 10))[0]
        new_ivl = max(1, int(ivl * (0.5 if ease == 1 else 2.5)))
        kind = 1
        if shape == 3 and j == 1:  # crammed in a filtered deck (no effect on scheduling)
            rows.append((t * 1000, cid, -1, 3, ivl, ivl, 0, 3000, 3))
            continue
        if shape == 5 and j == 2:  # reset to new, then learnt again
            rows.append((t * 1000, cid, -1, 0, 0, ivl, 0, 0, 4))
            t += 3600
            rows.append((t * 1000, cid, -1, 3, -600, 0, 0, 4000, 0))
            ivl = 1
            continue
        rows.append((t * 1000, cid, -1, ease, new_ivl, ivl, 2500, rng.randint(3000, 20000), kind))
        ivl = new_ivl
    return rows


def _unique_insert(col, rows: list[tuple]) -> None:
    seen = set()
    unique = []
    for row in rows:
        rid = row[0]
        while rid in seen:
            rid += 1
        seen.add(rid)
        unique.append((rid, *row[1:]))
    rows[:] = unique
    col.db.executemany("insert into revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type) "
                       "values (?, ?, ?, ?, ?, ?, ?, ?, ?)", unique)


def future_due_oracle(path: Path) -> dict[int, int]:
    """Anki's own Future Due graph for the deck: day -> cards."""
    from anki.collection import Collection

    col = Collection(str(path))
    try:
        return dict(col._backend.graphs(search=f'deck:"{ROOT}"', days=0).future_due.future_due)
    finally:
        col.close()


def fsrs_oracle(path: Path) -> dict[int, tuple[float, float, float, int]]:
    """Anki's memory state of each answered card, stored on it (FSRS switched on):
    card -> (stability, difficulty, decay, last review time in s)."""
    from anki.cards import FSRSMemoryState
    from anki.collection import Collection

    col = Collection(str(path))
    try:
        col.set_config("fsrs", True)
        states = {}
        for cid in col.find_cards(f'"deck:{ROOT}" -is:new'):
            state = col.compute_memory_state(cid)
            if state.stability is None:
                continue
            card = col.get_card(cid)
            card.memory_state = FSRSMemoryState(stability=state.stability, difficulty=state.difficulty)
            col.update_card(card)
            last = col.db.scalar("select max(id) / 1000 from revlog where cid = ? and ease > 0 and "
                                 "not (type = 3 and factor = 0)", cid)
            states[int(cid)] = (state.stability, state.difficulty, state.decay, int(last))
        return states
    finally:
        col.close()
