"""The curriculum: topics and their question banks, parsed once into frozen values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Union

from deckbuilder.core.plan import Plan

Level = Literal["recognition", "recall", "application", "analysis"]
LEVELS: tuple[Level, ...] = ("recognition", "recall", "application", "analysis")

# The study plan's minimum mix per topic.
MINIMUM_MIX: dict[Level, int] = {"recognition": 10, "recall": 15, "application": 15, "analysis": 10}


@dataclass(frozen=True)
class Origin:
    """Where an item was written: a file (as given to the loader) and a 1-based line."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class MultipleChoice:
    id: str
    stem: str
    options: tuple[str, ...]
    correct: tuple[int, ...]  # 0-based option indexes
    source: str
    explanation: str
    tags: tuple[str, ...]
    origin: Origin
    level: Level = "recognition"


@dataclass(frozen=True)
class Cloze:
    id: str
    text: str
    source: str
    explanation: str
    tags: tuple[str, ...]
    origin: Origin
    level: Level = "recall"


@dataclass(frozen=True)
class Prompted:
    """A question with a model answer: recall Q/A, application scenario, analysis prompt."""

    id: str
    level: Level
    prompt: str
    answer: str
    key_points: tuple[str, ...]
    source: str
    explanation: str
    tags: tuple[str, ...]
    origin: Origin


Question = Union[MultipleChoice, Cloze, Prompted]


@dataclass(frozen=True)
class Topic:
    id: str
    title: str
    phase: int
    category: str
    reference_week: int  # week on the 16-week path
    subdeck: str  # below the root deck
    key_results: tuple[str, ...]
    diagrams: tuple[str, ...]  # file names in media/
    tags: tuple[str, ...]
    questions: tuple[Question, ...]
    origin: Origin
    mtime: int  # seconds; the note modification time of every note of this topic

    def count_by_level(self) -> dict[Level, int]:
        counts: dict[Level, int] = {level: 0 for level in LEVELS}
        for question in self.questions:
            counts[question.level] += 1
        return counts

    def missing_mix(self) -> dict[Level, int]:
        """How many questions each level lacks to reach the minimum mix (only levels that lack)."""
        counts = self.count_by_level()
        return {lvl: MINIMUM_MIX[lvl] - counts[lvl] for lvl in LEVELS if counts[lvl] < MINIMUM_MIX[lvl]}


@dataclass(frozen=True)
class Curriculum:
    plan: Plan
    topics: tuple[Topic, ...]

    @property
    def question_count(self) -> int:
        return sum(len(t.questions) for t in self.topics)
