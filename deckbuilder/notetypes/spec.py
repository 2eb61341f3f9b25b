"""Note types as plain data. The genanki writer turns these into models.

A note type is frozen once released: its id, its name, its kind and its field list never
change (adding, removing or renaming a field makes Anki duplicate the note type on import and
leave the learner's notes on the old one un-updated). Templates and CSS may change: Anki
updates them on import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Mapping


@dataclass(frozen=True)
class Template:
    name: str
    front: str
    back: str


@dataclass(frozen=True)
class NoteTypeSpec:
    key: str  # short key used by NoteSpec.notetype
    model_id: int  # frozen forever
    name: str
    kind: Literal["standard", "cloze"]
    fields: tuple[str, ...]
    templates: tuple[Template, ...]
    css: str
    sort_field: int = 0
    extra: Mapping[str, object] = field(default_factory=dict)  # extra keys for the model JSON
