"""The register of released ids: a retired id is never silently reused, and is reported."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ankitools import REPO
from deckbuilder.cli import main
from deckbuilder.core.register import FILE_NAME, parse
from test_validation import QUEUES, edit, in_project  # noqa: F401 - the fixture is used


def run(*args: str):
    return CliRunner().invoke(main, ["--cards", "cards", "--media", "media", "--out", "out", "--no-diagrams", *args])


def register(cards: Path) -> str:
    return (cards / FILE_NAME).read_text()


def remove_question(cards: Path, qid: str) -> None:
    path = cards / "topics" / "queues.yaml"
    lines = path.read_text().splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line == f"  - id: {qid}\n")
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("  - id: "))
    path.write_text("".join(lines[:start] + lines[end:]))


@pytest.fixture
def registered(cards: Path) -> Path:
    result = run("--register")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "registered cards/released-ids.tsv: 52 new, 0 retired, 0 restored, 52 live ids"
    return cards


def test_register_records_every_question_id_with_its_kind_topic_and_meaning(registered: Path) -> None:
    entries, problems = parse(register(registered), "r")
    assert problems == [] and len(entries) == 52
    entry = entries["fq-rec-10"]
    assert (entry.kind, entry.topic, entry.retired, len(entry.meaning)) == ("mcq", "fixture-queues", "", 12)
    assert entries["fq-rcl-01"].kind == "cloze" and entries["fq-app-03"].kind == "qa"
    assert not (registered.parent / "out").exists(), "--register writes no package"


def test_a_new_id_is_reported_until_registered(registered: Path) -> None:
    edit(registered, "  - id: fq-rcl-04\n", "  - id: fq-rcl-99\n")
    result = run("--check")
    assert ("  cards/released-ids.tsv: warning: register: 1 id not registered yet (fq-rcl-99) — run build-deck "
            "--register and commit the register") in result.output.splitlines()
    assert ("  cards/released-ids.tsv: warning: register: 1 released id no longer in the sources (fq-rcl-04); learners "
            "keep those notes — if that is meant, run build-deck --register to record them as retired (suspend them "
            "in Anki)") in result.output.splitlines()
    assert run("--check", "--strict").exit_code == 1


def test_a_removed_question_is_retired_and_reported(registered: Path) -> None:
    remove_question(registered, "fq-rcl-04")
    result = CliRunner().invoke(main, ["--cards", "cards", "--media", "media", "--no-diagrams", "--register"])
    assert result.output.splitlines()[-1] == "registered cards/released-ids.tsv: 0 new, 1 retired, 0 restored, 51 live ids"
    line = next(line for line in register(registered).splitlines() if line.startswith("fq-rcl-04\t"))
    assert line.startswith("fq-rcl-04\tqa\tfixture-queues\t") and line.split("\t")[4].startswith("retired 20")
    assert "retired ids (in the register, not in the sources): 1" in run("--check").output.splitlines()


def test_reusing_a_retired_id_for_another_question_is_an_error(registered: Path) -> None:
    remove_question(registered, "fq-rcl-04")
    run("--register")
    edit(registered, "  - id: fq-rcl-05\n    level: recall\n    question: What is recall question 5?",
         "  - id: fq-rcl-04\n    level: recall\n    question: Something else entirely?")
    result = run("--check")
    assert result.exit_code == 1
    retired = next(line for line in register(registered).splitlines() if line.startswith("fq-rcl-04\t")).split("\t")[4]
    number = register(registered).splitlines().index(
        next(line for line in register(registered).splitlines() if line.startswith("fq-rcl-04\t"))) + 1
    at = (registered / "topics" / "queues.yaml").read_text().splitlines().index("  - id: fq-rcl-04") + 1
    assert (f'{QUEUES}:{at}: question "fq-rcl-04": reuses an id {retired.replace("retired", "retired on")} (it was a qa '
            f"question of topic fixture-queues, cards/released-ids.tsv:{number}); learners who had it would see this "
            "question with its history — give this question a new id") in result.output.splitlines()


def test_the_same_question_may_come_back_under_its_id(registered: Path) -> None:
    before = (registered / "topics" / "queues.yaml").read_text()
    remove_question(registered, "fq-rcl-04")
    run("--register")
    (registered / "topics" / "queues.yaml").write_text(before)
    assert run("--check").exit_code == 0
    assert run("--register").output.splitlines()[-1] == (
        "registered cards/released-ids.tsv: 0 new, 0 retired, 1 restored, 52 live ids")


def test_a_released_id_keeps_its_card_kind(registered: Path) -> None:
    edit(registered, '  - id: fq-rcl-01\n    level: recall\n    cloze: "{{c1::Little\'s law}} says L = {{c2::λW}}."',
         "  - id: fq-rcl-01\n    level: recall\n    question: What does Little's law say?\n    answer: L = λW.")
    result = run("--check")
    assert result.exit_code == 1
    assert any(line.startswith(f'{QUEUES}:81: question "fq-rcl-01": was released as a cloze card '
                               "(cards/released-ids.tsv:") and line.endswith(
        "and is now a qa card; Anki does not change a note's type on import — keep it a cloze card, or write the new "
        "form under a new id") for line in result.output.splitlines()), result.output


def test_the_projects_register_holds_every_id_of_the_2026_12_02_deck() -> None:
    entries, problems = parse((REPO / "cards" / FILE_NAME).read_text(), "cards/released-ids.tsv")
    pinned = [line.split("\t")[0] for line in (REPO / "tests" / "data" / "default-deck-guids-2026-12-02.tsv")
              .read_text().splitlines() if not line.startswith("#") and not line.startswith("atlas-")]
    assert problems == [] and len(pinned) == 995
    assert [uid for uid in pinned if uid not in entries or entries[uid].retired] == []
