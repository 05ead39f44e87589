"""The `aiccgen` command line.

Every command reports problems as findings (`file:line:col /pointer: level: message`) and
exits with a documented code (see `ExitCode`); none ever shows a traceback unless
AICCGEN_DEBUG=1 asks for one.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from typing import Callable, Sequence

from . import __version__
from .diagnostics import AiccgenError, ExitCode, Finding, Level, has_errors

DEFAULT_SPECS = "specs"
DEFAULT_OUT = "generated"


def _print_findings(findings: Sequence[Finding], stream: object = None) -> None:
    out = stream or sys.stdout
    for f in findings:
        print(f.format(), file=out)  # type: ignore[arg-type]


def _summary(findings: Sequence[Finding]) -> str:
    errors = sum(1 for f in findings if f.level >= Level.ERROR)
    warnings = sum(1 for f in findings if f.level == Level.WARNING)
    return f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"


def cmd_validate(args: argparse.Namespace) -> int:
    from .pipeline import check_specs

    findings, count = check_specs(args.specs or [DEFAULT_SPECS])
    _print_findings(findings)
    print(f"aiccgen validate: {count} spec file{'s' * (count != 1)}, {_summary(findings)}", file=sys.stderr)
    return ExitCode.FINDINGS if has_errors(findings) else ExitCode.OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aiccgen",
        description="Generate typed clients, contract tests and code-table docs from AICC/CEC OpenAPI specs.",
        epilog="Exit codes: 0 ok, 1 findings (invalid spec, stale output, drift, breaking change), "
        "2 usage error, 3 environment error (unwritable output, interrupted write), 4 internal error.",
    )
    parser.add_argument("--version", action="version", version=f"aiccgen {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("validate", help="check specs: OpenAPI validity plus aiccgen's lint rules")
    p.add_argument("specs", nargs="*", metavar="SPEC", help="spec files or folders (default: specs/)")
    p.set_defaults(func=cmd_validate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return int(func(args))
    except AiccgenError as exc:
        _print_findings(exc.findings, sys.stderr)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        print("aiccgen: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # the promise: no traceback, one paragraph, a documented code
        if os.environ.get("AICCGEN_DEBUG"):
            traceback.print_exc()
        print(
            f"aiccgen: internal error: {exc.__class__.__name__}: {exc}. This is a bug in aiccgen, not in your "
            "input; run again with AICCGEN_DEBUG=1 for the traceback and report it.",
            file=sys.stderr,
        )
        return 4


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
