"""``record``: the plan's manual metrics, kept with your records; ``record list`` shows them."""

from __future__ import annotations

import datetime as dt
from typing import Callable

import click

from companion.cli.common import (
    CONTEXT,
    ENVIRONMENT,
    CommandError,
    day_clock_for,
    deck_option,
    echo_json,
    errors,
    open_deck,
    open_home,
    read_settings,
)
from companion.cli.speed_draw import speed_draw_record
from companion.core.measures import COVERAGE_TARGET, PASS_MARK, Measure, scaled

EPILOG = """\b
Examples:
  record assessment 320 --of 400 --label "week 4 checkpoint"
  record assessment 870 --of 1000 --label final
  record mock-interview --result passed --score 7 --of 10
  record component-listing 92 --note 1712345678901
  record verbal 31 --note 1712345678901         clarity + completeness + accuracy + confidence
  record problem 17 --minutes 25 --label "design: URL shortener"
  record speed-draw 1712345678901 --accuracy 88 --seconds 215
  record list

\b
Everything is kept in ATLAS_ANKI_HOME/records.sqlite with your other records (never in
the review cache) and shows up in `report`: the latest assessment is KR6 (on a scale of
1000), the rest the week's manual metrics. No Anki needed.

""" + ENVIRONMENT


@click.group("record", epilog=EPILOG, context_settings=CONTEXT)
def record_group() -> None:
    """Record the study plan's manual metrics: assessments, mock interviews, component listing,
    verbal explanations, application problems and speed-draw tests."""


record_group.add_command(speed_draw_record, "speed-draw")


def _options(func: Callable[..., None]) -> Callable[..., None]:
    func = click.option("--json", "as_json", is_flag=True, help="Print what was recorded as JSON.")(func)
    func = click.option("--label", default=None, metavar="TEXT", help="A name for it (shown in report).")(func)
    return deck_option(func)


def _record(kind: str, deck: str, as_json: bool, *, score: float | None, out_of: float | None,
            passed: bool | None = None, seconds: int | None = None, nid: int | None = None,
            label: str | None = None) -> None:
    from companion.records_measures import new_measure

    settings = read_settings()
    home = open_home(settings)
    today = day_clock_for(home, None, settings.now).today
    measure = new_measure(kind, at=settings.now, today=today, score=score, out_of=out_of, passed=passed,
                          seconds=seconds, nid=nid, label=label)
    with open_deck(home, deck) as store:
        store.measures.add(measure)
        title = store.records.planned_title(nid) if nid is not None else None
    if as_json:
        echo_json(measure_json(measure) | {"title": title})
        return
    click.echo(f"recorded {describe(measure, title)}")


def measure_json(m: Measure) -> dict[str, object]:
    return {"kind": m.kind, "at": measure_json_at(m.at), "week": m.week, "score": m.score, "out_of": m.out_of, "passed": m.passed, "seconds": m.seconds,
            "note": m.nid, "label": m.label, "scaled": scaled(m) if m.kind == "assessment" else None}


def describe(m: Measure, title: str | None = None) -> str:
    text = m.describe()
    if m.nid is not None:
        text += f", {title or f'note {m.nid}'}"
    if m.kind == "assessment" and m.fraction is not None:
        verdict = "at or above" if m.fraction >= PASS_MARK else "below"
        text += f" = {scaled(m):g}/1000, {m.fraction:.0%}: {verdict} the {PASS_MARK:.0%} pass mark"
    elif m.kind == "component-listing" and m.score is not None:
        text += f": {'at or above' if m.score >= COVERAGE_TARGET else 'below'} the {COVERAGE_TARGET:g}% target"
    elif m.kind == "problem" and m.fraction is not None:
        text += ": solved" if m.fraction >= PASS_MARK else f": under {PASS_MARK:.0%}, review the reference solution"
    return text


ASSESSMENT_EPILOG = """\b
Examples:
  record assessment 320 --of 400 --label "week 4 checkpoint"   pass mark 320/400 (80%)
  record assessment 870 --of 1000 --label final                KR6: 850/1000 or more

""" + ENVIRONMENT


@record_group.command("assessment", epilog=ASSESSMENT_EPILOG, context_settings=CONTEXT)
@click.argument("score", type=click.FloatRange(min=0))
@click.option("--of", "out_of", type=click.FloatRange(min=0, min_open=True), required=True, metavar="N",
              help="The assessment's total (400 for the week-4 checkpoint, 1000 for the final).")
@_options
@errors
def record_assessment(score: float, out_of: float, deck: str, label: str | None, as_json: bool) -> None:
    """An assessment's score out of its total (KR6 takes the latest, on a scale of 1000)."""
    _record("assessment", deck, as_json, score=score, out_of=out_of, label=label)


MOCK_EPILOG = """\b
Examples:
  record mock-interview --result passed
  record mock-interview --result failed --score 4 --of 10 --label "design: news feed"

""" + ENVIRONMENT


