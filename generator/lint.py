"""Checks a spec set: OpenAPI validity plus the rules openapi-spec-validator misses.

Each rule is a small function yielding findings with a JSON pointer; `lint` fills in
`line:col` from the file once, at the end. The rules encode what bit integrators before:
a code table read as numbers, a code nobody described, an example that contradicts its
own table without anyone noticing, a limit the page documents but the spec forgot.
"""

from __future__ import annotations

import hashlib
import json
import re
import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .diagnostics import AiccgenError, Finding, error, join_pointer, sort_findings, warning
from .specset import (
    SpecSet,
    get_pointer,
    has_pointer,
    iter_examples,
    iter_operations,
    iter_refs,
    iter_schemas,
)
from .validity import ValidityCheck, shorten
from .yamlio import YamlDocument

ERRATUM_KEYS = ("id", "page", "kind", "targets", "doc", "observed", "action", "client")
#: What kind of self-contradiction an erratum records (docs/spec-conventions.md).
ERRATUM_KINDS = frozenset({
    "example-type", "example-format", "example-meaning", "malformed-example", "missing-table",
    "non-json-type", "mandatory-conflict", "header-mismatch", "conflicting-meanings",
    "cross-page-wording",
})
_VARNAME = re.compile(r"[A-Z][A-Z0-9_]*")
_DOC_LENGTH = re.compile(r"(string|number)\s*\((\d+)\)")
_PROSE_LENGTHS = (
    re.compile(r"Length limit:\s*string\s*\((\d+)\)"),
    re.compile(r"contains a maximum of (\d+) characters"),
)


@dataclass
class _Context:
    spec_set: SpecSet
    #: (absolute file, pointer) -> erratum ids that target it
    erratum_targets: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    erratum_ids: dict[str, tuple[str, str]] = field(default_factory=dict)

    def errata_for(self, path: str, pointer: str) -> list[str]:
        return self.erratum_targets.get((path, pointer), [])


def lint(spec_set: SpecSet, validity: ValidityCheck) -> list[Finding]:
    """Every finding of aiccgen's own rules for `spec_set`.

    OpenAPI validity is only submitted to `validity`: the caller collects those findings
    later (the pipeline overlaps openapi-spec-validator with the build).
    """
    hashes = {d.path: hashlib.sha256(d.source).hexdigest() for d in spec_set.documents()}
    ctx = _Context(spec_set)
    findings = list(spec_set.findings)
    docs = list(spec_set.documents())
    for doc in docs:
        findings.extend(_collect_errata(ctx, doc))
    for doc in docs:
        findings.extend(doc.findings)
        ref_findings = list(_check_refs(ctx, doc))
        findings.extend(ref_findings)
        if not isinstance(doc.data, dict) or "openapi" not in doc.data:
            findings.append(error("openapi", "not an OpenAPI document: no 'openapi' key at the top", doc.path, ""))
            continue
        if not any(f.rule in ("ref", "ref-cycle") for f in ref_findings):
            version = str(doc.data.get("openapi", ""))
            if version.startswith(("3.0", "3.1")):
                validity.submit(doc, {p: h for p, h in hashes.items() if p != doc.path})
            else:
                findings.append(error("openapi", f"unsupported OpenAPI version {version!r}: expected 3.0.x or 3.1.x",
                                      doc.path, "/openapi"))
        for rule in _RULES:
            findings.extend(rule(ctx, doc))
    findings.extend(_check_operation_ids(docs))
    validity.dispatch()
    return place_findings(spec_set, findings)


def place_findings(spec_set: SpecSet, findings: Iterable[Finding]) -> list[Finding]:
    """Give each finding its line:col (once per file) and drop exact repeats."""
    docs = {d.path: d for d in spec_set.loaded()}
    placed = {}
    for f in findings:
        doc = docs.get(f.file)
        if doc is not None and f.line is None:
            f = doc.place(f)
        placed[(f.file, f.pointer, f.rule, f.message, f.line)] = f
    return sort_findings(placed.values())


# -- $ref ------------------------------------------------------------------------------

def _check_refs(ctx: _Context, doc: YamlDocument) -> Iterator[Finding]:
    for ptr, ref in iter_refs(doc.data):
        try:
            ctx.spec_set.deref(doc.path, {"$ref": ref})
        except AiccgenError as exc:
            first = exc.findings[0]
            yield error(first.rule, first.message, doc.path, ptr)


# -- OpenAPI validity ------------------------------------------------------------------

# -- code tables -----------------------------------------------------------------------

