"""The whole shared DS corpus, built once with default options and imported into real Anki
collections (issue 3, "Done when" 1, 3, 5 and 6)."""

from __future__ import annotations

from pathlib import Path

from deckbuilder.core.occlusion import occlusion_units
from deckbuilder.diagrams.selection import choose_main
from deckbuilder.writer import note_guid
from tests.diagrams.conftest import notes_by_guid


def _guids(col, notetype_name: str) -> set[str]:
    model = col.models.by_name(notetype_name)
    return {col.get_note(nid).guid for nid in col.models.nids(model["id"])}


def test_at_least_97_percent_of_blocks_render_and_the_report_names_each_failure(corpus_build):
    assert corpus_build.blocks_total >= 2900  # the shared corpus, top-level and unplanned folders aside
    # each page's blocks until its main diagram: about one a page, never all of them
    assert len(corpus_build.pages) <= corpus_build.blocks_used <= 1.2 * len(corpus_build.pages)
    assert corpus_build.blocks_rendered / corpus_build.blocks_used >= 0.97
    report = corpus_build.report()
    for failure in corpus_build.failures:
        assert f"{failure.page}: " in report
        assert f"  line {failure.line}: {failure.message}" in report
        assert failure.message  # Mermaid's message, never empty
    assert report.split("\n")[-1].startswith(
        f"diagrams: {corpus_build.blocks_rendered} of {corpus_build.blocks_used} blocks rendered")
    assert f"; {corpus_build.blocks_total - corpus_build.blocks_used} more not needed), " in report


def test_every_page_with_a_renderable_diagram_has_a_speed_draw_note_in_anki(corpus_build, corpus_collection):
    renderable = [p.page for p in corpus_build.pages if p.rendered > 0]
    assert len(renderable) >= 590
    expected = {note_guid(f"atlas-speed-draw:{page}") for page in renderable}
    assert _guids(corpus_collection, "Atlas Speed Draw") == expected


def test_each_main_flowchart_has_one_occlusion_note_per_node_in_anki(corpus_collection, corpus_records):
    records = corpus_records
    expected = set()
    for page, page_records in records.items():
        main = choose_main(page_records)
        if main is None:
            continue
        node_ids = {b.node_id for b in page_records[main].boxes if b.kind == "node"}
        labelled = {b.node_id for b in occlusion_units(page_records[main].boxes, "node")}
        assert labelled == node_ids, f"{page}: nodes without a label {sorted(node_ids - labelled)}"
        expected |= {note_guid(f"atlas-occlusion:{page}#{main}:{node}") for node in node_ids}
    assert len(expected) >= 9000
    assert _guids(corpus_collection, "Atlas Diagram Occlusion") == expected


def test_decks_and_tags_in_anki(corpus_collection):
    col = corpus_collection
    names = {d.name for d in col.decks.all_names_and_ids()}
    assert {"Atlas Distributed Systems::Companies::Uber", "Atlas Distributed Systems::Patterns",
            "Atlas Distributed Systems::Mechanisms::Replication"} <= names
    [nid] = col.find_notes('"note:Atlas Speed Draw" "Title:Uber Complete Production Architecture - The Money Shot"')
    note = col.get_note(nid)
    assert sorted(note.tags) == sorted([
        "atlas::card::speed-draw", "atlas::category::systems", "atlas::company::uber",
        "atlas::complexity::very-complex", "atlas::path::intensive", "atlas::phase::3-companies",
        "atlas::tier::5-company-deep-dives", "atlas::type::architecture", _week_tag(note.tags),
    ])
    assert note["TimeLimit"] in ("3 minutes", "2 minutes")  # weeks 7–8 or 9–10 of the reference path
    card = note.cards()[0]
    assert col.decks.name(card.did) == "Atlas Distributed Systems::Companies::Uber"
    question, answer = card.question(), card.answer()
    assert "Complexity:</b> Very complex (17 components)" in question
    assert "<img src=" not in question and '<img src="atlas-' in answer
    assert "<li>Global CDN</li>" in answer and "<b>Global Operations</b>" in answer


def test_every_note_of_an_atlas_build_carries_its_tier_and_every_tag_round_trips(corpus_build, plan):
    """The vocabulary's parsers read back every tag the diagram build writes (tests/test_vocabulary.py
    does the questions), and every note sits in one of the plan's seven tiers."""
    from deckbuilder.core import tags as vocabulary

    tiers_of = {t.number: set(t.categories) for t in plan.tiers}
    for note in corpus_build.notes:
        atlas = [t for t in note.tags if vocabulary.is_reserved(t)]
        parsed = [vocabulary.parse(t) for t in atlas]
        assert all(parsed) and [f.tag(v) for f, v in parsed] == atlas, note.uid
        [tier] = [vocabulary.tier_of(t) for t in atlas if vocabulary.tier_of(t)]
        [category] = [v for f, v in parsed if f is vocabulary.CATEGORY]
        assert category in tiers_of[tier], note.uid


def _week_tag(tags) -> str:
    [week] = [t for t in tags if t.startswith("atlas::week::")]
    assert week in {f"atlas::week::{w:02d}" for w in range(7, 11)}
    return week


def test_package_size_against_its_media(corpus_build, corpus_package):
    media = {m.name: Path(m.path).stat().st_size for n in corpus_build.notes for m in n.media}
    total = sum(media.values())
    speed_draw_images = {m.name for n in corpus_build.notes if n.notetype == "speed_draw" for m in n.media}
    assert set(media) == speed_draw_images  # one image per page (pages with the same diagram share it)
    assert total / len(media) <= 60_000
    assert corpus_package.stat().st_size <= 1.1 * total


def test_native_io_imports_with_stock_kind_6_and_one_card_per_node(native_build, native_collection, corpus_build):
    col = native_collection
    model = col.models.by_name("Atlas Image Occlusion")
    assert model["originalStockKind"] == 6
    assert model["type"] == 1  # cloze
    assert [f["name"] for f in model["flds"]] == ["Occlusion", "Image", "Header", "Back Extra", "Comments"]
    native = [n for n in native_build.notes if n.notetype == "native_io"]
    assert len(native) >= 580
    occlusion_count = sum(1 for n in corpus_build.notes if n.notetype == "occlusion")
    assert sum(n.fields["Occlusion"].count("{{c") for n in native) == occlusion_count
    by_guid = notes_by_guid(col)
    for spec in native[:: max(1, len(native) // 60)]:
        note = col.get_note(by_guid[note_guid(spec.uid)])
        clozes = spec.fields["Occlusion"].count("{{c")
        assert len(note.cards()) == clozes
        assert note["Occlusion"] == spec.fields["Occlusion"]
        assert "image-occlusion:rect:left=" in note["Occlusion"]
    note = col.get_note(by_guid[note_guid("atlas-io:site/docs/systems/uber/architecture.md#0")])
    assert len(note.cards()) == 17  # the diagram's 17 nodes
    for card in note.cards():
        question = card.question()  # Anki's own parse of the shapes, for its image-occlusion script
        assert question.count('data-shape="rect"') == 17
        assert f'<div class="cloze" data-ordinal="{card.ord + 1}" data-shape="rect"' in question
        assert 'data-occludeInactive="1"' in question
