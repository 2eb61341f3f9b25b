"""``retag``: this week's tags on the deck's notes, and ``--undo``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

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
    read_settings,
    where_in_plan,
)
from companion.core.groups import COLUMNS, GroupCounts
from companion.core.tags import TagDiff

EPILOG = """\b
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

\b
Then the notes by phase and by tier (atlas::tier::N-slug, the study plan's seven groups
of content): how many are learning, young, mature, mastered, weak and in this week's plan.

""" + ENVIRONMENT


@click.command("retag", epilog=EPILOG, context_settings=CONTEXT)
@connection_options
@deck_option
@plan_options
@click.option("--dry-run", is_flag=True, help="Print the diff; change nothing.")
@click.option("--undo", is_flag=True, help="Revert the last retag (again to go further back).")
@click.option("--rollover", type=click.IntRange(0, 23), default=None,
              help="Hour Anki's next day starts.  [default: remembered, else 4]")
@click.option("--json", "as_json", is_flag=True, help="Print the diff as JSON.")
@errors
def retag_command(url: str, key: str | None, timeout: float, deck: str, start: dt.datetime | None,
                  study_path: str | None, plan_file: Path, dry_run: bool, undo: bool, rollover: int | None,
                  as_json: bool) -> None:
    """Re-tag the deck's notes for this week of the plan: current phase, week and next week,
    the DS status tags and the weak notes. Only changes are sent; --undo reverts a run.
    """
    from companion import retag as service

    if undo and (dry_run or start or study_path):
        raise CommandError("--undo takes no --dry-run, --start or --path: it reverts the last applied run")
    settings = read_settings(url, key, timeout)
    home = open_home(settings)
    client = client_for(settings)
    if undo:
        with open_deck(home, deck) as store:
            run, inverse = service.undo(client, store)
        if as_json:
            echo_json({"undone": run.id, "summary": run.summary, "changes": diff_json(inverse)})
        else:
            click.echo(f"undid retag run {run.id} ({run.summary}):")
            click.echo(diff_text(inverse))
        return
    clock = day_clock_for(home, rollover, settings.now)
    plan = load_plan(plan_file)
    pos = where_in_plan(plan, start, study_path, home, clock.today, required=True)
    assert pos is not None
    with open_deck(home, deck) as store:
        outcome = service.retag(client, store, deck, plan, pos, now=settings.now, target=kr5_target(plan),
                                dry_run=dry_run)
    if as_json:
        echo_json({"position": pos.describe(), "notes": outcome.notes, "dry_run": dry_run,
                   "applied": outcome.applied, "run": outcome.run, "requests": outcome.requests,
                   "changes": diff_json(outcome.diff), "groups": groups_json(outcome.groups)})
        return
    click.echo(f"retag {outcome.sync.deck}: {pos.describe()}, {outcome.notes:,} notes")
    if not outcome.diff.empty:
        click.echo(diff_text(outcome.diff))
    click.echo(groups_text(outcome.groups))
    if outcome.diff.empty:
        click.echo("nothing to change: every note's tags are up to date")
    elif dry_run:
        click.echo("dry run: nothing sent (run without --dry-run to apply)")
    else:
        click.echo(f"applied to {outcome.diff.notes:,} notes in {outcome.requests} requests "
                   f"(undo with: retag --undo)")


def diff_json(diff: TagDiff) -> list[dict[str, Any]]:
    return [{"tag": c.tag, "add": list(c.add), "remove": list(c.remove)} for c in diff.changes]


def diff_text(diff: TagDiff) -> str:
    width = max((len(c.tag) for c in diff.changes), default=0)
    lines = []
    for c in diff.changes:
        for sign, nids in (("-", c.remove), ("+", c.add)):
            if nids:
                sample = ", ".join(str(n) for n in nids[:3]) + (", …" if len(nids) > 3 else "")
                lines.append(f"  {sign} {c.tag:<{width}}  {len(nids):>6,} notes  ({sample})")
    return "\n".join(lines)


def groups_json(groups: dict[str, list[GroupCounts]]) -> dict[str, list[dict[str, Any]]]:
    return {name: [{"group": g.group, "notes": g.notes, **{c.replace(" ", "_"): g.counts[c] for c in COLUMNS}}
                   for g in rows] for name, rows in groups.items()}


def groups_text(groups: dict[str, list[GroupCounts]]) -> str:
    """The notes' statuses after the run, by phase and by tier (what the notes will carry)."""
    width = max([len(g.group) for rows in groups.values() for g in rows] + [14]) + 4
    lines = []
    for name, rows in groups.items():
        lines.append(f"{'By ' + name:<{width}}{'notes':>7}" + "".join(f"{c:>11}" for c in COLUMNS))
        for g in rows:
            lines.append(f"{'  ' + g.group:<{width}}{g.notes:>7,}" + "".join(f"{g.counts[c]:>11,}" for c in COLUMNS))
    return "\n".join(lines)
