"""YAML as written: text stays text on the card, non-text is refused with the fix, aliases are
refused, and syntax errors name the line a person must look at."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from ankitools import import_package
from deckbuilder.build import BuildSettings, build
from test_validation import QUEUES, assert_failed_with, edit, in_project  # noqa: F401 - the fixture is used


def test_text_is_loaded_as_written_and_reaches_the_card(cards: Path, tmp_path: Path, collection) -> None:
    """YAML 1.1 would make 12:30 into 750, yes into True, 0.10 into 0.1 and 010 into 8."""
    edit(cards, "    answer: The answer to recall question 4.", "    answer: 12:30")
    edit(cards, '''      - "yes, as **text**"
      - "no"
      - "only on desktop"
      - "only on a phone"''', """      - yes
      - no
      - 0.10
      - 010""", name="topics/small.yaml")
    edit(cards, "  title: Small <topic>", "  title: 2021-10-04", name="topics/small.yaml")
    result = build(BuildSettings(cards_dir=cards, media_dir=cards.parent / "media", out_dir=tmp_path / "out",
                                 diagrams=False))
    import_package(collection, result.out_path)
    note = collection.get_note(collection.find_notes("Id:fq-rcl-04")[0])
    assert note["Answer"] == "12:30"
    mcq = collection.get_note(collection.find_notes("Id:fs-rec-01")[0])
    assert sorted(part.split("</span>")[0] for part in mcq["Options"].split("<span>")[1:]) == ["0.10", "010", "no", "yes"]
    assert mcq["Topic"] == "2021-10-04"


def test_a_list_where_text_belongs_is_refused_with_the_fix(cards: Path) -> None:
    edit(cards, "  title: Small <topic>", "  title: [a, b]", name="topics/small.yaml")
    edit(cards, "    answer: The answer to recall question 4.", "    answer: {a: b}")
    assert_failed_with(cards, [
        f'{QUEUES}:96: question "fq-rcl-04": `answer` is a mapping (key: value), not text — quote it: answer: "…" '
        '(brackets, braces and ": " have a meaning in YAML)',
        'cards/topics/small.yaml:4: topic "fixture-small": `title` is a list, not text — quote it: title: "…" '
        '(brackets, braces and ": " have a meaning in YAML)',
    ])


def test_a_list_inside_options_is_refused(cards: Path) -> None:
    edit(cards, '      - "only on a phone"', "      - [only, on, a, phone]", name="topics/small.yaml")
    assert_failed_with(cards, [
        'cards/topics/small.yaml:13: question "fs-rec-01": `options` has an entry that is a list, not text — quote it: '
        '- "…" (brackets, braces and ": " have a meaning in YAML)',
    ])


def test_an_alias_bomb_is_refused_at_once(cards: Path) -> None:
    """Nine levels of nine aliases would be 387 million strings; refused before anything expands."""
    levels = ["  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, 10):
        refs = ", ".join([f"*a{i - 1}"] * 9)
        levels.append(f"  a{i}: &a{i} [{refs}]")
    bomb = "bombs:\n" + "\n".join(levels) + "\n"
    path = cards / "topics" / "queues.yaml"
    path.write_text(path.read_text().replace("topic:\n", bomb + "topic:\n", 1).replace(
        "  title: Queues for tests", "  title: *a9"))
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "deckbuilder.cli", "--cards", "cards", "--media", "media",
                             "--out", "out", "--no-diagrams"], capture_output=True, text=True, timeout=120,
                            cwd=cards.parent)
    assert time.monotonic() - started < 60
    assert result.returncode == 1
    assert (f"{QUEUES}:3: file: YAML does not parse: a YAML alias (*name): aliases are not allowed in sources — write "
            "the text out in full") in result.stderr.splitlines()  # the first alias, on the line of a1
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("old, new, message", [
    ("  - id: fq-rec-02\n", "  - id: fq-rec-02\n\t", "19: file: YAML does not parse: a tab character where YAML expects "
     "spaces — indent with spaces only (replace the tab)"),
    ("    stem: Which option is number 2?", '    stem: "Which option is number 2?', "20: file: YAML does not parse: a "
     "quoted text starts here and is not closed on its line (YAML then reads on, and stops at line 83: did not find "
     "expected key) — add the closing quote (a quote inside the text is written twice in "
     "'…', or as \\\" in \"…\")"),
    ("    stem: Which option is number 5?", "    stem: Which option\x00 is number 5?", "41: file: YAML does not parse: "
     "control character U+0000 in the text — delete it (it is invisible in most editors; YAML allows only printable "
     "text)"),
    ("    explanation: Option B is the second one (3).", "    explanation: Option B is the second one (3).\n"
     "    tags: *nothing", "31: file: YAML does not parse: a YAML alias (*name): aliases are not allowed in sources — "
     "write the text out in full"),
])
def test_syntax_errors_name_the_line_to_look_at(cards: Path, old: str, new: str, message: str) -> None:
    edit(cards, old, new)
    assert_failed_with(cards, [f"{QUEUES}:{message}"])
