"""Speed-draw: redraw a whole diagram from memory against the clock (the DS protocol).

Front: the diagram's title, category, complexity, the time limit for its week and the prompt
of the DS design doc's card template. Back: the diagram, its components and the page's key
metrics, to score the drawing against.
"""

from __future__ import annotations

from deckbuilder.notetypes import register
from deckbuilder.notetypes.common import CSS, section
from deckbuilder.notetypes.occlusion import DIAGRAM_CSS
from deckbuilder.notetypes.spec import NoteTypeSpec, Template

FRONT = (
    '<div class="atlas atlas-diagram">'
    '<div class="atlas-head"><span class="atlas-badge">speed draw</span>{{Category}}</div>'
    '<div class="io-title">{{Title}}</div>'
    '<div class="sd-facts"><span><b>Complexity:</b> {{Complexity}}</span>'
    '<span><b>Time limit:</b> <span class="sd-limit">{{TimeLimit}}</span></span></div>'
    '<div class="atlas-prompt">{{Prompt}}</div>'
)

SPEED_DRAW = register(NoteTypeSpec(
    key="speed_draw",
    model_id=1912248620,
    name="Atlas Speed Draw",
    kind="standard",
    fields=("Id", "Title", "Category", "Complexity", "TimeLimit", "Prompt", "Diagram", "Components",
            "KeyMetrics", "Source"),
    templates=(Template(
        name="Speed draw",
        front=FRONT + "</div>",
        back=FRONT + '<hr id="answer"><div class="io-stage">{{Diagram}}</div>'
        + section("Components", "Components") + section("KeyMetrics", "Key metrics")
        + '<div class="atlas-foot">{{Source}} · <span class="atlas-id">{{Id}}</span></div></div>',
    ),),
    css=CSS + DIAGRAM_CSS,
    sort_field=1,
))
