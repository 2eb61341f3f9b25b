"""Text, CSV and JSON renderings of the retention report (pure: strings and dicts out)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from companion.core.retention import PERIOD_NAMES, RECALL_WINDOWS, Tally
from companion.core.stats import LOW_COUNT, Rate, rates
from companion.report import Report

PERIOD_LABELS = {"today": "today", "yesterday": "yesterday", "week": "last 7 days", "month": "last 30 days",
                 "year": "last 365 days", "all": "all time"}


def _rate_dict(tally: Tally) -> dict[str, Any]:
    return {kind: rate.as_dict() for kind, rate in rates(tally).items()}


def _iso(ts: int | None) -> str | None:
    return None if ts is None else dt.datetime.fromtimestamp(ts, dt.timezone.utc).isoformat().replace("+00:00", "Z")


def to_json(report: Report) -> dict[str, Any]:
    r = report
    return {
        "deck": r.deck,
        "tag": r.tag,
        "day_cutoff": r.clock.next_day_start,
        "rollover_hour": r.clock.rollover_hour,
        "today": r.clock.today.isoformat(),
        "true_retention": {name: r.periods[name].as_dict() for name in PERIOD_NAMES},
        "rates": {name: _rate_dict(r.periods[name]) for name in PERIOD_NAMES},
        "weeks": [{"week": w.week, "start": w.start.isoformat(), "partial": w.partial, **w.tally.as_dict(),
                   **_rate_dict(w.tally)}
                  for w in r.weeks],
        "breakdown_period": r.breakdown_period,
        "breakdowns": {root: [{"tag": g.tag, **g.tally.as_dict(), **_rate_dict(g.tally)} for g in rows]
                       for root, rows in r.breakdowns.items()},
        "recall_after": {w.name: {"window": w.label, **r.recall[w.name].as_dict(), **_rate_dict(r.recall[w.name])}
                         for w in RECALL_WINDOWS},
        "kr5": {"status": r.verdict.status, "target": r.verdict.target,
                "retention": r.verdict.retention.as_dict(), "speed_draw_mean": r.verdict.speed_draw_mean,
                "speed_draw_tests": r.verdict.speed_draw_tests, "message": r.verdict.message},
        "speed_draw": {
            "weeks": [{"week": w.week, "tests": w.tests, "mean_accuracy": w.mean_accuracy,
                       "mean_seconds": w.mean_seconds, "in_time": w.in_time, "bands": w.bands}
                      for w in r.speed_draw_weeks],
            "results": [{"note": x.nid, "at": _iso(x.at), "week": x.week, "accuracy": x.accuracy,
                         "seconds": x.seconds, "limit_seconds": x.limit_seconds, "band": x.band.name}
                        for x in r.speed_draw_results],
        },
        "plan": None if r.position is None else {
            "start": r.position.start.isoformat(), "path": r.position.path, "week": r.position.week,
            "weeks": r.position.weeks, "phase": r.position.phase.number, "phase_title": r.position.phase.title},
        "cache": {"reviews": r.cache.reviews, "cards": r.cache.cards, "notes": r.cache.notes,
                  "synced_at": _iso(r.cache.synced_at)},
    }


CSV_FIELDS = ("section", "name", "period", "young_passed", "young_failed", "mature_passed", "mature_failed",
              "retention", "low", "high", "low_count")


def to_csv(report: Report) -> str:
    """One long table: Anki's periods, the weeks, each breakdown group and the recall windows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_FIELDS)

    def row(section: str, name: str, period_name: str, tally: Tally) -> None:
        rate = Rate(tally.passed, tally.failed).as_dict()
        writer.writerow([section, name, period_name, tally.young_passed, tally.young_failed, tally.mature_passed,
                         tally.mature_failed, _num(rate["retention"]), _num(rate["low"]), _num(rate["high"]),
                         str(rate["low_count"]).lower()])

    for name in PERIOD_NAMES:
        row("period", name, name, report.periods[name])
    for w in report.weeks:
        row("week", w.week, "iso-week", w.tally)
    for root, groups in report.breakdowns.items():
        for g in groups:
            row(f"tag:{root}", g.tag, report.breakdown_period, g.tally)
    for w in RECALL_WINDOWS:
        row("recall_after", w.name, report.breakdown_period, report.recall[w.name])
    return out.getvalue()


