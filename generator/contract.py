"""Contract cases: what the generated tests check, derived from the raw specs.

The cases come from walking the spec schemas themselves (not the IR the client was
generated from), so a client that drifts from its spec fails them. For every constraint
keyword written in a spec (`maxLength`, `minLength`, `minimum`, `maximum`, the exclusive
bounds, `pattern`, `enum`, `required`) reachable from an operation, there is a case that
stays within it and a case one step past it, in the direction it applies:

- request side: the client must accept the value, or refuse it before sending with a
  RequestValidationError naming the field and the keyword;
- response side: the decoder must accept it, or reject it; except that a code outside an
  open code table is kept and described as unknown.

Plus: every documented example (or its recorded erratum), every code-table value with
its meaning, a wire round trip per operation against the mock server, and fault cases.
Each case records which spec keyword it covers, for the keyword-coverage report.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import random
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from . import ir
from .diagnostics import AiccgenError, join_pointer, split_pointer
from .lint import schema_errors, value_checker
from .memo import FrameStore, code_stamp
from .samples import first_type, pattern_sample, pattern_violation, sample, string_of_length
from .specset import SpecSet, get_pointer, iter_operations

KEYWORDS = ("maxLength", "minLength", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "pattern",
            "enum", "required")
_JSON = re.compile(r"json", re.I)


@dataclass(frozen=True)
class Site:
    """One constraint keyword, where it is written and where it applies in an instance."""

    file: str  # spec file name
    pointer: str  # schema location the keyword is written at
    keyword: str
    value: Any
    path: tuple[str | int, ...]  # instance path (body) or (parameter name,)
    schema: dict[str, Any]  # the schema node holding the keyword (references resolved)
    open_values: tuple[Any, ...] = ()  # for enums in open fields: every known code of the field
    bounds: tuple[Any, Any] = (None, None)  # for enums in open fields: the scalar branch's bounds
    open: bool = False


class _Walker:
    def __init__(self, spec_set: SpecSet) -> None:
        self.spec_set = spec_set

    def resolve(self, path: str, node: Any) -> tuple[str, str | None, Any]:
        return self.spec_set.deref(path, node)

    def sites(self, path: str, pointer: str, schema: Any, inst: tuple[str | int, ...],
              stack: frozenset[str] = frozenset()) -> Iterator[Site]:
        if not isinstance(schema, dict):
            return
        if "$ref" in schema:
            tpath, tptr, target = self.resolve(path, schema)
            key = f"{tpath}#{tptr}"
            if key in stack:
                return
            yield from self.sites(tpath, tptr or pointer, target, inst, stack | {key})
            return
        name = Path(path).name
        for key in ("anyOf", "oneOf"):
            branches = schema.get(key)
            if not isinstance(branches, list):
                continue
            resolved = [self.resolve(path, b) if isinstance(b, dict) and "$ref" in b
                        else (path, join_pointer(pointer, key, i), b) for i, b in enumerate(branches)]
            enums = [r for r in resolved if isinstance(r[2], dict) and "enum" in r[2]]
            scalars = [r for r in resolved if r not in enums]
            codes = tuple(v for _p, _q, s in enums for v in s["enum"])
            low = next((s.get("minimum") for _p, _q, s in scalars if "minimum" in s), None)
            high = next((s.get("maximum") for _p, _q, s in scalars if "maximum" in s), None)
            for bpath, bptr, branch in resolved:
                for site in self.sites(bpath, bptr or pointer, branch, inst, stack):
                    if site.keyword == "enum" and scalars:
                        site = Site(site.file, site.pointer, site.keyword, site.value, site.path, site.schema,
                                    open_values=codes, bounds=(low, high), open=True)
                    yield site
        for i, part in enumerate(schema.get("allOf") or []):
            yield from self.sites(path, join_pointer(pointer, "allOf", i), part, inst, stack)
        for keyword in KEYWORDS:
            if keyword not in schema or keyword == "required":
                continue
            value = schema[keyword]
            if keyword in ("exclusiveMinimum", "exclusiveMaximum") and isinstance(value, bool):
                continue  # OpenAPI 3.0's boolean form modifies minimum/maximum
            yield Site(name, pointer, keyword, value, inst, schema)
        for required in schema.get("required") or []:
            yield Site(name, pointer, "required", required, inst + (required,), schema)
        for prop, sub in (schema.get("properties") or {}).items():
            yield from self.sites(path, join_pointer(pointer, "properties", prop), sub, inst + (prop,), stack)
        if isinstance(schema.get("items"), dict):
            yield from self.sites(path, pointer + "/items", schema["items"], inst + (0,), stack)


def _set(instance: Any, path: tuple[str | int, ...], value: Any) -> Any:
    """A copy of `instance` with the value at `path` replaced (containers created).

    Only the containers along `path` are copied; the rest is shared with `instance`.
    Cases are serialised as soon as they are built and never mutated, so sharing is
    safe, and it keeps the ~100 cases per operation from each holding a deep copy.
    """
    if not path:
        return value
    token, rest = path[0], path[1:]
    node: Any
    if isinstance(token, int):
        node = list(instance) if isinstance(instance, list) else []
        while len(node) <= token:
            node.append(None if not rest else ([] if isinstance(rest[0], int) else {}))
    else:
        node = dict(instance) if isinstance(instance, dict) else {}
    child = node[token] if isinstance(token, int) else node.get(token)
    node[token] = _set(child, rest, value) if rest else value
    return node


def _delete(instance: Any, path: tuple[str | int, ...]) -> Any:
    """A copy of `instance` without the key at `path` (path-copied like `_set`)."""
    if not isinstance(instance, (dict, list)) or not path:
        return instance
    token, rest = path[0], path[1:]
    if isinstance(instance, dict):
        if token not in instance:
            return instance
        node: Any = dict(instance)
        if rest:
            node[token] = _delete(instance[token], rest)
        else:
            node.pop(token)
        return node
    if not rest or not isinstance(token, int) or token >= len(instance):
        return instance
    items = list(instance)
    items[token] = _delete(instance[token], rest)
    return items


def _wire(path: tuple[str | int, ...]) -> str:
    out = ""
    for token in path:
        out += "[]" if isinstance(token, int) else (("." if out else "") + str(token))
    return out


def _fmt(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value


@dataclass
class Cases:
    """The contract cases: cases.json already written, plus what the coverage report needs."""

    json: BinaryIO  # cases.json, UTF-8, in a temporary file
    keywords: dict[str, dict[str, Any]]  # the keyword table `covers` entries name, by id
    #: (case id, keyword id, polarity) per keyword a case covers: what the coverage report
    #: needs, without keeping each case's `covers` dicts (25 MiB at 1000 operations).
    covered: list[tuple[str, str, str]]
    #: operations and code tables whose cases were taken from the cache folder, and made (`_Memo`)
    reused: int = 0
    computed: int = 0


#: One keyword a case covers, as a case records it: (file, pointer, keyword, value, polarity).
#: Its id in the keyword table is given when the case is written (`CaseBuilder._write`).
Cover = tuple[str, str, str, Any, str]
#: One case as an operation's work leaves it: (id before de-duplication, the case's JSON
#: members but `id` and `covers`, what it covers). Plain data, so that it can be kept.
Record = tuple[str, bytes, tuple[Cover, ...]]


@dataclass(frozen=True)
class OperationView:
    """Everything an operation's cases read from the IR, and nothing else.

    The cases are kept between runs by a hash of their inputs (`_Memo`); an input read
    from the IR behind that hash's back would leave cases stale without a word. So
    `CaseBuilder._operation` reads the IR only through this view (its repr is part of the
    key) and through `CaseBuilder._table`, whose answers are recorded with the cases."""

    family: str
    auth: str
    operation_id: str
    const_name: str
    method_name: str
    response_annotation: str | None
    retry_safe: bool
    #: (wire path of the business code, first success value)
    business: tuple[str, str] | None
    params: tuple[tuple[str, str], ...]  # (keyword argument, wire name)
    body_fields: tuple[tuple[str, str], ...]
    #: (name, direction, value JSON, verbatim, errata ids, violation pointers, erratum fields)
    examples: tuple[tuple[str, str, str, str | None, tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...]

    @classmethod
    def of(cls, family: ir.Family, op: ir.Operation, errata: dict[str, ir.Erratum]) -> OperationView:
        return cls(
            family=family.key, auth=family.auth.kind, operation_id=str(op.operation_id), const_name=op.const_name,
            method_name=op.method_name, response_annotation=op.response_annotation, retry_safe=op.retry_safe,
            business=(str(op.business.code_wire), str(op.business.success[0])) if op.business else None,
            params=tuple((p.name, str(p.wire)) for p in op.params),
            body_fields=tuple((f.name, str(f.wire)) for f in op.body_fields),
            examples=tuple((
                str(e.name), e.direction, str(e.value_json), None if e.verbatim is None else str(e.verbatim),
                tuple(str(x) for x in e.errata), tuple(str(w) for w, _m in e.violations),
                tuple(sorted({str(t).rsplit("/", 1)[-1] for eid in e.errata
                              for t in errata[str(eid)].targets if "/properties/" in str(t)})),
            ) for e in op.examples),
        )


class CaseBuilder:
    def __init__(self, spec_set: SpecSet, api: ir.API) -> None:
        self.spec_set = spec_set
        self.api = api
        self.walker = _Walker(spec_set)
        # cases.json is written as the cases are added, one per line (diffs read case by
        # case; only the C encoder runs, json.dumps(indent=...) being pure Python), into
        # a temporary file: held as Python objects, the ~97,000 cases of a 1000-operation
        # spec were 330 MiB, and even as one buffer of lines they were 60 MB more at the
        # peak. The writer stages it from the file, a chunk at a time.
        self.out: BinaryIO = tempfile.TemporaryFile()  # noqa: SIM115 (outlives this call: it is the output)
        self._count = 0
        self.covered: list[tuple[str, str, str]] = []
        self._ids: set[str] = set()
        self.errata = {str(e.id): e for e in api.errata}
        self.keywords: dict[str, dict[str, Any]] = {}
        self._keyword_ids: dict[tuple[str, str, str, str], str] = {}
        self.tables = {Path(t.key.split("#")[0]).name + "#" + t.key.split("#", 1)[1]: t for t in api.code_tables}
        #: the tables `_table` was asked for while the current operation's cases were made
        self._tables_read: dict[str, Any] = {}
        self._records: list[Record] | None = None
        self.reused = self.computed = 0

    # -- ids and bookkeeping ----------------------------------------------------------
    def add(self, case_id: str, case: dict[str, Any], covers: tuple[Cover, ...] = ()) -> None:
        """One case: kept with its operation's records while those are made, else written."""
        record = (case_id, json.dumps(case, ensure_ascii=False).encode()[1:-1], covers)
        if self._records is not None:
            self._records.append(record)
        else:
            self._write(record)

    def _write(self, record: Record) -> None:
        """A case's line of cases.json: its id made unique, its keywords given their ids.

        The line is `json.dumps({"id": ..., **members, "covers": [...]})` to the byte,
        composed from parts: per case, json.dumps of the id and of the covers list took
        longer than taking a kept operation's cases from the cache."""
        case_id, members, covers = record
        base, n = case_id, 1
        while case_id in self._ids:
            n += 1
            case_id = f"{base}#{n}"
        self._ids.add(case_id)
        parts = []
        for file, pointer, keyword, value, polarity in covers:
            keyword_id = self._keyword_id(file, pointer, keyword, value)
            parts.append(b'{"keyword": ' + _json_str(keyword_id) + b', "polarity": ' + _POLARITY[polarity] + b"}")
            self.covered.append((case_id, keyword_id, polarity))
        self.out.write(_item_break(self._count) + b'{"id": ' + _json_str(case_id) + b", " + members
                       + b', "covers": [' + b", ".join(parts) + b"]}")
        self._count += 1

    @staticmethod
    def covers(site: Site, polarity: str) -> tuple[Cover, ...]:
        """What a case covers; the keyword's id is given when the case is written."""
        value = site.value if site.keyword != "enum" else list(site.value)
        return ((site.file, site.pointer, site.keyword, value, polarity),)

    def _keyword_id(self, file: str, pointer: str, keyword: str, value: Any) -> str:
        """The id of a keyword in the keyword table, entered there on first use.

        The keyword and its value are stored once in `keywords`, not per case: an enum's
        value list repeated in every one of its cases was a third of cases.json. The id
        says where the keyword is written (`ops.yaml#/components/schemas/A/maxLength`), not
        where it comes in the table: an index renumbered every later case when a doc change
        added one keyword, so the diff of cases.json showed half the file changed.
        """
        fact = (file, pointer, keyword, repr(value))
        keyword_id = self._keyword_ids.get(fact)
        if keyword_id is None:
            tokens = (keyword, value) if keyword == "required" else (keyword,)
            base = keyword_id = f"{file}#{join_pointer(pointer, *tokens)}"
            n = 1
            while keyword_id in self.keywords:  # a pointer JSON Schema would not write twice
                n += 1
                keyword_id = f"{base}#{n}"
            self._keyword_ids[fact] = keyword_id
            self.keywords[keyword_id] = {"file": file, "pointer": pointer, "keyword": keyword, "value": value}
        return keyword_id

    # -- entry ---------------------------------------------------------------------
    def build(self) -> Cases:
        clients = {f.key: {"module": f.key, "class": f.class_name, "async_class": f.async_class_name,
                           "auth": f.auth.kind, "credentials": [c.name for c in f.auth.credentials],
                           "server": str(f.server_url),
                           "variables": {str(v.wire): str(v.default) for v in f.server_variables}}
                   for f in self.api.families}
        header = {"format": "aiccgen-contract-cases", "version": 2, "package": self.api.package, "clients": clients}
        self.out.write(b"{\n " + b",\n ".join(
            f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False, sort_keys=True)}".encode() for k, v in header.items()))
        self.out.write(b',\n "cases": [')
        ops = {(f.key, str(op.operation_id)): (f, op) for f in self.api.families for op in f.operations}
        memo = _Memo.open(self.spec_set)
        try:
            for doc in self.spec_set.documents():
                for op_ptr, _url, _method, op in iter_operations(doc.data):
                    family, op_ir = ops[(self._family_key(doc.path), str(op.get("operationId")))]
                    view = OperationView.of(family, op_ir, self.errata)
                    key = memo.key(doc.path, op_ptr, op, view) if memo is not None else None
                    for record in self._records_of(memo, key, functools.partial(self._operation, doc.path, op_ptr, op, view)):
                        self._write(record)
            if memo is not None:
                # What the keys of the operations shared: gone before the code tables' cases
                # add theirs, where a 1000-operation run's memory peaks.
                memo.nodes.clear()
            for table in self.api.code_tables:
                key = memo.table_key(table) if memo is not None else None
                for record in self._records_of(memo, key, functools.partial(self._code_cases, table)):
                    self._write(record)
        except BaseException:
            if memo is not None:
                memo.store.close()
            raise
        if memo is not None:
            memo.store.commit()
        self.out.write(b"\n ]" if self._count else b"]")
        # The keyword table last: it is complete only once every case has been added.
        self.out.write(b',\n "keywords": {')
        for n, (keyword_id, keyword) in enumerate(self.keywords.items()):
            entry = f"{json.dumps(keyword_id, ensure_ascii=False)}: {json.dumps(keyword, ensure_ascii=False)}"
            self.out.write(_item_break(n) + entry.encode())
        self.out.write(b"\n }\n}\n" if self.keywords else b"}\n}\n")
        return Cases(self.out, self.keywords, self.covered, self.reused, self.computed)

    def _family_key(self, path: str) -> str:
        name = Path(path).name
        return next(f.key for f in self.api.families if f.source == name)

    # -- kept between runs -------------------------------------------------------------
    def _records_of(self, memo: _Memo | None, key: bytes | None, make: Callable[[], None]) -> list[Record]:
        """The cases `make` adds (one operation's, one code table's), taken from the cache
        folder instead when `key`, the hash of their inputs, is found there."""
        if memo is not None and key is not None:
            found = memo.store.get(key)
            if found is not None:
                tables_read, packed = found[0], found[1:]
                if all(self._table_answer(k) == answer for k, answer in tables_read.items()):
                    self.reused += 1
                    return _unpack(*packed)
        self._records, self._tables_read = [], {}
        try:
            make()
            records = self._records
        finally:
            self._records = None
        self.computed += 1
        if memo is not None and key is not None:
            memo.store.put(key, (self._tables_read, *_pack(records)))
        return records

    def _table(self, file: str, pointer: str) -> ir.CodeTable | None:
        """The code table of the enum at file#pointer; what it was asked is recorded with
        the operation's cases (an operation's inputs that its key cannot know)."""
        key = f"{file}#{pointer}"
        if key not in self._tables_read:
            self._tables_read[key] = self._table_answer(key)
        return self.tables.get(key)

    def _table_answer(self, key: str) -> Any:
        """What the cases read of the table at `key`."""
        table = self.tables.get(key)
        if table is None:
            return None
        return (table.class_name, tuple((e.value if isinstance(e.value, int) else str(e.value), str(e.meaning))
                                        for e in table.entries))

    # -- per operation -------------------------------------------------------------
    def _operation(self, path: str, op_ptr: str, op: dict[str, Any], view: OperationView) -> None:
        op_id = view.operation_id
        rng = random.Random(op_id)
        common = {"family": view.family, "operation": op_id, "const": view.const_name, "spec": Path(path).name}
        params = self._params(path, op_ptr, op)
        base_params = {name: self._valid_param(p, rng) for name, p in params.items() if p["required"]}
        body_schema_ptr, body_schema = self._body(path, op_ptr, op)
        base_body = self._base_body(path, body_schema_ptr, body_schema, op, rng) if body_schema_ptr else None

        def request_case(case_id: str, p: dict[str, Any], b: Any, expect: dict[str, Any],
                         covers: tuple[Cover, ...]) -> None:
            self.add(case_id, {**common, "kind": "request", "params": p, "body": b, "expect": expect}, covers)

        # Parameters: each keyword of each parameter schema, and each required parameter missing.
        for name, p in params.items():
            for site in self.walker.sites(p["file"], p["schema_ptr"], p["schema"], (name,)):
                for suffix, value, within in self._boundaries(site, rng):
                    ok = within or (site.keyword == "enum" and site.open)
                    request_case(f"{op_id}-{name}-{site.keyword}{suffix}", _set(base_params, (name,), value), base_body,
                                 {"ok": True} if ok else {"ok": False, "field": name, "constraint": site.keyword},
                                 self.covers(site, "positive" if within else "negative"))
            if p["required"]:
                site = Site(Path(p["file"]).name, p["ptr"], "required", True, (name,), p["param"])
                request_case(f"{op_id}-{name}-required-present", base_params, base_body, {"ok": True},
                             self.covers(site, "positive"))
                request_case(f"{op_id}-{name}-required-missing", _delete(base_params, (name,)), base_body,
                             {"ok": False, "field": name, "constraint": "required"}, self.covers(site, "negative"))
        # Body.
        if body_schema_ptr is not None:
            for site in self.walker.sites(path, body_schema_ptr, body_schema, ()):
                wire = _wire(site.path)
                if site.keyword == "required":
                    request_case(f"{op_id}-{wire}-required-present", base_params, base_body, {"ok": True},
                                 self.covers(site, "positive"))
                    request_case(f"{op_id}-{wire}-required-missing", base_params, _delete(base_body, site.path),
                                 {"ok": False, "field": str(site.path[-1]), "constraint": "required"},
                                 self.covers(site, "negative"))
                    continue
                for suffix, value, within in self._boundaries(site, rng):
                    ok = within or (site.keyword == "enum" and site.open)
                    request_case(f"{op_id}-{wire}-{site.keyword}{suffix}", base_params, _set(base_body, site.path, value),
                                 {"ok": True} if ok else {"ok": False, "field": str(site.path[-1]),
                                                          "constraint": site.keyword},
                                 self.covers(site, "positive" if within else "negative"))
            for rule in (body_schema.get("x-rules") or []) if isinstance(body_schema, dict) else []:
                if isinstance(rule, dict) and rule.get("kind") == "max-interval" and isinstance(base_body, dict):
                    start = int(base_body.get(rule["start"], 0))
                    at = _set(_set(base_body, (rule["start"],), str(start)), (rule["end"],), str(start + rule["max"]))
                    past = _set(at, (rule["end"],), str(start + rule["max"] + 1))
                    request_case(f"{op_id}-{rule['end']}-max-interval", base_params, at, {"ok": True}, ())
                    request_case(f"{op_id}-{rule['end']}-max-interval+1", base_params, past,
                                 {"ok": False, "field": rule["end"], "constraint": "max-interval"}, ())
        # Responses.
        response = self._response(path, op_ptr, op)
        if response is not None:
            rptr, rschema, base_response = response
            if isinstance(base_response, dict) and view.business is not None:
                code_wire, success = view.business
                base_response = _set(base_response, tuple(split_pointer(code_wire)), success)
            self._response_cases(path, rptr, rschema, base_response, common, rng)
        self._examples(common, view)
        self._wire_cases(common, view, base_params, base_body)

    def _params(self, path: str, op_ptr: str, op: dict[str, Any]) -> dict[str, dict[str, Any]]:
        data = self.spec_set.doc(path).data
        item_ptr = op_ptr.rsplit("/", 1)[0]
        item = data["paths"][split_pointer(op_ptr)[1]]
        out: dict[str, dict[str, Any]] = {}
        for base, params in ((item_ptr, item.get("parameters")), (op_ptr, op.get("parameters"))):
            for i, param in enumerate(params or []):
                ppath, ptr = path, join_pointer(base, "parameters", i)
                if isinstance(param, dict) and "$ref" in param:
                    ppath, rptr, param = self.spec_set.deref(path, param)
                    ptr = rptr or ptr
                if not isinstance(param, dict) or param.get("in") not in ("path", "query", "header"):
                    continue
                if param["in"] == "header" and str(param["name"]).lower() in ("authorization", "content-type"):
                    continue
                out[str(param["name"])] = {"param": param, "schema": param.get("schema") or {}, "file": ppath,
                                           "ptr": ptr, "schema_ptr": ptr + "/schema",
                                           "required": bool(param.get("required") or param["in"] == "path")}
        return out

    def _valid_param(self, p: dict[str, Any], rng: random.Random) -> Any:
        return sample(p["schema"], lambda s: self.walker.resolve(p["file"], s)[2], rng, all_optional=False)

    def _body(self, path: str, op_ptr: str, op: dict[str, Any]) -> tuple[str | None, Any]:
        body = op.get("requestBody")
        if isinstance(body, dict) and "$ref" in body:
            path, _p, body = self.spec_set.deref(path, body)
        if not isinstance(body, dict):
            return None, None
        media = next((m for m in body.get("content") or {} if _JSON.search(m)), None)
        if media is None:
            return None, None
        ptr = join_pointer(op_ptr, "requestBody", "content", media, "schema")
        return ptr, body["content"][media].get("schema") or {}

    def _base_body(self, path: str, ptr: str, schema: Any, op: dict[str, Any], rng: random.Random) -> Any:
        """The documented request example when it is valid, else a minimal valid body."""
        media = op["requestBody"]["content"]
        for media_obj in media.values():
            for example in (media_obj.get("examples") or {}).values():
                value = example.get("value")
                if value is not None and not schema_errors(self.spec_set, path, ptr, value):
                    return value
        return sample(schema, lambda s: self.walker.resolve(path, s)[2], rng, all_optional=False)

    def _response(self, path: str, op_ptr: str, op: dict[str, Any]) -> tuple[str, Any, Any] | None:
        for status, response in (op.get("responses") or {}).items():
            if not str(status).startswith("2"):
                continue
            rpath, _q, response = self.spec_set.deref(path, response) if "$ref" in response else (path, None, response)
            media = next((m for m in (response.get("content") or {}) if _JSON.search(m)), None)
            if media is None:
                return None
            media_obj = response["content"][media]
            ptr = join_pointer(op_ptr, "responses", status, "content", media, "schema")
            schema = media_obj.get("schema") or {}
            for example in (media_obj.get("examples") or {}).values():
                value = example.get("value")
                if value is not None and not schema_errors(self.spec_set, path, ptr, value):
                    return ptr, schema, value
            rng = random.Random(str(op.get("operationId")) + ":response")
            return ptr, schema, sample(schema, lambda s: self.walker.resolve(path, s)[2], rng)
        return None

    # -- boundaries ----------------------------------------------------------------
    def _boundaries(self, site: Site, rng: random.Random) -> list[tuple[str, Any, bool]]:
        """(id suffix, value, within the keyword) for one keyword: at the limit and one past it."""
        k, v, s = site.keyword, site.value, site.schema
        integer = first_type(s) == "integer" or "integer" in (s.get("type") or [])
        step = 1 if integer else 0.5
        if k == "maxLength":
            return [("", string_of_length(s, v), True), ("+1", string_of_length(s, v + 1), False)]
        if k == "minLength":
            out = [("", string_of_length(s, v), True)]
            if v > 0:
                out.append(("-1", string_of_length(s, v - 1), False))
            return out
        if k == "minimum":
            return [("", v, True), ("-1", v - step, False)]
        if k == "maximum":
            return [("", v, True), ("+1", v + step, False)]
        if k == "exclusiveMinimum":
            return [("+1", v + step, True), ("", v, False)]
        if k == "exclusiveMaximum":
            return [("-1", v - step, True), ("", v, False)]
        if k == "pattern":
            good = pattern_sample(v, rng)
            bad = pattern_violation(v)
            out = []
            if good is not None:
                out.append(("-match", good, True))
            if bad is not None:
                out.append(("-mismatch", bad, False))
            return out
        if k == "enum":
            values = [x for x in v if x is not None]
            outside = _outside(values, site)
            return [(f"={_fmt(x)}", x, True) for x in values] + [("-outside", outside, False)]
        return []

    def _response_cases(self, path: str, rptr: str, rschema: Any, base: Any, common: dict[str, Any],
                        rng: random.Random) -> None:
        op_id = common["operation"]
        for site in self.walker.sites(path, rptr, rschema, ()):
            wire = _wire(site.path) or "body"
            case = {**common, "kind": "response"}
            if site.keyword == "required":
                self.add(f"{op_id}-response-{wire}-required-present", {**case, "body": base, "expect": {"ok": True}},
                         self.covers(site, "positive"))
                self.add(f"{op_id}-response-{wire}-required-missing",
                         {**case, "body": _delete(base, site.path), "expect": {"ok": False}},
                         self.covers(site, "negative"))
                continue
            for suffix, value, within in self._boundaries(site, rng):
                body = _set(base, site.path, value)
                expect: dict[str, Any] = {"ok": within}
                if site.keyword == "enum":
                    # Response codes are open: an unlisted code decodes and is described as unknown.
                    table = self._table(site.file, site.pointer)
                    expect = {"ok": True, "field": list(site.path), "known": within}
                    if within and table is not None:
                        entry = next((e for e in table.entries if e.value == value), None)
                        expect.update({"table": table.class_name, "meaning": str(entry.meaning) if entry else None})
                    if within and table is None:
                        expect.pop("known")
                self.add(f"{op_id}-response-{wire}-{site.keyword}{suffix}", {**case, "body": body, "expect": expect},
                         self.covers(site, "positive" if within else "negative"))

    # -- examples, codes, wire, faults ---------------------------------------------
    def _examples(self, common: dict[str, Any], view: OperationView) -> None:
        for name, direction, value_json, verbatim, errata, violations, fields in view.examples:
            verbatim_json: bool | None = None
            if verbatim is not None:
                try:
                    json.loads(verbatim)
                    verbatim_json = True
                except ValueError:
                    verbatim_json = False
            self.add(f"{common['operation']}-example-{direction}-{name}", {
                **common, "kind": "example", "direction": direction, "value": json.loads(value_json),
                "verbatim": verbatim, "verbatim_is_json": verbatim_json, "errata": list(errata),
                "violations": list(violations), "erratum_fields": list(fields), "expect": {"ok": not violations},
            })

    def _code_cases(self, table: ir.CodeTable) -> None:
        """Every value of a code table known with its meaning, and one value outside it
        described as unknown: each table's enum is covered even if no operation uses it."""
        file, pointer = Path(table.key.split("#", 1)[0]).name, table.key.split("#", 1)[1]
        values = [e.value if isinstance(e.value, int) else str(e.value) for e in table.entries]
        site = Site(file, pointer, "enum", tuple(values), (), {})
        for entry, value in zip(table.entries, values):
            self.add(f"code-{table.class_name}-{_fmt(value)}", {
                "kind": "code", "table": table.class_name, "value": value, "name": entry.name,
                "meaning": str(entry.meaning), "label": str(entry.label) if entry.label else None,
                "other": str(table.other) if table.other else None,
            }, self.covers(site, "positive"))
        self.add(f"code-{table.class_name}-outside", {
            "kind": "code-outside", "table": table.class_name, "value": _outside(values, site),
            "other": str(table.other) if table.other else None,
        }, self.covers(site, "negative"))

    def _wire_cases(self, common: dict[str, Any], view: OperationView, params: dict[str, Any], body: Any) -> None:
        kwargs: dict[str, Any] = {}
        for name, wire in view.params:
            if wire in params:
                kwargs[name] = params[wire]
        for name, wire in view.body_fields:
            if isinstance(body, dict) and wire in body:
                kwargs[name] = body[wire]
        call = {"method": view.method_name, "kwargs": kwargs, "response": view.response_annotation,
                "business": view.business is not None, "retry_safe": view.retry_safe,
                "token": view.auth == "token-source"}
        op_id = common["operation"]
        for mode in ("sync", "async"):
            self.add(f"{op_id}-wire-{mode}", {**common, "kind": "wire", "mode": mode, "call": call})
        faults = ["429", "500", "timeout", "malformed"]
        if view.auth == "token-source":
            faults.append("401-refresh")
        if view.business is not None:
            faults.append("unknown-code")
        for fault in faults:
            self.add(f"{op_id}-fault-{fault}", {**common, "kind": "fault", "fault": fault, "call": call})


