"""The real renderer on a small synthetic checkout: node ids from the DOM, repairs, Mermaid's
messages, rendering until the main diagram, the cache (a rebuild renders only changed blocks),
timeouts, stable identities, a silent library."""

from __future__ import annotations

import re
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


def test_main_renders_each_page_until_its_main_diagram_and_reports_only_the_blocks_used(small):
    _, _, result = small
    assert result.rendered_now == 2  # architecture.md's first block (its main one), request-flow.md's only one
    assert (result.blocks_total, result.blocks_used, result.blocks_rendered) == (4, 2, 2)
    assert result.failures == ()  # the broken third block of architecture.md is never needed
    assert result.repairs == (
        "site/docs/systems/acme/architecture.md:5: block 1: quoted labels on lines 7, 8, 10, 11",
    )
    assert result.report() == "diagrams: 2 of 2 blocks rendered (100.0%; 2 more not needed), 1 after repair, 0 failed, 5 notes"


def test_a_failed_block_before_the_main_diagram_is_reported_and_the_next_one_is_main(plan, tmp_path):
    broken_first = ARCH.replace("# Acme Architecture\n", "# Acme Architecture\n\n```mermaid\ngraph TB\n    X{{oops] --> Y\n```\n")
    root = checkout(tmp_path / "atlas", broken_first)
    result = build(plan, root, tmp_path / "cache")
    assert result.rendered_now == 3
    [failure] = result.failures
    assert (failure.page, failure.line) == ("site/docs/systems/acme/architecture.md", 3)
    assert failure.message.startswith("Parse error on line 2: ")
    speed = [n for n in result.notes if n.uid == "atlas-speed-draw:site/docs/systems/acme/architecture.md"]
    assert speed[0].fields["Source"] == "site/docs/systems/acme/architecture.md, line 10"
    assert {n.uid for n in result.notes if n.notetype == "occlusion"} == {
        f"atlas-occlusion:site/docs/systems/acme/architecture.md#1:{node}" for node in ("LB", "API", "DB")}
    assert result.report().split("\n") == [
        "site/docs/systems/acme/architecture.md: 1 of 2 blocks rendered, 4 notes",
        f"  line 3: {failure.message}",
        "diagrams: 2 of 3 blocks rendered (66.7%; 2 more not needed), 1 after repair, 1 failed, 5 notes",
    ]


def test_blocks_all_renders_every_block_and_reports_every_failure(small, plan):
    root, cache, _ = small
    result = build(plan, root, cache, blocks="all")
    assert result.rendered_now == 2  # the two blocks the main build did not need
    assert (result.blocks_total, result.blocks_used, result.blocks_rendered) == (4, 4, 3)
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
    assert build(plan, root, cache, blocks="all").rendered_now == 0  # the parse error is cached too


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
    assert [(f.page, f.line, f.message) for f in slow.failures] == [
        ("site/docs/systems/acme/architecture.md", 5, "rendering took longer than 0.001 s (timed out)"),
        ("site/docs/systems/acme/request-flow.md", 3, "rendering took longer than 0.001 s (timed out)"),
    ]  # a page stops at a timed-out block: whether it is the main diagram is unknown
    assert slow.notes == ()
    normal = build(plan, root, cache)
    assert normal.rendered_now == 2  # nothing of the timed-out run was cached
    assert normal.blocks_rendered == 2 and normal.failures == ()


def test_blocks_all_and_unit_subgraph(small, plan):
    root, cache, _ = small
    every = build(plan, root, cache, blocks="all", unit="subgraph")
    occlusion = sorted(n.uid for n in every.notes if n.notetype == "occlusion")
    assert occlusion == ["atlas-occlusion:site/docs/systems/acme/architecture.md#0:subgraph:Edge"]
    images = {m.name for n in every.notes for m in n.media}
    assert len(images) == 2  # the sequence diagrams have nothing to occlude: no image of their own
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


