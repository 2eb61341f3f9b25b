"""Problems found in the sources, each naming file, line, item and the fix."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    item: str  # e.g. 'question "cap-rcl-07"', 'topic "cap"', 'file'
    message: str
    fix: str
    severity: Severity = "error"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        label = "warning: " if self.severity == "warning" else ""
        return f"{where}: {label}{self.item}: {self.message} — {self.fix}"


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


def warnings(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "warning"]


def as_errors(problems: list[Problem]) -> list[Problem]:
    """--strict: every warning becomes an error."""
    return [Problem(p.file, p.line, p.item, p.message, p.fix, "error") for p in problems]
