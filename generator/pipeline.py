"""The stages, wired in their one direction: specs -> checked -> IR -> files.

Commands call these functions; each stage takes the previous stage's output and returns
findings as values, so `validate` reports exactly what `generate` would refuse.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__, ir
from .build import build_api
from .diagnostics import AiccgenError, Finding, has_errors
from .emit import OutputFile, environment, plan
from .formatting import BlackCache, format_python
from .lint import lint, place_findings
from .render import template_sources
from .specset import SpecSet, load_spec_set
from .writer import Change, check_tree, write_tree

GENERATOR = f"aiccgen {__version__}"


def load_and_lint(targets: list[str]) -> tuple[SpecSet | None, list[Finding]]:
    try:
        spec_set = load_spec_set(targets)
    except AiccgenError as exc:
        return None, exc.findings
    return spec_set, lint(spec_set)


def build(targets: list[str]) -> tuple[ir.API | None, SpecSet | None, list[Finding]]:
    """Load, check and build the IR. The IR is None when any error was found."""
    spec_set, findings = load_and_lint(targets)
    if spec_set is None or has_errors(findings):
        return None, spec_set, findings
    api, build_findings = build_api(spec_set)
    findings = findings + place_findings(spec_set, build_findings)
    return (None if has_errors(findings) else api), spec_set, findings


def check_specs(targets: list[str]) -> tuple[list[Finding], int]:
    """All findings for the specs named by `targets`, and how many spec files were read."""
    _api, spec_set, findings = build(targets)
    return findings, len(spec_set.entries) if spec_set else 0


@dataclass
class Generation:
    findings: list[Finding]
    changes: list[Change] = field(default_factory=list)
    files: int = 0
    black_runs: int = 0


def render_files(api: ir.API, templates: str | None, cache: BlackCache, spec_set: SpecSet | None = None,
                 specs_rel: str | None = None) -> dict[str, bytes]:
    env = environment(templates)
    outputs = plan(api, env, spec_set, specs_rel)
    # Any overridden template counts, included macros and tables too: a user's template
    # is not black-stable by construction, wherever it ends up.
    overridden = bool(templates) and any(s.overridden for s in template_sources(env, env.list_templates()))
    files: dict[str, bytes] = {}
    for out in outputs:
        content = out.content
        if out.python and out.template is not None:
            # Our templates are black-stable by construction; a user's may not be.
            content = format_python(content, cache, full=overridden)
        files[out.path] = content.encode("utf-8")
    return files


def generate(targets: list[str], out_dir: str, *, check: bool = False, templates: str | None = None,
             cache_dir: str | None = None) -> Generation:
    api, spec_set, findings = build(targets)
    if api is None or spec_set is None:
        return Generation(findings)
    out = Path(out_dir)
    cache = BlackCache.load(Path(cache_dir) / "black.json" if cache_dir else None)
    # The generated tests find the specs relative to themselves: portable between checkouts.
    specs_dir = targets[0] if Path(targets[0]).is_dir() else str(Path(targets[0]).parent)
    specs_rel = Path(os.path.relpath(Path(specs_dir).resolve(), (out / "tests").resolve())).as_posix()
    files = render_files(api, templates, cache, spec_set, specs_rel)
    if check:
        changes = check_tree(out, files, GENERATOR)
    else:
        changes = write_tree(out, files, GENERATOR)
        cache.save()
    return Generation(findings, changes, len(files), cache.misses)
