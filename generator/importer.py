"""`aiccgen import`: vendor pages -> OpenAPI 3.1 specs with provenance on every field.

Why: a person reviews specs, not pages. The importer does the mechanical part (every row,
type, limit, code and example, each with its `x-doc` provenance) so that review is about
judgement: the errata, kept apart in overlays (`generator.overlay`), and curated behaviour
(retries, pagination, names). It reads pages with `generator.pages`, which never raises, and
it never raises either: what it cannot map becomes a finding that points at ``page:LINE``.

One page becomes one document named after the page key (``queryCallState.yaml``): the key is
the operation name in the title's parenthesis, else the last fixed segment of the URL. The
structure follows the pages, not any curated layout:

* header tables -> header parameters; an ``Authorization`` row -> a security scheme; a
  header whose value "is fixed" -> `x-request-headers`;
* URL tables -> path parameters (query parameters when the name is not in the path);
* request / response body tables -> ``<Key>Request`` / ``<Key>Response``; numbered children
  (1.3.2.1) and "see Table N" make nested schemas; a lone "Body" row describes the body;
* codes in a description or a code table -> `enum` code tables: closed (`$ref`) in requests,
  open in responses (`anyOf: [tables..., {type: <base>}]`, unknown codes are kept);
* pages without tables (the token page) -> fields from "X indicates ..." sentences and the
  examples' keys, typed by the example values;
* examples -> media-type examples with `x-verbatim` (and `value` when the text is JSON);
  header blocks -> `x-doc-examples`.

The import is deterministic: the same page always yields the same document, so `drift`
can compare it with `specs/` fact by fact (`generator.facts`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .diagnostics import Finding, Level
from .facts import description_prose, example_kind, verbatim_text
from .naming import (
    constant_name,
    dedupe,
    member_name_from_meaning,
    pascal_case,
    snake_case,
    unique_member_names,
)
from .pages import CodeEntry, Example, Field, Page, Table, parse_page

__all__ = ["ImportResult", "ImportedSpec", "import_page", "import_pages", "page_key",
           "spec_file_name", "write_specs"]

_JSON = "application/json"
_FIXED_VALUE = re.compile(r"\b(?:is|are) fixed (?:at|to|as)\s+(.+?)\.?\s*$", re.IGNORECASE | re.MULTILINE)
_SENT_TIMESTAMP = re.compile(r"\b(?:[Tt]he value is|which is) a timestamp\b")
_TIMESTAMP = re.compile(r"\btimestamp\b", re.IGNORECASE)
_LOCAL_DATE_TIME = re.compile(r"\byyyy-mm-dd hh:mm:ss\b")
_DEFAULT = re.compile(r"\b[Tt]he default value is (\S+?)[.,;]?(?:\s|$)")
_SUCCESS = re.compile(r"^success", re.IGNORECASE)
_BODY_NAMES = frozenset({"body", "request body", "requestbody"})
#: The JSON type of a page's type word; "Number" is refined by the page's examples.
_BASE_TYPES = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean",
               "object": "object", "array": "array"}
_INT_FORMATS = {"integer": "int32", "int": "int32", "int32": "int32", "long": "int64", "int64": "int64"}


def _finding(level: Level, rule: str, message: str, page: Page, line: int | None) -> Finding:
    return Finding(level, rule, message, page.path, "", line)


# ----------------------------------------------------------------------------- entry points


@dataclass
class ImportedSpec:
    """One page's spec: ``file`` is the name it is written under."""
    key: str
    page: Page
    file: str
    data: dict[str, Any]


@dataclass
class ImportResult:
    specs: list[ImportedSpec] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def page_key(page: Page) -> str:
    """The title's operation name, else the last URL segment that is not a {parameter}."""
    if page.operation_name:
        return page.operation_name
    segments = [s for s in (page.url_path or "").split("/") if s and not s.startswith("{")]
    if segments:
        return segments[-1]
    return snake_case(page.title or Path(page.path).stem) or "page"


def spec_file_name(key: str) -> str:
    return f"{key}.yaml"


