"""Recall as cloze deletions: one card per {{cN::…}} number."""

from __future__ import annotations

from deckbuilder.notetypes import register
from deckbuilder.notetypes.common import CSS, FOOTER, section
from deckbuilder.notetypes.spec import NoteTypeSpec, Template

HEAD = '<div class="atlas"><div class="atlas-head"><span class="atlas-badge recall">Recall</span>{{Topic}}</div>'

CLOZE = register(NoteTypeSpec(
    key="cloze",
    model_id=1419283746,
    name="Atlas Cloze",
    kind="cloze",
    fields=("Id", "Topic", "Text", "Explanation", "Source", "Extra"),
    templates=(Template(
        name="Cloze",
        front=HEAD + '<div class="atlas-prompt">{{cloze:Text}}</div></div>',
        back=HEAD + '<div class="atlas-prompt">{{cloze:Text}}</div>'
        + section("Explanation", "Why") + section("Extra", "More") + FOOTER + "</div>",
    ),),
    css=CSS,
    sort_field=2,
))
