"""The build: sources in, notes assembled, one package out. No click here."""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime, timezone
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from deckbuilder import text
from deckbuilder.core.assemble import TextRenderer, question_notes, topic_tags
from deckbuilder.core.audit import BankAudit, audit_problems, audit_topics
from deckbuilder.core.model import LEVELS, Curriculum
from deckbuilder.core.notes import NoteSpec, deck_name
from deckbuilder.core import register
from deckbuilder.core.problems import Problem, as_errors, errors
from deckbuilder.core.register import RegisterCheck
from deckbuilder.core.stamps import content_digest, restamp
from deckbuilder.diagrams.api import DiagramBuild, DiagramOptions, OwnDiagram
from deckbuilder.atomicfile import write_text
from deckbuilder.errors import OutputError, SourceError
from deckbuilder.loader import display_path, load_curriculum, load_register, source_time
from deckbuilder.output import OutputDir

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_CARDS = PROJECT_DIR / "cards"
DEFAULT_MEDIA = PROJECT_DIR / "media"


@dataclass(frozen=True)
class BuildSettings:
    cards_dir: Path = DEFAULT_CARDS
    media_dir: Path = DEFAULT_MEDIA
    out_dir: Path = Path("build")
    path: str = "intensive"
    check: bool = False
    strict: bool = False
    diagrams: bool = True
    atlas_dir: Path | None = None
    diagram_options: DiagramOptions = field(default_factory=DiagramOptions)
    cache_dir: Path | None = None  # parsed-source cache; None: parse every file every time
    source_date_epoch: int | None = None  # SOURCE_DATE_EPOCH: pins every note's time (reproducible builds)
    now: int | None = None  # the time given to changed notes; None: the clock when the package is written, plus 1 s
    register: bool = False  # record the sources' ids in the register of released ids (implies check)


@dataclass(frozen=True)
class BuildResult:
    curriculum: Curriculum
    notes: tuple[NoteSpec, ...]
    warnings: tuple[Problem, ...]
    diagrams: DiagramBuild | None
    out_path: Path | None  # None with --check
    audit: BankAudit | None = None
    ids: RegisterCheck | None = None  # the sources against the register of released ids
    registered: str = ""  # with --register: what was recorded

    def summary(self) -> str:
        by_level: Counter[str] = Counter()
        for topic in self.curriculum.topics:
            by_level.update(topic.count_by_level())
        by_type = Counter(note.notetype for note in self.notes)
        lines = [
            f"topics: {len(self.curriculum.topics)}, questions: {self.curriculum.question_count}, notes: {len(self.notes)}",
            "by level: " + ", ".join(f"{lvl} {by_level[lvl]}" for lvl in LEVELS),
            "by note type: " + ", ".join(f"{key} {n}" for key, n in sorted(by_type.items())),
        ]
        if self.audit is not None:
            bank = self.audit.bank
            lines.append(
                f"answer key: pick-the-longest {_share(bank.longest_score, bank.single)} of {bank.single} questions, "
                f"correct/distractor length {bank.ratio:.2f}x; answers over their limit {bank.over_limit}/{bank.written}, "
                f"cloze gaps over 8 words {bank.long_gaps}/{bank.gaps}")
        if self.ids is not None and self.ids.retired:
            lines.append(f"retired ids (in the register, not in the sources): {len(self.ids.retired)}")
        lines.append(f"warnings: {len(self.warnings)}")
        lines += [f"  {w}" for w in self.warnings]
        if self.registered:
            lines.append(self.registered)
        elif self.out_path is not None:
            lines.append(f"wrote {display_path(self.out_path)}")
        else:
            lines.append("checked: no package written (--check)")
        return "\n".join(lines)


