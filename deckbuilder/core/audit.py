"""The answer-key audit and the length limits: can the cards be gamed, can an answer be checked?

Pure: questions in, figures and problems out.

- **Option order.** Options are shown in a deterministic shuffle keyed by the question id
  (:func:`display_order`): the same on every build and machine, independent of source order.
- **Answer key.** For the multiple-choice questions of a topic and of the bank: where the
  correct option lands (single-answer questions), how often "always pick the longest option"
  would score (ties split), how often the correct option is the strictly longest, and the
  correct option's length relative to the distractors'. Lengths are characters of plain text.
- **Length limits.** Written answers in words — recall ≤ 40, application ≤ 60, analysis ≤ 80 —
  and cloze gaps ≤ 8 words unless the gap is a formula.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from deckbuilder.core.model import Cloze, MultipleChoice, Prompted, Question, Topic
from deckbuilder.core.problems import Problem

LETTERS = "ABCDEFGHIJ"
WORD_LIMITS = {"recall": 40, "application": 60, "analysis": 80}
GAP_WORD_LIMIT = 8
LONGEST_LIMIT = 0.35  # "pick the longest" may score at most this in a topic …
LONGEST_MIN_QUESTIONS = 10  # … that has at least this many multiple-choice questions
WORST_NAMED = 5

_CLOZE = re.compile(r"\{\{c(\d+)::(.*?)(?:::(.*?))?\}\}", re.S)
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_MARKS = re.compile(r"(\*\*|__|`|~~|(?<!\w)[*_]|[*_](?!\w))")
_FORMULA = re.compile(r"[=<>≤≥≈≠×÷^√∑∏→←⌈⌉⌊⌋]")
_MARKUP = re.compile(r"[\[*_`~]")  # text without these has no link and no mark for plain() to drop


@functools.lru_cache(maxsize=4096)
def display_order(question_id: str, count: int) -> tuple[int, ...]:
    """Source indexes of ``count`` options in the order they are shown: a Fisher–Yates shuffle
    driven by the SHA-256 of the id, so the same on every build and machine."""
    digest = hashlib.sha256(question_id.encode("utf-8")).digest()
    order = list(range(count))
    for i in range(count - 1, 0, -1):
        j = int.from_bytes(digest[2 * i: 2 * i + 2], "big") % (i + 1)
        order[i], order[j] = order[j], order[i]
    return tuple(order)


def displayed_correct(q: MultipleChoice) -> tuple[int, ...]:
    """Display positions (0 = A) of the correct options."""
    order = display_order(q.id, len(q.options))
    return tuple(sorted(order.index(i) for i in q.correct))


def plain(text: str) -> str:
    """Markdown to plain text, roughly: link texts kept, emphasis and code marks dropped."""
    if not _MARKUP.search(text):
        return text
    return _MARKS.sub("", _LINK.sub(r"\1", text))


_WORD = re.compile(r"\S*?[^\W_]\S*")  # lazy first: the same tokens, found without backtracking


def word_count(text: str) -> int:
    """Words of the plain text: whitespace-separated tokens holding a letter or digit."""
    return len(_WORD.findall(plain(text)))


def is_formula(gap: str) -> bool:
    stripped = gap.strip()
    return bool(_FORMULA.search(stripped)) or (stripped.startswith("`") and stripped.endswith("`"))


def cloze_gaps(text: str) -> list[tuple[int, str]]:
    """(cloze number, hidden text) of every deletion, hints left out."""
    return [(int(m.group(1)), m.group(2)) for m in _CLOZE.finditer(text)]


# --- one multiple-choice question ----------------------------------------------------------


@dataclass(frozen=True)
class KeyFigures:
    """What the lengths of one question's options give away."""

    id: str
    longest_score: float  # expected score of "pick the longest option" (ties split)
    strictly_longest: bool  # a correct option is longer than every other option
    ratio: float  # mean correct length / mean distractor length
    shortest_score: float = 0.0  # expected score of "pick the shortest option" (the opposite trick)


def key_figures(q: MultipleChoice) -> KeyFigures:
    lengths = [len(plain(option).strip()) for option in q.options]
    longest = max(lengths)
    tied = [i for i, n in enumerate(lengths) if n == longest]
    hits = sum(1 for i in tied if i in q.correct)
    correct = [lengths[i] for i in q.correct]
    distractors = [n for i, n in enumerate(lengths) if i not in q.correct] or [1]
    mean_distractor = max(sum(distractors) / len(distractors), 1.0)
    return KeyFigures(
        id=q.id,
        longest_score=hits / len(tied),
        shortest_score=_share_correct(q, [i for i, n in enumerate(lengths) if n == min(lengths)]),
        strictly_longest=len(tied) == 1 and tied[0] in q.correct,
        ratio=(sum(correct) / len(correct)) / mean_distractor,
    )


