"""Checks that need the whole curriculum: ids unique across files, media present, the mix."""

from __future__ import annotations

from typing import Callable

from deckbuilder.core.model import MINIMUM_MIX, Curriculum, Origin
from deckbuilder.core.problems import Problem


def validate_curriculum(curriculum: Curriculum, media_exists: Callable[[str], bool]) -> list[Problem]:
    problems: list[Problem] = []
    problems += duplicate_ids(curriculum)
    for topic in curriculum.topics:
        item = f'topic "{topic.id}"'
        for name in topic.diagrams:
            if not media_exists(name):
                problems.append(Problem(topic.origin.file, topic.origin.line, item,
                                        f'diagram "{name}" not found in media/',
                                        f"add media/{name} or remove it from `diagrams:`"))
        missing = topic.missing_mix()
        if missing:
            counts = topic.count_by_level()
            have = ", ".join(f"{lvl} {counts[lvl]}/{MINIMUM_MIX[lvl]}" for lvl in missing)
            add = " and ".join(f"{n} {lvl}" for lvl, n in missing.items())
            problems.append(Problem(topic.origin.file, topic.origin.line, item,
                                    f"below the minimum mix ({have})",
                                    f"add {add} question{'s' if sum(missing.values()) > 1 else ''}",
                                    "warning"))
    return problems


def duplicate_ids(curriculum: Curriculum) -> list[Problem]:
    """Every id (topic or question) must be unique across all files: it is the note's identity."""
    seen: dict[str, Origin] = {}
    problems: list[Problem] = []

    def check(kind: str, ident: str, origin: Origin) -> None:
        first = seen.get(ident)
        if first is None:
            seen[ident] = origin
            return
        problems.append(Problem(origin.file, origin.line, f'{kind} "{ident}"',
                                f"id is already used at {first}",
                                "give this one a new id (never rename an id that learners already have)"))

    for topic in curriculum.topics:
        check("topic", topic.id, topic.origin)
        for question in topic.questions:
            check("question", question.id, question.origin)
    return problems
