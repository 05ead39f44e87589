"""The documented facts a spec set states, keyed by where the vendor page states them.

Why: two questions need the same answer to "what does this spec say the page says?". The
completeness test asks whether `specs/` captures every fact of the pages; `aiccgen drift`
asks whether a fresh import of the pages (plus the errata overlays) says the same as
`specs/`. Both read specs through this one projection, so they cannot disagree about what a
spec states.

A spec and an import are organised differently (schema names, shared code tables, `$ref`
layout), so facts are keyed by provenance, never by structure:

* a row: ``(page, table, row)`` from `x-doc` (table 0 for pages without tables) with its
  name, the page's type / mandatory / length words, the effective JSON types, `required`,
  limits, description and the codes of its own code table;
* a code table the page prints on its own: ``(page, table)``;
* an operation: the page's title and date, method, path, statuses, fixed headers;
* an example: ``(page, "request body 1")`` with its verbatim text and value;
* an erratum: its id, with targets turned into the provenance of what they point at.

Curated choices that the pages do not state (schema and member names, retry safety,
pagination, servers, security details, doc notes, formats) are not facts.
"""

from __future__ import annotations

import json
import os
import re
import textwrap
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from .diagnostics import join_pointer, split_pointer

__all__ = ["CodeTable", "Documents", "ExampleFact", "Fact", "Location", "OperationFact",
           "RowFact", "SpecFacts", "comparable", "description_prose", "example_kind",
           "iter_rows", "json_types", "load_spec_facts", "norm", "project", "subjects_of",
           "target_location", "verbatim_text"]

#: A row key: (page, table, row). Table 0 holds the fields of pages without tables.
RowKey = tuple[str, int, str]
FactKey = tuple[Any, ...]

# ----------------------------------------------------------------------------- text


def norm(text: Any) -> str:
    """Compare words, not layout: bullets, line breaks and paragraph gaps are presentation."""
    lines = [re.sub(r"^\s*[•-]\s+", "", line) for line in str(text or "").split("\n")]
    return " ".join(" ".join(lines).split())


def description_prose(description: str, code_values: Iterable[str]) -> str:
    """A page description as a spec states it: without its code lines ("0: to be called")
    and "Length limit" lines, which a spec holds as structure (`enum`, `maxLength`)."""
    values = set(code_values)
    kept = []
    for line in description.split("\n"):
        stripped = line.strip().lstrip("•-").strip()
        head = stripped.split(":", 1)[0].strip()
        if stripped.startswith("Length limit:") or (":" in stripped and head in values):
            continue
        kept.append(line)
    return "\n".join(kept).strip()


def verbatim_text(raw: str) -> str:
    """An example's text with the indentation of its page section and trailing spaces
    removed: what `x-verbatim` keeps (docs/spec-conventions.md)."""
    return textwrap.dedent("\n".join(line.rstrip() for line in raw.split("\n"))).strip("\n")


def example_kind(caption: str | None) -> str:
    """"request body", "response header", ... from an example caption (as pages.py reads it)."""
    lowered = (caption or "").lower()
    scope = next((s for s in ("request", "response") if s in lowered), None)
    part = "header" if "header" in lowered else "body"
    return f"{scope} {part}" if scope else "example"


_PAGE_TYPES = {
    "string": {"string"}, "str": {"string"}, "char": {"string"}, "uuid": {"string"},
    "integer": {"integer"}, "int": {"integer"}, "long": {"integer"}, "short": {"integer"},
    "number": {"integer", "number"}, "float": {"number"}, "double": {"number"},
    "boolean": {"boolean"}, "bool": {"boolean"},
    "object": {"object"}, "json object": {"object"}, "body": {"object"}, "map": {"object"},
}


def json_types(page_type: str | None) -> set[str]:
    """JSON Schema types a page type word allows ("Number" is integer or number); empty when
    the word has no JSON counterpart ("Date", "Enum")."""
    lowered = " ".join((page_type or "").lower().split())
    if lowered.startswith(("array", "list", "set")) or lowered.endswith("[]"):
        return {"array"}
    return set(_PAGE_TYPES.get(lowered, set()))


