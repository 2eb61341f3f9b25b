"""Image occlusion from a diagram's own layout, without JavaScript.

One image per diagram; each mask is an absolutely positioned box in percent of the image, so
it stays on its node at any size or zoom on Anki desktop, AnkiDroid, AnkiMobile and AnkiWeb.
The front covers the target (and, in hide-all-guess-one, every other node); the back uncovers
the target and names it. The mode lives in the fields (``Masks`` is empty in
hide-one-guess-one), so one note type serves both.
"""

from __future__ import annotations

from deckbuilder.notetypes import register
from deckbuilder.notetypes.common import CSS
from deckbuilder.notetypes.spec import NoteTypeSpec, Template

DIAGRAM_CSS = """
/* diagram cards: occlusion and speed-draw */
.atlas-diagram { max-width: none; }
.io-title { font-weight: 600; margin: 0 0 8px; }
.io-stage { position: relative; display: inline-block; max-width: 100%; line-height: 0;
            background: #fff; border-radius: 6px; }
.io-stage img { display: block; max-width: 100%; height: auto; margin: 0; }
/* masks: <i style="left:…%;top:…%;width:…%;height:…%"> over the image */
.io-stage > i { position: absolute; display: block; box-sizing: border-box; border-radius: 4px;
                background: #ffeba2; border: 1px solid #212121; }
/* the target's frame is drawn outside its box, so nothing of the node is hidden on the back */
.io-stage > i.io-target { background: #ff8e8e; border: 0; border-radius: 0; box-shadow: 0 0 0 2px #b3261e; }
.io-back .io-stage > i.io-target { background: transparent; box-shadow: 0 0 0 3px #e0382e, 0 0 0 5px #fff; }
.nightMode .io-stage > i { background: #8a7a3c; border-color: #f5f7fa; }
.nightMode .io-stage > i.io-target { background: #c2413a; box-shadow: 0 0 0 2px #ffd0cc; }
.nightMode .io-back .io-stage > i.io-target { background: transparent; box-shadow: 0 0 0 3px #ff8e8e, 0 0 0 5px #1e1f22; }
.io-ask { margin-top: 10px; font-weight: 500; }
.io-answer { font-size: 1.1em; }
.io-answer .io-name { font-weight: 700; }
.io-answer .io-detail { display: block; font-size: .85em; color: #52606d; }
.nightMode .io-answer .io-detail { color: #bcccdc; }
.sd-facts { display: flex; flex-wrap: wrap; gap: 6px 14px; margin: 8px 0 12px; font-size: 15px; }
.sd-facts b { font-weight: 600; }
.sd-limit { font-size: 1.4em; font-weight: 700; color: #b3261e; }
.nightMode .sd-limit { color: #ff8e8e; }
.sd-list { columns: 2 14em; margin: 0; padding-left: 1.2em; }
@media (max-width: 480px) {
  .sd-list { columns: 1; }
  .io-answer { font-size: 1em; }
}
"""

HEAD = (
    '<div class="atlas atlas-diagram">'
    '<div class="atlas-head"><span class="atlas-badge">diagram</span>{{Context}}</div>'
    '<div class="io-title">{{Diagram}}</div>'
)
STAGE = '<div class="io-stage">{{Image}}{{Masks}}{{Target}}</div>'

OCCLUSION = register(NoteTypeSpec(
    key="occlusion",
    model_id=1949399854,
    name="Atlas Diagram Occlusion",
    kind="standard",
    fields=("Id", "Diagram", "Context", "Image", "Masks", "Target", "Answer", "Extra", "Source"),
    templates=(Template(
        name="Occlusion",
        front=HEAD + STAGE + '<div class="io-ask">What is under the red box?</div></div>',
        back=HEAD.replace('class="atlas atlas-diagram"', 'class="atlas atlas-diagram io-back"') + STAGE
        + '<hr id="answer"><div class="io-answer">{{Answer}}</div>'
        + '{{#Extra}}<div class="atlas-section">{{Extra}}</div>{{/Extra}}'
        + '<div class="atlas-foot">{{Source}} · <span class="atlas-id">{{Id}}</span></div></div>',
    ),),
    css=CSS + DIAGRAM_CSS,
    sort_field=1,
))
