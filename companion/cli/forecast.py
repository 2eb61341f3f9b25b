"""``forecast``: reviews due per day for the next 30 days, their minutes, FSRS retention predictions."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from companion.cli.common import (
    CONTEXT,
    ENVIRONMENT,
    PROJECT_PLAN,
    client_for,
    connection_options,
    day_clock_for,
    deck_option,
    echo_json,
    errors,
    load_plan,
    open_deck,
    open_home,
    progress,
    read_settings,
)
from companion.core.forecast import FORECAST_DAYS

if TYPE_CHECKING:
    from companion.forecast import ForecastOutcome

EPILOG = """\b
Examples:
  forecast                          the next 30 days, minutes against 30 a day
  forecast --json > forecast.json   as JSON: due [{date, cards, minutes}] and retention
  forecast --chart forecast.png     minutes per day against the target line
  forecast --by tier                FSRS predictions per tier instead of per category
  forecast --rollover 5             if Anki's "next day starts at" is 5 (remembered)

\b
Cards due per day are Anki's Future Due graph for the deck (Statistics, day 0 = today;
the overdue backlog apart). Minutes: cards x your mean time per review answer over the last
30 days (all time when there are none). With FSRS on, the retention predicted today, in 7
and in 30 days if nothing is reviewed: the mean recall probability of the cards, from their
review history through the FSRS scheduler Anki uses, with their presets' parameters.

""" + ENVIRONMENT


@click.command("forecast", epilog=EPILOG, context_settings=CONTEXT)
@connection_options
@deck_option
@click.option("--days", type=click.IntRange(1, 365), default=FORECAST_DAYS, show_default=True,
              help="Days to forecast, today included.")
@click.option("--target-minutes", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Daily review time to stay within.  [default: plan.yaml's daily_review_minutes, 30]")
@click.option("--plan", "plan_file", type=click.Path(dir_okay=False, path_type=Path), default=PROJECT_PLAN,
              show_default="the project's cards/plan.yaml", help="The study plan (for its daily review minutes).")
@click.option("--by", "group_by", type=click.Choice(["category", "tier", "phase"]), default="category",
              show_default=True, help="Group the FSRS retention predictions by these tags.")
@click.option("--rollover", type=click.IntRange(0, 23), default=None,
              help="Hour Anki's next day starts (Preferences > Review).  [default: remembered, else 4]")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--chart", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also draw the minutes per day against the target into this PNG.")
@errors
def forecast_command(url: str, key: str | None, timeout: float, deck: str, days: int, target_minutes: float | None,
                     plan_file: Path, group_by: str, rollover: int | None, as_json: bool, chart: Path | None) -> None:
    """Reviews due per day (equal to Anki's Future Due graph), the daily minutes they take
    at your own pace against the target, and, with FSRS on, the retention it predicts.
    """
    from companion.forecast import forecast, outcome_json

    if target_minutes is None:
        target_minutes = float(load_plan(plan_file).daily_review_minutes)
    settings = read_settings(url, key, timeout)
    home = open_home(settings)
    clock = day_clock_for(home, rollover, settings.now)
    with open_deck(home, deck) as store:
        outcome = forecast(client_for(settings), store, deck, clock, now=settings.now, days=days,
                           target_minutes=target_minutes, group_by=group_by)
    progress(f"synced {outcome.sync.new_reviews:,} new reviews ({outcome.sync.cards:,} cards, "
             f"{outcome.sync.requests} requests)")
    if chart is not None:
        from companion.chart import forecast_chart

        forecast_chart(outcome.workload, f"{outcome.deck}: review due per day, today first", chart)
        progress(f"chart written to {chart}")
    if as_json:
        echo_json(outcome_json(outcome))
    else:
        click.echo(text(outcome), nl=False)


def _minutes(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def text(outcome: ForecastOutcome) -> str:
    w = outcome.workload
    t = w.answer_time
    lines = [f"Forecast: {outcome.deck}, next {len(w.days)} days (Anki's Future Due; day 0 is today)"]
    if t.seconds is None:
        lines.append("No review answers yet: minutes are unknown until you have reviewed some cards.")
    else:
        where = f"the last {t.window_days} days" if t.window_days else "all time"
        lines.append(f"{t.seconds:.1f} s per review (your mean over {t.answers:,} review answers, {where}); "
                     f"target {w.target_minutes:g} min a day")
    if w.overdue:
        lines.append(f"Overdue: {w.overdue:,} cards due before today ({_minutes(w.minutes(w.overdue))} min)")
    lines += ["", f"{'date':<12}{'day':>4}{'cards':>7}{'minutes':>9}"]
    for d in w.days:
        over = "  over target" if d in w.over_target else ""
        size = d.minutes / w.target_minutes * 20 if d.minutes is not None else d.cards / 5  # target = 20 #
        bar = "#" * min(60, round(size))
        lines.append(f"{d.date.isoformat():<12}{d.day:>4}{d.cards:>7,}{_minutes(d.minutes):>9}  {bar}{over}")
    total = w.total
    mean = w.minutes(total)
    summary = f"Total {total:,} reviews"
    if mean is not None:
        summary += (f", {mean / len(w.days):.1f} min a day on average; {len(w.over_target)} of {len(w.days)} days "
                    f"over {w.target_minutes:g} min")
    lines += ["", summary + "."]
    if outcome.unplaced_buried:
        lines.append(f"({outcome.unplaced_buried} buried cards in filtered decks are not counted.)")
    lines.append("")
    r = outcome.retention
    if r is None:
        lines.append("FSRS is off (no card of the deck has a memory state): no retention prediction. Switch it on in "
                     "Anki (apply-options prints how).")
    else:
        width = max([len(row.group) for row in r.rows] + [12]) + 2
        lines.append(f"Predicted retention without review (FSRS), by {r.group_by}:")
        lines.append(f"  {'':<{width}}{'cards':>7}{'today':>9}{'in 7 days':>11}{'in 30 days':>12}")
        for row in r.rows:
            p = row.predicted
            lines.append(f"  {row.group or '(whole deck)':<{width}}{row.cards:>7,}{p.get(0, 0):>9.1%}"
                         f"{p.get(7, 0):>11.1%}{p.get(30, 0):>12.1%}")
        if r.cards_without_history:
            lines.append(f"  ({r.cards_without_history} cards with a memory state have no review history the "
                         f"scheduler can use: left out)")
    return "\n".join(lines) + "\n"
