"""Bring the review cache up to date with Anki: new review rows, the deck's cards, their notes and tags.

Facts this is built around (AnkiConnect's source): ``cardReviews(deck, startID)`` returns the
rows of cards whose *own* deck is ``deck`` (not its subdecks, not cards parked in a filtered
deck) and silently creates the deck when the name is unknown; ``getReviewsOfCards`` returns a
card's whole history. So a sync

1. reads the deck names (and stops if the deck does not exist), the deck's cards (Anki's
   ``deck:`` search: subdecks included, and cards sitting in a filtered deck), those of them
   in a filtered deck, and the tag list — one request;
2. asks which filtered decks hold those cards — one request, only when there are any;
3. asks ``cardReviews`` of every deck in the subtree and of those filtered decks for rows
   newer than the last id seen, the whole history of cards that joined the deck since the
   last sync, and which notes carry each tag of the synced namespaces — one request;
4. maps cards it has never seen to their notes — one request per 2,500 new cards;

and writes everything in one transaction. A rebuild (``rebuild=True``, ``retention --resync``)
asks for everything as if the cache were empty and replaces its content in that same
transaction: until it commits, the cache keeps what it had.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from companion.cache import ReviewCache, SyncBatch
from companion.client import AnkiConnect, Call
from companion.core import search
from companion.core.retention import Review
from companion.core.tags import LEECH, NAMESPACE, in_subtree
from companion.errors import AnkiProtocolError, DeckNotFound

DEFAULT_TAG_ROOTS: tuple[str, ...] = (NAMESPACE, LEECH)


@dataclass(frozen=True)
class SyncReport:
    deck: str  # the deck's name as Anki spells it
    new_reviews: int  # rows the cache did not have
    cards: int
    new_cards: int
    requests: int


def deck_subtree(names: Iterable[str], deck: str) -> list[str]:
    """The deck and its subdecks as Anki spells them, or :class:`DeckNotFound`."""
    names = list(names)
    folded = deck.casefold()
    subtree = [n for n in names if n.casefold() == folded or n.casefold().startswith(folded + "::")]
    if not any(n.casefold() == folded for n in subtree):
        raise DeckNotFound(_no_deck_message(deck, names))
    return sorted(subtree, key=lambda n: (n.count("::"), n.casefold()))


def _no_deck_message(deck: str, names: Sequence[str]) -> str:
    same_depth = [n for n in names if n.count("::") == deck.count("::")]
    close = difflib.get_close_matches(deck, same_depth, n=3, cutoff=0.6)
    if close:
        options = ", ".join(f'"{n}"' for n in close)
        return f'no deck named "{deck}" in Anki: did you mean {options}? Pass the exact name with --deck'
    return (f'no deck named "{deck}" in Anki: import the deck first (push build/atlas-distributed-systems.apkg), '
            f"or pass an existing deck with --deck")


def sync(client: AnkiConnect, cache: ReviewCache, deck: str, *, now: int,
         tag_roots: Sequence[str] = DEFAULT_TAG_ROOTS, rebuild: bool = False) -> SyncReport:
    before = client.requests_made
    names, member_list, filtered_list, all_tags = client.multi([
        Call("deckNames"),
        Call("findCards", {"query": search.deck(deck)}),
        Call("findCards", {"query": search.in_deck(deck, search.IN_FILTERED_DECK)}),
        Call("getTags"),
    ])
    subtree = deck_subtree(names, deck)
    root = subtree[0]
    members = frozenset(int(c) for c in member_list)
    filtered = sorted(int(c) for c in filtered_list)

    review_decks = list(subtree)
    if filtered:
        (holders,) = client.multi([Call("getDecks", {"cards": filtered})])
        inside = {n.casefold() for n in subtree}
        review_decks += sorted(name for name in holders if name.casefold() not in inside)

    watermark = 0 if rebuild else cache.watermark()
    joined = sorted(members - cache.members()) if watermark else []
    tags = sorted(t for t in all_tags if any(in_subtree(t, r) for r in tag_roots))
    calls = [Call("cardReviews", {"deck": d, "startID": watermark}) for d in review_decks]
    if joined:
        calls.append(Call("getReviewsOfCards", {"cards": joined}))
    calls += [Call("findNotes", {"query": search.in_deck(root, search.tag_exact(t))}) for t in tags]
    results = client.multi(calls)

    reviews: dict[int, Review] = {}
    for rows in results[:len(review_decks)]:
        for row in rows:
            review = _from_card_reviews(row)
            reviews[review.id] = review
    if joined:
        for cid, rows in results[len(review_decks)].items():
            for row in rows:
                review = _from_reviews_of_cards(int(cid), row)
                reviews[review.id] = review
    # A row dated in the future (a device with a wrong clock) must not push the watermark past
    # reviews still to come: such rows are kept, but only rows up to now advance it.
    highest = max((rid for rid in reviews if rid < (now + 1) * 1000), default=watermark)
    kept = [r for r in reviews.values() if r.cid in members]

    note_tags: dict[int, set[str]] = {}
    for tag, notes in zip(tags, results[len(results) - len(tags):]):
        for nid in notes:
            note_tags.setdefault(int(nid), set()).add(tag)

    unmapped = sorted(members - (frozenset() if rebuild else cache.mapped_cards()))
    card_notes = {}
    if unmapped:
        for cid, nids in zip(unmapped, client.multi([Call("cardsToNotes", {"cards": [c]}) for c in unmapped])):
            if len(nids) != 1:
                raise AnkiProtocolError(f"AnkiConnect answered cardsToNotes for card {cid} with {nids!r}: "
                                        f"the card may have been deleted; run the command again")
            card_notes[cid] = int(nids[0])

    added = cache.apply_sync(SyncBatch(
        reviews=sorted(kept, key=lambda r: r.id),
        members=members,
        card_notes=card_notes,
        note_tags={nid: frozenset(t) for nid, t in note_tags.items()},
        watermark=max(highest, watermark),
        synced_at=now,
        deck=root,
        replace=rebuild,
    ))
    return SyncReport(root, added, len(members), len(unmapped), client.requests_made - before)


def _from_card_reviews(row: Sequence[Any]) -> Review:
    """``[id, cid, usn, ease, ivl, lastIvl, factor, time, type]`` (the client checked the shape)."""
    rid, cid, _usn, ease, ivl, last_ivl, factor, time, kind = row
    return Review(int(rid), int(cid), int(ease), int(ivl), int(last_ivl), int(factor), int(time), int(kind))


def _from_reviews_of_cards(cid: int, row: dict[str, Any]) -> Review:
    return Review(int(row["id"]), cid, int(row["ease"]), int(row["ivl"]), int(row["lastIvl"]),
                  int(row["factor"]), int(row["time"]), int(row["type"]))
