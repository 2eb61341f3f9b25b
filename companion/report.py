"""The retention report: Anki's table, the ISO-week series, breakdowns, recall after a delay,
the KR5 verdict and the speed-draw results, computed from the review cache and the records."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Sequence

from deckbuilder.core.tags import CARD, CATEGORY, LEVEL, PHASE, TIER

from companion.cache import CacheSummary, ReviewCache
from companion.core import speed_draw
from companion.core.retention import (
    DayClock,
    Period,
    Tally,
    WeekTally,
    period,
    period_tallies,
    week_series,
)
from companion.core.schedule import Position
from companion.core.stats import Verdict, kr5_verdict

DEFAULT_BREAKDOWNS = (PHASE.root, TIER.root, CATEGORY.root, LEVEL.root, CARD.root)


@dataclass(frozen=True)
class GroupRow:
    tag: str
    tally: Tally  # in the report's breakdown period


@dataclass(frozen=True)
class Report:
    deck: str
    tag: str | None  # the tag subtree the report is limited to
    clock: DayClock
    periods: dict[str, Tally]  # Anki's table
    weeks: list[WeekTally]
    breakdown_period: str
    breakdowns: dict[str, list[GroupRow]]  # tag root -> one row per child tag, in the breakdown period
    recall: dict[str, Tally]  # 24h / 7d / 30d, in the breakdown period
    verdict: Verdict
    speed_draw_weeks: list[speed_draw.WeekResults]
    speed_draw_results: list[speed_draw.Result]
    cache: CacheSummary
    position: Position | None


def build(cache: ReviewCache, deck: str, clock: DayClock, *, tag: str | None = None,
          breakdowns: Sequence[str] = DEFAULT_BREAKDOWNS, breakdown_period: str = "month",
          weeks: int | None = None, target: float = 0.95, position: Position | None = None,
          results: Sequence[speed_draw.Result] = ()) -> Report:
    """The report from the review cache, with the deck's speed-draw ``results`` (from the records)."""
    by_day = cache.day_tallies(clock, tag)
    periods = period_tallies(by_day)
    chosen: Period = period(breakdown_period)
    groups = {
        root: [GroupRow(name, tally) for name, tally in
               sorted(cache.group_tallies(clock, root, chosen, tag).items(), key=lambda kv: kv[0].casefold())]
        for root in breakdowns
    }
    results = list(results)
    week_start = clock.next_day_start - 7 * 86_400
    recent = [r.accuracy for r in results if week_start <= r.at < clock.next_day_start]
    return Report(
        deck=deck,
        tag=tag,
        clock=clock,
        periods=periods,
        weeks=week_series(by_day, clock, weeks),
        breakdown_period=breakdown_period,
        breakdowns=groups,
        recall=cache.recall_tallies(clock, chosen, tag),
        verdict=kr5_verdict(periods["week"], target, recent),
        speed_draw_weeks=speed_draw.by_week(results),
        speed_draw_results=results,
        cache=cache.summary(),
        position=position,
    )


def local_offset(now: float) -> int:
    """The machine's UTC offset at ``now`` in seconds east (what Anki's desktop uses)."""
    offset = dt.datetime.fromtimestamp(now).astimezone().utcoffset()
    return int(offset.total_seconds()) if offset else 0