class _Memo:
    """The cases of each operation, kept in the cache folder by a hash of their inputs.

    An operation's cases are a function of: the operation in its spec file, with its path
    item's parameters and everything their `$ref`s reach, transitively and across files
    (hashed here as the repr of each node reached, which tells 1, 1.0 and True apart and
    keeps key order); its `OperationView`; which validator checks examples (lint's choice
    for the whole spec set); the code tables `CaseBuilder._table` answered (recorded with
    the cases and asked again before they are used); and this package's code (the
    store's stamp). Case ids and keyword ids are given when the cases are written, so a
    kept operation still gets the ids the whole run would give it.
    """

    _FORMAT = 1
    #: a `$ref` member in the repr of a node: the ref's string literal
    _REF = re.compile(r"""'\$ref': ('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")""")

    def __init__(self, spec_set: SpecSet, store: FrameStore) -> None:
        self.spec_set = spec_set
        self.store = store
        self._checker = value_checker(spec_set).__name__
        self.nodes: dict[tuple[str, str], tuple[bytes, tuple[tuple[str, str], ...]] | None] = {}

    @classmethod
    def open(cls, spec_set: SpecSet) -> _Memo | None:
        if spec_set.cache_dir is None:
            return None
        return cls(spec_set, FrameStore(spec_set.cache_dir / "cases.marshal", _memo_stamp()))

    def key(self, path: str, op_ptr: str, op: dict[str, Any], view: OperationView) -> bytes | None:
        """The hash of the operation's inputs; None when a `$ref` it reaches cannot be followed."""
        item_ptr = op_ptr.rsplit("/", 1)[0]
        item = self.spec_set.doc(path).data["paths"][split_pointer(op_ptr)[1]]
        h = hashlib.blake2b(digest_size=16)
        h.update(f"{self._FORMAT}\0{self._checker}\0{view!r}\0".encode("utf-8", "surrogatepass"))
        todo: list[tuple[str, str, Any]] = [(path, op_ptr, op), (path, item_ptr + "/parameters", item.get("parameters"))]
        seen = {(p, q) for p, q, _v in todo}
        while todo:
            node = self._node(*todo.pop())
            if node is None:
                return None
            node_digest, refs = node
            h.update(node_digest)
            for target in refs:
                if target not in seen:
                    seen.add(target)
                    todo.append((*target, _LOOK_UP))
        return h.digest()

    def table_key(self, table: ir.CodeTable) -> bytes:
        """The hash of what a code table's cases read of it."""
        facts = (self._FORMAT, "table", table.key, table.class_name, table.other,
                 tuple((e.value, e.name, e.meaning, e.label) for e in table.entries))
        return hashlib.blake2b(repr(facts).encode("utf-8", "surrogatepass"), digest_size=16).digest()

    def _node(self, path: str, pointer: str, value: Any) -> tuple[bytes, tuple[tuple[str, str], ...]] | None:
        """(hash of where the node is and what it holds, where its `$ref`s lead); one
        answer per node, as the operations of a file share their components. `value`:
        the node, or None to look it up (a node reached by a `$ref`)."""
        shared = value is _LOOK_UP  # an operation's own nodes are reached once: not kept
        found = self.nodes.get((path, pointer), False) if shared else False
        if found is not False:
            return found  # type: ignore[return-value]
        answer: tuple[bytes, tuple[tuple[str, str], ...]] | None
        try:
            if value is _LOOK_UP:
                value = get_pointer(self.spec_set.doc(path).data, pointer)
            text = repr(value)
            refs = []
            for literal in self._REF.findall(text):
                ref = self.spec_set.resolve(path, ast.literal_eval(literal), loaded_only=True)
                refs.append((ref.path, ref.pointer))
            answer = (hashlib.blake2b(f"{path}\0{pointer}\0{text}".encode("utf-8", "surrogatepass"),
                                      digest_size=16).digest(), tuple(refs))
        except (AiccgenError, LookupError, ValueError, SyntaxError):
            # A reference lint reports, one inside an x- extension, or text that reads like
            # one inside a string: this operation's cases are made every run.
            answer = None
        if shared:
            self.nodes[(path, pointer)] = answer
        return answer


