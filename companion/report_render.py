"""``report``'s terminal summary, Markdown and JSON (pure: strings and dicts out).

The JSON keys are stable (README, "report --json"): ``report``, ``deck``, ``today``, ``plan``,
``window``, ``days``, ``study``, ``retention``, ``categories``, ``diagrams``, ``kr``, ``records``,
``actions``, ``next_week``, ``month``, ``series``.
"""

from __future__ import annotations

from typing import Any, Sequence

from companion.core import measures as m
from companion.core.report_days import DayActivity, Window
from companion.core.report_progress import KrProgress
from companion.core.retention import RECALL_WINDOWS, Tally
from companion.core.stats import LOW_COUNT, Rate, rates
from companion.report_weekly import GroupRetention, Report, WeekFigures

SCHEMA = 1
DIAGRAM_RULE = ("a diagram is a DS page: studied once any of its cards has been answered, mastered when all its "
                "notes are (retag's rule: first answered 4+ weeks ago, >= 95% of the last 20 counted answers "
                "passed), mature when all are mature or mastered")
PROBLEM_RULE = "a card with 2+ lapses (review answers of Again), or a leech (6+ lapses, or Anki's leech tag)"


def _r(value: float | None, digits: int = 6) -> float | None:
    return None if value is None else round(value, digits)


def _rate(tally: Tally) -> dict[str, Any]:
    return {kind: rate.as_dict() for kind, rate in rates(tally).items()}


def _day(d: DayActivity) -> dict[str, Any]:
    return {"date": d.date.isoformat(), "reviews": d.reviews, "again": d.again, "hard": d.hard, "good": d.good,
            "easy": d.easy, "seconds": _r(d.seconds, 3), "new": d.new, "minutes": _r(d.minutes, 3),
            "average_seconds": _r(d.average_seconds, 3),
            "rates": {b: _r(d.rate(b)) for b in ("again", "hard", "good", "easy")}}


def _window(w: Window) -> dict[str, Any]:
    return {"first": w.first.isoformat(), "last": w.last.isoformat(), "days": w.days, "week": w.week}


def _group(g: GroupRetention) -> dict[str, Any]:
    return {"tag": g.tag, "name": g.name, **g.tally.as_dict(), **_rate(g.tally)}


def _kr(k: KrProgress) -> dict[str, Any]:
    return {"id": k.id, "title": k.title, "target": k.target, "actual": _r(k.actual), "due_week": k.due_week,
            "expected": k.expected, "on_track": k.on_track, "unit": k.unit, "measure": k.measure}


def _summary(s: m.Summary) -> dict[str, Any]:
    return {"count": s.count, "mean_score": s.mean_score, "mean_fraction": s.mean_fraction, "passed": s.passed,
            "seconds": s.seconds}


def _records(speed_count: int, speed_mean: float | None, summaries: dict[str, m.Summary]) -> dict[str, Any]:
    return {"speed_draw": {"tests": speed_count, "mean_accuracy": speed_mean},
            **{kind.replace("-", "_"): _summary(s) for kind, s in summaries.items()}}


def _week(w: WeekFigures) -> dict[str, Any]:
    s = w.study
    return {**_window(w.window), "reviews": s.reviews, "seconds": _r(s.ms / 1000, 3), "hours": _r(s.hours, 3),
            "days_studied": s.days_studied,
            "days_on_target": s.days_on_target, "new": s.new, **w.retention.as_dict(), **_rate(w.retention),
            "diagrams_studied": w.studied, "records": _records(w.speed_draw.tests, w.speed_draw.mean_accuracy,
                                                               w.measures)}


