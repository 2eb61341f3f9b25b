"""Blocks in pages, pages saved with literal \\n escapes, the safe repairs, label cleaning."""

from __future__ import annotations

import pytest

from deckbuilder.core.mermaid_source import (
    MermaidBlock,
    Repair,
    diagram_keyword,
    escape_sequence_semicolons,
    escape_timeline_colons,
    has_literal_newlines,
    label_lines,
    mermaid_blocks,
    quote_flowchart_labels,
    repair,
    unescape_literal_newlines,
)


def test_blocks_with_their_fence_lines():
    page = "# T\n\n```mermaid\ngraph TB\n  A --> B\n```\n\ntext\n\n```python\nx = 1\n```\n```mermaid\npie\n  \"a\" : 1\n```\n"
    assert mermaid_blocks(page) == [
        MermaidBlock(index=0, line=3, source="graph TB\n  A --> B\n"),
        MermaidBlock(index=1, line=13, source='pie\n  "a" : 1\n'),
    ]


def test_indented_block_in_a_list_loses_its_indent_and_longer_fences_close_only_on_their_length():
    page = "- item\n\n    ````mermaid\n    graph LR\n      A --> B\n    ```\n    ````\n"
    assert mermaid_blocks(page) == [MermaidBlock(index=0, line=3, source="graph LR\n  A --> B\n```\n")]


def test_unclosed_block_runs_to_the_end():
    assert mermaid_blocks("```mermaid\ngraph TB\n  A") == [MermaidBlock(0, 1, "graph TB\n  A\n")]


def test_page_saved_with_literal_escapes_is_detected_and_decoded():
    saved = r'# K\n\n```mermaid\ngraph TB\n  A[\"x\"] --> B\n```\n\ncode: print(\"a\\nb\")\n'
    assert has_literal_newlines(saved)
    decoded = unescape_literal_newlines(saved)
    assert decoded == '# K\n\n```mermaid\ngraph TB\n  A["x"] --> B\n```\n\ncode: print("a\\nb")\n'
    assert mermaid_blocks(decoded)[0] == MermaidBlock(0, 3, 'graph TB\n  A["x"] --> B\n')


def test_ordinary_page_mentioning_backslash_n_is_not_decoded():
    assert not has_literal_newlines("# Title\n\nUse `\\n` to end a line.\n\nMore text.\n")


@pytest.mark.parametrize("source, keyword", [
    ("graph TB\n", "graph"),
    ("%% comment\n\nflowchart LR\n", "flowchart"),
    ("---\ntitle: x\n---\nsequenceDiagram\n", "sequenceDiagram"),
    ("%%{init: {'theme':'dark'}}%%\ntimeline\n", "timeline"),
    ("", ""),
])
def test_diagram_keyword(source, keyword):
    assert diagram_keyword(source) == keyword


def test_quoting_the_ds_pattern_of_parentheses_in_square_labels():
    source = "graph TB\n    ChAP[Chaos Platform (ChAP)<br/>━━━━━<br/>Netflix] --> DB[(Cassandra (ring))]\n"
    result = quote_flowchart_labels(source)
    assert result.source == (
        'graph TB\n    ChAP["Chaos Platform (ChAP)<br/>━━━━━<br/>Netflix"] --> DB[("Cassandra (ring)")]\n'
    )
    assert result.repairs == (Repair(2, "quoted 2 labels"),)


@pytest.mark.parametrize("line, quoted", [
    ('  A["already quoted (fine)"] --> B', 'A["already quoted (fine)"] --> B'),
    ("  D{Is it (x)?} -->|yes (fast)| E([Stadium])", 'D{"Is it (x)?"} -->|"yes (fast)"| E(["Stadium"])'),
    ('  N[Vector: [N1:3, N2:1]] --> M[say "hi"]', 'N["Vector: [N1:3, N2:1]"] --> M["say #quot;hi#quot;"]'),
    ("  subgraph Edge[Edge Plane (CDN)]", 'subgraph Edge["Edge Plane (CDN)"]'),
    ("  A & B --> C((Circle))", 'A & B --> C(("Circle"))'),
    ("  A -->|plain| B", "A -->|plain| B"),
])
def test_quoting_shapes(line, quoted):
    assert quote_flowchart_labels(f"flowchart LR\n{line}\n").source == f"flowchart LR\n  {quoted}\n"


def test_quoting_leaves_style_lines_and_other_diagrams_alone():
    styles = "graph TB\n  classDef x fill:#fff\n  style A fill:#f00\n  class A,B x\n  click A callback\n"
    assert quote_flowchart_labels(styles).source == styles
    sequence = "sequenceDiagram\n  A->>B: call(x)[y]\n"
    assert quote_flowchart_labels(sequence).source == sequence


def test_timeline_times_and_section_colons_become_entities():
    source = "timeline\n    title Outage 10:00 UTC\n    section 1997-2000: Era\n        10:00 : Alert: fired\n              : next\n        18:45:30 : down\n"
    result = escape_timeline_colons(source)
    assert result.source == (
        "timeline\n    title Outage 10:00 UTC\n    section 1997-2000#58; Era\n"
        "        10#58;00 : Alert: fired\n              : next\n        18#58;45#58;30 : down\n"
    )
    assert [r.line for r in result.repairs] == [3, 4, 6]


def test_sequence_semicolons_in_messages_become_entities():
    source = "sequenceDiagram\n    P->>P: UPDATE t SET a=1; COMMIT;\n    Note over P: done; ok\n    A->>B: plain\n"
    assert escape_sequence_semicolons(source).source == (
        "sequenceDiagram\n    P->>P: UPDATE t SET a=1#59; COMMIT#59;\n    Note over P: done#59; ok\n    A->>B: plain\n"
    )


def test_repair_runs_every_step_and_reports_nothing_for_a_clean_block():
    clean = 'graph TB\n  A["x"] --> B["y"]\n'
    assert repair(clean).source == clean
    assert repair(clean).repairs == ()


@pytest.mark.parametrize("raw, lines", [
    ("<p>Global CDN<br>━━━━━<br>3,000+ Edge Servers</p>", ("Global CDN", "3,000+ Edge Servers")),
    ("Maps &amp; Routing<br/>─────<br/>C++", ("Maps & Routing", "C++")),
    ("say #quot;hi#quot; #35;1", ('say "hi" #1',)),
    ("<b>bold</b>  spaced\\nnext", ("bold spaced", "next")),
    ("&lt;script&gt;alert(1)&lt;/script&gt;", ("<script>alert(1)</script>",)),
])
def test_label_lines(raw, lines):
    assert label_lines(raw) == lines
