"""The plain reader against libyaml: the same tree and lines, or it leaves the text to libyaml.

Its promise (deckbuilder/yamlplain.py): never accept a text libyaml refuses, never read one
differently. Checked on every YAML source at hand, on block scalars in every chomping and
spacing, on one-line values of every form, and on thousands of mutants of real sources.
"""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any

import pytest
import yaml

from deckbuilder.yamlplain import NOT_PLAIN, LineList, LineMap, read_plain
from deckbuilder.yamlsource import _build as libyaml_tree

PROJECT = Path(__file__).resolve().parent.parent
ATLAS = Path(os.environ.get("ATLAS_DIR") or (PROJECT.parent / "shared" / "atlas"))  # its YAML too, when it is there


def shape(node: Any) -> Any:
    """Everything the loader reads from a tree: values, their types, and every line."""
    if isinstance(node, LineMap):
        return ("map", node.line, sorted(node.key_lines.items()), node.duplicate_keys,
                [(key, shape(value)) for key, value in node.items()])
    if isinstance(node, LineList):
        return ("list", node.line, node.item_lines, [shape(value) for value in node])
    return (type(node).__name__, node)


def agrees(text: str) -> bool:
    """True when the plain reader read ``text`` (as libyaml does), False when it left it to libyaml."""
    plain = read_plain(text)
    if plain is NOT_PLAIN:
        return False
    try:
        reference = libyaml_tree(text)
    except yaml.YAMLError as exc:
        pytest.fail(f"the plain reader accepted what libyaml refuses ({exc}):\n{text}")
    assert shape(plain) == shape(reference), text
    return True


def sources() -> list[Path]:
    roots = [PROJECT / "cards", PROJECT / "tests", PROJECT / "media"] + ([ATLAS] if ATLAS.is_dir() else [])
    return sorted({p for root in roots for pattern in ("*.yaml", "*.yml") for p in root.rglob(pattern)})


def test_every_source_reads_the_same_and_topic_files_take_the_plain_path() -> None:
    read = {path: agrees(path.read_text(encoding="utf-8")) for path in sources()}
    topics = [p for p in read if p.is_relative_to(PROJECT / "cards") and p.name != "plan.yaml"]
    assert len(topics) >= 40
    # the project's own topic files are what the fast path is for: nearly all must take it
    assert sum(read[p] for p in topics) >= 0.9 * len(topics), [p.name for p in topics if not read[p]]


@pytest.mark.parametrize("header", ["|", "|-", "|+", ">", ">-", ">+", "> # note", "|2", ">- "])
def test_block_scalars(header: str) -> None:
    bodies = ["a", "a\n  b", "a\n\n  b", "a\n    b\n  c", "a\n\n    b\n\n  c", "a\n  b\n\n\n", "a\n  \n  b",
              "a\n \n  b", "a\n   \n  b", "  a\n  b", "a\n    b", "a\n b", "a b\nc d\n\ne f"]
    tails = ["", "\n", "\nnext: x\n", "\n\nnext: x", "\n# c\nnext: x\n", "\n   # c\nnext: x\n", "\n\n\n"]
    read = 0
    for body in bodies:
        for tail in tails:
            for indent in (2, 4):
                lines = [(" " * indent + line) if line else line for line in body.split("\n")]
                read += agrees(f"key: {header}\n" + "\n".join(lines) + tail)
                read += agrees(f"items:\n  - k: {header}\n" + "\n".join("    " + line if line else line for line in lines) + tail)
    assert read > 0 or header == "|2"


VALUES = ["a", "a b", "a  b", "a #c", "a#c", "a: b", "a:", "a:b", "http://x.y/z", "-a", "- a", "~", "'a'b", '"a" b',
          '"a"#c', "'it''s'", "'a' # c", "[a, b]", "[a,b]", "[ a , b ]", "[]", "[ ]", "[a,]", "[a, [b]]", "[a, 'b']",
          "[a b, c]", "{a: b}", "*x", "&x a", "!t a", "|", "a\u00a0b", "é 🙂", '"a\\"b"', '"a\\nb"', '"a\\\\b"',
          '"a\\/b"', "@a", "`a`", "%a", "a ", "a   ", "? a", "a\u2028b", "a\x85b", "a\tb", "a\x7fb", "\ufeffa"]


