"""A fast reader for the plain YAML most card sources are written in; anything else is left to libyaml.

libyaml itself parses a 20,000-question bank in about 0.05 s, but handing its events to Python
costs four times that (three objects per event). Topic files use a small, regular part of YAML:
block mappings and lists, one-line scalars (plain, '…', "…" with no escape but \\" \\\\ \\/),
flow lists of plain words, and ``|``/``>`` block scalars. :func:`read_plain` reads exactly that
part, line by line, into the same LineMap / LineList / str tree, with the same lines, as
libyaml's events give (:mod:`deckbuilder.yamlsource`): 0.30 s instead of 0.42 s on that bank.
At the first thing outside it — a tab, another escape, a flow mapping, an anchor, a scalar over
several lines, an indentless list, a syntax error — it gives up and returns :data:`NOT_PLAIN`,
and the caller parses the text with libyaml, which also words every error. It never accepts a
text that libyaml would read differently or refuse: ``tests/test_yaml_plain.py`` holds the two
equal on every source and on thousands of mutants.
"""

from __future__ import annotations

import re
from typing import Any


class LineMap(dict):
    """A mapping from YAML that knows its own line and the line of each key (1-based)."""

    line: int = 0
    key_lines: dict[str, int]
    duplicate_keys: list[tuple[str, int]]

    @classmethod
    def at(cls, line: int) -> LineMap:
        """An empty mapping that starts at ``line``."""
        node = cls()
        node.line, node.key_lines, node.duplicate_keys = line, {}, []
        return node

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list):
    line: int = 0
    item_lines: list[int]

    @classmethod
    def at(cls, line: int) -> LineList:
        """An empty list that starts at ``line``."""
        node = cls()
        node.line, node.item_lines = line, []
        return node


NOT_PLAIN: Any = object()  # "not in the plain part: ask libyaml"


class _NotPlain(Exception):
    pass


# What this reader leaves to libyaml wherever it stands: a character outside the printable
# ones YAML allows, a tab, a carriage return, the line breaks U+0085, U+2028 and U+2029, a byte
# order mark; and, at the start of a line, a document marker or a directive.
_OUTSIDE = re.compile("[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
_MARKERS = ("---", "...", "%")
_LINE_MARKER = re.compile(r"\n(?:---|\.\.\.|%)")
_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*):(?: +|$)")  # a plain key, then ": " or the line's end
_BLOCK_HEADER = re.compile(r"([|>])([+-]?) *(?:#.*)?$")
# A plain scalar may not start with an indicator (libyaml reads some of these as plain when a
# non-space follows; this reader leaves all of them to it).
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
_FLOW_SPECIAL = re.compile(r"[\[\]{}#'\":]")
_DOUBLE_QUOTED = re.compile(r'"((?:[^"\\]|\\["\\/])*)"')  # on one line, with no escape but \" \\ \/
_ESCAPE = re.compile(r"\\(.)")


def read_plain(text: str) -> Any:
    """The document of ``text`` as LineMap / LineList / str (None when it holds none), or
    :data:`NOT_PLAIN` when ``text`` is not written in the plain part of YAML."""
    if _OUTSIDE.search(text) or text.startswith(_MARKERS) or _LINE_MARKER.search(text):
        return NOT_PLAIN
    try:
        return _document(text.split("\n"))
    except _NotPlain:
        return NOT_PLAIN


_NO_LIMIT = 1 << 62


def _document(lines: list[str]) -> Any:
    """The document, read line by line (one loop: this is the build's hottest code)."""
    count = len(lines)
    at = 0  # the index of the next line
    root: LineMap | None = None
    # the open containers, innermost last, with their indents (a mapping's is its keys' column,
    # a list's its dashes'); ``top`` is the innermost
    stack: list[tuple[int, Any]] = []
    top: Any = None
    top_indent = -1
    pending: LineMap | None = None  # a mapping whose last key has its value on the lines below
    pending_key = ""
    pending_indent = 0
    limit = _NO_LIMIT  # after a one-line value, a line indented further would continue it
    while at < count:
        line = lines[at]
        at += 1
        content = line.lstrip(" ")
        if not content:
            continue
        indent = len(line) - len(content)
        if indent > limit:
            raise _NotPlain
        if content[0] == "#":
            continue
        limit = _NO_LIMIT
        number = at
        if pending is not None:
            if indent > pending_indent:  # the value is a block below the key
                if content[0] == "-" and content[1:2] in ("", " "):
                    node: Any = LineList.at(number)
                else:
                    node = LineMap.at(number)
                pending[pending_key] = node
                stack.append((indent, node))
                top, top_indent = node, indent
            elif indent == pending_indent and content[0] == "-":
                raise _NotPlain  # an indentless list
            pending = None
        while top_indent > indent:
            stack.pop()
            top_indent, top = stack[-1] if stack else (-1, None)
        if top is None:
            if root is not None or indent:
                raise _NotPlain
            top = root = LineMap.at(number)
            top_indent = 0
            stack.append((0, root))
        elif top_indent != indent:
            raise _NotPlain
        if type(top) is LineList:
            if content[0] != "-" or content[1:2] != " ":
                raise _NotPlain
            rest = content[1:].lstrip(" ")
            if not rest or rest[0] == "#":
                raise _NotPlain  # the item is on the lines below, or empty
            top.item_lines.append(number)
            match = _KEY.match(rest)
            if match is None:
                value, at = _value(rest, number, lines, at, indent)
                top.append(value)
                limit = indent
                continue
            mapping = LineMap.at(number)
            top.append(mapping)
            column = len(line) - len(rest)
            stack.append((column, mapping))
            top, top_indent = mapping, column
            content = rest
        else:
            match = _KEY.match(content)
            if match is None:
                raise _NotPlain
            mapping = top
            column = indent
        key = match.group(1)
        if key in mapping:
            mapping.duplicate_keys.append((key, number))
        mapping.key_lines[key] = number
        rest = content[match.end():]
        if not rest or rest[0] == "#":  # (the key's pattern ends in a space or the line's end)
            mapping[key] = ""  # unless a block follows
            pending, pending_key, pending_indent = mapping, key, column
            continue
        if rest[0] in _INDICATORS:  # quoted, a flow list, a block scalar (or refused)
            mapping[key], at = _value(rest, number, lines, at, column)
        else:  # a plain scalar, the usual value
            mapping[key] = _plain(rest)
        limit = column
    return root