def _share_correct(q: MultipleChoice, picks: list[int]) -> float:
    return sum(1 for i in picks if i in q.correct) / len(picks)


# --- a set of questions (a topic, the bank) ------------------------------------------------


@dataclass(frozen=True)
class Audit:
    """The figures of a topic or of the whole bank."""

    name: str
    mcq: int = 0
    single: int = 0  # single-answer questions: the positions and "pick the longest" count these
    positions: tuple[int, ...] = (0, 0, 0, 0, 0)  # correct option shown as A, B, … (single-answer)
    four_option: int = 0
    four_option_positions: tuple[int, ...] = (0, 0, 0, 0)
    longest_score: float = 0.0  # over single-answer questions, 0–1
    strictly_longest: int = 0  # over single-answer questions
    shortest_score: float = 0.0  # over single-answer questions, 0–1 (sum)
    ratio: float = 0.0  # mean over all multiple-choice questions
    written: int = 0
    over_limit: int = 0
    over_half_again: int = 0  # over 1.5x the limit
    gaps: int = 0
    long_gaps: int = 0
    worst: tuple[KeyFigures, ...] = field(default=())  # the most length-revealing questions

    @property
    def longest_share(self) -> float:
        return self.longest_score / self.single if self.single else 0.0


def audit_questions(name: str, questions: Iterable[Question]) -> Audit:
    mcq = single = four = strictly = 0
    score = shortest = ratio_sum = 0.0
    positions = [0] * 5
    four_positions = [0] * 4
    written = over = over_half = gaps = long_gaps = 0
    revealing: list[KeyFigures] = []
    for q in questions:
        if isinstance(q, MultipleChoice):
            figures = key_figures(q)
            mcq += 1
            ratio_sum += figures.ratio
            if len(q.correct) == 1:
                single += 1
                score += figures.longest_score
                shortest += figures.shortest_score
                strictly += figures.strictly_longest
                position = displayed_correct(q)[0]
                if position < 5:
                    positions[position] += 1
                if len(q.options) == 4:
                    four += 1
                    four_positions[position] += 1
                if figures.longest_score > 0:  # the correct option is the longest, or tied for it
                    revealing.append(figures)
        elif isinstance(q, Prompted):
            written += 1
            words, limit = word_count(q.answer), WORD_LIMITS[q.level]
            over += words > limit
            over_half += words > 1.5 * limit
        elif isinstance(q, Cloze):
            for _, gap in cloze_gaps(q.text):
                gaps += 1
                long_gaps += word_count(gap) > GAP_WORD_LIMIT and not is_formula(gap)
    revealing.sort(key=lambda f: (-f.longest_score, -f.ratio, f.id))
    return Audit(
        name=name, mcq=mcq, single=single, positions=tuple(positions), four_option=four,
        four_option_positions=tuple(four_positions), longest_score=score, strictly_longest=strictly,
        shortest_score=shortest,
        ratio=ratio_sum / mcq if mcq else 0.0, written=written, over_limit=over, over_half_again=over_half,
        gaps=gaps, long_gaps=long_gaps, worst=tuple(revealing[:WORST_NAMED]),
    )


def combine(name: str, audits: Sequence[Audit]) -> Audit:
    """The figures of several sets of questions together (the bank from its topics)."""
    mcq = sum(a.mcq for a in audits)
    revealing = sorted((f for a in audits for f in a.worst), key=lambda f: (-f.longest_score, -f.ratio, f.id))
    return Audit(
        name=name, mcq=mcq, single=sum(a.single for a in audits),
        positions=tuple(map(sum, zip(*(a.positions for a in audits)))) if audits else (0,) * 5,
        four_option=sum(a.four_option for a in audits),
        four_option_positions=tuple(map(sum, zip(*(a.four_option_positions for a in audits)))) if audits else (0,) * 4,
        longest_score=sum(a.longest_score for a in audits), strictly_longest=sum(a.strictly_longest for a in audits),
        shortest_score=sum(a.shortest_score for a in audits),
        ratio=sum(a.ratio * a.mcq for a in audits) / mcq if mcq else 0.0,
        written=sum(a.written for a in audits), over_limit=sum(a.over_limit for a in audits),
        over_half_again=sum(a.over_half_again for a in audits), gaps=sum(a.gaps for a in audits),
        long_gaps=sum(a.long_gaps for a in audits), worst=tuple(revealing[:WORST_NAMED]),
    )