_LOOK_UP: Any = object()


@functools.cache
def _memo_stamp() -> str:
    """The cases depend on this package's code (the samples, the walker, the example check)
    and on the validator's version."""
    from importlib.metadata import version

    package = Path(__file__).parent
    return code_stamp(f"cases {_Memo._FORMAT}", *sorted(package.glob("*.py")), extra=f"jsonschema {version('jsonschema')}")


def _outside(values: list[Any], site: Site) -> Any:
    """A value of the enum's type that is none of its values (nor of the field's other tables)."""
    known = set(values) | set(site.open_values)
    if values and all(isinstance(x, int) and not isinstance(x, bool) for x in values):
        low, high = site.bounds
        candidate = max(known) + 1
        if high is not None and candidate > high:
            candidate = next(c for c in range(low or 0, high + 1) if c not in known)
        return candidate
    for candidate in ("9999999", "0000099", "zz-not-a-code"):
        if candidate not in known:
            return candidate
    return "zz-not-a-code-" + str(len(known))


def _pack(records: list[Record]) -> tuple[list[tuple[str, str, str, Any]], list[Any]]:
    """Records as `_Memo` keeps them: each keyword once, its cases naming it by number (an
    enum's values in each of its cases made the kept cases twice the size of cases.json)."""
    numbers: dict[tuple[str, str, str, str], int] = {}
    keywords: list[tuple[str, str, str, Any]] = []
    kept = []
    for case_id, members, covers in records:
        numbered = []
        for file, pointer, keyword, value, polarity in covers:
            n = numbers.setdefault((file, pointer, keyword, repr(value)), len(keywords))
            if n == len(keywords):
                keywords.append((file, pointer, keyword, value))
            numbered.append((n, polarity))
        kept.append((case_id, members, tuple(numbered)))
    return keywords, kept


