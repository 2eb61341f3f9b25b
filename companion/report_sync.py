"""``report``'s sync: the review cache brought up to date, then the page of every diagram note.

A diagram's notes share nothing in their tags that names the page: the page is in the id each
note carries (the ``Id`` field of occlusion and speed-draw notes, the ``Comments`` of Anki's own
image occlusion). After the usual sync (:func:`companion.sync.sync`), notes tagged
``atlas::card::occlusion`` or ``atlas::card::speed-draw`` that the cache has not mapped yet are
read with ``notesInfo`` (1,000 a request) and their page and title stored in the cache. Ids never
change, so each note is read once; ``--resync`` reads them all again (titles may have changed).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from deckbuilder.core.tags import CARD

from companion.cache import ReviewCache
from companion.client import AnkiConnect, Call
from companion.core.report_progress import diagram_of
from companion.core.tags import in_subtree
from companion.speeddraw import _plain as plain_text  # one rule for field HTML to text
from companion.sync import SyncReport, sync

DIAGRAM_CARDS = (CARD.tag("occlusion"), CARD.tag("speed-draw"))
NOTES_PER_REQUEST = 1000


@dataclass(frozen=True)
class ReportSync:
    sync: SyncReport
    mapped: int  # diagram notes read this time
    requests: int  # HTTP requests, the sync's included


def sync_for_report(client: AnkiConnect, cache: ReviewCache, deck: str, *, now: int,
                    rebuild: bool = False) -> ReportSync:
    before = client.requests_made
    result = sync(client, cache, deck, now=now, rebuild=rebuild)
    mapped = map_diagram_notes(client, cache)
    return ReportSync(result, mapped, client.requests_made - before)


def unmapped_diagram_notes(cache: ReviewCache) -> list[int]:
    known = cache.diagram_notes()
    tags = cache.note_tags()
    return sorted(nid for nid in cache.member_notes()
                  if nid not in known and any(in_subtree(t, c) for t in tags.get(nid, ()) for c in DIAGRAM_CARDS))


def map_diagram_notes(client: AnkiConnect, cache: ReviewCache) -> int:
    nids = unmapped_diagram_notes(cache)
    if not nids:
        return 0
    chunks = [nids[i:i + NOTES_PER_REQUEST] for i in range(0, len(nids), NOTES_PER_REQUEST)]
    rows = []
    for infos in client.multi([Call("notesInfo", {"notes": chunk}) for chunk in chunks], batch=1):
        for info in infos:
            if info and "noteId" in info:
                rows.append(diagram_row(info))
    cache.save_diagram_notes(rows)
    return len(rows)


def diagram_row(info: dict[str, Any]) -> tuple[int, str | None, str, bool]:
    """``(nid, page, title, is speed-draw)`` of a ``notesInfo`` entry (page None: not a diagram's note)."""
    fields = {name: str(f.get("value", "")) for name, f in (info.get("fields") or {}).items() if isinstance(f, dict)}
    uid = html.unescape(fields.get("Id", ""))
    page = diagram_of(uid) if uid else None
    if page is None and "Comments" in fields:  # Anki's own image occlusion: "Built by atlas-anki (atlas-io:…)."
        page = _io_page(plain_text(fields["Comments"]))
    speed = uid.startswith("atlas-speed-draw:")
    return int(info["noteId"]), page, _title(fields, speed), speed


def _io_page(comments: str) -> str | None:
    start = comments.find("(atlas-io:")
    end = comments.find(")", start)
    return diagram_of(comments[start + 1:end]) if start >= 0 and end > start else None


def _title(fields: dict[str, str], speed: bool) -> str:
    if speed and "Title" in fields:
        return plain_text(fields["Title"])
    if "Diagram" in fields:  # occlusion: the block's title, "<page title> — diagram 2" for another block
        return plain_text(fields["Diagram"]).split(" — diagram ")[0]
    if "Header" in fields:  # native image occlusion: "<title><br><small>context</small>"
        return plain_text(fields["Header"].split("<br>")[0])
    return ""

