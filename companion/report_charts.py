"""``report --out``'s charts (matplotlib): daily minutes against the plan's 30 minutes, weekly
retention against the KR5 target, diagram progress by category against the plan's targets."""

from __future__ import annotations

import io
from typing import Sequence

from companion.chart import pyplot, rate_points
from companion.core.report_days import DayActivity, Window
from companion.core.report_progress import CategoryProgress
from companion.core.retention import Tally

BLUE, LIGHT, GREEN, RED, GREY = "#2c6fbb", "#9bbce0", "#2e8b57", "#c0392b", "#d5dbe3"


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def minutes_chart(days: Sequence[DayActivity], target: int, title: str) -> bytes:
    """A bar per day (green at or above the target), the target as a dashed line."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(max(5.0, 0.3 * len(days) + 2.5), 3.2), dpi=100)
    try:
        values = [d.minutes for d in days]
        ax.bar(range(len(days)), values, color=[GREEN if v >= target else BLUE for v in values], width=0.7)
        ax.axhline(target, color=RED, linestyle="--", linewidth=1.2, label=f"target {target} min")
        step = 1 if len(days) <= 14 else 7
        ax.set_xticks(range(0, len(days), step))
        ax.set_xticklabels([d.date.strftime("%a %d") for d in days][::step], fontsize=7)
        ax.set_ylabel("minutes of review")
        ax.set_ylim(0, max([target * 1.3, *values]) * 1.05)
        ax.set_title(title, fontsize=10)
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize=7, loc="upper left")
        fig.tight_layout()
        return _png(fig)
    finally:
        plt.close(fig)


def retention_chart(series: Sequence[tuple[Window, Tally]], target: float, title: str) -> bytes:
    """True retention per week with 95 % Wilson intervals; hollow points: fewer than 30 reviews."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(max(5.0, 0.5 * len(series) + 2.5), 3.2), dpi=100)
    try:
        labels = [f"W{w.week}" if w.aligned and w.week else w.last.strftime("%m-%d") for w, _ in series]
        xs, ys, lows, highs, sparse = rate_points([t for _, t in series])
        solid = [not s for s in sparse]
        ax.axhline(target * 100, color=RED, linestyle="--", linewidth=1.2, label=f"target {target:.0%}")
        ax.errorbar(xs, ys, yerr=[lows, highs], fmt="-", color=BLUE, ecolor=LIGHT, capsize=3, label="true retention")
        ax.scatter([x for x, s in zip(xs, solid) if s], [y for y, s in zip(ys, solid) if s], color=BLUE, zorder=3, s=20)
        faint = [(x, y) for x, y, s in zip(xs, ys, solid) if not s]
        if faint:
            ax.scatter([x for x, _ in faint], [y for _, y in faint], facecolors="white", edgecolors=BLUE, zorder=3,
                       s=24, label="fewer than 30 reviews")
        ax.set_xticks(range(len(series)))
        ax.set_xticklabels(labels, fontsize=7)
        ax.set_xlim(-0.5, len(series) - 0.5)
        bottom = min([target * 100 - 10, *[y - lo for y, lo in zip(ys, lows)]])
        ax.set_ylim(max(0, bottom - 2), 100.5)
        ax.set_ylabel("retention (%)")
        ax.set_title(title, fontsize=10)
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize=7, loc="best")
        fig.tight_layout()
        return _png(fig)
    finally:
        plt.close(fig)


def categories_chart(categories: Sequence[CategoryProgress], title: str) -> bytes:
    """Per category: its target (grey), diagrams studied (light) and mastered (dark)."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.0, 0.32 * len(categories) + 1.4), dpi=100)
    try:
        ys = list(range(len(categories)))[::-1]
        ax.barh(ys, [c.target for c in categories], color=GREY, height=0.7, label="target")
        ax.barh(ys, [c.tally.studied for c in categories], color=LIGHT, height=0.5, label="studied")
        ax.barh(ys, [c.tally.mastered for c in categories], color=BLUE, height=0.5, label="mastered")
        for y, c in zip(ys, categories):
            ax.text(c.target, y, f" {c.tally.studied}/{c.target}", va="center", fontsize=7)
        ax.set_yticks(ys)
        ax.set_yticklabels([c.name for c in categories], fontsize=8)
        ax.set_xlim(0, max([c.target for c in categories] + [1]) * 1.2)
        ax.set_xlabel("diagrams")
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=7, loc="lower right")
        fig.tight_layout()
        return _png(fig)
    finally:
        plt.close(fig)
