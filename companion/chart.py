"""``retention --chart`` and ``forecast --chart``: PNG charts (matplotlib: here and in
``report_charts``, which shares ``pyplot`` and ``rate_points``)."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from companion.core.forecast import Workload
from companion.core.retention import Tally, WeekTally
from companion.core.stats import Rate
from companion.errors import OutputError


def pyplot():
    """matplotlib's pyplot on the Agg backend (files only, no display)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def rate_points(tallies: Sequence[Tally]) -> tuple[list[int], list[float], list[float], list[float], list[bool]]:
    """Retention in percent at each position that has reviews: x, y, the 95 % Wilson interval's
    distances below and above, and whether fewer than 30 reviews stand behind it."""
    xs, ys, lows, highs, sparse = [], [], [], [], []
    for i, tally in enumerate(tallies):
        rate = Rate(tally.passed, tally.failed)
        if rate.value is None or rate.interval is None:
            continue
        xs.append(i)
        ys.append(rate.value * 100)
        lows.append((rate.value - rate.interval[0]) * 100)
        highs.append((rate.interval[1] - rate.value) * 100)
        sparse.append(rate.low_count)
    return xs, ys, lows, highs, sparse


def _save(fig, path: Path) -> None:  # noqa: ANN001 - a matplotlib Figure
    try:
        fig.savefig(path, format="png")
    except OSError as e:
        raise OutputError(f"cannot write the chart to {path}: {e.strerror}: pass a writable --chart path") from e


def weekly_chart(weeks: Sequence[WeekTally], target: float, title: str, path: Path) -> None:
    """Points with 95 % Wilson intervals per ISO week, and a dashed line at the target."""
    plt = pyplot()
    labels = [w.week[2:] for w in weeks]  # "26-W48"
    xs, ys, lows, highs, sparse = rate_points([w.tally for w in weeks])
    fig, ax = plt.subplots(figsize=(min(12.0, max(6.0, 0.35 * len(weeks) + 2)), 4), dpi=120)
    try:
        ax.axhline(target * 100, color="#c0392b", linestyle="--", linewidth=1.2, label=f"target {target:.0%}")
        ax.errorbar(xs, ys, yerr=[lows, highs], fmt="-o", color="#2c6fbb", ecolor="#9bbce0", capsize=3,
                    markersize=4, label="true retention (95% CI)")
        faint = [(x, y) for x, y, s in zip(xs, ys, sparse) if s]
        if faint:
            ax.scatter([x for x, _ in faint], [y for _, y in faint], facecolors="white", edgecolors="#2c6fbb",
                       zorder=3, s=28, label="fewer than 30 reviews")
        step = max(1, len(weeks) // 26)
        ax.set_xticks(range(0, len(weeks), step))
        ax.set_xticklabels(labels[::step], rotation=60, fontsize=7)
        ax.set_ylabel("retention (%)")
        bottom = min([target * 100 - 10, *[y - lo for y, lo in zip(ys, lows)]] or [target * 100 - 10])
        ax.set_ylim(max(0, bottom - 2), 100.5)
        ax.set_title(title, fontsize=10)
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize=7, loc="lower left")
        fig.tight_layout()
        _save(fig, path)
    finally:
        plt.close(fig)


def forecast_chart(load: Workload, title: str, path: Path) -> None:
    """Minutes of review due per day (cards when no answer time is known) against the target."""
    plt = pyplot()
    timed = load.answer_time.seconds is not None
    values = [(d.minutes or 0.0) if timed else d.cards for d in load.days]
    fig, ax = plt.subplots(figsize=(10, 4), dpi=120)
    try:
        colours = ["#c0392b" if timed and v > load.target_minutes else "#2c6fbb" for v in values]
        ax.bar(range(len(values)), values, color=colours)
        if timed:
            ax.axhline(load.target_minutes, color="#c0392b", linestyle="--", linewidth=1.2,
                       label=f"target {load.target_minutes:g} min")
            ax.legend(fontsize=7, loc="upper right")
        ax.set_ylabel("minutes of review" if timed else "cards due")
        ax.set_xticks(range(len(values)))
        ax.set_xticklabels([d.date.strftime("%m-%d") for d in load.days], rotation=60, fontsize=7)
        ax.set_title(title, fontsize=10)
        ax.grid(axis="y", alpha=0.3)
        fig.tight_layout()
        _save(fig, path)
    finally:
        plt.close(fig)