def import_pages(paths: Iterable[str | os.PathLike[str]], *, shared_root: str | None = None) -> ImportResult:
    """Read and import pages; an unreadable page is a finding, the others still import."""
    result = ImportResult()
    seen: dict[str, str] = {}
    for path in paths:
        try:
            raw = Path(path).read_bytes()
        except OSError as exc:
            result.findings.append(Finding(Level.ERROR, "page", f"cannot read the page: {exc.strerror or exc}",
                                           str(path)))
            continue
        text, refusal = _page_text(raw)
        if refusal is not None:
            result.findings.append(Finding(Level.ERROR, "page", refusal[0], str(path), "", refusal[1]))
            continue
        page = parse_page(text, str(path))
        if page.title is None and page.url is None:
            # The parser finds something in any text; without a title and a request URL it
            # found no interface, and a spec built from nothing would only mislead review.
            result.findings.append(Finding(
                Level.ERROR, "page", "not a vendor interface page: it has no title line and no request URL "
                "(https://Domain name/...); pass the text of an interface page, like ../shared/seeds/*.txt",
                str(path), "", 1))
            continue
        data, findings = import_page(page, shared_root=shared_root)
        key = page_key(page)
        result.findings.extend(findings)
        if key in seen:
            result.findings.append(_finding(Level.ERROR, "import", f"page key {key!r} is also the key of "
                                            f"{seen[key]}; only the first is imported", page, page.title_line))
            continue
        seen[key] = page.path
        result.specs.append(ImportedSpec(key, page, spec_file_name(key), data))
    return result


def _page_text(raw: bytes) -> tuple[str, tuple[str, int] | None]:
    """The page's text, or why it is not a page's text and on which line. Pages are saved
    as UTF-8 text; binary data or another encoding must be refused, not imported as
    replacement characters."""
    if not raw.strip():
        return "", ("the page is empty", 1)
    nul = raw.find(b"\0")
    if nul >= 0:
        return "", ("binary data, not the text of a page (a NUL byte)", raw[:nul].count(b"\n") + 1)
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        return "", ("not UTF-8 text: save the page as UTF-8", raw[: exc.start].count(b"\n") + 1)


def import_page(page: Page, *, shared_root: str | None = None) -> tuple[dict[str, Any], list[Finding]]:
    """One page as an OpenAPI document, and what could not be mapped. Never raises."""
    builder = _Builder(page, shared_root)
    try:
        return builder.build(), builder.findings
    except Exception as exc:  # noqa: BLE001 - a page must never stop a batch
        return {}, builder.findings + [_finding(Level.ERROR, "import", f"internal importer error: {exc!r}",
                                                page, 1)]