def _num(value: object) -> str:
    return "" if value is None else f"{value:.6f}".rstrip("0").rstrip(".")


# ---------------------------------------------------------------------------------------
# The readable table


def _pct(rate: Rate) -> str:
    if rate.total == 0:
        return "—"
    return f"{rate.value:.1%}"


def _cell(rate: Rate, flag: bool = True) -> str:
    if rate.total == 0:
        return "—"
    mark = "*" if flag and rate.low_count else ""
    return f"{rate.value:6.1%} {rate.passed}/{rate.total}{mark}"


def _ci(rate: Rate) -> str:
    interval = rate.interval
    return f"{interval[0]:.1%}–{interval[1]:.1%}" if interval else "—"


def to_text(report: Report, weeks_shown: int = 12) -> str:
    r = report
    scope = f"{r.deck}" + (f", tag {r.tag}" if r.tag else "")
    lines = [f"True retention: {scope}",
             f"(Anki's rules; review days start at {r.clock.rollover_hour:02d}:00; today is {r.clock.today.isoformat()}; "
             f"{r.cache.reviews:,} reviews of {r.cache.cards:,} cards cached)"]
    if r.position is not None:
        lines.append(f"Plan: {r.position.describe()}")
    lines += ["", f"{'period':<14}{'young':>20}{'mature':>20}{'total':>20}  95% CI (total)"]
    for name in PERIOD_NAMES:
        rs = rates(r.periods[name])
        lines.append(f"{PERIOD_LABELS[name]:<14}{_cell(rs['young']):>20}{_cell(rs['mature']):>20}"
                     f"{_cell(rs['total']):>20}  {_ci(rs['total'])}")
    lines += ["", r.verdict.message, ""]
    lines.append(f"Recall after a delay ({PERIOD_LABELS[r.breakdown_period]}):")
    for w in RECALL_WINDOWS:
        rate = rates(r.recall[w.name])["total"]
        lines.append(f"  {w.name:<5}{_cell(rate):>20}  {_ci(rate):<14} {w.label}")
    shown = r.weeks[-weeks_shown:]
    lines += ["", f"Weekly retention (ISO weeks, last {len(shown)}):"]
    for w in shown:
        rate = rates(w.tally)["total"]
        bar = "" if rate.value is None else "#" * round(rate.value * 40)
        lines.append(f"  {w.week}{'…' if w.partial else ' '} {_cell(rate):>20}  {_ci(rate):<14} {bar}")
    for root, groups in r.breakdowns.items():
        names = [g.tag[len(root) + 2:] for g in groups]
        width = max([len(n) + 2 for n in names] + [len(root) + 4])
        lines += ["", f"{'By ' + root:<{width}}{'young':>18}{'mature':>18}{'total':>18}  95% CI (total), "
                      f"{PERIOD_LABELS[r.breakdown_period]}"]
        if not groups:
            lines.append("  (no notes with these tags)")
        for name, g in zip(names, groups):
            rs = rates(g.tally)
            lines.append(f"{'  ' + name:<{width}}{_cell(rs['young']):>18}{_cell(rs['mature']):>18}"
                         f"{_cell(rs['total']):>18}  {_ci(rs['total'])}")
    if r.speed_draw_weeks:
        lines += ["", "Speed-draw tests:"]
        for w in r.speed_draw_weeks[-weeks_shown:]:
            bands = ", ".join(f"{n} {name}" for name, n in w.bands.items() if n)
            lines.append(f"  {w.week}  {w.tests} tests, mean {w.mean_accuracy:.1f}%, "
                         f"mean {w.mean_seconds / 60:.1f} min, {w.in_time} in time ({bands})")
    lines += ["", f"* fewer than {LOW_COUNT} reviews: too few to act on."]
    return "\n".join(lines) + "\n"
