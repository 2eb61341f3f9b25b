"""Masks in a real browser (issue 3, "Done when" 2): occlusion cards taken from the real
collection (``card.question()`` / ``card.answer()``) are rendered in headless Chromium with
their media, on a desktop window and on a phone-sized 2× screen. The node's box, computed
independently from the rendered layout and the displayed image, must lie under the target mask
and be covered by it on the front; on the back the same pixels must be exactly the diagram's."""

from __future__ import annotations

import io
import math
from pathlib import Path

import pytest
from PIL import Image

from deckbuilder.writer import note_guid
from tests.diagrams.conftest import copy_media, notes_by_guid

VIEWPORTS = {"desktop": ({"width": 1280, "height": 900}, 1), "phone": ({"width": 390, "height": 844}, 2)}
TARGET_RGB = (0xFF, 0x8E, 0x8E)  # .io-target background (light mode)


def _sample_uids(corpus_build) -> list[str]:
    occlusion = [n.uid for n in corpus_build.notes if n.notetype == "occlusion"]
    picked = ["atlas-occlusion:site/docs/systems/uber/architecture.md#0:CDN"]
    picked += occlusion[:: max(1, len(occlusion) // 5)][:5]
    return picked


def _show(page, folder: Path, name: str, html: str, css: str) -> Image.Image:
    path = folder / name
    path.write_text(f"<!doctype html><html><head><meta charset='utf-8'><meta name='viewport' "
                    f"content='width=device-width, initial-scale=1'><style>{css}</style></head>"
                    f"<body class='card'>{html}</body></html>", encoding="utf-8")
    page.goto(path.as_uri())
    page.wait_for_function("() => Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)")
    return Image.open(io.BytesIO(page.screenshot(full_page=True))).convert("RGB")


def _node_box_on_page(page, record, box) -> tuple[float, float, float, float]:
    """Where the node is drawn, from the image's place on the page and the rendered layout."""
    img = page.evaluate("() => { const r = document.querySelector('.io-stage img').getBoundingClientRect();"
                        " return [r.x + scrollX, r.y + scrollY, r.width, r.height]; }")
    scale = img[2] / record.width
    assert abs(img[3] / record.height - scale) < 0.01  # aspect ratio kept
    return img[0] + box.x * scale, img[1] + box.y * scale, box.width * scale, box.height * scale


def _pixels(shot: Image.Image, rect, dpr: int) -> list[tuple[int, int, int]]:
    """The device pixels inside ``rect`` (CSS pixels), less one pixel of anti-aliasing at each edge."""
    x, y, w, h = rect
    left, top = math.ceil(x * dpr) + 1, math.ceil(y * dpr) + 1
    right, bottom = math.floor((x + w) * dpr) - 1, math.floor((y + h) * dpr) - 1
    if right <= left or bottom <= top:
        return []
    data = shot.crop((left, top, right, bottom)).tobytes()
    return [tuple(data[i:i + 3]) for i in range(0, len(data), 3)]


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_target_mask_covers_the_node_on_the_front_and_reveals_it_on_the_back(
        viewport, corpus_build, corpus_collection, corpus_records, browser, tmp_path):
    col = corpus_collection
    copy_media(col, tmp_path)
    size, dpr = VIEWPORTS[viewport]
    page = browser.new_page(viewport=size, device_scale_factor=dpr)
    checked = 0
    by_guid = notes_by_guid(col)
    for uid in _sample_uids(corpus_build):
        page_path, rest = uid.removeprefix("atlas-occlusion:").split("#", 1)
        block, node_id = rest.split(":", 1)
        record = corpus_records[page_path][int(block)]
        [box] = [b for b in record.boxes if b.kind == "node" and b.node_id == node_id]
        nid = by_guid[note_guid(uid)]
        card = col.get_note(nid).cards()[0]
        css = col.models.get(card.note().mid)["css"]

        front = _show(page, tmp_path, "front.html", card.question(), css)
        node = _node_box_on_page(page, record, box)
        mask = page.evaluate("() => { const r = document.querySelector('.io-target').getBoundingClientRect();"
                             " return [r.x + scrollX, r.y + scrollY, r.width, r.height]; }")
        assert mask[0] <= node[0] + 0.5 and mask[1] <= node[1] + 0.5, uid
        assert mask[0] + mask[2] >= node[0] + node[2] - 0.5 and mask[1] + mask[3] >= node[1] + node[3] - 0.5, uid
        covered = _pixels(front, node, dpr)
        assert covered and all(max(abs(a - b) for a, b in zip(px, TARGET_RGB)) <= 2 for px in covered), uid

        back = _show(page, tmp_path, "back.html", card.answer(), css)
        revealed = _pixels(back, node, dpr)
        page.evaluate("() => document.querySelectorAll('.io-stage > i').forEach(m => m.style.display = 'none')")
        bare = Image.open(io.BytesIO(page.screenshot(full_page=True))).convert("RGB")
        diagram = _pixels(bare, node, dpr)
        assert revealed == diagram, uid  # the label shows exactly as drawn
        assert len(set(diagram)) >= 3, uid  # and there is a label there, not an empty box
        assert page.evaluate("() => document.querySelector('.io-stage').getBoundingClientRect().right") <= size["width"]
        checked += 1
    page.close()
    assert checked == 6
