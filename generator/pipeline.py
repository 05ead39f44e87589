"""The stages, wired in their one direction: specs -> checked -> IR -> files.

Commands call these functions; each stage takes the previous stage's output and returns
findings as values, so `validate` can report exactly what `generate` would refuse.
"""

from __future__ import annotations

from .diagnostics import AiccgenError, Finding
from .lint import lint
from .specset import SpecSet, load_spec_set


def load_and_lint(targets: list[str]) -> tuple[SpecSet | None, list[Finding]]:
    try:
        spec_set = load_spec_set(targets)
    except AiccgenError as exc:
        return None, exc.findings
    return spec_set, lint(spec_set)


def check_specs(targets: list[str]) -> tuple[list[Finding], int]:
    """All findings for the specs named by `targets`, and how many spec files were read."""
    spec_set, findings = load_and_lint(targets)
    return findings, len(spec_set.entries) if spec_set else 0
