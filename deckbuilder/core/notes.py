"""What the writer writes: notes as plain data, independent of genanki."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from deckbuilder.core.tags import ROOT_DECK


@dataclass(frozen=True)
class MediaFile:
    """A file the package carries. ``name`` is what the fields refer to; ``path`` where it is."""

    name: str
    path: str


@dataclass(frozen=True)
class NoteSpec:
    """One note to write.

    ``notetype`` is a key of ``deckbuilder.notetypes.REGISTRY``; ``fields`` maps every field
    name of that note type to its HTML. ``uid`` is the stable id the GUID derives from.
    ``mtime`` (seconds) becomes the note's modification time: Anki updates an existing note on
    import only when this is newer than the note it has.
    """

    notetype: str
    uid: str
    deck: str
    fields: Mapping[str, str]
    tags: tuple[str, ...]
    mtime: int
    media: tuple[MediaFile, ...] = field(default=())


def deck_name(subdeck: str) -> str:
    """The full deck name of a subdeck below the root deck."""
    return f"{ROOT_DECK}::{subdeck}" if subdeck else ROOT_DECK
