"""Findings are values, not exceptions.

Every stage (load, lint, build, write) reports what it found as `Finding` values with a
level, so one run can show every problem in a spec at once, and the CLI decides the exit
code from the worst level. Only `AiccgenError` crosses stage boundaries, carrying the
findings that stopped the run.
"""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass, replace
from typing import Iterable


class Level(enum.IntEnum):
    INFO = 10
    WARNING = 20
    ERROR = 30

    def __str__(self) -> str:
        return self.name.lower()


class ExitCode(enum.IntEnum):
    """Documented in README: what a CI job can branch on."""

    OK = 0
    #: The command ran and found problems: invalid spec, stale output, drift,
    #: unacknowledged breaking change.
    FINDINGS = 1
    #: The command line itself was wrong (argparse uses 2 as well).
    USAGE = 2
    #: The environment failed us: unwritable output folder, interrupted write.
    ENVIRONMENT = 3


@dataclass(frozen=True, slots=True)
class Finding:
    level: Level
    rule: str
    message: str
    file: str = ""
    pointer: str = ""
    line: int | None = None
    col: int | None = None

    def located(self, line: int | None, col: int | None) -> Finding:
        return replace(self, line=line, col=col)

    def format(self) -> str:
        where = display_path(self.file) if self.file else "<input>"
        if self.line is not None:
            where += f":{self.line}"
            if self.col is not None:
                where += f":{self.col}"
        pointer = f" {self.pointer}" if self.pointer else ""
        return f"{where}{pointer}: {self.level}: {self.message} [{self.rule}]"


def display_path(path: str) -> str:
    """Paths relative to the working directory when inside it: CI logs stay short and
    editors can jump to them."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # other drive on Windows
        return path
    return path if rel.startswith("..") else rel


def worst(findings: Iterable[Finding]) -> Level | None:
    levels = [f.level for f in findings]
    return max(levels) if levels else None


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.level >= Level.ERROR for f in findings)


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(
        findings,
        key=lambda f: (f.file, f.line or 0, f.col or 0, f.pointer, f.rule, f.message),
    )


class AiccgenError(Exception):
    """Stops a command; carries the findings to print and the exit code to use."""

    def __init__(
        self,
        findings: Iterable[Finding] | Finding,
        exit_code: ExitCode = ExitCode.FINDINGS,
    ) -> None:
        self.findings = [findings] if isinstance(findings, Finding) else list(findings)
        self.exit_code = exit_code
        super().__init__("\n".join(f.format() for f in self.findings))


def error(rule: str, message: str, file: str = "", pointer: str = "", **kw: int | None) -> Finding:
    return Finding(Level.ERROR, rule, message, file, pointer, kw.get("line"), kw.get("col"))


def warning(rule: str, message: str, file: str = "", pointer: str = "", **kw: int | None) -> Finding:
    return Finding(Level.WARNING, rule, message, file, pointer, kw.get("line"), kw.get("col"))


def escape_pointer_token(token: object) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def unescape_pointer_token(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def join_pointer(base: str, *tokens: object) -> str:
    return base + "".join("/" + escape_pointer_token(t) for t in tokens)


def split_pointer(pointer: str) -> list[str]:
    if not pointer:
        return []
    if not pointer.startswith("/"):
        raise ValueError(f"not a JSON pointer: {pointer!r}")
    return [unescape_pointer_token(t) for t in pointer[1:].split("/")]
