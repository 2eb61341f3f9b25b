"""Write notes to an ``.apkg`` with genanki: stable ids, reproducible bytes, atomic output.

This module owns genanki. Identity: a note's GUID comes from its stable ``uid`` only; model
ids are frozen constants; deck ids derive from the deck name; note and card ids count up from a
time the caller gives (the build: its newest source). Time: each note carries its own
modification time (``NoteSpec.mtime``), the package a build time given by the caller. The zip
entries carry a fixed date, so unchanged sources give byte-identical packages.
"""

from __future__ import annotations

import hashlib
import json
import operator
import os
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Collection, Iterable, Mapping, Sequence

import genanki
from genanki.apkg_col import APKG_COL
from genanki.apkg_schema import APKG_SCHEMA
from genanki.util import BASE91_TABLE

from deckbuilder.atomicfile import replacing
from deckbuilder.core.notes import NoteSpec
from deckbuilder.errors import OutputError
from deckbuilder.notetypes import REGISTRY, NoteTypeSpec
from deckbuilder.zipout import Entry, write_zip

STORED_SUFFIXES = {".png", ".webp", ".jpg", ".jpeg", ".gif"}
_BASE91 = "".join(BASE91_TABLE)  # the digits of Anki's GUIDs


def note_guid(uid: str) -> str:
    """The GUID of the note with stable id ``uid`` (never from its text).

    It is ``genanki.guid_for("atlas-anki", uid)``, computed without genanki's per-byte loops
    (the build makes one per note; a test holds the two equal)."""
    number = int.from_bytes(hashlib.sha256(f"atlas-anki__{uid}".encode("utf-8")).digest()[:8], "big")
    digits = []
    while number:
        number, digit = divmod(number, 91)
        digits.append(_BASE91[digit])
    return "".join(reversed(digits))


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


def _models() -> dict[str, _Model]:
    return {key: _Model(spec) for key, spec in REGISTRY.items()}


_CLOZE_NUMBER = re.compile(r"{{c(\d+)::.+?}}", re.S)
_CLOZE_FIELD = re.compile(r"{{[^}]*?cloze:(?:[^}]?:)*(.+?)}}")


@dataclass(frozen=True)
class _Kind:
    """How one note type lays out a note's row and makes its cards (as genanki does)."""

    model: _Model
    fields: tuple[str, ...]
    sort_field: int
    cloze_fields: tuple[int, ...]  # cloze note types: the fields whose {{cN::…}} make cards
    requirements: tuple[tuple[int, Callable[[Iterable[str]], bool], Callable[[Sequence[str]], tuple[str, ...]]], ...]
    # standard note types: (ord, any or all, the fields it looks at) for each template
    field_set: frozenset[str]  # the names of ``fields``: a note of this type has exactly these
    values: Callable[[Mapping[str, str]], tuple[str, ...]]  # a note's field values, in the order of ``fields``


def _kinds() -> dict[str, _Kind]:
    kinds = {}
    for key, model in _models().items():
        spec = REGISTRY[key]
        cloze = spec.kind == "cloze"
        names = tuple(_CLOZE_FIELD.findall(spec.templates[0].front)) if cloze else ()
        kinds[key] = _Kind(
            model=model, fields=spec.fields, sort_field=spec.sort_field,
            cloze_fields=tuple(spec.fields.index(n) for n in names if n in spec.fields),
            requirements=() if cloze else tuple((o, any if how == "any" else all, _getter(f)) for o, how, f in model._req),
            field_set=frozenset(spec.fields),
            values=_getter(spec.fields),
        )
    return kinds


def _getter(keys: Sequence[Any]) -> Callable[[Any], tuple]:
    """The items at ``keys`` (indexes of a sequence, or keys of a mapping), always as a tuple."""
    if len(keys) == 1:
        key = keys[0]
        return lambda items: (items[key],)
    return operator.itemgetter(*keys)


