"""Notes from rendered diagrams: occlusion (overlay or native) and speed-draw. Pure: values in,
``NoteSpec`` out; every label is escaped (a label is data, never markup on the card)."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Sequence

from deckbuilder.core.notes import MediaFile, NoteSpec
from deckbuilder.core.occlusion import (
    Box,
    cloze_numbers,
    complexity,
    complexity_title,
    components,
    containing_cluster,
    mask_rect,
    occlusion_units,
)
from deckbuilder.core.plan import speed_draw_minutes
from deckbuilder.core.tags import CARD, COMPLEXITY, ordered
from deckbuilder.diagrams.api import DiagramOptions
from deckbuilder.diagrams.cache import RenderRecord

SPEED_DRAW_PROMPT = (
    "<b>Recreate this diagram from memory</b><ul>"
    "<li>Draw all major components</li>"
    "<li>Show relationships and data flows</li>"
    "<li>Include key metrics and technologies</li>"
    "<li>Note failure modes and resilience mechanisms</li></ul>"
)


@dataclass(frozen=True)
class DiagramPage:
    """A DS page (or one of the project's own diagram files) as its notes need it."""

    key: str  # identity: the page path below the checkout, or media/<file>
    source_label: str  # where a learner finds it, e.g. site/docs/systems/uber/architecture.md
    title: str
    context: str  # e.g. "Companies › Uber · architecture"
    deck: str
    tags: tuple[str, ...]  # plan, category, company, type, topic tags
    reference_week: int
    key_metrics: tuple[str, ...]  # HTML items (already escaped)
    mtime: int


@dataclass(frozen=True)
class RenderedBlock:
    index: int
    line: int
    record: RenderRecord
    image: MediaFile


def unit_kind(unit: str) -> str:
    """The box kind an occlusion unit is made of (``--unit subgraph`` occludes clusters)."""
    return "cluster" if unit == "subgraph" else "node"


def image_html(image: MediaFile, alt: str) -> str:
    return f'<img src="{html.escape(image.name)}" alt="{html.escape(alt)}">'


def complexity_tag(count: int) -> str:
    return COMPLEXITY.tag(complexity(count))


def node_count(record: RenderRecord) -> int:
    return len({b.node_id for b in record.boxes if b.kind == "node"})


def block_title(page: DiagramPage, block: RenderedBlock, main: bool) -> str:
    title = html.escape(page.title)
    return title if main else f"{title} — diagram {block.index + 1}"


def answer_html(label: Sequence[str]) -> str:
    name = html.escape(label[0]) if label else ""
    rest = " · ".join(html.escape(line) for line in label[1:])
    detail = f'<span class="io-detail">{rest}</span>' if rest else ""
    return f'<span class="io-name">{name}</span>{detail}'


def _mask(box: Box, record: RenderRecord, target: bool) -> str:
    """A mask as an ``<i>`` placed in percent of the image (``.io-stage > i`` in the CSS)."""
    style = mask_rect(box, record.width, record.height).css()
    return f'<i class="io-target" style="{style}"></i>' if target else f'<i style="{style}"></i>'


def occlusion_uid(page_key: str, block_index: int, unit: str, node_id: str) -> str:
    kind = "" if unit == "node" else "subgraph:"
    return f"atlas-occlusion:{page_key}#{block_index}:{kind}{node_id}"


def occlusion_notes(page: DiagramPage, block: RenderedBlock, options: DiagramOptions, main: bool) -> list[NoteSpec]:
    """One note per node (or subgraph) of the block, GUID from (page, block, node id)."""
    record = block.record
    units = occlusion_units(record.boxes, unit_kind(options.unit))
    title = block_title(page, block, main)
    source = html.escape(f"{page.source_label}, line {block.line}")
    tags = ordered([*page.tags, CARD.tag("occlusion"), complexity_tag(node_count(record))])
    masks = [_mask(b, record, False) for b in units]
    hide_all = options.mode == "hide-all-guess-one"
    image = image_html(block.image, page.title)
    context = html.escape(page.context)
    notes = []
    for number, target in enumerate(units):
        others = "".join(masks[:number]) + "".join(masks[number + 1:]) if hide_all else ""
        cluster = containing_cluster(target, record.boxes) if options.unit == "node" else None
        extra = f"In <b>{html.escape(' '.join(cluster.label))}</b>" if cluster and cluster.label else ""
        uid = occlusion_uid(page.key, block.index, options.unit, target.node_id)
        notes.append(NoteSpec(
            notetype="occlusion",
            uid=uid,
            deck=page.deck,
            fields={
                "Id": html.escape(uid),
                "Diagram": title,
                "Context": context,
                "Image": image,
                "Masks": others,
                "Target": _mask(target, record, True),
                "Answer": answer_html(target.label),
                "Extra": extra,
                "Source": source,
            },
            tags=tags,
            mtime=page.mtime,
            media=(block.image,),
        ))
    return notes


def native_uid(page_key: str, block_index: int, unit: str) -> str:
    kind = "" if unit == "node" else ":subgraphs"
    return f"atlas-io:{page_key}#{block_index}{kind}"


def native_note(page: DiagramPage, block: RenderedBlock, options: DiagramOptions, main: bool) -> NoteSpec | None:
    """One note of Anki's own image occlusion per block, a card per node. Each node's cloze
    number derives from its id (see ``core.occlusion.cloze_numbers``)."""
    record = block.record
    units = occlusion_units(record.boxes, unit_kind(options.unit))
    if not units:
        return None
    numbers = cloze_numbers(b.node_id for b in units)
    hide_all = options.mode == "hide-all-guess-one"
    shapes = sorted(units, key=lambda b: numbers[b.node_id])
    occlusion = "<br>".join(
        "{{c%d::%s}}" % (numbers[b.node_id], mask_rect(b, record.width, record.height).native(hide_all)) for b in shapes
    )
    uid = native_uid(page.key, block.index, options.unit)
    return NoteSpec(
        notetype="native_io",
        uid=uid,
        deck=page.deck,
        fields={
            "Occlusion": occlusion,
            "Image": image_html(block.image, page.title),
            "Header": f"{block_title(page, block, main)}<br><small>{html.escape(page.context)}</small>",
            "Back Extra": html.escape(f"{page.source_label}, line {block.line}"),
            "Comments": html.escape(
                f"Built by atlas-anki ({uid}). Masks come from the diagram's layout and are replaced on the next import."
            ),
        },
        tags=ordered([*page.tags, CARD.tag("occlusion"), complexity_tag(node_count(record))]),
        mtime=page.mtime,
        media=(block.image,),
    )


def speed_draw_uid(page_key: str) -> str:
    return f"atlas-speed-draw:{page_key}"


def speed_draw_note(page: DiagramPage, main: RenderedBlock) -> NoteSpec:
    """The page's speed-draw note, drawn against its main diagram."""
    record = main.record
    parts = components(record.boxes)
    count = len(parts)
    level = complexity(count)
    minutes = speed_draw_minutes(page.reference_week)
    items = "".join(f"<li>{html.escape(b.label[0])}</li>" for b in parts)
    metrics = "".join(f"<li>{item}</li>" for item in page.key_metrics)
    uid = speed_draw_uid(page.key)
    return NoteSpec(
        notetype="speed_draw",
        uid=uid,
        deck=page.deck,
        fields={
            "Id": html.escape(uid),
            "Title": html.escape(page.title),
            "Category": html.escape(page.context),
            "Complexity": f"{complexity_title(level)} ({count} component{'s' if count != 1 else ''})",
            "TimeLimit": f"{minutes} minutes",
            "Prompt": SPEED_DRAW_PROMPT,
            "Diagram": image_html(main.image, page.title),
            "Components": f'<ul class="sd-list">{items}</ul>' if items else "",
            "KeyMetrics": f"<ul>{metrics}</ul>" if metrics else "",
            "Source": html.escape(f"{page.source_label}, line {main.line}"),
        },
        tags=ordered([*page.tags, CARD.tag("speed-draw"), complexity_tag(count)]),
        mtime=page.mtime,
        media=(main.image,),
    )