def to_json(r: Report, charts: Sequence[str] = ()) -> dict[str, Any]:
    s, pos = r.study, r.position
    return {
        "schema": SCHEMA,
        "report": r.kind,
        "deck": r.deck,
        "today": r.clock.today.isoformat(),
        "rollover_hour": r.clock.rollover_hour,
        "day_cutoff": r.clock.next_day_start,
        "plan": None if pos is None else {"start": pos.start.isoformat(), "path": pos.path, "week": pos.week,
                                          "weeks": pos.weeks, "phase": pos.phase.number,
                                          "phase_title": pos.phase.title},
        "window": _window(r.window),
        "days": [_day(d) for d in r.last_days],
        "study": {"days": s.days, "days_studied": s.days_studied, "days_on_target": s.days_on_target,
                  "streak": s.streak, "reviews": s.reviews, "seconds": _r(s.ms / 1000, 3),
                  "minutes": _r(s.minutes, 3), "average_minutes": _r(s.average_minutes, 3),
                  "learning_seconds": _r(s.learning_ms / 1000, 3), "new": s.new, "target_minutes": s.target_minutes},
        "retention": {
            "true_retention": r.retention.as_dict(), **_rate(r.retention), "target": r.target,
            "kr5": {"status": r.verdict.status, "first": r.verdict_window.first.isoformat(),
                    "last": r.verdict_window.last.isoformat(), "retention": r.verdict.retention.as_dict(),
                    "speed_draw_mean": r.verdict.speed_draw_mean, "speed_draw_tests": r.verdict.speed_draw_tests,
                    "message": kr5_line(r)},
            "recall_after": {w.name: {"window": w.label, **r.recall[w.name].as_dict(), **_rate(r.recall[w.name])}
                             for w in RECALL_WINDOWS},
            **{f"by_{name}": [_group(g) for g in rows] for name, rows in r.groups.items()},
            "strongest": r.strongest.name if r.strongest else None,
            "weakest": r.weakest.name if r.weakest else None,
        },
        "categories": [{"name": c.name, "target": c.target, "folders": list(c.folders), "diagrams": c.tally.diagrams,
                        "studied": c.tally.studied, "mastered": c.tally.mastered} for c in r.categories],
        "diagrams": {
            "rule": DIAGRAM_RULE, "in_deck": r.diagrams.diagrams, "studied": r.diagrams.studied,
            "mature": r.diagrams.mature, "mastered": r.diagrams.mastered,
            "target": sum(c.target for c in r.categories), "outside_targets": r.outside_targets,
            "problem_rule": PROBLEM_RULE,
            "problematic": [{"diagram": p.diagram, "title": p.title, "category": p.category, "lapses": p.lapses,
                             "lapses_in_window": p.lapses_in_window, "leech": p.leech} for p in r.problematic],
            "other_problem_notes": r.other_problem_notes,
        },
        "kr": [_kr(k) for k in r.krs],
        "records": {**_records(r.speed_draw.tests, r.speed_draw.mean_accuracy, r.measures),
                    "latest_assessment": None if r.assessment is None else {
                        "score": r.assessment.score, "out_of": r.assessment.out_of, "label": r.assessment.label,
                        "scaled": m.scaled(r.assessment), "week": r.assessment.week}},
        "actions": [{"rule": a.rule, "message": a.message} for a in r.actions],
        "next_week": None if r.next_week is None else {
            "week": r.next_week.week, "first": r.next_week.first.isoformat(), "last": r.next_week.last.isoformat(),
            "phase": r.next_week.phase, "phase_title": r.next_week.phase_title, "new_notes": r.next_week.new_notes,
            "new_diagrams": r.next_week.new_diagrams, "speed_draw_minutes": r.next_week.speed_draw_minutes,
            "review_minutes": r.next_week.review_minutes},
        "month": None if r.kind != "month" else {
            "weeks": [_week(w) for w in r.weeks], "trend": r.trend,
            "review_hours": _r(s.review_ms / 3_600_000, 3), "learning_hours": _r(s.learning_ms / 3_600_000, 3),
            "mastered_in_window": r.mastered_in_window, "mastered_per_hour": _r(r.mastered_per_hour)},
        "series": [{**_window(w), **t.as_dict(), **_rate(t)} for w, t in r.series],
        "charts": list(charts),
    }


# ---------------------------------------------------------------------------------------
# Shared phrasing


def title(r: Report) -> str:
    kind = "Monthly review" if r.kind == "month" else "Weekly report"
    return f"{kind}: {r.deck}"


