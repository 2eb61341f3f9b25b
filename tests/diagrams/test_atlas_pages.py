"""What a DS page is in the plan, and reading a (synthetic) checkout."""

from __future__ import annotations

from pathlib import Path

import pytest

from deckbuilder.core import atlas_pages as m
from deckbuilder.diagrams.atlas import read_checkout
from deckbuilder.diagrams.errors import DiagramError
from deckbuilder.loader import load_plan

PLAN = Path(__file__).resolve().parents[2] / "cards" / "plan.yaml"


@pytest.mark.parametrize("path, category, company", [
    ("systems/uber/architecture.md", "systems", "uber"),
    ("patterns/cqrs.md", "patterns", None),
    ("index.md", None, None),
    ("systems/overview.md", "systems", None),
])
def test_category_and_company(path, category, company):
    assert (m.category_of(path), m.company_of(path)) == (category, company)


@pytest.mark.parametrize("path, registry, kind", [
    ("systems/uber/architecture.md", "architecture", "architecture"),
    ("systems/uber/storage-architecture.md", None, "storage"),
    ("systems/uber/production-operations.md", None, "production-ops"),
    ("systems/x/anything.md", "Request Flow", "request-flow"),
    ("incidents/aws-s3-2017.md", None, "failure-domains"),
    ("comparisons/nginx-vs-envoy.md", None, "comparison"),
    ("patterns/cqrs-linkedin-feed.md", None, "pattern"),
    ("newfolder/whatever.md", None, "concept"),
])
def test_diagram_type(path, registry, kind):
    assert m.diagram_type(path, registry) == kind


def test_subdeck_groups_start_below_the_categorys_own_section():
    nav = [
        m.NavEntry("index.md", "Welcome", ("Home",), 0),
        m.NavEntry("patterns/a.md", "A", ("Home", "Patterns"), 1),
        m.NavEntry("mechanisms/replication/r.md", "R", ("Home", "Mechanisms", "Replication"), 2),
        m.NavEntry("systems/uber/architecture.md", "Arch", ("Systems", "Uber"), 3),
        m.NavEntry("incidents/aws.md", "AWS", ("Incidents", "High Profile"), 4),
    ]
    assert m.subdeck_groups(nav) == {
        "index.md": (),
        "patterns/a.md": (),
        "mechanisms/replication/r.md": ("Replication",),
        "systems/uber/architecture.md": ("Uber",),
        "incidents/aws.md": ("High Profile",),
    }
    assert m.subdeck("Companies", ("Uber",)) == "Companies::Uber"
    assert m.subdeck("Incidents", ("A::B",)) == "Incidents::A:B"
    assert m.fallback_groups("systems/doordash/x.md") == ("Doordash",)


def test_weeks_spread_each_phase_over_its_weeks_on_both_paths():
    plan = load_plan(PLAN)
    weeks = m.assign_weeks({3: [f"p{i}" for i in range(8)]}, plan, "extended")
    assert [weeks[f"p{i}"].reference_week for i in range(8)] == [7, 7, 8, 8, 9, 9, 10, 10]
    assert [weeks[f"p{i}"].path_week for i in range(8)] == [21, 22, 24, 25, 27, 29, 30, 32]


def test_key_metrics_under_the_first_metrics_heading_escaped():
    page = (
        "# Uber\n\n## Overview\n- not this 1\n\n## Key Production Metrics\n\n### Scale\n"
        "- **Trips**: 25M <daily>\n- [Link](x) 10K cities\n\n## Costs\n- $1\n"
    )
    assert m.key_metrics(page) == ("<b>Trips</b>: 25M &lt;daily&gt;", "Link 10K cities")


def test_key_metrics_fall_back_to_bullets_with_numbers_outside_code():
    page = "# P\n\n```\n- 5 not a bullet\n```\n- no number\n- 99.9% uptime\n"
    assert m.key_metrics(page) == ("99.9% uptime",)


def test_page_title_skips_code_comments():
    assert m.page_title("```\n# not a title\n```\n# Uber *Money* Shot\n") == "Uber Money Shot"


def _write(root: Path, rel: str, text: str) -> None:
    path = root / "site" / "docs" / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_read_checkout_categories_nav_registry_and_skipped_folders(tmp_path):
    block = "```mermaid\ngraph TB\n  A --> B\n```\n"
    _write(tmp_path, "systems/acme/architecture.md", "# Acme Architecture\n\n" + block + "\n## Key Metrics\n- 5 nodes\n")
    _write(tmp_path, "systems/acme/request-flow.md", "# Flow\n\n" + block)
    _write(tmp_path, "patterns/cqrs.md", "no title\n" + block)
    _write(tmp_path, "templates/t.md", block)
    _write(tmp_path, "reference/r.md", block + block)
    _write(tmp_path, "index.md", block)
    _write(tmp_path, "patterns/text-only.md", "# No diagrams\n")
    (tmp_path / "site" / "mkdocs.yml").write_text(
        "site_name: x\nmarkdown_extensions:\n  - pymdownx.emoji:\n      emoji_index: !!python/name:material.extensions.emoji.twemoji\n"
        "nav:\n  - Systems:\n    - ACME Corp:\n      - Request: systems/acme/request-flow.md\n"
        "      - Arch: systems/acme/architecture.md\n  - Patterns:\n    - CQRS: patterns/cqrs.md\n",
        encoding="utf-8",
    )
    (tmp_path / "site" / "data").mkdir()
    (tmp_path / "site" / "data" / "unified_diagram_status.json").write_text(
        '{"diagrams": {"x": {"file_path": "systems/acme/request-flow.md", "type": "request-flow"}}}', encoding="utf-8")
    plan = load_plan(PLAN)
    checkout = read_checkout(tmp_path, plan.categories, epoch=1700000000)
    summary = [(p.rel_path, p.title, p.category, p.company, p.diagram_type, p.groups, p.nav_position, p.mtime)
               for p in checkout.pages]
    assert summary == [
        ("patterns/cqrs.md", "CQRS", "patterns", None, "pattern", (), 2, 1700000000),
        ("systems/acme/architecture.md", "Acme Architecture", "systems", "acme", "architecture", ("ACME Corp",), 1, 1700000000),
        ("systems/acme/request-flow.md", "Flow", "systems", "acme", "request-flow", ("ACME Corp",), 0, 1700000000),
    ]
    assert checkout.pages[1].key_metrics == ("5 nodes",)
    assert checkout.skipped == {"(top level)": 1, "reference": 1, "templates": 1}
    assert checkout.warnings == (
        "site/docs: folders not in plan.yaml `categories` were left out: (top level) (1 page), reference (1 page), "
        "templates (1 page) — add a folder to `categories` and to a phase in cards/plan.yaml to include it",
    )


def test_read_checkout_of_a_folder_that_is_not_one(tmp_path):
    with pytest.raises(DiagramError, match=r"not a DS checkout \(no site/docs/ folder\) — pass the checkout's root folder to --atlas"):
        read_checkout(tmp_path, {})
