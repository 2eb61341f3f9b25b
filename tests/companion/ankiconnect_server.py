"""Run a real AnkiConnect-compatible server (PyPI ``anki-connect-server``) on loopback.

It is started with this interpreter (the test venv, Python ≥ 3.12) against a collection file
made beforehand with the ``anki`` package (its ``importPackage`` is broken), on a free port,
from an empty working directory (it reads a ``.env`` file from there). Its API key setting
does not exist: key checks are tested with ``responses`` instead.

Its ``cloneDeckConfigId`` (0.5.0) hands Anki the preset's id where Anki wants the preset, and
always fails ("'int' object does not support item assignment"). The server runs with it done
the way AnkiConnect does it (plugin/__init__.py: the preset looked up by id, ``False`` when
there is none, then cloned under the new name).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import requests

START_TIMEOUT = 60.0
SERVE = """
from anki_connect_server.anki_wrapper import AnkiWrapper
from anki_connect_server.cli import main


def clone_deck_config_id(self, name, clone_from):
    config = self.col.decks.get_config(int(clone_from))
    if config is None:
        return False
    return int(self.col.decks.add_config_returning_id(name, config))


AnkiWrapper.clone_deck_config_id = clone_deck_config_id
main(["api"])
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def anki_connect_server(collection: Path) -> Iterator[str]:
    """Yield the URL of a server on ``collection``; stop it (and wait for it) afterwards."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "ANKICONNECT_PORT": str(port), "ANKICONNECT_BIND": "127.0.0.1",
           "ANKICONNECT_COLLECTION_PATH": str(collection)}
    with tempfile.TemporaryDirectory() as cwd, open(Path(cwd) / "server.log", "w+") as log:
        proc = subprocess.Popen(
            [sys.executable, "-c", SERVE],
            cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_ready(url, proc, log)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_ready(url: str, proc: subprocess.Popen, log) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"anki-connect-server exited with {proc.returncode}:\n{log.read()}")
        try:
            if requests.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    log.seek(0)
    raise RuntimeError(f"anki-connect-server did not answer at {url} within {START_TIMEOUT:g} s:\n{log.read()}")