# ----------------------------------------------------------------------------- the model


@dataclass(frozen=True)
class Location:
    """A node of a spec: absolute file path and JSON pointer."""
    file: str
    pointer: str


@dataclass(frozen=True)
class CodeTable:
    """An `enum` schema with its documented meanings."""
    name: str
    where: Location
    codes: tuple[tuple[str, str | None, str | None], ...]  # (value, meaning, label)
    other: str | None
    title: str | None
    entries: tuple[dict[str, Any], ...]  # its x-doc entries

    @property
    def values(self) -> list[str]:
        return [value for value, _, _ in self.codes]

    def meaning(self, value: str) -> str | None:
        return next((m for v, m, _ in self.codes if v == value), None)

    def label(self, value: str) -> str | None:
        return next((lab for v, _, lab in self.codes if v == value), None)


@dataclass(frozen=True)
class RowFact:
    """One documented row as a spec states it."""
    key: RowKey
    name: str
    where: Location
    x_doc: Mapping[str, Any]
    required: bool | None
    types: frozenset[str]
    limits: Mapping[str, tuple[Any, ...]]  # maxLength/minimum/maximum/pattern over branches
    description: str | None
    codes: CodeTable | None
    role: str  # property / parameter / security / body / schema


@dataclass(frozen=True)
class OperationFact:
    page: str
    path: str
    method: str
    where: Location
    statuses: Mapping[str, str | None]  # code -> description
    fixed_headers: Mapping[str, str]


@dataclass(frozen=True)
class ExampleFact:
    page: str
    kind: str  # "request body 1"
    where: Location
    verbatim: str | None
    value: str | None  # canonical JSON of `value`, None when the spec has none


@dataclass
class SpecFacts:
    """Everything `project` found, by provenance."""
    pages: dict[str, dict[str, Any]] = field(default_factory=dict)
    page_files: dict[str, str] = field(default_factory=dict)  # page -> spec file listing it
    operations: dict[str, OperationFact] = field(default_factory=dict)
    rows: dict[RowKey, list[RowFact]] = field(default_factory=dict)
    code_tables: dict[tuple[str, int], list[CodeTable]] = field(default_factory=dict)
    examples: dict[tuple[str, str], ExampleFact] = field(default_factory=dict)
    errata: dict[str, tuple[dict[str, Any], Location]] = field(default_factory=dict)
    #: what each located node documents, for resolving erratum targets
    subjects: dict[Location, list[FactKey]] = field(default_factory=dict)
    #: erratum kinds that target each node
    erratum_kinds: dict[Location, set[str]] = field(default_factory=dict)

    def excused(self, where: Location | None, *kinds: str) -> bool:
        """Only an erratum of a matching kind excuses a difference at this node."""
        return where is not None and bool(self.erratum_kinds.get(where, set()) & set(kinds))

    def target_subjects(self, record: Mapping[str, Any], base: str) -> tuple[str, ...]:
        """An erratum's targets as the provenance of what they point at, restricted to the
        erratum's own page (a table shared by two pages is one target per page)."""
        page = record.get("page")
        out: set[str] = set()
        for target in record.get("targets") or []:
            location = target_location(base, str(target))
            subjects = [s for s in self.subjects.get(location, []) if s[1] == page]
            if subjects:
                out.update(" ".join(str(part) for part in s) for s in subjects)
            else:
                out.add(f"unresolved {os.path.basename(location.file)}#{location.pointer}")
        return tuple(sorted(out))


def target_location(base: str, target: str) -> Location:
    """``codes.yaml#/components/...`` or ``/paths/...`` relative to the file at ``base``."""
    file_part, _, pointer = target.rpartition("#") if "#" in target else ("", "", target)
    path = os.path.normpath(os.path.join(os.path.dirname(base), file_part)) if file_part else base
    return Location(path, pointer)


# ----------------------------------------------------------------------------- documents


