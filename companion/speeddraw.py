"""``speed-draw plan`` and ``speed-draw record``: choose this week's diagrams, log the results.

``plan`` syncs, picks the weakest speed-draw notes (:mod:`companion.core.speed_draw`), tags them
``atlas::speed-draw::YYYY-Www`` (diff-only: re-planning the same week moves the tag), writes a
Markdown checklist and an ``.ics`` calendar, and remembers the plan in the records. The files
are written first, as temporaries beside their place: the notes are tagged only when that
worked, and the files take their place only once the notes are tagged and the plan saved.
``record`` needs no Anki: it logs a result in the records, where ``retention`` reads it.
"""

from __future__ import annotations

import datetime as dt
import errno
import html
import os
import re
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from deckbuilder.core.plan import Plan

from companion.client import AnkiConnect, Call
from companion.core import ics
from companion.core.schedule import Position, speed_draw_limit
from companion.core.speed_draw import REVIEW_MINUTES, Diagram, Result, WeekPlan, checklist, pick
from companion.core.retention import iso_week
from companion.core.tags import SPEED_DRAW_CARD, TagDiff, diff_tags, in_subtree, is_speed_draw_owned, plan_tags, speed_draw_tag
from companion.errors import CompanionError, OutputError, UsageError
from companion.store import DeckStore
from companion.sync import sync


@dataclass(frozen=True)
class PlanOutcome:
    week: WeekPlan
    markdown: Path | None
    calendar: Path | None
    tagged: int  # notes that got the week's tag
    untagged: int  # notes that lost it (re-planned)


def plan_week(client: AnkiConnect, store: DeckStore, deck: str, plan: Plan, pos: Position, *, now: int,
              session: dt.datetime, count: int, out_dir: Path | None, dry_run: bool = False) -> PlanOutcome:
    report = sync(client, store.reviews, deck, now=now)
    tags = store.reviews.note_tags()
    members = store.reviews.member_notes()
    diagrams_nids = sorted(nid for nid in members if any(in_subtree(t, SPEED_DRAW_CARD) for t in tags.get(nid, ())))
    if not diagrams_nids:
        raise UsageError(f'no speed-draw notes (tag {SPEED_DRAW_CARD}) in the deck "{report.deck}": build the '
                         f"deck with diagram cards (build-deck --atlas PATH_TO_DS) and push it first")
    answers = store.reviews.note_answers()
    last: dict[int, Result] = {}
    for result in store.records.results():
        last[result.nid] = result
    today = session.date()
    diagrams = []
    for nid in diagrams_nids:
        a = answers.get(nid)
        drawn = last.get(nid)
        diagrams.append(Diagram(
            nid=nid, title="", phase=plan_tags(tags.get(nid, ())).phase,
            lapses=a.lapses if a else 0, passed=a.passed if a else 0, failed=a.failed if a else 0,
            last_drawn=dt.date.fromtimestamp(drawn.at) if drawn else None,
            last_accuracy=drawn.accuracy if drawn else None))
    picks = pick(diagrams, pos.phase.number, today, count)
    titles = _titles(client, [p.diagram.nid for p in picks])
    picks = [replace(p, diagram=replace(p.diagram, title=titles[p.diagram.nid])) for p in picks]
    week = iso_week(today)
    minutes = speed_draw_limit(plan, pos)
    week_plan = WeekPlan(week, pos.describe(), minutes, today, tuple(picks))

    tag = speed_draw_tag(week)
    current = {nid: {t for t in tags.get(nid, ()) if t.casefold() == tag.casefold()} for nid in members}
    desired = {p.diagram.nid: {tag} for p in picks}
    diff = diff_tags(current, desired, is_speed_draw_owned)
    tagged, untagged = sum(len(c.add) for c in diff.changes), sum(len(c.remove) for c in diff.changes)
    if dry_run:
        return PlanOutcome(week_plan, None, None, tagged, untagged)
    staged = stage_files(week_plan, out_dir, session, now) if out_dir is not None else Staged()
    try:
        _tag_and_save(client, store, week_plan, diff, now)
    except BaseException:
        staged.discard()
        raise
    staged.commit()
    markdown, calendar = staged.paths if staged.paths else (None, None)
    return PlanOutcome(week_plan, markdown, calendar, tagged, untagged)


def _tag_and_save(client: AnkiConnect, store: DeckStore, week_plan: WeekPlan, diff: TagDiff, now: int) -> None:
    """Send the tag changes, then remember the plan; a failure says which of the two happened."""
    tag = speed_draw_tag(week_plan.week)
    if not diff.empty:
        try:
            client.multi([Call("removeTags" if op == "remove" else "addTags", {"notes": list(nids), "tags": t})
                          for op, t, nids in diff.operations()], write=True)
        except CompanionError as e:
            raise type(e)(f"{e} (tagging the notes {tag} failed, some may be tagged: run speed-draw plan again; "
                          f"no checklist, calendar or plan was saved)") from e
    entries = [(p.diagram.nid, p.diagram.title, week_plan.minutes) for p in week_plan.picks]
    try:
        store.records.save_speed_draw_plan(week_plan.week, entries, now)
    except CompanionError as e:
        raise type(e)(f"{e} (the notes are tagged {tag} in Anki, but the plan was not saved and no checklist "
                      f"written: run speed-draw plan again)") from e