def where(r: Report) -> str:
    w, pos = r.window, r.position
    days = f"{w.label()}, review days from {r.clock.rollover_hour:02d}:00"
    if pos is None:
        return f"the last {w.days} review days, {days} (no plan position: pass --start and --path once)"
    if pos.before_start:
        return f"the last {w.days} review days, {days}; the {pos.path} plan starts on {pos.start.isoformat()}"
    phase = f", phase {r.phase.number} {r.phase.title}" if r.phase else ""
    if w.aligned:
        first = max(1, (w.week or 1) - 3) if r.kind == "month" else w.week
        span = f"weeks {first}–{w.week}" if first != w.week else f"week {w.week}"
        return f"{span} of {pos.weeks} ({pos.path}{phase}), {days}"
    return f"the last {w.days} review days, in week {pos.week} of {pos.weeks} ({pos.path}{phase}), {days}"


def kr5_line(r: Report) -> str:
    """The KR5 verdict of the window's last week (KR5 is measured weekly), naming that week."""
    v, w = r.verdict, r.verdict_window
    rate = v.retention
    if rate.total == 0:
        text = f"no reviews in {w.label()}"
    else:
        low, high = rate.interval or (0.0, 0.0)
        sign = "≥" if (rate.value or 0) >= v.target else "<"
        text = (f"retention {rate.value:.1%} over {rate.total} reviews in {w.label()} (95% CI {low:.1%}–{high:.1%}) "
                f"{sign} {v.target:.0%}" + (f", fewer than {LOW_COUNT} reviews" if rate.low_count else ""))
    if v.speed_draw_mean is None:
        text += "; no speed-draw tests recorded in those days"
    else:
        sign = "≥" if v.speed_draw_mean >= v.target * 100 else "<"
        text += (f"; speed-draw mean {v.speed_draw_mean:.1f}% over {v.speed_draw_tests} "
                 f"test{'s' if v.speed_draw_tests != 1 else ''} {sign} {v.target:.0%}")
    return f"KR5 {v.status}: {text}"


def pct(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}%}"


def rate_cell(tally: Tally, flag: bool = True) -> str:
    rate = Rate(tally.passed, tally.failed)
    if rate.total == 0:
        return "—"
    return f"{rate.value:.1%} {rate.passed}/{rate.total}{'*' if flag and rate.low_count else ''}"


def ci(tally: Tally) -> str:
    interval = Rate(tally.passed, tally.failed).interval
    return f"{interval[0]:.1%}–{interval[1]:.1%}" if interval else "—"


def minutes(ms: int) -> str:
    return f"{ms / 60_000:.1f}"


def hours(ms: int) -> str:
    return f"{ms / 3_600_000:.1f} h"


def kr_line(k: KrProgress) -> tuple[str, str, str, str, str]:
    """id, target, actual, expected, verdict — as text."""
    if k.unit == "retention":
        target, actual, expected = f"{k.target:.0%}", pct(k.actual), f"{k.target:.0%}"
    elif k.unit == "score":
        target = f"{k.target:g}/1000"
        actual = "—" if k.actual is None else f"{k.actual:g}/1000"
        expected = target
    else:
        target = f"{k.target:g}"
        actual = "—" if k.actual is None else f"{k.actual:g}"
        expected = "—" if k.expected is None else f"{k.expected:g}"
    verdict = {True: "on track", False: "behind", None: "no verdict yet"}[k.on_track]
    return k.id, target, actual, expected, verdict