class Documents:
    """Spec documents by absolute path, in memory or loaded on demand, with `$ref` lookup.

    The import works on documents that were never written, and the curated specs reference
    each other by relative path (`codes.yaml#/...`), so references resolve against this
    mapping first and the disk second."""

    def __init__(self, docs: Mapping[str, Any]) -> None:
        self.docs = {os.path.abspath(path): data for path, data in docs.items()}

    def data(self, path: str) -> Any:
        if path not in self.docs:
            from .yamlio import load_yaml

            self.docs[path] = load_yaml(path).data  # AiccgenError propagates: a broken ref
        return self.docs[path]

    def resolve(self, base: str, ref: str) -> tuple[Location, Any]:
        location = target_location(base, ref)
        node = self.data(location.file)
        for token in split_pointer(location.pointer):
            node = node[int(token)] if isinstance(node, list) else node[token]
        return location, node

    def deref(self, where: Location, node: Any) -> tuple[Location, Any]:
        """Follow `$ref` chains (bounded: a cycle is lint's to report, not ours)."""
        for _ in range(20):
            if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)):
                break
            where, node = self.resolve(where.file, node["$ref"])
        return where, node


# ----------------------------------------------------------------------------- projection


def load_spec_facts(spec_dir: str | os.PathLike[str]) -> SpecFacts:
    """The facts of a spec folder (its OpenAPI documents; overlays beside them are skipped)."""
    from .specset import load_spec_set

    spec_set = load_spec_set([str(spec_dir)])
    return project({path: spec_set.doc(path).data for path in spec_set.entries})


def project(docs: Mapping[str, Any]) -> SpecFacts:
    """The facts of spec documents (absolute path -> data). Documents without x-doc-pages
    contribute only through what references them."""
    documents = Documents(docs)
    facts = SpecFacts()
    for path in list(documents.docs):
        data = documents.docs[path]
        if isinstance(data, dict) and "openapi" in data:
            _project_document(documents, facts, path, data)
    for record, where in facts.errata.values():
        for target in record.get("targets") or []:
            location = target_location(where.file, str(target))
            facts.erratum_kinds.setdefault(location, set()).add(str(record.get("kind")))
    return facts


def _entries(x_doc: Any) -> list[dict[str, Any]]:
    if isinstance(x_doc, dict):
        return [x_doc]
    return [e for e in x_doc or [] if isinstance(e, dict)]


def _project_document(documents: Documents, facts: SpecFacts, path: str, data: dict[str, Any]) -> None:
    for key, meta in (data.get("x-doc-pages") or {}).items():
        facts.pages.setdefault(key, meta)
        facts.page_files.setdefault(key, path)
    for i, record in enumerate(data.get("x-errata") or []):
        if isinstance(record, dict) and "id" in record:
            facts.errata.setdefault(str(record["id"]), (record, Location(path, join_pointer("/x-errata", i))))
    from .specset import iter_operations

    for op_ptr, url, method, op in iter_operations(data):
        _project_operation(documents, facts, path, op_ptr, url, method, op)
    components = data.get("components") or {}
    for name, scheme in (components.get("securitySchemes") or {}).items():
        where = Location(path, join_pointer("/components/securitySchemes", name))
        for entry in _entries(scheme.get("x-doc")):
            header = scheme.get("name") if scheme.get("type") == "apiKey" else "Authorization"
            _add_row(facts, _row(documents, entry["page"], entry.get("table", 0), entry, str(header),
                                 where, scheme, True, "security"))
    for name, param in (components.get("parameters") or {}).items():
        where = Location(path, join_pointer("/components/parameters", name))
        for entry in _entries(param.get("x-doc")):
            _add_row(facts, _param_row(documents, entry["page"], entry, where, param))
    for name, schema in (components.get("schemas") or {}).items():
        if isinstance(schema, dict):
            _project_schema(documents, facts, Location(path, join_pointer("/components/schemas", name)),
                            name, schema)


