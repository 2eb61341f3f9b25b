"""One SQLite file of the companion's, with the rules every one of them follows.

An autocommit connection with explicit ``BEGIN IMMEDIATE`` transactions (a command killed
half-way leaves the file as it was), and every ``sqlite3.DatabaseError`` turned into the
one-line error of the file's kind (:meth:`SqliteFile.error`: the review cache says "delete it",
the learner's records never do). Subclasses set up their schema in :meth:`SqliteFile.setup`.
"""

from __future__ import annotations

import functools
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar

T = TypeVar("T")


def guarded(method: Callable[..., T]) -> Callable[..., T]:
    """A method whose SQLite failures become the file's own one-line error."""

    @functools.wraps(method)
    def wrapper(self: SqliteFile, *args: Any, **kwargs: Any) -> T:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.DatabaseError as e:
            raise self.error(e) from e

    return wrapper


class SqliteFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._db = sqlite3.connect(path, isolation_level=None)
        except sqlite3.DatabaseError as e:
            raise self.error(e) from e
        try:
            guarded(type(self).setup)(self)
        except BaseException:
            self._db.close()
            raise

    def error(self, e: sqlite3.DatabaseError) -> Exception:
        """The one-line error for a failure of this file (subclasses say what to do about it)."""
        raise NotImplementedError

    def setup(self) -> None:
        """Pragmas and schema, run once the file is open."""

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
