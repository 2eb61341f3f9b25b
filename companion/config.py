"""Settings: what the CLI hands down (frozen), and what is remembered between runs.

The CLI reads its options and the environment once, into :class:`Settings`; nothing here reads
the environment by itself or at import time. Remembered in ``ATLAS_ANKI_HOME/config.json``:
the plan's start date and study path (set by the first ``retag`` or ``speed-draw plan`` that
names them) and the rollover hour. A file edited by hand into something else is refused with
the file, the key and the fix.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Mapping

from deckbuilder.atomicfile import write_text
from deckbuilder.core.plan import PATH_NAMES

from companion.errors import ConfigError

APP_NAME = "atlas-anki"
DEFAULT_ROLLOVER = 4
DEFAULT_TARGET = 0.95


def home_dir(environ: Mapping[str, str]) -> Path:
    """``ATLAS_ANKI_HOME``, or the user data folder (``~/.local/share/atlas-anki`` on Linux)."""
    if environ.get("ATLAS_ANKI_HOME"):
        return Path(environ["ATLAS_ANKI_HOME"]).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


@dataclass(frozen=True)
class Connection:
    url: str
    key: str | None
    timeout: float  # seconds one AnkiConnect request may take in all


@dataclass(frozen=True)
class Settings:
    """Options and environment, read once by the CLI."""

    home: Path  # ATLAS_ANKI_HOME, or the user data folder
    connection: Connection
    now: int  # epoch seconds when the command started


@dataclass(frozen=True)
class Remembered:
    start: dt.date | None = None
    path: str | None = None
    rollover: int | None = None

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {}
        if self.start:
            data["start"] = self.start.isoformat()
        if self.path:
            data["path"] = self.path
        if self.rollover is not None:
            data["rollover"] = self.rollover
        return data


def load(file: Path) -> Remembered:
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Remembered()
    except (OSError, UnicodeDecodeError) as e:
        reason = e.strerror if isinstance(e, OSError) else "not UTF-8 text"
        raise ConfigError(f"{file}: cannot read it ({reason}): fix it, or delete it and pass --start and --path "
                          f"again") from e
    try:
        data = json.loads(text)
    except ValueError as e:
        where = f":{e.lineno}" if isinstance(e, json.JSONDecodeError) else ""
        msg = e.msg if isinstance(e, json.JSONDecodeError) else str(e)
        raise ConfigError(f"{file}{where}: not valid JSON ({msg}): fix it, or delete it and pass --start and --path "
                          f"again") from None
    if not isinstance(data, dict):
        raise ConfigError(f'{file}: expected an object like {{"start": "2026-01-05", "path": "intensive"}}, not '
                          f"{_kind(data)}: fix it, or delete it and pass --start and --path again")
    return Remembered(_start(file, data.get("start")), _path(file, data.get("path")),
                      _rollover(file, data.get("rollover")))


def _start(file: Path, value: Any) -> dt.date | None:
    if value is None:
        return None
    try:
        if isinstance(value, str) and len(value) == 10:
            return dt.date.fromisoformat(value)
    except ValueError:
        pass
    raise ConfigError(f'{file}: "start" is {json.dumps(value)}, not a date (YYYY-MM-DD): fix it, or remove it and '
                      f"pass --start again")


def _path(file: Path, value: Any) -> str | None:
    if value is None or value in PATH_NAMES:
        return value
    raise ConfigError(f'{file}: "path" is {json.dumps(value)}, not a study path ({", ".join(PATH_NAMES)}): fix it, '
                      f"or remove it and pass --path again")


def _rollover(file: Path, value: Any) -> int | None:
    if value is None or (isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 23):
        return value
    raise ConfigError(f'{file}: "rollover" is {json.dumps(value)}, not an hour from 0 to 23: set it to the hour of '
                      f"Anki's \"next day starts at\", or remove it and pass --rollover again")


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    return "a number" if isinstance(value, (int, float)) and not isinstance(value, bool) else "true or false"


def save(file: Path, remembered: Remembered) -> None:
    try:
        write_text(file, json.dumps(remembered.to_json(), indent=2) + "\n")
    except OSError as e:
        raise ConfigError(f"cannot write {file} ({e.strerror}): make {file.parent} writable, or set "
                          f"ATLAS_ANKI_HOME to another folder") from e


def remember(file: Path, **changes: object) -> Remembered:
    """Update the remembered settings with the values given (None leaves one as it was)."""
    current = load(file)
    updated = replace(current, **{k: v for k, v in changes.items() if v is not None})
    if updated != current:
        save(file, updated)
    return updated
