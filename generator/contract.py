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

import json
import random
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Iterator

from . import ir
from .diagnostics import join_pointer, split_pointer
from .lint import schema_errors
from .samples import first_type, pattern_sample, pattern_violation, sample, string_of_length
from .specset import SpecSet, iter_operations

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

    # -- ids and bookkeeping ----------------------------------------------------------
    def add(self, case_id: str, case: dict[str, Any]) -> None:
        base, n = case_id, 1
        while case_id in self._ids:
            n += 1
            case_id = f"{base}#{n}"
        self._ids.add(case_id)
        self.out.write(_item_break(self._count) + json.dumps({"id": case_id, **case}, ensure_ascii=False).encode())
        self._count += 1
        if case.get("covers"):
            self.covered.extend((case_id, c["keyword"], c["polarity"]) for c in case["covers"])

    def covers(self, site: Site, polarity: str) -> list[dict[str, Any]]:
        """What a case covers: the id of a keyword in the keyword table, and which way.

        The keyword and its value are stored once in `keywords`, not per case: an enum's
        value list repeated in every one of its cases was a third of cases.json. The id
        says where the keyword is written (`ops.yaml#/components/schemas/A/maxLength`), not
        where it comes in the table: an index renumbered every later case when a doc change
        added one keyword, so the diff of cases.json showed half the file changed.
        """
        value = site.value if site.keyword != "enum" else list(site.value)
        fact = (site.file, site.pointer, site.keyword, repr(value))
        keyword_id = self._keyword_ids.get(fact)
        if keyword_id is None:
            tokens = (site.keyword, value) if site.keyword == "required" else (site.keyword,)
            base = keyword_id = f"{site.file}#{join_pointer(site.pointer, *tokens)}"
            n = 1
            while keyword_id in self.keywords:  # a pointer JSON Schema would not write twice
                n += 1
                keyword_id = f"{base}#{n}"
            self._keyword_ids[fact] = keyword_id
            self.keywords[keyword_id] = {"file": site.file, "pointer": site.pointer, "keyword": site.keyword,
                                         "value": value}
        return [{"keyword": keyword_id, "polarity": polarity}]

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
        for doc in self.spec_set.documents():
            for op_ptr, _url, method, op in iter_operations(doc.data):
                family, op_ir = ops[(self._family_key(doc.path), str(op.get("operationId")))]
                self._operation(doc.path, op_ptr, op, family, op_ir)
        self._code_cases()
        self.out.write(b"\n ]" if self._count else b"]")
        # The keyword table last: it is complete only once every case has been added.
        self.out.write(b',\n "keywords": {')
        for n, (keyword_id, keyword) in enumerate(self.keywords.items()):
            entry = f"{json.dumps(keyword_id, ensure_ascii=False)}: {json.dumps(keyword, ensure_ascii=False)}"
            self.out.write(_item_break(n) + entry.encode())
        self.out.write(b"\n }\n}\n" if self.keywords else b"}\n}\n")
        return Cases(self.out, self.keywords, self.covered)

    def _family_key(self, path: str) -> str:
        name = Path(path).name
        return next(f.key for f in self.api.families if f.source == name)

    # -- per operation -------------------------------------------------------------
    def _operation(self, path: str, op_ptr: str, op: dict[str, Any], family: ir.Family, op_ir: ir.Operation) -> None:
        op_id = str(op_ir.operation_id)
        rng = random.Random(op_id)
        common = {"family": family.key, "operation": op_id, "const": op_ir.const_name, "spec": Path(path).name}
        params = self._params(path, op_ptr, op)
        base_params = {name: self._valid_param(p, rng) for name, p in params.items() if p["required"]}
        body_schema_ptr, body_schema = self._body(path, op_ptr, op)
        base_body = self._base_body(path, body_schema_ptr, body_schema, op, rng) if body_schema_ptr else None

        def request_case(case_id: str, p: dict[str, Any], b: Any, expect: dict[str, Any],
                         covers: list[dict[str, Any]]) -> None:
            self.add(case_id, {**common, "kind": "request", "params": p, "body": b, "expect": expect,
                               "covers": covers})

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
                    request_case(f"{op_id}-{rule['end']}-max-interval", base_params, at, {"ok": True}, [])
                    request_case(f"{op_id}-{rule['end']}-max-interval+1", base_params, past,
                                 {"ok": False, "field": rule["end"], "constraint": "max-interval"}, [])
        # Responses.
        response = self._response(path, op_ptr, op)
        if response is not None:
            rptr, rschema, base_response = response
            if isinstance(base_response, dict) and op_ir.business is not None:
                code_wire = str(op_ir.business.code_wire)
                base_response = _set(base_response, tuple(split_pointer(code_wire)), str(op_ir.business.success[0]))
            self._response_cases(path, rptr, rschema, base_response, common, op_ir, rng)
        self._examples(path, op_ptr, op, common, op_ir)
        self._wire_cases(common, op_ir, family, base_params, base_body)

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
                        op_ir: ir.Operation, rng: random.Random) -> None:
        op_id = common["operation"]
        for site in self.walker.sites(path, rptr, rschema, ()):
            wire = _wire(site.path) or "body"
            case = {**common, "kind": "response"}
            if site.keyword == "required":
                self.add(f"{op_id}-response-{wire}-required-present", {**case, "body": base, "expect": {"ok": True},
                                                                       "covers": self.covers(site, "positive")})
                self.add(f"{op_id}-response-{wire}-required-missing",
                         {**case, "body": _delete(base, site.path), "expect": {"ok": False},
                          "covers": self.covers(site, "negative")})
                continue
            for suffix, value, within in self._boundaries(site, rng):
                body = _set(base, site.path, value)
                expect: dict[str, Any] = {"ok": within}
                if site.keyword == "enum":
                    # Response codes are open: an unlisted code decodes and is described as unknown.
                    table = self.tables.get(f"{site.file}#{site.pointer}")
                    expect = {"ok": True, "field": list(site.path), "known": within}
                    if within and table is not None:
                        entry = next((e for e in table.entries if e.value == value), None)
                        expect.update({"table": table.class_name, "meaning": str(entry.meaning) if entry else None})
                    if within and table is None:
                        expect.pop("known")
                self.add(f"{op_id}-response-{wire}-{site.keyword}{suffix}",
                         {**case, "body": body, "expect": expect,
                          "covers": self.covers(site, "positive" if within else "negative")})

    # -- examples, codes, wire, faults ---------------------------------------------
    def _examples(self, path: str, op_ptr: str, op: dict[str, Any], common: dict[str, Any],
                  op_ir: ir.Operation) -> None:
        errata = self.errata
        for example in op_ir.examples:
            value = json.loads(example.value_json)
            verbatim_json: bool | None = None
            if example.verbatim is not None:
                try:
                    json.loads(example.verbatim)
                    verbatim_json = True
                except ValueError:
                    verbatim_json = False
            fields = sorted({str(t).rsplit("/", 1)[-1] for eid in example.errata
                             for t in errata[str(eid)].targets if "/properties/" in str(t)})
            self.add(f"{common['operation']}-example-{example.direction}-{example.name}", {
                **common, "kind": "example", "direction": example.direction, "value": value,
                "verbatim": str(example.verbatim) if example.verbatim is not None else None,
                "verbatim_is_json": verbatim_json, "errata": [str(e) for e in example.errata],
                "violations": [str(w) for w, _m in example.violations], "erratum_fields": fields,
                "expect": {"ok": not example.violations}, "covers": [],
            })

    def _code_cases(self) -> None:
        """Every value of every code table known with its meaning, and one value outside it
        described as unknown: each table's enum is covered even if no operation uses it."""
        for table in self.api.code_tables:
            file, pointer = Path(table.key.split("#", 1)[0]).name, table.key.split("#", 1)[1]
            values = [e.value if isinstance(e.value, int) else str(e.value) for e in table.entries]
            site = Site(file, pointer, "enum", tuple(values), (), {})
            for entry, value in zip(table.entries, values):
                self.add(f"code-{table.class_name}-{_fmt(value)}", {
                    "kind": "code", "table": table.class_name, "value": value, "name": entry.name,
                    "meaning": str(entry.meaning), "label": str(entry.label) if entry.label else None,
                    "other": str(table.other) if table.other else None, "covers": self.covers(site, "positive"),
                })
            self.add(f"code-{table.class_name}-outside", {
                "kind": "code-outside", "table": table.class_name, "value": _outside(values, site),
                "other": str(table.other) if table.other else None, "covers": self.covers(site, "negative"),
            })

    def _wire_cases(self, common: dict[str, Any], op: ir.Operation, family: ir.Family, params: dict[str, Any],
                    body: Any) -> None:
        kwargs: dict[str, Any] = {}
        for p in op.params:
            if str(p.wire) in params:
                kwargs[p.name] = params[str(p.wire)]
        for f in op.body_fields:
            if isinstance(body, dict) and str(f.wire) in body:
                kwargs[f.name] = body[str(f.wire)]
        call = {"method": op.method_name, "kwargs": kwargs, "response": op.response_annotation,
                "business": bool(op.business), "retry_safe": op.retry_safe,
                "token": family.auth.kind == "token-source"}
        op_id = common["operation"]
        for mode in ("sync", "async"):
            self.add(f"{op_id}-wire-{mode}", {**common, "kind": "wire", "mode": mode, "call": call, "covers": []})
        faults = ["429", "500", "timeout", "malformed"]
        if family.auth.kind == "token-source":
            faults.append("401-refresh")
        if op.business is not None:
            faults.append("unknown-code")
        for fault in faults:
            self.add(f"{op_id}-fault-{fault}", {**common, "kind": "fault", "fault": fault, "call": call, "covers": []})


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