def _share(part: float, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def build(settings: BuildSettings) -> BuildResult:
    """Load, validate, assemble and (unless ``check``) write the package.

    Raises :class:`SourceError` listing every error; with ``strict`` warnings and diagram
    failures are errors too. Nothing is written when anything is raised.
    """
    with nullcontext() if settings.check or settings.register else OutputDir(settings.out_dir) as out:  # locked first
        return _build(settings, out)


def _build(settings: BuildSettings, out: OutputDir | None) -> BuildResult:
    curriculum, warnings = load_curriculum(settings.cards_dir, settings.media_dir, settings.source_date_epoch,
                                           cache_dir=settings.cache_dir)
    audit = audit_topics(curriculum.topics)
    warnings = warnings + audit_problems(curriculum.topics)
    entries, register_problems = load_register(settings.cards_dir)
    ids = None
    if entries is not None:
        ids = register.check(curriculum.topics, entries, display_path(settings.cards_dir / register.FILE_NAME))
        register_problems += list(ids.problems)
    if errors(register_problems):
        raise SourceError(errors(register_problems), report=audit)
    if settings.register:
        recorded = _record_ids(settings, curriculum, entries or {})
        return BuildResult(curriculum, (), tuple(warnings), None, None, audit, ids, recorded)
    warnings = warnings + register_problems
    if settings.strict and warnings:
        raise SourceError(as_errors(warnings), report=audit)
    notes, digests = _question_notes(curriculum, settings)
    diagrams = None
    if settings.diagrams and (settings.atlas_dir is not None or any(t.diagrams for t in curriculum.topics)):
        diagrams = _diagram_notes(curriculum, settings)
        failures = [Problem(f.page, f.line, "diagram", f"Mermaid could not render it: {f.message}",
                            "fix the diagram source (or drop --strict to skip it)") for f in diagrams.failures]
        # Diagram warnings (folders outside the plan, …) inform; --strict fails on render failures.
        extra = [Problem("build", 0, "diagrams", w, "see the message", "warning") for w in diagrams.warnings]
        if settings.strict and failures:
            raise SourceError(failures)
        warnings = warnings + [Problem(p.file, p.line, p.item, p.message, p.fix, "warning") for p in failures] + extra
        notes = notes + list(diagrams.notes)
    out_path = None
    if out is not None:
        from deckbuilder.writer import write_package_file  # genanki only when writing

        previous, problem = out.read_stamps()
        warnings = warnings + ([problem] if problem else [])
        # Later than any change a collection can hold: the clock now, and one second past it, so a
        # tag change in this very second still loses to this build's edits.
        now = settings.now if settings.now is not None else int(time.time()) + 1
        stamped = restamp(notes, previous, now=now, pinned=settings.source_date_epoch, digests=digests)
        if stamped.not_newer:
            warnings.append(_not_newer_warning(stamped.not_newer, settings.source_date_epoch))
        notes = stamped.notes
        package_time = build_time(notes, settings.source_date_epoch)
        out_path = out.write(lambda path: write_package_file(notes, path, package_time), stamped.stamps)
    return BuildResult(curriculum, tuple(notes), tuple(warnings), diagrams, out_path, audit, ids)


def _record_ids(settings: BuildSettings, curriculum: Curriculum, entries: dict[str, register.Entry]) -> str:
    now = settings.now if settings.now is not None else int(time.time())
    today = datetime.fromtimestamp(now, timezone.utc).date().isoformat()
    after = register.update(curriculum.topics, entries, today)
    path = settings.cards_dir / register.FILE_NAME
    try:
        write_text(path, register.format_register(after.values()))
    except OSError as exc:
        raise OutputError(f"{display_path(path)}: cannot write the register ({exc.strerror or exc})") from None
    added = len(after.keys() - entries.keys())
    retired = sum(1 for i, e in after.items() if e.retired and not (entries.get(i) and entries[i].retired))
    restored = sum(1 for i, e in after.items() if not e.retired and entries.get(i) and entries[i].retired)
    return (f"registered {display_path(path)}: {added} new, {retired} retired, {restored} restored, "
            f"{sum(1 for e in after.values() if not e.retired)} live ids")


def _not_newer_warning(uids: tuple[str, ...], epoch: int | None) -> Problem:
    shown = ", ".join(uids[:5]) + (f" and {len(uids) - 5} more" if len(uids) > 5 else "")
    return Problem("build", 0, "SOURCE_DATE_EPOCH",
                   f"{len(uids)} changed note{'s' if len(uids) != 1 else ''} ({shown}) would not be newer than in the "
                   f"previous build (SOURCE_DATE_EPOCH={epoch}): Anki skips them on import",
                   "set SOURCE_DATE_EPOCH to a later time (e.g. the commit time), or unset it", "warning")


def _question_notes(curriculum: Curriculum, settings: BuildSettings) -> tuple[list[NoteSpec], dict[str, str]]:
    """Every question's note and, where known, its content digest.

    With a cache dir, the notes of a topic whose source is unchanged are reused, digests too.
    """
    renderer = TextRenderer(block=text.to_html, inline=text.to_inline_html)
    if settings.cache_dir is None:
        return question_notes(curriculum, settings.path, renderer), {}
    from deckbuilder.picklecache import PickleCache, code_digest

    salt = code_digest("core/assemble.py", "core/tags.py", "core/notes.py", "core/stamps.py", "text.py")
    cache = PickleCache(settings.cache_dir, "notes", salt + repr(curriculum.plan).encode())
    notes: list[NoteSpec] = []
    digests: dict[str, str] = {}
    for topic in curriculum.topics:
        key = f"{topic.digest}\0{settings.path}"
        cached = cache.get(key)
        if cached is None:
            topic_notes = question_notes(Curriculum(curriculum.plan, (topic,)), settings.path, renderer)
            cached = (topic_notes, {n.uid: content_digest(n) for n in topic_notes})
            cache.put(key, cached)
        notes.extend(cached[0])
        digests.update(cached[1])
    return notes, digests


def build_time(notes: list[NoteSpec], epoch: int | None) -> int:
    """The package's time: SOURCE_DATE_EPOCH, or the newest of the notes and note type sources.

    Note types count as sources: a changed template yields a newer model time, so Anki
    updates the templates on import.
    """
    if epoch is not None:
        return epoch
    notetype_dir = Path(__file__).resolve().parent / "notetypes"
    times = [note.mtime for note in notes] + [int(p.stat().st_mtime) for p in notetype_dir.iterdir() if p.is_file()]
    return max(times)


def own_diagrams(curriculum: Curriculum, settings: BuildSettings) -> list[OwnDiagram]:
    result = []
    for topic in curriculum.topics:
        for name in topic.diagrams:
            path = settings.media_dir / name
            result.append(OwnDiagram(
                topic_id=topic.id,
                topic_title=topic.title,
                phase=topic.phase,
                category=topic.category,
                reference_week=topic.reference_week,
                deck=deck_name(topic.subdeck),
                tags=topic_tags(curriculum, topic, settings.path),
                path=path,
                mtime=source_time(path, settings.source_date_epoch),
            ))
    return result


def _diagram_notes(curriculum: Curriculum, settings: BuildSettings) -> DiagramBuild:
    from deckbuilder.diagrams import build_diagram_notes  # the browser only when needed

    return build_diagram_notes(
        plan=curriculum.plan,
        path=settings.path,
        atlas_dir=settings.atlas_dir,
        own_diagrams=own_diagrams(curriculum, settings),
        options=settings.diagram_options,
        epoch=settings.source_date_epoch,
    )
