"""``apply-options``: the plan's deck options on the deck and its subdecks; ``--dry-run``, ``--undo``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from companion.cli.common import (
    CONTEXT,
    ENVIRONMENT,
    PROJECT_PLAN,
    CommandError,
    client_for,
    connection_options,
    deck_option,
    echo_json,
    errors,
    kr5_target,
    load_plan,
    open_deck,
    open_home,
    read_settings,
)
from companion.core.options import (
    COMPLEXITIES,
    OptionsDiff,
    PresetChange,
    complexity_label,
    manual_steps,
    show_value,
)

EPILOG = """\b
Examples:
  apply-options --dry-run          show what would change, send nothing
  apply-options                    apply (a second run changes nothing)
  apply-options --undo             put back what the last run changed
  apply-options --json --dry-run   the difference as JSON

\b
Presets, all named for the deck (deck_options.preset in plan.yaml): the plan's values, with
new cards/day by complexity. "<preset>" (simple: 15/day) goes to the root deck, whose limit
caps the day, and to subdecks of simple cards; "<preset> (moderate)", "(complex)" and
"(very complex)" to the others. A subdeck's complexity is that of its median card: its note's
atlas::complexity:: tag, else its level (recognition simple, recall moderate, application
complex, analysis very complex); without either, its parent's. A preset is only changed when
it has one of these names and no deck outside the tree uses it (Anki's Default never is).
FSRS is a switch of the whole collection that AnkiConnect cannot set: the steps in Anki are
printed. --undo may make Anki ask to confirm a one-way sync (it removes presets).

""" + ENVIRONMENT


@click.command("apply-options", epilog=EPILOG, context_settings=CONTEXT)
@connection_options
@deck_option
@click.option("--plan", "plan_file", type=click.Path(dir_okay=False, path_type=Path), default=PROJECT_PLAN,
              show_default="the project's cards/plan.yaml", help="The study plan (its deck_options).")
@click.option("--preset", default=None, help="Name the presets after this.  [default: deck_options.preset]")
@click.option("--dry-run", is_flag=True, help="Print the difference; change nothing.")
@click.option("--undo", is_flag=True, help="Put back what the last run changed (again to go further back).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@errors
def apply_options_command(url: str, key: str | None, timeout: float, deck: str, plan_file: Path,
                          preset: str | None, dry_run: bool, undo: bool, as_json: bool) -> None:
    """Give the deck and its subdecks presets holding the plan's deck options (cards/plan.yaml),
    new cards per day by each subdeck's typical complexity. Only changes are sent.
    """
    from companion import options as service

    if undo and (dry_run or preset):
        raise CommandError("--undo takes no --dry-run or --preset: it puts back what the last run changed")
    settings = read_settings(url, key, timeout)
    home = open_home(settings)
    client = client_for(settings)
    if undo:
        with open_deck(home, deck) as store:
            run = service.undo(client, store)
        if as_json:
            echo_json({"undone": run.id, "decks": dict(run.decks), "presets_restored": [p.get("name") for p in
                       run.presets], "presets_removed": list(run.created)})
        else:
            click.echo(f"undid apply-options run {run.id}: {len(run.decks)} decks have their presets back, "
                       f"{len(run.presets)} presets restored, {len(run.created)} presets removed")
        return
    plan = load_plan(plan_file)
    if plan.deck_options is None:
        raise CommandError(f"{plan_file} has no deck_options: add them (see cards/plan.yaml)")
    base = preset or plan.deck_options.preset
    target = kr5_target(plan)
    with open_deck(home, deck) as store:
        outcome = service.apply_options(client, store, deck, plan.deck_options, base, target,
                                        now=settings.now, dry_run=dry_run)
    steps = manual_steps(plan.deck_options, outcome.diff.deck, base, target)
    if as_json:
        echo_json({"deck": outcome.diff.deck, "dry_run": dry_run, "applied": outcome.applied, "run": outcome.run,
                   **diff_json(outcome.diff, outcome.ids), "manual_steps": steps})
        return
    click.echo(diff_text(outcome.diff), nl=False)
    if outcome.diff.empty:
        click.echo("nothing to change: the decks have the plan's options")
    elif dry_run:
        click.echo("dry run: nothing sent (run without --dry-run to apply)")
    else:
        click.echo(f"applied to {len(outcome.diff.moves)} decks and "
                   f"{sum(p.action != 'keep' for p in outcome.diff.presets)} presets (undo with: apply-options --undo)")
    if steps:
        click.echo("\nIn Anki (AnkiConnect cannot switch FSRS on):")
        click.echo("\n".join(f"  {i}. {step}" for i, step in enumerate(steps, 1)))


def _cards(cards: dict[str, int]) -> str:
    parts = [f"{cards[c]} {complexity_label(c)}" for c in COMPLEXITIES if cards.get(c)]
    return ", ".join(parts) if parts else "no graded cards: its parent's"


def _preset_line(p: PresetChange) -> str:
    per_day = p.config["new"]["perDay"]
    if p.action == "create":
        return f'  + "{p.name}" ({per_day} new/day): new, a copy of "{p.source.name}" (id {p.source.id})'
    state = "update" if p.action == "update" else "up to date"
    return f'  {"~" if p.changes else "="} "{p.name}" (id {p.existing.id}, {per_day} new/day): {state}'  # type: ignore[union-attr]


def diff_text(diff: OptionsDiff) -> str:
    lines = [f"apply-options {diff.deck}: {len(diff.decks)} decks", "Presets:"]
    for p in diff.presets:
        lines.append(_preset_line(p))
        width = max((len(c.setting.label) for c in p.changes), default=0)
        for c in p.changes:
            lines.append(f"      {c.setting.label:<{width}}  {show_value(c.setting, c.old)} → "
                         f"{show_value(c.setting, c.new)}")
    if diff.moves:
        lines.append("Decks:")
        for m in diff.moves:
            lines.append(f'  {m.deck}: "{m.old.name}" → "{m.new_name}"  ({_cards(dict(m.cards))})')
    return "\n".join(lines) + "\n"


def diff_json(diff: OptionsDiff, ids: dict[str, int]) -> dict[str, Any]:
    moved = {m.deck for m in diff.moves}
    return {
        "presets": [{"name": p.name, "id": ids.get(p.name), "action": p.action, "complexity": p.complexity,
                     "new_per_day": p.config["new"]["perDay"],
                     "copy_of": {"id": p.source.id, "name": p.source.name} if p.existing is None else None,
                     "changes": [{"setting": c.setting.label, "plan_key": c.setting.key,
                                  "field": ".".join(c.setting.path), "old": c.old, "new": c.new}
                                 for c in p.changes]}
                    for p in diff.presets],
        "decks": [{"deck": m.deck, "cards": {c: m.cards.get(c, 0) for c in COMPLEXITIES}, "complexity": m.complexity,
                   "old": {"id": m.old.id, "name": m.old.name}, "new": m.new_name, "moves": m.deck in moved}
                  for m in diff.decks],
    }
