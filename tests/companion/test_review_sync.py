"""Syncing against a real AnkiConnect server: what is asked for, the first time and after."""

from __future__ import annotations

import time

import pytest
import requests

from companion.client import AnkiConnect
from companion.errors import DeckNotFound
from companion.cache import ReviewCache
from companion.sync import deck_subtree, sync
from review_history import ROOT

pytest_plugins = ["companion_fixtures"]

SUBTREE = [ROOT, f"{ROOT}::Companies", f"{ROOT}::Guarantees", f"{ROOT}::Performance",
           f"{ROOT}::Companies::Netflix", f"{ROOT}::Guarantees::CAP", f"{ROOT}::Performance::Caching"]


class Recorder(requests.Session):
    """A session that keeps every request body and reply."""

    def __init__(self) -> None:
        super().__init__()
        self.log: list[tuple[dict, dict]] = []

    def post(self, url, json=None, **kwargs):  # type: ignore[override]
        response = super().post(url, json=json, **kwargs)
        self.log.append((json, response.json()))
        return response


def actions(body: dict) -> list[str]:
    return [a["action"] for a in body["params"]["actions"]] if body["action"] == "multi" else [body["action"]]


def sub(log, name: str) -> list[tuple[dict, object]]:
    """Every sub-action called ``name`` in the log, with its result."""
    found = []
    for body, reply in log:
        for action, result in zip(body["params"]["actions"], reply["result"]):
            if action["action"] == name:
                found.append((action["params"], result["result"]))
    return found


def raw(url: str, action: str, **params):
    reply = requests.post(url, json={"action": action, "version": 6, "params": params}).json()
    assert reply["error"] is None, reply
    return reply["result"]


def test_first_sync_then_only_new_rows(fresh, tmp_path):
    h = fresh.history
    recorder = Recorder()
    client = AnkiConnect(fresh.url, session=recorder)
    store = ReviewCache(tmp_path / "cache.sqlite3")

    first = sync(client, store, ROOT, now=int(time.time()))
    assert [actions(body) for body, _ in recorder.log] == [
        ["deckNames", "findCards", "findCards", "getTags"],
        ["getDecks"],  # some of the deck's cards sit in the filtered deck "Cram"
        ["cardReviews"] * 8 + ["findNotes"] * len(sub(recorder.log, "findNotes")),
        ["cardsToNotes"] * first.cards,
    ]
    reviews = sub(recorder.log, "cardReviews")
    assert sorted(p["deck"] for p, _ in reviews) == sorted(SUBTREE + ["Cram"])
    assert {p["startID"] for p, _ in reviews} == {0}
    assert first.new_reviews == h.member_reviews
    assert first.requests == 4
    watermark = store.watermark()
    assert watermark == max(r.id for r in store.reviews() if r.id <= time.time() * 1000)

    # five answers after the first sync: in the root deck, a subdeck, the filtered deck, and a decoy
    member = h.notes[""][0]
    cap_card = raw(fresh.url, "findCards", query=f'deck:"{ROOT}::Guarantees::CAP"')[0]
    root_card = raw(fresh.url, "findCards", query=f'nid:{member}')[0]
    decoy = raw(fresh.url, "findCards", query='deck:"Other"')[0]
    t = int(time.time() * 1000)
    new_rows = [[t + 1, root_card, -1, 3, 4, 2, 2500, 900, 1], [t + 2, cap_card, -1, 1, 1, 30, 2500, 900, 1],
                [t + 3, h.filtered_cards[0], -1, 2, 5, 3, 2500, 900, 3], [t + 4, cap_card, -1, 3, 2, 1, 2500, 900, 2],
                [t + 5, root_card, -1, 4, 9, 4, 2500, 900, 1], [t + 6, decoy, -1, 3, 3, 3, 2500, 900, 1]]
    raw(fresh.url, "insertReviews", reviews=new_rows)

    recorder.log.clear()
    second = sync(client, store, ROOT, now=int(time.time()))
    assert [actions(body) for body, _ in recorder.log] == [
        ["deckNames", "findCards", "findCards", "getTags"],
        ["getDecks"],
        ["cardReviews"] * 8 + ["findNotes"] * len(sub(recorder.log, "findNotes")),
    ]  # no history re-read, no card mapped again
    reviews = sub(recorder.log, "cardReviews")
    assert {p["startID"] for p, _ in reviews} == {watermark}
    returned = sorted(row[0] for _, rows in reviews for row in rows)
    future = sorted(r.id for r in store.reviews() if r.id > time.time() * 1000)  # a row dated in the future
    assert returned == sorted([t + 1, t + 2, t + 3, t + 4, t + 5] + future)
    assert second.new_reviews == 5 and second.requests == 3
    assert store.watermark() == t + 5

    # a card moved into the deck brings its whole earlier history
    raw(fresh.url, "changeDeck", cards=[decoy], deck=f"{ROOT}::Guarantees::CAP")
    history = raw(fresh.url, "getReviewsOfCards", cards=[decoy])[str(decoy)]
    recorder.log.clear()
    third = sync(client, store, ROOT, now=int(time.time()))
    assert sub(recorder.log, "getReviewsOfCards")[0][0] == {"cards": [decoy]}
    assert sub(recorder.log, "cardsToNotes") == [({"cards": [decoy]}, [raw(fresh.url, "cardsToNotes", cards=[decoy])[0]])]
    assert third.new_reviews == len(history)
    assert {r.id for r in store.reviews() if r.cid == decoy} == {row["id"] for row in history}


def test_an_unknown_deck_is_reported_and_not_created(served, tmp_path):
    recorder = Recorder()
    client = AnkiConnect(served.url, session=recorder)
    with pytest.raises(DeckNotFound) as e:
        sync(client, ReviewCache(tmp_path / "c.sqlite3"), "Atlas Distributed Sytems", now=0)
    assert str(e.value) == ('no deck named "Atlas Distributed Sytems" in Anki: did you mean '
                            '"Atlas Distributed Systems", "Atlas Distributed Systems Extra"? '
                            "Pass the exact name with --deck")
    assert len(recorder.log) == 1  # nothing asked with the wrong name: cardReviews would have created it
    assert "Atlas Distributed Sytems" not in raw(served.url, "deckNames")
    with pytest.raises(DeckNotFound, match=r'^no deck named "Zoology" in Anki: import the deck first \(push '
                                           r'build/atlas-distributed-systems.apkg\), or pass an existing deck '
                                           r"with --deck$"):
        sync(client, ReviewCache(tmp_path / "c.sqlite3"), "Zoology", now=0)


def test_the_subtree_is_matched_like_anki_ignoring_case():
    names = ["Atlas", "atlas::A", "Atlas Extra", "Atlas::B::C", "Other::Atlas"]
    assert deck_subtree(names, "ATLAS") == ["Atlas", "atlas::A", "Atlas::B::C"]