def _check_enums(ctx: _Context, doc: YamlDocument) -> Iterator[Finding]:
    captured = isinstance(doc.data, dict) and "x-doc-pages" in doc.data
    for ptr, schema in iter_schemas(doc.data):
        values = schema.get("enum")
        if not isinstance(values, list):
            continue
        seen: dict[str, int] = {}
        for i, value in enumerate(values):
            key = json.dumps(value, sort_keys=True)
            if key in seen:
                yield error("enum-duplicate", f"duplicate enum value {value!r} (also at index {seen[key]})",
                            doc.path, join_pointer(ptr, "enum", i))
            seen.setdefault(key, i)
        declared = schema.get("type")
        if declared in ("string", "integer", "number"):
            python_type: Any = {"string": str, "integer": int, "number": (int, float)}[declared]
            for i, value in enumerate(values):
                if not isinstance(value, python_type) or isinstance(value, bool):
                    yield error("enum-type", f"enum value {value!r} is not of type {declared}; quote codes that are strings",
                                doc.path, join_pointer(ptr, "enum", i))
        is_code_table = captured or "x-enum-varnames" in schema or "x-enum-descriptions" in schema
        if is_code_table:
            yield from _check_code_table(doc, ptr, schema, values)


def _check_code_table(doc: YamlDocument, ptr: str, schema: dict[str, Any], values: list[Any]) -> Iterator[Finding]:
    for key in ("x-enum-varnames", "x-enum-descriptions"):
        listed = schema.get(key)
        if listed is None:
            yield error("code-table", f"code table without {key}: every code needs a name and its documented meaning",
                        doc.path, ptr)
            continue
        if not isinstance(listed, list) or len(listed) != len(values):
            count = len(listed) if isinstance(listed, list) else "no list"
            yield error("code-table", f"{key} has {count} entries for {len(values)} enum values", doc.path,
                        join_pointer(ptr, key))
            continue
        for i, item in enumerate(listed):
            if not isinstance(item, str) or not item.strip():
                yield error("code-table", f"code {values[i]!r} has no {key[7:-1]}", doc.path, join_pointer(ptr, key, i))
            elif key == "x-enum-varnames" and not _VARNAME.fullmatch(item):
                yield error("code-table", f"name {item!r} of code {values[i]!r} is not UPPER_SNAKE_CASE", doc.path,
                            join_pointer(ptr, key, i))
        if key == "x-enum-varnames":
            first: dict[str, int] = {}
            for i, item in enumerate(listed):
                if item in first:
                    yield error("code-table", f"name {item!r} is used by codes {values[first[item]]!r} and {values[i]!r}",
                                doc.path, join_pointer(ptr, key, i))
                first.setdefault(item, i)


# -- documented limits -----------------------------------------------------------------

