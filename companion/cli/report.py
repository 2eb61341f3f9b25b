"""``report``: the plan's weekly progress report (``--month``: the monthly review) from Anki."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from companion.cli.common import (
    CONTEXT,
    ENVIRONMENT,
    CommandError,
    client_for,
    connection_options,
    day_clock_for,
    deck_option,
    echo_json,
    errors,
    kr5_target,
    load_plan,
    open_deck,
    open_home,
    plan_options,
    progress,
    read_settings,
    where_in_plan,
)
from companion.config import Settings
from companion.errors import AnkiTimeout, AnkiUnavailable
from companion.store import DeckStore

EPILOG = """\b
Examples:
  report                                  sync, then the last 7 review days
  report --start 2026-01-05 --path intensive   first time: KR pace and next week need them (remembered)
  report --week 3                         the plan's week 3
  report --month                          the monthly review: the last four weeks
  report --month --week 8                 weeks 5-8
  report --json > week.json               everything as JSON (keys in the README)
  report --week 3 --out ~/notes/atlas     also week-03.md with three PNG charts, for your notes
  report --offline                        from the cache only, Anki may be closed

\b
Days follow Anki's Reviews graph (every answer but manual reschedules; a day runs from
one second after the rollover), retention Anki's True Retention table. A diagram is
studied once any of its cards was answered, mastered when all its notes are (retag's
rule). Manual metrics come from `record`; speed-draw tests from `speed-draw record`.

""" + ENVIRONMENT


@click.command("report", epilog=EPILOG, context_settings=CONTEXT)
@connection_options
@deck_option
@plan_options
@click.option("--week", type=click.IntRange(min=1), default=None,
              help="The plan's week N (its seven days up to today).  [default: the last 7 review days]")
@click.option("--month", is_flag=True,
              help="The monthly review: four weeks (the last 28 review days, or weeks N-3 to N with --week).")
@click.option("--rollover", type=click.IntRange(0, 23), default=None,
              help="Hour Anki's next day starts (Preferences > Review).  [default: remembered, else 4]")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Also write the report as Markdown with three PNG charts into this folder.")
@click.option("--offline", is_flag=True, help="Do not sync: use the cached reviews only.")
@click.option("--resync", is_flag=True,
              help="Pull every review (and every diagram note's page) again; the old cache stays until that worked.")
@errors
def report_command(url: str, key: str | None, timeout: float, deck: str, start: dt.datetime | None,
                   study_path: str | None, plan_file: Path, week: int | None, month: bool, rollover: int | None,
                   as_json: bool, out_dir: Path | None, offline: bool, resync: bool) -> None:
    """The study plan's weekly progress report from your Anki reviews: reviews, answer buttons,
    minutes and new cards per day, true retention (young/mature, by category, tier and phase),
    problematic diagrams, diagram progress against the plan's 900, the six key results against
    a linear pace, what to do next and next week's plan. --month: the monthly review.
    """
    from companion import report_files, report_render
    from companion.report_weekly import build, choose_window

    if offline and resync:
        raise CommandError("--offline and --resync contradict each other: pick one")
    settings = read_settings(url, key, timeout)
    home = open_home(settings)
    clock = day_clock_for(home, rollover, settings.now)
    plan = load_plan(plan_file)
    pos = where_in_plan(plan, start, study_path, home, clock.today, required=week is not None)
    window = choose_window(clock, pos, week, month)
    with open_deck(home, deck) as store:
        name = _cached_name(store, deck) if offline else _sync(store, settings, deck, rebuild=resync)
        report = build(store.reviews, name, clock, plan, pos, window, kind="month" if month else "week",
                       target=kr5_target(plan), now=settings.now, results=store.records.results(),
                       measures=store.measures.all())
    files = report_files.write(report, out_dir) if out_dir is not None else []
    if as_json:
        echo_json(report_render.to_json(report, [str(f) for f in files]))
    else:
        click.echo(report_render.to_text(report), nl=False)
    if files:
        progress(f"wrote {', '.join(f.name for f in files)} to {out_dir}")


def _cached_name(store: DeckStore, deck: str) -> str:
    if store.reviews.summary().synced_at is None:
        raise CommandError(f'nothing cached for the deck "{deck}" yet: run report once without --offline')
    return store.reviews.deck_name() or deck


def _sync(store: DeckStore, settings: Settings, deck: str, *, rebuild: bool) -> str:
    from companion.report_sync import sync_for_report

    try:
        result = sync_for_report(client_for(settings), store.reviews, deck, now=settings.now, rebuild=rebuild)
    except (AnkiUnavailable, AnkiTimeout) as e:
        synced = store.reviews.summary().synced_at
        if synced is None:
            raise
        when = dt.datetime.fromtimestamp(synced).strftime("%Y-%m-%d %H:%M")
        raise CommandError(f"{e}; or run report --offline for the reviews cached on {when}") from e
    s = result.sync
    mapped = f", read {result.mapped:,} diagram notes" if result.mapped else ""
    progress(f"synced {s.new_reviews:,} new reviews ({s.cards:,} cards{mapped}, {result.requests} requests)")
    return s.deck