def _project_operation(documents: Documents, facts: SpecFacts, path: str, op_ptr: str, url: str,
                       method: str, op: dict[str, Any]) -> None:
    page = (op.get("x-doc") or {}).get("page") if isinstance(op.get("x-doc"), dict) else None
    if page is None:
        return
    where = Location(path, op_ptr)
    statuses = {}
    for status, response in (op.get("responses") or {}).items():
        _, resolved = documents.deref(Location(path, join_pointer(op_ptr, "responses", status)), response)
        statuses[str(status)] = resolved.get("description") if isinstance(resolved, dict) else None
    headers = {str(k): str(v) for k, v in (op.get("x-request-headers") or {}).items()}
    facts.operations[page] = OperationFact(page, url, method, where, statuses, headers)
    body = op.get("requestBody")
    if isinstance(body, dict):
        body_where = Location(path, op_ptr + "/requestBody")
        for entry in _entries(body.get("x-doc")):
            types = set()
            for media in (body.get("content") or {}).values():
                if isinstance(media, dict) and "schema" in media:
                    types |= _types(documents, [documents.deref(body_where, media["schema"])[1]])
            _add_row(facts, RowFact((entry.get("page", page), int(entry.get("table", 0)), str(entry["row"])),
                                    "Body", body_where, entry, bool(body.get("required")), frozenset(types),
                                    {}, body.get("description"), None, "body"))
    for i, param in enumerate(op.get("parameters") or []):
        param_where, resolved = documents.deref(Location(path, join_pointer(op_ptr, "parameters", i)), param)
        if "$ref" in param:
            continue  # a component parameter: projected with its own x-doc entries
        for entry in _entries(resolved.get("x-doc")):
            _add_row(facts, _param_row(documents, entry.get("page", page), entry, param_where, resolved))
    _project_examples(facts, path, op_ptr, page, op)


def _project_examples(facts: SpecFacts, path: str, op_ptr: str, page: str, op: dict[str, Any]) -> None:
    """Examples in page terms: where OpenAPI holds them (request / response media types) or
    `x-doc-examples` (header blocks), numbered per kind in document order."""
    counts: dict[str, int] = {}

    def add(kind: str, pointer: str, example: dict[str, Any]) -> None:
        counts[kind] = counts.get(kind, 0) + 1
        label = f"{kind} {counts[kind]}"
        verbatim = example.get("x-verbatim")
        value = json.dumps(example["value"], sort_keys=True, ensure_ascii=False) if "value" in example else None
        where = Location(path, pointer)
        facts.examples[(page, label)] = ExampleFact(
            page, label, where, verbatim_text(verbatim) if isinstance(verbatim, str) else None, value)
        facts.subjects.setdefault(where, []).append(("example", page, label))

    bodies = [("request body", op_ptr + "/requestBody", op.get("requestBody"))]
    bodies += [("response body", join_pointer(op_ptr, "responses", status), response)
               for status, response in (op.get("responses") or {}).items()]
    for kind, pointer, body in bodies:
        for media, media_obj in ((body or {}).get("content") or {}).items() if isinstance(body, dict) else ():
            for name, example in ((media_obj or {}).get("examples") or {}).items():
                if isinstance(example, dict):
                    add(kind, join_pointer(pointer, "content", media, "examples", name), example)
    for i, example in enumerate(op.get("x-doc-examples") or []):
        if isinstance(example, dict):
            add(example_kind(example.get("caption")), join_pointer(op_ptr, "x-doc-examples", i), example)


def _project_schema(documents: Documents, facts: SpecFacts, where: Location, name: str,
                    schema: dict[str, Any]) -> None:
    entries = _entries(schema.get("x-doc"))
    if "enum" in schema:
        table = _code_table(name, where, schema)
        for entry in entries:
            if "page" in entry and "row" not in entry:
                key = (entry["page"], int(entry.get("table", 0)))
                facts.code_tables.setdefault(key, []).append(table)
                facts.subjects.setdefault(where, []).append(("table", *key))
            elif "page" in entry:
                facts.subjects.setdefault(where, []).append(
                    ("row", entry["page"], int(entry.get("table", 0)), str(entry["row"])))
        return
    for entry in entries:
        if "page" in entry and "row" in entry:  # the schema is itself a row ("Body", Object)
            _add_row(facts, _row(documents, entry["page"], entry.get("table", 0), entry, "Body", where,
                                 schema, None, "schema"))
    base = entries[0] if entries else {}
    required = set(schema.get("required") or [])
    for prop, sub in (schema.get("properties") or {}).items():
        if not isinstance(sub, dict) or not isinstance(sub.get("x-doc"), dict):
            continue
        entry = sub["x-doc"]
        page = entry.get("page", base.get("page"))
        if page is None or "row" not in entry:
            continue
        prop_where = Location(where.file, join_pointer(where.pointer, "properties", prop))
        _add_row(facts, _row(documents, page, entry.get("table", base.get("table", 0)), entry, prop,
                             prop_where, sub, prop in required, "property"))


