"""Diagram cards: Mermaid rendering, image occlusion and speed-draw notes."""

from deckbuilder.diagrams.api import (
    BlockFailure,
    DiagramBuild,
    DiagramOptions,
    OwnDiagram,
    PageReport,
    Progress,
)
from deckbuilder.diagrams.build import build_diagram_notes

__all__ = ["BlockFailure", "DiagramBuild", "DiagramOptions", "OwnDiagram", "PageReport", "Progress", "build_diagram_notes"]