@pytest.mark.parametrize("value", VALUES)
def test_one_line_values(value: str) -> None:
    for form in ("k: {}", "- {}", "k:\n  - {}", "k:\n- {}", "k:    {}", "k:\n  j: {}\n  l: m"):
        for tail in ("\n", "", "\n  more\n", "\nb: c\n", "\n  # c\n", "\n\n"):
            agrees(form.format(value) + tail)


@pytest.mark.parametrize("text", [
    "a:\n  b: c\n d: e\n", "a:\n  b: c\n    d: e\n", "a:\n  b:\n  c: d\n", "a: b\na: c\n", "a:\n  - b\n  -\n",
    "a:\n  - b\n  - c: d\n    e: f\n  - g\n", "  a: b\n", "a: b\n  # c\nd: e", "a:\n\n  b: c", "a: # c\n  b: c",
    "a:\n  # c\n  b: c", "- a\n- b\n", "a", "", "# only\n", "\n\n", "a:\n  b: c\nd:", "a: b\n\n\n", "---\na: b\n",
    "a: b\n...\n", "%YAML 1.1\n---\na: b", "a: &x b\nc: *x\n", "a: !!str b\n", "a: b\r\nc: d\r\n", "a:\tb\n",
])
def test_structures(text: str) -> None:
    agrees(text)


PIECES = [" ", "  ", "\n", "- ", ": ", "#", " #", "'", '"', "''", "[", "]", ",", "{", "|", ">", ">-", "|+", "\\",
          "\t", ":", "-", "a", "é", "\u2028", "key: v\n", "    x", "\n\n", "*", "&", "!", "%", "---", "?"]
LINES = ["", "  ", "      ", "    # c", "#", "      more text", "    - x", "- y"]


def mutant(rng: random.Random, text: str) -> str:
    lines = text.split("\n")
    starts = [i for i, line in enumerate(lines) if line.startswith("  - id:")]
    if starts and rng.random() < 0.8:  # a few questions, with or without the topic above them
        start = rng.choice(starts)
        head = lines[:lines.index("questions:") + 1] if "questions:" in lines and rng.random() < 0.5 else ["questions:"]
        text = "\n".join(head + lines[start:start + rng.randint(5, 60)]) + ("\n" if rng.random() < 0.7 else "")
    for _ in range(rng.randint(0, 3)):
        lines = text.split("\n")
        at = rng.randrange(len(lines))
        line = lines[at]
        choice = rng.random()
        if choice < 0.3:
            pos = rng.randrange(len(text) + 1)
            text = text[:pos] + rng.choice(PIECES) + text[pos:]
            continue
        if choice < 0.45:
            pos = rng.randrange(len(text) + 1)
            text = text[:pos] + text[pos + rng.randint(1, 3):]
            continue
        if choice < 0.6:
            lines[at] = " " * rng.randint(1, 3) + line
        elif choice < 0.7:
            lines[at] = line[min(len(line) - len(line.lstrip(" ")), rng.randint(1, 3)):]
        elif choice < 0.8:
            lines.insert(at, rng.choice(LINES))
        elif choice < 0.9 and ": " in line:
            key, value = line.split(": ", 1)
            pad = " " * (len(key) - len(key.lstrip()) + rng.choice([0, 1, 2, 4]))
            lines[at] = key + ": " + rng.choice([f'"{value}"', f"'{value}'", f"[{value}]", f">-\n{pad}{value}",
                                                 f"|\n{pad}{value}", value + " # c", value + "  ", "", value + ":",
                                                 "|+\n      a\n\n      b\n\n", ">\n      a\n       b\n      c\n\n      d"])
        else:
            del lines[at]
        text = "\n".join(lines)
    return text


def test_mutants_of_the_sources_read_the_same_or_go_to_libyaml() -> None:
    rng = random.Random(20261202)
    texts = [p.read_text(encoding="utf-8") for p in sources() if p.is_relative_to(PROJECT)]
    read = sum(agrees(mutant(rng, rng.choice(texts))) for _ in range(4000))
    assert 1000 < read < 4000  # both paths were taken, many times
