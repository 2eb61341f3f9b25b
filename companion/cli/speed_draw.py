"""``speed-draw plan`` and ``speed-draw record``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from companion.cli.common import (
    CONTEXT,
    ENVIRONMENT,
    TimeOfDay,
    client_for,
    connection_options,
    day_clock_for,
    deck_option,
    echo_json,
    errors,
    load_plan,
    open_deck,
    open_home,
    plan_options,
    progress,
    read_settings,
    where_in_plan,
)

EPILOG = """\b
Examples:
  speed-draw plan                          this week's diagrams: checklist, calendar, tags
  speed-draw plan --count 7 --at 07:30     seven diagrams, session at 07:30 today
  speed-draw plan --date 2026-03-01        the session on another day
  speed-draw record 1712345678901 --accuracy 88 --seconds 215

""" + ENVIRONMENT


@click.group("speed-draw", epilog=EPILOG, context_settings=CONTEXT)
def speed_draw_group() -> None:
    """Speed-draw tests (DS protocol): draw a diagram from memory against the clock, score it."""


PLAN_EPILOG = """\b
Examples:
  speed-draw plan --start 2026-01-05 --path intensive   first time (start and path are remembered)
  speed-draw plan                                        then every week
  speed-draw plan --count 7 --at 07:30 --out ~/notes     seven diagrams, session at 07:30
  speed-draw plan --dry-run --json                       the choice only, nothing tagged or written

\b
Choice: speed-draw notes (atlas::card::speed-draw) of phases reached so far, not drawn in
the last 7 days, weakest first: lapses + 10 x (1 - retention) + 10 x (1 - last accuracy),
doubled for the current phase. Time limit by week (5/4/3/2 minutes in weeks 1-2/3-4/5-8/9+
of the 16-week plan, scaled for longer paths). The notes get atlas::speed-draw::YYYY-Www.
The checklist and calendar are prepared first: when --out cannot be written, nothing is tagged.

""" + ENVIRONMENT


@speed_draw_group.command("plan", epilog=PLAN_EPILOG, context_settings=CONTEXT)
@connection_options
@deck_option
@plan_options
@click.option("--count", type=click.IntRange(1, 50), default=5, show_default=True, help="Diagrams to draw.")
@click.option("--date", "session_date", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Day of the session.  [default: today]")
@click.option("--at", "at_time", type=TimeOfDay(), default="08:00", show_default=True, help="Session start.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the checklist and calendar.  [default: ATLAS_ANKI_HOME/speed-draw]")
@click.option("--dry-run", is_flag=True, help="Choose only: no tags, no files, nothing remembered.")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON instead of the checklist.")
@errors
def speed_draw_plan(url: str, key: str | None, timeout: float, deck: str, start: dt.datetime | None,
                    study_path: str | None, plan_file: Path, count: int, session_date: dt.datetime | None,
                    at_time: dt.time, out_dir: Path | None, dry_run: bool, as_json: bool) -> None:
    """Pick this week's diagrams, write the checklist (Markdown) and calendar (.ics), tag the notes."""
    from companion.core.speed_draw import checklist
    from companion.speeddraw import plan_week

    settings = read_settings(url, key, timeout)
    home = open_home(settings)
    clock = day_clock_for(home, None, settings.now)
    day = session_date.date() if session_date else clock.today
    plan = load_plan(plan_file)
    pos = where_in_plan(plan, start, study_path, home, day, required=True)
    assert pos is not None
    with open_deck(home, deck) as store:
        outcome = plan_week(client_for(settings), store, deck, plan, pos, now=settings.now,
                            session=dt.datetime.combine(day, at_time), count=count,
                            out_dir=None if dry_run else (out_dir or home.speed_draw), dry_run=dry_run)
    wp = outcome.week
    if as_json:
        echo_json({"week": wp.week, "where": wp.where, "minutes": wp.minutes, "date": wp.date.isoformat(),
                   "dry_run": dry_run, "checklist": str(outcome.markdown) if outcome.markdown else None,
                   "calendar": str(outcome.calendar) if outcome.calendar else None,
                   "tagged": outcome.tagged, "untagged": outcome.untagged,
                   "diagrams": [{"note": p.diagram.nid, "title": p.diagram.title, "score": p.score,
                                 "reason": p.reason} for p in wp.picks]})
    else:
        click.echo(checklist(wp), nl=False)
    if outcome.markdown:
        progress(f"checklist: {outcome.markdown}\ncalendar:  {outcome.calendar}\n"
                 f"tagged {outcome.tagged} notes atlas::speed-draw::{wp.week}"
                 + (f", untagged {outcome.untagged}" if outcome.untagged else ""))


RECORD_EPILOG = """\b
Examples:
  speed-draw record 1712345678901 --accuracy 88 --seconds 215
  speed-draw record 1712345678901 --accuracy 97 --seconds 170 --json

\b
Rubric (DS): 95-100% perfect (extend the interval), 85-94 excellent, 75-84 good,
65-74 acceptable (slight interval reduction), 50-64 needs work, below 50 failed
(reset to learning). Results show up in `retention`.

""" + ENVIRONMENT


@speed_draw_group.command("record", epilog=RECORD_EPILOG, context_settings=CONTEXT)
@click.argument("note_id", type=int)
@deck_option
@click.option("--accuracy", type=float, required=True, metavar="PCT", help="Overall accuracy, 0-100.")
@click.option("--seconds", type=int, required=True, metavar="N", help="Time you took, in seconds.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@errors
def speed_draw_record(note_id: int, deck: str, accuracy: float, seconds: int, as_json: bool) -> None:
    """Log a speed-draw result (NOTE_ID from the checklist) with its DS rubric band."""
    from companion.speeddraw import record

    settings = read_settings()
    home = open_home(settings)
    today = day_clock_for(home, None, settings.now).today
    with open_deck(home, deck) as store:
        rec = record(store, note_id, accuracy=accuracy, seconds=seconds, now=settings.now, today=today)
    r = rec.result
    if as_json:
        echo_json({"note": r.nid, "title": rec.title, "week": r.week, "accuracy": r.accuracy,
                   "seconds": r.seconds, "limit_seconds": r.limit_seconds, "in_time": r.in_time,
                   "band": r.band.name, "advice": r.band.advice})
        return
    limit = f" (limit {mmss(r.limit_seconds)}{'' if r.in_time else ', over time'})" if r.limit_seconds else ""
    title = rec.title or f"note {r.nid}"
    click.echo(f"recorded {title}: {r.accuracy:g}% in {mmss(r.seconds)}{limit}: {r.band.name}, {r.band.advice}")
    if not rec.planned:
        progress(f"note {r.nid} is in no speed-draw plan of this deck: recorded without a time limit")


def mmss(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"
