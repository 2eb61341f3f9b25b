"""Mermaid blocks in Markdown pages, and the safe repairs of blocks that fail to parse.

Pure: text in, values out. The renderer decides *when* to repair (only after a block failed
to parse as written), so a block that already renders is never changed.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

_FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*mermaid\b[^\n]*$", re.M)
_LITERAL_ESCAPE = re.compile(r"\\(.)", re.S)
_ESCAPES = {"n": "\n", "t": "\t", "r": "", '"': '"', "'": "'", "\\": "\\"}


@dataclass(frozen=True)
class MermaidBlock:
    """One fenced ```mermaid block of a page. ``line`` is the 1-based line of its opening fence."""

    index: int  # 0-based position among the page's Mermaid blocks
    line: int
    source: str


def has_literal_newlines(text: str) -> bool:
    """A page saved with ``\\n`` escapes instead of line breaks (a whole document on one line)."""
    literal = text.count("\\n")
    return literal >= 3 and literal > 5 * (text.count("\n") + 1)


def unescape_literal_newlines(text: str) -> str:
    """Turn ``\\n``, ``\\t``, ``\\"`` and ``\\\\`` escapes back into the characters they stand for."""
    return _LITERAL_ESCAPE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(0)), text)


def mermaid_blocks(text: str) -> list[MermaidBlock]:
    """The fenced Mermaid blocks of a Markdown page, in order, with their line numbers.

    An opening fence is three or more backticks (or tildes) followed by ``mermaid``, possibly
    indented (inside a list or admonition: the indent is removed from the block's lines); the
    block ends at a fence of the same character at least as long. An unclosed block runs to
    the end of the page, as in CommonMark.
    """
    blocks: list[MermaidBlock] = []
    pos = 0
    line = 1
    while True:
        match = _FENCE_OPEN.search(text, pos)
        if not match:
            return blocks
        line += text.count("\n", pos, match.start())
        indent, fence = match.group("indent"), match.group("fence")
        close = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$", re.M)
        body_start = match.end() + 1
        end = close.search(text, body_start) if body_start <= len(text) else None
        body_end = end.start() if end else len(text)
        body = text[body_start:body_end] if body_start <= body_end else ""
        lines = [
            row[len(indent):] if row.startswith(indent) else row.lstrip(" \t")
            for row in body.split("\n")
        ] if indent else body.split("\n")
        blocks.append(MermaidBlock(index=len(blocks), line=line, source="\n".join(lines).strip("\n") + "\n"))
        if end is None:
            return blocks
        line += text.count("\n", match.start(), end.end())
        pos = end.end()


# --- diagram kinds ---------------------------------------------------------------------------

_HEADER_SKIP = re.compile(r"^\s*(%%.*)?$")
_FRONTMATTER = re.compile(r"\A\s*---\n.*?\n---\n", re.S)


def diagram_keyword(source: str) -> str:
    """The diagram's first keyword (``graph``, ``flowchart``, ``sequenceDiagram``, …), or ``""``."""
    body = _FRONTMATTER.sub("", source, count=1)
    for line in body.split("\n"):
        if _HEADER_SKIP.match(line):
            continue
        return line.strip().split()[0] if line.strip() else ""
    return ""


def is_flowchart(source: str) -> bool:
    return diagram_keyword(source) in ("graph", "flowchart", "flowchart-elk")


# --- repairs ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Repair:
    """What a repair changed: ``line`` is 1-based within the block, ``what`` a short description."""

    line: int
    what: str


@dataclass(frozen=True)
class Repaired:
    source: str
    repairs: tuple[Repair, ...]


# Node shapes: opener -> closer. Longer openers first so ``[(`` wins over ``[``.
_SHAPES: tuple[tuple[str, str], ...] = (
    ("(((", ")))"),
    ("([", "])"),
    ("[[", "]]"),
    ("[(", ")]"),
    ("((", "))"),
    ("{{", "}}"),
    ("[/", "/]"),
    ("[\\", "\\]"),
    ("[", "]"),
    ("(", ")"),
    ("{", "}"),
)
_PAIRS = {"[": "]", "(": ")", "{": "}"}
_NODE_ID = re.compile(r"[A-Za-z0-9_][\w\-.]*")
# Lines whose brackets are not node labels.
_NOT_NODES = re.compile(r"^\s*(%%|classDef\b|class\b|style\b|linkStyle\b|click\b|direction\b|accTitle\b|accDescr\b)")


def quote_flowchart_labels(source: str) -> Repaired:
    """Quote every unquoted node label of a flowchart: ``ID[text]`` → ``ID["text"]``.

    Unquoted labels may not contain ``(``, ``[``, ``{`` or ``"``, which the DS pages use all the
    time (``ChAP[Chaos Platform (ChAP)]``). Quoted, any text is allowed; a ``"`` inside becomes
    Mermaid's entity ``#quot;``. Every shape is handled (``[( )]``, ``{ }``, ``(( ))``, …), and
    subgraph titles too. Labels already quoted, edge labels and style lines are left alone.
    """
    if not is_flowchart(source):
        return Repaired(source, ())
    out_lines: list[str] = []
    repairs: list[Repair] = []
    for number, line in enumerate(source.split("\n"), start=1):
        if _NOT_NODES.match(line):
            out_lines.append(line)
            continue
        new_line, count = _quote_line(line)
        if count:
            repairs.append(Repair(number, f"quoted {count} label{'s' if count > 1 else ''}"))
        out_lines.append(new_line)
    return Repaired("\n".join(out_lines), tuple(repairs))


def _quote_line(line: str) -> tuple[str, int]:
    out: list[str] = []
    count = 0
    i = 0
    n = len(line)
    while i < n:
        ch = line[i]
        if ch == "|":  # edge label |text|: quoted when it holds brackets or quotes
            end = line.find("|", i + 1)
            if end < 0:
                out.append(line[i:])
                break
            text = line[i + 1:end]
            stripped = text.strip()
            if stripped and not stripped.startswith('"') and any(c in stripped for c in '()[]{}"'):
                out.append('|"' + text.replace('"', "#quot;") + '"|')
                count += 1
            else:
                out.append(line[i:end + 1])
            i = end + 1
            continue
        if ch == '"':  # a quoted string anywhere: copy verbatim
            end = line.find('"', i + 1)
            end = n - 1 if end < 0 else end
            out.append(line[i:end + 1])
            i = end + 1
            continue
        id_match = _NODE_ID.match(line, i)
        at_token_start = i == 0 or not (line[i - 1].isalnum() or line[i - 1] in "_-.")
        if id_match and at_token_start:
            end_id = id_match.end()
            shape = _shape_at(line, end_id)
            if shape is not None:
                opener, closer = shape
                label_end = _label_end(line, end_id, opener, closer)
                if label_end is not None:
                    text = line[end_id + len(opener):label_end]
                    out.append(line[i:end_id] + opener)
                    stripped = text.strip()
                    if stripped.startswith('"') and stripped.endswith('"') and len(stripped) >= 2:
                        out.append(text)
                    else:
                        out.append('"' + text.replace('"', "#quot;") + '"')
                        count += 1
                    out.append(closer)
                    i = label_end + len(closer)
                    continue
            out.append(line[i:end_id])
            i = end_id
            continue
        out.append(ch)
        i += 1
    return "".join(out), count


def _shape_at(line: str, pos: int) -> tuple[str, str] | None:
    for opener, closer in _SHAPES:
        if line.startswith(opener, pos):
            return opener, closer
    return None


def _label_end(line: str, start: int, opener: str, closer: str) -> int | None:
    """Index where ``closer`` starts for the shape opened at ``start``, balancing the outer bracket."""
    outer_open = opener[0]
    outer_close = _PAIRS[outer_open]
    depth = 0
    i = start
    while i < len(line):
        ch = line[i]
        if ch == outer_open:
            depth += 1
        elif ch == outer_close:
            depth -= 1
            if depth == 0:
                begin = i + 1 - len(closer)
                if begin >= start + len(opener) and line.startswith(closer, begin):
                    return begin
                return None
        i += 1
    return None


_TIME_COLON = re.compile(r"(?<=\d):(?=\d)")
_SEQ_MESSAGE = re.compile(r"^(\s*[^:%]*?(?:->>|-->>|->|-->|-x|--x|-\)|--\)|\bNote\b[^:]*)[^:]*:)(.*)$")


def escape_timeline_colons(source: str) -> Repaired:
    """In a timeline, a ``:`` separates a period from its events, so ``10:00 : …`` or
    ``section 1997-2000: Era`` cannot parse. Write those colons as Mermaid's entity ``#58;``
    (shown as ``:``): in section titles, and in times of day inside periods."""
    if diagram_keyword(source) != "timeline":
        return Repaired(source, ())
    out: list[str] = []
    repairs: list[Repair] = []
    for number, line in enumerate(source.split("\n"), start=1):
        stripped = line.strip()
        new = line
        if stripped.startswith("section ") and ":" in stripped:
            new = line.replace(":", "#58;")
        elif not stripped.startswith(("title ", "%%", ":")) and ":" in stripped:
            period, sep, events = line.partition(" : ") if " : " in line else line.partition(": ")
            if sep:
                fixed = _TIME_COLON.sub("#58;", period)
                new = fixed + sep + events
        if new != line:
            repairs.append(Repair(number, "wrote ':' as #58; in a timeline period or section"))
        out.append(new)
    return Repaired("\n".join(out), tuple(repairs))


def escape_sequence_semicolons(source: str) -> Repaired:
    """In a sequence diagram ``;`` ends a statement, so a message text such as
    ``P->>P: UPDATE …; COMMIT;`` cannot parse. Write those as ``#59;`` (shown as ``;``)."""
    if diagram_keyword(source) != "sequenceDiagram":
        return Repaired(source, ())
    out: list[str] = []
    repairs: list[Repair] = []
    for number, line in enumerate(source.split("\n"), start=1):
        match = _SEQ_MESSAGE.match(line)
        if match and ";" in match.group(2):
            line = match.group(1) + match.group(2).replace(";", "#59;")
            repairs.append(Repair(number, "wrote ';' as #59; in a message"))
        out.append(line)
    return Repaired("\n".join(out), tuple(repairs))


def repair(source: str) -> Repaired:
    """All safe repairs for a block that failed to parse as written (each kind checks its diagram)."""
    repairs: list[Repair] = []
    for step in (quote_flowchart_labels, escape_timeline_colons, escape_sequence_semicolons):
        result = step(source)
        source = result.source
        repairs.extend(result.repairs)
    return Repaired(source, tuple(repairs))


# --- labels ----------------------------------------------------------------------------------

_BR = re.compile(r"<br\s*/?>", re.I)
_TAG = re.compile(r"<[^>]+>")
_RULE = re.compile(r"^[\s━─═\-_=~*·•]{3,}$")
_ENTITY = re.compile(r"#(\w+);")
_NAMED = {"quot": '"', "amp": "&", "lt": "<", "gt": ">", "nbsp": " ", "apos": "'"}


def label_lines(raw: str) -> tuple[str, ...]:
    """A node label as plain text lines: ``<br/>`` splits lines, tags and ``━━━━━`` rules go,
    Mermaid entities (``#quot;``, ``#35;``) are decoded, blank lines dropped."""
    text = _BR.sub("\n", raw)
    text = _TAG.sub("", text)
    text = html.unescape(_ENTITY.sub(_decode_entity, text))
    text = text.replace("\\n", "\n")
    lines = []
    for line in text.split("\n"):
        line = " ".join(line.split())
        if line and not _RULE.match(line):
            lines.append(line)
    return tuple(lines)


def _decode_entity(match: re.Match[str]) -> str:
    name = match.group(1)
    if name.isdigit():
        return chr(int(name))
    return _NAMED.get(name, match.group(0))
