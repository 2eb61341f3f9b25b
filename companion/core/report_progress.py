"""Diagram progress, the plan's category targets and the six key results: pure maths.

A **diagram** is a DS page (or one of the project's ``media/*.mmd`` files): its occlusion notes
and its speed-draw note, found by the id each note carries (``atlas-occlusion:<page>#…``,
``atlas-speed-draw:<page>``, ``atlas-io:<page>#…``). It is **studied** once any of its cards has
been answered, and **mastered** when all its notes are mastered by ``retag``'s rule
(:func:`companion.core.status.status`: first answered 4+ weeks ago and ≥ 95 % of its last 20
counted answers passed, at least 4); **mature** when all its notes are mature or mastered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Literal, Mapping, Sequence

from deckbuilder.core.plan import REFERENCE_PATH, KeyResult, Plan, ReportCategory

from companion.core.status import status

Measure = Literal["studied", "mastered"]

_UIDS = (
    re.compile(r"atlas-occlusion:(?P<page>.+)#\d+:.+"),
    re.compile(r"atlas-io:(?P<page>.+)#\d+(?::subgraphs)?"),
    re.compile(r"atlas-speed-draw:(?P<page>.+)"),
)


def diagram_of(uid: str) -> str | None:
    """The page a diagram note's id names (the inverse of ``deckbuilder.diagrams.cards``'s
    ``occlusion_uid``, ``native_uid`` and ``speed_draw_uid``), or None for another note."""
    for pattern in _UIDS:
        match = pattern.fullmatch(uid.strip())
        if match:
            return match.group("page")
    return None


@dataclass(frozen=True)
class NoteState:
    """What decides a note's status at a moment: its first answer and its recent counted answers."""

    nid: int
    first_answer: int | None  # ms
    recent_passed: int  # of its last counted answers (at most 20) before the moment
    recent_total: int


def note_status(note: NoteState, at_ms: int, target: float) -> str | None:
    """``retag``'s status (learning, young, mature, mastered, or None if never answered) at ``at_ms``."""
    recent = (True,) * note.recent_passed + (False,) * (note.recent_total - note.recent_passed)
    first = note.first_answer if note.first_answer is not None and note.first_answer < at_ms else None
    return status(first, recent, at_ms, target)


@dataclass(frozen=True)
class Diagram:
    key: str  # the page
    title: str
    category: str | None  # its DS folder (atlas::category)
    notes: tuple[int, ...]


@dataclass(frozen=True)
class DiagramState:
    diagram: Diagram
    studied: bool
    mature: bool
    mastered: bool


def diagram_state(diagram: Diagram, statuses: Mapping[int, str | None]) -> DiagramState:
    states = [statuses.get(nid) for nid in diagram.notes]
    return DiagramState(
        diagram,
        studied=any(s is not None for s in states),
        mature=bool(states) and all(s in ("mature", "mastered") for s in states),
        mastered=bool(states) and all(s == "mastered" for s in states),
    )


def group_diagrams(notes: Iterable[tuple[int, str, str, bool]], categories: Mapping[int, str | None]) -> list[Diagram]:
    """Diagrams from ``(nid, page, title, is_speed_draw)`` rows; the speed-draw note's title wins."""
    pages: dict[str, list[tuple[int, str, bool]]] = {}
    for nid, page, title, speed in notes:
        pages.setdefault(page, []).append((nid, title, speed))
    diagrams = []
    for page in sorted(pages):
        members = sorted(pages[page])
        titles = [t for _, t, s in members if s and t] + [t for _, t, s in members if not s and t]
        category = next((categories[n] for n, _, _ in members if categories.get(n)), None)
        diagrams.append(Diagram(page, titles[0] if titles else page, category, tuple(n for n, _, _ in members)))
    return diagrams


@dataclass(frozen=True)
class Tally:
    diagrams: int = 0  # in the deck
    studied: int = 0
    mature: int = 0
    mastered: int = 0


