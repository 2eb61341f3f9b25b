"""Write notes to an ``.apkg`` with genanki: stable ids, reproducible bytes, atomic output.

This module owns genanki. Identity: a note's GUID comes from its stable ``uid`` only; model
ids are frozen constants; deck ids derive from the deck name. Time: each note carries its own
modification time (``NoteSpec.mtime``), the package a build time given by the caller. The zip
entries carry a fixed date, so unchanged sources give byte-identical packages.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import sqlite3
import zipfile
from pathlib import Path
from typing import Sequence

import genanki

from deckbuilder.atomicfile import replacing
from deckbuilder.core.notes import NoteSpec
from deckbuilder.errors import OutputError
from deckbuilder.notetypes import REGISTRY, NoteTypeSpec

ZIP_DATE = (1980, 1, 1, 0, 0, 0)
STORED_SUFFIXES = {".png", ".webp", ".jpg", ".jpeg", ".gif"}


def note_guid(uid: str) -> str:
    """The GUID of the note with stable id ``uid`` (never from its text)."""
    return genanki.guid_for("atlas-anki", uid)


def deck_id(name: str) -> int:
    """A stable deck id from the deck's full name (positive, fits Anki's 64-bit ids)."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:6], "big") | (1 << 48)


class _Model(genanki.Model):
    """A genanki model with extra keys in its JSON (e.g. ``originalStockKind``)."""

    def __init__(self, spec: NoteTypeSpec):
        super().__init__(
            model_id=spec.model_id,
            name=spec.name,
            fields=[{"name": name} for name in spec.fields],
            templates=[{"name": t.name, "qfmt": t.front, "afmt": t.back} for t in spec.templates],
            css=spec.css,
            model_type=genanki.Model.CLOZE if spec.kind == "cloze" else genanki.Model.FRONT_BACK,
            sort_field_index=spec.sort_field,
        )
        self._extra = dict(spec.extra)

    def to_json(self, timestamp: float, deck_id: int) -> dict:
        data = super().to_json(timestamp, deck_id)
        data.update(self._extra)
        return data


class _TimedNote(genanki.Note):
    """A note whose modification time is its own, not the package's."""

    def __init__(self, mtime: int, **kwargs):
        super().__init__(**kwargs)
        self.mtime = mtime

    def write_to_db(self, cursor, timestamp: float, deck_id, id_gen):  # noqa: ANN001 - genanki's signature
        return super().write_to_db(cursor, self.mtime, deck_id, id_gen)

    def _check_invalid_html_tags_in_fields(self) -> None:
        """Skipped: every field is HTML this project generated (cmark output or escaped text)."""


def _models() -> dict[str, _Model]:
    return {key: _Model(spec) for key, spec in REGISTRY.items()}


def build_package(notes: Sequence[NoteSpec]) -> tuple[genanki.Package, list[tuple[str, str]]]:
    """The genanki package for ``notes`` and its media as sorted (name, path) pairs."""
    models = _models()
    decks: dict[str, genanki.Deck] = {}
    media: dict[str, str] = {}
    for spec in notes:
        model = models.get(spec.notetype)
        if model is None:
            raise OutputError(f'note "{spec.uid}": unknown note type "{spec.notetype}"')
        try:
            fields = [spec.fields[name] for name in REGISTRY[spec.notetype].fields]
        except KeyError as exc:
            raise OutputError(f'note "{spec.uid}": field {exc} of note type "{spec.notetype}" is missing') from None
        if len(spec.fields) != len(fields):
            extra = sorted(set(spec.fields) - set(REGISTRY[spec.notetype].fields))
            raise OutputError(f'note "{spec.uid}": fields {extra} are not in note type "{spec.notetype}"')
        deck = decks.get(spec.deck)
        if deck is None:
            deck = decks[spec.deck] = genanki.Deck(deck_id(spec.deck), spec.deck)
        deck.add_note(_TimedNote(spec.mtime, model=model, fields=fields, tags=list(spec.tags), guid=note_guid(spec.uid)))
        for item in spec.media:
            known = media.setdefault(item.name, item.path)
            if known != item.path and os.path.realpath(known) != os.path.realpath(item.path):
                raise OutputError(f'media name "{item.name}" is used for two files: {known} and {item.path}')
    package = genanki.Package([decks[name] for name in sorted(decks)])
    return package, sorted(media.items())


def write_package(notes: Sequence[NoteSpec], out_path: Path, build_time: int) -> Path:
    """Write ``notes`` to ``out_path`` atomically (a temporary file beside it, then a rename)."""
    with replacing(out_path) as tmp:
        write_package_file(notes, tmp, build_time)
    return out_path


def write_package_file(notes: Sequence[NoteSpec], path: Path, build_time: int) -> None:
    """Write ``notes`` as an ``.apkg`` to ``path`` (in place: the caller makes it atomic).

    The collection is built in memory, so a killed build leaves no temporary database behind.
    """
    package, media = build_package(notes)
    conn = sqlite3.connect(":memory:")
    try:
        cursor = conn.cursor()
        package.write_to_db(cursor, build_time, itertools.count(build_time * 1000))
        conn.commit()
        collection = conn.serialize()
    finally:
        conn.close()
    with zipfile.ZipFile(path, "w") as zf:
        _add(zf, "collection.anki2", collection, compress=True)
        index = {str(i): name for i, (name, _) in enumerate(media)}
        _add(zf, "media", json.dumps(index, sort_keys=True).encode(), compress=True)
        for i, (name, media_path) in enumerate(media):
            _add(zf, str(i), Path(media_path).read_bytes(), compress=Path(name).suffix.lower() not in STORED_SUFFIXES)


def _add(zf: zipfile.ZipFile, name: str, data: bytes, *, compress: bool) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    zf.writestr(info, data)
