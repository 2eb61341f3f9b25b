"""Settings: what the CLI hands down (frozen), and what is remembered between runs.

Remembered in ``ATLAS_ANKI_HOME/config.json``: the plan's start date and path (set by the
first ``retag`` or ``speed-draw plan`` that names them) and the rollover hour. Nothing here
reads the environment at import time; the CLI passes ``os.environ`` in.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Mapping

from companion.errors import ConfigError
from deckbuilder.atomicfile import write_text

APP_NAME = "atlas-anki"
CONFIG_FILE = "config.json"
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
    timeout: float


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


def load(home: Path) -> Remembered:
    file = home / CONFIG_FILE
    if not file.exists():
        return Remembered()
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
        start = dt.date.fromisoformat(data["start"]) if data.get("start") else None
        rollover = int(data["rollover"]) if data.get("rollover") is not None else None
        return Remembered(start, data.get("path"), rollover)
    except (ValueError, TypeError, KeyError, AttributeError) as e:
        raise ConfigError(f"{file} is not valid: {e}: fix it, or delete it and pass --start and --path again") from e


def save(home: Path, remembered: Remembered) -> None:
    write_text(home / CONFIG_FILE, json.dumps(remembered.to_json(), indent=2) + "\n")


def remember(home: Path, **changes: object) -> Remembered:
    """Update the remembered settings with the values given (None leaves one as it was)."""
    current = load(home)
    updated = replace(current, **{k: v for k, v in changes.items() if v is not None})
    if updated != current:
        save(home, updated)
    return updated
