"""The register of released ids: every question id ever released, and what it meant.

A note's GUID comes from its id, so an id is a promise to every learner who has the note: a
new question under an old id would inherit someone else's review history. The register
(``cards/released-ids.tsv``, committed with the sources) keeps, for every id ever released,
its card kind (mcq, qa or cloze), its topic, a digest of the question as first released and
whether it is live or retired. Against it the build checks that:

- a retired id is never reused for a different question (the same question may come back);
- a live id keeps its card kind (Anki does not move a note to another note type on import);
- ids new in the sources, and ids gone from them, are reported until the register records them
  (``build-deck --register``).

Pure: text in, entries and problems out.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from typing import Iterable, Mapping, Sequence

from deckbuilder.core.model import Cloze, MultipleChoice, Prompted, Question, Topic
from deckbuilder.core.problems import Problem

FILE_NAME = "released-ids.tsv"
HEADER = (
    "# Every question id ever released, and what it meant: a learner's reviews hang on each one.\n"
    "# Written by `build-deck --register`; commit it with the sources. Never edit an id's kind or meaning.\n"
    "# id\tkind\ttopic\tmeaning\tstatus\n"
)
SHOWN = 5


@dataclass(frozen=True)
class Entry:
    id: str
    kind: str  # the note type: mcq, qa or cloze
    topic: str
    meaning: str  # digest of the question's prompt as first released
    retired: str = ""  # the date it was retired (YYYY-MM-DD), or "" while live
    line: int = 0  # in the register file, for messages


def kind_of(q: Question) -> str:
    if isinstance(q, MultipleChoice):
        return "mcq"
    return "cloze" if isinstance(q, Cloze) else "qa"


def meaning_of(q: Question) -> str:
    """A digest of what a question asks (its prompt, case and spacing ignored)."""
    if isinstance(q, MultipleChoice):
        text = q.stem
    elif isinstance(q, Cloze):
        text = q.text
    else:
        assert isinstance(q, Prompted)
        text = q.prompt
    normal = " ".join(text.lower().split())
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()[:12]


def parse(text: str, file: str) -> tuple[dict[str, Entry], list[Problem]]:
    entries: dict[str, Entry] = {}
    problems: list[Problem] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 5 or not (parts[4] == "live" or re.fullmatch(r"retired \d{4}-\d{2}-\d{2}", parts[4])):
            problems.append(Problem(file, number, "register", "not an entry (id, kind, topic, meaning, status "
                                    "separated by tabs; status live or retired YYYY-MM-DD)",
                                    "restore the line from git; the register is written by build-deck --register"))
            continue
        ident, kind, topic, meaning, status = parts
        entries[ident] = Entry(ident, kind, topic, meaning, status.removeprefix("retired ").strip()
                               if status != "live" else "", number)
    return entries, problems


def format_register(entries: Iterable[Entry]) -> str:
    rows = [f"{e.id}\t{e.kind}\t{e.topic}\t{e.meaning}\t{'retired ' + e.retired if e.retired else 'live'}"
            for e in sorted(entries, key=lambda e: e.id)]
    return HEADER + "".join(row + "\n" for row in rows)


@dataclass(frozen=True)
class RegisterCheck:
    problems: tuple[Problem, ...]
    new: tuple[str, ...]  # in the sources, not yet registered
    gone: tuple[str, ...]  # registered live, no longer in the sources
    retired: tuple[str, ...]  # registered as retired (reported in every build's summary)


def check(topics: Sequence[Topic], entries: Mapping[str, Entry], file: str) -> RegisterCheck:
    problems: list[Problem] = []
    new: list[str] = []
    present: set[str] = set()
    for topic in topics:
        for q in topic.questions:
            present.add(q.id)
            entry = entries.get(q.id)
            item = f'question "{q.id}"'
            if entry is None:
                new.append(q.id)
            elif entry.retired and entry.meaning != meaning_of(q):
                problems.append(Problem(
                    q.origin.file, q.origin.line, item,
                    f"reuses an id retired on {entry.retired} (it was a {entry.kind} question of topic "
                    f"{entry.topic}, {file}:{entry.line}); learners who had it would see this question with its history",
                    "give this question a new id"))
            elif entry.kind != kind_of(q):
                problems.append(Problem(
                    q.origin.file, q.origin.line, item,
                    f"was released as a {entry.kind} card ({file}:{entry.line}) and is now a {kind_of(q)} card; "
                    "Anki does not change a note's type on import",
                    f"keep it a {entry.kind} card, or write the new form under a new id"))
    gone = tuple(sorted(i for i, e in entries.items() if not e.retired and i not in present))
    retired = tuple(sorted(i for i, e in entries.items() if e.retired and i not in present))
    if new:
        problems.append(Problem(file, 0, "register", f"{len(new)} id{'s' if len(new) != 1 else ''} not registered yet "
                                f"({_some(new)})", "run build-deck --register and commit the register", "warning"))
    if gone:
        problems.append(Problem(file, 0, "register", f"{len(gone)} released id{'s' if len(gone) != 1 else ''} no longer "
                                f"in the sources ({_some(gone)}); learners keep those notes",
                                "if that is meant, run build-deck --register to record them as retired "
                                "(suspend them in Anki)", "warning"))
    return RegisterCheck(tuple(problems), tuple(new), gone, retired)


def update(topics: Sequence[Topic], entries: Mapping[str, Entry], today: str) -> dict[str, Entry]:
    """The register after this release: new ids added, gone ids retired, restored ids live again."""
    out = dict(entries)
    present: set[str] = set()
    for topic in topics:
        for q in topic.questions:
            present.add(q.id)
            entry = out.get(q.id)
            if entry is None:
                out[q.id] = Entry(q.id, kind_of(q), topic.id, meaning_of(q))
            elif entry.retired and entry.meaning == meaning_of(q):
                out[q.id] = replace(entry, retired="")
    for ident, entry in list(out.items()):
        if ident not in present and not entry.retired:
            out[ident] = replace(entry, retired=today)
    return out


def _some(ids: Sequence[str]) -> str:
    shown = ", ".join(ids[:SHOWN])
    return shown + (f" and {len(ids) - SHOWN} more" if len(ids) > SHOWN else "")