def write_specs(result: ImportResult, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Write each spec as YAML (ruamel.yaml: readable, key order kept). OSError propagates:
    an unwritable folder is the environment's problem, not the page's."""
    from .yamlio import dump_yaml

    out = Path(out_dir)
    written: list[Path] = []
    if not result.specs:
        return written  # every page was refused: leave the output folder as it was
    out.mkdir(parents=True, exist_ok=True)
    for spec in result.specs:
        target = out / spec.file
        header = (f"# Imported by `aiccgen import` from {spec.page.path}.\n"
                  "# Provenance: x-doc on every field (docs/spec-conventions.md). Errata are not\n"
                  "# applied here unless --errata was given; see specs/errata/.\n")
        target.write_text(header + dump_yaml(_quoted(spec.data)), encoding="utf-8")
        written.append(target)
    return written


def _quoted(value: Any) -> Any:
    """Quote every string another YAML reader would decode differently ("Yes", "0200000",
    "2023-09-27"): the specs' lint rejects them unquoted, and so would a YAML 1.1 reader.
    Runs of spaces are quoted too: a folded plain scalar would lose them."""
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    from .yamlio import _AMBIGUOUS, _FALSE, _FLOAT, _INT, _NULLS, _TRUE

    if isinstance(value, dict):
        return {key: _quoted(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_quoted(item) for item in value]
    if isinstance(value, str) and ("  " in value or value != value.strip() or value in _NULLS
                                   or value in _TRUE or value in _FALSE or _INT.fullmatch(value)
                                   or _FLOAT.fullmatch(value) or any(p.fullmatch(value) for p, _ in _AMBIGUOUS)):
        return DoubleQuotedScalarString(value)
    return value


# ----------------------------------------------------------------------------- the builder


@dataclass
class _Site:
    """Where a field is used: request or response, and which table documents it."""
    scope: str
    table: Table


class _Builder:
    """Builds one page's document; small methods, one concern each."""

    def __init__(self, page: Page, shared_root: str | None) -> None:
        self.page = page
        self.shared_root = shared_root
        self.key = page_key(page)
        self.prefix = pascal_case(self.key) or "Page"
        self.findings: list[Finding] = []
        self.schemas: dict[str, dict[str, Any]] = {}
        self.security: dict[str, dict[str, Any]] = {}
        self.fixed_headers: dict[str, str] = {}
        self.code_refs = self._referenced_tables()
        self.example_values = _values_by_name(page.examples)
        self._table_schema: dict[int, str] = {}

    # -- the document ---------------------------------------------------------------------
    def build(self) -> dict[str, Any]:
        self._report_page_issues()
        operation = self._operation()
        doc: dict[str, Any] = {
            "openapi": "3.1.0",
            "info": {"title": self.page.title or self.key, "version": self.page.updated or "0",
                     "x-aiccgen-family": snake_case(self.key)},
            "servers": [self._server()],
        }
        if self.security:
            doc["security"] = [{name: []} for name in self.security]
        doc["x-doc-pages"] = {self.key: self._page_meta()}
        doc["x-errata"] = []  # errata overlays append their records here, one per action
        doc["paths"] = {self.page.url_path or f"/{self.key}": {self._method().lower(): operation}}
        self._loose_code_tables()
        components: dict[str, Any] = {}
        if self.security:
            components["securitySchemes"] = self.security
        if self.schemas:
            components["schemas"] = self.schemas
        if components:
            doc["components"] = components
        return doc

    def _page_meta(self) -> dict[str, Any]:
        file = self.page.path
        if self.shared_root:
            rel = os.path.relpath(os.path.abspath(self.page.path), os.path.abspath(self.shared_root))
            file = file if rel.startswith("..") else rel
        meta = {"title": self.page.title or self.key, "updated": self.page.updated or "", "file": file}
        return meta

    def _report_page_issues(self) -> None:
        for issue in self.page.issues:
            # reported by the importer with what it did about them
            if "not valid JSON" not in issue.message and "no HTTP method" not in issue.message:
                self.findings.append(_finding(Level.WARNING, "page", issue.message, self.page, issue.line))

    def _method(self) -> str:
        if self.page.method:
            return self.page.method
        has_body = any(e.scope == "request" and e.part == "body" for e in self.page.examples) or any(
            self._table_role(t) == "request body" for t in self.page.tables)
        chosen = "POST" if has_body else "GET"
        self.findings.append(_finding(Level.WARNING, "import", f"the page names no HTTP method; {chosen} "
                                      f"because it shows {'a' if has_body else 'no'} request body",
                                      self.page, self.page.title_line))
        return chosen

    def _server(self) -> dict[str, Any]:
        """A server with variables for the page's placeholder host ("Domain name", "ip:port")."""
        url = self.page.url or ""
        host = url.split("://", 1)[1].split("/", 1)[0] if "://" in url else ""
        if ":" in host:
            return {"url": "https://{ip}:{port}", "variables": {
                "ip": {"default": "host.invalid", "description": f"{host.split(':')[0]} in the page's URL"},
                "port": {"default": "443", "description": f"{host.split(':')[1]} in the page's URL"}}}
        return {"url": "https://{host}", "variables": {
            "host": {"default": "host.invalid", "description": f"{host or 'The host'} in the page's URL"}}}

    # -- the operation --------------------------------------------------------------------
    def _operation(self) -> dict[str, Any]:
        page = self.page
        op: dict[str, Any] = {"operationId": _identifier(self.key), "summary": _summary(page.title or self.key)}
        if page.scenario:
            op["description"] = page.scenario.replace("\n", "\n\n")
        op["x-doc"] = {"page": self.key}
        parameters = self._parameters()
        if self.fixed_headers:
            op["x-request-headers"] = dict(self.fixed_headers)
        if parameters:
            op["parameters"] = parameters
        body = self._request_body()
        if body is not None:
            op["requestBody"] = body
        op["responses"] = self._responses()
        header_examples = self._other_examples()
        if header_examples:
            op["x-doc-examples"] = header_examples
        return op

    def _parameters(self) -> list[dict[str, Any]]:
        params: list[dict[str, Any]] = []
        for table in self.page.tables:
            role = self._table_role(table)
            if role == "request header":
                params += [p for f in table.fields if (p := self._header(table, f)) is not None]
            elif role == "url":
                params += [self._url_param(table, f) for f in table.fields]
        if not self.page.tables:
            params += self._prose_headers()
        return params

    def _header(self, table: Table, f: Field) -> dict[str, Any] | None:
        x_doc = self._x_doc(table, f, with_table=True)
        if f.name.lower() == "authorization":
            self._security_scheme(table, f)
            return None
        fixed = _FIXED_VALUE.search(f.description)
        if f.name.lower() == "content-type" and fixed:
            self.fixed_headers[f.name] = fixed[1].strip()
            return None
        return {"name": f.name, "in": "header", "required": bool(f.mandatory),
                "description": self._description(f), "schema": self._scalar_schema(f, "request"),
                "x-doc": x_doc}

    def _security_scheme(self, table: Table, f: Field) -> None:
        entry = {"page": self.key, **self._x_doc(table, f, with_table=True)}
        if "bearer" in f.description.lower():
            scheme: dict[str, Any] = {"type": "http", "scheme": "bearer"}
            name = "bearerToken"
        else:
            scheme = {"type": "apiKey", "in": "header", "name": f.name}
            name = "authorization"
        scheme["description"] = self._description(f)
        scheme["x-doc"] = [entry]
        self.security[name] = scheme

    def _url_param(self, table: Table, f: Field) -> dict[str, Any]:
        in_path = f.name in self.page.path_params
        schema = self._scalar_schema(f, "request")
        if in_path and schema.get("type") == "string" and "minLength" not in schema:
            schema["minLength"] = 1  # an empty segment would change the URL
        return {"name": f.name, "in": "path" if in_path else "query",
                "required": True if in_path else bool(f.mandatory),
                "description": self._description(f), "schema": schema,
                "x-doc": self._x_doc(table, f, with_table=True)}

    def _prose_headers(self) -> list[dict[str, Any]]:
        """Table-less pages: a header named in a header example and explained in prose."""
        headers = {name for e in self.page.examples if e.part == "header" and e.scope != "response"
                   for name in e.header_map}
        params = []
        for f in self.page.prose_fields:
            if f.name in headers:
                shown = [e.header_map[f.name] for e in self.page.examples if f.name in e.header_map]
                schema = self._prose_schema(f, shown[0] if shown else None)
                params.append({"name": f.name, "in": "header", "required": False,
                               "description": f.description, "schema": schema, "x-doc": {"row": f.name}})
        return params

    # -- bodies ---------------------------------------------------------------------------
    def _request_body(self) -> dict[str, Any] | None:
        tables = [t for t in self.page.tables if self._table_role(t) == "request body"]
        descriptor = next(((t, f) for t in tables for f in t.fields if _is_body_row(f) and
                           not _children(t, f)), None)
        schema_ref = self._body_schema(tables, "request", f"{self.prefix}Request")
        examples = self._body_examples("request")
        if schema_ref is None and not examples and descriptor is None:
            return None
        body: dict[str, Any] = {}
        if descriptor is not None:
            table, row = descriptor
            body["description"] = self._description(row)
            body["required"] = bool(row.mandatory)
            body["x-doc"] = self._x_doc(table, row, with_table=True)
        else:
            body["required"] = True
        media: dict[str, Any] = {"schema": schema_ref or {"type": "object"}}
        if examples:
            media["examples"] = examples
        body["content"] = {_JSON: media}
        return body

    def _responses(self) -> dict[str, Any]:
        tables = [t for t in self.page.tables if self._table_role(t) == "response body"]
        schema_ref = self._body_schema(tables, "response", f"{self.prefix}Response")
        examples = self._body_examples("response")
        documented = dict(self.page.statuses) or {200: ""}
        success = min((code for code in documented if 200 <= code < 300), default=200)
        documented.setdefault(success, "")
        responses: dict[str, Any] = {}
        for code in sorted(documented):
            response: dict[str, Any] = {"description": documented[code] or f"Status code {code}."}
            if code == success and (schema_ref or examples):
                media: dict[str, Any] = {"schema": schema_ref or {"type": "object"}}
                if examples:
                    media["examples"] = examples
                response["content"] = {_JSON: media}
            responses[str(code)] = response
        return responses

    def _body_schema(self, tables: list[Table], scope: str, name: str) -> dict[str, Any] | None:
        """The body schema from its tables; or, on a page without tables, from the example."""
        if not tables:
            return self._example_schema(scope, name)
        schema: dict[str, Any] = {"type": "object"}
        entries, properties, required = [], {}, []
        for table in tables:
            entry: dict[str, Any] = {"page": self.key, "table": table.number}
            members = [f for f in table.fields if f.parent is None]
            for body_row in [f for f in members if _is_body_row(f) and _children(table, f)]:
                # "1 Body Object" with children: the body itself, documented as a row
                entry.update(self._x_doc(table, body_row))
                if body_row.description:
                    schema["description"] = self._description(body_row)
                members = [f for f in members if f is not body_row] + list(_children(table, body_row))
            members = [f for f in members if not _is_body_row(f)]  # a lone "Body" row: the body
            if not members and "row" not in entry:
                continue
            entries.append(entry)
            for f in members:
                properties[f.name] = self._property(_Site(scope, table), f)
                if f.mandatory:
                    required.append(f.name)
        if not entries:
            return None
        schema["x-doc"] = entries[0] if len(entries) == 1 else entries
        if required:
            schema["required"] = required
        schema["properties"] = properties
        return {"$ref": self._add_schema(name, schema)}

    def _example_schema(self, scope: str, name: str) -> dict[str, Any] | None:
        """Table-less pages: members of the first JSON example, typed by their values."""
        example = next((e for e in self.page.examples
                        if e.scope == scope and e.part == "body" and e.is_json and isinstance(e.value, dict)), None)
        if example is None:
            return None
        prose = {f.name: f for f in self.page.prose_fields}
        properties = {}
        for member, value in example.value.items():
            described = prose.get(member)
            prop: dict[str, Any] = self._prose_schema(described, value) if described else {"type": _json_type_of(value)}
            if described:
                prop["description"] = described.description
            prop["x-doc"] = {"row": member}
            properties[member] = prop
        return {"$ref": self._add_schema(name, {"type": "object", "x-doc": {"page": self.key},
                                                 "properties": properties})}

    # -- fields ---------------------------------------------------------------------------
    def _property(self, site: _Site, f: Field) -> dict[str, Any]:
        children = _children(site.table, f)
        nested = self._nested_table(f)
        if f.base_type == "array":
            prop = {"type": "array", "items": self._items(site, f, children, nested)}
        elif f.base_type == "object" or children or nested is not None:
            prop = {"$ref": self._object_ref(site, f, children, nested)}
        else:
            prop = self._scalar_schema(f, site.scope)
        description = self._description(f)
        if description:
            prop["description"] = description
        prop["x-doc"] = self._x_doc(site.table, f)
        return prop

    def _items(self, site: _Site, f: Field, children: tuple[Field, ...], nested: Table | None) -> dict[str, Any]:
        inner = re.search(r"[\[<]\s*(\w+)\s*[\]>]", f.type or "")
        word = (inner[1].lower() if inner else "object")
        if children or nested is not None or word in ("object", "jsonobject"):
            return {"$ref": self._object_ref(site, f, children, nested)}
        return {"type": _BASE_TYPES.get(word, "string")}

    def _object_ref(self, site: _Site, f: Field, children: tuple[Field, ...], nested: Table | None) -> str:
        """A nested object: from numbered children, or from the table its row refers to."""
        if nested is not None and nested.number in self._table_schema:
            return self._table_schema[nested.number]
        table = nested or site.table
        rows = children if not nested else tuple(r for r in nested.fields if r.parent is None)
        schema: dict[str, Any] = {"type": "object"}
        if nested is not None and nested.title:
            schema["description"] = nested.title.rstrip(".") + "."
        schema["x-doc"] = {"page": self.key, "table": table.number}
        properties = {r.name: self._property(_Site(site.scope, table), r) for r in rows}
        required = [r.name for r in rows if r.mandatory]
        if required:
            schema["required"] = required
        schema["properties"] = properties
        ref = self._add_schema(f"{self.prefix}{pascal_case(f.name)}", schema)
        if nested is not None:
            self._table_schema[nested.number] = ref
        return ref

    def _nested_table(self, f: Field) -> Table | None:
        """The fields table a composite row refers to ("For details, see Table 4.")."""
        if f.base_type not in ("object", "array"):
            return None
        for number in f.table_refs:
            table = self.page.table(number)
            if table is not None and table.kind == "fields":
                return table
        return None

    def _scalar_schema(self, f: Field, scope: str) -> dict[str, Any]:
        """A leaf field: its JSON type and limits, or code tables (closed when sent)."""
        base = self._json_type(f)
        open_schema = self._refined(self._limited({"type": base} if base else {}, f, base), f, base, scope)
        tables = self._code_tables_for(f, base, scope)
        if not tables:
            return open_schema
        refs = [{"$ref": ref} for ref in tables]
        if scope == "request":
            return refs[0] if len(refs) == 1 else {"anyOf": refs}
        return {"anyOf": refs + [open_schema]}

    def _limited(self, schema: dict[str, Any], f: Field, base: str | None) -> dict[str, Any]:
        limit = f.length_limit
        if base == "string":
            size = limit.size if limit and limit.kind == "string" else f.max_chars
            if size is not None:
                schema["maxLength"] = size
        if base in ("integer", "number"):
            digits = limit.size if limit and limit.kind == "number" else None
            low = f.minimum if f.minimum is not None else (0 if digits else None)
            high = f.maximum if f.maximum is not None else (10 ** digits - 1 if digits else None)
            if low is not None:
                schema["minimum"] = low
            if high is not None:
                schema["maximum"] = high
        return schema

    def _refined(self, schema: dict[str, Any], f: Field, base: str | None, scope: str) -> dict[str, Any]:
        """What the description states beyond type and limits: formats, defaults, and digits
        for a timestamp the client sends as a string (strict in what it sends; what it
        receives is decoded leniently, so responses get no pattern)."""
        text = f.description
        if base == "string" and scope == "request" and _SENT_TIMESTAMP.search(text):
            schema["pattern"] = "^[0-9]+$"
        if _TIMESTAMP.search(text) and base in ("string", "integer") and "-" not in (f.type or ""):
            if _SENT_TIMESTAMP.search(text) or "millisecond" in text:
                schema["format"] = "epoch-ms"
        elif base == "string" and _LOCAL_DATE_TIME.search(text):
            schema["format"] = "local-date-time"
        if base == "integer" and "format" not in schema and (f.type or "").strip().lower() in _INT_FORMATS:
            schema["format"] = _INT_FORMATS[(f.type or "").strip().lower()]
        default = _DEFAULT.search(text)
        if default and base in ("string", "integer", "number"):
            raw = default[1]
            schema["default"] = raw if base == "string" else _number_or_text(raw)
        return schema

    def _json_type(self, f: Field) -> str | None:
        """The page's type word as a JSON type; "Number" is an integer unless the examples
        show a fraction. A word without a JSON counterpart (Date, Enum) gives no type and a
        finding: an erratum decides what the client does."""
        word = (f.type or "").strip()
        base = f.base_type
        if base == "number" and word.lower() == "number":
            shown = self.example_values.get(f.name, [])
            fractional = any(isinstance(v, float) and not v.is_integer() for v in shown)
            return "number" if fractional else "integer"
        if base in _BASE_TYPES:
            return _BASE_TYPES[base]
        self.findings.append(_finding(Level.WARNING, "type", f"{f.name}: type {word!r} has no JSON counterpart; "
                                      "the schema leaves it open (record an erratum that decides)",
                                      self.page, f.line))
        return None

    def _prose_schema(self, f: Field | None, shown: Any) -> dict[str, Any]:
        """A field the page explains in a sentence: typed by the value its example shows; a
        documented bound makes a header's digits an integer."""
        bounded = f is not None and (f.maximum is not None or f.minimum is not None)
        if isinstance(shown, str) and bounded and shown.strip().isdigit():
            kind = "integer"
        else:
            kind = _json_type_of(shown) if shown is not None else "string"
        schema: dict[str, Any] = {"type": kind}
        if f is not None and kind in ("integer", "number"):
            if f.minimum is not None:
                schema["minimum"] = f.minimum
            if f.maximum is not None:
                schema["maximum"] = f.maximum
        if f is not None and kind == "string" and f.max_chars is not None:
            schema["maxLength"] = f.max_chars
        return schema

    def _description(self, f: Field) -> str:
        return description_prose(f.description, [c.value for c in f.codes]).replace("\n", "\n\n")

    def _x_doc(self, table: Table, f: Field, *, with_table: bool = False) -> dict[str, Any]:
        """The row as the page gives it; parameters name their table (a schema names it for
        its properties)."""
        x_doc: dict[str, Any] = {"table": table.number} if with_table else {}
        x_doc["row"] = f.number or f.name
        if f.type is not None:
            x_doc["type"] = f.type
        if f.mandatory_raw is not None:
            x_doc["mandatory"] = f.mandatory_raw
        if f.length_limit is not None:
            x_doc["length"] = f"{f.length_limit.kind} ({f.length_limit.size})"
        return x_doc

    # -- code tables ----------------------------------------------------------------------
    def _referenced_tables(self) -> dict[int, list[Field]]:
        """Code tables and the rows that refer to them ("see Table 4")."""
        refs: dict[int, list[Field]] = {}
        for table in self.page.tables:
            for f in table.fields:
                for number in f.table_refs:
                    target = self.page.table(number)
                    if target is not None and target.kind == "codes":
                        refs.setdefault(number, []).append(f)
        return refs

    def _code_tables_for(self, f: Field, base: str | None, scope: str) -> list[str]:
        """The row's own codes first (its documented meanings win), then the code tables it
        refers to. A code table no row refers to lists the values of the page's result-code
        fields (those with a success code), so it completes their own list."""
        own = [c for c in f.codes if c.concrete]
        other = next((c.description for c in f.codes if not c.concrete), None)
        loose = [t for t in self.page.tables if t.kind == "codes" and t.number not in self.code_refs]
        refs: list[str] = []
        if own and scope == "response" and loose and any(_SUCCESS.match(c.description) for c in own):
            for table in loose:
                codes = own + [c for c in table.codes if c.concrete and c.value not in {o.value for o in own}]
                refs.append(self._code_schema(codes, other, base, {"page": self.key, "table": table.number},
                                              f"{self.prefix}Table{table.number}Codes", table.title))
            return refs
        if own:
            refs.append(self._code_schema(own, other, base, {"page": self.key, **self._row_entry(f)},
                                          f"{self.prefix}{_code_name(f.name)}", f"Codes of {f.name}"))
        for number in f.table_refs:
            referenced = self.page.table(number)
            if referenced is not None and referenced.kind == "codes" and any(c.concrete for c in referenced.codes):
                catch_all = next((c.description for c in referenced.codes if not c.concrete), None)
                refs.append(self._code_schema([c for c in referenced.codes if c.concrete], catch_all, base,
                                              {"page": self.key, "table": number},
                                              f"{self.prefix}Table{number}Codes", referenced.title))
        return refs

    def _loose_code_tables(self) -> None:
        """A code table no field uses is still documented: keep it as a component, say so."""
        used = {entry.get("table") for schema in self.schemas.values() if "enum" in schema
                for entry in (schema["x-doc"] if isinstance(schema["x-doc"], list) else [schema["x-doc"]])
                if "row" not in entry}
        for table in self.page.tables:
            if table.kind == "codes" and table.number not in used and any(c.concrete for c in table.codes):
                catch_all = next((c.description for c in table.codes if not c.concrete), None)
                self._code_schema([c for c in table.codes if c.concrete], catch_all, None,
                                  {"page": self.key, "table": table.number},
                                  f"{self.prefix}Table{table.number}Codes", table.title)
                self.findings.append(_finding(Level.INFO, "import", f"Table {table.number} ({table.title}) is "
                                              "not referred to by any field; kept as a code table of its own",
                                              self.page, table.line))

    def _row_entry(self, f: Field) -> dict[str, Any]:
        table = next(t for t in self.page.tables if f in t.fields)
        return {"table": table.number, "row": f.number or f.name}

    def _code_schema(self, codes: list[CodeEntry], other: str | None, base: str | None,
                     entry: dict[str, Any], name: str, title: str) -> str:
        """A code table schema; one with the same codes already made is shared (two rows of
        one page listing the same task types are one table with two provenance entries)."""
        kind = "integer" if base in ("integer", "number") and all(_is_int(c.value) for c in codes) else "string"
        values = [int(c.value) if kind == "integer" else c.value for c in codes]
        names = unique_member_names([c.value for c in codes],
                                    [member_name_from_meaning(c.description) or constant_name(c.value)
                                     for c in codes])
        schema: dict[str, Any] = {"title": title, "type": kind, "enum": values,
                                  "x-enum-varnames": dedupe(names),
                                  "x-enum-descriptions": [c.description for c in codes]}
        if any(c.label for c in codes):
            schema["x-enum-labels"] = [c.label or "" for c in codes]
        if other:
            schema["x-enum-other"] = other
        for existing_name, existing in self.schemas.items():
            if _same_codes(existing, schema):
                entries = existing["x-doc"] if isinstance(existing["x-doc"], list) else [existing["x-doc"]]
                if entry not in entries:
                    existing["x-doc"] = entries + [entry]
                return f"#/components/schemas/{existing_name}"
        schema["x-doc"] = entry
        return self._add_schema(name, schema)

    # -- examples -------------------------------------------------------------------------
    def _body_examples(self, scope: str) -> dict[str, Any]:
        examples: dict[str, Any] = {}
        for example in self.page.examples:
            if example.scope == scope and example.part == "body":
                name = "documented" if not examples else f"documented{len(examples) + 1}"
                examples[name] = self._example(example)
        return examples

    def _example(self, example: Example) -> dict[str, Any]:
        summary = f"Scenario: {example.scenario}" if example.scenario else _caption(example.caption) or "Example"
        out: dict[str, Any] = {"summary": summary}
        if example.is_json:
            out["value"] = example.value
        else:
            error = example.json_error
            self.findings.append(_finding(
                Level.WARNING, "example", f"example is not valid JSON ({error.message if error else 'unknown'} "
                f"at line {error.line if error else example.line}); kept verbatim without a value: record a "
                "malformed-example erratum that repairs it", self.page, error.line if error else example.line))
        out["x-verbatim"] = verbatim_text(example.raw)
        return out

    def _other_examples(self) -> list[dict[str, Any]]:
        """Header blocks and examples without a body to belong to: kept verbatim."""
        out = []
        for example in self.page.examples:
            if example.part == "body" and example.scope in ("request", "response"):
                continue
            caption = _caption(example.caption) or "Example"
            if example_kind(caption) == "example" and example.scope:  # keep what pages.py read
                caption = f"{example.scope.capitalize()} {example.part or 'body'}"
            out.append({"caption": caption, "x-verbatim": verbatim_text(example.raw)})
        return out

    # -- tables ---------------------------------------------------------------------------
    def _table_role(self, table: Table) -> str:
        """request header / url / request body / response body / nested / codes."""
        if table.kind == "codes":
            return "codes"
        title = table.title.lower()
        if "header" in title:
            return "response header" if "response" in title else "request header"
        if re.search(r"\b(?:url|uri|path|query)\b", title):
            return "url"
        if any(table.number in f.table_refs and f.base_type in ("object", "array")
               for f in _all_fields(self.page)):
            return "nested"
        if "response" in title:
            return "response body"
        if "request" in title:
            return "request body"
        return f"{table.section or 'request'} body"

    def _add_schema(self, name: str, schema: dict[str, Any]) -> str:
        unique, n = name, 2
        while unique in self.schemas:
            unique, n = f"{name}{n}", n + 1
        self.schemas[unique] = schema
        return f"#/components/schemas/{unique}"


# ----------------------------------------------------------------------------- helpers


def _all_fields(page: Page) -> Iterator[Field]:
    for table in page.tables:
        yield from table.fields


def _children(table: Table, f: Field) -> tuple[Field, ...]:
    return tuple(r for r in table.fields if f.number and r.parent == f.number)


def _is_body_row(f: Field) -> bool:
    return f.name.lower() in _BODY_NAMES or (f.type or "").strip().lower() == "body"


def _values_by_name(examples: Iterable[Example]) -> dict[str, list[Any]]:
    """Every value each member name takes in the page's JSON examples."""
    found: dict[str, list[Any]] = {}
    pending = [e.value for e in examples if e.is_json]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                found.setdefault(str(key), []).append(value)
                pending.append(value)
        elif isinstance(item, list):
            pending.extend(item)
    return found


def _json_type_of(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return "string"


def _number_or_text(raw: str) -> Any:
    try:
        return int(raw)
    except ValueError:
        try:
            return float(raw)
        except ValueError:
            return raw


def _is_int(text: str) -> bool:
    return bool(re.fullmatch(r"-?\d+", text)) and not (len(text.lstrip("-")) > 1 and text.lstrip("-").startswith("0"))


def _same_codes(a: dict[str, Any], b: dict[str, Any]) -> bool:
    keys = ("type", "enum", "x-enum-descriptions", "x-enum-labels", "x-enum-other")
    return "enum" in a and all(a.get(k) == b.get(k) for k in keys)


def _code_name(name: str) -> str:
    base = pascal_case(name)
    return base if base.lower().endswith("code") else f"{base}Code"


def _caption(caption: str | None) -> str | None:
    return caption.strip().rstrip(":").strip() if caption else None


def _summary(title: str) -> str:
    """The title without its trailing "(operationName)"."""
    return re.sub(r"\s*\([A-Za-z_]\w*\)\s*$", "", title) or title


def _identifier(key: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", key)
    return (words[0] + "".join(w[:1].upper() + w[1:] for w in words[1:])) if words else "operation"
