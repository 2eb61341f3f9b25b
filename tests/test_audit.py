"""The answer-key audit and the length limits: the pure figures, and the CLI's report and errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from deckbuilder.cli import main
from deckbuilder.core.audit import (
    audit_questions,
    cloze_gaps,
    display_order,
    displayed_correct,
    is_formula,
    key_figures,
    word_count,
)
from deckbuilder.core.model import Cloze, MultipleChoice, Origin, Prompted

HERE = Origin("t.yaml", 7)
LINE_APP_03, LINE_RCL_01 = 177, 81  # where those questions start in the fixture


def mcq(qid: str, options: list[str], correct: tuple[int, ...] = (0,)) -> MultipleChoice:
    return MultipleChoice(id=qid, stem="?", options=tuple(options), correct=correct, source="s",
                          explanation="", tags=(), origin=HERE)


def test_display_order_is_a_stable_permutation_keyed_by_id() -> None:
    assert display_order("cap-pacelc-rec-01", 4) == display_order("cap-pacelc-rec-01", 4)
    assert sorted(display_order("cap-pacelc-rec-01", 4)) == [0, 1, 2, 3]
    assert display_order("fs-rec-01", 4) == (2, 0, 1, 3)  # pinned: a change would move every learner's options
    orders = {display_order(f"q-{i}", 4) for i in range(200)}
    assert len(orders) == 24, "every permutation of four options occurs"


def test_shuffle_spreads_the_correct_option_over_every_letter() -> None:
    shown = [displayed_correct(mcq(f"topic-rec-{i:02}", ["a", "b", "c", "d"]))[0] for i in range(400)]
    shares = [shown.count(p) / len(shown) for p in range(4)]
    assert all(0.2 <= s <= 0.3 for s in shares), shares  # the source always says A


@pytest.mark.parametrize("text, words", [
    ("Else, choose between **latency** and `consistency`.", 6),
    ("0.999 × 0.9995 = 99.85%", 3),
    ("[DDIA](https://example.org/ch9) ch. 9", 3),
    ("snake_case stays one word", 4),
    ("", 0),
])
def test_word_count(text: str, words: int) -> None:
    assert word_count(text) == words


def test_cloze_gaps_and_formulas() -> None:
    assert cloze_gaps("{{c1::Little's law}} says L = {{c2::λW::symbol}}.") == [(1, "Little's law"), (2, "λW")]
    assert is_formula("W = S / (1 − ρ)") and is_formula("`max(a, b) + c`") and not is_formula("the leader lease")


@pytest.mark.parametrize("options, correct, score, strictly, ratio, shortest", [
    (["a long correct answer", "short", "tiny", "small"], (0,), 1.0, True, 21 / (14 / 3), 0.0),
    (["four", "five", "nine", "tens"], (0,), 0.25, False, 1.0, 0.25),
    (["ab", "abcd", "ab", "ab"], (0,), 0.0, False, 2 / (8 / 3), 1 / 3),
    (["xx", "xx", "y", "y"], (0, 1), 1.0, False, 2.0, 0.0),
])
def test_key_figures(options, correct, score, strictly, ratio, shortest) -> None:
    figures = key_figures(mcq("q", options, correct))
    assert (figures.longest_score, figures.strictly_longest, figures.shortest_score) == (score, strictly, shortest)
    assert figures.ratio == pytest.approx(ratio)


def test_audit_counts_over_long_answers_and_gaps() -> None:
    questions = [
        Prompted(id="r1", level="recall", prompt="?", answer="word " * 41, key_points=(), source="s",
                 explanation="", tags=(), origin=HERE),
        Prompted(id="r2", level="analysis", prompt="?", answer="word " * 121, key_points=(), source="s",
                 explanation="", tags=(), origin=HERE),
        Prompted(id="r3", level="application", prompt="?", answer="word " * 60, key_points=(), source="s",
                 explanation="", tags=(), origin=HERE),
        Cloze(id="c1", text="{{c1::one two three four five six seven eight nine}} and {{c2::λ = X / N + Z × 2 − 1 ≤ 9}}",
              source="s", explanation="", tags=(), origin=HERE),
    ]
    audit = audit_questions("t", questions)
    assert (audit.written, audit.over_limit, audit.over_half_again, audit.gaps, audit.long_gaps) == (3, 2, 1, 2, 1)


# --- through the CLI, on the fixture sources --------------------------------------------------


@pytest.fixture(autouse=True)
def in_project(cards: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(cards.parent)


def run(*args: str):
    return CliRunner().invoke(main, ["--cards", "cards", "--media", "media", "--out", "out", "--no-diagrams", *args])


def edit(cards: Path, old: str, new: str, name: str = "topics/queues.yaml") -> None:
    path = cards / name
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new))


def test_check_prints_the_audit_per_topic_and_for_the_bank(cards: Path) -> None:
    result = run("--check")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["answer-key", "audit", "mcq", "A", "B", "C", "D", "E", "longest", "shortest", "ratio",
                                "answers>limit", "gaps>8"]
    assert lines[1].split() == ["fixture-queues", "10", "22%", "44%", "33%", "0%", "0%", "33.3%", "33.3%", "1.00",
                                "0/37", "0/4"]
    assert lines[3].split()[0] == "bank"
    assert "answer key: pick-the-longest 30.0% of 10 questions, correct/distractor length 1.01x" in result.output


def test_strict_fails_a_topic_where_the_longest_option_wins(cards: Path) -> None:
    edit(cards, "options: [option one, option two, option six]", "options: [option one, option two is right, option six]")
    result = run("--check", "--strict")
    assert result.exit_code == 1
    assert ('cards/topics/queues.yaml:2: topic "fixture-queues": "pick the longest option" scores 100% of 9 questions '
            "(limit 35%); the correct option is the longest (or tied for it) in: fq-rec-01 (1.90x), fq-rec-02 (1.90x), fq-rec-03 (1.90x), "
            "fq-rec-04 (1.90x), fq-rec-05 (1.90x) — make distractors as long and specific as the answer, or trim the "
            "answer") in result.output.splitlines()
    assert result.output.splitlines()[0].startswith("answer-key audit"), "the figures come before the errors"


def test_a_key_given_away_by_ties_names_its_questions(cards: Path) -> None:
    """The correct option tied for longest with one distractor: "pick the longest" scores 50% by
    ties alone, and the warning still names the questions (it named none when only a strictly
    longest answer counted)."""
    edit(cards, "options: [option one, option two, option six]", "options: [option one, option two, opt six]")
    result = run("--check", "--strict")
    assert result.exit_code == 1
    [line] = [line for line in result.output.splitlines() if '"pick the longest option" scores' in line]
    assert ('scores 50% of 9 questions (limit 35%); the correct option is the longest (or tied for it) in: '
            "fq-rec-01 (1.18x), fq-rec-02 (1.18x)") in line, line


def test_over_long_answer_is_a_warning_and_an_error_with_strict(cards: Path) -> None:
    edit(cards, "answer: Apply **Little's law**.", "answer: Apply **Little's law**." + " and more" * 30)
    message = ('cards/topics/queues.yaml:{line}: {label}question "fq-app-03": answer has 63 words; application answers '
               "have at most 60 — keep the verdict in `answer`; move the reasoning to `key_points` and `explanation`")
    result = run("--check")
    assert result.exit_code == 0
    assert "  " + message.format(line=LINE_APP_03, label="warning: ") in result.output.splitlines()
    strict = run("--check", "--strict")
    assert strict.exit_code == 1
    assert message.format(line=LINE_APP_03, label="") in strict.output.splitlines()


def test_long_cloze_gap_is_a_warning_unless_it_is_a_formula(cards: Path) -> None:
    edit(cards, "{{c1::Little's law}} says", "{{c1::the law that John Little proved in the year nineteen sixty-one}} says")
    result = run("--check")
    assert ('  cards/topics/queues.yaml:{line}: warning: question "fq-rcl-01": cloze gap c1 hides 11 words (limit 8) — '
            "hide only the part worth recalling, or split the cloze").format(line=LINE_RCL_01) in result.output.splitlines()
    edit(cards, "{{c1::the law that John Little proved in the year nineteen sixty-one}}",
         "{{c1::L = λ × W where L counts items and W is time in system}}")
    assert "warning: question" not in run("--check").output
