"""One root exception for the companion, one subclass per kind of failure.

Every message says what went wrong and how to fix it; only the CLI prints them.
"""

from __future__ import annotations


class CompanionError(Exception):
    """Root of every error the companion raises on purpose."""


class AnkiUnavailable(CompanionError):
    """Nothing answers at the AnkiConnect URL."""


class AnkiTimeout(CompanionError):
    """AnkiConnect took longer than the timeout."""


class AnkiKeyRejected(CompanionError):
    """AnkiConnect asks for an API key, and the one sent (if any) is wrong."""


class AnkiActionError(CompanionError):
    """AnkiConnect answered with an error envelope (or an HTTP error) for an action."""

    def __init__(self, message: str, *, action: str = "", error: str = "") -> None:
        super().__init__(message)
        self.action = action
        self.error = error


class AnkiProtocolError(CompanionError):
    """Something answered at the URL, but not like AnkiConnect."""


class DeckNotFound(CompanionError):
    """The deck named with --deck does not exist in Anki."""


class HomeError(CompanionError):
    """``ATLAS_ANKI_HOME`` cannot be created or written."""


class CacheError(CompanionError):
    """The review cache (rebuildable from Anki) cannot be read or written."""


class RecordsError(CompanionError):
    """The learner's records (never rebuilt, never deleted) cannot be read or written."""


class ConfigError(CompanionError):
    """A setting is missing or invalid (start date, path, time zone …), or config.json is."""


class PushFailed(CompanionError):
    """The package could not be imported through AnkiConnect."""


class OutputError(CompanionError):
    """A file the command writes (checklist, calendar, chart) cannot be written."""


class UsageError(CompanionError):
    """Arguments that cannot work together, or data the command needs is missing."""