def _card_ords(kind: _Kind, fields: Sequence[str]) -> list[int]:
    """The cards a note gets: genanki's rule (standard: each template whose required fields are
    filled; cloze: one card per cloze number)."""
    if kind.cloze_fields:
        ords = {int(n) - 1 for i in kind.cloze_fields for n in _CLOZE_NUMBER.findall(fields[i]) if int(n) > 0}
        return sorted(ords) or [0]
    return [o for o, test, required in kind.requirements if test(required(fields))]


# A note row: id, guid, mid, mod, tags, flds, sfld (usn -1, csum, flags 0, no data, as genanki
# writes them); a card row: id, nid, did, ord, mod (new, never reviewed: the rest 0, usn -1).
_INSERT_NOTE = "INSERT INTO notes VALUES(?,?,?,?,-1,?,?,?,0,0,'')"
_INSERT_CARD = "INSERT INTO cards VALUES(?,?,?,?,?,-1,0,0,0,0,0,0,0,0,0,0,0,'')"
_PENDING = -2  # a note modification time decided when the package is written (see PackageBuilder.add)
_TABLES = "\n".join(line for line in APKG_SCHEMA.splitlines() if not line.lstrip().upper().startswith("CREATE INDEX"))
_INDEXES = "\n".join(line for line in APKG_SCHEMA.splitlines() if line.lstrip().upper().startswith("CREATE INDEX"))


class PackageBuilder:
    """A package assembled note by note in an in-memory collection, written out at the end.

    Notes can be added while the rest of the build is still running (the build adds each topic
    as its worker returns it). Note and card ids count up from ``id_time`` (seconds; as genanki
    numbers them, from ``id_time * 1000``), so the same notes and ``id_time`` give the same bytes;
    Anki moves an incoming id that its collection already holds. A note added as *pending* takes
    its modification time at :meth:`write` (the build stamps changed notes with the build time,
    known only then).
    """

    def __init__(self, id_time: int) -> None:
        self._kinds = _kinds()
        self._conn = sqlite3.connect(":memory:")
        self._cursor = self._conn.cursor()
        # genanki's schema; its indexes are built once at the end (faster than kept up per row)
        self._cursor.executescript(_TABLES)
        self._cursor.executescript(APKG_COL)
        self._decks: dict[str, genanki.Deck] = {}
        self._deck_ids: dict[tuple[str, int], int] = {}  # (deck, model id) -> deck id, once the deck holds the type
        self._media: dict[str, str] = {}
        self._next_id = id_time * 1000

    def add(self, notes: Sequence[NoteSpec], guids: Sequence[str] | None = None,
            pending: Collection[str] = ()) -> None:
        """Add ``notes``; ``guids`` may carry their GUIDs computed earlier (:func:`note_guid` of
        each note's uid, in the order of ``notes``), ``pending`` the uids whose modification time
        is given to :meth:`write`."""
        if guids is None:
            guids = [note_guid(spec.uid) for spec in notes]
        elif len(guids) != len(notes):
            raise ValueError(f"{len(guids)} GUIDs for {len(notes)} notes")
        note_rows: list[tuple] = []
        card_rows: list[tuple] = []
        next_id = self._next_id
        for spec, guid in zip(notes, guids):
            kind = self._check(spec)
            fields = kind.values(spec.fields)
            mtime = _PENDING if spec.uid in pending else spec.mtime
            nid = next_id
            next_id += 1
            note_rows.append((nid, guid, kind.model.model_id, mtime,
                              " " + " ".join(spec.tags) + " ", "\x1f".join(fields), fields[kind.sort_field]))
            did = self._deck(spec.deck, kind)
            for ord_ in _card_ords(kind, fields):
                card_rows.append((next_id, nid, did, ord_, mtime))
                next_id += 1
        self._next_id = next_id
        self._cursor.executemany(_INSERT_NOTE, note_rows)
        self._cursor.executemany(_INSERT_CARD, card_rows)

    def _check(self, spec: NoteSpec) -> _Kind:
        kind = self._kinds.get(spec.notetype)
        if kind is None:
            raise OutputError(f'note "{spec.uid}": unknown note type "{spec.notetype}"')
        if spec.fields.keys() != kind.field_set:
            missing = [name for name in kind.fields if name not in spec.fields]
            if missing:
                raise OutputError(f'note "{spec.uid}": field \'{missing[0]}\' of note type "{spec.notetype}" is missing')
            extra = sorted(set(spec.fields) - set(kind.fields))
            raise OutputError(f'note "{spec.uid}": fields {extra} are not in note type "{spec.notetype}"')
        for item in spec.media:
            known = self._media.setdefault(item.name, item.path)
            if known != item.path and os.path.realpath(known) != os.path.realpath(item.path):
                raise OutputError(f'media name "{item.name}" is used for two files: {known} and {item.path}')
        return kind

    def _deck(self, name: str, kind: _Kind) -> int:
        """The id of deck ``name``, which then holds the note type of ``kind``."""
        did = self._deck_ids.get((name, kind.model.model_id))
        if did is None:
            deck = self._decks.get(name)
            if deck is None:
                deck = self._decks[name] = genanki.Deck(deck_id(name), name)
            deck.add_model(kind.model)
            did = self._deck_ids[(name, kind.model.model_id)] = deck.deck_id
        return did

    def write(self, path: Path, build_time: int, pending_time: int | None = None) -> None:
        """Write the package to ``path`` (in place: the caller makes it atomic) and close."""
        try:
            cursor = self._cursor
            if pending_time is not None:
                cursor.execute("UPDATE notes SET mod = ? WHERE mod = ?", (pending_time, _PENDING))
                cursor.execute("UPDATE cards SET mod = ? WHERE mod = ?", (pending_time, _PENDING))
            _write_decks(cursor, [self._decks[name] for name in sorted(self._decks)], build_time)
            cursor.executescript(_INDEXES)
            self._conn.commit()
            collection = self._conn.serialize()
        finally:
            self._conn.close()
        media = sorted(self._media.items())
        index = {str(i): name for i, (name, _) in enumerate(media)}
        entries = [Entry("collection.anki2", compress=True, data=collection),
                   Entry("media", compress=True, data=json.dumps(index, sort_keys=True).encode())]
        entries += [Entry(str(i), compress=Path(name).suffix.lower() not in STORED_SUFFIXES, path=media_path)
                    for i, (name, media_path) in enumerate(media)]
        with open(path, "wb") as out:
            write_zip(out, entries)

    def close(self) -> None:
        self._conn.close()