def test_the_library_prints_nothing_progress_goes_to_the_callback_and_the_report_is_returned(plan, tmp_path, capfd):
    from deckbuilder.diagrams import DiagramOptions, build_diagram_notes

    root = checkout(tmp_path / "atlas")
    (root / "site" / "docs" / "index.md").write_text("# Home\n", encoding="utf-8")
    events = []
    result = build_diagram_notes(plan=plan, path="intensive", atlas_dir=root, own_diagrams=[],
                                 options=DiagramOptions(cache_dir=tmp_path / "cache", verbose=True, jobs=1),
                                 progress=lambda stage, done, total: events.append((stage, done, total)))
    assert capfd.readouterr() == ("", "")
    assert events == [
        ("reading diagram pages", 1, 3), ("reading diagram pages", 2, 3), ("reading diagram pages", 3, 3),
        ("rendering diagrams", 0, 2), ("rendering diagrams", 1, 2), ("rendering diagrams", 2, 2),
    ]
    assert result.report().split("\n") == [
        "repaired site/docs/systems/acme/architecture.md:5: block 1: quoted labels on lines 7, 8, 10, 11",
        "diagrams: 2 of 2 blocks rendered (100.0%; 2 more not needed), 1 after repair, 0 failed, 5 notes",
    ]
    events.clear()
    build_diagram_notes(plan=plan, path="intensive", atlas_dir=root, own_diagrams=[],
                        options=DiagramOptions(cache_dir=tmp_path / "cache"), progress=lambda *e: events.append(e))
    assert [e for e in events if e[0] != "reading diagram pages"] == []  # nothing to render: no rendering stage
    assert capfd.readouterr() == ("", "")


def test_nothing_under_diagrams_prints_or_reads_the_environment():
    import deckbuilder.diagrams

    package = Path(deckbuilder.diagrams.__file__).parent
    sources = {path.name: path.read_text(encoding="utf-8") for path in sorted(package.glob("*.py"))}
    assert "progress.py" not in sources and "buildcache.py" not in sources
    for name, text in sources.items():
        for word in (r"\bprint\(", r"\bsys\.std(err|out)\b", r"\bos\.environ\b", r"\bgetenv\(", r"\bimport click\b"):
            assert not re.search(word, text), f"deckbuilder/diagrams/{name} matches {word}"


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


SAMPLES = {
    "flowchart with directives": '%%{init: {"theme": "forest", "flowchart": {"curve": "basis", "nodeSpacing": 80}}}%%\n'
                                 "flowchart TB\n  subgraph S[Edge]\n    A[Client] --> B{Auth?}\n  end\n"
                                 "  B -->|yes| C[(DB)]\n  classDef hot fill:#f96\n  class C hot\n",
    "plain flowchart after it": "graph LR\n  A[Load balancer] --> B[API] --> C[Cache]\n  B --> D[(Postgres)]\n",
    "frontmatter config": "---\nconfig:\n  theme: dark\n  flowchart:\n    curve: stepBefore\n    padding: 30\n---\n"
                          "flowchart LR\n  A[One] --> B[Two]\n",
    "sequence": "sequenceDiagram\n  participant C as Client\n  C->>S: GET /\n  S-->>C: 200\n",
    "class": "classDiagram\n  class Order {\n    +id: int\n    +total()\n  }\n  Order --> Item\n",
    "state": "stateDiagram-v2\n  [*] --> Open\n  Open --> Closed\n  Closed --> [*]\n",
    "timeline": "timeline\n  title Outages\n  2017 : S3\n  2021 : Facebook BGP\n",
    "er": "erDiagram\n  USER ||--o{ ORDER : places\n",
    "pie": "pie title Cost\n  \"Compute\" : 60\n  \"Storage\" : 40\n",
    "mindmap": "mindmap\n  root((Caching))\n    CDN\n    Redis\n",
}


def test_the_fast_config_copy_renders_exactly_what_mermaid_renders_as_shipped(tmp_path):
    """The renderer shares Mermaid's getConfig copies and remembers sanitizeText's answers
    (speedups.js): every kind of diagram, config directives and frontmatter included, renders to
    the same boxes and the same image with and without it — the sequence diagram and the
    mindmap write to their copies, and are drawn again with fresh ones."""
    from deckbuilder.diagrams.cache import block_key, open_render_cache
    from deckbuilder.diagrams.renderer import BlockJob, PageJob, Renderer
    from tests.diagrams.conftest import CHROMIUM, MERMAID_JS, _require_browser

    _require_browser()
    jobs = [PageJob(page=name, blocks=(BlockJob(block_key(source), source, None),), selection="all")
            for name, source in SAMPLES.items()]
    results = {}
    for fast in (True, False):
        cache = open_render_cache(tmp_path / f"cache-{fast}", {"fast": str(fast)})
        renderer = Renderer(cache, mermaid_js=MERMAID_JS, chromium=CHROMIUM, workers=1, speed_up=fast)
        renderer.run(jobs)
        cache.close()
        assert renderer.sped_up is fast
        assert all(r.ok for r in renderer.records.values())
        results[fast] = (renderer.records, {k: p.read_bytes() for k, p in renderer.images.items()})
    assert len(results[True][0]) == len(SAMPLES)
    assert results[True][0] == results[False][0]
    assert results[True][1] == results[False][1]


