"""What the commands keep for one deck: its review cache and the learner's records, together.

    with DeckStore(home, "Atlas Distributed Systems") as store:
        store.reviews   # the review cache (companion.cache), opened on first use
        store.records   # speed-draw plans and results, the retag undo log (companion.records)

Opening a deck moves a store of the first layout, if there is one (:mod:`companion.migrate`).
"""

from __future__ import annotations

from pathlib import Path

from companion.cache import ReviewCache
from companion.home import Home
from companion.migrate import migrate
from companion.records import Records


class DeckStore:
    def __init__(self, home: Home, deck: str) -> None:
        self.home = home
        self.deck = deck
        self.records = Records(home.records, deck)
        try:
            self.migrated: tuple[Path, ...] = tuple(migrate(home, deck, self.records))
        except BaseException:
            self.records.close()
            raise
        self._reviews: ReviewCache | None = None

    @property
    def cache_path(self) -> Path:
        return self.home.cache_file(self.deck)

    @property
    def reviews(self) -> ReviewCache:
        """The review cache, opened on first use (a damaged cache does not stop ``speed-draw record``)."""
        if self._reviews is None:
            self._reviews = ReviewCache(self.cache_path)
        return self._reviews

    def close(self) -> None:
        if self._reviews is not None:
            self._reviews.close()
        self.records.close()

    def __enter__(self) -> DeckStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
