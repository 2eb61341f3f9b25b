"""Anki's own image occlusion (``build-deck --io native``): a cloze note type of stock kind 6.

Fields, templates and CSS are those of Anki's stock "Image Occlusion" note type, so Anki ≥ 23.10
and AnkiDroid ≥ 2.17 show the masks and let the learner edit them in Anki's own editor. The
masks are drawn by Anki's JavaScript; ``--io overlay`` (the default) needs none.
"""

from __future__ import annotations

from deckbuilder.notetypes import register
from deckbuilder.notetypes.spec import NoteTypeSpec, Template

_BODY = """{{#Header}}<div>{{Header}}</div>{{/Header}}
<div style="display: none">{{cloze:Occlusion}}</div>
<div id="err"></div>
<div id="image-occlusion-container">
    {{Image}}
    <canvas id="image-occlusion-canvas"></canvas>
</div>
<script>
try {
    anki.imageOcclusion.setup();
} catch (exc) {
    document.getElementById("err").innerHTML = `Error loading image occlusion. Is your Anki version up to date?<br><br>${exc}`;
}
</script>
"""

_CSS = """#image-occlusion-canvas {
    --inactive-shape-color: #ffeba2;
    --active-shape-color: #ff8e8e;
    --inactive-shape-border: 1px #212121;
    --active-shape-border: 1px #212121;
    --highlight-shape-color: #ff8e8e00;
    --highlight-shape-border: 1px #ff8e8e;
}

.card {
    font-family: arial;
    font-size: 20px;
    text-align: center;
    color: black;
    background-color: white;
}
.card.nightMode { color: #e4e7eb; background-color: #1e1f22; }
"""

NATIVE_IO = register(NoteTypeSpec(
    key="native_io",
    model_id=1619687700,
    name="Atlas Image Occlusion",
    kind="cloze",
    fields=("Occlusion", "Image", "Header", "Back Extra", "Comments"),
    templates=(Template(
        name="Image Occlusion",
        front=_BODY,
        back=_BODY + '\n<div><button id="toggle">Toggle Masks</button></div>\n'
        "{{#Back Extra}}<div>{{Back Extra}}</div>{{/Back Extra}}\n",
    ),),
    css=_CSS,
    sort_field=0,
    extra={"originalStockKind": 6},
))
