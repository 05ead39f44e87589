"""The stages, wired in their one direction: specs -> checked -> IR -> files.

Commands call these functions; each stage takes the previous stage's output and returns
findings as values, so `validate` reports exactly what `generate` would refuse.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__, ir, stamp
from .build import build_api
from .diagnostics import AiccgenError, Finding, has_errors
from .emit import environment, iter_outputs
from .formatting import BlackCache, format_utf8
from .lint import lint, place_findings
from .render import compiled_templates_dir, template_sources
from .specset import SpecSet, load_spec_set
from .validity import ValidityCheck
from .writer import Change, Content, TreeUpdate

GENERATOR = f"aiccgen {__version__}"


def load_and_lint(targets: list[str], validity: ValidityCheck,
                  cache_dir: Path | None = None) -> tuple[SpecSet | None, list[Finding]]:
    """Load and lint; the OpenAPI validity findings arrive later, through `validity`."""
    try:
        spec_set = load_spec_set(targets, cache_dir)
    except AiccgenError as exc:
        return None, exc.findings
    return spec_set, lint(spec_set, validity)


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """The cyclic garbage collector's youngest generation collected every 20,000
    allocations instead of 700, for one run (a decorator of the pipeline's entry points).

    A generation allocates millions of objects that live to its end (the parsed specs,
    the IR, the contract cases) and makes few reference cycles; with the default
    threshold the collector kept walking them: 3.0-3.6 s of a 1000-operation generation
    was spent inside it, 0.9-1.1 s with this threshold, at the same peak memory
    (docs/performance.md). The previous thresholds are restored afterwards, for a process
    that runs more than aiccgen."""
    saved = gc.get_threshold()
    gc.set_threshold(max(saved[0], 20_000), *saved[1:])
    try:
        yield
    finally:
        gc.set_threshold(*saved)


@_fewer_collections()
def build(targets: list[str]) -> tuple[ir.API | None, SpecSet | None, list[Finding]]:
    """Load, check and build the IR. The IR is None when any error was found."""
    validity = ValidityCheck.start(None)
    api, spec_set, findings = _build(targets, validity)
    findings = _with_validity(spec_set, findings, validity)
    return (None if has_errors(findings) else api), spec_set, findings


def _build(targets: list[str], validity: ValidityCheck,
           cache_dir: Path | None = None) -> tuple[ir.API | None, SpecSet | None, list[Finding]]:
    """The IR, possibly before openapi-spec-validator has answered (see `generate`)."""
    spec_set, findings = load_and_lint(targets, validity, cache_dir)
    if spec_set is None or has_errors(findings):
        return None, spec_set, findings
    try:
        api, build_findings = build_api(spec_set)
    except Exception:
        # The IR is built before openapi-spec-validator has answered. A spec it rejects
        # may break the builder in any way; its findings are the answer then. A valid
        # spec that breaks the builder is aiccgen's bug, reported as such by the CLI.
        findings = _with_validity(spec_set, findings, validity)
        if has_errors(findings):
            return None, spec_set, findings
        raise
    return api, spec_set, findings + place_findings(spec_set, build_findings)


def _with_validity(spec_set: SpecSet | None, findings: list[Finding], validity: ValidityCheck) -> list[Finding]:
    if spec_set is None:
        validity.close()
        return findings
    return place_findings(spec_set, findings + validity.findings())


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
                 specs_rel: str | None = None, compiled: Path | None = None,
                 specs_done: Callable[[], None] | None = None) -> Iterator[tuple[str, Content]]:
    """(path, content) of every output, one at a time: the caller stages each and drops it
    (at 1000 operations the outputs are ~100 MB). `specs_done`: see `iter_outputs`."""
    env = environment(templates, compiled)
    # Any overridden template counts, included macros and tables too: a user's template
    # is not black-stable by construction, wherever it ends up.
    overridden = bool(templates) and any(s.overridden for s in template_sources(env, env.list_templates()))
    for out in iter_outputs(api, env, spec_set, specs_rel, specs_done):
        content = out.encoded()
        if out.python and out.template is not None and isinstance(content, (bytes, bytearray)):
            # Our templates are black-stable by construction; a user's may not be.
            content = format_utf8(content, cache, full=overridden)
        yield out.path, content


@_fewer_collections()
def generate(targets: list[str], out_dir: str, *, check: bool = False, templates: str | None = None,
             cache_dir: str | None = None, validity: ValidityCheck | None = None,
             context: stamp.Context | None = None) -> Generation:
    """Generate into `out_dir`. `validity`: a check already started (the CLI starts it
    before importing this module, so the worker's import overlaps with ours). `context`:
    from `stamp.check`, taken before the run read anything; with a cache folder, a run that
    succeeds is recorded under it, so that the next one can tell it has nothing to do."""
    # openapi-spec-validator runs in worker processes while the IR is built and rendered;
    # nothing is written until it has answered, so its verdict still gates the tree.
    if validity is None:
        validity = ValidityCheck.start(Path(cache_dir) if cache_dir else None)
    out = Path(out_dir)
    update: TreeUpdate | None = None
    try:
        api, spec_set, findings = _build(targets, validity, Path(cache_dir) if cache_dir else None)
        cache = BlackCache.load(Path(cache_dir) / "black.json" if cache_dir else None)
        if api is not None and spec_set is not None and not has_errors(findings):
            try:
                # The generated tests find the specs relative to themselves: portable between checkouts.
                specs_dir = targets[0] if Path(targets[0]).is_dir() else str(Path(targets[0]).parent)
                specs_rel = Path(os.path.relpath(Path(specs_dir).resolve(), (out / "tests").resolve())).as_posix()
                # Each output is staged as it is rendered (writer.TreeUpdate); nothing
                # replaces a file of the tree before the validator's verdict is in.
                update = TreeUpdate(out, GENERATOR, check=check)
                # Once the contract tests are rendered, only findings still need the specs,
                # to be located: the parsed data goes before the client and docs are rendered.
                for path, content in render_files(api, templates, cache, spec_set, specs_rel,
                                                  compiled_templates_dir(), spec_set.release_data):
                    update.add(path, content)
            except Exception:
                # As in `_build`: the validator's findings explain a spec that breaks rendering.
                findings = _with_validity(spec_set, findings, validity)
                if has_errors(findings):
                    return Generation(findings)
                raise
        findings = _with_validity(spec_set, findings, validity)
        if update is None or has_errors(findings):
            return Generation(findings)
        changes, files = update.commit(), len(update.digests)
        update = None
    finally:
        validity.close()
        if update is not None:  # stopped before the commit: an error, a finding, Ctrl-C
            update.abort()
    if not check:
        cache.save()
    if cache_dir and context is not None and spec_set is not None and not (check and changes):
        stamp.record(Path(cache_dir), context, out_dir, ((d.path, d.source) for d in spec_set.loaded()), findings)
    return Generation(findings, changes, files, cache.misses)
