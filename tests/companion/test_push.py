"""``push``: importPackage through AnkiConnect, and the manual path whenever that fails."""

from __future__ import annotations

import json
import socket

import responses
from click.testing import CliRunner

from companion.cli import push_command

pytest_plugins = ["companion_fixtures"]

URL = "http://127.0.0.1:8765"


def manual(path) -> str:
    return (f"Import it by hand instead: in Anki choose File > Import... and pick {path} (or open that file with "
            f"Anki); notes keep their review history either way.")


def package(tmp_path):
    import genanki

    model = genanki.Model(1607392319, "Simple", fields=[{"name": "Q"}], templates=[
        {"name": "Card 1", "qfmt": "{{Q}}", "afmt": "{{Q}}"}])
    deck = genanki.Deck(2059400110, "Atlas Distributed Systems")
    deck.add_note(genanki.Note(model=model, fields=["What is CAP?"], guid="cap-1"))
    path = tmp_path / "atlas-distributed-systems.apkg"
    genanki.Package(deck).write_to_file(path, timestamp=1_700_000_000)
    return path


def push(*args: str):
    return CliRunner().invoke(push_command, list(args))


@responses.activate
def test_push_imports_and_checks_the_deck(tmp_path, companion_home):
    path = package(tmp_path)
    responses.post(URL, json={"result": True, "error": None})
    responses.post(URL, json={"result": [{"result": ["Atlas Distributed Systems", "Default"], "error": None},
                                         {"result": [11, 12, 13], "error": None}], "error": None})
    result = push(str(path), "--url", URL)
    assert result.exit_code == 0, result.output
    assert result.stdout == f'imported {path}: the deck "Atlas Distributed Systems" has 3 cards\n'
    assert result.stderr == ("notes that changed were replaced with their tags: run `retag` to restore "
                             "atlas::now/status/weak\n")
    assert json.loads(responses.calls[0].request.body) == {"action": "importPackage", "version": 6,
                                                           "params": {"path": str(path)}}


def test_push_to_a_server_whose_import_is_broken(served, tmp_path, companion_home):
    path = package(tmp_path)
    result = push(str(path), "--url", served.url)
    assert result.exit_code == 1
    assert result.stderr == ("push: AnkiConnect failed on importPackage with HTTP 500: 'str' object has no "
                             f"attribute 'SerializeToString'\n{manual(path)}\n")


@responses.activate
def test_push_when_ankiconnect_declines(tmp_path, companion_home):
    path = package(tmp_path)
    responses.post(URL, json={"result": False, "error": None})
    result = push(str(path), "--url", URL)
    assert result.stderr == (f"push: AnkiConnect did not import {path.name} (importPackage answered False).\n"
                             f"{manual(path)}\n")


@responses.activate
def test_push_when_the_deck_does_not_appear(tmp_path, companion_home):
    path = package(tmp_path)
    responses.post(URL, json={"result": True, "error": None})
    responses.post(URL, json={"result": [{"result": ["Default"], "error": None}, {"result": [], "error": None}],
                              "error": None})
    result = push(str(path), "--url", URL)
    assert result.stderr == (f'push: AnkiConnect reported {path.name} imported, but there is no deck named '
                             f'"Atlas Distributed Systems": pass the package\'s deck with --deck, or check the '
                             f"import in Anki.\n{manual(path)}\n")


def test_push_when_anki_is_down(tmp_path, companion_home):
    path = package(tmp_path)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = push(str(path), "--url", f"http://127.0.0.1:{port}")
    assert result.exit_code == 1
    assert result.stderr == (f"push: Anki is not running or AnkiConnect is not installed at http://127.0.0.1:{port}: "
                             f"start Anki with the AnkiConnect add-on (code 2055492159), or pass --url / set "
                             f"ANKICONNECT_URL if it listens elsewhere\n{manual(path)}\n")


def test_push_without_a_package(tmp_path, companion_home):
    missing = tmp_path / "build" / "atlas-distributed-systems.apkg"
    result = push(str(missing))
    assert result.stderr == (f"push: {missing} does not exist: build it with `make deck` (or `build-deck`), "
                             f"or pass the path of a built .apkg\n")
