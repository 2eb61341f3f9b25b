"""The companion's folder (``ATLAS_ANKI_HOME``): what lives where, and what may be deleted.

::

    records.sqlite               the learner's records: speed-draw plans and results, the retag
                                 undo log. Never rebuilt, never deleted by the companion.
    config.json                  remembered settings: start date, study path, rollover hour
    cache/<deck>-<hash>.sqlite   one deck's review cache: deleted, it is rebuilt from Anki
    speed-draw/                  checklists and calendars (``speed-draw plan``'s default --out)

A deck's files are keyed by its name casefolded, as Anki's deck names ignore case.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from companion.errors import HomeError

RECORDS_FILE = "records.sqlite"
CONFIG_FILE = "config.json"
CACHE_DIR = "cache"
SPEED_DRAW_DIR = "speed-draw"


def deck_key(deck: str) -> str:
    """What identifies a deck in the companion's files: Anki compares deck names ignoring case."""
    return deck.casefold()


def cache_file_name(deck: str) -> str:
    """A readable slug plus a short hash of the casefolded name."""
    key = deck_key(deck)
    slug = re.sub(r"[^a-z0-9]+", "-", key).strip("-")[:40] or "deck"
    return f"{slug}-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:8]}.sqlite"


@dataclass(frozen=True)
class Home:
    root: Path

    @property
    def records(self) -> Path:
        return self.root / RECORDS_FILE

    @property
    def config(self) -> Path:
        return self.root / CONFIG_FILE

    @property
    def cache_dir(self) -> Path:
        return self.root / CACHE_DIR

    @property
    def speed_draw(self) -> Path:
        return self.root / SPEED_DRAW_DIR

    def cache_file(self, deck: str) -> Path:
        return self.cache_dir / cache_file_name(deck)


def prepare(root: Path) -> Home:
    """Create the folder and its ``cache/`` and check that both can be written, or :class:`HomeError`."""
    home = Home(root)
    if root.exists() and not root.is_dir():
        raise HomeError(f"the companion's folder {root} is a file, not a folder: set ATLAS_ANKI_HOME to a folder")
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise HomeError(f"cannot create the companion's folder {root} ({_reason(root, e)}): set ATLAS_ANKI_HOME "
                        f"to a folder you can write") from e
    for folder in (root, home.cache_dir):
        try:
            folder.mkdir(exist_ok=True)
            fd, probe = tempfile.mkstemp(prefix=".write-test-", dir=folder)
            os.close(fd)
            os.unlink(probe)
        except FileExistsError as e:
            raise HomeError(f"{folder} is a file, not a folder: move it away (the review cache lives there)") from e
        except OSError as e:
            raise HomeError(f"cannot write to the companion's folder {folder} ({_reason(folder, e)}): make it "
                            f"writable, or set ATLAS_ANKI_HOME to another folder") from e
    return home


def _reason(path: Path, e: OSError) -> str:
    if e.errno == errno.ENOTDIR:
        blocker = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
        return f"{blocker} is a file, not a folder" if blocker else "a parent of it is a file, not a folder"
    if e.errno == errno.EROFS:
        return "read-only file system"
    if e.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if e.errno == errno.ENOSPC:
        return "no space left on the device"
    return (e.strerror or str(e)).lower()
