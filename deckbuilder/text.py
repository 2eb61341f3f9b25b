"""Source text (CommonMark) to card HTML. This module owns markdown-it-py.

Raw HTML in the sources is not interpreted: it is escaped, so text on a card is always data.
"""

from __future__ import annotations

from functools import lru_cache

from markdown_it import MarkdownIt


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # "commonmark" with html disabled: <b> in the source shows as the characters "<b>".
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def to_html(text: str) -> str:
    """Markdown to HTML. A single paragraph is returned without its <p> wrapper."""
    if not text:
        return ""
    html = _parser().render(text).strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return html


def to_inline_html(text: str) -> str:
    """Markdown to HTML without block elements (for list items and options)."""
    if not text:
        return ""
    return _parser().renderInline(text)
