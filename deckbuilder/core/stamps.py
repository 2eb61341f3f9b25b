"""Note times that change only when a note changes.

Anki updates a note on import only when the incoming modification time is newer, and an
update replaces the note's tags (the learner's own included). So a note should look newer
exactly when its content changed. With the previous build's stamps (uid -> content digest and
time), an unchanged note keeps its old time; a changed one gets its source's time, and never
less than one second past the time it had.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from typing import Mapping, Sequence

from deckbuilder.core.notes import NoteSpec

Stamps = dict[str, tuple[str, int]]  # uid -> (content digest, mtime)


def content_digest(note: NoteSpec) -> str:
    body = json.dumps([note.notetype, note.deck, sorted(note.fields.items()), sorted(note.tags),
                       sorted((m.name for m in note.media))], ensure_ascii=False)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:32]


def restamp(notes: Sequence[NoteSpec], previous: Mapping[str, tuple[str, int]]) -> tuple[list[NoteSpec], Stamps]:
    """The notes with their times settled against ``previous``, and the stamps to keep."""
    out: list[NoteSpec] = []
    stamps: Stamps = {}
    for note in notes:
        digest = content_digest(note)
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
