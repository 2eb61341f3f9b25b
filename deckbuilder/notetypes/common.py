"""Pieces shared by the note types: the CSS and the header and footer of every card."""

from __future__ import annotations

from importlib.resources import files

CSS = files("deckbuilder.notetypes").joinpath("style.css").read_text(encoding="utf-8")

FOOTER = (
    '<div class="atlas-foot">{{#Source}}Source: {{Source}} · {{/Source}}'
    '<span class="atlas-id">{{Id}}</span></div>'
)


def section(field: str, title: str) -> str:
    """A titled box on the back, shown only when the field is not empty."""
    return f'{{{{#{field}}}}}<div class="atlas-section"><h3>{title}</h3>{{{{{field}}}}}</div>{{{{/{field}}}}}'
