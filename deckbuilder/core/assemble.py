"""Questions to notes: which note type, which fields, which deck and tags.

Pure: text rendering (Markdown to HTML) is passed in, so this module does no I/O.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Callable, Sequence

from deckbuilder.core.audit import LETTERS, display_order, displayed_correct
from deckbuilder.core.model import LEVELS, Cloze, Curriculum, MultipleChoice, Prompted, Question, Topic
from deckbuilder.core.notes import NoteSpec, deck_name
from deckbuilder.core.tags import CARD, KR, LEVEL, TOPIC, ordered, placement_tags

Render = Callable[[str], str]

# The level and card-kind tags of question notes, spelled once (not once per note).
_LEVEL_TAGS = {level: LEVEL.tag(level) for level in LEVELS}
_CARD_TAGS = {kind: CARD.tag(kind) for kind in ("mcq", "cloze", "qa")}


@dataclass(frozen=True)
class TextRenderer:
    block: Render  # Markdown to HTML (paragraphs, lists)
    inline: Render  # Markdown to inline HTML (options, key points)


def topic_tags(curriculum: Curriculum, topic: Topic, path: str) -> tuple[str, ...]:
    """The tags every note of a topic carries."""
    return (
        placement_tags(curriculum.plan, phase=topic.phase, week=curriculum.plan.week_on_path(topic.reference_week, path),
                       path=path, category=topic.category)
        + (TOPIC.tag(topic.id),)
        + tuple(KR.tag(kr) for kr in topic.key_results)
        + topic.tags
    )


def question_notes(curriculum: Curriculum, path: str, text: TextRenderer) -> list[NoteSpec]:
    notes: list[NoteSpec] = []
    for topic in curriculum.topics:
        base_tags = topic_tags(curriculum, topic, path)
        deck = deck_name(topic.subdeck)
        title = html.escape(topic.title)
        tags: dict[tuple[str, str], tuple[str, ...]] = {}
        for question in topic.questions:
            notes.append(question_note(topic, question, deck, base_tags, text, title, tags))
    return notes


def question_note(topic: Topic, q: Question, deck: str, base_tags: tuple[str, ...], text: TextRenderer,
                  title: str, shared_tags: dict[tuple[str, str], tuple[str, ...]]) -> NoteSpec:
    """The note of question ``q`` of ``topic``; ``title`` is the topic's title as HTML, ``shared_tags``
    the tags of the topic's questions without tags of their own, by level and kind, as made so far."""
    common = {
        "Id": html.escape(q.id),
        "Topic": title,
        "Explanation": text.block(q.explanation),
        "Source": text.inline(q.source),
        "Extra": "",
    }
    if isinstance(q, MultipleChoice):
        kind = "mcq"
        options = [text.inline(option) for option in q.options]  # rendered once for both sides
        fields = {
            **common,
            "Stem": text.block(q.stem),
            "Options": options_html(q, options, reveal=False),
            "OptionsRevealed": options_html(q, options, reveal=True),
            "Correct": ", ".join(LETTERS[i] for i in displayed_correct(q)),
        }
    elif isinstance(q, Cloze):
        kind = "cloze"
        fields = {**common, "Text": text.block(q.text)}
    else:
        kind = "qa"
        fields = {
            **common,
            "Level": q.level,
            "Prompt": text.block(q.prompt),
            "Answer": text.block(q.answer),
            "KeyPoints": key_points_html(q, text.inline),
        }
    if q.tags:
        tags = ordered(base_tags + (_LEVEL_TAGS[q.level], _CARD_TAGS[kind]) + q.tags)
    else:  # the same tuple for all of them: made once, and sent between processes once
        tags = shared_tags.get((q.level, kind)) or shared_tags.setdefault(
            (q.level, kind), ordered(base_tags + (_LEVEL_TAGS[q.level], _CARD_TAGS[kind])))
    return NoteSpec(notetype=kind, uid=q.id, deck=deck, fields=fields, tags=tags, mtime=topic.mtime)


def options_html(q: MultipleChoice, rendered: Sequence[str], *, reveal: bool) -> str:
    """The options as shown: in the question's own shuffle (``display_order``), lettered A, B, …

    ``rendered``: the HTML of each option, in source order."""
    items = []
    for position, index in enumerate(display_order(q.id, len(q.options))):
        option = rendered[index]
        letter = LETTERS[position]
        css = ""
        mark = ""
        if reveal:
            correct = index in q.correct
            css = ' class="correct"' if correct else ' class="wrong"'
            mark = '<span class="mark">✓</span>' if correct else ""
        items.append(f'<li{css}><span class="letter">{letter}</span><span>{option}</span>{mark}</li>')
    return '<ol class="atlas-options">' + "".join(items) + "</ol>"


def key_points_html(q: Prompted, inline: Render) -> str:
    if not q.key_points:
        return ""
    return "<ul>" + "".join(f"<li>{inline(point)}</li>" for point in q.key_points) + "</ul>"
