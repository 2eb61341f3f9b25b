"""Speed-draw tests (DS cognitive-optimization §3.1): which diagrams, how long, how it went.

Pure: the service gathers the facts, this module chooses and scores, the text is rendered
here too (Markdown checklist); the calendar is :mod:`companion.core.ics`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Sequence


REVIEW_MINUTES = 3  # after the timer: compare with the original, review what was missed


@dataclass(frozen=True)
class Band:
    floor: int  # lowest accuracy (%) of the band
    name: str
    advice: str


# The DS scoring rubric, best first.
BANDS: tuple[Band, ...] = (
    Band(95, "perfect", "perfect recall: extend the interval"),
    Band(85, "excellent", "normal interval"),
    Band(75, "good", "normal interval"),
    Band(65, "acceptable", "slight interval reduction"),
    Band(50, "needs work", "significant interval reduction"),
    Band(0, "failed", "reset to the learning phase"),
)


def band(accuracy: float) -> Band:
    if not 0 <= accuracy <= 100:
        raise ValueError(f"accuracy must be 0–100 %, not {accuracy:g}")
    for b in BANDS:
        if accuracy >= b.floor:
            return b
    raise AssertionError("unreachable: the last band starts at 0")


@dataclass(frozen=True)
class Diagram:
    """A speed-draw note and what is known about how well the learner knows it."""

    nid: int
    title: str
    phase: int | None
    lapses: int  # failed answers of a graduated card (review rows answered Again)
    passed: int  # counted answers (true-retention rows) passed …
    failed: int  # … and failed
    last_drawn: dt.date | None  # last recorded speed-draw test
    last_accuracy: float | None  # its accuracy (%)

    @property
    def retention(self) -> float:
        """Pass rate with one pass and one fail added: an unreviewed diagram counts as 50 %."""
        return (self.passed + 1) / (self.passed + self.failed + 2)


@dataclass(frozen=True)
class Pick:
    diagram: Diagram
    score: float
    reason: str


RECENT_DAYS = 7  # a diagram drawn less than this many days ago is not picked again
CURRENT_PHASE_WEIGHT = 2.0


def weakness(d: Diagram) -> float:
    """Lapses, plus ten points per missing tenth of retention and of the last drawing's accuracy."""
    score = d.lapses + 10 * (1 - d.retention)
    if d.last_accuracy is not None:
        score += 10 * (1 - d.last_accuracy / 100)
    return score


def pick(diagrams: Sequence[Diagram], current_phase: int, today: dt.date, count: int,
         recent_days: int = RECENT_DAYS) -> list[Pick]:
    """This week's diagrams: weakest first, current phase weighted, none drawn recently.

    Diagrams of phases not reached yet are left out; ties go to the one drawn longest ago
    (never drawn first), then to the lower note id, so the choice is reproducible.
    """
    candidates = []
    for d in diagrams:
        if d.phase is not None and d.phase > current_phase:
            continue
        if d.last_drawn is not None and (today - d.last_drawn).days < recent_days:
            continue
        weight = CURRENT_PHASE_WEIGHT if d.phase == current_phase else 1.0
        candidates.append(Pick(d, round(weakness(d) * weight, 6), _reason(d, current_phase)))
    never = dt.date.min
    candidates.sort(key=lambda p: (-p.score, p.diagram.last_drawn or never, p.diagram.nid))
    return candidates[:count]


def _reason(d: Diagram, current_phase: int) -> str:
    parts = []
    if d.phase == current_phase:
        parts.append("current phase")
    elif d.phase is not None:
        parts.append(f"phase {d.phase}")
    parts.append(f"{d.lapses} lapse{'s' if d.lapses != 1 else ''}")
    reviews = d.passed + d.failed
    parts.append(f"retention {d.passed / reviews:.0%} of {reviews}" if reviews else "not reviewed yet")
    if d.last_drawn is None:
        parts.append("never drawn")
    else:
        parts.append(f"last drawn {d.last_drawn.isoformat()} at {d.last_accuracy:g}%")
    return ", ".join(parts)


# ---------------------------------------------------------------------------------------
# The checklist


@dataclass(frozen=True)
class WeekPlan:
    week: str  # ISO week, e.g. "2026-W48"
    where: str  # "week 3 of 16 (intensive), phase 2 Performance & Scale"
    minutes: int
    date: dt.date  # the day of the session
    picks: tuple[Pick, ...]


def checklist(plan: WeekPlan) -> str:
    lines = [
        f"# Speed-draw tests, {plan.week}",
        "",
        f"{plan.where[:1].upper()}{plan.where[1:]}. Time limit this week: **{plan.minutes} minutes** per diagram.",
        "",
        "For each diagram: read its name only, start the timer, draw from memory the components,",
        "the relationships and data flows, the key metrics and labels, and the critical annotations;",
        "stop when the time is up, compare with the original, score the overall accuracy and",
        "review what you missed (1–2 minutes). Then log the result with the command shown.",
        "",
    ]
    if not plan.picks:
        lines.append("No diagram to draw this week: every eligible diagram was drawn in the last days.")
    for i, p in enumerate(plan.picks, 1):
        d = p.diagram
        lines.append(f"- [ ] {i}. **{d.title}** ({plan.minutes} min): {p.reason}")
        lines.append(f"      `speed-draw record {d.nid} --accuracy PCT --seconds N`")
    lines += ["", "## Rubric", ""]
    previous = 101
    for b in BANDS:
        span = f"{b.floor}–{previous - 1}%" if b.floor else f"below {previous}%"
        lines.append(f"- {span}: {b.name}, {b.advice}")
        previous = b.floor
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class Result:
    nid: int
    at: int  # epoch seconds
    week: str  # ISO week of the test
    accuracy: float
    seconds: int
    limit_seconds: int | None

    @property
    def band(self) -> Band:
        return band(self.accuracy)

    @property
    def in_time(self) -> bool | None:
        return None if self.limit_seconds is None else self.seconds <= self.limit_seconds


@dataclass(frozen=True)
class WeekResults:
    week: str
    tests: int
    mean_accuracy: float
    mean_seconds: float
    in_time: int  # tests finished within their limit
    bands: dict[str, int]


def by_week(results: Sequence[Result]) -> list[WeekResults]:
    weeks: dict[str, list[Result]] = {}
    for r in results:
        weeks.setdefault(r.week, []).append(r)
    summary = []
    for week in sorted(weeks):
        rs = weeks[week]
        bands = {b.name: 0 for b in BANDS}
        for r in rs:
            bands[r.band.name] += 1
        summary.append(WeekResults(
            week, len(rs),
            round(sum(r.accuracy for r in rs) / len(rs), 6),
            round(sum(r.seconds for r in rs) / len(rs), 6),
            sum(1 for r in rs if r.in_time),
            bands,
        ))
    return summary