def _branches(ctx: _Context, doc: YamlDocument, schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The schema and, for anyOf/oneOf, each alternative (references followed)."""
    out = [schema]
    for key in ("anyOf", "oneOf"):
        for sub in schema.get(key) or []:
            try:
                out.append(ctx.spec_set.deref(doc.path, sub)[2])
            except AiccgenError:
                continue
    return [s for s in out if isinstance(s, dict)]


def _check_lengths(ctx: _Context, doc: YamlDocument) -> Iterator[Finding]:
    for ptr, schema in iter_schemas(doc.data):
        documented: list[tuple[str, int]] = []
        x_doc = schema.get("x-doc")
        if isinstance(x_doc, dict) and isinstance(x_doc.get("length"), str):
            m = _DOC_LENGTH.fullmatch(x_doc["length"].strip())
            if m is None:
                yield error("length", f"x-doc length {x_doc['length']!r} is not 'string (N)' or 'number (N)'",
                            doc.path, join_pointer(ptr, "x-doc", "length"))
            else:
                documented.append((m[1], int(m[2])))
        description = schema.get("description")
        if isinstance(description, str):
            for pattern in _PROSE_LENGTHS:
                documented.extend(("string", int(m[1])) for m in pattern.finditer(description))
        branches = _branches(ctx, doc, schema)
        for kind, n in documented:
            if kind == "string":
                limits = [b.get("maxLength") for b in branches if "maxLength" in b]
                if not limits:
                    yield error("length", f"the page documents a length limit of {n} characters but the schema has no maxLength",
                                doc.path, ptr)
                elif any(limit != n for limit in limits):
                    yield error("length", f"maxLength {limits[0]} differs from the documented limit of {n} characters",
                                doc.path, ptr)
            else:
                ceiling = 10**n - 1
                maxima = [b.get("maximum") for b in branches if "maximum" in b]
                if not maxima:
                    yield error("length", f"the page documents at most {n} digits but the schema has no maximum",
                                doc.path, ptr)
                elif any(not isinstance(m, (int, float)) or m > ceiling for m in maxima):
                    yield error("length", f"maximum {maxima[0]} allows more than the documented {n} digits",
                                doc.path, ptr)


# -- examples --------------------------------------------------------------------------

def _registry(ctx: _Context) -> Any:
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    def retrieve(uri: str) -> Resource[Any]:
        path = uri.removeprefix("file://")
        return Resource.from_contents(ctx.spec_set.doc(path).data, default_specification=DRAFT202012)

    return Registry(retrieve=retrieve)  # type: ignore[call-arg]


_Answers = dict[tuple[str, str, str], list[tuple[str, str]]]


def _value_checking(spec_set: SpecSet) -> tuple[Any, _Answers]:
    """The validator for values against the specs' schemas, and `schema_errors`' answers
    so far; both kept per spec set, as lint, build and contract ask thousands of times.

    openapi-schema-validator's OAS 3.1 validator is jsonschema's 2020-12 validator plus
    `discriminator` handling (and ECMA regexes when `regress` is installed). Importing it
    pulls in pydantic-settings, a third of a second the worker process pays anyway, so
    the main process uses jsonschema's own validator unless a spec uses `discriminator`.
    """
    key = id(spec_set)
    memo = _VALUE_CHECKING.get(key)
    if memo is not None and memo[0]() is spec_set:
        return memo[1], memo[2]
    if any(b"discriminator" in d.source for d in spec_set.documents()):
        from openapi_schema_validator import OAS31Validator

        chosen: Any = OAS31Validator
    else:
        from jsonschema import Draft202012Validator

        chosen = Draft202012Validator
    answers: _Answers = {}
    _VALUE_CHECKING[key] = (weakref.ref(spec_set, lambda _ref: _VALUE_CHECKING.pop(key, None)), chosen, answers)
    return chosen, answers


_VALUE_CHECKING: dict[int, tuple[weakref.ref[SpecSet], Any, _Answers]] = {}


def value_checker(spec_set: SpecSet) -> Any:
    """The validator class `schema_errors` checks this spec set's values with."""
    return _value_checking(spec_set)[0]


def schema_errors(ctx_or_set: Any, path: str, schema_pointer: str, value: Any) -> list[tuple[str, str]]:
    """(instance pointer, message) for each way `value` breaks the schema at
    `path#schema_pointer`. Shared by lint and the contract-test generator."""
    ctx = ctx_or_set if isinstance(ctx_or_set, _Context) else _Context(ctx_or_set)
    chosen, answers = _value_checking(ctx.spec_set)
    # The same example is checked by lint, by the IR builder and by the contract cases:
    # each (schema, value) once per spec set. The JSON text tells 1, 1.0 and true apart.
    key = (path, schema_pointer, json.dumps(value, sort_keys=True, ensure_ascii=False, default=repr))
    found = answers.get(key)
    if found is None:
        uri = Path(path).as_uri()
        validator = chosen({"$ref": f"{uri}#{schema_pointer}"}, registry=_registry(ctx))
        found = answers[key] = sorted((join_pointer("", *err.absolute_path), shorten(err.message, 200))
                                      for err in validator.iter_errors(value))
    return list(found)


def _check_examples(ctx: _Context, doc: YamlDocument) -> Iterator[Finding]:
    for ex_ptr, schema_ptr, example in iter_examples(doc.data):
        if "value" not in example:
            continue
        excused = ctx.errata_for(doc.path, ex_ptr)
        try:
            problems = schema_errors(ctx, doc.path, schema_ptr, example["value"])
        except Exception as exc:  # an unresolvable schema is reported by the ref rule
            yield warning("example", f"example not checked: {exc.__class__.__name__}", doc.path, ex_ptr)
            continue
        if problems and not excused:
            for where, message in problems:
                yield error("example", f"example breaks its schema at {where or '/'}: {message} "
                            "(record an erratum that targets this example if the page shows it so)", doc.path, ex_ptr)
        verbatim = example.get("x-verbatim")
        if isinstance(verbatim, str) and not excused:
            try:
                parsed = json.loads(verbatim)
            except ValueError as exc:
                yield error("example", f"x-verbatim is not valid JSON ({exc}); record a malformed-example erratum",
                            doc.path, ex_ptr + "/x-verbatim")
            else:
                if parsed != example["value"]:
                    yield error("example", "x-verbatim and value differ; record an erratum that explains the repair",
                                doc.path, ex_ptr + "/x-verbatim")


# -- provenance and errata -------------------------------------------------------------

def _collect_errata(ctx: _Context, doc: YamlDocument) -> Iterator[Finding]:
    errata = doc.data.get("x-errata") if isinstance(doc.data, dict) else None
    if errata is None:
        return
    if not isinstance(errata, list):
        yield error("erratum", "x-errata must be a list", doc.path, "/x-errata")
        return
    pages = doc.data.get("x-doc-pages") or {}
    for i, entry in enumerate(errata):
        ptr = join_pointer("/x-errata", i)
        if not isinstance(entry, dict):
            yield error("erratum", "an erratum must be a mapping", doc.path, ptr)
            continue
        missing = [k for k in ERRATUM_KEYS if k not in entry]
        if missing:
            yield error("erratum", f"erratum lacks {', '.join(missing)}", doc.path, ptr)
        eid = entry.get("id")
        if isinstance(eid, str):
            if eid in ctx.erratum_ids:
                yield error("erratum", f"erratum id {eid!r} is used twice (also in {Path(ctx.erratum_ids[eid][0]).name})",
                            doc.path, ptr + "/id")
            ctx.erratum_ids.setdefault(eid, (doc.path, ptr))
        if "kind" in entry and entry["kind"] not in ERRATUM_KINDS:
            yield error("erratum", f"unknown erratum kind {entry['kind']!r}; known: {', '.join(sorted(ERRATUM_KINDS))}",
                        doc.path, ptr + "/kind")
        if "page" in entry and entry["page"] not in pages:
            yield error("erratum", f"erratum names page {entry['page']!r}, which x-doc-pages does not list", doc.path,
                        ptr + "/page")
        for j, target in enumerate(entry.get("targets") or []):
            file_part, _, pointer = str(target).rpartition("#") if "#" in str(target) else ("", "", str(target))
            path = str((Path(doc.path).parent / file_part).resolve()) if file_part else doc.path
            try:
                ok = has_pointer(ctx.spec_set.doc(path).data, pointer)
            except AiccgenError:
                ok = False
            if not ok:
                yield error("erratum", f"erratum target {target!r} does not exist", doc.path, join_pointer(ptr, "targets", j))
                continue
            ctx.erratum_targets.setdefault((path, pointer), []).append(str(eid))


def _check_provenance(ctx: _Context, doc: YamlDocument) -> Iterator[Finding]:
    data = doc.data
    pages = data.get("x-doc-pages") if isinstance(data, dict) else None
    if not isinstance(pages, dict):
        return  # provenance is opt-in: a spec written by hand need not cite pages
    for op_ptr, _url, _method, op in iter_operations(data):
        page = (op.get("x-doc") or {}).get("page") if isinstance(op.get("x-doc"), dict) else None
        if page is None:
            yield error("provenance", "operation without x-doc.page: which page documents it?", doc.path, op_ptr)
        elif page not in pages:
            yield error("provenance", f"x-doc.page {page!r} is not in x-doc-pages", doc.path, op_ptr + "/x-doc/page")
    for name, schema in ((data.get("components") or {}).get("schemas") or {}).items():
        ptr = join_pointer("/components/schemas", name)
        for entry_ptr, entry in _doc_entries(ptr, schema.get("x-doc")):
            if entry.get("page") is not None and entry["page"] not in pages:
                yield error("provenance", f"x-doc page {entry['page']!r} is not in x-doc-pages", doc.path, entry_ptr)
        if schema.get("x-doc") is None:
            yield error("provenance", "schema without x-doc: which page and table does it come from?", doc.path, ptr)
        for prop, sub in (schema.get("properties") or {}).items():
            if isinstance(sub, dict) and not isinstance(sub.get("x-doc"), dict):
                yield error("provenance", "property without x-doc (row, type as the page gives them)", doc.path,
                            join_pointer(ptr, "properties", prop))


def _doc_entries(ptr: str, x_doc: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(x_doc, dict):
        yield ptr + "/x-doc", x_doc
    elif isinstance(x_doc, list):
        for i, entry in enumerate(x_doc):
            if isinstance(entry, dict):
                yield join_pointer(ptr, "x-doc", i), entry


def _check_operation_ids(docs: list[YamlDocument]) -> Iterator[Finding]:
    seen: dict[str, tuple[str, str]] = {}
    for doc in docs:
        for op_ptr, url, method, op in iter_operations(doc.data):
            op_id = op.get("operationId")
            if not isinstance(op_id, str) or not op_id.strip():
                yield error("operation-id", f"{method.upper()} {url} has no operationId: the client method is named after it",
                            doc.path, op_ptr)
                continue
            if op_id in seen:
                other_path, other_ptr = seen[op_id]
                yield error("operation-id", f"duplicate operationId {op_id!r} (also {Path(other_path).name} {other_ptr})",
                            doc.path, op_ptr + "/operationId")
            else:
                seen[op_id] = (doc.path, op_ptr)


_RULES: tuple[Callable[[_Context, YamlDocument], Iterable[Finding]], ...] = (
    _check_enums,
    _check_lengths,
    _check_examples,
    _check_provenance,
)


def get_schema(spec_set: SpecSet, path: str, pointer: str) -> Any:
    return get_pointer(spec_set.doc(path).data, pointer)
