"""The docs stay true: every command is in the README and has help with examples."""

from __future__ import annotations

import subprocess
import sys
import tomllib

import pytest

from ankitools import REPO

SCRIPTS = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
README = (REPO / "README.md").read_text()


@pytest.mark.parametrize("command", sorted(SCRIPTS))
def test_command_is_in_the_readme(command: str) -> None:
    assert f"`{command}`" in README or f"{command} " in README


@pytest.mark.parametrize("command", sorted(SCRIPTS))
def test_command_has_help_with_examples(command: str) -> None:
    module, _, function = SCRIPTS[command].partition(":")
    code = f"import sys; sys.argv = [{command!r}, '--help']; from {module} import {function} as f; f()"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Usage: {command}"), result.stdout[:200]
    assert "Examples:" in result.stdout


def test_quick_start_is_the_two_make_commands() -> None:
    quick = README.split("## Quick start", 1)[1].split("```", 2)[1]
    commands = [line.split("#")[0].strip() for line in quick.splitlines() if line.strip() and line.strip() != "sh"]
    assert commands == ["make deck", "make test"]


def test_ci_runs_make_test() -> None:
    assert "make test" in (REPO / ".ci" / "run").read_text()
