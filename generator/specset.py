"""A folder of specs as one unit: discovery, settings, and `$ref` resolution.

Specs reference each other (`codes.yaml#/components/schemas/CallState`), so nothing can
be checked or built from one file alone. `SpecSet` loads each file once, on first use,
and resolves references by walking pointers into the loaded data: no copies, so a large
spec costs linear time and memory.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import unquote

from .diagnostics import AiccgenError, Finding, error, join_pointer, split_pointer
from .yamlio import YamlDocument, load_yaml

CONFIG_NAME = "aiccgen.yaml"
#: Files beside the specs that are not specs: generator settings, reviewed breaking changes.
NOT_SPECS = frozenset({CONFIG_NAME, "acknowledged-changes.yaml"})
SPEC_SUFFIXES = (".yaml", ".yml", ".json")
_PACKAGE_NAME = re.compile(r"[a-z_][a-z0-9_]*")
_DIST_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?")
_VERSION = re.compile(r"[0-9]+(\.[0-9]+)*([.-]?[A-Za-z0-9]+)*")

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(frozen=True)
class Settings:
    """What `specs/aiccgen.yaml` may set; defaults come from the first spec's title."""

    package: str
    distribution: str
    version: str


@dataclass(frozen=True)
class Ref:
    """Where a `$ref` leads: the file, the pointer in it, and the value found there."""

    path: str
    pointer: str
    value: Any


@dataclass
class SpecSet:
    entries: list[str]  # absolute paths of the OpenAPI documents asked for
    settings: Settings
    findings: list[Finding] = field(default_factory=list)
    #: where large files' parsed chunks are kept between runs (`yamlio.ChunkCache`)
    cache_dir: Path | None = None
    _docs: dict[str, YamlDocument] = field(default_factory=dict)

    # -- documents ---------------------------------------------------------------------
    def doc(self, path: str) -> YamlDocument:
        """The loaded document at `path`, loading it on first use."""
        path = os.path.abspath(path)
        found = self._docs.get(path)
        if found is None:
            found = load_yaml(path, cache_dir=self.cache_dir)
            self._docs[path] = found
        return found

    def documents(self) -> Iterator[YamlDocument]:
        for path in self.entries:
            yield self.doc(path)

    def release_data(self) -> None:
        """Let the parsed data of every document go; what stays locates findings.

        For a generation that has read from the specs all it needs: at 1000 operations
        the parsed data is ~70 MiB, which the rest of the run no longer needs."""
        for doc in self._docs.values():
            doc.data = None

    def loaded(self) -> list[YamlDocument]:
        """Every document loaded so far, entries and the files they reference."""
        return list(self._docs.values())

    # -- references ------------------------------------------------------------------
    def resolve(self, base_path: str, ref: str, *, loaded_only: bool = False) -> Ref:
        """Follow one `$ref` from the document at `base_path`.

        Raises AiccgenError with a finding that names the referring file; the caller
        adds the pointer of the `$ref` itself. `loaded_only`: a file not loaded yet is
        an error too (for a caller that must not load more than the run did).
        """
        file_part, _, fragment = ref.partition("#")
        if file_part.startswith(("http://", "https://")):
            raise AiccgenError(error("ref", f"remote $ref {ref!r} is not supported: keep specs local", base_path))
        target = base_path
        if file_part:
            if file_part.startswith("file://"):
                file_part = unquote(file_part[len("file://"):])
            target = os.path.normpath(os.path.join(os.path.dirname(base_path), unquote(file_part)))
            if not os.path.isfile(target) or loaded_only and os.path.abspath(target) not in self._docs:
                raise AiccgenError(error("ref", f"$ref {ref!r}: no file {file_part}", base_path))
        try:
            data = self.doc(target).data
        except AiccgenError as exc:
            raise AiccgenError(
                [error("ref", f"$ref {ref!r}: the referenced file cannot be read", base_path), *exc.findings]
            ) from None
        pointer = unquote(fragment)
        if pointer and not pointer.startswith("/"):
            raise AiccgenError(error("ref", f"$ref {ref!r}: the fragment must be a JSON pointer", base_path))
        try:
            value = get_pointer(data, pointer)
        except LookupError:
            raise AiccgenError(error("ref", f"$ref {ref!r} points to nothing", base_path)) from None
        return Ref(target, pointer, value)

    def deref(self, path: str, node: Any, *, limit: int = 50) -> tuple[str, str | None, Any]:
        """Follow `$ref` chains: (file, pointer or None, value). Detects alias cycles.

        Only a loop of pure aliases is an error: `A: {$ref: B}`, `B: {$ref: A}` (or a schema
        that is only a `$ref` to itself) never reaches a schema, so it describes nothing and
        would send any tool that follows it round for ever. A recursive schema is legal JSON
        Schema and is not seen here: its `$ref` sits under `properties` or `items` of an
        object, so following the alias ends at that object.
        """
        pointer: str | None = None
        start = path
        seen: list[tuple[str, str]] = []
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = self.resolve(path, node["$ref"])
            key = (ref.path, ref.pointer)
            if key in seen:
                loop = [*seen[seen.index(key):], key]
                chain = " -> ".join(_ref_label(start, p, ptr) for p, ptr in loop)
                raise AiccgenError(error(
                    "ref-cycle", f"$ref cycle {chain} never reaches a schema: write the schema itself in one "
                    "of them (a schema may refer to itself from inside properties or items)", start))
            if len(seen) >= limit:
                raise AiccgenError(error(
                    "ref-cycle", f"$ref chain through {node['$ref']!r} is longer than {limit} links; "
                    "refer to the schema directly", start))
            seen.append(key)
            path, pointer, node = ref.path, ref.pointer, ref.value
        return path, pointer, node


