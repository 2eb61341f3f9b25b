"""What the commands share: settings read once, options, the error boundary, small helpers.

Every command parses its options, builds :class:`~companion.config.Settings` (options and
environment, read here and nowhere else), calls the library and renders the result. Data goes
to stdout, progress and diagnostics to stderr. Library errors become one line on stderr,
``<command>: <message>``, and exit code 1: here and nowhere else.
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
from companion.config import Connection, Settings
from companion.core.retention import DayClock, day_clock
from companion.core.schedule import Position, position
from companion.errors import CompanionError, ConfigError
from companion.home import Home, prepare
from companion.store import DeckStore

PROJECT_PLAN = Path(__file__).resolve().parent.parent.parent / "cards" / "plan.yaml"
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

ENVIRONMENT = """\b
Environment:
  ANKICONNECT_URL   AnkiConnect's address (same as --url; default http://127.0.0.1:8765)
  ANKICONNECT_KEY   AnkiConnect's API key, if one is set in its config (same as --key)
  ATLAS_ANKI_HOME   where your records, the review cache and config live
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


def errors(func: Callable[..., None]) -> Callable[..., None]:
    """Turn the library's exceptions (and the plan loader's) into :class:`CommandError`."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            func(*args, **kwargs)
        except (CompanionError, DeckBuilderError) as e:
            raise CommandError(str(e)) from e

    return wrapper


# ---------------------------------------------------------------------------------------
# Options


def connection_options(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option("--timeout", type=click.FloatRange(min=0.1), default=DEFAULT_TIMEOUT, show_default=True,
                        help="Seconds an AnkiConnect request may take in all (retries included).")(func)
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


class TimeOfDay(click.ParamType):
    """``HH:MM``, as a :class:`datetime.time`."""

    name = "HH:MM"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.time:
        if isinstance(value, dt.time):
            return value
        try:
            return dt.datetime.strptime(value, "%H:%M").time()
        except ValueError:
            self.fail(f"{value!r} is not a time: use HH:MM, e.g. 07:30", param, ctx)


# ---------------------------------------------------------------------------------------
# Settings, home, store, client


def read_settings(url: str = DEFAULT_URL, key: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> Settings:
    """The options given plus the environment and the clock, read once for the whole command."""
    return Settings(home=config.home_dir(os.environ), connection=Connection(url, key or None, timeout),
                    now=int(time.time()))


def open_home(settings: Settings) -> Home:
    return prepare(settings.home)


def open_deck(home: Home, deck: str) -> DeckStore:
    """The deck's store; says on stderr when a store of the first layout was moved."""
    store = DeckStore(home, deck)
    for old in store.migrated:
        progress(f"moved {old.name} to the new layout: your speed-draw results and retag log into "
                 f"{home.records}, its reviews into {home.cache_dir}")
    return store


def client_for(settings: Settings) -> AnkiConnect:
    c = settings.connection
    return AnkiConnect(c.url, c.key, timeout=c.timeout)


# ---------------------------------------------------------------------------------------
# The plan, the day, where the learner is


def day_clock_for(home: Home, rollover: int | None, now: int) -> DayClock:
    """Today's review day for ``--rollover`` (remembered), else the remembered hour, else 4."""
    from companion.report import local_offset

    if rollover is not None:
        config.remember(home.config, rollover=rollover)
        hour = rollover
    else:
        remembered = config.load(home.config).rollover
        hour = remembered if remembered is not None else config.DEFAULT_ROLLOVER
    return day_clock(now, local_offset(now), hour)


def load_plan(plan_file: Path) -> Plan:
    from deckbuilder.loader import load_plan as load

    return load(plan_file)


def where_in_plan(plan: Plan, start: dt.datetime | None, study_path: str | None, home: Home, today: dt.date,
                  required: bool) -> Position | None:
    """The learner's position from ``--start``/``--path`` or the remembered ones (and remember them)."""
    remembered = config.load(home.config)
    start_date = start.date() if start else remembered.start
    path = study_path or remembered.path
    if start_date is None or path is None:
        if not required:
            return None
        missing = " and ".join(n for n, v in (("--start", start_date), ("--path", path)) if v is None)
        raise ConfigError(f"pass {missing} once (e.g. --start 2026-01-05 --path intensive): the first day of "
                          f"week 1 and your study path are remembered in {home.config}")
    if path not in plan.paths:
        raise ConfigError(f"the plan has no path {path!r} (it has {', '.join(plan.paths)}): pass --path")
    config.remember(home.config, start=start_date, path=path)
    return position(plan, start_date, path, today)


def kr5_target(plan: Plan) -> float:
    for kr in plan.key_results:
        if kr.id == "KR5" and "retention" in kr.target:
            return float(kr.target["retention"])
    return config.DEFAULT_TARGET


# ---------------------------------------------------------------------------------------
# Output


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def progress(message: str) -> None:
    click.echo(message, err=True)
