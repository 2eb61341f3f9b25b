"""YAML with line numbers, where every scalar is text exactly as written.

- Every mapping remembers where it and each of its keys stand.
- No implicit typing: `12:30` stays "12:30" (not 750), `yes` stays "yes" (not True), `010`
  stays "010" (not 8), an empty value is "". The loader converts the few numeric keys itself,
  with an error naming the line when one is not a number.
- No aliases: a source that repeats a node with `*name` is refused (an alias bomb would
  otherwise expand into gigabytes of text).
- Syntax errors name the line a person must look at: where an unclosed quote starts, where a
  tab stands, where a control character is.

This module owns PyYAML.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml


class LineMap(dict):
    """A mapping from YAML that knows its own line and the line of each key (1-based)."""

    line: int = 0
    key_lines: dict[str, int]
    duplicate_keys: list[tuple[str, int]]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list):
    line: int = 0
    item_lines: list[int]


# libyaml's parser when PyYAML has it (about 10x faster); the same safe constructors either way.
_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_Base):  # type: ignore[misc,valid-type]
    yaml_implicit_resolvers: dict = {}  # every plain scalar is a string, as written


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineMap:
    loader.flatten_mapping(node)
    result = LineMap()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    result.duplicate_keys = []
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if not isinstance(key, str):
            key = str(key)
        if key in result:
            result.duplicate_keys.append((key, line))
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = line
    return result


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


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
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(text, exc) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        raise YamlSyntaxError(line, f"control character {_codepoint(exc.character)} in the text",
                              "delete it (it is invisible in most editors; YAML allows only printable text)") from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(0, str(exc)) from None
    _refuse_aliases(data)
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


def _refuse_aliases(data: Any) -> None:
    """Refuse a document in which one list or mapping appears twice (a YAML alias).

    Aliases share the object the anchor built, so a walk that meets an object again has found
    one; the walk visits each object once, so an alias bomb costs no more than its text.
    """
    seen: set[int] = set()
    stack = [data]
    while stack:
        node = stack.pop()
        if not isinstance(node, (list, dict)):
            continue
        if id(node) in seen:
            raise YamlSyntaxError(getattr(node, "line", 0), "a YAML alias (*name) repeats the item that starts here; "
                                  "aliases are not allowed in sources", "write the text out in full")
        seen.add(id(node))
        stack.extend(node.values() if isinstance(node, dict) else node)