def measure_lines(r_speed_tests: int, r_speed_mean: float | None, summaries: dict[str, m.Summary]) -> list[str]:
    lines = []
    if r_speed_tests:
        lines.append(f"speed-draw: {r_speed_tests} test{'s' if r_speed_tests != 1 else ''}, mean accuracy "
                     f"{r_speed_mean:.1f}%")
    for kind in m.KINDS:
        s = summaries[kind]
        if not s.count:
            continue
        if kind == "assessment":
            lines.append(f"assessments: {s.count}, mean {s.mean_score:.1f}% of the total, {s.passed} at the 80% "
                         f"pass mark")
        elif kind == "mock-interview":
            scored = f", mean score {s.mean_score:.1f}%" if s.mean_score is not None else ""
            lines.append(f"mock interviews: {s.count}, {s.passed} passed{scored}")
        elif kind == "component-listing":
            lines.append(f"component listing: {s.count} diagram{'s' if s.count != 1 else ''}, mean coverage "
                         f"{s.mean_score:.1f}% (target 90%)")
        elif kind == "verbal":
            lines.append(f"verbal explanations: {s.count}, mean {s.mean_score:.1f}/40")
        else:
            time = f", {s.seconds / 60 / s.count:.0f} min each" if s.seconds else ""
            lines.append(f"application problems: {s.count}, mean {s.mean_score:.1f}/20, {s.passed} solved "
                         f"(16/20 or better){time}")
    return lines


def next_week_line(r: Report) -> str | None:
    n = r.next_week
    if n is None:
        return None
    return (f"week {n.week} ({n.first.isoformat()} to {n.last.isoformat()}), phase {n.phase} {n.phase_title}: "
            f"{n.new_notes:,} new notes due ({n.new_diagrams:,} diagrams), speed-draw tests of {n.speed_draw_minutes} "
            f"minutes (speed-draw plan), {n.review_minutes} minutes of Anki review (30 a day)")


# ---------------------------------------------------------------------------------------
# The terminal summary


def to_text(r: Report, shown: int = 10) -> str:
    lines = [title(r), where(r), ""]
    lines += _days_text(r.days, r) if r.kind == "week" else _month_text(r)
    lines += ["", *_retention_text(r), ""]
    lines += _diagrams_text(r, shown)
    lines += ["", f"Key results{f' (week {r.window.week})' if r.window.week else ''}:"]
    for k in r.krs:
        kid, target, actual, expected, verdict = kr_line(k)
        lines.append(f"  {kid}  {actual:>10} of {target:<9} expected {expected:>9} by now, due week {k.due_week:<3} "
                     f"{verdict}")
    records = measure_lines(r.speed_draw.tests, r.speed_draw.mean_accuracy, r.measures)
    lines += ["", "Recorded this " + ("month" if r.kind == "month" else "week") + " (record):"]
    lines += [f"  {x}" for x in records] or ["  nothing (record assessment|mock-interview|component-listing|verbal|"
                                             "problem, speed-draw record)"]
    if r.assessment is not None:
        lines.append(f"  latest assessment: {r.assessment.score:g}/{r.assessment.out_of:g}"
                     f"{f' ({r.assessment.label})' if r.assessment.label else ''} = {m.scaled(r.assessment):g}/1000, "
                     f"{r.assessment.week}")
    lines += ["", "What to do next:"]
    lines += [f"  - {a.message}" for a in r.actions]
    upcoming = next_week_line(r)
    if upcoming:
        lines.append(f"  - next: {upcoming}")
    lines += ["", f"* fewer than {LOW_COUNT} reviews: too few to act on."]
    return "\n".join(lines) + "\n"


