"""Note times that change only when a note changes.

Anki updates a note on import only when the incoming modification time is newer, and an
update replaces the note's tags (the learner's own included). So a note should look newer
exactly when its content changed. With the previous build's stamps (uid -> content digest and
time), an unchanged note keeps its old time; a changed one gets its source's time, and never
less than one second past the time it had.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from typing import Mapping, Sequence

from deckbuilder.core.notes import NoteSpec

Stamps = dict[str, tuple[str, int]]  # uid -> (content digest, mtime)


def content_digest(note: NoteSpec) -> str:
    """A digest of everything Anki stores for the note (type, deck, fields, tags, media)."""
    parts = [note.notetype, note.deck, *(f"{k}\x1e{v}" for k, v in sorted(note.fields.items())),
             "\x1d".join(sorted(note.tags)), "\x1d".join(sorted(m.name for m in note.media))]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def restamp(notes: Sequence[NoteSpec], previous: Mapping[str, tuple[str, int]],
            digests: Mapping[str, str] | None = None) -> tuple[list[NoteSpec], Stamps]:
    """The notes with their times settled against ``previous``, and the stamps to keep.

    ``digests`` (uid -> content digest) may carry digests computed earlier; others are computed.
    """
    out: list[NoteSpec] = []
    stamps: Stamps = {}
    known = digests or {}
    for note in notes:
        digest = known.get(note.uid) or content_digest(note)
        before = previous.get(note.uid)
        if before is None:
            mtime = note.mtime
        elif before[0] == digest:
            mtime = before[1]
        else:
            mtime = max(note.mtime, before[1] + 1)
        stamps[note.uid] = (digest, mtime)
        out.append(note if mtime == note.mtime else replace(note, mtime=mtime))
    return out, stamps