def _value(rest: str, number: int, lines: list[str], at: int, indent: int) -> tuple[Any, int]:
    """The value written as ``rest`` on line ``number`` (``at`` is the next line's index) in a
    container at ``indent``; and the index of the line after it."""
    first = rest[0]
    if first == "|" or first == ">":
        return _block(rest, lines, at, indent)
    if first == '"':
        match = _DOUBLE_QUOTED.match(rest)
        if match is None:
            raise _NotPlain  # not closed on its line, or an escape other than \" \\ \/
        value: Any = match.group(1)
        if "\\" in value:
            value = _ESCAPE.sub(r"\1", value)
        tail = rest[match.end():]
    elif first == "'":
        end = 1
        while True:
            end = rest.find("'", end)
            if end < 0:
                raise _NotPlain
            if rest[end + 1:end + 2] != "'":
                break
            end += 2
        value = rest[1:end].replace("''", "'")
        tail = rest[end + 1:]
    elif first == "[":
        end = rest.find("]")
        if end < 0:
            raise _NotPlain
        inner = rest[1:end]
        if _FLOW_SPECIAL.search(inner):
            raise _NotPlain
        value = LineList.at(number)
        if inner.strip(" "):
            items = [item.strip(" ") for item in inner.split(",")]
            for item in items:
                if not item or item[0] in _INDICATORS:
                    raise _NotPlain
            value.extend(items)
        value.item_lines = [number] * len(value)
        tail = rest[end + 1:]
    else:
        if first in _INDICATORS:
            raise _NotPlain
        value = _plain(rest)
        tail = ""
    if tail and not (tail.lstrip(" ")[:1] in ("", "#") and (tail[0] == " " or not tail.strip(" "))):
        raise _NotPlain
    return value, at


def _plain(rest: str) -> str:
    """The plain scalar written as ``rest`` (it starts with no indicator), its comment cut off."""
    cut = rest.find(" #")
    value = (rest if cut < 0 else rest[:cut]).rstrip(" ")
    if ": " in value or value[-1] == ":":
        raise _NotPlain  # YAML reads a mapping there, or refuses it
    return value


def _block(header: str, lines: list[str], at: int, parent: int) -> tuple[str, int]:
    """A ``|`` or ``>`` block scalar whose lines start at index ``at``, as libyaml's scanner reads
    it (``yaml_parser_scan_block_scalar``); and the index of the line after it."""
    match = _BLOCK_HEADER.match(header)
    if match is None:
        raise _NotPlain  # an explicit indentation, or something after the header
    folded, chomping = match.group(1) == ">", match.group(2)
    if at >= len(lines):
        raise _NotPlain
    first = lines[at]
    content = first.lstrip(" ")
    indent = len(first) - len(content)
    if not content or indent <= parent:
        raise _NotPlain  # leading blank lines, or an empty block scalar
    text: list[str] = []
    leading_break = ""
    trailing_breaks = 0
    leading_blank = False
    last = len(lines) - 1  # the text after the last line break ("" when the text ends in one)
    while at < len(lines):
        line = lines[at]
        stripped = line.lstrip(" ")
        if not stripped:
            if len(line) > indent or (at == last and line):
                raise _NotPlain  # only spaces, more than the indentation (text of spaces), or at the end
            if at < last:
                trailing_breaks += 1
            at += 1
            continue
        if len(line) - len(stripped) < indent:
            if len(line) - len(stripped) > parent:
                raise _NotPlain  # a line between the block's indent and its container's
            break
        body = line[indent:]
        trailing_blank = body[0] == " "
        if folded and leading_break and not leading_blank and not trailing_blank:
            if not trailing_breaks:
                text.append(" ")
        else:
            text.append(leading_break)
        text.append("\n" * trailing_breaks)
        trailing_breaks = 0
        leading_blank = trailing_blank
        text.append(body)
        leading_break = "\n" if at < last else ""
        at += 1
    if chomping != "-":
        text.append(leading_break)
    if chomping == "+":
        text.append("\n" * trailing_breaks)
    return "".join(text), at
