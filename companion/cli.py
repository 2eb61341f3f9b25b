"""The companion's commands: ``retention``, ``retag``, ``speed-draw``, ``push``.

Each one parses options into settings, calls the library, renders the result. Data goes to
stdout (tables, ``--json``, ``--csv``, the checklist), progress and diagnostics to stderr.
Library errors are turned into one line on stderr and exit code 1, here and nowhere else.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import time
from pathlib import Path
from typing import Any, Callable

import click

from deckbuilder.core.notes import ROOT_DECK
from deckbuilder.core.plan import PATH_NAMES, Plan
from deckbuilder.errors import DeckBuilderError

from companion import config
from companion.client import DEFAULT_TIMEOUT, DEFAULT_URL, AnkiConnect
from companion.core.retention import PERIOD_NAMES, day_clock
from companion.core.schedule import Position, position
from companion.errors import AnkiTimeout, AnkiUnavailable, CompanionError, ConfigError
from companion.store import Store

PROJECT_PLAN = Path(__file__).resolve().parent.parent / "cards" / "plan.yaml"
DEFAULT_PACKAGE = Path("build") / "atlas-distributed-systems.apkg"
CHART_WEEKS = 26  # weeks drawn by --chart unless --weeks says otherwise
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

ENVIRONMENT = """\b
Environment:
  ANKICONNECT_URL   AnkiConnect's address (same as --url; default http://127.0.0.1:8765)
  ANKICONNECT_KEY   AnkiConnect's API key, if one is set in its config (same as --key)
  ATLAS_ANKI_HOME   where the review cache, config and logs live
                    (default: the user data folder, e.g. ~/.local/share/atlas-anki)
"""


class CommandError(click.ClickException):
    """An error for the user, printed as ``<command>: <message>`` with exit code 1."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        ctx = click.get_current_context(silent=True)
        self.command = ctx.command_path if ctx else "atlas-anki"

    def show(self, file: Any = None) -> None:
        click.echo(f"{self.command}: {self.format_message()}", err=True)


