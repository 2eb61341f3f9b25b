"""Load ``cards/`` into the curriculum model, collecting every problem with file and line."""

from __future__ import annotations

import difflib
import functools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deckbuilder.core.model import (
    LEVELS,
    Cloze,
    Curriculum,
    MultipleChoice,
    Origin,
    Prompted,
    Question,
    Topic,
)
from deckbuilder.core import register
from deckbuilder.core.plan import (
    PATH_NAMES,
    DeckOptions,
    KeyResult,
    Phase,
    Plan,
    ReportCategory,
    StudyPath,
    Tier,
    validate_tiers,
    validate_tiling,
)
from deckbuilder.core.tags import RESERVED_PREFIX, plan_vocabulary_problems
from deckbuilder.core.problems import Problem
from deckbuilder.core.validate import validate_curriculum
from deckbuilder.errors import SourceError
from deckbuilder.yamlsource import LineList, LineMap, YamlSyntaxError, load_yaml

PLAN_FILE = "plan.yaml"
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,78}[a-z0-9]$")
TAG_PATTERN = re.compile(r"^[^\s\"]+$")
RESERVED_TAG_PREFIX = RESERVED_PREFIX

TOPIC_KEYS = {
    "required": ("id", "title", "phase", "category"),
    "optional": ("week", "deck", "key_results", "diagrams", "tags"),
}
COMMON_QUESTION_KEYS = ("id", "level", "source", "explanation", "tags")
LEVEL_KEYS: dict[str, tuple[str, ...]] = {
    "recognition": ("stem", "options", "correct"),
    "recall": ("question", "answer", "cloze", "key_points"),
    "application": ("scenario", "answer", "key_points"),
    "analysis": ("prompt", "answer", "key_points"),
}
KEY_HINTS = {
    "stem": "the question of the multiple choice",
    "options": "a list of 3–5 options",
    "correct": "the letter of the correct option, e.g. correct: B",
    "question": "the question",
    "answer": "the model answer",
    "scenario": "the situation to solve",
    "key_points": "a list of the points a good answer makes",
    "prompt": "the comparison to make",
    "source": "where a learner can check it (book and chapter, or paper and section)",
    "id": "a stable id (lowercase letters, digits, '-')",
    "level": "recognition, recall, application or analysis",
    "title": "the topic's title",
    "phase": "the phase number (1–5)",
    "category": "a category of plan.yaml (a DS folder, e.g. guarantees)",
}


def source_time(path: Path, epoch: int | None = None) -> int:
    """The time of the notes built from ``path``: ``epoch`` (``SOURCE_DATE_EPOCH``, pinned for
    reproducible builds) when given, else the file's own modification time."""
    if epoch is not None:
        return epoch
    return int(path.stat().st_mtime)


