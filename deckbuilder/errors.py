"""The deck builder's exceptions: one root, a subclass per kind of failure."""

from __future__ import annotations

from deckbuilder.core.problems import Problem


class DeckBuilderError(Exception):
    """Root of every error the deck builder raises on purpose."""


class SourceError(DeckBuilderError):
    """The sources have errors; ``problems`` lists every one found in this run.

    ``report`` carries what the check measured before it failed (the answer-key audit), if any.
    """

    def __init__(self, problems: list[Problem], report: object = None):
        self.problems = problems
        self.report = report
        count = len(problems)
        lines = "\n".join(str(p) for p in problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in the sources:\n{lines}")


class OutputError(DeckBuilderError):
    """The package could not be written."""