def _days_text(days: Sequence[DayActivity], r: Report) -> list[str]:
    s = r.study
    lines = [f"Days (Anki's Reviews graph; the plan's review session is {s.target_minutes} minutes a day):",
             f"  {'date':<10} {'':3} {'reviews':>7} {'again':>6} {'hard':>6} {'good':>6} {'easy':>6} "
             f"{'avg s':>6} {'min':>6} {'new':>4}"]
    for d in days:
        mark = "" if not d.reviews else ("  ✓" if d.minutes >= s.target_minutes else "")
        lines.append(f"  {d.date.isoformat()} {d.date.strftime('%a')} {d.reviews:>7,} "
                     + " ".join(f"{pct(d.rate(b), 0):>6}" for b in ("again", "hard", "good", "easy"))
                     + f" {_num(d.average_seconds):>6} {d.minutes:>6.1f} {d.new:>4}{mark}")
    lines.append(f"  {s.days} days: {s.reviews:,} reviews in {hours(s.ms)} ({s.average_minutes:.0f} min a day), "
                 f"{s.days_studied} of {s.days} days studied, {s.days_on_target} at {s.target_minutes}+ minutes (✓), "
                 f"streak {s.streak} day{'s' if s.streak != 1 else ''}, {s.new:,} new cards")
    return lines


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _retention_text(r: Report) -> list[str]:
    lines = ["Retention (Anki's True Retention rules):",
             f"  {'':8}{'young':>20}{'mature':>20}{'total':>20}  95% CI (total)",
             f"  {'window':<8}{rate_cell(_young(r.retention)):>20}{rate_cell(_mature(r.retention)):>20}"
             f"{rate_cell(r.retention):>20}  {ci(r.retention)}",
             "  recall after a delay: " + ", ".join(f"{w.name} {rate_cell(r.recall[w.name])}" for w in RECALL_WINDOWS),
             f"  {kr5_line(r)}"]
    for name, rows in r.groups.items():
        shown = [g for g in rows if g.tally.total]
        if not shown:
            continue
        lines.append(f"  by {name}: " + ", ".join(f"{g.name} {rate_cell(g.tally)}" for g in shown))
    if r.strongest and r.weakest:
        lines.append(f"  strongest category: {r.strongest.name} ({pct(_value(r.strongest.tally))}), weakest: "
                     f"{r.weakest.name} ({pct(_value(r.weakest.tally))})")
    return lines


def _value(t: Tally) -> float | None:
    return Rate(t.passed, t.failed).value


def _young(t: Tally) -> Tally:
    return Tally(young_passed=t.young_passed, young_failed=t.young_failed)


def _mature(t: Tally) -> Tally:
    return Tally(mature_passed=t.mature_passed, mature_failed=t.mature_failed)


def _diagrams_text(r: Report, shown: int) -> list[str]:
    d = r.diagrams
    target = sum(c.target for c in r.categories)
    lines = [f"Diagrams: {d.diagrams:,} in the deck, {d.studied:,} studied, {d.mature:,} mature, {d.mastered:,} "
             f"mastered",
             "  (a DS page; studied: any of its cards answered; mastered: all its notes mastered by retag's rule)",
             f"  {'category':<14}{'target':>7}{'studied':>14}{'mastered':>14}"]
    for c in r.categories:
        lines.append(f"  {c.name:<14}{c.target:>7}{_of(c.tally.studied, c.target):>14}{_of(c.tally.mastered, c.target):>14}")
    studied = sum(c.tally.studied for c in r.categories)
    mastered = sum(c.tally.mastered for c in r.categories)
    lines.append(f"  {'total':<14}{target:>7}{_of(studied, target):>14}{_of(mastered, target):>14}")
    if r.outside_targets:
        lines.append(f"  ({r.outside_targets:,} diagrams of folders outside the plan's 900)")
    if r.problematic or r.other_problem_notes:
        lines.append(f"  problematic: {len(r.problematic):,} diagrams (a card with 2+ lapses, or a leech)"
                     + (f", {r.other_problem_notes:,} other notes (tag:atlas::weak after retag)"
                        if r.other_problem_notes else ""))
        for p in r.problematic[:shown]:
            lines.append(f"    {p.title}{f' ({p.category})' if p.category else ''}: "
                         + ", ".join(x for x in ("leech" if p.leech else "",
                                                 f"{p.lapses} lapses" if p.lapses else "",
                                                 f"{p.lapses_in_window} in the window" if p.lapses_in_window else "")
                                     if x))
        if len(r.problematic) > shown:
            lines.append(f"    … and {len(r.problematic) - shown:,} more (--json lists them all)")
    return lines


def _of(count: int, target: int) -> str:
    return f"{count:,} {count / target:4.0%}" if target else f"{count:,}"


def _week_label(w: Window) -> str:
    return f"week {w.week}, " if w.aligned and w.week else ""


