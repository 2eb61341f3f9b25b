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
  newer only if the epoch moved past its previous time — :class:`Stamper` lists those that are not.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from typing import Mapping, Sequence

from deckbuilder.core.notes import NoteSpec

Stamps = dict[str, tuple[str, int]]  # uid -> (content digest, mtime)


def content_digest(note: NoteSpec) -> str:
    """A digest of everything Anki stores for the note (type, deck, fields, tags, media)."""
    fields = note.fields
    media = note.media
    text = "\x1f".join((note.notetype, note.deck, "\x1f".join([f"{name}\x1e{fields[name]}" for name in sorted(fields)]),
                        "\x1d".join(sorted(note.tags)), "\x1d".join(sorted([m.name for m in media])) if media else ""))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class Stamper:
    """Settles note times against the previous build's stamps, a batch of notes at a time.

    The time of a changed note is the build time, which the build fixes only when it writes the
    package: :meth:`stamp` marks those notes *pending*, :meth:`finish` gives them ``now``.
    """

    def __init__(self, previous: Mapping[str, tuple[str, int]], pinned: int | None = None):
        self.previous = previous
        self.pinned = pinned
        self.stamps: Stamps = {}
        self.changed: list[str] = []
        self.not_newer: list[str] = []
        self._pending: list[str] = []

    def stamp(self, notes: Sequence[NoteSpec], digests: Sequence[str] | None = None
              ) -> tuple[list[NoteSpec], set[str]]:
        """The notes with their settled times, and the uids still pending (changed notes).

        ``digests``: the notes' :func:`content_digest`, in the same order, when already computed.
        """
        if digests is None:
            digests = [content_digest(note) for note in notes]
        elif len(digests) != len(notes):
            raise ValueError(f"{len(digests)} digests for {len(notes)} notes")
        if not self.previous and self.pinned is None:  # no previous build: every note keeps its own time
            self.stamps.update({note.uid: (digest, note.mtime) for note, digest in zip(notes, digests)})
            return list(notes), set()
        out: list[NoteSpec] = []
        pending: set[str] = set()
        previous, stamps, pinned = self.previous, self.stamps, self.pinned
        for note, digest in zip(notes, digests):
            uid = note.uid
            before = previous.get(uid)
            if before is None:  # new: its source's time
                mtime = note.mtime if pinned is None else pinned
            elif before[0] == digest:  # unchanged: the time it had
                mtime = before[1] if pinned is None else pinned
            else:
                self.changed.append(uid)
                if pinned is None:  # changed: the build time, once known
                    pending.add(uid)
                    self._pending.append(uid)
                    stamps[uid] = (digest, before[1] + 1)  # at least; finish() sets it
                    out.append(note)
                    continue
                mtime = pinned
                if pinned <= before[1]:
                    self.not_newer.append(uid)
            stamps[uid] = (digest, mtime)
            out.append(note if mtime == note.mtime else replace(note, mtime=mtime))
        return out, pending

    def finish(self, now: int) -> int | None:
        """Give every pending note the build time ``now`` (never less than one second past its
        previous time); returns the time given, or None when nothing was pending."""
        if not self._pending:
            return None
        time = max([now] + [self.stamps[uid][1] for uid in self._pending])
        for uid in self._pending:
            self.stamps[uid] = (self.stamps[uid][0], time)
        return time
