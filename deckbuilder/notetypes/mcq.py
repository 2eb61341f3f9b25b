"""Recognition: multiple choice, 3–5 options, one or more correct. Works without JavaScript:
the front lists the options, the back marks the correct ones."""

from __future__ import annotations

from deckbuilder.notetypes import register
from deckbuilder.notetypes.common import CSS, FOOTER, section
from deckbuilder.notetypes.spec import NoteTypeSpec, Template

HEAD = '<div class="atlas"><div class="atlas-head"><span class="atlas-badge recognition">Recognition</span>{{Topic}}</div>'

MCQ = register(NoteTypeSpec(
    key="mcq",
    model_id=1607392319,
    name="Atlas Multiple Choice",
    kind="standard",
    fields=("Id", "Topic", "Stem", "Options", "OptionsRevealed", "Correct", "Explanation", "Source", "Extra"),
    templates=(Template(
        name="Choose",
        front=HEAD + '<div class="atlas-prompt">{{Stem}}</div>{{Options}}</div>',
        back=HEAD + '<div class="atlas-prompt">{{Stem}}</div>{{OptionsRevealed}}'
        '<div class="atlas-answer"><strong>Answer: {{Correct}}</strong></div>'
        + section("Explanation", "Why") + section("Extra", "More") + FOOTER + "</div>",
    ),),
    css=CSS,
    sort_field=2,
))
