"""``push``: import a built ``.apkg`` into the running Anki through AnkiConnect's ``importPackage``.

``importPackage`` runs Anki's legacy importer, which recent Anki versions have removed (and
some AnkiConnect-compatible servers do not implement): whenever the import does not happen,
the error says how to import the file by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from companion.client import AnkiConnect, Call
from companion.core import search
from companion.errors import CompanionError, PushFailed


@dataclass(frozen=True)
class PushOutcome:
    package: Path
    deck: str
    cards: int


def manual_hint(package: Path) -> str:
    return (f"Import it by hand instead: in Anki choose File > Import... and pick {package} "
            f"(or open that file with Anki); notes keep their review history either way.")


def push(client: AnkiConnect, package: Path, deck: str) -> PushOutcome:
    package = package.expanduser().resolve()
    if not package.is_file():
        raise PushFailed(f"{package} does not exist: build it with `make deck` (or `build-deck`), "
                         f"or pass the path of a built .apkg")
    try:
        result = client.import_package(str(package))
    except CompanionError as e:
        raise PushFailed(f"{e}\n{manual_hint(package)}") from e
    if result is not True:
        raise PushFailed(f"AnkiConnect did not import {package.name} (importPackage answered {result!r}).\n"
                         f"{manual_hint(package)}")
    try:
        names, cards = client.multi([Call("deckNames"), Call("findCards", {"query": search.deck(deck)})])
    except CompanionError as e:
        raise PushFailed(f"imported {package.name}, but could not check the deck afterwards: {e}") from e
    if not any(n.casefold() == deck.casefold() for n in names):
        raise PushFailed(f'AnkiConnect reported {package.name} imported, but there is no deck named "{deck}": '
                         f"pass the package's deck with --deck, or check the import in Anki.\n{manual_hint(package)}")
    return PushOutcome(package, deck, len(cards))
