"""The question sources, prepared for the build: each topic file parsed, its notes assembled,
their digests, GUIDs and the file's answer-key figures computed — in worker processes, one file each.

Nothing here is cached between builds: parsing and assembling every file is fast enough
(see ``benchmarks/build.py``) and a cache that cannot exist cannot go stale.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

from deckbuilder import text
from deckbuilder.core.assemble import TextRenderer, question_notes
from deckbuilder.core.audit import Audit, audit_questions
from deckbuilder.core.model import Curriculum, Topic
from deckbuilder.core.notes import NoteSpec
from deckbuilder.core.plan import Plan
from deckbuilder.core.problems import Problem
from deckbuilder.core.stamps import content_digest
from deckbuilder.loader import parse_topic_file
from deckbuilder.writer import note_guid

PARALLEL_BYTES = 500_000  # below this, starting worker processes costs more than it saves
RENDERER = TextRenderer(block=text.to_html, inline=text.to_inline_html)


@dataclass(frozen=True)
class PreparedTopic:
    """One topic file, ready for the build."""

    path: Path
    topic: Topic | None  # None when the file could not be read at all
    problems: tuple[Problem, ...]
    notes: tuple[NoteSpec, ...] = ()  # empty when the file has errors
    digests: tuple[str, ...] = ()  # the content digest of each note, in the order of ``notes``
    guids: tuple[str, ...] = ()  # the GUID of each note, in the order of ``notes``
    audit: Audit | None = None


def prepare_topics(paths: Sequence[Path], plan: Plan, study_path: str, epoch: int | None, *,
                   workers: int | None = None) -> Iterator[PreparedTopic]:
    """Every topic file prepared, yielded in the order given as soon as it is ready; in worker
    processes when there is enough to share (the caller works on earlier files meanwhile)."""
    count = workers or os.cpu_count() or 1
    if count < 2 or len(paths) < 2 or sum(p.stat().st_size for p in paths) < PARALLEL_BYTES:
        for path in paths:
            yield prepare_topic(path, plan, study_path, epoch)
        return
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    with ProcessPoolExecutor(max_workers=min(count, len(paths)), mp_context=context) as pool:
        futures = [pool.submit(prepare_topic, path, plan, study_path, epoch) for path in paths]
        try:
            for future in futures:
                yield future.result()
        finally:
            for future in futures:
                future.cancel()


def prepare_topic(path: Path, plan: Plan, study_path: str, epoch: int | None) -> PreparedTopic:
    topic, problems = parse_topic_file(path, plan, epoch)
    if topic is None or any(p.severity == "error" for p in problems):
        return PreparedTopic(path, topic, tuple(problems))
    notes = question_notes(Curriculum(plan, (topic,)), study_path, RENDERER)
    return PreparedTopic(
        path=path, topic=topic, problems=tuple(problems), notes=tuple(notes),
        digests=tuple(content_digest(note) for note in notes),
        guids=tuple(note_guid(note.uid) for note in notes),
        audit=audit_questions(topic.id, topic.questions),
    )
