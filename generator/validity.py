"""OpenAPI validity (openapi-spec-validator) without paying for it on the critical path.

openapi-spec-validator is the oracle for "is this a valid OpenAPI document", and it is the
slowest thing aiccgen runs: a third of a second to import, then about 45 ms per operation
of our specs (47 s of a 109 s generation at 1000 operations, docs/performance.md). Three
things keep it off the critical path without weakening it:

- shards: a document with many paths is checked as several smaller OpenAPI documents,
  each holding a group of path items plus every component they reach by local `$ref`
  (unreached components form one more shard). A shard keeps the original JSON pointers,
  so its findings need no translation. Checks that span the whole document (duplicate
  operationIds) are aiccgen's own lint rules, so no check is lost.
- a cache: each shard's findings are stored under a hash of its content, the validator's
  version and the other spec files, so after a one-field change only the shard holding
  that field is checked again.
- worker processes: shards are checked in a process started before the specs are even
  parsed (and a second one, on a second core, for a large spec), so the validator's
  import and its work overlap with aiccgen's own lint, IR build and rendering. Nothing
  is written before the results are in (pipeline.generate), so a spec the validator
  rejects still leaves the tree untouched.

Without workers (one core, or a worker that dies) the same shards run in this process.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import pickle
import sys
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .diagnostics import Finding, error, join_pointer

if TYPE_CHECKING:  # not at run time: the worker is forked before yamlio (and ryml) load
    from .yamlio import YamlDocument

#: Path items per shard: big enough that the validator's per-document setup (~10 ms) is
#: noise, small enough that a one-field change re-checks a small part of a large spec.
PATHS_PER_SHARD = 25
#: Below this many path items a document is one shard: splitting buys nothing.
_SPLIT_ABOVE = 2 * PATHS_PER_SHARD
#: Specs bigger than this (bytes of YAML) will have more than `_SPLIT_ABOVE` path items to
#: check: ~13 KB per path item in the synthetic specs, ~0.09 MB for all five bundled ones.
_EARLY_SECOND_BYTES = 1_000_000
_TOP_LEVEL = ("openapi", "info", "jsonSchemaDialect", "servers", "security", "tags", "externalDocs")


@dataclass(frozen=True)
class Shard:
    path: str  # the spec file the findings belong to
    version: str  # the document's `openapi`
    document: dict[str, Any]

    def key(self, context: str) -> str:
        text = json.dumps(self.document, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(f"{context}\0{self.path}\0{text}".encode()).hexdigest()


def shards(doc: YamlDocument) -> list[Shard]:
    """`doc` as one or more OpenAPI documents whose findings are the document's own."""
    data = doc.data
    version = str(data.get("openapi", ""))
    paths = data.get("paths")
    if not isinstance(paths, dict) or len(paths) <= _SPLIT_ABOVE or not isinstance(data.get("components"), dict):
        return [Shard(doc.path, version, data)]
    components: dict[str, Any] = data["components"]
    top = {k: data[k] for k in _TOP_LEVEL if k in data}
    names = sorted(paths)
    groups: dict[int, list[str]] = {}
    buckets = max(1, len(names) // PATHS_PER_SHARD)
    for name in names:
        # A path's shard depends on its name only, so adding a path moves no other path.
        groups.setdefault(int(hashlib.sha256(name.encode()).hexdigest(), 16) % buckets, []).append(name)
    out: list[Shard] = []
    reached: set[tuple[str, str]] = set()
    for index in sorted(groups):
        items = {name: paths[name] for name in groups[index]}
        closure = _closure(items, components)
        reached |= closure
        out.append(Shard(doc.path, version, {**top, "paths": items, "components": _pick(components, closure)}))
    rest = {(kind, name) for kind, entries in components.items() if isinstance(entries, dict) for name in entries}
    rest -= reached
    if rest or "securitySchemes" in components:
        # Unreached components, checked once; `paths: {}` keeps an OpenAPI 3.0 document valid.
        closure = _closure([{"$ref": f"#/components/{k}/{n}"} for k, n in sorted(rest)], components)
        out.append(Shard(doc.path, version, {**top, "paths": {}, "components": _pick(components, closure)}))
    return out


def _closure(start: Any, components: dict[str, Any]) -> set[tuple[str, str]]:
    """(kind, name) of every component reachable from `start` through local `$ref`s."""
    seen: set[tuple[str, str]] = set()
    stack = [start]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/"):
                parts = ref[len("#/components/"):].split("/")
                if len(parts) >= 2:
                    kind, name = parts[0], parts[1].replace("~1", "/").replace("~0", "~")
                    target = components.get(kind, {}).get(name) if isinstance(components.get(kind), dict) else None
                    if (kind, name) not in seen and target is not None:
                        seen.add((kind, name))
                        stack.append(target)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return seen


def _pick(components: dict[str, Any], closure: set[tuple[str, str]]) -> dict[str, Any]:
    picked: dict[str, Any] = {}
    if "securitySchemes" in components:
        picked["securitySchemes"] = components["securitySchemes"]
    for kind, name in sorted(closure):
        picked.setdefault(kind, {})[name] = components[kind][name]
    return picked


def check_shard(shard: Shard) -> list[tuple[str, str]]:
    """(pointer, message) of everything openapi-spec-validator reports for one shard."""
    validator_cls = _located_validators()[shard.version.startswith("3.1")]
    try:
        validator = validator_cls(shard.document, base_uri=Path(shard.path).as_uri())
        errors = list(validator.iter_errors())
    except Exception as exc:  # noqa: BLE001  (the validator raises on inputs it cannot walk)
        return [("", f"the OpenAPI validator could not check this file: {exc.__class__.__name__}: {exc}"[:500])]
    out = []
    for err in errors:
        path = list(getattr(err, "absolute_path", []) or [])
        # jsonschema appends "Failed validating ... On instance ..." with the whole
        # instance; the pointer already says where, so keep the first sentence.
        message = str(err.message).split("\n\n")[0].split(" Failed validating ")[0]
        out.append((join_pointer("", *path), shorten(message)))
    return out


@functools.cache
def _located_validators() -> tuple[Any, Any]:
    """openapi-spec-validator's 3.0 and 3.1 validators, with schema errors located.

    Its check of a Schema Object against the JSON Schema dialect reports a path inside
    that schema only (`/properties/name/maxLength`); these subclasses prefix the schema's
    own location, so a finding points into the file like every other finding.
    """
    from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator
    from openapi_spec_validator.validation import keywords

    _crawl_dialect_registry()

    def located(base: Any) -> Any:
        class Located(base):  # type: ignore[misc, valid-type]
            def _validate_schema_meta(self, schema: Any, schema_value: Any) -> Any:
                err = super()._validate_schema_meta(schema, schema_value)
                if err is not None:
                    err.path.extendleft(reversed(schema.parts))
                return err

        return Located

    def spec(base: Any, schema_validator: Any) -> Any:
        return type(base.__name__, (base,), {"keyword_validators": {**base.keyword_validators,
                                                                   "schema": located(schema_validator)}})

    return (spec(OpenAPIV30SpecValidator, keywords.OpenAPIV30SchemaValidator),
            spec(OpenAPIV31SpecValidator, keywords.OpenAPIV31SchemaValidator))


def _crawl_dialect_registry() -> None:
    """Give the Schema Object check a registry that is crawled once, not per schema.

    openapi-schema-validator checks each Schema Object against the OAS dialect with a
    registry of the dialect's meta-schemas that has not been crawled; `referencing`
    registries are immutable, so every `$dynamicRef` lookup crawled it again. Crawled
    once up front, the same checks took a quarter less time on a 100-operation spec,
    with identical findings (tests/test_validity.py compares verdicts).
    """
    try:
        from openapi_schema_validator import validators
    except ImportError:
        return
    registry = getattr(validators, "OPENAPI_SPECIFICATIONS", None)
    if registry is not None and hasattr(registry, "crawl"):
        validators.OPENAPI_SPECIFICATIONS = registry.crawl()


def _check_many(batch: bytes) -> list[list[tuple[str, str]]]:
    return [check_shard(s) for s in pickle.loads(batch)]


def _warm() -> None:
    _located_validators()  # importing the validator takes a third of a second


def shorten(message: str, limit: int = 300) -> str:
    message = " ".join(str(message).split())
    return message if len(message) <= limit else message[: limit - 3] + "..."


def _validator_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("openapi-spec-validator")
    except PackageNotFoundError:
        return "unknown"


@dataclass
class ValidityCheck:
    """openapi-spec-validator over the submitted documents, in the background.

    `submit` queues a document; `findings` waits for all of them. `workers=0` checks in
    this process, in `findings`. `cache_dir=None` caches nothing.
    """

    cache_dir: Path | None = None
    workers: int = 0
    #: shards submitted but not yet sent to a worker (see `dispatch`)
    _queued: list[tuple[Shard, str]] = field(default_factory=list)
    #: shards to check in this process, in `findings`
    _pending: list[tuple[Shard, str]] = field(default_factory=list)
    _cached: list[Finding] = field(default_factory=list)
    #: Sent work: (file, cache key) per shard, the pickled shards, the worker's answer. The
    #: shards themselves are not kept: they hold the parsed spec, which the generation lets
    #: go before it renders the client (the pickles, 8 MB at 1000 operations, are enough
    #: to check here if a worker dies).
    _futures: list[tuple[list[tuple[str, str]], bytes, Future[list[list[tuple[str, str]]]]]] = field(
        default_factory=list)
    _pools: list[ProcessPoolExecutor] = field(default_factory=list)
    #: every future submitted, the warm-up included: close() must know what still runs
    _started: list[Future[Any]] = field(default_factory=list)
    _cache: dict[str, list[list[str]]] = field(default_factory=dict)
    _context: str = ""
    #: cache keys of this run: the cache keeps these and forgets the rest
    _used: set[str] = field(default_factory=set)
    _loaded: dict[str, list[list[str]]] = field(default_factory=dict)

    @classmethod
    def start(cls, cache_dir: Path | None, workers: int | None = None, *, spec_bytes: int = 0) -> ValidityCheck:
        """Start a worker now, so the validator is imported while specs are parsed.

        `spec_bytes`: how big the specs are (`spec_bytes()`). Above `_EARLY_SECOND_BYTES`
        every worker is forked now, while this process is small: a worker forked once the
        specs are loaded starts out sharing all of this process's pages, and the largest
        process of a 1000-operation run was then that worker (180 MiB)."""
        if workers is None:
            # AICCGEN_VALIDITY_WORKERS=0 checks in-process (benchmarks compare both ways).
            setting = os.environ.get("AICCGEN_VALIDITY_WORKERS", "")
            workers = int(setting) if setting.isdigit() else (min(2, _cores()) if _cores() > 1 else 0)
        check = cls(cache_dir, workers)
        if workers and sys.platform != "win32":
            for _ in range(workers if spec_bytes > _EARLY_SECOND_BYTES else 1):
                pool = check._fork()
                if pool is not None:
                    check._started.append(pool.submit(_warm))
        return check

    def _fork(self) -> ProcessPoolExecutor | None:
        """One more single-process pool, or None where processes cannot be made.

        Single-process pools because a ProcessPoolExecutor forks another process whenever
        work arrives while its processes are busy: with one pool of two, the five bundled
        specs forked a second worker whose import of the validator (0.5 s of CPU) outlasted
        the whole check."""
        try:
            import multiprocessing

            pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
        except (OSError, ValueError):
            return None
        self._pools.append(pool)
        return pool

    def submit(self, doc: YamlDocument, others: dict[str, str]) -> None:
        """Queue `doc`; `others` maps the other spec files to their content hashes.

        Queued shards go to the workers when `dispatch` is called, or at once when they
        are enough work for two workers."""
        if not self._context:
            self._context = f"aiccgen {__version__}\0openapi-spec-validator {_validator_version()}"
            self._load_cache()
        context = self._context + "\0" + json.dumps(sorted(others.items()))
        for shard in shards(doc):
            key = shard.key(context)
            hit = self._cache.get(key)
            if hit is not None:
                self._used.add(key)
                self._cached.extend(self._finding(shard.path, p, m) for p, m in hit)
            else:
                self._queued.append((shard, key))
        if _work(self._queued) > _SPLIT_ABOVE:
            self.dispatch()

    def dispatch(self) -> None:
        """Send the queued shards to the workers.

        A second worker costs a second import of the validator, about as much CPU as
        checking a dozen operations, so it is forked only for more than `_SPLIT_ABOVE`
        path items of work; the first worker, forked at start, takes everything else."""
        batch, self._queued = self._queued, []
        if not batch:
            return
        if not self._pools:
            self._pending.extend(batch)
            return
        if _work(batch) > _SPLIT_ABOVE:
            while len(self._pools) < self.workers and self._fork() is not None:
                pass
        # Two batches per worker keep both cores busy when shards differ in size.
        parts = 1 if len(self._pools) == 1 else 2 * len(self._pools)
        size = max(1, -(-len(batch) // parts))
        for n, i in enumerate(range(0, len(batch), size)):
            part = batch[i : i + size]
            payload = pickle.dumps([s for s, _ in part])
            try:
                future = self._pools[n % len(self._pools)].submit(_check_many, payload)
                self._futures.append(([(s.path, key) for s, key in part], payload, future))
                self._started.append(future)
            except RuntimeError:  # a broken or shut-down pool: check here instead
                self._pending.extend(part)

    def findings(self) -> list[Finding]:
        self.dispatch()
        out = list(self._cached)
        results: list[tuple[list[tuple[str, str]], list[list[tuple[str, str]]]]] = []
        for sent, payload, future in self._futures:
            try:
                results.append((sent, future.result()))
            except Exception:  # noqa: BLE001  (a dead worker: check its shards here instead)
                results.append((sent, [check_shard(s) for s in pickle.loads(payload)]))  # noqa: S301 (our own)
        if self._pending:
            results.append(([(s.path, key) for s, key in self._pending], [check_shard(s) for s, _ in self._pending]))
        for sent, found in results:
            for (path, key), pairs in zip(sent, found):
                self._cache[key] = [[p, m] for p, m in pairs]
                self._used.add(key)
                out.extend(self._finding(path, p, m) for p, m in pairs)
        self._futures, self._pending, self._cached = [], [], []
        self.close()
        self._save_cache()
        return out

    def close(self) -> None:
        """Stop the workers, waiting for them: a pool left to the interpreter's exit
        handler raised "Bad file descriptor" there. Work nobody will read (a run stopped
        early by a finding) is not waited for: its processes are terminated first."""
        pools, self._pools = self._pools, []
        # Idle workers (none given work: a run with nothing to do) are still importing
        # the validator; waiting for that would cost the import's 0.4 s.
        unfinished = not self._started or any(not f.done() for f in self._started)
        for pool in pools:
            if unfinished:
                for process in list(getattr(pool, "_processes", {}).values()):
                    process.terminate()
            pool.shutdown(wait=True, cancel_futures=True)

    @staticmethod
    def _finding(path: str, pointer: str, message: str) -> Finding:
        return error("openapi", message, path, pointer)

    # -- the cache ----------------------------------------------------------------------
    def _cache_file(self) -> Path | None:
        return self.cache_dir / "openapi-validity.json" if self.cache_dir else None

    def _load_cache(self) -> None:
        path = self._cache_file()
        if path is None or not path.is_file():
            return
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(data, dict) and isinstance(data.get("entries"), dict):
                self._cache = data["entries"]
                self._loaded = dict(self._cache)
        except (OSError, ValueError):
            pass  # a damaged cache is a cold cache

    def _save_cache(self) -> None:
        path = self._cache_file()
        entries = {k: self._cache[k] for k in sorted(self._used)}
        if path is None or entries == self._loaded:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"entries": entries}), encoding="utf-8")
            os.replace(tmp, path)
        except OSError:
            pass  # the cache only saves time


def _work(batch: list[tuple[Shard, str]]) -> int:
    """Path items in `batch`: what the validator's time grows with."""
    return sum(len(s.document.get("paths") or ()) for s, _ in batch)


def spec_bytes(target: str) -> int:
    """The size of the spec file `target`, or of the spec files in the folder `target`:
    read with `os` alone, before the worker is forked (0 when it cannot be read)."""
    try:
        if os.path.isdir(target):
            return sum(e.stat().st_size for e in os.scandir(target)
                       if e.is_file() and e.name.endswith((".yaml", ".yml", ".json")))
        return os.path.getsize(target)
    except OSError:
        return 0


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1
