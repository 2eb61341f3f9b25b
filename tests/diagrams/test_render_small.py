"""The real renderer on a small synthetic checkout: node ids from the DOM, repairs, Mermaid's
messages, the cache (a rebuild renders only changed blocks), timeouts, stable identities."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.diagrams.conftest import build

ARCH = """# Acme Architecture

Intro.

```mermaid
flowchart LR
    subgraph Edge[Edge Plane]
        LB[HAProxy (L7)<br/>━━━━━<br/>2M req/s 🔥]
    end
    LB --> API(API Gateway)
    API --> DB[(Postgres)]
```

## Key Metrics
- **Throughput**: 2M req/s

```mermaid
sequenceDiagram
    A->>B: hello
```

```mermaid
graph TB
    A{{broken] --> B
    B --> C
```
"""

FLOW = """# Flow

```mermaid
sequenceDiagram
    participant C as Client
    C->>S: GET /
```
"""


def checkout(root: Path, arch: str = ARCH) -> Path:
    docs = root / "site" / "docs" / "systems" / "acme"
    docs.mkdir(parents=True, exist_ok=True)
    (docs / "architecture.md").write_text(arch, encoding="utf-8")
    (docs / "request-flow.md").write_text(FLOW, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def small(plan, tmp_path_factory):
    root = checkout(tmp_path_factory.mktemp("atlas"))
    cache = tmp_path_factory.mktemp("cache")
    return root, cache, build(plan, root, cache)


def test_boxes_are_keyed_by_mermaid_node_ids_and_labels_are_cleaned(small):
    _, cache, result = small
    notes = [n for n in result.notes if n.notetype == "occlusion"]
    assert [n.uid for n in notes] == [
        "atlas-occlusion:site/docs/systems/acme/architecture.md#0:LB",
        "atlas-occlusion:site/docs/systems/acme/architecture.md#0:DB",
        "atlas-occlusion:site/docs/systems/acme/architecture.md#0:API",
    ]  # reading order: top to bottom, left to right
    assert notes[0].fields["Answer"] == '<span class="io-name">HAProxy (L7)</span><span class="io-detail">2M req/s 🔥</span>'
    assert notes[0].fields["Extra"] == "In <b>Edge Plane</b>"
    assert notes[0].deck == "Atlas Distributed Systems::Companies::Acme"


def test_repairs_failures_and_the_per_page_report(small):
    _, _, result = small
    assert result.blocks_total == 4
    assert result.blocks_rendered == 3
    assert result.repairs == (
        "site/docs/systems/acme/architecture.md:5: block 1: quoted labels on lines 7, 8, 10, 11",
    )
    [failure] = result.failures
    assert (failure.page, failure.line) == ("site/docs/systems/acme/architecture.md", 22)
    assert failure.message == (
        "Parse error on line 2: | ...aph TB    A{{broken] --> B    B --> C | "
        "Expecting 'DIAMOND_STOP', 'TAGEND', 'UNICODE_TEXT', 'TEXT', 'TAGSTART', got 'SQE' (page line 24)"
    )
    assert result.report().split("\n") == [
        "site/docs/systems/acme/architecture.md: 2 of 3 blocks rendered, 4 notes",
        f"  line 22: {failure.message}",
        "diagrams: 3 of 4 blocks rendered (75.0%), 1 after repair, 1 failed, 5 notes",
    ]


def test_a_page_whose_only_diagram_is_a_sequence_gets_a_speed_draw_note(small):
    _, _, result = small
    speed = {n.uid: n for n in result.notes if n.notetype == "speed_draw"}
    assert sorted(speed) == [
        "atlas-speed-draw:site/docs/systems/acme/architecture.md",
        "atlas-speed-draw:site/docs/systems/acme/request-flow.md",
    ]
    arch = speed["atlas-speed-draw:site/docs/systems/acme/architecture.md"]
    assert arch.fields["KeyMetrics"] == "<ul><li><b>Throughput</b>: 2M req/s</li></ul>"
    assert arch.fields["Complexity"] == "Simple (3 components)"
    assert arch.fields["TimeLimit"] == "3 minutes"  # phase 3 starts in week 7 of the reference path
    flow = speed["atlas-speed-draw:site/docs/systems/acme/request-flow.md"]
    assert flow.fields["Complexity"] == "Simple (2 components)"  # the sequence diagram's participants
    assert flow.fields["Components"] == '<ul class="sd-list"><li>Client</li><li>S</li></ul>'



def test_images_are_compact_webp_in_the_cache(small):
    _, _, result = small
    images = {m.name: Path(m.path) for n in result.notes for m in n.media}
    assert len(images) == 2  # one per page: the main diagram
    for name, path in images.items():
        assert name.startswith("atlas-") and name.endswith(".webp")
        assert path.read_bytes()[:4] == b"RIFF" and path.read_bytes()[8:12] == b"WEBP"


def test_a_rebuild_renders_nothing_and_an_edit_renders_only_its_block(small, plan, tmp_path):
    root, cache, first = small
    again = build(plan, root, cache)
    assert again.rendered_now == 0
    assert again.notes == first.notes
    edited = checkout(tmp_path / "edited", ARCH.replace("    API --> DB[(Postgres)]", "    API --> DB[(Postgres)]\n    API --> MQ[Kafka]"))
    changed = build(plan, edited, cache)
    assert changed.rendered_now == 1
    old = {n.uid for n in first.notes if n.notetype == "occlusion"}
    new = {n.uid for n in changed.notes if n.notetype == "occlusion"}
    assert new - old == {"atlas-occlusion:site/docs/systems/acme/architecture.md#0:MQ"}
    assert old <= new


def test_native_cloze_numbers_stay_with_their_node_ids_after_an_edit(small, plan, tmp_path):
    root, cache, _ = small
    before = build(plan, root, cache, io="native")
    edited = checkout(tmp_path / "edited", ARCH.replace("    API --> DB[(Postgres)]", "    API --> DB[(Postgres)]\n    API --> MQ[Kafka]"))
    after = build(plan, edited, cache, io="native")

    def clozes(result):
        [note] = [n for n in result.notes if n.notetype == "native_io"]
        return {part.split("::")[0] for part in note.fields["Occlusion"].split("<br>")}

    assert clozes(before) == {"{{c47", "{{c343", "{{c353"}  # LB, API, DB
    assert clozes(after) == clozes(before) | {"{{c368"}  # MQ


def test_a_render_that_takes_too_long_fails_with_a_timeout_and_is_not_cached(plan, tmp_path):
    root = checkout(tmp_path / "atlas")
    cache = tmp_path / "cache"
    slow = build(plan, root, cache, render_timeout=0.001)
    assert {f.message for f in slow.failures} == {"rendering took longer than 0.001 s (timed out)"}
    assert slow.notes == ()
    normal = build(plan, root, cache)
    assert normal.rendered_now == 4  # nothing of the timed-out run was cached
    assert normal.blocks_rendered == 3


def test_blocks_all_and_unit_subgraph(small, plan):
    root, cache, _ = small
    every = build(plan, root, cache, blocks="all", unit="subgraph")
    occlusion = sorted(n.uid for n in every.notes if n.notetype == "occlusion")
    assert occlusion == ["atlas-occlusion:site/docs/systems/acme/architecture.md#0:subgraph:Edge"]
    assert every.rendered_now == 0  # the sequence diagrams have nothing to occlude: no new image
    [edge] = [n for n in every.notes if n.notetype == "occlusion"]
    assert edge.fields["Answer"] == '<span class="io-name">Edge Plane</span>'
    assert edge.fields["Masks"] == ""  # the only subgraph: nothing else to hide


def test_a_missing_browser_or_mermaid_is_an_error_that_says_what_to_install(plan, tmp_path):
    from deckbuilder.diagrams.errors import DiagramError
    from deckbuilder.errors import DeckBuilderError

    root = checkout(tmp_path / "atlas")
    with pytest.raises(DiagramError) as no_browser:
        build(plan, root, tmp_path / "cache", chromium=tmp_path / "no-chromium")
    assert str(no_browser.value) == (
        f"Chromium is not installed at {tmp_path / 'no-chromium'} — install Debian's package: apt-get install chromium")
    assert isinstance(no_browser.value, DeckBuilderError)
    with pytest.raises(DiagramError) as no_mermaid:
        build(plan, root, tmp_path / "cache", mermaid_js=tmp_path / "mermaid.min.js")
    assert str(no_mermaid.value) == (
        f"mermaid.js not found at {tmp_path / 'mermaid.min.js'} — run `npm ci` in the project folder, or fix the path")


def test_progress_repairs_and_the_report_go_to_stderr(plan, tmp_path, capfd):
    from deckbuilder.diagrams import DiagramOptions, build_diagram_notes

    root = checkout(tmp_path / "atlas")
    build_diagram_notes(plan=plan, path="intensive", atlas_dir=root, own_diagrams=[],
                        options=DiagramOptions(cache_dir=tmp_path / "cache", verbose=True), progress=True)
    out, err = capfd.readouterr()
    assert out == ""
    lines = err.strip().split("\n")
    assert lines[0].startswith("rendering diagrams [")  # stderr is not a terminal here: a line per tenth
    assert lines[-1].startswith("diagrams: 3 of 4 blocks rendered (75.0%)")
    assert "repaired site/docs/systems/acme/architecture.md:5: block 1: quoted labels on lines 7, 8, 10, 11" in lines


def test_a_diagram_too_large_to_read_gets_no_occlusion_notes_and_a_warning(plan, tmp_path):
    """A 601-node chain would become a sliver of an image (26 × 8,017 px) with 601 unreadable cards."""
    chain = "\n".join(f"    n{i}[Step {i}] --> n{i + 1}[Step {i + 1}]" for i in range(600))
    root = tmp_path / "atlas"
    docs = root / "site" / "docs" / "systems" / "acme"
    docs.mkdir(parents=True)
    (docs / "huge.md").write_text(f"# Huge\n\n```mermaid\nflowchart TD\n{chain}\n```\n", encoding="utf-8")
    result = build(plan, root, tmp_path / "cache")
    assert [n.notetype for n in result.notes] == ["speed_draw"], "the speed-draw note keeps its component list"
    assert "601 components" in result.notes[0].fields["Complexity"]
    [warning] = [w for w in result.warnings if "too large" in w]
    assert warning.startswith("site/docs/systems/acme/huge.md:3: diagram too large to read on a card (")
    assert warning.endswith("text under 8 px): its 601 occlusion notes were left out — split it into smaller diagrams")


@pytest.mark.parametrize("width, height, readable", [
    (800, 600, True), (3000, 4000, True), (150, 16000, True), (150, 16100, False), (300, 77000, False),
])
def test_legibility_floor(width, height, readable):
    from deckbuilder.core.occlusion import legible, raster_scale

    assert legible(width, height) is readable, raster_scale(width, height)
