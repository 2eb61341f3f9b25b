"""Anki search strings built from names, with Anki's wildcards escaped.

In a search, ``*`` and ``_`` are wildcards and ``\\`` escapes them (``rslib/src/text.rs``:
``to_custom_re``); a double quote inside a quoted term needs a backslash too.
"""

from __future__ import annotations


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_").replace('"', '\\"')


def _quote(text: str) -> str:
    return f'"{_escape(text)}"'


def deck(name: str) -> str:
    """The deck and its subdecks (and cards of it sitting in a filtered deck)."""
    return f"deck:{_quote(name)}"


def deck_only(name: str) -> str:
    """The deck's own cards, not its subdecks'."""
    return f'{deck(name)} -deck:"{_escape(name)}::*"'


def tag_subtree(tag: str) -> str:
    """The tag and every tag below it, like Anki's own ``tag:``."""
    return f"tag:{_quote(tag)}"


def tag_exact(tag: str) -> str:
    """Exactly this tag, not its children."""
    children = f'"{_escape(tag)}::*"'  # the one unescaped wildcard: any child
    return f"({tag_subtree(tag)} -tag:{children})"


def tag_below(root: str) -> str:
    """Any tag below ``root``, not ``root`` itself."""
    return f'tag:"{_escape(root)}::*"'


def in_deck(deck_name: str, *terms: str) -> str:
    return " ".join((deck(deck_name), *terms))


IN_FILTERED_DECK = "deck:filtered"
