"""The build's outputs as one unit: the package and its note stamps, in ``--out``.

- **One build at a time per folder.** A build holds an exclusive lock on the folder from the
  moment it reads the previous stamps until both files are in place; a second build on the same
  folder stops at once with a message.
- **Whole or absent.** Both files are written beside their targets first; only when both are
  complete are they renamed, the package first. A crash between the two renames leaves older
  stamps beside a newer package, which makes the next build treat more notes as changed, never
  fewer — so no edit is lost.
- **No litter.** Temporary files left by a killed build are removed by the next build, under the
  lock (the collection itself is built in memory, never in the system's temp folder).
- **One line per failure.** Every operating-system error becomes an :class:`OutputError` saying
  what could not be written, why, and what to do.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Sequence

from deckbuilder.core.problems import Problem
from deckbuilder.core.stamps import Stamps
from deckbuilder.errors import OutputError
from deckbuilder.loader import display_path

from deckbuilder.core.tags import PACKAGE_NAME, STAMPS_NAME
_TMP_PREFIX = ".atlas-anki-"
_TMP_SUFFIX = ".tmp"


class OutputDir:
    """``--out``, locked for one build: ``with OutputDir(path) as out: …``."""

    def __init__(self, path: Path):
        self.path = path
        self.package = path / PACKAGE_NAME
        self.stamps = path / STAMPS_NAME
        self._fd: int | None = None

    def __enter__(self) -> OutputDir:
        self._prepare()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            os.close(self._fd)  # releases the lock
            self._fd = None

    def _prepare(self) -> None:
        where = display_path(self.path)
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            raise OutputError(f"--out {where}: a file is in the way of this folder — choose another --out") from None
        except NotADirectoryError:
            raise OutputError(f"--out {where}: a parent of it is a file, not a folder — choose another --out") from None
        except OSError as exc:
            raise _os_error(exc, self.path, creating=True) from None
        self._fd = os.open(self.path, os.O_RDONLY)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._fd)
            self._fd = None
            raise OutputError(f"--out {where}: another build-deck is writing there — wait for it to finish, "
                              "or choose another --out") from None
        for target in (self.package, self.stamps):
            if target.is_dir():
                raise OutputError(f"{display_path(target)} is a folder — move it away: the build writes a file there")
        for leftover in self.path.glob(f"{_TMP_PREFIX}*{_TMP_SUFFIX}"):
            leftover.unlink(missing_ok=True)  # a killed build's; we hold the lock, so no build is writing it
        try:  # fail now, before any work, when the folder cannot take a file
            probe = self._temp("probe")
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise _os_error(exc, self.path) from None

    def _temp(self, name: str) -> Path:
        return self.path / f"{_TMP_PREFIX}{os.getpid()}-{name}{_TMP_SUFFIX}"

    def read_stamps(self) -> tuple[Stamps, Problem | None]:
        """The previous build's note stamps; none (and a warning) when the file is unreadable."""
        if not self.stamps.is_file():
            return {}, None
        try:
            data = json.loads(self.stamps.read_text(encoding="utf-8"))
            return {uid: (str(v[0]), int(v[1])) for uid, v in data["notes"].items()}, None
        except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
            return {}, Problem(display_path(self.stamps), 0, "stamps", f"ignored, it does not parse ({exc})",
                               "delete it; notes then take their source files' times", "warning")

    def write(self, write_package: Callable[[Path], None], stamps: Stamps) -> Path:
        """Write the package (``write_package(path)`` fills a file) and the stamps as one unit."""
        package_tmp, stamps_tmp = self._temp("package"), self._temp("stamps")
        try:
            # The stamps are formatted meanwhile: the package is mostly SQLite and zlib, which
            # let other threads run.
            with ThreadPoolExecutor(max_workers=1) as thread:
                text = thread.submit(stamps_json, stamps)
                write_package(package_tmp)
                stamps_tmp.write_text(text.result(), encoding="utf-8")
            for tmp in (package_tmp, stamps_tmp):
                os.chmod(tmp, 0o644)
            os.replace(package_tmp, self.package)
            os.replace(stamps_tmp, self.stamps)
        except OSError as exc:
            raise _os_error(exc, self.path) from None
        finally:
            package_tmp.unlink(missing_ok=True)
            stamps_tmp.unlink(missing_ok=True)
        return self.package


def stamps_json(stamps: Stamps) -> str:
    # each (digest, time) tuple is written as a JSON list
    body = json.dumps({"version": 1, "notes": dict(sorted(stamps.items()))}, separators=(",", ":"), ensure_ascii=False)
    return body + "\n"


def _os_error(exc: OSError, folder: Path, creating: bool = False) -> OutputError:
    where = display_path(folder)
    if exc.errno == errno.ENOSPC:
        return OutputError(f"--out {where}: no space left on the device — free some space and build again "
                           "(nothing was replaced)")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        what = "create" if creating else "write to"
        reason = "it is read-only" if exc.errno == errno.EROFS else "permission denied"
        return OutputError(f"--out {where}: cannot {what} it ({reason}) — make it writable, or choose another --out")
    if exc.errno == errno.EDQUOT:
        return OutputError(f"--out {where}: disk quota exceeded — free some space and build again (nothing was replaced)")
    return OutputError(f"--out {where}: cannot write ({exc.strerror or exc}) — check the folder, "
                       "or choose another --out (nothing was replaced)")


__all__: Sequence[str] = ("OutputDir", "PACKAGE_NAME", "STAMPS_NAME", "stamps_json")
