"""Every bad input gets an exact message naming file, line, item and fix; nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from deckbuilder.cli import main

QUEUES = "cards/topics/queues.yaml"


def run(cards: Path, *args: str):
    out = cards.parent / "out"
    result = CliRunner().invoke(main, ["--cards", "cards", "--media", "media", "--out", str(out), "--no-diagrams", *args])
    return result, out


def edit(cards: Path, old: str, new: str, name: str = "topics/queues.yaml") -> None:
    path = cards / name
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


@pytest.fixture(autouse=True)
def in_project(cards: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(cards.parent)


def assert_failed_with(cards: Path, expected: list[str], *args: str) -> None:
    result, out = run(cards, *args)
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"build-deck: {len(expected)} problem{'s' if len(expected) > 1 else ''} in the sources:"
    assert lines[1:-1] == expected
    assert lines[-1] == "nothing written"
    assert not out.exists() or list(out.iterdir()) == []


def test_good_sources_build_with_one_warning(cards: Path) -> None:
    result, out = run(cards)
    assert result.exit_code == 0, result.output
    assert "cards/topics/small.yaml:3: warning: topic \"fixture-small\": below the minimum mix (recognition 1/10, " \
           "recall 0/15, application 0/15, analysis 1/10) — add 9 recognition and 15 recall and 15 application and " \
           "9 analysis questions" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["atlas-distributed-systems.apkg",
                                                     "atlas-distributed-systems.stamps.json"]


def test_mix_below_minimum_is_an_error_with_strict(cards: Path) -> None:
    assert_failed_with(cards, [
        'cards/topics/small.yaml:3: topic "fixture-small": below the minimum mix (recognition 1/10, recall 0/15, '
        "application 0/15, analysis 1/10) — add 9 recognition and 15 recall and 15 application and 9 analysis questions",
    ], "--strict")


def test_malformed_yaml(cards: Path) -> None:
    edit(cards, "title: Queues for tests", "title: Queues: for tests")
    assert_failed_with(cards, [
        f"{QUEUES}:3: file: YAML does not parse: mapping values are not allowed in this context — fix the YAML syntax at this "
        'line (quote text that contains ": " or starts with a special character)',
    ])


def test_unknown_key_suggests_the_closest(cards: Path) -> None:
    edit(cards, "    answer: The answer to recall question 4.", "    anwser: The answer to recall question 4.")
    assert_failed_with(cards, [
        f'{QUEUES}:96: question "fq-rcl-04": unknown key "anwser" — did you mean "answer"? (allowed: id, level, '
        "source, explanation, tags, question, answer, cloze, key_points)",
        f'{QUEUES}:93: question "fq-rcl-04": has no "answer" — add answer: the model answer',
    ])


def test_missing_required_field(cards: Path) -> None:
    edit(cards, "    source: Test fixture, section 4\n", "", )
    assert_failed_with(cards, [
        f'{QUEUES}:255: question "fq-ana-01": has no "source" — add source: where a learner can check it '
        "(book and chapter, or paper and section)",
    ])


def test_duplicate_id_across_files(cards: Path) -> None:
    edit(cards, "  - id: fs-ana-01", "  - id: fq-rec-01", name="topics/small.yaml")
    assert_failed_with(cards, [
        'cards/topics/small.yaml:22: question "fq-rec-01": id is already used at cards/topics/queues.yaml:11 — '
        "give this one a new id (never rename an id that learners already have)",
    ])


def test_cloze_without_deletion(cards: Path) -> None:
    edit(cards, 'cloze: "Cloze number 2 hides {{c1::word 2}}."', 'cloze: "Cloze number 2 hides nothing."')
    assert_failed_with(cards, [f'{QUEUES}:87: question "fq-rcl-02": cloze has no deletion — mark at least one with {{{{c1::…}}}}'])


def test_multiple_choice_without_correct_option(cards: Path) -> None:
    edit(cards, "    correct: [A, C]\n", "")
    assert_failed_with(cards, [f'{QUEUES}:74: question "fq-rec-10": no correct option — set correct: to one or more of A, B, C'])


def test_correct_option_that_does_not_exist(cards: Path) -> None:
    edit(cards, "    correct: [A, C]", "    correct: [A, D]")
    assert_failed_with(cards, [f'{QUEUES}:78: question "fq-rec-10": correct "D" is not an option — use one of A, B, C'])


def test_missing_media_file(cards: Path) -> None:
    edit(cards, "  tags: [fixture]", "  tags: [fixture]\n  diagrams: [queue.mmd]")
    assert_failed_with(cards, [
        f'{QUEUES}:2: topic "fixture-queues": diagram "queue.mmd" not found in media/ — add media/queue.mmd or '
        "remove it from `diagrams:`",
    ])


@pytest.mark.parametrize("name", ["/etc/passwd", "../secrets.mmd", "sub/../../x.mmd", "~/x.mmd"])
def test_diagrams_must_be_inside_media(cards: Path, name: str) -> None:
    edit(cards, "  tags: [fixture]", f'  tags: [fixture]\n  diagrams: ["{name}"]')
    assert_failed_with(cards, [
        f'{QUEUES}:9: topic "fixture-queues": diagram "{name}" is outside media/ — name a file inside media/, relative '
        "to it (e.g. diagrams: [cap-pacelc.mmd])",
    ])


def test_every_error_of_every_file_in_one_report(cards: Path) -> None:
    edit(cards, "title: Queues for tests", "title: Queues: for tests")
    edit(cards, "  - id: fs-ana-01\n    level: analysis", "  - id: fs-ana-01\n    level: analysys", name="topics/small.yaml")
    assert_failed_with(cards, [
        f"{QUEUES}:3: file: YAML does not parse: mapping values are not allowed in this context — fix the YAML syntax at this "
        'line (quote text that contains ": " or starts with a special character)',
        'cards/topics/small.yaml:23: question "fs-ana-01": unknown level "analysys" — did you mean "analysis"? '
        "use one of recognition, recall, application, analysis",
    ])


def test_reserved_tag_namespace(cards: Path) -> None:
    edit(cards, "    tags: [escaping]", "    tags: [atlas::weak]", name="topics/small.yaml")
    assert_failed_with(cards, [
        'cards/topics/small.yaml:21: question "fs-rec-01": tag "atlas::weak" is in the reserved atlas:: namespace — '
        "drop the atlas:: prefix; the build writes those tags itself",
    ])


def test_check_writes_nothing(cards: Path) -> None:
    result, out = run(cards, "--check")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "checked: no package written (--check)"
    assert not out.exists()


def test_a_failed_write_leaves_no_partial_file(cards: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import deckbuilder.zipout as zipout

    real, calls = zipout.deflate, []

    def explode(*args, **kwargs):  # the collection is written, then the disk is full
        calls.append(1)
        if len(calls) > 1:
            raise OSError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(zipout, "deflate", explode)
    result, out = run(cards)
    assert result.exit_code != 0
    assert len(calls) == 2
    assert list(out.iterdir()) == []
