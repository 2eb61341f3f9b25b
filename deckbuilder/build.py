"""The build: sources in, notes assembled, one package out. No click here."""

from __future__ import annotations

import time
from collections import Counter
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

from deckbuilder.atomicfile import write_text
from deckbuilder.core import register
from deckbuilder.core.assemble import topic_tags
from deckbuilder.core.audit import BankAudit, audit_problems, bank_audit
from deckbuilder.core.model import LEVELS, Curriculum
from deckbuilder.core.notes import NoteSpec, deck_name
from deckbuilder.core.problems import Problem, as_errors, errors
from deckbuilder.core.register import RegisterCheck
from deckbuilder.core.stamps import Stamper
from deckbuilder.core.validate import validate_curriculum
from deckbuilder.diagrams.api import DiagramBuild, DiagramOptions, OwnDiagram
from deckbuilder.errors import OutputError, SourceError
from deckbuilder.loader import PLAN_FILE, display_path, load_plan, load_register, source_time, topic_files
from deckbuilder.output import OutputDir
from deckbuilder.sources import PreparedTopic, prepare_topics

if TYPE_CHECKING:
    from deckbuilder.writer import PackageBuilder

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
    cache_dir: Path | None = None  # the diagrams' cache (renders, pages); None: the diagram options' own
    progress: Callable[[str, int, int], None] | None = None  # (stage, done, total), e.g. a progress bar
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
    paths = topic_files(settings.cards_dir)
    package = None
    if out is not None:
        from deckbuilder.writer import PackageBuilder  # genanki only when writing

        package = PackageBuilder(id_time(paths, settings.source_date_epoch))
    try:
        return _build_into(settings, paths, out, package)
    finally:
        if package is not None:
            package.close()


def _build_into(settings: BuildSettings, paths: list[Path], out: OutputDir | None, package: PackageBuilder | None
                ) -> BuildResult:
    """The build of the topic files ``paths``; with ``package``, each topic's notes go into it as
    soon as they are ready."""
    stamper = None
    warnings: list[Problem] = []
    if out is not None:
        previous, problem = out.read_stamps()
        warnings += [problem] if problem else []
        stamper = Stamper(previous, settings.source_date_epoch)
    curriculum, prepared, notes, pending, problems = _load(settings, paths, stamper, package)
    warnings += problems
    audit = bank_audit([p.audit for p in prepared if p.audit is not None])
    warnings += audit_problems(curriculum.topics, audit.topics)
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
    warnings += register_problems
    if settings.strict and warnings:
        raise SourceError(as_errors(warnings), report=audit)
    diagrams = None
    if settings.diagrams and (settings.atlas_dir is not None or any(t.diagrams for t in curriculum.topics)):
        diagrams = _diagram_notes(curriculum, settings)
        failures = [Problem(f.page, f.line, "diagram", f"Mermaid could not render it: {f.message}",
                            "fix the diagram source (or drop --strict to skip it)") for f in diagrams.failures]
        # Diagram warnings (folders outside the plan, …) inform; --strict fails on render failures.
        extra = [Problem("build", 0, "diagrams", w, "see the message", "warning") for w in diagrams.warnings]
        if settings.strict and failures:
            raise SourceError(failures)
        warnings += [Problem(p.file, p.line, p.item, p.message, p.fix, "warning") for p in failures] + extra
        notes += _add(list(diagrams.notes), stamper, package, pending)
    out_path = None
    if out is not None and package is not None and stamper is not None:
        # Later than any change a collection can hold: the clock now, and one second past it, so a
        # tag change in this very second still loses to this build's edits.
        now = settings.now if settings.now is not None else int(time.time()) + 1
        changed_time = stamper.finish(now)
        if stamper.not_newer:
            warnings.append(_not_newer_warning(tuple(stamper.not_newer), settings.source_date_epoch))
        if changed_time is not None:
            notes = [replace(n, mtime=changed_time) if n.uid in pending else n for n in notes]
        package_time = build_time(notes, settings.source_date_epoch)
        out_path = out.write(lambda path: package.write(path, package_time, changed_time), stamper.stamps)
    return BuildResult(curriculum, tuple(notes), tuple(warnings), diagrams, out_path, audit, ids)


def _add(notes: Sequence[NoteSpec], stamper: Stamper | None, package: PackageBuilder | None, pending: set[str],
         guids: Sequence[str] | None = None, digests: Sequence[str] | None = None) -> list[NoteSpec]:
    """Settle the notes' times and put them in the package (when writing); the notes as settled.

    ``guids`` and ``digests``: each note's, in the order of ``notes``, when already computed."""
    if stamper is None or package is None:
        return list(notes)
    settled, waiting = stamper.stamp(notes, digests)
    package.add(settled, guids, waiting)
    pending |= waiting
    return settled


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


def _load(settings: BuildSettings, paths: list[Path], stamper: Stamper | None, package: PackageBuilder | None
          ) -> tuple[Curriculum, list[PreparedTopic], list[NoteSpec], set[str], list[Problem]]:
    """The plan and the topic files ``paths``, prepared (and, while the other files are still
    being prepared, added to ``package``); raises :class:`SourceError` with every error."""
    plan = load_plan(settings.cards_dir / PLAN_FILE)
    progress = settings.progress or (lambda stage, done, total: None)
    prepared: list[PreparedTopic] = []
    notes: list[NoteSpec] = []
    pending: set[str] = set()
    failed = False
    for item in prepare_topics(paths, plan, settings.path, settings.source_date_epoch):
        prepared.append(item)
        progress("reading cards", len(prepared), len(paths))
        failed = failed or item.topic is None or any(p.severity == "error" for p in item.problems)
        if not failed:
            notes += _add(item.notes, stamper, package, pending, item.guids, item.digests)
    problems = [problem for p in prepared for problem in p.problems]
    curriculum = Curriculum(plan, tuple(p.topic for p in prepared if p.topic is not None))
    problems += validate_curriculum(curriculum, media_exists=lambda name: (settings.media_dir / name).is_file())
    if errors(problems):
        raise SourceError(errors(problems))
    return curriculum, prepared, notes, pending, problems


def build_time(notes: list[NoteSpec], epoch: int | None) -> int:
    """The package's time: SOURCE_DATE_EPOCH, or the newest of the notes and note type sources.

    Note types count as sources: a changed template yields a newer model time, so Anki
    updates the templates on import.
    """
    if epoch is not None:
        return epoch
    return max([note.mtime for note in notes] + _notetype_times())


def id_time(paths: Sequence[Path], epoch: int | None) -> int:
    """The time the package's note and card ids count from: SOURCE_DATE_EPOCH, or the newest of
    the topic files and note type sources.

    Known before any note is made, so each note takes its final id as it is added. The same
    sources give the same ids; Anki moves an incoming id that its collection already holds.
    """
    if epoch is not None:
        return epoch
    return max([source_time(path) for path in paths] + _notetype_times())


def _notetype_times() -> list[int]:
    notetype_dir = Path(__file__).resolve().parent / "notetypes"
    return [int(p.stat().st_mtime) for p in notetype_dir.iterdir() if p.is_file()]


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
        progress=settings.progress,
        epoch=settings.source_date_epoch,
    )
