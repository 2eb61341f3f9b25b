"""Source text (CommonMark) to card HTML. This module owns cmarkgfm (GitHub's C cmark).

Raw HTML in the sources is not interpreted: it shows as the characters typed, so text on a
card is always data, never markup or script. cmark's own "safe" mode would drop such HTML
instead; so every "<" is swapped for a private-use character before parsing (cmark then
sees no tag, no HTML block and no autolink) and swapped back as "&lt;" afterwards.
"""

from __future__ import annotations

import re

import cmarkgfm
from cmarkgfm.cmark import Options

_LT = "\ue000"  # private use: never meaningful in card text
_OPTIONS = Options.CMARK_OPT_DEFAULT

# Text with none of these can hold no Markdown: it renders as itself, escaped.
_MARKUP = re.compile(r"[*_`\[\]<>&\\!\n#]|^\s|\s$|^[-+]\s|^\d+[.)]")


def _render(text: str) -> str:
    source = text.replace(_LT, "\ufffd").replace("<", _LT)
    return cmarkgfm.markdown_to_html(source, _OPTIONS).replace(_LT, "&lt;").strip()


def to_html(text: str) -> str:
    """Markdown to HTML. A single paragraph is returned without its <p> wrapper."""
    if not text:
        return ""
    if not _MARKUP.search(text):
        return text.replace('"', "&quot;")
    html = _render(text)
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return html


def to_inline_html(text: str) -> str:
    """Markdown to HTML for list items and options: a single paragraph loses its <p>."""
    return to_html(text)