def _ref_label(base: str, path: str, pointer: str) -> str:
    """`#/components/schemas/A` in the same file, `codes.yaml#/...` in another."""
    return ("" if path == base else os.path.basename(path)) + "#" + pointer


def iter_refs(node: Any, pointer: str = "") -> Iterator[tuple[str, str]]:
    """(pointer of the object holding it, `$ref` value) for every `$ref` outside `x-` keys."""
    stack = [(pointer, node)]
    while stack:
        ptr, value = stack.pop()
        if isinstance(value, dict):
            ref = value.get("$ref")
            if isinstance(ref, str):
                yield ptr, ref
            for key, child in value.items():
                if isinstance(child, (dict, list)) and not key.startswith("x-"):
                    stack.append((join_pointer(ptr, key), child))
        elif isinstance(value, list):
            stack.extend((join_pointer(ptr, i), child) for i, child in enumerate(value))


def get_pointer(data: Any, pointer: str) -> Any:
    node = data
    for token in split_pointer(pointer):
        if isinstance(node, dict):
            node = node[token]
        elif isinstance(node, list) and token.isdigit():
            node = node[int(token)]
        else:
            raise KeyError(token)
    return node


def has_pointer(data: Any, pointer: str) -> bool:
    try:
        get_pointer(data, pointer)
    except (LookupError, ValueError):
        return False
    return True


def discover(targets: list[str]) -> tuple[list[str], Path | None]:
    """Spec files named on the command line, or found in the folders named there."""
    entries: list[str] = []
    config_dir: Path | None = None
    for target in targets:
        p = Path(target)
        if p.is_dir():
            config_dir = config_dir or p
            found = sorted(
                c for c in p.iterdir()
                if c.is_file() and c.suffix in SPEC_SUFFIXES and c.name not in NOT_SPECS
            )
            if not found:
                raise AiccgenError(error("file", "no spec files (*.yaml, *.yml, *.json) in this folder", str(p)))
            entries.extend(str(c.resolve()) for c in found)
        elif p.exists():
            config_dir = config_dir or p.parent
            entries.append(str(p.resolve()))
        else:
            raise AiccgenError(error("file", "no such file or folder", str(p)))
    return list(dict.fromkeys(entries)), config_dir


def load_spec_set(targets: list[str], cache_dir: Path | None = None) -> SpecSet:
    """Load the named specs. Unreadable files become findings, not exceptions, so one
    run reports every broken file. `cache_dir`: see `SpecSet.cache_dir`."""
    entries, config_dir = discover(targets)
    spec_set = SpecSet(entries=[], settings=Settings("client", "client", "0.1.0"), cache_dir=cache_dir)
    for path in entries:
        try:
            doc = spec_set.doc(path)
        except AiccgenError as exc:
            spec_set.findings.extend(exc.findings)
            continue
        if isinstance(doc.data, dict) and "openapi" not in doc.data and "overlay" in doc.data:
            continue  # an Overlay document (errata) lives beside the specs
        spec_set.entries.append(path)
    spec_set.settings = _read_settings(config_dir, spec_set)
    return spec_set


def _read_settings(config_dir: Path | None, spec_set: SpecSet) -> Settings:
    title = "client"
    for path in spec_set.entries:
        data = spec_set.doc(path).data
        if isinstance(data, dict) and isinstance(data.get("info"), dict):
            title = str(data["info"].get("title") or title)
            break
    from .naming import snake_case

    package = snake_case(title) or "client"
    if package[0].isdigit():
        package = f"api_{package}"
    defaults = {"package": package, "distribution": package.replace("_", "-"), "version": "0.1.0"}
    if config_dir is None or not (config_dir / CONFIG_NAME).is_file():
        return Settings(**defaults)
    path = str(config_dir / CONFIG_NAME)
    try:
        raw = load_yaml(path).data
    except AiccgenError as exc:
        spec_set.findings.extend(exc.findings)
        return Settings(**defaults)
    if not isinstance(raw, dict):
        spec_set.findings.append(error("settings", "expected a mapping of settings", path, line=1, col=1))
        return Settings(**defaults)
    checks = {"package": _PACKAGE_NAME, "distribution": _DIST_NAME, "version": _VERSION}
    values = dict(defaults)
    for key, value in raw.items():
        if key not in checks:
            spec_set.findings.append(
                error("settings", f"unknown setting {key!r}; known: {', '.join(checks)}", path, join_pointer("", key))
            )
        elif not isinstance(value, str) or not checks[key].fullmatch(value):
            spec_set.findings.append(
                error("settings", f"{key} {value!r} is not a valid {key} name", path, join_pointer("", key))
            )
        else:
            values[key] = value
    return Settings(**values)


