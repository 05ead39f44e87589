"""Whether `generate` has nothing to do: its inputs and its output are as its last run left them.

A run that succeeds records in the cache folder (`runs/`, one record per output folder) a
digest of everything its output depends on, the digest of the manifest the output tree
matches, and the findings it reported. A later run first recomputes the digest; when it
is equal and every file of the output still hashes to that manifest, there is nothing to
generate or check, and the run reports the recorded findings and stops. At 1000 operations
that takes a fraction of a second instead of the whole pipeline's ~30 s: the common case of
a CI job whose commit did not touch the specs, or of `aiccgen generate` run twice.

What the digest covers: each spec document the run read (the bytes it parsed, `$ref`
targets included) and the list of spec files its targets name; the settings file; aiccgen's
own files (code, runtime, built-in templates) and a `--templates` folder; the versions of
Python and of the libraries that shape the output or its findings; the resolved spec and
output paths (the generated tests name the specs relative to themselves); `AICCGEN_*`
environment variables. Anything else that changes the output is a bug here. Every miss
runs the whole pipeline, and `--no-cache` never skips, so a stale record can cost time,
never correctness, as long as the digest is complete.

The context is computed before the run reads anything: a template edited during a run
leaves a record that no longer matches, so the next run does the work again.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

from . import __version__
from .diagnostics import AiccgenError, Finding, Level
from .specset import CONFIG_NAME, discover
from .writer import MANIFEST, leftovers

_FORMAT = 1
#: The distributions whose version can change what aiccgen writes or reports.
_LIBRARIES = ("black", "jinja2", "rapidyaml", "msgspec", "openapi-spec-validator", "openapi-schema-validator",
              "jsonschema", "jsonschema-rs", "referencing")
_PACKAGE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Context:
    """What a run's output depends on besides its spec documents, taken before it starts."""

    digest: str
    entries: tuple[str, ...]  # the spec files the targets name
    settings: str | None  # digest of the settings file, None if there is none


def context(targets: Sequence[str], out_dir: str, templates: str | None) -> Context | None:
    """None when the targets cannot be listed: the pipeline reports why."""
    try:
        entries, config_dir = discover(list(targets))
    except AiccgenError:
        return None
    settings = _file_digest(config_dir / CONFIG_NAME) if config_dir is not None else None
    h = hashlib.sha256()
    _update(h, "aiccgen", __version__, "python", sys.version)
    for name in _LIBRARIES:
        try:
            _update(h, name, metadata.version(name))
        except metadata.PackageNotFoundError:
            _update(h, name, "-")
    _update(h, "targets", *(str(Path(t).resolve()) for t in targets), "out", str(Path(out_dir).resolve()))
    _update(h, "env", *sorted(f"{k}={v}" for k, v in os.environ.items() if k.startswith("AICCGEN_")))
    from .render import BUILTIN_TEMPLATES

    for label, folder in (("package", _PACKAGE), ("templates", BUILTIN_TEMPLATES),
                          ("user templates", Path(templates) if templates else None)):
        if folder is not None:
            _tree(h, label, folder)
    return Context(h.hexdigest(), tuple(entries), settings)


def check(targets: Sequence[str], out_dir: str, templates: str | None,
          cache_dir: str | None) -> tuple[list[Finding] | None, Context | None]:
    """The last run's findings when nothing it depended on has changed (nothing to do),
    else None; and the context to give `pipeline.generate` for its record."""
    if cache_dir is None:
        return None, None
    ctx = context(targets, out_dir, templates)
    return (_unchanged(Path(cache_dir), ctx, out_dir) if ctx else None), ctx


def _unchanged(cache_dir: Path, ctx: Context, out_dir: str) -> list[Finding] | None:
    try:
        record = json.loads(_record_path(cache_dir, out_dir).read_text(encoding="utf-8"))
        if (record.get("format") != _FORMAT or record["context"] != ctx.digest
                or tuple(record["entries"]) != ctx.entries or record["settings"] != ctx.settings):
            return None
        if any(_file_digest(Path(p)) != d for p, d in record["documents"].items()):
            return None
        if not _tree_matches(Path(out_dir), record["manifest"]):
            return None
        return [Finding(Level(f.pop("level")), **f) for f in record["findings"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # no record, or one this version cannot read: do the work


def record(cache_dir: Path, ctx: Context, out_dir: str, documents: Iterable[tuple[str, bytes]],
           findings: Sequence[Finding]) -> None:
    """Remember a successful run whose output folder now matches its manifest."""
    try:
        manifest = hashlib.sha256((Path(out_dir) / MANIFEST).read_bytes()).hexdigest()
        body = {
            "format": _FORMAT, "context": ctx.digest, "entries": list(ctx.entries), "settings": ctx.settings,
            "documents": {path: hashlib.sha256(source).hexdigest() for path, source in documents},
            "manifest": manifest,
            "findings": [{**asdict(f), "level": int(f.level)} for f in findings],
        }
        path = _record_path(cache_dir, out_dir)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(body, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # a cache that cannot be written costs the next run time, nothing else


def _record_path(cache_dir: Path, out_dir: str) -> Path:
    key = hashlib.sha256(str(Path(out_dir).resolve()).encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return cache_dir / "runs" / f"{key}.json"


def _tree_matches(out: Path, manifest_digest: str) -> bool:
    text = (out / MANIFEST).read_bytes()
    if hashlib.sha256(text).hexdigest() != manifest_digest or leftovers(out):
        return False  # leftovers of a killed run: the whole run recovers them first
    files: Mapping[str, str] = json.loads(text)["files"]
    return all(_file_digest(out / rel) == digest for rel, digest in files.items())


def _file_digest(path: Path) -> str | None:
    try:
        with open(path, "rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()
    except FileNotFoundError:
        return None


def _tree(h: hashlib._Hash, label: str, folder: Path) -> None:
    _update(h, label)
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        _update(h, path.relative_to(folder).as_posix(), _file_digest(path) or "-")


def _update(h: hashlib._Hash, *parts: str) -> None:
    for part in parts:
        data = part.encode("utf-8", "surrogatepass")
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