def test_the_speed_up_applies_to_the_pinned_mermaid_only():
    from deckbuilder.diagrams.renderer import FAST_CONFIG_FOR, mermaid_version, speed_up_mermaid
    from tests.diagrams.conftest import MERMAID_JS

    bundle = MERMAID_JS.read_text(encoding="utf-8")
    assert mermaid_version(MERMAID_JS) == FAST_CONFIG_FOR
    fast = speed_up_mermaid(bundle)
    assert fast is not None
    for hook, count in (("atlasConfig(", 1), ("atlasUnshared(", 2), ("atlasSanitizeOnce(", 1)):
        assert fast.count(hook) == count, hook
    # Only calls are added or swapped: the bundle is otherwise untouched.
    assert len(fast) - len(bundle) == (len("atlasConfig(") - len("Bh({},") + 2 * len("atlasUnshared()")
                                       + len("atlasSanitizeOnce()"))
    for renamed in ('"getConfig")', '"setConfig")', '"sanitizeText")', "fromText("):
        assert speed_up_mermaid(bundle.replace(renamed, renamed.upper())) is None, renamed


def test_the_canvas_image_matches_a_screenshot_and_a_refused_canvas_falls_back_to_one(tmp_path, monkeypatch):
    """Images are drawn on a canvas in the page (render.js ``atlasRaster``), which is cheaper
    than a screenshot: the two agree pixel for pixel but for anti-aliasing, emoji included; and
    where the page refuses the canvas (here: atlasRaster throws), the screenshot is taken."""
    from PIL import Image, ImageChops

    from deckbuilder.diagrams import renderer as renderer_module
    from deckbuilder.diagrams.cache import block_key, open_render_cache
    from deckbuilder.diagrams.renderer import BlockJob, PageJob, Renderer
    from tests.diagrams.conftest import CHROMIUM, MERMAID_JS, _require_browser

    _require_browser()
    source = ("flowchart LR\n  subgraph E[Edge 🌍]\n    A[Client 📱] --> B{Auth?}\n  end\n"
              "  B -->|yes| C[(Postgres<br/>primary)]\n  B -->|no| D[Reject ❌]\n  classDef hot fill:#f96\n  class C hot\n")
    refusing = tmp_path / "render.js"
    refusing.write_text(renderer_module.RENDER_JS.read_text(encoding="utf-8")
                        + '\nwindow.atlasRaster = async () => { throw new Error("tainted canvas"); };\n', encoding="utf-8")
    pixels = {}
    for way, script in (("canvas", renderer_module.RENDER_JS), ("screenshot", refusing)):
        monkeypatch.setattr(renderer_module, "RENDER_JS", script)
        cache = open_render_cache(tmp_path / f"cache-{way}", {"way": way})
        renderer = Renderer(cache, mermaid_js=MERMAID_JS, chromium=CHROMIUM, workers=1)
        renderer.run([PageJob(page="p", blocks=(BlockJob(block_key(source), source, None),), selection="main")])
        cache.close()
        assert not renderer.capture_failures
        [image] = renderer.images.values()
        pixels[way] = Image.open(image).convert("RGB")
    canvas, shot = pixels["canvas"], pixels["screenshot"]
    assert abs(canvas.width - shot.width) <= 1 and abs(canvas.height - shot.height) <= 1
    shot = shot.resize(canvas.size) if shot.size != canvas.size else shot
    difference = ImageChops.difference(canvas, shot).convert("L")
    far = sum(difference.histogram()[64:])
    assert far / (canvas.width * canvas.height) < 0.03, f"{far} pixels differ by more than 64 levels"
    # Not a blank image: the diagram's fill colours are there.
    assert len(canvas.getcolors(1 << 16) or ()) > 8
