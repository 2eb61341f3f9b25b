"""The companion's commands, one module each: ``retention``, ``retag``, ``speed-draw``, ``push``,
``apply-options``, ``forecast``, ``report``, ``record``.

Each parses its options into :class:`~companion.config.Settings` (:mod:`companion.cli.common`),
calls the library and renders the result. The console scripts start here.
"""

from __future__ import annotations

from companion.cli.common import PROJECT_PLAN
from companion.cli.forecast import forecast_command
from companion.cli.options import apply_options_command
from companion.cli.push import push_command
from companion.cli.record import record_group
from companion.cli.report import report_command
from companion.cli.retag import retag_command
from companion.cli.retention import retention_command
from companion.cli.speed_draw import speed_draw_group

__all__ = ["PROJECT_PLAN", "apply_options_command", "apply_options_main", "forecast_command",
           "forecast_main", "push_command", "retag_command", "retention_command", "speed_draw_group",
           "retention_main", "retag_main", "speed_draw_main", "push_main",
           "report_command", "record_group", "report_main", "record_main"]


def retention_main() -> None:
    retention_command(prog_name="retention")


def retag_main() -> None:
    retag_command(prog_name="retag")


def speed_draw_main() -> None:
    speed_draw_group(prog_name="speed-draw")


def push_main() -> None:
    push_command(prog_name="push")


def apply_options_main() -> None:
    apply_options_command(prog_name="apply-options")


def forecast_main() -> None:
    forecast_command(prog_name="forecast")


def report_main() -> None:
    report_command(prog_name="report")


def record_main() -> None:
    record_group(prog_name="record")
