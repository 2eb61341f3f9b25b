"""Pass rates with Wilson score intervals, and the KR5 verdict."""

from __future__ import annotations

import math
from dataclasses import dataclass

from companion.core.retention import Tally

Z95 = 1.959963984540054  # two-sided 95 %
LOW_COUNT = 30  # fewer reviews than this: the rate is too noisy to act on


def wilson(passed: int, total: int, z: float = Z95) -> tuple[float, float] | None:
    """Wilson score interval for ``passed`` successes out of ``total`` (None when total is 0)."""
    if total < 0 or not 0 <= passed <= total:
        raise ValueError(f"need 0 <= passed <= total, got {passed}/{total}")
    if total == 0:
        return None
    p = passed / total
    z2 = z * z
    centre = (p + z2 / (2 * total)) / (1 + z2 / total)
    half = z * math.sqrt(p * (1 - p) / total + z2 / (4 * total * total)) / (1 + z2 / total)
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Rate:
    passed: int
    failed: int

    @property
    def total(self) -> int:
        return self.passed + self.failed

    @property
    def value(self) -> float | None:
        return self.passed / self.total if self.total else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson(self.passed, self.total)

    @property
    def low_count(self) -> bool:
        return self.total < LOW_COUNT

    def as_dict(self) -> dict[str, object]:
        interval = self.interval
        return {
            "passed": self.passed,
            "failed": self.failed,
            "retention": _round(self.value),
            "low": _round(interval[0]) if interval else None,
            "high": _round(interval[1]) if interval else None,
            "low_count": self.low_count,
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def rates(tally: Tally) -> dict[str, Rate]:
    """Young, mature and overall pass rates of a tally."""
    return {
        "young": Rate(tally.young_passed, tally.young_failed),
        "mature": Rate(tally.mature_passed, tally.mature_failed),
        "total": Rate(tally.passed, tally.failed),
    }


# ---------------------------------------------------------------------------------------
# KR5: 95 % retention, measured weekly in Anki, plus speed-draw tests


@dataclass(frozen=True)
class Verdict:
    status: str  # "met", "not met" or "not enough data"
    retention: Rate  # the last 7 review days
    target: float
    speed_draw_mean: float | None  # mean accuracy (0–100) of the last 7 days' tests
    speed_draw_tests: int
    message: str


def kr5_verdict(week: Tally, target: float, speed_draw_accuracies: list[float]) -> Verdict:
    """Whether KR5 holds this week: Anki retention of the last 7 days and the speed-draw mean.

    Met when the retention of the last 7 review days is at least ``target`` over at least
    ``LOW_COUNT`` reviews and, if speed-draw tests were recorded in those days, their mean
    accuracy is at least the target too. Fewer reviews: not enough data to say.
    """
    rate = Rate(week.passed, week.failed)
    mean = sum(speed_draw_accuracies) / len(speed_draw_accuracies) if speed_draw_accuracies else None
    parts = [_retention_phrase(rate, target)]
    if mean is not None:
        sign = "≥" if mean >= target * 100 else "<"
        parts.append(f"speed-draw mean {mean:.1f}% over {len(speed_draw_accuracies)} test{'s' if len(speed_draw_accuracies) != 1 else ''} {sign} {target:.0%}")
    else:
        parts.append("no speed-draw tests recorded in the last 7 days")
    if rate.total == 0 or rate.low_count:
        status = "not enough data"
    elif (rate.value or 0) >= target and (mean is None or mean >= target * 100):
        status = "met"
    else:
        status = "not met"
    message = f"KR5 {status}: " + "; ".join(parts)
    return Verdict(status, rate, target, mean, len(speed_draw_accuracies), message)


def _retention_phrase(rate: Rate, target: float) -> str:
    if rate.total == 0:
        return "no reviews in the last 7 days"
    low, high = rate.interval or (0.0, 0.0)
    value = rate.value or 0.0
    sign = "≥" if value >= target else "<"
    text = (f"retention {value:.1%} over {rate.total} reviews in the last 7 days "
            f"(95% CI {low:.1%}–{high:.1%}) {sign} {target:.0%} target")
    if rate.low_count:
        text += f" — fewer than {LOW_COUNT} reviews"
    return text