def events(week_plan: WeekPlan, session: dt.datetime) -> list[ics.Event]:
    """One event per diagram, back to back from ``session``: the time limit plus the comparison."""
    result = []
    start = session
    length = week_plan.minutes + REVIEW_MINUTES
    for i, p in enumerate(week_plan.picks, 1):
        d = p.diagram
        result.append(ics.Event(
            uid=f"speed-draw-{week_plan.week}-{d.nid}@atlas-anki",
            start=start,
            minutes=length,
            summary=f"Speed-draw {i}/{len(week_plan.picks)}: {d.title} ({week_plan.minutes} min)",
            description=(f"Draw \"{d.title}\" from memory in {week_plan.minutes} minutes, then compare with the "
                         f"original and score the accuracy.\nWhy: {p.reason}.\n"
                         f"Log it: speed-draw record {d.nid} --accuracy PCT --seconds N"),
        ))
        start += dt.timedelta(minutes=length)
    return result


@dataclass
class Staged:
    """Files written as temporaries beside their place, put there by :meth:`commit`."""

    moves: list[tuple[Path, Path]] = field(default_factory=list)  # (temporary, final)
    created: list[Path] = field(default_factory=list)  # folders staging made, deepest first

    @property
    def paths(self) -> tuple[Path, ...]:
        return tuple(final for _, final in self.moves)

    def commit(self) -> None:
        for tmp, final in self.moves:
            try:
                os.replace(tmp, final)
            except OSError as e:
                self.discard()
                raise OutputError(f"the notes are tagged and the plan saved, but {final} could not be written "
                                  f"({e.strerror}): run speed-draw plan again") from e

    def discard(self) -> None:
        for tmp, _ in self.moves:
            tmp.unlink(missing_ok=True)
        for folder in self.created:
            try:
                folder.rmdir()
            except OSError:
                break


def stage_files(week_plan: WeekPlan, out_dir: Path, session: dt.datetime, now: int) -> Staged:
    """Write the checklist and calendar as temporaries in ``out_dir``, or :class:`OutputError`."""
    stamp = dt.datetime.fromtimestamp(now, dt.timezone.utc)
    contents = {
        out_dir / f"speed-draw-{week_plan.week}.md": checklist(week_plan).encode("utf-8"),
        out_dir / f"speed-draw-{week_plan.week}.ics": ics.calendar(events(week_plan, session), stamp).encode("utf-8"),
    }
    staged = Staged()
    try:
        staged.created = [p for p in (out_dir, *out_dir.parents) if not p.exists()]
        out_dir.mkdir(parents=True, exist_ok=True)
        for final, data in contents.items():
            if final.is_dir():
                raise IsADirectoryError(errno.EISDIR, f"{final.name} is a folder", str(final))
            fd, name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=out_dir)
            staged.moves.append((Path(name), final))
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.chmod(name, 0o644)
    except OSError as e:
        staged.discard()
        raise OutputError(f"cannot write the checklist to {out_dir}: {e.strerror}: pass a writable --out folder "
                          f"(nothing was tagged or saved)") from e
    return staged


def _titles(client: AnkiConnect, nids: list[int]) -> dict[int, str]:
    """Each note's ``Title`` field (the speed-draw note type's), else its first field, as plain text."""
    if not nids:
        return {}
    titles = {}
    for info in client.notes_info(nids):
        if not info:
            continue
        fields = info.get("fields", {})
        if "Title" in fields:
            value = fields["Title"].get("value", "")
        else:
            ordered = sorted(fields.values(), key=lambda f: f.get("order", 0))
            value = ordered[0].get("value", "") if ordered else ""
        titles[int(info["noteId"])] = _plain(value) or f"note {info['noteId']}"
    return {nid: titles.get(nid, f"note {nid}") for nid in nids}


def _plain(field_html: str) -> str:
    text = re.sub(r"<(br|/div|/p|/li|/h\d)\b[^>]*>", " ", field_html, flags=re.IGNORECASE)
    text = re.sub(r"<[^>]*>", "", text)
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


@dataclass(frozen=True)
class Recorded:
    result: Result
    title: str | None
    planned: bool


def record(store: DeckStore, nid: int, *, accuracy: float, seconds: int, now: int, today: dt.date) -> Recorded:
    if not 0 <= accuracy <= 100:
        raise UsageError(f"--accuracy must be between 0 and 100 (a percentage), not {accuracy:g}")
    if seconds <= 0:
        raise UsageError(f"--seconds must be the drawing time in seconds (more than 0), not {seconds}")
    planned = store.records.planned_minutes(nid)
    limit = planned[1] * 60 if planned else None
    result = Result(nid, now, iso_week(today), float(accuracy), int(seconds), limit)
    store.records.add_result(result)
    return Recorded(result, store.records.planned_title(nid), planned is not None)
