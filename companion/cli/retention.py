"""``retention``: sync the review cache, then Anki's True Retention table and the rest of the report."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from companion import config
from companion.cli.common import (
    CONTEXT,
    ENVIRONMENT,
    PROJECT_PLAN,
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
    progress,
    read_settings,
    where_in_plan,
)
from companion.core.retention import PERIOD_NAMES
from companion.errors import AnkiTimeout, AnkiUnavailable
from companion.store import DeckStore

CHART_WEEKS = 26  # weeks drawn by --chart unless --weeks says otherwise

EPILOG = """\b
Examples:
  retention                                   sync, then the table for the whole deck
  retention --json > retention.json           everything as JSON (Anki's table under true_retention)
  retention --tag atlas::phase::1-foundations only notes of phase 1
  retention --by atlas::topic --period week   retention per topic over the last 7 days
  retention --by atlas::tier                  retention per tier of the study plan
  retention --csv > retention.csv             the periods, weeks and breakdowns as one table
  retention --chart weekly.png                weekly retention against the 95% line
  retention --offline                         from the cache only, Anki may be closed
  retention --rollover 5                      if Anki's "next day starts at" is 5 (remembered)

""" + ENVIRONMENT


@click.command("retention", epilog=EPILOG, context_settings=CONTEXT)
@connection_options
@deck_option
@click.option("--tag", default=None, help="Only notes with this tag or a tag below it (Anki's tag:…).")
@click.option("--by", "breakdowns", multiple=True, metavar="TAG_ROOT",
              help="Break down by the tags below this root (repeatable). "
                   "[default: atlas::phase, atlas::tier, atlas::category, atlas::level, atlas::card]")
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
@click.option("--resync", is_flag=True,
              help="Pull every review again and replace the cache with them (the old cache stays until that worked).")
@errors
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

    if as_json and as_csv:
        raise CommandError("--json and --csv print different formats: pick one")
    if offline and resync:
        raise CommandError("--offline and --resync contradict each other: pick one")
    settings = read_settings(url, key, timeout)
    home = open_home(settings)
    clock = day_clock_for(home, rollover, settings.now)
    plan = load_plan(PROJECT_PLAN) if PROJECT_PLAN.exists() else None
    goal = target if target is not None else (kr5_target(plan) if plan else config.DEFAULT_TARGET)
    pos = where_in_plan(plan, None, None, home, clock.today, required=False) if plan else None
    with open_deck(home, deck) as store:
        if offline:
            name = _cached_name(store, deck)
        else:
            name = _sync(store, settings, deck, tag, breakdowns, rebuild=resync)
        rep = report.build(store.reviews, name, clock, tag=tag, breakdowns=breakdowns or report.DEFAULT_BREAKDOWNS,
                           breakdown_period=period, weeks=weeks, target=goal, position=pos,
                           results=store.records.results())
    if chart is not None:
        from companion.chart import weekly_chart

        weekly_chart(rep.weeks[-(weeks or CHART_WEEKS):], goal, f"{name}{', ' + tag if tag else ''}: weekly true retention", chart)
        progress(f"chart written to {chart}")
    if as_json:
        echo_json(render.to_json(rep))
    elif as_csv:
        click.echo(render.to_csv(rep), nl=False)
    else:
        click.echo(render.to_text(rep, weeks_shown=weeks or 12), nl=False)


def _cached_name(store: DeckStore, deck: str) -> str:
    """The deck's name as Anki spelt it at the last sync, or an error if it was never synced."""
    if store.reviews.summary().synced_at is None:
        raise CommandError(f'nothing cached for the deck "{deck}" yet: run retention once without --offline')
    return store.reviews.deck_name() or deck


def _sync(store: DeckStore, settings: config.Settings, deck: str, tag: str | None, breakdowns: tuple[str, ...],
          *, rebuild: bool) -> str:
    """Sync (or rebuild) the cache; returns the deck's name as Anki spells it."""
    from companion.sync import sync

    roots = tuple(dict.fromkeys(("atlas", "leech", *(b.split("::")[0] for b in breakdowns),
                                 *([tag.split("::")[0]] if tag else []))))
    try:
        result = sync(client_for(settings), store.reviews, deck, now=settings.now, tag_roots=roots, rebuild=rebuild)
    except (AnkiUnavailable, AnkiTimeout) as e:
        synced = store.reviews.summary().synced_at
        if synced is None:
            raise
        when = dt.datetime.fromtimestamp(synced).strftime("%Y-%m-%d %H:%M")
        raise CommandError(f"{e}; or run retention --offline for the reviews cached on {when}") from e
    progress(f"synced {result.new_reviews:,} new reviews ({result.cards:,} cards, {result.requests} requests)")
    return result.deck
