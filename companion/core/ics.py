"""iCalendar (RFC 5545) text for the speed-draw sessions: one event per diagram.

Times are floating local times (no time zone: the session is at 08:00 wherever the learner
is); lines end in CRLF and are folded at 75 octets without splitting a UTF-8 character.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Sequence

PRODID = "-//atlas-anki//speed-draw//EN"


@dataclass(frozen=True)
class Event:
    uid: str
    start: dt.datetime  # naive: floating local time
    minutes: int
    summary: str
    description: str


def escape(text: str) -> str:
    """TEXT value escaping (RFC 5545 §3.3.11)."""
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def fold(line: str) -> str:
    """Split a content line into chunks of at most 75 octets, continuation lines start with a space."""
    chunks: list[str] = []
    current, size, limit = "", 0, 75
    for char in line:
        n = len(char.encode("utf-8"))
        if size + n > limit:
            chunks.append(current)
            current, size, limit = " ", 1, 75
        current += char
        size += n
    chunks.append(current)
    return "\r\n".join(chunks)


def _local(t: dt.datetime) -> str:
    return t.strftime("%Y%m%dT%H%M%S")


def calendar(events: Sequence[Event], stamp: dt.datetime) -> str:
    """A VCALENDAR with the events; ``stamp`` (UTC) is every event's DTSTAMP."""
    utc = stamp.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN"]
    for e in events:
        end = e.start + dt.timedelta(minutes=e.minutes)
        lines += [
            "BEGIN:VEVENT",
            f"UID:{e.uid}",
            f"DTSTAMP:{utc}",
            f"DTSTART:{_local(e.start)}",
            f"DTEND:{_local(end)}",
            f"SUMMARY:{escape(e.summary)}",
            f"DESCRIPTION:{escape(e.description)}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
