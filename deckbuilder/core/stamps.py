"""Note times: a note whose content changed imports as newer than anything a collection holds.

Anki updates a note on import only when the incoming modification time is newer than the
note it has — and the note it has gets a new time whenever its tags change in Anki (``retag``,
``speed-draw plan``, Anki's own leech tag), which can be long after the source was edited. An
update also replaces the note's tags (the learner's own included). So:

- a **changed** note (its content digest differs from the previous build's) is stamped with the
  **build time**, later than any change a collection can have made to it before the build;
- an **unchanged** note keeps the time it had, so Anki skips it and leaves its tags alone;
- a note the previous build did not have keeps its source's time (a new note is added on
  import whatever its time);
- with ``SOURCE_DATE_EPOCH`` every note has that time: reproducible bytes, but a changed note is
  newer only if the epoch moved past its previous time — :func:`restamp` lists those that are not.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from typing import Mapping, Sequence

from deckbuilder.core.notes import NoteSpec

Stamps = dict[str, tuple[str, int]]  # uid -> (content digest, mtime)


def content_digest(note: NoteSpec) -> str:
    """A digest of everything Anki stores for the note (type, deck, fields, tags, media)."""
    parts = [note.notetype, note.deck, *(f"{k}\x1e{v}" for k, v in sorted(note.fields.items())),
             "\x1d".join(sorted(note.tags)), "\x1d".join(sorted(m.name for m in note.media))]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class Restamped:
    notes: list[NoteSpec]
    stamps: Stamps
    changed: tuple[str, ...]  # uids whose content differs from the previous build
    not_newer: tuple[str, ...]  # changed uids that a pinned time cannot make newer (Anki skips them)


def restamp(notes: Sequence[NoteSpec], previous: Mapping[str, tuple[str, int]], *, now: int,
            pinned: int | None = None, digests: Mapping[str, str] | None = None) -> Restamped:
    """The notes with their times settled against the previous build's ``previous`` stamps.

    ``now`` is the build time; ``pinned`` is ``SOURCE_DATE_EPOCH`` when set. ``digests``
    (uid -> content digest) may carry digests computed earlier; the others are computed.
    """
    out: list[NoteSpec] = []
    stamps: Stamps = {}
    changed: list[str] = []
    not_newer: list[str] = []
    known = digests or {}
    for note in notes:
        digest = known.get(note.uid) or content_digest(note)
        before = previous.get(note.uid)
        is_changed = before is not None and before[0] != digest
        if pinned is not None:
            mtime = pinned
            if is_changed and pinned <= before[1]:  # type: ignore[index]
                not_newer.append(note.uid)
        elif before is None:
            mtime = note.mtime
        elif not is_changed:
            mtime = before[1]
        else:
            mtime = max(now, before[1] + 1)
        if is_changed:
            changed.append(note.uid)
        stamps[note.uid] = (digest, mtime)
        out.append(note if mtime == note.mtime else replace(note, mtime=mtime))
    return Restamped(out, stamps, tuple(changed), tuple(not_newer))
