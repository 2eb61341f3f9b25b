"""The one on-disk cache: JSON values in a SQLite index, and files named by their content.

Every entry lives under ``<cache dir>/<fingerprint prefix>/``. The fingerprint covers the whole
``deckbuilder`` package's code (every ``*.py``, ``*.js``, ``*.css`` and ``*.html`` file below
it, found by walking the package: no hand-kept list) and the versions of the tools the caller
names; the key of an entry covers its inputs. So any change to the code or a tool is a new,
empty folder, and the folders of other fingerprints are pruned when the store opens.

Values are JSON (never pickles): a value that does not decode is a miss. Files are written
atomically and named by the SHA-256 of their bytes, so a name always means the same content.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sqlite3
import threading
from pathlib import Path
from typing import Any, Mapping

from deckbuilder.atomicfile import write_bytes

PACKAGE_DIR = Path(__file__).resolve().parent
CODE_SUFFIXES = (".py", ".js", ".css", ".html")
INDEX = "index.sqlite"
FILES = "files"
FORMAT = "1"  # the layout of the folder itself (not of the values: those are covered by the code)
_FOLDER = re.compile(r"^[0-9a-f]{16}$")  # a fingerprint prefix: the only folders pruning touches


def code_digest(package_dir: Path = PACKAGE_DIR) -> str:
    """SHA-256 over every code file below ``package_dir``: its path and its bytes."""
    h = hashlib.sha256()
    files = sorted(p for p in package_dir.rglob("*") if p.suffix in CODE_SUFFIXES and p.is_file()
                   and "__pycache__" not in p.parts)
    for path in files:
        data = path.read_bytes()
        h.update(f"{path.relative_to(package_dir).as_posix()}\0{len(data)}\0".encode("utf-8"))
        h.update(data)
    return h.hexdigest()


def fingerprint(tools: Mapping[str, str], package_dir: Path = PACKAGE_DIR) -> str:
    """The fingerprint of the code and the tools' versions (``{"mermaid": "12.3.0", …}``)."""
    parts = [f"format={FORMAT}", f"code={code_digest(package_dir)}"]
    parts += [f"{name}={version}" for name, version in sorted(tools.items())]
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


def key_of(*inputs: str) -> str:
    """An entry's key: SHA-256 of its inputs."""
    return hashlib.sha256("\0".join(inputs).encode("utf-8", "surrogatepass")).hexdigest()


class CacheStore:
    """``<root>/<fingerprint[:16]>/index.sqlite`` (values by namespace and key) and ``files/``.

    Safe to use from several threads (one connection, serialized). Writes are committed by
    :meth:`commit` or :meth:`close`; a store that cannot be written only costs time.
    """

    def __init__(self, root: Path, fingerprint: str):
        self.root = root
        self.fingerprint = fingerprint
        self.folder = root / fingerprint[:16]
        self.files = self.folder / FILES
        self._lock = threading.Lock()
        self._pending = 0
        self.folder.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.folder / INDEX, timeout=30, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
        self._db.execute("CREATE TABLE IF NOT EXISTS entry (namespace TEXT NOT NULL, key TEXT NOT NULL, "
                         "value TEXT NOT NULL, PRIMARY KEY (namespace, key)) WITHOUT ROWID")
        self._db.execute("INSERT OR IGNORE INTO meta VALUES ('fingerprint', ?)", (fingerprint,))
        self._prune()

    # --- values ------------------------------------------------------------------------------

    def get(self, namespace: str, key: str) -> Any | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM entry WHERE namespace = ? AND key = ?", (namespace, key)).fetchone()
        if row is None:
            return None
        try:
            return json.loads(row[0])
        except ValueError:
            return None

    def get_many(self, namespace: str, keys: list[str]) -> dict[str, Any]:
        """The entries of ``keys`` that exist (decoded), by key."""
        found: dict[str, Any] = {}
        with self._lock:
            for start in range(0, len(keys), 500):
                chunk = keys[start:start + 500]
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(f"SELECT key, value FROM entry WHERE namespace = ? AND key IN ({marks})",
                                        (namespace, *chunk)).fetchall()
                for key, value in rows:
                    try:
                        found[key] = json.loads(value)
                    except ValueError:
                        pass
        return found

    def put(self, namespace: str, key: str, value: Any) -> None:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        with self._lock:
            if self._pending == 0:
                self._db.execute("BEGIN")
            self._db.execute("INSERT OR REPLACE INTO entry VALUES (?, ?, ?)", (namespace, key, text))
            self._pending += 1
            if self._pending >= 200:
                self._commit_locked()

    def commit(self) -> None:
        with self._lock:
            self._commit_locked()

    def _commit_locked(self) -> None:
        if self._pending:
            self._db.execute("COMMIT")
            self._pending = 0

    def close(self) -> None:
        with self._lock:
            self._commit_locked()
            self._db.close()

    def __enter__(self) -> CacheStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- files -------------------------------------------------------------------------------

    def put_file(self, data: bytes, suffix: str) -> str:
        """Store ``data``; returns its name (``<sha256><suffix>``), the same for the same bytes."""
        name = hashlib.sha256(data).hexdigest() + suffix
        path = self.file_path(name)
        if not path.is_file():
            write_bytes(path, data)
        return name

    def file_path(self, name: str) -> Path:
        return self.files / name[:2] / name

    # --- pruning -----------------------------------------------------------------------------

    def _prune(self) -> None:
        """Remove the folders of other fingerprints (only folders that look like ours)."""
        try:
            siblings = list(self.root.iterdir())
        except OSError:
            return
        for folder in siblings:
            if folder != self.folder and _FOLDER.match(folder.name) and (folder / INDEX).is_file():
                shutil.rmtree(folder, ignore_errors=True)