def _month_text(r: Report) -> list[str]:
    lines = ["Four weeks (days from Anki's Reviews graph, retention by its True Retention rules):",
             f"  {'dates':<34}{'reviews':>8}{'hours':>7}{'days':>6}{'30 min':>8}{'retention':>21}{'studied':>9}"
             f"{'speed-draw':>12}"]
    for w in r.weeks:
        speed = f"{w.speed_draw.mean_accuracy:.0f}% x{w.speed_draw.tests}" if w.speed_draw.tests else "—"
        lines.append(f"  {_week_label(w.window) + w.window.label():<34}{w.study.reviews:>8,}{w.study.hours:>7.1f}"
                     f"{w.study.days_studied:>4}/{w.window.days}{w.study.days_on_target:>8}"
                     f"{rate_cell(w.retention):>21}{w.studied:>9,}{speed:>12}")
    lines += _month_totals(r)
    return lines


def _month_totals(r: Report) -> list[str]:
    s = r.study
    per_hour = r.mastered_per_hour
    return [f"  {s.days} days: {s.reviews:,} reviews in {hours(s.ms)} ({hours(s.review_ms)} reviewing, "
            f"{hours(s.learning_ms)} learning new cards), {s.days_studied} days studied, {s.days_on_target} at "
            f"{s.target_minutes}+ minutes, streak {s.streak} days, {s.new:,} new cards",
            f"  diagrams: {r.diagrams.mature:,} mature, {r.diagrams.mastered:,} mastered ({r.mastered_in_window:+,} in "
            f"these weeks: {'—' if per_hour is None else f'{per_hour:.2f}'} mastered per hour of review), "
            f"{len(r.problematic):,} problematic",
            f"  retention {rate_cell(r.retention)}; trend: {r.trend or 'not enough reviews to say'} (the later "
            f"two weeks against the earlier two, ±2 points)"]


# ---------------------------------------------------------------------------------------
# Markdown


