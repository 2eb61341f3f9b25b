"""The frozen note types, by key."""

from __future__ import annotations

from deckbuilder.notetypes.spec import NoteTypeSpec, Template

REGISTRY: dict[str, NoteTypeSpec] = {}


def register(spec: NoteTypeSpec) -> NoteTypeSpec:
    if spec.key in REGISTRY:
        raise ValueError(f"note type key {spec.key!r} registered twice")
    REGISTRY[spec.key] = spec
    return spec


__all__ = ["REGISTRY", "NoteTypeSpec", "Template", "register"]

# The note types register themselves on import.
from deckbuilder.notetypes import cloze, mcq, qa  # noqa: E402,F401
from deckbuilder.notetypes import native_io, occlusion, speed_draw  # noqa: E402,F401
