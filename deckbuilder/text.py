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

# Text can hold Markdown only if it has one of these characters, starts like an indented or
# list block, or ends in a space; any other text renders as itself, escaped (the fast path:
# most card text is plain). Two patterns, not one with ^/$ alternatives: a character class is
# found by a quick scan, where anchors in an alternation are retried at every position.
_MARKUP_CHAR = re.compile(r"[*_`\[\]<>&\\!\n#]")
_BLOCK_START = re.compile(r"\s|[-+]\s|\d+[.)]")


def _is_plain(text: str) -> bool:
    return not (_MARKUP_CHAR.search(text) or _BLOCK_START.match(text) or text[-1].isspace())


def _render(text: str) -> str:
    source = text.replace(_LT, "\ufffd").replace("<", _LT)
    return cmarkgfm.markdown_to_html(source, _OPTIONS).replace(_LT, "&lt;").strip()


def to_html(text: str) -> str:
    """Markdown to HTML. A single paragraph is returned without its <p> wrapper."""
    if not text:
        return ""
    if _is_plain(text):
        return text.replace('"', "&quot;")
    html = _render(text)
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return html


def to_inline_html(text: str) -> str:
    """Markdown to HTML for list items and options: a single paragraph loses its <p>."""
    return to_html(text)
