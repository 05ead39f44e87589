"""The project card's promises about itself: README's commands are what CI runs."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    block = re.search(r"## Two commands.*?```sh\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    assert block, "README.md has no '## Two commands' sh block"
    return [line for line in block[1].splitlines() if line.strip() and not line.startswith("#")]


def test_readme_gives_two_commands() -> None:
    main_job, tests = readme_commands()
    assert "aiccgen generate" in main_job
    assert "pytest" in tests


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    _main_job, tests = readme_commands()
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert tests in ci, "the test command in README.md and .ci/run differ"
