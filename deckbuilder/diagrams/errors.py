"""The diagram pipeline's exceptions, below the deck builder's root exception."""

from __future__ import annotations

from deckbuilder.errors import DeckBuilderError


class DiagramError(DeckBuilderError):
    """The diagrams cannot be built at all (no browser, no mermaid, unreadable checkout)."""
