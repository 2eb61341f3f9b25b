"""What kind of failure an SQLite error is, decided by its result code (never by its words)."""

from __future__ import annotations

import enum
import sqlite3

# SQLite's primary result codes (https://sqlite.org/rescode.html)
_PERM, _BUSY, _LOCKED, _READONLY, _IOERR, _FULL, _CANTOPEN = 3, 5, 6, 8, 10, 13, 14


class Failure(enum.Enum):
    DAMAGED = "damaged"  # not a database, corrupt, or not the tables this program wrote
    FULL = "full"  # no space left
    BUSY = "busy"  # another connection holds the lock
    ACCESS = "access"  # cannot open, read or write the file


def classify(error: sqlite3.DatabaseError) -> Failure:
    code = getattr(error, "sqlite_errorcode", None)
    if code is None:  # raised by Python's module itself, not by SQLite
        return Failure.DAMAGED
    primary = code & 0xFF
    if primary == _FULL:
        return Failure.FULL
    if primary in (_BUSY, _LOCKED):
        return Failure.BUSY
    if primary in (_PERM, _READONLY, _IOERR, _CANTOPEN):
        return Failure.ACCESS
    return Failure.DAMAGED