def _unpack(keywords: list[tuple[str, str, str, Any]], kept: list[Any]) -> list[Record]:
    return [(case_id, members, tuple((*keywords[n], polarity) for n, polarity in covers))
            for case_id, members, covers in kept]


def _json_str(text: str) -> bytes:
    """`json.dumps(text, ensure_ascii=False)`, without the encoder's set-up per call."""
    return _encode_str(text).encode()


_encode_str: Any = json.encoder.encode_basestring  # type: ignore[attr-defined]
_POLARITY = {p: _json_str(p) for p in ("positive", "negative")}


def _item_break(n: int) -> bytes:
    """What comes before item `n` of a cases.json list: one item per line."""
    return b",\n  " if n else b"\n  "


def build_cases(spec_set: SpecSet, api: ir.API) -> Cases:
    return CaseBuilder(spec_set, api).build()


def coverage(cases: Cases) -> list[dict[str, Any]]:
    """Per constraint keyword: its value and the ids of its positive and negative cases."""
    found: dict[tuple[str, str, str], dict[str, Any]] = {}
    for case_id, keyword_id, polarity in cases.covered:
        c = cases.keywords[keyword_id]
        key = (c["file"], c["pointer"], c["keyword"])
        entry = found.setdefault(key, {"file": c["file"], "pointer": c["pointer"], "keyword": c["keyword"],
                                       "value": c["value"], "positive": [], "negative": []})
        entry[polarity].append(case_id)
    return [found[k] for k in sorted(found)]
