"""The plan's manual metrics, recorded by the learner (``record``), and what a window of them adds up to.

From the study plan and ``spaced-repetition-system.md`` Part III–IV: assessments scored out of
their own total (the week-4 checkpoint /400, the final /1000: KR6 wants 850/1000), mock
interviews (passed or not, optionally scored), component listing (coverage %), verbal
explanation (clarity + completeness + accuracy + confidence, /40) and application problems
(approach + completeness + correctness + efficiency, /20). Speed-draw tests have their own
record (:mod:`companion.core.speed_draw`). Pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Sequence

Kind = Literal["assessment", "mock-interview", "component-listing", "verbal", "problem"]
KINDS: tuple[Kind, ...] = ("assessment", "mock-interview", "component-listing", "verbal", "problem")
OUT_OF: dict[str, float] = {"component-listing": 100.0, "verbal": 40.0, "problem": 20.0}
LABELS: dict[str, str] = {"assessment": "assessments", "mock-interview": "mock interviews",
                          "component-listing": "component listings", "verbal": "verbal explanations",
                          "problem": "application problems"}
PASS_MARK = 0.80  # the checkpoints' pass threshold (320/400): a problem solved, an assessment passed
COVERAGE_TARGET = 90.0  # component listing: "Target: 90%+ coverage"
FINAL_SCALE = 1000.0  # KR6's scale


@dataclass(frozen=True)
class Measure:
    kind: str
    at: int  # epoch seconds
    week: str  # ISO week of the review day it was recorded on
    score: float | None  # None: a mock interview recorded without a score
    out_of: float | None
    passed: bool | None = None  # mock interviews
    seconds: int | None = None  # time spent (problems)
    nid: int | None = None  # the diagram's note, when it is about one
    label: str | None = None  # e.g. "week 4 checkpoint", "design: URL shortener"

    @property
    def fraction(self) -> float | None:
        if self.score is None or not self.out_of:
            return None
        return self.score / self.out_of

    def describe(self) -> str:
        what = {"assessment": "assessment", "mock-interview": "mock interview",
                "component-listing": "component listing", "verbal": "verbal explanation",
                "problem": "application problem"}[self.kind]
        parts = [what + (f" ({self.label})" if self.label else "")]
        if self.kind == "mock-interview":
            parts.append("passed" if self.passed else "not passed")
        if self.score is not None:
            unit = "%" if self.kind == "component-listing" else f"/{self.out_of:g}"
            parts.append(f"{self.score:g}{unit}")
        if self.seconds:
            parts.append(f"in {self.seconds // 60} min")
        return ", ".join(parts)


def validate(kind: str, score: float | None, out_of: float | None) -> None:
    """Raise ValueError, saying what to change, when ``score`` out of ``out_of`` cannot be a ``kind``."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}: use one of {', '.join(KINDS)}")
    if score is None:
        if kind != "mock-interview":
            raise ValueError(f"a {kind} needs a score")
        return
    if out_of is None or out_of <= 0:
        raise ValueError(f"a score needs a total above 0 (--of), not {out_of if out_of is None else f'{out_of:g}'}")
    if not 0 <= score <= out_of:
        raise ValueError(f"a score of {score:g} out of {out_of:g} is outside 0–{out_of:g}: check the score and --of")


@dataclass(frozen=True)
class Summary:
    kind: str
    count: int
    mean_score: float | None  # in the kind's own unit (coverage %, /40, /20; mock and assessment: % of total)
    mean_fraction: float | None
    passed: int  # mock interviews passed; problems and assessments at the pass mark
    seconds: int  # time recorded


def summarize(measures: Sequence[Measure], kind: str) -> Summary:
    chosen = [m for m in measures if m.kind == kind]
    fractions = [m.fraction for m in chosen if m.fraction is not None]
    mean_fraction = sum(fractions) / len(fractions) if fractions else None
    if kind in OUT_OF:
        scores = [m.score for m in chosen if m.score is not None]
        mean = sum(scores) / len(scores) if scores else None
    else:
        mean = mean_fraction * 100 if mean_fraction is not None else None
    if kind == "mock-interview":
        passed = sum(1 for m in chosen if m.passed)
    else:
        passed = sum(1 for f in fractions if f >= PASS_MARK)
    return Summary(kind, len(chosen), None if mean is None else round(mean, 6),
                   None if mean_fraction is None else round(mean_fraction, 6), passed,
                   sum(m.seconds or 0 for m in chosen))


def in_window(measures: Sequence[Measure], start: int, end: int) -> list[Measure]:
    """Measures recorded in ``[start, end)`` (epoch seconds)."""
    return [m for m in measures if start <= m.at < end]


def latest_assessment(measures: Sequence[Measure], before: int | None = None) -> Measure | None:
    """The last assessment recorded (before ``before``, epoch seconds)."""
    chosen = [m for m in measures if m.kind == "assessment" and m.fraction is not None
              and (before is None or m.at < before)]
    return max(chosen, key=lambda m: m.at) if chosen else None


def scaled(measure: Measure | None, scale: float = FINAL_SCALE) -> float | None:
    """The assessment's score on ``scale`` (320/400 → 800/1000)."""
    if measure is None or measure.fraction is None:
        return None
    return round(measure.fraction * scale, 1)
