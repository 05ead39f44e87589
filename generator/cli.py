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
from collections.abc import Callable, Sequence

from . import __version__
from .diagnostics import AiccgenError, ExitCode, Finding, Level, display_path, has_errors

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


def cmd_generate(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .validity import ValidityCheck, spec_bytes
    from .writer import read_manifest

    cache_dir = None if args.no_cache else (args.cache_dir or os.path.join(os.path.dirname(
        os.path.abspath(args.out)), ".aiccgen-cache"))
    # Started first: the worker imports openapi-spec-validator while this process imports
    # the rest of aiccgen and parses the specs.
    validity = ValidityCheck.start(Path(cache_dir) if cache_dir else None, spec_bytes=spec_bytes(args.specs))
    try:
        from .stamp import check

        # Nothing to do when the specs, templates and output are as the last run left them.
        recorded, context = check([args.specs], args.out, args.templates, cache_dir)
        if recorded is not None:
            validity.close()
            _print_findings(recorded, sys.stderr)
            print(f"aiccgen generate{' --check' * bool(args.check)}: {len(read_manifest(Path(args.out)))} files "
                  "up to date (specs, templates and output as the last run left them)", file=sys.stderr)
            return ExitCode.OK
        from .pipeline import generate
    except BaseException:
        validity.close()
        raise

    result = generate([args.specs], args.out, check=args.check, templates=args.templates, cache_dir=cache_dir,
                      validity=validity, context=context)
    _print_findings(result.findings, sys.stderr)
    if has_errors(result.findings):
        print(f"aiccgen generate: stopped, {_summary(result.findings)}", file=sys.stderr)
        return ExitCode.FINDINGS
    if args.check:
        for change in result.changes:
            detail = f" ({change.detail})" if change.detail else ""
            verb = {"add": "missing", "update": "stale", "remove": "would be removed"}[change.kind]
            print(f"{verb}: {os.path.join(args.out, change.path)}{detail}")
        if result.changes:
            print(f"aiccgen generate --check: {len(result.changes)} of {result.files} files out of date; "
                  f"run `aiccgen generate` and commit the result", file=sys.stderr)
            return ExitCode.FINDINGS
        print(f"aiccgen generate --check: {result.files} files up to date", file=sys.stderr)
        return ExitCode.OK
    for change in result.changes:
        print(f"{change.kind:>6} {os.path.join(args.out, change.path)}")
    print(f"aiccgen generate: {result.files} files, {len(result.changes)} changed", file=sys.stderr)
    return ExitCode.OK


def cmd_docs(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .emit import DOCS_DIR, docs_files, environment
    from .pipeline import GENERATOR, build
    from .writer import MANIFEST, check_tree, read_manifest, write_tree

    api, _spec_set, findings = build([args.specs])
    _print_findings(findings, sys.stderr)
    if api is None:
        print(f"aiccgen docs: stopped, {_summary(findings)}", file=sys.stderr)
        return ExitCode.FINDINGS
    prefix = DOCS_DIR + "/"
    docs = {o.path[len(prefix):]: o.encoded() for o in docs_files(api, environment(args.templates))}
    root, files = Path(args.out), docs
    # generated/docs belongs to the manifest of the `generate` tree around it: write through
    # that manifest, keeping every other file it lists exactly as it is.
    owner = read_manifest(root.parent) if root.name == DOCS_DIR and not (root / MANIFEST).is_file() else {}
    if any(p.startswith(prefix) for p in owner):
        root = root.parent
        files = {p: (root / p).read_bytes() for p in owner if not p.startswith(prefix) and (root / p).is_file()}
        files.update({prefix + p: content for p, content in docs.items()})
    if args.check:
        changes = check_tree(root, files, GENERATOR)
        for change in changes:
            verb = {"add": "missing", "update": "stale", "remove": "would be removed"}[change.kind]
            print(f"{verb}: {os.path.join(root, change.path)}")
        if changes:
            print(f"aiccgen docs --check: {len(changes)} files out of date; run `aiccgen docs`", file=sys.stderr)
            return ExitCode.FINDINGS
        print(f"aiccgen docs --check: {len(docs)} files up to date", file=sys.stderr)
        return ExitCode.OK
    changes = write_tree(root, files, GENERATOR)
    for change in changes:
        print(f"{change.kind:>6} {os.path.join(root, change.path)}")
    print(f"aiccgen docs: {len(docs)} files, {len(changes)} changed", file=sys.stderr)
    return ExitCode.OK


def cmd_import(args: argparse.Namespace) -> int:
    from .drift import import_with_errata, shared_root
    from .importer import write_specs

    result, _overlays, findings = import_with_errata(args.pages, args.errata, str(shared_root(DEFAULT_SPECS)))
    _print_findings([f for f in findings if f.level >= Level.WARNING], sys.stderr)
    try:
        written = write_specs(result, args.out)
    except OSError as exc:
        print(f"aiccgen import: cannot write to {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return ExitCode.ENVIRONMENT
    for path in written:
        print(path)
    print(f"aiccgen import: {len(written)} spec{'s' * (len(written) != 1)} written to {args.out}, "
          f"{_summary(findings)}", file=sys.stderr)
    return ExitCode.FINDINGS if has_errors(findings) else ExitCode.OK


def cmd_drift(args: argparse.Namespace) -> int:
    from .drift import default_pages, run_drift

    pages = args.pages or [str(p) for p in default_pages(args.specs)]
    report = run_drift(pages, args.specs, args.errata)
    _print_findings([f for f in report.findings if args.verbose or f.level >= Level.WARNING])
    print(f"aiccgen drift: {report.pages} page{'s' * (report.pages != 1)}, {len(report.items)} "
          f"difference{'s' * (len(report.items) != 1)}, {_summary(report.findings)}", file=sys.stderr)
    return ExitCode.FINDINGS if has_errors(report.findings) else ExitCode.OK


def cmd_mock(args: argparse.Namespace) -> int:
    from .mock import MockServer, iter_route_summaries
    from .pipeline import build

    _api, _spec_set, findings = build([args.specs])
    _print_findings(findings, sys.stderr)
    if has_errors(findings):
        print(f"aiccgen mock: stopped, {_summary(findings)}", file=sys.stderr)
        return ExitCode.FINDINGS
    try:
        server = MockServer([args.specs], host=args.host, port=args.port, seed=args.seed, verbose=args.verbose,
                            signature=args.signature).start()
    except OSError as exc:
        print(f"aiccgen mock: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return ExitCode.ENVIRONMENT
    for line in iter_route_summaries(server.mock):
        print(f"  {line}", file=sys.stderr)
    print(f"aiccgen mock: serving {len(server.mock.routes)} operations at {server.url} (seed {args.seed}); "
          "Ctrl-C stops", file=sys.stderr)
    print(server.url, flush=True)
    server.serve_forever()
    return ExitCode.OK


def cmd_diff(args: argparse.Namespace) -> int:
    from .diff import run

    return run(args)


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

    p = sub.add_parser("generate", help="generate the client, contract tests and docs into the output folder")
    p.add_argument("--specs", default=DEFAULT_SPECS, help="spec folder or file (default: specs/)")
    p.add_argument("--out", default=DEFAULT_OUT, help="output folder (default: generated/)")
    p.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 listing the files that are out of date")
    p.add_argument("--templates", metavar="DIR",
                   help="your template folder: a file there replaces the built-in template of the same name")
    p.add_argument("--cache-dir", metavar="DIR",
                   help="black and OpenAPI-validity cache (default: .aiccgen-cache beside --out)")
    p.add_argument("--no-cache", action="store_true",
                   help="use no black/validity cache (compiled templates are still kept, like .pyc files)")
    p.set_defaults(func=cmd_generate)

    p = sub.add_parser("docs", help="generate only the code-table docs (Markdown, HTML, JSON, CSV)")
    p.add_argument("--specs", default=DEFAULT_SPECS, help="spec folder or file (default: specs/)")
    p.add_argument("--out", default=os.path.join(DEFAULT_OUT, "docs"),
                   help="docs folder (default: generated/docs/, kept in step with `aiccgen generate`)")
    p.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 listing the files that are out of date")
    p.add_argument("--templates", metavar="DIR",
                   help="your template folder: a file there replaces the built-in template of the same name")
    p.set_defaults(func=cmd_docs)

    p = sub.add_parser("mock", help="serve the specs on loopback: examples, generated data, faults, validation")
    p.add_argument("--specs", default=DEFAULT_SPECS, help="spec folder or file (default: specs/)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port (default: 8080; 0 picks a free one)")
    p.add_argument("--seed", type=int, default=0, help="seed for generated responses (default: 0)")
    p.add_argument("--signature", metavar="VALUE",
                   help="for AK/SK-signed APIs accept only this Authorization value (default: any non-empty one; "
                   "the vendor's signature algorithm is not documented, so it cannot be verified)")
    p.add_argument("-v", "--verbose", action="store_true", help="log every request")
    p.set_defaults(func=cmd_mock)

    p = sub.add_parser("import", help="turn vendor pages into OpenAPI specs, with provenance on every field")
    p.add_argument("pages", nargs="+", metavar="PAGE", help="vendor page text dumps (like ../shared/seeds/*.txt)")
    p.add_argument("--out", default="imported", help="output folder, one PAGE-KEY.yaml per page (default: imported/)")
    p.add_argument("--errata", metavar="DIR",
                   help="apply the errata overlays in DIR (for example specs/errata); default: none, the raw import")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("drift", help="import the pages, apply the errata overlays and compare with the specs")
    p.add_argument("pages", nargs="*", metavar="PAGE",
                   help="vendor pages (default: the pages the specs capture, from ../shared)")
    p.add_argument("--specs", default=DEFAULT_SPECS, help="spec folder (default: specs/)")
    p.add_argument("--errata", metavar="DIR", help="errata overlays (default: SPECS/errata)")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="also list notes, such as overlays of pages this run did not import")
    p.set_defaults(func=cmd_drift)

    from .diff import add_arguments as add_diff_arguments

    p = sub.add_parser(
        "diff",
        help="classify spec changes for client users; exit 1 on unacknowledged breaking changes",
        description="Compare two spec sets through the IR and classify every change for client users "
        "(breaking, warning, compatible), with wire and Python names and the spec file:line.",
    )
    add_diff_arguments(p)
    p.set_defaults(func=cmd_diff)
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
    except ModuleNotFoundError as exc:
        # A dependency is missing (aiccgen run from a checkout with a Python that lacks its
        # requirements): the environment, not a bug.
        print(f"aiccgen: error: the module {exc.name!r} is not installed in this Python ({sys.executable}); "
              "install aiccgen with its dependencies (`pip install -e .` in a checkout) [environment]",
              file=sys.stderr)
        return int(ExitCode.ENVIRONMENT)
    except OSError as exc:
        # The file system refused (a folder of the output tree replaced by a file, a file
        # without permission, a full disk) somewhere a stage did not wrap it: that is the
        # environment (exit 3, README), not a bug, and the user needs the path and the reason.
        # Nothing has been written at that point: the writer stages every file first.
        where = exc.filename or "the file system"
        print(f"{display_path(str(where))}: error: {exc.strerror or exc} [environment]", file=sys.stderr)
        return int(ExitCode.ENVIRONMENT)
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
