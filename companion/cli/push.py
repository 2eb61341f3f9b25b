"""``push``: import a built package into the running Anki."""

from __future__ import annotations

from pathlib import Path

import click

from deckbuilder.core.tags import PACKAGE_NAME
from companion.cli.common import (
    CONTEXT,
    ENVIRONMENT,
    client_for,
    connection_options,
    deck_option,
    errors,
    progress,
    read_settings,
)

DEFAULT_PACKAGE = Path("build") / PACKAGE_NAME

EPILOG = """\b
Examples:
  push                                          import build/atlas-distributed-systems.apkg
  push ~/Downloads/atlas-distributed-systems.apkg
  push --url http://127.0.0.1:8765 --key SECRET

\b
The path is opened by Anki itself, so Anki must run on this machine. Notes whose source
changed replace the copy in Anki, tags included: run `retag` afterwards to put the
atlas::now/status/weak tags back. When AnkiConnect cannot import (recent Anki versions
removed the importer it uses), import the file by hand: File > Import... in Anki.

""" + ENVIRONMENT


@click.command("push", epilog=EPILOG, context_settings=CONTEXT)
@click.argument("package", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_PACKAGE)
@connection_options
@deck_option
@errors
def push_command(package: Path, url: str, key: str | None, timeout: float, deck: str) -> None:
    """Import a built .apkg (default build/atlas-distributed-systems.apkg) into the running Anki."""
    from companion.push import push

    outcome = push(client_for(read_settings(url, key, timeout)), package, deck)
    click.echo(f"imported {outcome.package}: the deck \"{outcome.deck}\" has {outcome.cards:,} cards")
    progress("notes that changed were replaced with their tags: run `retag` to restore atlas::now/status/weak")
