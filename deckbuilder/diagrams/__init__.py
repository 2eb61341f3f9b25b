"""Diagram cards: Mermaid rendering, image occlusion and speed-draw notes.

The contract (:mod:`deckbuilder.diagrams.api`) is light; :func:`build_diagram_notes` brings the
renderer, the browser driver and the image libraries, so it is imported when first used: a
build without diagrams (or ``--check``) never loads them.
"""

from typing import Any

from deckbuilder.diagrams.api import (
    BlockFailure,
    DiagramBuild,
    DiagramOptions,
    OwnDiagram,
    PageReport,
    Progress,
)

__all__ = ["BlockFailure", "DiagramBuild", "DiagramOptions", "OwnDiagram", "PageReport", "Progress", "build_diagram_notes"]


def __getattr__(name: str) -> Any:
    if name == "build_diagram_notes":
        from deckbuilder.diagrams.build import build_diagram_notes

        return build_diagram_notes
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