# -- walking ---------------------------------------------------------------------------

_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "dependentSchemas")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SCHEMA_SINGLES = ("items", "additionalProperties", "not", "if", "then", "else", "contains",
                   "propertyNames", "unevaluatedItems", "unevaluatedProperties")


def iter_operations(data: Any) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """(pointer, path, method, operation) for every operation, in document order."""
    paths = data.get("paths") if isinstance(data, dict) else None
    if not isinstance(paths, dict):
        return
    for url, item in paths.items():
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            op = item.get(method)
            if isinstance(op, dict):
                yield join_pointer("/paths", url, method), url, method, op


def iter_schemas(data: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """(pointer, schema) for every schema object written in the document: component
    schemas, parameter, request and response schemas, and everything nested in them.
    References are not followed; each schema is visited where it is written."""
    if not isinstance(data, dict):
        return
    roots: list[tuple[str, Any]] = []
    components = data.get("components")
    if isinstance(components, dict):
        for kind in ("schemas",):
            for name, schema in (components.get(kind) or {}).items():
                roots.append((join_pointer("/components", kind, name), schema))
        for name, param in (components.get("parameters") or {}).items():
            if isinstance(param, dict) and "schema" in param:
                roots.append((join_pointer("/components/parameters", name, "schema"), param["schema"]))
        for section in ("requestBodies", "responses"):
            for name, obj in (components.get(section) or {}).items():
                roots.extend(_media_schemas(join_pointer("/components", section, name), obj))
    for op_pointer, _url, _method, op in iter_operations(data):
        for i, param in enumerate(op.get("parameters") or []):
            if isinstance(param, dict) and "schema" in param:
                roots.append((join_pointer(op_pointer, "parameters", i, "schema"), param["schema"]))
        roots.extend(_media_schemas(op_pointer + "/requestBody", op.get("requestBody")))
        for status, response in (op.get("responses") or {}).items():
            roots.extend(_media_schemas(join_pointer(op_pointer, "responses", status), response))
    for pointer, schema in roots:
        yield from _walk_schema(pointer, schema)


def _media_schemas(pointer: str, obj: Any) -> Iterator[tuple[str, Any]]:
    if not isinstance(obj, dict):
        return
    for media, media_obj in (obj.get("content") or {}).items():
        if isinstance(media_obj, dict) and "schema" in media_obj:
            yield join_pointer(pointer, "content", media, "schema"), media_obj["schema"]


def _walk_schema(pointer: str, schema: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    stack = [(pointer, schema)]
    while stack:
        ptr, node = stack.pop()
        if not isinstance(node, dict):
            continue
        yield ptr, node
        children: list[tuple[str, Any]] = []
        for key in _SCHEMA_MAPS:
            sub = node.get(key)
            if isinstance(sub, dict):
                children.extend((join_pointer(ptr, key, name), s) for name, s in sub.items())
        for key in _SCHEMA_LISTS:
            sub = node.get(key)
            if isinstance(sub, list):
                children.extend((join_pointer(ptr, key, i), s) for i, s in enumerate(sub))
        for key in _SCHEMA_SINGLES:
            if isinstance(node.get(key), dict):
                children.append((join_pointer(ptr, key), node[key]))
        stack.extend(reversed(children))


def iter_examples(data: Any) -> Iterator[tuple[str, str, Any]]:
    """(example pointer, schema pointer, example object-or-value) for media-type examples.

    `example` values are yielded as `{"value": ...}` so callers see one shape."""
    def from_media(pointer: str, obj: Any) -> Iterator[tuple[str, str, Any]]:
        if not isinstance(obj, dict):
            return
        for media, media_obj in (obj.get("content") or {}).items():
            if not isinstance(media_obj, dict) or "schema" not in media_obj:
                continue
            base = join_pointer(pointer, "content", media)
            if "example" in media_obj:
                yield base + "/example", base + "/schema", {"value": media_obj["example"]}
            for name, ex in (media_obj.get("examples") or {}).items():
                if isinstance(ex, dict):
                    yield join_pointer(base, "examples", name), base + "/schema", ex

    for op_pointer, _url, _method, op in iter_operations(data):
        yield from from_media(op_pointer + "/requestBody", op.get("requestBody"))
        for status, response in (op.get("responses") or {}).items():
            yield from from_media(join_pointer(op_pointer, "responses", status), response)