def _param_row(documents: Documents, page: str, entry: dict[str, Any], where: Location,
               param: dict[str, Any]) -> RowFact:
    """A parameter's schema, with the parameter's description and provenance."""
    node = dict(param.get("schema") or {})
    node.update({k: v for k, v in param.items() if k in ("description", "x-doc")})
    return _row(documents, page, entry.get("table", 0), entry, str(param.get("name")), where, node,
                bool(param.get("required")), "parameter")


def _row(documents: Documents, page: str, table: Any, entry: dict[str, Any], name: str, where: Location,
         node: dict[str, Any], required: bool | None, role: str) -> RowFact:
    branches = _branches(documents, where, node)
    enums = [(loc, b) for loc, b in branches[1:] if "enum" in b] or [(loc, b) for loc, b in branches if "enum" in b]
    codes = _code_table(enums[0][1].get("title") or "", enums[0][0], enums[0][1]) if enums else None
    limits = {}
    for keyword in ("maxLength", "minimum", "maximum", "pattern"):
        found = [b[keyword] for _, b in branches if keyword in b]
        limits[keyword] = tuple(sorted(set(found), key=repr))
    types = _types(documents, [b for _, b in branches]) if role != "security" else set()
    return RowFact((page, int(table), str(entry["row"])), name, where, entry, required,
                   frozenset(types), limits, node.get("description"), codes, role)


def _branches(documents: Documents, where: Location, node: dict[str, Any]) -> list[tuple[Location, dict[str, Any]]]:
    """The node and the schemas of its anyOf alternatives (or its `$ref`), references followed."""
    out = [(where, node)]
    alternatives = node.get("anyOf") or node.get("oneOf")
    if isinstance(alternatives, list):
        for i, sub in enumerate(alternatives):
            loc, resolved = documents.deref(Location(where.file, join_pointer(where.pointer, "anyOf", i)), sub)
            if isinstance(resolved, dict):
                out.append((loc, resolved))
    elif "$ref" in node:
        loc, resolved = documents.deref(where, {"$ref": node["$ref"]})
        if isinstance(resolved, dict):
            out.append((loc, resolved))
    return out


def _types(documents: Documents, branches: Iterable[dict[str, Any]]) -> set[str]:
    types: set[str] = set()
    for branch in branches:
        declared = branch.get("type")
        types.update(declared if isinstance(declared, list) else [declared] if declared else [])
    return types


def _code_table(name: str, where: Location, schema: dict[str, Any]) -> CodeTable:
    values = [str(v) for v in schema.get("enum") or []]
    meanings = list(schema.get("x-enum-descriptions") or [])
    labels = list(schema.get("x-enum-labels") or [])
    codes = tuple((v, meanings[i] if i < len(meanings) else None, labels[i] if i < len(labels) else None)
                  for i, v in enumerate(values))
    return CodeTable(name, where, codes, schema.get("x-enum-other"), schema.get("title"),
                     tuple(_entries(schema.get("x-doc"))))


def _add_row(facts: SpecFacts, row: RowFact) -> None:
    facts.rows.setdefault(row.key, []).append(row)
    facts.subjects.setdefault(row.where, []).append(("row", *row.key))


# ----------------------------------------------------------------------------- comparison


@dataclass(frozen=True)
class Fact:
    """One comparable value and the spec node that states it."""
    value: Any
    where: Location | None


