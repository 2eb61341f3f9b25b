"""The contract between the build and the diagram pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from deckbuilder.core.notes import NoteSpec

IoFormat = Literal["overlay", "native"]
OcclusionMode = Literal["hide-all-guess-one", "hide-one-guess-one"]
OcclusionUnit = Literal["node", "subgraph"]
BlockSelection = Literal["main", "all"]


@dataclass(frozen=True)
class DiagramOptions:
    io: IoFormat = "overlay"
    mode: OcclusionMode = "hide-all-guess-one"
    unit: OcclusionUnit = "node"
    blocks: BlockSelection = "main"
    jobs: int = 2
    cache_dir: Path | None = None  # None: the user cache dir
    verbose: bool = False


@dataclass(frozen=True)
class OwnDiagram:
    """A Mermaid file of the project's own (``media/*.mmd``) named by a topic."""

    topic_id: str
    topic_title: str
    phase: int
    category: str
    reference_week: int
    deck: str  # full deck name of the topic
    tags: tuple[str, ...]  # the topic's tags (phase, week, category, topic, kr, path)
    path: Path
    mtime: int


@dataclass(frozen=True)
class BlockFailure:
    page: str  # path relative to the checkout (or media file)
    line: int  # line of the block's opening fence
    message: str  # Mermaid's message


@dataclass(frozen=True)
class DiagramBuild:
    notes: tuple[NoteSpec, ...]
    failures: tuple[BlockFailure, ...] = field(default=())
    repairs: tuple[str, ...] = field(default=())
    warnings: tuple[str, ...] = field(default=())
    blocks_total: int = 0
    blocks_rendered: int = 0
