from __future__ import annotations

import pytest

from deckbuilder.text import to_html, to_inline_html


@pytest.mark.parametrize(("source", "html"), [
    ("plain words", "plain words"),
    ('say "hi"', "say &quot;hi&quot;"),
    ("<b>bold</b> & <script>alert(1)</script>", "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;script&gt;alert(1)&lt;/script&gt;"),
    ("`x < y` and `<br>`", "<code>x &lt; y</code> and <code>&lt;br&gt;</code>"),
    ("<div>\nblock\n</div>", "&lt;div&gt;\nblock\n&lt;/div&gt;"),
    ("<https://example.com>", "&lt;https://example.com&gt;"),
    ("**bold** and *it*", "<strong>bold</strong> and <em>it</em>"),
    ("one\n\ntwo", "<p>one</p>\n<p>two</p>"),
    ("- a\n- b", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>"),
    ("{{c1::Little's law}} says L = {{c2::λW}}", "{{c1::Little's law}} says L = {{c2::λW}}"),
    ("a \ue000 b <", "a \ufffd b &lt;"),
    ("[link](javascript:alert(1))", '<a href="">link</a>'),
])
def test_markdown_to_html(source: str, html: str) -> None:
    assert to_html(source) == html


def test_inline_drops_the_paragraph() -> None:
    assert to_inline_html("the **second**") == "the <strong>second</strong>"