def _write_decks(cursor: sqlite3.Cursor, decks: Sequence[genanki.Deck], build_time: int) -> None:
    """The decks and note types into genanki's collection row (what ``Deck.write_to_db`` does,
    with the JSON updated once instead of once per deck)."""
    decks_json = json.loads(cursor.execute("SELECT decks FROM col").fetchone()[0])
    models_json = json.loads(cursor.execute("SELECT models FROM col").fetchone()[0])
    for deck in decks:
        decks_json[str(deck.deck_id)] = deck.to_json()
        for model in deck.models.values():
            models_json[str(model.model_id)] = model.to_json(build_time, deck.deck_id)
    cursor.execute("UPDATE col SET decks = ?, models = ?", (json.dumps(decks_json), json.dumps(models_json)))


def write_package(notes: Sequence[NoteSpec], out_path: Path, build_time: int) -> Path:
    """Write ``notes`` to ``out_path`` atomically (a temporary file beside it, then a rename)."""
    with replacing(out_path) as tmp:
        write_package_file(notes, tmp, build_time)
    return out_path


def write_package_file(notes: Sequence[NoteSpec], path: Path, build_time: int,
                       guids: Sequence[str] | None = None) -> None:
    """Write ``notes`` as an ``.apkg`` to ``path`` (in place: the caller makes it atomic).

    The collection is built in memory, so a killed build leaves no temporary database behind.
    """
    builder = PackageBuilder(build_time)
    try:
        builder.add(notes, guids)
    except BaseException:
        builder.close()
        raise
    builder.write(path, build_time)