def to_markdown(r: Report, charts: dict[str, str]) -> str:
    """The report for the learner's notes; ``charts`` maps minutes/retention/categories to file names."""
    s = r.study
    out = [f"# {title(r)}", "", where(r), ""]
    if "minutes" in charts:
        out += [f"![Daily minutes against the {s.target_minutes}-minute target]({charts['minutes']})", ""]
    if r.kind == "month":
        out += ["## Four weeks", "", "Days from Anki's Reviews graph, retention by its True Retention rules.", "",
                "| dates | reviews | hours | days studied | 30+ min | retention | diagrams studied | speed-draw |",
                "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for w in r.weeks:
            speed = f"{w.speed_draw.mean_accuracy:.0f}% ×{w.speed_draw.tests}" if w.speed_draw.tests else "—"
            out.append(f"| {_week_label(w.window)}{w.window.label()} | {w.study.reviews:,} | {w.study.hours:.1f} | "
                       f"{w.study.days_studied}/{w.window.days} | {w.study.days_on_target} | {rate_cell(w.retention)} | "
                       f"{w.studied:,} | {speed} |")
        out += ["", *(f"- {line.strip()}" for line in _month_totals(r)), ""]
    else:
        out += ["## Days", "", "From Anki's Reviews graph (every answer but manual reschedules; a day from one "
                "second after the rollover to the next).", "",
                "| date | reviews | again | hard | good | easy | avg s | minutes | new |",
                "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for d in r.days:
            out.append(f"| {d.date.isoformat()} {d.date.strftime('%a')} | {d.reviews:,} | "
                       + " | ".join(pct(d.rate(b), 0) for b in ("again", "hard", "good", "easy"))
                       + f" | {_num(d.average_seconds)} | {d.minutes:.1f} | {d.new} |")
        out += ["", f"{s.reviews:,} reviews in {hours(s.ms)} ({s.average_minutes:.0f} minutes a day); "
                    f"{s.days_studied} of {s.days} days studied, {s.days_on_target} at the {s.target_minutes}-minute "
                    f"target; streak {s.streak} days; {s.new:,} new cards.", ""]
    out += ["## Retention", ""]
    if "retention" in charts:
        out += [f"![Weekly retention against {r.target:.0%}]({charts['retention']})", ""]
    out += ["Anki's True Retention rules (young: interval under 21 days).", "",
            "| | young | mature | total | 95% CI |", "| --- | ---: | ---: | ---: | --- |",
            f"| window | {rate_cell(_young(r.retention))} | {rate_cell(_mature(r.retention))} | "
            f"{rate_cell(r.retention)} | {ci(r.retention)} |"]
    for w in RECALL_WINDOWS:
        out.append(f"| {w.name} recall | | | {rate_cell(r.recall[w.name])} | {ci(r.recall[w.name])} |")
    out += ["", kr5_line(r), ""]
    for name, rows in r.groups.items():
        shown = [g for g in rows if g.tally.total]
        if shown:
            out += [f"| {name} | retention | 95% CI |", "| --- | ---: | --- |"]
            out += [f"| {g.name} | {rate_cell(g.tally)} | {ci(g.tally)} |" for g in shown]
            out.append("")
    if r.strongest and r.weakest:
        out += [f"Strongest category: **{r.strongest.name}** ({pct(_value(r.strongest.tally))}); weakest: "
                f"**{r.weakest.name}** ({pct(_value(r.weakest.tally))}).", ""]
    out += ["## Diagrams", ""]
    if "categories" in charts:
        out += [f"![Diagram progress by category]({charts['categories']})", ""]
    d = r.diagrams
    out += [f"{d.diagrams:,} in the deck, {d.studied:,} studied, {d.mature:,} mature, {d.mastered:,} mastered: "
            f"{DIAGRAM_RULE}.", "", "| category | target | studied | mastered |", "| --- | ---: | ---: | ---: |"]
    out += [f"| {c.name} | {c.target} | {_of(c.tally.studied, c.target)} | {_of(c.tally.mastered, c.target)} |"
            for c in r.categories]
    target = sum(c.target for c in r.categories)
    out += [f"| **total** | {target} | {_of(sum(c.tally.studied for c in r.categories), target)} | "
            f"{_of(sum(c.tally.mastered for c in r.categories), target)} |", ""]
    if r.problematic:
        out += [f"Problematic diagrams ({PROBLEM_RULE}):", ""]
        out += [f"- {p.title}{f' ({p.category})' if p.category else ''}: "
                + ", ".join(x for x in ("leech" if p.leech else "", f"{p.lapses} lapses" if p.lapses else "",
                                        f"{p.lapses_in_window} in the window" if p.lapses_in_window else "") if x)
                for p in r.problematic[:20]]
        if len(r.problematic) > 20:
            out.append(f"- … and {len(r.problematic) - 20:,} more")
        out.append("")
    out += ["## Key results", "", "| KR | actual | target | expected by now | due week | |",
            "| --- | ---: | ---: | ---: | ---: | --- |"]
    for k in r.krs:
        kid, target_text, actual, expected, verdict = kr_line(k)
        out.append(f"| {kid} | {actual} | {target_text} | {expected} | {k.due_week} | {verdict} |")
    out += ["", "Linear pace: a count expects target × week / due week; a level (retention, score) expects its target.",
            ""]
    records = measure_lines(r.speed_draw.tests, r.speed_draw.mean_accuracy, r.measures)
    out += ["## Recorded", ""] + ([f"- {x}" for x in records] or ["- nothing recorded in the window"]) + [""]
    out += ["## What to do next", ""] + [f"- {a.message}" for a in r.actions]
    upcoming = next_week_line(r)
    if upcoming:
        out.append(f"- next: {upcoming}")
    out += ["", f"\\* fewer than {LOW_COUNT} reviews: too few to act on.", ""]
    return "\n".join(out)


def stem(r: Report) -> str:
    """The files' common name: ``week-03`` / ``weeks-01-04`` for the plan's weeks, else by the last day."""
    w = r.window
    if w.aligned and w.week is not None:
        first = max(1, w.week - 3)
        return f"weeks-{first:02d}-{w.week:02d}" if r.kind == "month" and first != w.week else f"week-{w.week:02d}"
    return f"{'month' if r.kind == 'month' else 'week'}-{w.last.isoformat()}"
