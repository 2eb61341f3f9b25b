"""YAML with line numbers, where every scalar is text exactly as written.

- Every mapping remembers where it and each of its keys stand.
- No implicit typing: `12:30` stays "12:30" (not 750), `yes` stays "yes" (not True), `010`
  stays "010" (not 8), an empty value is "". The loader converts the few numeric keys itself,
  with an error naming the line when one is not a number.
- No aliases: a source that repeats a node with `*name` is refused (an alias bomb would
  otherwise expand into gigabytes of text).
- Syntax errors name the line a person must look at: where an unclosed quote starts, where a
  tab stands, where a control character is.

Most card sources are read by :mod:`deckbuilder.yamlplain` into the same tree, without
libyaml's events (four times the cost of parsing); whatever it leaves — other YAML, errors —
is parsed here. This module owns PyYAML.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable

import yaml

from deckbuilder.yamlplain import NOT_PLAIN, LineList, LineMap, read_plain


# libyaml's parser when PyYAML has it (events in C); the documents are built from its events
# here, without PyYAML's constructors: every scalar is a string as written, every mapping and
# list knows its lines, and an alias is refused where it stands (so nothing is ever expanded).
try:
    from yaml._yaml import CParser as _Parser
except ImportError:  # pragma: no cover - PyYAML without libyaml
    class _Parser(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):  # type: ignore[no-redef]
        def __init__(self, stream: str):
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)


_SCALAR, _ALIAS = yaml.events.ScalarEvent, yaml.events.AliasEvent
_MAP_START, _SEQ_START = yaml.events.MappingStartEvent, yaml.events.SequenceStartEvent
_MAP_END, _SEQ_END = yaml.events.MappingEndEvent, yaml.events.SequenceEndEvent
_DOC_END, _STREAM_END = yaml.events.DocumentEndEvent, yaml.events.StreamEndEvent


def _build(text: str) -> Any:
    """The first document of ``text`` as LineMap / LineList / str (None when empty)."""
    get_event = _Parser(text).get_event
    root: Any = None
    while True:
        event = get_event()
        kind = type(event)
        if kind is _DOC_END or kind is _STREAM_END:
            return root
        if kind is _SCALAR or kind is _MAP_START or kind is _SEQ_START or kind is _ALIAS:
            root = _node(get_event, event)
        # else: stream and document start


# Each container is read by its own loop, one event after the other (recursive descent): a
# mapping reads a key, then its value; a list reads items until its end. Scalars, the most
# common event by far, are taken in place.


def _node(get_event: Callable[[], Any], event: Any) -> Any:
    kind = type(event)
    if kind is _SCALAR:
        return event.value
    if kind is _MAP_START:
        return _mapping(get_event, event.start_mark.line + 1)
    if kind is _SEQ_START:
        return _sequence(get_event, event.start_mark.line + 1)
    if kind is _ALIAS:
        raise YamlSyntaxError(event.start_mark.line + 1, "a YAML alias (*name): aliases are not allowed in sources",
                              "write the text out in full")
    raise YamlSyntaxError(event.start_mark.line + 1, f"unexpected {kind.__name__}")  # pragma: no cover - libyaml's order


def _mapping(get_event: Callable[[], Any], line: int) -> LineMap:
    node = LineMap.at(line)
    key_lines = node.key_lines
    while True:
        event = get_event()
        kind = type(event)
        if kind is _MAP_END:
            return node
        key_line = event.start_mark.line + 1
        key = event.value if kind is _SCALAR else _node(get_event, event)
        if type(key) is not str:
            raise YamlSyntaxError(key_line, "a key that is a list or mapping", "write the key as plain text")
        if key in node:
            node.duplicate_keys.append((key, key_line))
        key_lines[key] = key_line
        event = get_event()
        node[key] = event.value if type(event) is _SCALAR else _node(get_event, event)


def _sequence(get_event: Callable[[], Any], line: int) -> LineList:
    node = LineList.at(line)
    item_lines = node.item_lines
    while True:
        event = get_event()
        kind = type(event)
        if kind is _SEQ_END:
            return node
        item_lines.append(event.start_mark.line + 1)
        node.append(event.value if kind is _SCALAR else _node(get_event, event))


class YamlSyntaxError(Exception):
    def __init__(self, line: int, message: str, fix: str = ""):
        super().__init__(message)
        self.line = line
        self.message = message
        self.fix = fix


def load_yaml(path: Path) -> Any:
    """Parse one YAML document; raise :class:`YamlSyntaxError` with the line on bad syntax."""
    return parse_yaml(path.read_text(encoding="utf-8"))


def parse_yaml(text: str) -> Any:
    data = read_plain(text)  # most sources: without libyaml's events (see deckbuilder.yamlplain)
    if data is not NOT_PLAIN:
        return data
    try:
        data = _build(text)
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(text, exc) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        raise YamlSyntaxError(line, f"control character {_codepoint(exc.character)} in the text",
                              "delete it (it is invisible in most editors; YAML allows only printable text)") from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(0, str(exc)) from None
    return data


def _syntax_error(text: str, exc: yaml.MarkedYAMLError) -> YamlSyntaxError:
    problem = exc.problem or ""
    context = exc.context or ""
    mark = exc.problem_mark or exc.context_mark
    if "quoted scalar" in context and "end of stream" in problem and exc.context_mark is not None:
        return YamlSyntaxError(exc.context_mark.line + 1, "a quoted text starts here and is never closed",
                               "add the closing quote (a quote inside the text is written twice in '…', or as \\\" in \"…\")")
    if mark is not None and (_char_at(text, mark.line, mark.column) == "\t" or "tab character" in problem):
        return YamlSyntaxError(mark.line + 1, "a tab character where YAML expects spaces",
                               "indent with spaces only (replace the tab)")
    if "undefined alias" in problem:
        return YamlSyntaxError(mark.line + 1 if mark else 0, "a YAML alias (*name): aliases are not allowed in sources",
                               "write the text out in full")
    line = mark.line + 1 if mark else 0
    unclosed = _unclosed_quote(text, line)
    if unclosed:
        return YamlSyntaxError(unclosed, "a quoted text starts here and is not closed on its line "
                               f"(YAML then reads on, and stops at line {line}: {problem or context})",
                               "add the closing quote (a quote inside the text is written twice in '…', or as \\\" in \"…\")")
    message = " ".join(part for part in (context, problem) if part)
    return YamlSyntaxError(line, message)


_QUOTED_VALUE = re.compile(r"""^\s*(?:-\s+)?(?:[^\s:'"#][^:#]*:\s+)?(["'])(.*)$""")


def _unclosed_quote(text: str, before_line: int) -> int:
    """The first line before ``before_line`` whose value opens a quote it does not close (1-based), or 0.

    Quoted text may span lines in YAML, but card sources never need that; when the parser fails
    further down, an unclosed quote is the usual cause and its line is the one to look at.
    """
    for number, line in enumerate(text.split("\n")[: max(before_line - 1, 0)], start=1):
        match = _QUOTED_VALUE.match(line)
        if not match:
            continue
        quote, rest = match.groups()
        if quote == "'":
            closed = bool(re.search(r"(?<!')'(?!')|^'$|''$", rest.replace("''", "")))
        else:
            closed = bool(re.search(r'(?<!\\)"', rest))
        if not closed:
            return number
    return 0


def _char_at(text: str, line: int, column: int) -> str:
    lines = text.split("\n")
    if 0 <= line < len(lines) and 0 <= column < len(lines[line]):
        return lines[line][column]
    return ""


def _codepoint(character: Any) -> str:
    code = character if isinstance(character, int) else ord(str(character)[:1] or "\0")
    return f"U+{code:04X}"
