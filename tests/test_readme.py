"""The README's examples run, and every command is documented there.

Console blocks in README.md hold ``$ verify ...`` lines. Each runs from the
repository root through the real CLI; it must exit 0 unless the line ends in
``# exit N``. Output lines shown under a command must appear in what it
printed, except lines containing ``…`` (elided, e.g. times of this run).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from verify.cli import main

README = Path(__file__).resolve().parent.parent / "README.md"
_BLOCK_RE = re.compile(r"```console\n(.*?)```", re.DOTALL)


def examples() -> list[tuple[str, int, list[str]]]:
    found = []
    for block in _BLOCK_RE.findall(README.read_text("utf-8")):
        current = None
        for line in block.splitlines():
            if line.startswith("$ "):
                command, _, comment = line[2:].partition(" # exit ")
                current = (command.strip(), int(comment) if comment else 0, [])
                found.append(current)
            elif current and line.strip() and "…" not in line:
                current[2].append(line.strip())
    return found


EXAMPLES = examples()


@pytest.fixture(scope="module", autouse=True)
def fresh_scratch_folder():
    """The README's examples write into build/; start from an empty one."""
    shutil.rmtree(README.parent / "build", ignore_errors=True)


def test_readme_has_examples():
    assert len(EXAMPLES) >= 3


@pytest.mark.parametrize(
    ("command", "exit_code", "expected"), EXAMPLES, ids=[e[0] for e in EXAMPLES]
)
def test_readme_example(command, exit_code, expected, monkeypatch):
    argv = shlex.split(command)
    if argv[0] != "verify":
        pytest.skip(f"not a verify command: {argv[0]}")
    monkeypatch.chdir(README.parent)
    result = CliRunner().invoke(main, argv[1:], catch_exceptions=False, env={"COLUMNS": "100"})
    assert result.exit_code == exit_code, result.stderr
    printed = [" ".join(line.split()) for line in (result.stdout + result.stderr).splitlines()]
    for line in expected:
        assert " ".join(line.split()) in printed, f"{line!r} not printed by {command!r}"


def test_every_command_is_documented():
    text = README.read_text("utf-8")
    for name, command in main.commands.items():
        assert f"verify {name}" in text, f"`verify {name}` missing from README"
        for sub in getattr(command, "commands", {}):
            assert f"verify {name} {sub}" in text, f"`verify {name} {sub}` missing from README"


def test_ci_runs_the_readme_test_command():
    ci = (README.parent / ".ci" / "run").read_text("utf-8")
    quick_start = README.read_text("utf-8").split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"^\s*(make \w+)\s*$", quick_start, re.MULTILINE)
    assert commands == ["make demo", "make test"], commands
    assert "make test" in ci.splitlines()
    assert os.access(README.parent / ".ci" / "run", os.X_OK)
