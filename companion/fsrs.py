"""Memory states through the FSRS scheduler Anki itself uses (``fsrs-rs-python``, the Rust ``fsrs``
crate): the only module that imports it.

A card's history (:func:`companion.core.forecast.fsrs_history`) goes to ``FSRS.memory_state``
with the preset's parameters, as Anki's ``fsrs_item_for_memory_state`` does: a complete history
from scratch; an incomplete one from the SM-2 state of its first review (its interval and ease,
the preset's "historical retention"), that first review then dropped.
"""

from __future__ import annotations

from typing import Mapping, Sequence

from companion.core.forecast import CardMemory, FsrsHistory, decay_of


def default_parameters() -> list[float]:
    from fsrs_rs_python import DEFAULT_PARAMETERS

    return list(DEFAULT_PARAMETERS)


def preset_parameters(config: Mapping[str, object]) -> list[float]:
    """The preset's FSRS parameters as Anki picks them (FSRS-6, else 5, else 4.x), else the defaults."""
    for key in ("fsrsParams6", "fsrsParams5", "fsrsWeights"):
        value = config.get(key)
        if isinstance(value, list) and value:
            return [float(x) for x in value]
    return default_parameters()


def memory_states(histories: Mapping[int, FsrsHistory], params: Sequence[float],
                  historical_retention: float) -> dict[int, CardMemory]:
    """Each card's stability and difficulty after its history, with the curve's decay."""
    from fsrs_rs_python import FSRS, FSRSItem, FSRSReview

    fsrs = FSRS(list(params))
    decay = decay_of(params)
    result: dict[int, CardMemory] = {}
    for cid, h in histories.items():
        reviews = [FSRSReview(rating, delta) for rating, delta in h.reviews]
        start = None
        if not h.complete:
            ease = (h.first_factor or 2500) / 1000
            start = fsrs.memory_state_from_sm2(ease, float(h.first_interval), historical_retention)
            if ease <= 1.1:  # a review FSRS wrote: its "ease" is the difficulty
                start.difficulty = (ease - 0.1) * 9.0 + 1.0
            reviews = reviews[1:]
        state = fsrs.memory_state(FSRSItem(reviews), start) if reviews else start
        if state is None:
            continue
        result[cid] = CardMemory(cid, float(state.stability), float(state.difficulty), decay, h.last_review)
    return result
