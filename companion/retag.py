"""``retag``: keep ``atlas::now::…``, ``atlas::status::…`` and ``atlas::weak`` in step with the plan.

Sync, compute what every note of the deck should carry, diff against what it carries, send only
the difference (one ``multi`` request: one ``addTags``/``removeTags`` per tag), log it so that
``--undo`` can send the inverse. Notes outside the deck and tags outside those namespaces are
never touched.
"""

from __future__ import annotations

from dataclasses import dataclass

from deckbuilder.core.plan import Plan
from deckbuilder.core.tags import PHASE, TIER

from companion.client import AnkiConnect, Call
from companion.core import search
from companion.core.groups import GroupCounts, group_counts
from companion.core.schedule import Position
from companion.core.status import LEECH_LAPSES, NoteFacts, desired_tags
from companion.core.tags import LEECH, TagChange, TagDiff, diff_tags, in_subtree, is_retag_owned, plan_tags
from companion.errors import CompanionError, UsageError
from companion.records import RetagRun
from companion.store import DeckStore
from companion.sync import SyncReport, sync


@dataclass(frozen=True)
class RetagOutcome:
    diff: TagDiff
    notes: int  # notes in the deck
    applied: bool
    run: int | None  # undo log entry
    sync: SyncReport
    requests: int  # HTTP requests made, the sync included
    groups: dict[str, list[GroupCounts]]  # "phase" / "tier" -> the notes' statuses after the run, per group


def plan_retag(client: AnkiConnect, store: DeckStore, deck: str, plan: Plan, pos: Position, *, now: int,
               target: float) -> tuple[TagDiff, int, SyncReport, dict[str, list[GroupCounts]]]:
    report = sync(client, store.reviews, deck, now=now)
    (leech_notes,) = client.multi([Call("findNotes", {"query": search.in_deck(
        report.deck, f"prop:lapses>={LEECH_LAPSES}")})])
    leeches = {int(n) for n in leech_notes}
    tags = store.reviews.note_tags()
    answers = store.reviews.note_answers()
    notes = store.reviews.member_notes()
    current = {nid: {t for t in tags.get(nid, ()) if is_retag_owned(t)} for nid in notes}
    desired = {}
    for nid in notes:
        note_tags = tags.get(nid, set())
        a = answers.get(nid)
        facts = NoteFacts(
            nid=nid,
            plan=plan_tags(note_tags),
            first_answer=a.first_answer if a else None,
            recent=a.recent if a else (),
            leech=nid in leeches or any(in_subtree(t, LEECH) for t in note_tags),
        )
        desired[nid] = desired_tags(plan, pos, facts, now * 1000, target)
    in_deck = {nid: tags.get(nid, set()) for nid in notes}
    groups = {name: group_counts(family, in_deck, desired) for name, family in (("phase", PHASE), ("tier", TIER))}
    return diff_tags(current, desired, is_retag_owned), len(notes), report, groups


def retag(client: AnkiConnect, store: DeckStore, deck: str, plan: Plan, pos: Position, *, now: int,
          target: float, dry_run: bool) -> RetagOutcome:
    before = client.requests_made
    diff, notes, report, groups = plan_retag(client, store, deck, plan, pos, now=now, target=target)
    run = None
    if not dry_run and not diff.empty:
        run = store.records.start_retag(now, pos.describe(), diff.operations())
        _send(client, diff, "retag --undo reverts what was applied")
        store.records.set_retag_state(run, "applied")
    return RetagOutcome(diff, notes, not dry_run and not diff.empty, run, report, client.requests_made - before,
                        groups)


def undo(client: AnkiConnect, store: DeckStore) -> tuple[RetagRun, TagDiff]:
    """Send the inverse of the deck's last retag that was not undone yet."""
    run = store.records.last_retag()
    if run is None:
        raise UsageError("nothing to undo: no retag has been applied with this deck (or all were undone)")
    inverse = diff_of(run).inverse()
    _send(client, inverse, "run retag --undo again to retry")
    store.records.set_retag_state(run.id, "undone")
    return run, inverse


def diff_of(run: RetagRun) -> TagDiff:
    """The diff a logged run applied."""
    adds: dict[str, list[int]] = {}
    removes: dict[str, list[int]] = {}
    for op, tag, nid in run.changes:
        (adds if op == "add" else removes).setdefault(tag, []).append(nid)
    return TagDiff(tuple(TagChange(tag, tuple(sorted(adds.get(tag, ()))), tuple(sorted(removes.get(tag, ()))))
                         for tag in sorted(adds.keys() | removes.keys(), key=str.casefold)))


def _send(client: AnkiConnect, diff: TagDiff, retry_hint: str) -> None:
    calls = [Call("removeTags" if op == "remove" else "addTags", {"notes": list(nids), "tags": tag})
             for op, tag, nids in diff.operations()]
    try:
        client.multi(calls, write=True)
    except CompanionError as e:
        raise type(e)(f"{e} (the tag changes may be partly applied: {retry_hint})") from e
