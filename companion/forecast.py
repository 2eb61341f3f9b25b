"""``forecast``: reviews due per day (Anki's Future Due graph), the minutes they take, and the
retention FSRS predicts without review.

One sync of the review cache (for the learner's answer times and review histories), then one
request of searches: ``prop:due=N`` for each day, ``prop:due<0`` for the backlog, the buried
cards (placed by :func:`companion.core.forecast.future_due_day` from ``cardsInfo``) and whether
any card has an FSRS memory state (``prop:s>0``). With FSRS on, one more request maps the cards
to their decks' presets, whose parameters the FSRS scheduler takes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Sequence

from deckbuilder.core.tags import CATEGORY, PHASE, TIER, Family

from companion.client import AnkiConnect, Call
from companion.core import search
from companion.core.forecast import (
    EPOCH_TIMESTAMP,
    QUEUE_SCHED_BURIED,
    QUEUE_USER_BURIED,
    CardMemory,
    RetentionRow,
    Workload,
    answer_time,
    fsrs_history,
    future_due_day,
    retention_by_group,
    workload,
)
from companion.core.retention import DAY, DayClock, Review
from companion.store import DeckStore
from companion.sync import SyncReport, deck_subtree, sync

GROUPS: dict[str, Family] = {"category": CATEGORY, "tier": TIER, "phase": PHASE}
TIME_WINDOW_DAYS = 30  # answer times averaged over the last 30 days (all time when there are none)
REFERENCE_CARDS = 20  # due cards looked at to learn today's day number (for buried cards)


@dataclass(frozen=True)
class RetentionForecast:
    rows: tuple[RetentionRow, ...]  # the whole deck first, then each group
    group_by: str
    cards_without_history: int  # cards with a memory state in Anki but no usable history here


@dataclass(frozen=True)
class ForecastOutcome:
    deck: str
    workload: Workload
    retention: RetentionForecast | None  # None: FSRS is off (no card has a memory state)
    unplaced_buried: int  # buried cards whose due date could not be read
    sync: SyncReport


def forecast(client: AnkiConnect, store: DeckStore, deck: str, clock: DayClock, *, now: int, days: int,
             target_minutes: float, group_by: str = "category") -> ForecastOutcome:
    report = sync(client, store.reviews, deck, now=now)
    name = report.deck
    graded = search.in_deck(name, "-is:new")
    calls = [Call("findCards", {"query": f"{graded} prop:due={d}"}) for d in range(days)]
    calls += [Call("findCards", {"query": f"{graded} prop:due<0"}),
              Call("findCards", {"query": f"{graded} is:buried"}),
              Call("findCards", {"query": search.in_deck(name, "prop:s>0")})]
    found = client.multi(calls)
    due = {d: len(found[d]) for d in range(days)}
    due[-1] = len(found[days])  # the backlog, all on one day: only its total is shown
    buried, with_memory = found[days + 1], found[days + 2]
    unplaced = 0
    if buried:
        placed, unplaced = _place_buried(client, buried, found[:days], clock)
        for day, n in placed.items():
            if 0 < day < days:
                due[day] = due.get(day, 0) + n
    times = answer_time(store.reviews.review_answer_times((now - TIME_WINDOW_DAYS * DAY) * 1000),
                        store.reviews.review_answer_times(), TIME_WINDOW_DAYS)
    load = workload(due, clock.today, times, days=days, target_minutes=target_minutes)
    retention = None
    if with_memory:
        retention = _retention(client, store, name, clock, now, GROUPS[group_by], group_by, len(with_memory))
    return ForecastOutcome(name, load, retention, unplaced, report)


def _place_buried(client: AnkiConnect, buried: Sequence[int], due_lists: Sequence[Sequence[int]],
                  clock: DayClock) -> tuple[Counter[int], int]:
    """Future Due days of buried cards; ``(days, cards that could not be placed)``.

    Their due dates come from ``cardsInfo``; a day number needs today's number, read off review
    cards found under ``prop:due=N`` (their due minus N). Buried cards in filtered decks show
    their position there, not their due date: they cannot be placed.
    """
    references = [(cid, d) for d, cids in enumerate(due_lists) for cid in cids[:REFERENCE_CARDS]][:REFERENCE_CARDS]
    info = client.call("cardsInfo", {"cards": [*buried, *(cid for cid, _ in references)]})
    by_id = {int(c["cardId"]): c for c in info if isinstance(c, dict) and "cardId" in c}
    numbers = Counter(int(by_id[cid]["due"]) - d for cid, d in references
                      if cid in by_id and by_id[cid].get("queue") in (2, 3) and 0 < int(by_id[cid]["due"]) < EPOCH_TIMESTAMP)
    today_number = numbers.most_common(1)[0][0] if numbers else None
    placed: Counter[int] = Counter()
    unplaced = 0
    for cid in buried:
        card = by_id.get(int(cid))
        if card is None or card.get("queue") not in (QUEUE_USER_BURIED, QUEUE_SCHED_BURIED):
            continue
        due = int(card["due"])
        if due <= 0 or (due < EPOCH_TIMESTAMP and today_number is None):
            unplaced += 1
            continue
        placed[future_due_day(due, today_number or 0, clock.next_day_start)] += 1
    return placed, unplaced


def _retention(client: AnkiConnect, store: DeckStore, deck: str, clock: DayClock, now: int, family: Family,
               group_by: str, with_memory: int) -> RetentionForecast:
    from companion.fsrs import memory_states, preset_parameters

    subtree = deck_subtree(client.deck_names(), deck)
    results = client.multi([Call("findCards", {"query": search.deck_only(d)}) for d in subtree]
                           + [Call("getDeckConfig", {"deck": d}) for d in subtree])
    own_cards, configs = results[:len(subtree)], results[len(subtree):]
    rows_by_card: dict[int, list[Review]] = {}
    for review in store.reviews.reviews():
        rows_by_card.setdefault(review.cid, []).append(review)
    memories: dict[int, CardMemory] = {}
    for cards, config in zip(own_cards, configs):
        if not isinstance(config, dict) or config.get("dyn") or not cards:
            continue
        histories = {}
        for cid in cards:
            history = fsrs_history(rows_by_card.get(int(cid), ()), clock.next_day_start)
            if history is not None:
                histories[int(cid)] = history
        memories.update(memory_states(histories, preset_parameters(config),
                                      float(config.get("sm2Retention", 0.9))))
    notes = store.reviews.card_notes()
    tags = store.reviews.note_tags()
    groups: dict[int, list[str]] = {}
    for cid in memories:
        values = (family.value(t) for t in tags.get(notes.get(cid, -1), ()))
        groups[cid] = sorted({v for v in values if v is not None})
    rows = retention_by_group(memories, groups, now)
    return RetentionForecast(tuple(rows), group_by, max(0, with_memory - len(memories)))


def outcome_json(outcome: ForecastOutcome) -> dict[str, Any]:
    w = outcome.workload
    t = w.answer_time
    return {
        "deck": outcome.deck,
        "today": w.days[0].date.isoformat() if w.days else None,
        "target_minutes": w.target_minutes,
        "seconds_per_review": t.seconds,
        "answers_timed": t.answers,
        "answer_window_days": t.window_days,
        "overdue": {"cards": w.overdue, "minutes": w.minutes(w.overdue)},
        "due": [{"date": d.date.isoformat(), "cards": d.cards, "minutes": d.minutes} for d in w.days],
        "days_over_target": [d.date.isoformat() for d in w.over_target],
        "buried_not_placed": outcome.unplaced_buried,
        "retention": None if outcome.retention is None else {
            "by": outcome.retention.group_by,
            "cards_without_history": outcome.retention.cards_without_history,
            "groups": [{"group": r.group or None, "cards": r.cards,
                        **{f"in_{d}_days" if d else "today": v for d, v in r.predicted.items()}}
                       for r in outcome.retention.rows],
        },
    }
