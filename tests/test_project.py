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


def test_readme_client_example_runs_against_the_mock(tmp_path: Path) -> None:
    """The README's client example, run as written (only the port differs)."""
    import subprocess
    import sys

    from generator.mock import MockServer

    text = (ROOT / "README.md").read_text()
    block = re.search(r"<!-- readme-example -->\n```python\n(.*?)```", text, re.S)
    assert block, "README.md lost its client example"
    with MockServer([str(ROOT / "specs")]) as mock:
        code = block[1].replace("http://127.0.0.1:8080", mock.url)
        done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "ENDED (3): ended"
    assert lines[1].startswith("5 INCORRECT_NUMBER_FORMAT - The format of the calling number")
    assert lines[2].startswith("createCall: soft_phone (softPhone) must be at most 32 characters, got 40")
    assert lines[3] == "USER_BUSY (17): The user is busy."