@record_group.command("mock-interview", epilog=MOCK_EPILOG, context_settings=CONTEXT)
@click.option("--result", type=click.Choice(["passed", "failed"]), required=True, help="How it went.")
@click.option("--score", type=click.FloatRange(min=0), default=None, help="Its score, if it was scored (with --of).")
@click.option("--of", "out_of", type=click.FloatRange(min=0, min_open=True), default=None, metavar="N",
              help="The score's total.")
@_options
@errors
def record_mock(result: str, score: float | None, out_of: float | None, deck: str, label: str | None,
                as_json: bool) -> None:
    """A mock interview: passed or failed, and its score if it had one."""
    if (score is None) != (out_of is None):
        raise CommandError("--score and --of go together: pass both, or neither")
    _record("mock-interview", deck, as_json, score=score, out_of=out_of, passed=result == "passed", label=label)


LISTING_EPILOG = """\b
Examples:
  record component-listing 92 --note 1712345678901    92% of the components listed

\b
Coverage = components listed / components expected (target 90%+), DS protocol 3.2.

""" + ENVIRONMENT


@record_group.command("component-listing", epilog=LISTING_EPILOG, context_settings=CONTEXT)
@click.argument("coverage", type=click.FloatRange(0, 100))
@click.option("--note", "nid", type=int, default=None, metavar="NOTE_ID", help="The diagram's speed-draw note.")
@_options
@errors
def record_listing(coverage: float, nid: int | None, deck: str, label: str | None, as_json: bool) -> None:
    """A component-listing exercise: the coverage in percent."""
    _record("component-listing", deck, as_json, score=coverage, out_of=100.0, nid=nid, label=label)


VERBAL_EPILOG = """\b
Examples:
  record verbal 31 --note 1712345678901

\b
Score /40: clarity, completeness, accuracy and confidence, each /10 (DS protocol 3.3).

""" + ENVIRONMENT


@record_group.command("verbal", epilog=VERBAL_EPILOG, context_settings=CONTEXT)
@click.argument("score", type=click.FloatRange(0, 40))
@click.option("--note", "nid", type=int, default=None, metavar="NOTE_ID", help="The diagram's speed-draw note.")
@_options
@errors
def record_verbal(score: float, nid: int | None, deck: str, label: str | None, as_json: bool) -> None:
    """A verbal explanation test, scored out of 40."""
    _record("verbal", deck, as_json, score=score, out_of=40.0, nid=nid, label=label)


PROBLEM_EPILOG = """\b
Examples:
  record problem 17 --minutes 25 --label "design: URL shortener"

\b
Score /20: approach, completeness, correctness and efficiency, each /5 (DS protocol 3.4);
16/20 (80%) or better counts as solved.

""" + ENVIRONMENT


@record_group.command("problem", epilog=PROBLEM_EPILOG, context_settings=CONTEXT)
@click.argument("score", type=click.FloatRange(0, 20))
@click.option("--minutes", type=click.IntRange(min=1), default=None, help="Time it took.")
@_options
@errors
def record_problem(score: float, minutes: int | None, deck: str, label: str | None, as_json: bool) -> None:
    """An application problem, scored out of 20."""
    _record("problem", deck, as_json, score=score, out_of=20.0, seconds=minutes * 60 if minutes else None,
            label=label)


LIST_EPILOG = """\b
Examples:
  record list
  record list --json

""" + ENVIRONMENT


@record_group.command("list", epilog=LIST_EPILOG, context_settings=CONTEXT)
@deck_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@errors
def record_list(deck: str, as_json: bool) -> None:
    """Everything recorded for the deck, oldest first, speed-draw tests included."""
    settings = read_settings()
    home = open_home(settings)
    with open_deck(home, deck) as store:
        measures = store.measures.all()
        results = store.records.results()
    rows = [(m.at, "measure", m) for m in measures] + [(r.at, "speed-draw", r) for r in results]
    rows.sort(key=lambda row: row[0])
    if as_json:
        echo_json([measure_json(x) if kind == "measure" else
                   {"kind": "speed-draw", "at": measure_json_at(x.at), "week": x.week, "note": x.nid,
                    "accuracy": x.accuracy, "seconds": x.seconds, "limit_seconds": x.limit_seconds,
                    "band": x.band.name} for _, kind, x in rows])
        return
    if not rows:
        click.echo("nothing recorded yet for this deck")
    for at, kind, x in rows:
        when = dt.datetime.fromtimestamp(at).strftime("%Y-%m-%d %H:%M")
        text = describe(x) if kind == "measure" else (f"speed-draw test, note {x.nid}: {x.accuracy:g}% in "
                                                      f"{x.seconds // 60}:{x.seconds % 60:02d}, {x.band.name}")
        click.echo(f"{when}  {text}")


def measure_json_at(at: int) -> str:
    return dt.datetime.fromtimestamp(at, dt.timezone.utc).isoformat().replace("+00:00", "Z")
