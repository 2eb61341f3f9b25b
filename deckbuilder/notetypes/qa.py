"""Recall, application and analysis: a prompt and a model answer, with key points."""

from __future__ import annotations

from deckbuilder.notetypes import register
from deckbuilder.notetypes.common import CSS, FOOTER, section
from deckbuilder.notetypes.spec import NoteTypeSpec, Template

HEAD = '<div class="atlas"><div class="atlas-head"><span class="atlas-badge {{Level}}">{{Level}}</span>{{Topic}}</div>'

QA = register(NoteTypeSpec(
    key="qa",
    model_id=1832094718,
    name="Atlas Question",
    kind="standard",
    fields=("Id", "Topic", "Level", "Prompt", "Answer", "KeyPoints", "Explanation", "Source", "Extra"),
    templates=(Template(
        name="Answer",
        front=HEAD + '<div class="atlas-prompt">{{Prompt}}</div></div>',
        back=HEAD + '<div class="atlas-prompt">{{Prompt}}</div><hr id="answer">'
        '<div class="atlas-answer">{{Answer}}</div>'
        + section("KeyPoints", "Key points") + section("Explanation", "Why") + section("Extra", "More")
        + FOOTER + "</div>",
    ),),
    css=CSS,
    sort_field=3,
))