@dataclass(frozen=True)
class BankAudit:
    topics: tuple[Audit, ...]
    bank: Audit


def bank_audit(per_topic: Sequence[Audit]) -> BankAudit:
    """The bank's audit from its topics' (each computed where the topic was prepared)."""
    return BankAudit(topics=tuple(per_topic), bank=combine("bank", per_topic))


# --- problems ------------------------------------------------------------------------------


def audit_problems(topics: Sequence[Topic], audits: Sequence[Audit] | None = None) -> list[Problem]:
    """Warnings (``--strict`` makes them errors): a gameable key, over-long answers and gaps.

    ``audits``: the topics' figures when already computed (same order as ``topics``).
    """
    problems: list[Problem] = []
    for index, topic in enumerate(topics):
        audit = audits[index] if audits is not None else audit_questions(topic.id, topic.questions)
        if audit.mcq >= LONGEST_MIN_QUESTIONS and audit.longest_share > LONGEST_LIMIT:
            worst = ", ".join(f"{f.id} ({f.ratio:.2f}x)" for f in audit.worst)
            problems.append(Problem(
                topic.origin.file, topic.origin.line, f'topic "{topic.id}"',
                f'"pick the longest option" scores {audit.longest_share:.0%} of {audit.single} questions '
                f"(limit {LONGEST_LIMIT:.0%}); the correct option is the longest (or tied for it) in: {worst}",
                "make distractors as long and specific as the answer, or trim the answer", "warning"))
        if audit.over_limit or audit.long_gaps:
            for q in topic.questions:
                problems += _length_problems(q)
    return problems


def _length_problems(q: Question) -> list[Problem]:
    item = f'question "{q.id}"'
    if isinstance(q, Prompted):
        words, limit = word_count(q.answer), WORD_LIMITS[q.level]
        if words > limit:
            return [Problem(q.origin.file, q.origin.line, item,
                            f"answer has {words} words; {q.level} answers have at most {limit}",
                            "keep the verdict in `answer`; move the reasoning to `key_points` and `explanation`",
                            "warning")]
    elif isinstance(q, Cloze):
        out = []
        for number, gap in cloze_gaps(q.text):
            words = word_count(gap)
            if words > GAP_WORD_LIMIT and not is_formula(gap):
                out.append(Problem(q.origin.file, q.origin.line, item,
                                   f"cloze gap c{number} hides {words} words (limit {GAP_WORD_LIMIT})",
                                   "hide only the part worth recalling, or split the cloze", "warning"))
        return out
    return []


# --- the report ----------------------------------------------------------------------------


def format_audit(audit: BankAudit) -> str:
    """The audit as a table: one row per topic, then the bank."""
    head = (f"{'answer-key audit':<28}{'mcq':>4} {'A':>5}{'B':>5}{'C':>5}{'D':>5}{'E':>5}"
            f"  {'longest':>7} {'shortest':>8}  {'ratio':>5}  {'answers>limit':>13}  {'gaps>8':>7}")
    rows = [head]
    for row in audit.topics + (audit.bank,):
        shares = "".join(f"{_pct(n, row.single):>5}" for n in row.positions)
        rows.append(
            f"{row.name[:27]:<28}{row.mcq:>4} {shares}  {_pct(row.longest_score, row.single, 1):>7} {_pct(row.shortest_score, row.single, 1):>8}"
            f"  {row.ratio:>5.2f}  {f'{row.over_limit}/{row.written}':>13}  {f'{row.long_gaps}/{row.gaps}':>7}")
    bank = audit.bank
    four = " ".join(f"{LETTERS[i]} {_pct(n, bank.four_option)}" for i, n in enumerate(bank.four_option_positions))
    rows.append(
        f"positions: correct option as shown (single answer; four options: {four} of {bank.four_option}); "
        f"longest / shortest: what always picking the longest / shortest option scores; ratio: correct/distractor length; "
        f"limits: recall {WORD_LIMITS['recall']}, application {WORD_LIMITS['application']}, "
        f"analysis {WORD_LIMITS['analysis']} words, cloze gaps {GAP_WORD_LIMIT}")
    return "\n".join(rows)


def _pct(part: float, whole: int, digits: int = 0) -> str:
    return f"{100 * part / whole:.{digits}f}%" if whole else "-"
