"""Notes from a rendered block: exact fields, escaping, GUID uids, both modes, native shapes."""

from __future__ import annotations

from deckbuilder.core.notes import MediaFile
from deckbuilder.core.occlusion import Box
from deckbuilder.diagrams.api import DiagramOptions
from deckbuilder.diagrams.cache import RenderRecord
from deckbuilder.diagrams.cards import (
    DiagramPage,
    RenderedBlock,
    native_note,
    occlusion_notes,
    speed_draw_note,
)

PAGE = DiagramPage(
    key="site/docs/systems/acme/architecture.md",
    source_label="site/docs/systems/acme/architecture.md",
    title="Acme <Architecture>",
    context="Companies › Acme · architecture",
    deck="Atlas Distributed Systems::Companies::Acme",
    tags=("atlas::category::systems", "atlas::company::acme"),
    reference_week=9,
    key_metrics=("<b>Trips</b>: 25M",),
    mtime=1_700_000_000,
)
RECORD = RenderRecord(
    width=1000.0, height=500.0,
    boxes=(
        Box("cluster", "Edge", 0, 0, 600, 500, ("Edge Plane",)),
        Box("node", "LB", 98, 48, 204, 104, ("HAProxy", "2M req/s")),
        Box("node", "XSS", 698, 298, 104, 54, ('<script>alert("x")</script>',)),
    ),
)
BLOCK = RenderedBlock(index=0, line=7, record=RECORD, image=MediaFile("atlas-abc.webp", "/cache/abc.webp"))


def test_one_occlusion_note_per_node_with_exact_fields():
    notes = occlusion_notes(PAGE, BLOCK, DiagramOptions(), main=True)
    assert [n.uid for n in notes] == [
        "atlas-occlusion:site/docs/systems/acme/architecture.md#0:LB",
        "atlas-occlusion:site/docs/systems/acme/architecture.md#0:XSS",
    ]
    lb = notes[0]
    assert lb.notetype == "occlusion"
    assert lb.deck == "Atlas Distributed Systems::Companies::Acme"
    assert dict(lb.fields) == {
        "Id": "atlas-occlusion:site/docs/systems/acme/architecture.md#0:LB",
        "Diagram": "Acme &lt;Architecture&gt;",
        "Context": "Companies › Acme · architecture",
        "Image": '<img src="atlas-abc.webp" alt="Acme &lt;Architecture&gt;">',
        "Masks": '<i style="left:69.6%;top:59.2%;width:10.8%;height:11.6%"></i>',
        "Target": '<i class="io-target" style="left:9.6%;top:9.2%;width:20.8%;height:21.6%"></i>',
        "Answer": '<span class="io-name">HAProxy</span><span class="io-detail">2M req/s</span>',
        "Extra": "In <b>Edge Plane</b>",
        "Source": "site/docs/systems/acme/architecture.md, line 7",
    }
    assert lb.tags == ("atlas::card::occlusion", "atlas::category::systems", "atlas::company::acme",
                       "atlas::complexity::simple")
    assert lb.mtime == 1_700_000_000
    assert lb.media == (MediaFile("atlas-abc.webp", "/cache/abc.webp"),)


def test_a_label_is_data_never_markup():
    xss = occlusion_notes(PAGE, BLOCK, DiagramOptions(), main=True)[1]
    assert xss.fields["Answer"] == '<span class="io-name">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</span>'
    assert xss.fields["Extra"] == ""


def test_hide_one_guess_one_has_no_other_masks_and_subgraph_unit_occludes_clusters():
    hide_one = occlusion_notes(PAGE, BLOCK, DiagramOptions(mode="hide-one-guess-one"), main=True)
    assert [n.fields["Masks"] for n in hide_one] == ["", ""]
    clusters = occlusion_notes(PAGE, BLOCK, DiagramOptions(unit="subgraph"), main=False)
    assert [n.uid for n in clusters] == ["atlas-occlusion:site/docs/systems/acme/architecture.md#0:subgraph:Edge"]
    assert clusters[0].fields["Answer"] == '<span class="io-name">Edge Plane</span>'
    assert clusters[0].fields["Diagram"] == "Acme &lt;Architecture&gt; — diagram 1"


def test_native_note_has_one_cloze_per_node_numbered_by_id():
    note = native_note(PAGE, BLOCK, DiagramOptions(io="native"), main=True)
    assert note.uid == "atlas-io:site/docs/systems/acme/architecture.md#0"
    assert note.notetype == "native_io"
    assert note.fields["Occlusion"] == (
        "{{c47::image-occlusion:rect:left=0.096:top=0.092:width=0.208:height=0.216:oi=1}}<br>"
        "{{c79::image-occlusion:rect:left=0.696:top=0.592:width=0.108:height=0.116:oi=1}}"
    )
    hide_one = native_note(PAGE, BLOCK, DiagramOptions(io="native", mode="hide-one-guess-one"), main=True)
    assert hide_one.fields["Occlusion"].count(":oi=0}}") == 2
    assert note.fields["Header"] == "Acme &lt;Architecture&gt;<br><small>Companies › Acme · architecture</small>"


def test_speed_draw_note_front_facts_and_back_lists():
    note = speed_draw_note(PAGE, BLOCK)
    assert note.uid == "atlas-speed-draw:site/docs/systems/acme/architecture.md"
    fields = dict(note.fields)
    assert fields["Complexity"] == "Simple (2 components)"
    assert fields["TimeLimit"] == "2 minutes"  # week 9 of the reference path
    assert fields["Components"] == '<ul class="sd-list"><li>HAProxy</li><li>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</li></ul>'
    assert fields["KeyMetrics"] == "<ul><li><b>Trips</b>: 25M</li></ul>"
    assert "atlas::card::speed-draw" in note.tags


def test_a_diagram_with_more_nodes_than_anki_has_cloze_numbers():
    import pytest

    big = RenderRecord(1000.0, 1000.0,
                       tuple(Box("node", f"n{i}", i, i, 1, 1, (f"N{i}",)) for i in range(500)))
    block = RenderedBlock(index=0, line=3, record=big, image=BLOCK.image)
    with pytest.raises(ValueError, match="a diagram of 500 nodes exceeds Anki's 499 cloze numbers"):
        native_note(PAGE, block, DiagramOptions(io="native"), main=True)
    assert len(occlusion_notes(PAGE, block, DiagramOptions(mode="hide-one-guess-one"), main=True)) == 500