def comparable(facts: SpecFacts, pages: Iterable[str] | None = None) -> dict[FactKey, Fact]:
    """Flat ``key -> Fact`` for the given pages (all when None). A key is a subject
    (``("row", page, table, row)``, ``("table", page, table, "code", value)``, ...) plus one
    attribute; two projections agree when their dicts are equal value for value."""
    wanted = set(facts.pages) | set(facts.operations) if pages is None else set(pages)
    out: dict[FactKey, Fact] = {}

    def put(key: FactKey, value: Any, where: Location | None) -> None:
        out.setdefault(key, Fact(value, where))

    for page in sorted(wanted & set(facts.pages)):
        meta = facts.pages[page]
        where = Location(facts.page_files.get(page, ""), join_pointer("/x-doc-pages", page))
        put(("page", page, "title"), norm(meta.get("title")), where)
        put(("page", page, "updated"), str(meta.get("updated")), where)
    for page, op in sorted(facts.operations.items()):
        if page in wanted:
            _operation_facts(op, put)
    for key, rows in sorted(facts.rows.items()):
        if key[0] in wanted:
            for row in rows:
                _row_facts(row, put)
    for (page, table), tables in sorted(facts.code_tables.items()):
        if page in wanted:
            for code_table in tables:
                _code_facts(("table", page, table), code_table, put)
    for (page, kind), example in sorted(facts.examples.items()):
        if page in wanted:
            put(("example", page, kind, "verbatim"), example.verbatim, example.where)
            put(("example", page, kind, "value"), example.value, example.where)
    for eid, (record, where) in sorted(facts.errata.items()):
        if record.get("page") in wanted:
            for attr in ("page", "table", "kind", "doc", "observed", "action", "client"):
                put(("erratum", eid, attr), norm(record.get(attr)) if record.get(attr) is not None else None,
                    where)
            put(("erratum", eid, "targets"), facts.target_subjects(record, where.file), where)
    return out


def _operation_facts(op: OperationFact, put: Any) -> None:
    subject = ("operation", op.page)
    put((*subject, "method"), op.method.upper(), op.where)
    put((*subject, "path"), op.path, op.where)
    put((*subject, "statuses"), tuple(sorted(op.statuses)), op.where)
    for status, description in op.statuses.items():
        # A 2xx response's description is a heading the page never words; error statuses
        # carry the page's sentence.
        if not status.startswith("2"):
            put(("status", op.page, status, "description"), norm(description),
                Location(op.where.file, join_pointer(op.where.pointer, "responses", status)))
    for name, value in op.fixed_headers.items():
        put(("header", op.page, name, "value"), value,
            Location(op.where.file, join_pointer(op.where.pointer, "x-request-headers", name)))


def _row_facts(row: RowFact, put: Any) -> None:
    subject = ("row", *row.key)
    put((*subject, "name"), row.name, row.where)
    for attr in ("type", "mandatory", "length"):
        value = row.x_doc.get(attr)
        put((*subject, f"page {attr}"), norm(value) if value is not None else None, row.where)
    put((*subject, "types"), tuple(sorted(row.types)), row.where)
    put((*subject, "required"), row.required, row.where)
    for keyword, values in row.limits.items():
        put((*subject, keyword), values, row.where)
    put((*subject, "description"), norm(row.description), row.where)
    if row.codes is not None:
        _code_facts(subject, row.codes, put)


def _code_facts(subject: FactKey, table: CodeTable, put: Any) -> None:
    put((*subject, "other codes"), norm(table.other) if table.other else None, table.where)
    for i, (value, meaning, label) in enumerate(table.codes):
        where = Location(table.where.file, join_pointer(table.where.pointer, "enum", i))
        put((*subject, "code", value, "meaning"), norm(meaning), where)
        put((*subject, "code", value, "label"), norm(label) if label else None, where)


def subjects_of(flat: Mapping[FactKey, Fact]) -> dict[FactKey, dict[str, Fact]]:
    """Group flat facts by subject (the key without its attribute)."""
    grouped: dict[FactKey, dict[str, Fact]] = {}
    for key, fact in flat.items():
        grouped.setdefault(key[:-1], {})[key[-1]] = fact
    return grouped


def iter_rows(facts: SpecFacts, page: str) -> Iterator[RowFact]:
    for key, rows in facts.rows.items():
        if key[0] == page:
            yield from rows