def tally(states: Iterable[DiagramState]) -> Tally:
    states = list(states)
    return Tally(len(states), sum(s.studied for s in states), sum(s.mature for s in states),
                 sum(s.mastered for s in states))


@dataclass(frozen=True)
class CategoryProgress:
    name: str
    target: int
    folders: tuple[str, ...]
    tally: Tally


def category_progress(report_categories: Sequence[ReportCategory], states: Sequence[DiagramState]) -> list[CategoryProgress]:
    return [CategoryProgress(rc.name, rc.target, rc.categories,
                             tally(s for s in states if s.diagram.category in rc.categories))
            for rc in report_categories]


# ---------------------------------------------------------------------------------------
# Key results


@dataclass(frozen=True)
class KrProgress:
    id: str
    title: str
    target: float
    unit: str  # "diagrams", "retention", "score"
    actual: float | None
    due_week: int  # on the learner's path
    expected: float | None  # what a linear pace expects by the week; the target itself for a level
    on_track: bool | None  # None: nothing to judge yet
    measure: str  # how actual is counted


def linear_expected(target: float, week: int, due_week: int) -> float:
    """A steady pace from week 0 to the due week: ``target × week / due`` (capped at the target)."""
    if due_week <= 0:
        return target
    return target * min(max(week, 0), due_week) / due_week


def diagram_kr(kr: KeyResult, states: Sequence[DiagramState], week: int | None, due_week: int) -> KrProgress:
    folders, measure = kr.categories, kr.measure or "studied"
    target = float(kr.target["diagrams"])
    chosen = [s for s in states if s.diagram.category in folders]
    actual = float(sum(getattr(s, measure) for s in chosen))
    expected = round(linear_expected(target, week, due_week), 1) if week is not None else None
    return KrProgress(kr.id, kr.title, target, "diagrams", actual, due_week, expected,
                      None if expected is None else actual >= expected,
                      f"diagrams {measure} in {', '.join(folders)}")


def retention_kr(kr: KeyResult, retention: float | None, status_met: str, due_week: int) -> KrProgress:
    """KR5 from the week's true retention and ``kr5_verdict``'s status (met / not met / not enough data)."""
    target = float(kr.target["retention"])
    on_track = {"met": True, "not met": False}.get(status_met)
    return KrProgress(kr.id, kr.title, target, "retention", retention, due_week, target, on_track,
                      "true retention of the window (Anki's rules) and its speed-draw mean")


def score_kr(kr: KeyResult, score: float | None, due_week: int) -> KrProgress:
    """KR6 from the latest assessment recorded, on a scale of 1000."""
    target = float(kr.target["score"])
    return KrProgress(kr.id, kr.title, target, "score", score, due_week, target,
                      None if score is None else score >= target,
                      "latest assessment recorded, scaled to 1000")


def due_week(plan: Plan, kr: KeyResult, path: str | None) -> int:
    """The last week of ``path`` that the key result's due week (on the 16-week reference path) covers:
    "by week 4" of 16 is by the end of week 8 of the 32-week path."""
    return plan.kr_due_week(kr, path or REFERENCE_PATH)


def key_results(plan: Plan, path: str | None, week: int | None, states: Sequence[DiagramState],
                retention: float | None, retention_status: str, assessment: float | None) -> list[KrProgress]:
    """KR1–KR6; a key result of another shape is listed with nothing measured."""
    rows = []
    for kr in plan.key_results:
        due = due_week(plan, kr, path)
        if kr.categories and "diagrams" in kr.target:
            rows.append(diagram_kr(kr, states, week, due))
        elif "retention" in kr.target:
            rows.append(retention_kr(kr, retention, retention_status, due))
        elif "score" in kr.target:
            rows.append(score_kr(kr, assessment, due))
        else:
            value = float(next(iter(kr.target.values()), 0.0))
            rows.append(KrProgress(kr.id, kr.title, value, next(iter(kr.target), ""), None, due, None, None,
                                   "not measured by the companion"))
    return rows