def _errors(func: Callable[..., None]) -> Callable[..., None]:
    """Turn the library's exceptions (and the plan loader's) into :class:`CommandError`."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            func(*args, **kwargs)
        except (CompanionError, DeckBuilderError) as e:
            raise CommandError(str(e)) from e

    return wrapper


# ---------------------------------------------------------------------------------------
# Shared options and settings


def connection_options(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option("--timeout", type=click.FloatRange(min=0.1), default=DEFAULT_TIMEOUT, show_default=True,
                        help="Seconds to wait for each AnkiConnect request.")(func)
    func = click.option("--key", envvar="ANKICONNECT_KEY", default=None, show_envvar=True,
                        help="AnkiConnect API key (the apiKey of its config), if one is set.")(func)
    func = click.option("--url", envvar="ANKICONNECT_URL", default=DEFAULT_URL, show_default=True,
                        show_envvar=True, help="AnkiConnect's address.")(func)
    return func


def deck_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--deck", default=ROOT_DECK, show_default=True,
                        help="The deck (its subdecks included).")(func)


def plan_options(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option("--plan", "plan_file", type=click.Path(dir_okay=False, path_type=Path), default=PROJECT_PLAN,
                        show_default="the project's cards/plan.yaml", help="The study plan.")(func)
    func = click.option("--path", "study_path", type=click.Choice(PATH_NAMES), default=None,
                        help="Your study path (remembered after the first run).")(func)
    func = click.option("--start", type=click.DateTime(["%Y-%m-%d"]), default=None,
                        help="The day you started week 1, YYYY-MM-DD (remembered after the first run).")(func)
    return func


def _home() -> Path:
    return config.home_dir(os.environ)


def _client(url: str, key: str | None, timeout: float) -> AnkiConnect:
    return AnkiConnect(url, key or None, timeout=timeout)


def _now() -> int:
    return int(time.time())


def _clock(rollover: int | None, home: Path, now: int):
    from companion.report import local_offset

    hour = rollover if rollover is not None else (config.load(home).rollover or config.DEFAULT_ROLLOVER)
    if rollover is not None:
        config.remember(home, rollover=rollover)
    return day_clock(now, local_offset(now), hour)


def _load_plan(plan_file: Path) -> Plan:
    from deckbuilder.loader import load_plan

    return load_plan(plan_file)


def _position(plan: Plan, start: dt.datetime | None, study_path: str | None, home: Path, today: dt.date,
              required: bool) -> Position | None:
    remembered = config.load(home)
    start_date = start.date() if start else remembered.start
    path = study_path or remembered.path
    if start_date is None or path is None:
        if not required:
            return None
        missing = " and ".join(n for n, v in (("--start", start_date), ("--path", path)) if v is None)
        raise ConfigError(f"pass {missing} once (e.g. --start 2026-01-05 --path intensive): the first day of "
                          f"week 1 and your study path are remembered in {home / config.CONFIG_FILE}")
    config.remember(home, start=start_date, path=path)
    return position(plan, start_date, path, today)


def _kr5_target(plan: Plan) -> float:
    for kr in plan.key_results:
        if kr.id == "KR5" and "retention" in kr.target:
            return float(kr.target["retention"])
    return config.DEFAULT_TARGET


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _progress(message: str) -> None:
    click.echo(message, err=True)


# ---------------------------------------------------------------------------------------
# retention


RETENTION_EPILOG = """\b
Examples:
  retention                                   sync, then the table for the whole deck
  retention --json > retention.json           everything as JSON (Anki's table under true_retention)
  retention --tag atlas::phase::1-foundations only notes of phase 1
  retention --by atlas::topic --period week   retention per topic over the last 7 days
  retention --csv > retention.csv             the periods, weeks and breakdowns as one table
  retention --chart weekly.png                weekly retention against the 95% line
  retention --offline                         from the cache only, Anki may be closed
  retention --rollover 5                      if Anki's "next day starts at" is 5 (remembered)

""" + ENVIRONMENT


@click.command("retention", epilog=RETENTION_EPILOG, context_settings=CONTEXT)
@connection_options
@deck_option
@click.option("--tag", default=None, help="Only notes with this tag or a tag below it (Anki's tag:…).")
@click.option("--by", "breakdowns", multiple=True, metavar="TAG_ROOT",
              help="Break down by the tags below this root (repeatable). "
                   "[default: atlas::phase, atlas::category, atlas::level, atlas::card]")
@click.option("--period", type=click.Choice(PERIOD_NAMES), default="month", show_default=True,
              help="Period of the breakdowns and of the 24h/7d/30d recall.")
@click.option("--weeks", type=click.IntRange(min=1), default=None,
              help="Only the last N ISO weeks in the series.  [default: all; the table shows 12]")
@click.option("--target", type=click.FloatRange(0, 1), default=None,
              help="KR5 retention target.  [default: KR5's in plan.yaml, 0.95]")
@click.option("--rollover", type=click.IntRange(0, 23), default=None,
              help="Hour Anki's next day starts (Preferences > Review).  [default: remembered, else 4]")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV.")
@click.option("--chart", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also draw weekly retention against the target into this PNG (last 26 weeks, or --weeks).")
@click.option("--offline", is_flag=True, help="Do not sync: use the cached reviews only.")
@click.option("--resync", is_flag=True, help="Drop the cache and pull every review again.")
@_errors
def retention_command(url: str, key: str | None, timeout: float, deck: str, tag: str | None,
                      breakdowns: tuple[str, ...], period: str, weeks: int | None, target: float | None,
                      rollover: int | None, as_json: bool, as_csv: bool, chart: Path | None, offline: bool,
                      resync: bool) -> None:
    """True retention of the deck (Anki's True Retention table, exactly), an ISO-week series,
    breakdowns by tag, the 24-hour/7-day/30-day recall, the KR5 verdict and speed-draw results.

    Syncs the review log into a local cache first (only new rows after the first time).
    Reviews of the deck's subdecks count, and so do its cards sitting in a filtered deck.
    """
    from companion import render, report
    from companion.sync import sync

    if as_json and as_csv:
        raise CommandError("--json and --csv print different formats: pick one")
    if offline and resync:
        raise CommandError("--offline and --resync contradict each other: pick one")
    home = _home()
    now = _now()
    clock = _clock(rollover, home, now)
    plan = _load_plan(PROJECT_PLAN) if PROJECT_PLAN.exists() else None
    goal = target if target is not None else (_kr5_target(plan) if plan else config.DEFAULT_TARGET)
    pos = _position(plan, None, None, home, clock.today, required=False) if plan else None
    with Store.for_deck(home, deck) as store:
        name = deck
        if resync:
            store.clear()
        if not offline:
            roots = tuple(dict.fromkeys(("atlas", "leech", *(b.split("::")[0] for b in breakdowns),
                                         *([tag.split("::")[0]] if tag else []))))
            try:
                result = sync(_client(url, key, timeout), store, deck, now=now, tag_roots=roots)
            except (AnkiUnavailable, AnkiTimeout) as e:
                synced = store.summary().synced_at
                if synced is None:
                    raise
                when = dt.datetime.fromtimestamp(synced).strftime("%Y-%m-%d %H:%M")
                raise CommandError(f"{e}; or run retention --offline for the reviews cached on {when}") from e
            name = result.deck
            _progress(f"synced {result.new_reviews:,} new reviews ({result.cards:,} cards, "
                      f"{result.requests} requests)")
        elif store.summary().synced_at is None:
            raise CommandError(f'nothing cached for the deck "{deck}" yet: run retention once without --offline')
        rep = report.build(store, name, clock, tag=tag, breakdowns=breakdowns or report.DEFAULT_BREAKDOWNS,
                           breakdown_period=period, weeks=weeks, target=goal, position=pos)
    if chart is not None:
        from companion.chart import weekly_chart

        weekly_chart(rep.weeks[-(weeks or CHART_WEEKS):], goal, f"{name}{', ' + tag if tag else ''}: weekly true retention", chart)
        _progress(f"chart written to {chart}")
    if as_json:
        _echo_json(render.to_json(rep))
    elif as_csv:
        click.echo(render.to_csv(rep), nl=False)
    else:
        click.echo(render.to_text(rep, weeks_shown=weeks or 12), nl=False)


# ---------------------------------------------------------------------------------------
# retag


RETAG_EPILOG = """\b
Examples:
  retag --start 2026-01-05 --path intensive --dry-run   show the changes, send nothing
  retag --start 2026-01-05 --path intensive             apply (start and path are remembered)
  retag                                                 the weekly run
  retag --undo                                          put back the tags the last run changed

\b
Tags written (only these, only on notes of the deck):
  atlas::now::phase      notes of the current phase
  atlas::now::week       notes of the current week of your path
  atlas::now::upcoming   notes of next week
  atlas::status::learning|young|mature|mastered
                         first week since the first answer | weeks 2-4 | later |
                         later and >= 95% of the last 20 answers passed (at least 4)
  atlas::weak            leeches (6+ lapses or Anki's leech tag), or < 80% of the
                         last 10 answers passed (at least 3)

""" + ENVIRONMENT


@click.command("retag", epilog=RETAG_EPILOG, context_settings=CONTEXT)
@connection_options
@deck_option
@plan_options
@click.option("--dry-run", is_flag=True, help="Print the diff; change nothing.")
@click.option("--undo", is_flag=True, help="Revert the last retag (again to go further back).")
@click.option("--rollover", type=click.IntRange(0, 23), default=None,
              help="Hour Anki's next day starts.  [default: remembered, else 4]")
@click.option("--json", "as_json", is_flag=True, help="Print the diff as JSON.")
@_errors
def retag_command(url: str, key: str | None, timeout: float, deck: str, start: dt.datetime | None,
                  study_path: str | None, plan_file: Path, dry_run: bool, undo: bool, rollover: int | None,
                  as_json: bool) -> None:
    """Re-tag the deck's notes for this week of the plan: current phase, week and next week,
    the DS status tags and the weak notes. Only changes are sent; --undo reverts a run.
    """
    from companion import retag as service

    home = _home()
    client = _client(url, key, timeout)
    if undo:
        if dry_run or start or study_path:
            raise CommandError("--undo takes no --dry-run, --start or --path: it reverts the last applied run")
        with Store.for_deck(home, deck) as store:
            run, inverse = service.undo(client, store)
        if as_json:
            _echo_json({"undone": run.id, "summary": run.summary, "changes": _diff_json(inverse)})
        else:
            click.echo(f"undid retag run {run.id} ({run.summary}):")
            click.echo(_diff_text(inverse))
        return
    now = _now()
    clock = _clock(rollover, home, now)
    plan = _load_plan(plan_file)
    pos = _position(plan, start, study_path, home, clock.today, required=True)
    assert pos is not None
    with Store.for_deck(home, deck) as store:
        outcome = service.retag(client, store, deck, plan, pos, now=now, target=_kr5_target(plan), dry_run=dry_run)
    if as_json:
        _echo_json({"position": pos.describe(), "notes": outcome.notes, "dry_run": dry_run,
                    "applied": outcome.applied, "run": outcome.run, "requests": outcome.requests,
                    "changes": _diff_json(outcome.diff)})
        return
    click.echo(f"retag {outcome.sync.deck}: {pos.describe()}, {outcome.notes:,} notes")
    if outcome.diff.empty:
        click.echo("nothing to change: every note's tags are up to date")
        return
    click.echo(_diff_text(outcome.diff))
    if dry_run:
        click.echo("dry run: nothing sent (run without --dry-run to apply)")
    else:
        click.echo(f"applied to {outcome.diff.notes:,} notes in {outcome.requests} requests "
                   f"(undo with: retag --undo)")


def _diff_json(diff: Any) -> list[dict[str, Any]]:
    return [{"tag": c.tag, "add": list(c.add), "remove": list(c.remove)} for c in diff.changes]


def _diff_text(diff: Any) -> str:
    width = max((len(c.tag) for c in diff.changes), default=0)
    lines = []
    for c in diff.changes:
        for sign, nids in (("-", c.remove), ("+", c.add)):
            if nids:
                sample = ", ".join(str(n) for n in nids[:3]) + (", …" if len(nids) > 3 else "")
                lines.append(f"  {sign} {c.tag:<{width}}  {len(nids):>6,} notes  ({sample})")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------
# speed-draw


SPEED_DRAW_EPILOG = """\b
Examples:
  speed-draw plan                          this week's diagrams: checklist, calendar, tags
  speed-draw plan --count 7 --at 07:30     seven diagrams, session at 07:30 today
  speed-draw plan --date 2026-03-01        the session on another day
  speed-draw record 1712345678901 --accuracy 88 --seconds 215

""" + ENVIRONMENT


@click.group("speed-draw", epilog=SPEED_DRAW_EPILOG, context_settings=CONTEXT)
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

""" + ENVIRONMENT


@speed_draw_group.command("plan", epilog=PLAN_EPILOG, context_settings=CONTEXT)
@connection_options
@deck_option
@plan_options
@click.option("--count", type=click.IntRange(1, 50), default=5, show_default=True, help="Diagrams to draw.")
@click.option("--date", "session_date", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Day of the session.  [default: today]")
@click.option("--at", "at_time", default="08:00", show_default=True, metavar="HH:MM", help="Session start.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the checklist and calendar.  [default: ATLAS_ANKI_HOME/speed-draw]")
@click.option("--dry-run", is_flag=True, help="Choose only: no tags, no files, nothing remembered.")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON instead of the checklist.")
@_errors
def speed_draw_plan(url: str, key: str | None, timeout: float, deck: str, start: dt.datetime | None,
                    study_path: str | None, plan_file: Path, count: int, session_date: dt.datetime | None,
                    at_time: str, out_dir: Path | None, dry_run: bool, as_json: bool) -> None:
    """Pick this week's diagrams, write the checklist (Markdown) and calendar (.ics), tag the notes."""
    from companion.core.speed_draw import checklist
    from companion.speeddraw import plan_week

    try:
        hour, minute = (int(x) for x in at_time.split(":"))
        session_time = dt.time(hour, minute)
    except ValueError:
        raise CommandError(f"--at {at_time!r} is not a time: use HH:MM, e.g. --at 07:30") from None
    home = _home()
    now = _now()
    clock = _clock(None, home, now)
    day = session_date.date() if session_date else clock.today
    plan = _load_plan(plan_file)
    pos = _position(plan, start, study_path, home, day, required=True)
    assert pos is not None
    with Store.for_deck(home, deck) as store:
        outcome = plan_week(_client(url, key, timeout), store, deck, plan, pos, now=now,
                            session=dt.datetime.combine(day, session_time), count=count,
                            out_dir=None if dry_run else (out_dir or home / "speed-draw"), dry_run=dry_run)
    wp = outcome.week
    if as_json:
        _echo_json({"week": wp.week, "where": wp.where, "minutes": wp.minutes, "date": wp.date.isoformat(),
                    "dry_run": dry_run, "checklist": str(outcome.markdown) if outcome.markdown else None,
                    "calendar": str(outcome.calendar) if outcome.calendar else None,
                    "tagged": outcome.tagged, "untagged": outcome.untagged,
                    "diagrams": [{"note": p.diagram.nid, "title": p.diagram.title, "score": p.score,
                                  "reason": p.reason} for p in wp.picks]})
    else:
        click.echo(checklist(wp), nl=False)
    if outcome.markdown:
        _progress(f"checklist: {outcome.markdown}\ncalendar:  {outcome.calendar}\n"
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
@_errors
def speed_draw_record(note_id: int, deck: str, accuracy: float, seconds: int, as_json: bool) -> None:
    """Log a speed-draw result (NOTE_ID from the checklist) with its DS rubric band."""
    from companion.speeddraw import record

    home = _home()
    now = _now()
    today = _clock(None, home, now).today
    with Store.for_deck(home, deck) as store:
        rec = record(store, note_id, accuracy=accuracy, seconds=seconds, now=now, today=today)
    r = rec.result
    if as_json:
        _echo_json({"note": r.nid, "title": rec.title, "week": r.week, "accuracy": r.accuracy,
                    "seconds": r.seconds, "limit_seconds": r.limit_seconds, "in_time": r.in_time,
                    "band": r.band.name, "advice": r.band.advice})
        return
    limit = f" (limit {_mmss(r.limit_seconds)}{'' if r.in_time else ', over time'})" if r.limit_seconds else ""
    title = rec.title or f"note {r.nid}"
    click.echo(f"recorded {title}: {r.accuracy:g}% in {_mmss(r.seconds)}{limit}: {r.band.name}, {r.band.advice}")
    if not rec.planned:
        _progress(f"note {r.nid} is in no speed-draw plan of this deck: recorded without a time limit")


def _mmss(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"


# ---------------------------------------------------------------------------------------
# push


PUSH_EPILOG = """\b
Examples:
  push                                          import build/atlas-distributed-systems.apkg
  push ~/Downloads/atlas-distributed-systems.apkg
  push --url http://127.0.0.1:8765 --key SECRET

\b
The path is opened by Anki itself, so Anki must run on this machine. Notes whose source
changed replace the copy in Anki, tags included: run `retag` afterwards to put the
atlas::now/status/weak tags back. When AnkiConnect cannot import (recent Anki versions
removed the importer it uses), import the file by hand: File > Import... in Anki.

""" + ENVIRONMENT


@click.command("push", epilog=PUSH_EPILOG, context_settings=CONTEXT)
@click.argument("package", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_PACKAGE)
@connection_options
@deck_option
@_errors
def push_command(package: Path, url: str, key: str | None, timeout: float, deck: str) -> None:
    """Import a built .apkg (default build/atlas-distributed-systems.apkg) into the running Anki."""
    from companion.push import push

    outcome = push(_client(url, key, timeout), package, deck)
    click.echo(f"imported {outcome.package}: the deck \"{outcome.deck}\" has {outcome.cards:,} cards")
    _progress("notes that changed were replaced with their tags: run `retag` to restore atlas::now/status/weak")


# ---------------------------------------------------------------------------------------
# console scripts


def retention_main() -> None:
    retention_command(prog_name="retention")


def retag_main() -> None:
    retag_command(prog_name="retag")


def speed_draw_main() -> None:
    speed_draw_group(prog_name="speed-draw")


def push_main() -> None:
    push_command(prog_name="push")
