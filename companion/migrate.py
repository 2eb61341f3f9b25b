"""From the first layout of ``ATLAS_ANKI_HOME`` to the current one, on the first run with a deck.

The first layout kept one file per deck, ``<slug>-<hash>.sqlite3`` right in the folder (the
slug of the casefolded name, the hash of the name exactly as typed), holding the review cache
and the learner's records together. Moving one: its retag log and speed-draw plans and results
are copied into ``records.sqlite`` in one transaction; then the file, a valid review cache,
becomes the deck's cache (or, when the deck has one already, is put beside it in ``cache/``).
Killed in between, the next run finishes the move without copying twice. Nothing is deleted.

The deck's name was hashed as typed, and a hash cannot be read back: the spellings tried are
the one given and its lower, upper, title and capitalised forms.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
from pathlib import Path

from companion.errors import RecordsError
from companion.home import Home
from companion.records import Records


def first_layout_name(deck: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", deck.casefold()).strip("-")[:40] or "deck"
    return f"{slug}-{hashlib.sha256(deck.encode('utf-8')).hexdigest()[:8]}.sqlite3"


def first_layout_stores(home: Home, deck: str) -> list[Path]:
    spellings = dict.fromkeys((deck, deck.lower(), deck.upper(), deck.title(), deck.capitalize()))
    found = (home.root / first_layout_name(s) for s in spellings)
    return [p for p in dict.fromkeys(found) if p.is_file()]


def migrate(home: Home, deck: str, records: Records) -> list[Path]:
    """Move the deck's first-layout stores, if any; returns the files moved (their old paths)."""
    moved = []
    for old in first_layout_stores(home, deck):
        records.adopt(old)
        target = home.cache_file(deck)
        if target.exists():
            target = home.cache_dir / f"earlier-{old.name}"
        _fold_journal(old)
        try:
            os.replace(old, target)
        except OSError as e:
            raise RecordsError(f"cannot move {old} (the store of an earlier atlas-anki) to {target} "
                               f"({e.strerror}): its records are safe in {records.path}; make "
                               f"{home.cache_dir} writable and run again") from e
        moved.append(old)
    return moved


def _fold_journal(path: Path) -> None:
    """Fold a write-ahead log into the file, so that the file can move alone (a database
    moved away from its ``-wal`` file would lose what the log held, or worse, meet another's)."""
    try:
        db = sqlite3.connect(path)
        try:
            db.execute("PRAGMA journal_mode = DELETE")
        finally:
            db.close()
    except sqlite3.DatabaseError as e:
        raise RecordsError(f"cannot move {path} (the store of an earlier atlas-anki) into {path.parent / 'cache'} "
                           f"({e}): its records are safe in records.sqlite; run again when no other atlas-anki "
                           f"command is running") from e
