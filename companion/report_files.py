"""``report --out DIR``: the report as Markdown with its three PNG charts, written as one unit.

Every file is written to a temporary beside its place first; only when all four are written do
they take their places, so a folder that cannot be written (read-only, full) gets none of them.
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from companion import report_charts as charts
from companion.errors import OutputError
from companion.report_render import stem, to_markdown
from companion.report_weekly import Report


def contents(report: Report) -> dict[str, bytes]:
    """File name → bytes: ``<stem>.md``, ``<stem>-minutes.png``, ``-retention.png``, ``-categories.png``."""
    name = stem(report)
    target = report.study.target_minutes
    days = report.days
    pngs = {
        "minutes": (f"{name}-minutes.png", charts.minutes_chart(
            days, target, f"Minutes of review a day, {report.window.label()} (target {target})")),
        "retention": (f"{name}-retention.png", charts.retention_chart(
            report.series, report.target, f"True retention by week (target {report.target:.0%})")),
        "categories": (f"{name}-categories.png", charts.categories_chart(
            report.categories, "Diagrams studied and mastered by category")),
    }
    markdown = to_markdown(report, {key: file for key, (file, _) in pngs.items()})
    return {f"{name}.md": markdown.encode("utf-8"), **{file: data for file, data in pngs.values()}}


def write(report: Report, out_dir: Path) -> list[Path]:
    files = contents(report)
    staged: list[tuple[Path, Path]] = []
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for file, data in files.items():
            final = out_dir / file
            if final.is_dir():
                raise IsADirectoryError(errno.EISDIR, f"{file} is a folder", str(final))
            fd, tmp = tempfile.mkstemp(prefix=f".{file}.", suffix=".tmp", dir=out_dir)
            staged.append((Path(tmp), final))
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.chmod(tmp, 0o644)
    except OSError as e:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise OutputError(f"cannot write the report to {out_dir}: {e.strerror}: pass a writable --out folder "
                          f"(nothing was written)") from e
    for tmp, final in staged:
        os.replace(tmp, final)
    return [final for _, final in staged]