def display_path(path: Path) -> str:
    """A path as a person would type it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(_resolved(os.getcwd())))
    except ValueError:
        return str(path)


@functools.lru_cache(maxsize=16)
def _resolved(folder: str) -> Path:
    return Path(folder).resolve()


@dataclass
class _Collector:
    file: str
    problems: list[Problem]
    refused: set[tuple[int, str]] = field(default_factory=set)  # (id(node), key) already reported

    def add(self, line: int, item: str, message: str, fix: str, severity: str = "error") -> None:
        self.problems.append(Problem(self.file, line, item, message, fix, severity))  # type: ignore[arg-type]

    def unknown_keys(self, node: LineMap, allowed: tuple[str, ...], item: str) -> None:
        for key in node:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                fix = f'did you mean "{close[0]}"?' if close else "remove it"
                self.add(node.line_of(key), item, f'unknown key "{key}"', f"{fix} (allowed: {', '.join(allowed)})")
        for key, line in node.duplicate_keys:
            self.add(line, item, f'key "{key}" appears twice', "keep one of them")


# --- plan -------------------------------------------------------------------------------


def load_plan(path: Path) -> Plan:
    """Load ``plan.yaml``; raise :class:`SourceError` listing every problem."""
    problems: list[Problem] = []
    plan = _parse_plan(path, problems)
    if problems or plan is None:
        raise SourceError(problems)
    return plan


def _parse_plan(path: Path, problems: list[Problem]) -> Plan | None:
    c = _Collector(display_path(path), problems)
    if not path.is_file():
        c.add(0, "file", "the study plan is missing", f"create {PLAN_FILE} (see cards/README.md)")
        return None
    try:
        doc = load_yaml(path)
    except YamlSyntaxError as exc:
        c.add(exc.line, "file", f"YAML does not parse: {exc.message}", exc.fix or "fix the YAML syntax at this line")
        return None
    if not isinstance(doc, LineMap):
        c.add(1, "file", "expected a mapping with paths, phases, categories, key_results", "see cards/README.md")
        return None
    c.unknown_keys(doc, ("paths", "phases", "categories", "key_results", "tiers", "report_categories",
                         "deck_options", "daily_review_minutes"), "plan")
    try:
        paths = {
            name: StudyPath(name, int(doc["paths"][name]["weeks"]), str(doc["paths"][name].get("title", name)))
            for name in PATH_NAMES
        }
        phases = tuple(
            Phase(
                number=int(p["number"]),
                slug=str(p["slug"]),
                title=str(p["title"]),
                weeks={name: (int(p["weeks"][name][0]), int(p["weeks"][name][1])) for name in PATH_NAMES},
                categories=tuple(str(x) for x in p.get("categories", ())),
            )
            for p in doc["phases"]
        )
        categories = {str(k): str(v) for k, v in doc["categories"].items()}
        tiers = tuple(
            Tier(number=int(t["number"]), slug=str(t["slug"]), title=str(t["title"]),
                 categories=tuple(str(x) for x in t.get("categories", ())))
            for t in (doc.get("tiers") or ())
        )
        krs = tuple(
            KeyResult(str(k["id"]), str(k["title"]), {str(t): float(v) for t, v in (k.get("target") or {}).items()},
                      int(k["due_week"]), tuple(str(x) for x in (k.get("counts") or {}).get("categories", ())),
                      (k.get("counts") or {}).get("measure") or None)
            for k in doc.get("key_results", ())
        )
        report_categories = tuple(
            ReportCategory(name=str(r["name"]), target=int(r["target"]),
                           categories=tuple(str(x) for x in r.get("categories", ())))
            for r in (doc.get("report_categories") or ())
        )
        daily_minutes = int(doc.get("daily_review_minutes") or 30)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        c.add(doc.line, "plan", f"missing or malformed entry ({exc!r})", "follow the plan.yaml format in cards/README.md")
        return None
    deck_options = _deck_options(c, doc.get("deck_options")) if doc.get("deck_options") else None
    plan = Plan(paths=paths, phases=phases, categories=categories, key_results=krs, tiers=tiers,
                report_categories=report_categories, deck_options=deck_options, daily_review_minutes=daily_minutes)
    for kr in krs:
        if kr.measure not in (None, "studied", "mastered"):
            c.add(doc.line_of("key_results"), "plan", f"key result {kr.id}: measure {kr.measure!r}",
                  "use studied or mastered")
        unknown = [x for x in kr.categories if x not in categories]
        if unknown:
            c.add(doc.line_of("key_results"), "plan", f"key result {kr.id} counts unknown categories {unknown}",
                  "name keys of `categories`")
    for report in report_categories:
        unknown = [x for x in report.categories if x not in categories]
        if unknown:
            c.add(doc.line_of("report_categories"), "plan", f"report category {report.name!r} names unknown "
                  f"categories {unknown}", "name keys of `categories`")
    for message in validate_tiling(plan):
        c.add(doc.line_of("phases"), "plan", message, "make each path's phase weeks follow on from 1 to its last week")
    for message in plan_vocabulary_problems(plan):
        c.add(doc.line, "plan", message, "these names become tags: rename it")
    for message in validate_tiers(plan):
        c.add(doc.line_of("tiers"), "plan", message, "name each category of `categories` in one tier at most")
    return plan


_DECK_OPTION_KEYS = {
    "preset": str, "learning_steps": "steps", "graduating_interval": int, "easy_interval": int,
    "insertion_order": ("sequential", "random"), "new_per_day": "per-complexity", "relearning_steps": "steps",
    "lapse_new_interval": float, "minimum_interval": int, "leech_threshold": int, "maximum_interval": int,
    "interval_modifier": float, "hard_interval": float, "easy_bonus": float, "bury_related": bool,
    "show_timer": bool, "fsrs": bool,
}
_TRUE, _FALSE = ("true", "yes", "on"), ("false", "no", "off")


def _deck_options(c: _Collector, node: Any) -> DeckOptions | None:
    """``deck_options:`` of the plan, every value checked (the YAML gives text as written)."""
    if not isinstance(node, LineMap):
        c.add(0, "plan", "`deck_options` is not a mapping", "see cards/README.md")
        return None
    c.unknown_keys(node, tuple(_DECK_OPTION_KEYS), "deck_options")
    values: dict[str, Any] = {}
    for key, kind in _DECK_OPTION_KEYS.items():
        raw = node.get(key)
        line = node.line_of(key)
        try:
            if raw is None:
                raise ValueError("missing")
            if kind == "steps":
                values[key] = tuple(float(x) for x in raw)
            elif kind == "per-complexity":
                values[key] = {str(k): int(v) for k, v in raw.items()}
                if set(values[key]) != {"simple", "moderate", "complex", "very-complex"}:
                    raise ValueError("name simple, moderate, complex and very-complex")
            elif kind is bool:
                if str(raw).lower() not in _TRUE + _FALSE:
                    raise ValueError("write true or false")
                values[key] = str(raw).lower() in _TRUE
            elif isinstance(kind, tuple):
                if raw not in kind:
                    raise ValueError(f"use one of {', '.join(kind)}")
                values[key] = raw
            else:
                values[key] = kind(raw)
        except (ValueError, TypeError, AttributeError) as exc:
            c.add(line, "deck_options", f"`{key}` is not valid ({exc})", "see the deck_options example in cards/plan.yaml")
    if len(values) != len(_DECK_OPTION_KEYS):
        return None
    return DeckOptions(**values)


# --- the register of released ids -------------------------------------------------------


def load_register(cards_dir: Path) -> tuple[dict[str, register.Entry] | None, list[Problem]]:
    """The register beside the sources (``None`` when there is none), and its problems."""
    path = cards_dir / register.FILE_NAME
    if not path.is_file():
        return None, []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(display_path(path), 0, "register", f"unreadable ({exc})", "restore it from git")]
    return register.parse(text, display_path(path))


# --- topics -----------------------------------------------------------------------------


def topic_files(cards_dir: Path) -> list[Path]:
    """Every topic file below ``cards_dir``, in path order (every ``*.yaml`` but the plan)."""
    return [p for p in sorted(cards_dir.rglob("*.yaml")) if p != cards_dir / PLAN_FILE]


def load_curriculum(cards_dir: Path, media_dir: Path, epoch: int | None = None) -> tuple[Curriculum, list[Problem]]:
    """Load the plan and every topic file below ``cards_dir`` (one process; the build itself
    prepares topics in parallel, see :mod:`deckbuilder.sources`).

    Returns the curriculum and the warnings; raises :class:`SourceError` with every error of
    every file when there is any (one broken file never hides another's problems).
    """
    plan = load_plan(cards_dir / PLAN_FILE)
    problems: list[Problem] = []
    topics: list[Topic] = []
    for path in topic_files(cards_dir):
        topic, file_problems = parse_topic_file(path, plan, epoch)
        problems.extend(file_problems)
        if topic is not None:
            topics.append(topic)
    curriculum = Curriculum(plan, tuple(topics))
    problems.extend(validate_curriculum(curriculum, media_exists=lambda name: (media_dir / name).is_file()))
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise SourceError(errors)
    return curriculum, problems


def parse_topic_file(path: Path, plan: Plan, epoch: int | None) -> tuple[Topic | None, list[Problem]]:
    """One topic file: the topic (None when it cannot be read at all) and its problems."""
    problems: list[Problem] = []
    return _parse_topic_file(path, plan, problems, epoch), problems


def _parse_topic_file(path: Path, plan: Plan, problems: list[Problem], epoch: int | None) -> Topic | None:
    c = _Collector(display_path(path), problems)
    try:
        doc = load_yaml(path)
    except YamlSyntaxError as exc:
        c.add(exc.line, "file", f"YAML does not parse: {exc.message}",
              exc.fix or 'fix the YAML syntax at this line (quote text that contains ": " or starts with a special character)')
        return None
    except UnicodeDecodeError:
        c.add(0, "file", "is not UTF-8 text", "save the file as UTF-8")
        return None
    if not isinstance(doc, LineMap) or not isinstance(doc.get("topic"), LineMap):
        c.add(getattr(doc, "line", 1), "file", "expected a mapping with `topic:` and `questions:`", "see the example in cards/README.md")
        return None
    c.unknown_keys(doc, ("topic", "questions"), "file")
    node: LineMap = doc["topic"]
    topic_id = node.get("id") if isinstance(node.get("id"), str) else "?"
    item = f'topic "{topic_id}"'
    _only_text(c, node, item)
    c.unknown_keys(node, TOPIC_KEYS["required"] + TOPIC_KEYS["optional"], item)
    ok = _require(c, node, TOPIC_KEYS["required"], item)
    if not ok:
        return None
    _check_id(c, node, item)
    phase = _phase(c, node, plan, item)
    category = str(node["category"])
    if category not in plan.categories:
        c.add(node.line_of("category"), item, f'unknown category "{category}"',
              f"use one of plan.yaml's categories: {', '.join(plan.categories)}")
    reference_week = _week(c, node, plan, phase, item)
    subdeck = str(node.get("deck") or f"{plan.categories.get(category, category)}::{node['title']}")
    key_results = _str_list(c, node, "key_results", item)
    known_krs = {kr.id for kr in plan.key_results}
    for kr in key_results:
        if kr not in known_krs:
            c.add(node.line_of("key_results"), item, f'unknown key result "{kr}"', f"use one of {', '.join(sorted(known_krs))}")
    questions_node = doc.get("questions")
    questions: list[Question] = []
    if questions_node is None:
        c.add(doc.line, item, "has no questions", "add a `questions:` list")
    elif not isinstance(questions_node, LineList):
        c.add(doc.line_of("questions"), item, "`questions` is not a list", "make it a list of questions (`- id: …`)")
    else:
        for index, (q, line) in enumerate(zip(questions_node, questions_node.item_lines), start=1):
            question = _parse_question(c, q, line, index)
            if question is not None:
                questions.append(question)
    mtime = source_time(path, epoch)
    return Topic(
        id=topic_id,
        title=str(node["title"]),
        phase=phase,
        category=category,
        reference_week=reference_week,
        subdeck=subdeck,
        key_results=tuple(key_results),
        diagrams=tuple(_diagram_names(c, node, item)),
        tags=tuple(_tags(c, node, item)),
        questions=tuple(questions),
        origin=Origin(c.file, node.line),
        mtime=mtime,
    )


def _parse_question(c: _Collector, q: Any, line: int, index: int) -> Question | None:
    if not isinstance(q, LineMap):
        c.add(line, f"question #{index}", "is not a mapping", "write it as `- id: …` with its keys below")
        return None
    qid = q.get("id") if isinstance(q.get("id"), str) and q.get("id") else f"#{index}"
    item = f'question "{qid}"'
    _only_text(c, q, item)
    if not _require(c, q, ("id", "level"), item):
        return None
    _check_id(c, q, item)
    level = str(q["level"])
    if level not in LEVELS:
        close = difflib.get_close_matches(level, LEVELS, n=1)
        hint = f'did you mean "{close[0]}"? ' if close else ""
        c.add(q.line_of("level"), item, f'unknown level "{level}"', f"{hint}use one of {', '.join(LEVELS)}")
        return None
    c.unknown_keys(q, COMMON_QUESTION_KEYS + LEVEL_KEYS[level], item)
    origin = Origin(c.file, q.line)
    common = dict(
        id=qid,
        source=_text(q, "source"),
        explanation=_text(q, "explanation"),
        tags=tuple(_tags(c, q, item)),
        origin=origin,
    )
    if not common["source"]:
        c.add(q.line, item, 'has no "source"', f"add source: {KEY_HINTS['source']}")
    if level == "recognition":
        return _multiple_choice(c, q, item, common)
    if level == "recall" and "cloze" in q:
        if "question" in q or "answer" in q:
            c.add(q.line_of("cloze"), item, "has both `cloze` and `question`/`answer`", "keep one form")
        text = _text(q, "cloze")
        if not re.search(r"\{\{c\d+::.+?\}\}", text):
            c.add(q.line_of("cloze"), item, "cloze has no deletion", "mark at least one with {{c1::…}}")
        return Cloze(text=text, **common)
    prompt_key = {"recall": "question", "application": "scenario", "analysis": "prompt"}[level]
    required = (prompt_key, "answer") + (("key_points",) if level == "application" else ())
    if not _require(c, q, required, item):
        return None
    return Prompted(
        level=level,  # type: ignore[arg-type]
        prompt=_text(q, prompt_key),
        answer=_text(q, "answer"),
        key_points=tuple(_str_list(c, q, "key_points", item)),
        **common,
    )


def _multiple_choice(c: _Collector, q: LineMap, item: str, common: dict) -> MultipleChoice | None:
    if not _require(c, q, ("stem", "options"), item):
        return None
    options = _str_list(c, q, "options", item)
    if not 3 <= len(options) <= 5:
        c.add(q.line_of("options"), item, f"has {len(options)} options", "give 3 to 5 options")
    letters = [chr(ord("A") + i) for i in range(len(options))]
    raw = q.get("correct")
    if raw in (None, "", []):
        c.add(q.line, item, "no correct option", f"set correct: to one or more of {', '.join(letters)}")
        return None
    wanted = [str(x).strip().upper() for x in (raw if isinstance(raw, list) else [raw])]
    correct: list[int] = []
    for letter in wanted:
        if letter not in letters:
            c.add(q.line_of("correct"), item, f'correct "{letter}" is not an option', f"use one of {', '.join(letters)}")
        else:
            correct.append(letters.index(letter))
    return MultipleChoice(stem=_text(q, "stem"), options=tuple(options), correct=tuple(sorted(set(correct))), **common)


# --- small field helpers ------------------------------------------------------------------


TEXT_KEYS = ("id", "title", "category", "deck", "phase", "week", "level", "source", "explanation", "stem", "question",
             "answer", "cloze", "scenario", "prompt")


def _only_text(c: _Collector, node: LineMap, item: str) -> None:
    """Every text value must be text as written: a list or mapping where text belongs is refused.

    (Scalars are always text: the YAML loader does no implicit typing.) Refused values are
    dropped from ``node`` so that later checks see them as missing, not as garbage.
    """
    containers = {key for key, value in node.items() if isinstance(value, (list, dict))}
    if not containers.isdisjoint(TEXT_KEYS):  # rare: most lists stand where lists belong (options, tags)
        for key in TEXT_KEYS:
            if key in containers:
                c.add(node.line_of(key), item, f"`{key}` is {_kind(node[key])}, not text",
                      f'quote it: {key}: "…" (brackets, braces and ": " have a meaning in YAML)')
                node[key] = ""
                c.refused.add((id(node), key))

    correct = node.get("correct")
    if isinstance(correct, dict) or (isinstance(correct, list) and any(isinstance(e, (list, dict)) for e in correct)):
        c.add(node.line_of("correct"), item, "`correct` is not a letter or a list of letters", "write correct: B or correct: [A, C]")
        node["correct"] = ""


def _kind(value: object) -> str:
    if value is None:
        return "empty"
    return "a list" if isinstance(value, list) else "a mapping (key: value)"


def _require(c: _Collector, node: LineMap, keys: tuple[str, ...], item: str) -> bool:
    ok = True
    for key in keys:
        value = node.get(key)
        if c.refused and (id(node), key) in c.refused:
            ok = False
            continue
        if value is None or (isinstance(value, str) and not value.strip()) or value == []:
            c.add(node.line, item, f'has no "{key}"', f"add {key}: {KEY_HINTS.get(key, '')}".rstrip(": "))
            ok = False
    return ok


def _check_id(c: _Collector, node: LineMap, item: str) -> None:
    value = str(node.get("id"))
    if not ID_PATTERN.match(value):
        c.add(node.line_of("id"), item, f'id "{value}" is not a valid id',
              "use 3–80 lowercase letters, digits and '-' (not at either end)")


def _phase(c: _Collector, node: LineMap, plan: Plan, item: str) -> int:
    numbers = [p.number for p in plan.phases]
    try:
        phase = int(node["phase"])
    except (TypeError, ValueError):
        phase = 0
    if phase not in numbers:
        c.add(node.line_of("phase"), item, f'unknown phase "{node["phase"]}"', f"use one of {', '.join(map(str, numbers))}")
        return numbers[0]
    return phase


def _week(c: _Collector, node: LineMap, plan: Plan, phase: int, item: str) -> int:
    first, last = plan.phase(phase).span("intensive")
    if "week" not in node:
        return first
    try:
        week = int(node["week"])
    except (TypeError, ValueError):
        week = 0
    if not first <= week <= last:
        c.add(node.line_of("week"), item, f'week "{node["week"]}" is outside phase {phase}',
              f"use a week from {first} to {last} (weeks of the 16-week path)")
        return first
    return week


def _text(node: LineMap, key: str) -> str:
    value = node.get(key)
    return value.strip() if isinstance(value, str) else ""


def _str_list(c: _Collector, node: LineMap, key: str, item: str) -> list[str]:
    value = node.get(key)
    if value is None or value == "":
        return []
    if not isinstance(value, list):
        c.add(node.line_of(key), item, f"`{key}` is not a list", f"write it as a list: {key}: [a, b]")
        return []
    out = []
    for entry in value:
        if isinstance(entry, (dict, list)) or entry is None:
            c.add(node.line_of(key), item, f"`{key}` has an entry that is {_kind(entry)}, not text",
                  'quote it: - "…" (brackets, braces and ": " have a meaning in YAML)')
            continue
        out.append(str(entry).strip())
    return out


def _diagram_names(c: _Collector, node: LineMap, item: str) -> list[str]:
    """Diagram files, each a relative path inside media/ (no absolute path, no `..`)."""
    names = []
    for name in _str_list(c, node, "diagrams", item):
        parts = name.replace("\\", "/").split("/")
        if name.startswith(("/", "\\", "~")) or re.match(r"^[A-Za-z]:", name) or ".." in parts or "" in parts:
            c.add(node.line_of("diagrams"), item, f'diagram "{name}" is outside media/',
                  "name a file inside media/, relative to it (e.g. diagrams: [cap-pacelc.mmd])")
            continue
        names.append(name)
    return names


def _tags(c: _Collector, node: LineMap, item: str) -> list[str]:
    tags = _str_list(c, node, "tags", item)
    for tag in tags:
        if not TAG_PATTERN.match(tag):
            c.add(node.line_of("tags"), item, f'tag "{tag}" contains a space or a quote', "use '-' or '_' instead")
        elif tag.lower().startswith(RESERVED_TAG_PREFIX):
            c.add(node.line_of("tags"), item, f'tag "{tag}" is in the reserved atlas:: namespace',
                  "drop the atlas:: prefix; the build writes those tags itself")
    return tags

