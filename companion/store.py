"""What the commands keep for one deck: its review cache and the learner's records, together.

    with DeckStore(home, "Atlas Distributed Systems") as store:
        store.reviews   # the review cache (companion.cache), opened on first use
        store.records   # speed-draw plans and results, the retag undo log (companion.records)
        store.options   # the apply-options undo log, in the same records file (companion.options_log)
        store.measures  # the plan's manual metrics (record), in the same records file (companion.records_measures)

Opening a deck moves a store of the first layout, if there is one (:mod:`companion.migrate`).
"""

from __future__ import annotations

from pathlib import Path

from companion.cache import ReviewCache
from companion.home import Home
from companion.migrate import migrate
from companion.options_log import OptionsLog
from companion.records import Records
from companion.records_measures import MeasureLog


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
        self._options: OptionsLog | None = None
        self._measures: MeasureLog | None = None

    @property
    def cache_path(self) -> Path:
        return self.home.cache_file(self.deck)

    @property
    def reviews(self) -> ReviewCache:
        """The review cache, opened on first use (a damaged cache does not stop ``speed-draw record``)."""
        if self._reviews is None:
            self._reviews = ReviewCache(self.cache_path)
        return self._reviews

    @property
    def options(self) -> OptionsLog:
        """The ``apply-options`` undo log (the learner's records), opened on first use."""
        if self._options is None:
            self._options = OptionsLog(self.home.records, self.deck)
        return self._options

    @property
    def measures(self) -> MeasureLog:
        """The plan's manual metrics (the learner's records), opened on first use."""
        if self._measures is None:
            self._measures = MeasureLog(self.home.records, self.deck)
        return self._measures

    def close(self) -> None:
        if self._reviews is not None:
            self._reviews.close()
        if self._measures is not None:
            self._measures.close()
        if self._options is not None:
            self._options.close()
        self.records.close()

    def __enter__(self) -> DeckStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
