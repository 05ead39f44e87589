"""Spec set -> IR. The only place that interprets specs.

Decisions live here, so templates stay a matter of layout:
- which Python type a schema becomes, with its msgspec constraints;
- request enums closed, response codes open (kept when unknown, described when known);
- names: safe, unique identifiers for classes, attributes, kwargs and methods;
- what each x- extension means for the client (docs/spec-conventions.md).

Problems are findings with the spec location; anything the generator cannot express
degrades to a working default with a warning, or stops with an error that names it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Literal

from . import ir
from .diagnostics import AiccgenError, Finding, error, join_pointer, split_pointer, warning
from .ir import SpecText
from .naming import (
    attribute_name,
    class_name,
    constant_name,
    dedupe,
    pascal_case,
    safe_identifier,
    snake_case,
    unique_member_names,
)
from .specset import HTTP_METHODS, SpecSet, iter_operations

#: Names the generated modules import or define; generated classes must not shadow them.
_RESERVED_CLASSES = frozenset({
    "Annotated", "Any", "ClassVar", "Literal", "Mapping", "Iterator", "AsyncIterator", "Meta", "Model",
    "Operation", "CodeSelector", "CodeInfo", "BusinessRule", "Pagination", "Rule", "ServerTemplate",
    "TokenSource", "SyncAPIClient", "AsyncAPIClient", "BearerTokenAuth", "StaticBearerAuth", "SignerAuth",
    "ApiKeyAuth", "Signer", "IntCodeEnum", "StrCodeEnum", "httpx", "codes", "datetime", "None", "True", "False",
})
#: Attributes every generated model already has.
_RESERVED_ATTRS = frozenset({"code_info"})
#: Keyword arguments every generated method already takes.
_RESERVED_KWARGS = frozenset({"extra_headers", "timeout", "page_size", "self"})
_RESERVED_MODULES = frozenset({"codes", "_runtime", "tests", "py"})
_JSON_MEDIA = re.compile(r"^application/([\w.+-]*\+)?json\s*(;.*)?$", re.I)

#: Property names msgspec refuses to rename to (its documented limitation).
_UNMAPPABLE = re.compile(r'[\\"\x00-\x1f]')

_PY_BASE: dict[str, ir.BaseType] = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}


#: One SpecText per distinct text while `build_api` runs (emptied after it). A SpecText is
#: a copy of the spec's string, and the IR repeats texts: every field of a table names the
#: same page and section in its provenance, and a description or meaning recurs in each
#: model that uses it. On the bundled specs 1,884 texts are 738 distinct ones; at 1000
#: synthetic operations the copies were 38 of the IR's 66 MiB (docs/performance.md).
_TEXTS: dict[str, SpecText] = {}


def spec(text: Any) -> SpecText:
    plain = "" if text is None else str(text)
    shared = _TEXTS.get(plain)
    if shared is None:
        shared = _TEXTS[plain] = SpecText(plain)
    return shared


@dataclass
class _TypeInfo:
    annotation: str
    base_types: tuple[ir.BaseType, ...]
    plain: str = ""  # the annotation without constraints (keyword arguments)
    constraints: tuple[ir.Constraint, ...] = ()
    codes: ir.CodeRef | None = None
    enum: ir.CodeTable | None = None
    model: str | None = None
    is_list: bool = False
    nullable: bool = False
    lax: bool = False


@dataclass
class _Context:
    """Where a schema is being turned into a type: for names and findings."""

    family: str
    direction: ir.Direction
    hint: str  # class-name hint for inline schemas
    operation_id: str = ""
    wire_path: str = ""


@dataclass
class Builder:
    spec_set: SpecSet
    findings: list[Finding] = field(default_factory=list)
    _tables: dict[str, ir.CodeTable] = field(default_factory=dict)
    _table_uses: dict[str, list[ir.CodeUse]] = field(default_factory=dict)
    _class_names: set[str] = field(default_factory=set)
    _models: dict[str, ir.Model] = field(default_factory=dict)  # key -> model
    _models_named: dict[str, ir.Model] = field(default_factory=dict)  # class name -> first model
    _model_family: dict[str, str] = field(default_factory=dict)  # class name -> family module
    _family_models: dict[str, list[str]] = field(default_factory=dict)  # family -> model keys in order
    _building: set[str] = field(default_factory=set)
    _pending_names: dict[str, str] = field(default_factory=dict)
    #: schema key -> directions it is reachable from; a schema used by requests and
    #: responses that holds code tables needs two classes (closed in, open out).
    _directions: dict[str, set[str]] = field(default_factory=dict)
    _errata_targets: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    _errata: list[ir.Erratum] = field(default_factory=list)

    # -- entry -----------------------------------------------------------------------
    def build(self) -> ir.API:
        docs = list(self.spec_set.documents())
        for doc in docs:
            self._collect_errata(doc.path, doc.data)
            for op_ptr, _url, _method, op in iter_operations(doc.data):
                self._mark_directions(doc.path, op_ptr + "/requestBody", op.get("requestBody"), "request")
                self._mark_directions(doc.path, op_ptr + "/parameters", op.get("parameters"), "request")
                self._mark_directions(doc.path, op_ptr + "/responses", op.get("responses"), "response")
        families = []
        module_names: list[str] = []
        for doc in docs:
            if not isinstance(doc.data, dict) or not any(True for _ in iter_operations(doc.data)):
                continue
            families.append(self._family(doc.path, doc.data, module_names))
        for doc in docs:  # code tables nobody references still belong in the docs
            for name, schema in ((doc.data.get("components") or {}).get("schemas") or {}).items():
                if isinstance(schema, dict) and "enum" in schema:
                    self._code_table(doc.path, join_pointer("/components/schemas", name), schema, name)
        # A table's uses are known only now. They are set on the table objects the fields
        # already hold: rebuilding every frozen object that reaches a table (the way this
        # was done before) held two copies of the IR at once, +30 MiB at 1000 operations.
        for t in self._tables.values():
            object.__setattr__(t, "uses", tuple(self._table_uses.get(t.key, ())))
        tables = tuple(self._tables.values())
        settings = self.spec_set.settings
        title = spec(next((d.data.get("info", {}).get("title") for d in docs if isinstance(d.data, dict)), "API"))
        pages, notes = self._pages_and_notes(docs)
        return ir.API(
            package=settings.package,
            distribution=settings.distribution,
            version=settings.version,
            title=title,
            families=tuple(families),
            code_tables=tables,
            errata=tuple(self._errata),
            pages=pages,
            notes=notes,
            spec_files=tuple(Path(d.path).name for d in docs),
        )

    def _error(self, rule: str, message: str, path: str, pointer: str) -> None:
        self.findings.append(error(rule, message, path, pointer))

    def _warn(self, rule: str, message: str, path: str, pointer: str) -> None:
        self.findings.append(warning(rule, message, path, pointer))

    # -- provenance and errata ---------------------------------------------------------
    def _collect_errata(self, path: str, data: Any) -> None:
        if not isinstance(data, dict):
            return
        for entry in data.get("x-errata") or []:
            if not isinstance(entry, dict):
                continue
            targets = tuple(spec(t) for t in entry.get("targets") or [])
            self._errata.append(ir.Erratum(
                id=spec(entry.get("id")), page=spec(entry.get("page")),
                table=spec(entry["table"]) if entry.get("table") is not None else None,
                kind=spec(entry.get("kind")), targets=targets, doc=spec(entry.get("doc")),
                observed=spec(entry.get("observed")), action=spec(entry.get("action")),
                client=spec(entry.get("client")), file=Path(path).name,
            ))
            for target in targets:
                file_part, _, pointer = target.rpartition("#") if "#" in target else ("", "", target)
                tpath = str((Path(path).parent / file_part).resolve()) if file_part else path
                self._errata_targets.setdefault((tpath, pointer), []).append(str(entry.get("id")))

    def _errata_for(self, path: str, pointer: str) -> tuple[str, ...]:
        return tuple(self._errata_targets.get((path, pointer), ()))

    def _pages_and_notes(self, docs: list[Any]) -> tuple[tuple[ir.Page, ...], tuple[ir.Note, ...]]:
        pages: dict[str, ir.Page] = {}
        notes: list[ir.Note] = []
        for doc in docs:
            data = doc.data if isinstance(doc.data, dict) else {}
            for key, page in (data.get("x-doc-pages") or {}).items():
                if isinstance(page, dict):
                    pages.setdefault(key, ir.Page(
                        key=spec(key), title=spec(page.get("title")),
                        updated=spec(page["updated"]) if page.get("updated") else None,
                        file=spec(page["file"]) if page.get("file") else None,
                        url=spec(page["url"]) if page.get("url") else None,
                    ))
            for note in data.get("x-doc-notes") or []:
                if isinstance(note, dict):
                    notes.append(ir.Note(page=spec(note.get("page")),
                                         table=spec(note["table"]) if note.get("table") is not None else None,
                                         note=spec(note.get("note"))))
        return tuple(pages.values()), tuple(notes)

    def _provenance(self, path: str, pointer: str, node: Any, parent: dict[str, Any] | None = None) -> ir.Provenance:
        x_doc = node.get("x-doc") if isinstance(node, dict) else None
        entry = x_doc if isinstance(x_doc, dict) else (x_doc[0] if isinstance(x_doc, list) and x_doc else {})
        base = parent or {}
        page = entry.get("page", base.get("page"))
        table = entry.get("table", base.get("table"))
        pages = (self.spec_set.doc(path).data or {}).get("x-doc-pages") or {}
        page_info = pages.get(page) if isinstance(pages, dict) else None
        return ir.Provenance(
            file=Path(path).name, pointer=pointer,
            page=spec(page) if page is not None else None,
            page_title=spec(page_info.get("title")) if isinstance(page_info, dict) else None,
            updated=spec(page_info.get("updated")) if isinstance(page_info, dict) and page_info.get("updated") else None,
            table=spec(table) if table is not None else None,
            row=spec(entry["row"]) if entry.get("row") is not None else None,
            doc_type=spec(entry["type"]) if entry.get("type") is not None else None,
            mandatory=spec(entry["mandatory"]) if entry.get("mandatory") is not None else None,
        )

    # -- names -----------------------------------------------------------------------
    def _class(self, hint: str) -> str:
        name = safe_identifier(class_name(hint), fallback="Model", reserved=_RESERVED_CLASSES)
        candidate, n = name, 1
        while candidate in self._class_names:
            n += 1
            candidate = f"{name}{n}"
        self._class_names.add(candidate)
        return candidate

    # -- code tables -----------------------------------------------------------------
    def _code_table(self, path: str, pointer: str, schema: dict[str, Any], hint: str) -> ir.CodeTable | None:
        key = f"{path}#{pointer}"
        if key in self._tables:
            return self._tables[key]
        values = [v for v in schema.get("enum") or [] if v is not None]
        if not values:
            return None
        if all(isinstance(v, bool) for v in values) or not all(isinstance(v, (int, str)) and not isinstance(v, bool)
                                                              for v in values):
            self._warn("unsupported", "enum of other than integers or strings: typed by its base type, not a code table",
                       path, pointer)
            return None
        kinds = {type(v) for v in values}
        if len(kinds) > 1:
            self._warn("unsupported", "enum mixing integers and strings: read as strings", path, pointer)
            values = [str(v) for v in values]
        kind: Literal["int", "str"] = "int" if isinstance(values[0], int) else "str"
        names = schema.get("x-enum-varnames")
        if not (isinstance(names, list) and len(names) == len(values) and all(isinstance(n, str) for n in names)):
            names = [constant_name(str(v)) for v in values]
        names = dedupe([safe_identifier(constant_name(n), fallback="VALUE") for n in names])
        names = [n if not n.startswith("_") else f"VALUE{n}" for n in names]
        meanings = schema.get("x-enum-descriptions")
        if not (isinstance(meanings, list) and len(meanings) == len(values)):
            meanings = [""] * len(values)
        labels = schema.get("x-enum-labels")
        if not (isinstance(labels, list) and len(labels) == len(values)):
            labels = [None] * len(values)
        entries = tuple(
            ir.CodeEntry(value=v if isinstance(v, int) else spec(v), name=n, meaning=spec(m),
                         label=spec(label) if label is not None else None)
            for v, n, m, label in zip(values, unique_member_names(values, names), meanings, labels)
        )
        x_doc = schema.get("x-doc")
        provenance = tuple(
            self._provenance(path, pointer, {"x-doc": e}) for e in (x_doc if isinstance(x_doc, list) else [x_doc or {}])
        )
        component = pointer.rsplit("/", 1)[-1] if pointer.startswith("/components/schemas/") else hint
        table = ir.CodeTable(
            key=key, class_name=self._class(component), title=spec(schema.get("title") or component),
            description=spec(schema.get("description")), kind=kind, entries=entries,
            other=spec(schema["x-enum-other"]) if schema.get("x-enum-other") else None,
            provenance=provenance, errata=self._errata_for(path, pointer),
        )
        self._tables[key] = table
        return table

    def _use(self, table: ir.CodeTable, ctx: _Context, closed: bool) -> None:
        use = ir.CodeUse(operation_id=ctx.operation_id, family=ctx.family, field_path=spec(ctx.wire_path),
                         direction=ctx.direction, closed=closed)
        uses = self._table_uses.setdefault(table.key, [])
        if use not in uses:
            uses.append(use)

    # -- types -----------------------------------------------------------------------
    def _deref(self, path: str, pointer: str, node: Any) -> tuple[str, str, Any]:
        try:
            tpath, tptr, target = self.spec_set.deref(path, node)
        except AiccgenError as exc:
            for f in exc.findings:
                self._error(f.rule, f.message, path, pointer)
            return path, pointer, {}
        return tpath, tptr if tptr is not None else pointer, target

    def type_of(self, path: str, pointer: str, schema: Any, ctx: _Context) -> _TypeInfo:
        info = self._type_of(path, pointer, schema, ctx)
        if not info.plain:
            info.plain = info.annotation
        return info

    def _type_of(self, path: str, pointer: str, schema: Any, ctx: _Context) -> _TypeInfo:
        if not isinstance(schema, dict):
            return _TypeInfo("Any", ("any",))
        if "$ref" in schema:
            tpath, tptr, target = self._deref(path, pointer, schema)
            hint = tptr.rsplit("/", 1)[-1] if tptr.startswith("/components/schemas/") else ctx.hint
            return self.type_of(tpath, tptr, target, _Context(ctx.family, ctx.direction, hint, ctx.operation_id,
                                                              ctx.wire_path))
        if "enum" in schema:
            return self._enum_type(path, pointer, schema, ctx)
        if "const" in schema and isinstance(schema["const"], (str, int)) and not isinstance(schema["const"], bool):
            literal = _py_literal(schema["const"])
            return _TypeInfo(f"Literal[{literal}]", (_base_of(schema["const"]),), plain=f"Literal[{literal}]")
        for key in ("anyOf", "oneOf"):
            if isinstance(schema.get(key), list):
                return self._any_of(path, pointer, schema, key, ctx)
        if isinstance(schema.get("allOf"), list):
            return self._all_of(path, pointer, schema, ctx)
        types = schema.get("type")
        type_list = types if isinstance(types, list) else [types] if types else []
        nullable = "null" in type_list or schema.get("nullable") is True
        type_list = [t for t in type_list if t != "null"]
        if not type_list:
            if "properties" in schema or "additionalProperties" in schema:
                type_list = ["object"]
            elif "items" in schema:
                type_list = ["array"]
            else:
                return _TypeInfo("Any", ("any",), nullable=nullable)
        parts = [self._single_type(path, pointer, schema, t, ctx) for t in type_list]
        if len(parts) == 1:
            part = parts[0]
            part.nullable = part.nullable or nullable
            return part
        scalars = [p for p in parts if p.base_types[0] in ("str", "int", "float", "bool")]
        if len(scalars) != len(parts):
            self._warn("unsupported", f"type {type_list} mixes containers and scalars: typed Any", path, pointer)
            return _TypeInfo("Any", ("any",), nullable=nullable)
        return _TypeInfo(
            " | ".join(p.annotation for p in parts),
            tuple(b for p in parts for b in p.base_types),
            plain=" | ".join(p.plain for p in parts),
            constraints=tuple(c for p in parts for c in p.constraints),
            nullable=nullable,
            lax=bool(self._errata_for(path, pointer)) or len(parts) > 1,
        )

    def _single_type(self, path: str, pointer: str, schema: dict[str, Any], type_name: str, ctx: _Context) -> _TypeInfo:
        if type_name in _PY_BASE:
            return _scalar(path, pointer, schema, type_name, self)
        if type_name == "array":
            item_ptr = pointer + "/items"
            item_ctx = _Context(ctx.family, ctx.direction, ctx.hint + "Item", ctx.operation_id, ctx.wire_path + "[]")
            item = self.type_of(path, item_ptr, schema.get("items", {}), item_ctx)
            inner = item.annotation + (" | None" if item.nullable else "")
            meta = _meta({"min_length": schema.get("minItems"), "max_length": schema.get("maxItems")})
            annotation = f"list[{inner}]"
            constraints = tuple(
                ir.Constraint(k, schema[k], "list") for k in ("minItems", "maxItems") if isinstance(schema.get(k), int)
            )
            return _TypeInfo(
                f"Annotated[{annotation}, Meta({meta})]" if meta else annotation, ("list",),
                plain=f"list[{item.plain}{' | None' if item.nullable else ''}]",
                constraints=constraints + item.constraints, codes=item.codes, enum=item.enum,
                model=item.model, is_list=True,
            )
        if type_name == "object":
            if isinstance(schema.get("properties"), dict) and schema["properties"]:
                model = self.model(path, pointer, schema, ctx)
                return _TypeInfo(model.class_name, ("model",), plain=model.class_name, model=model.class_name)
            extra = schema.get("additionalProperties")
            if isinstance(extra, dict) and extra:
                value = self.type_of(path, pointer + "/additionalProperties", extra,
                                     _Context(ctx.family, ctx.direction, ctx.hint + "Value", ctx.operation_id,
                                              ctx.wire_path + "{}"))
                inner = value.annotation + (" | None" if value.nullable else "")
                plain = value.plain + (" | None" if value.nullable else "")
                return _TypeInfo(f"dict[str, {inner}]", ("dict",), plain=f"dict[str, {plain}]", model=value.model)
            return _TypeInfo("dict[str, Any]", ("dict",), plain="dict[str, Any]")
        self._warn("unsupported", f"unknown type {type_name!r}: typed Any", path, pointer)
        return _TypeInfo("Any", ("any",))

    def _enum_type(self, path: str, pointer: str, schema: dict[str, Any], ctx: _Context) -> _TypeInfo:
        table = self._code_table(path, pointer, schema, ctx.hint)
        nullable = None in (schema.get("enum") or []) or schema.get("nullable") is True
        if table is None:
            base = dict(schema)
            base.pop("enum")
            return self.type_of(path, pointer, base, ctx)
        wire_type: Literal["int", "str"] = "int" if table.kind == "int" else "str"
        if ctx.direction in ("request", "params"):
            self._use(table, ctx, closed=True)
            literals = ", ".join(_py_literal(e.value) for e in table.entries)
            return _TypeInfo(f"codes.{table.class_name}", ("enum",), enum=table, nullable=nullable,
                             plain=f"codes.{table.class_name} | Literal[{literals}]",
                             constraints=(ir.Constraint("enum", tuple(e.value for e in table.entries), "enum"),))
        self._use(table, ctx, closed=False)
        return _TypeInfo(wire_type, (wire_type,), plain=wire_type, codes=ir.CodeRef((table,)), nullable=nullable)

    def _any_of(self, path: str, pointer: str, schema: dict[str, Any], key: str, ctx: _Context) -> _TypeInfo:
        branches = []
        for i, sub in enumerate(schema[key]):
            bptr = join_pointer(pointer, key, i)
            tpath, tptr, target = self._deref(path, bptr, sub) if isinstance(sub, dict) and "$ref" in sub else (path, bptr, sub)
            branches.append((tpath, tptr, target))
        nullable = any(isinstance(b[2], dict) and b[2].get("type") == "null" for b in branches)
        branches = [b for b in branches if not (isinstance(b[2], dict) and b[2].get("type") == "null")]
        tables = [b for b in branches if isinstance(b[2], dict) and "enum" in b[2]]
        others = [b for b in branches if b not in tables]
        if tables and others and all(_is_scalar(b[2]) for b in others):
            # The open code table: known codes described, any other value of the base type kept.
            ir_tables = []
            for tpath, tptr, target in tables:
                hint = tptr.rsplit("/", 1)[-1] if tptr.startswith("/components/schemas/") else ctx.hint
                table = self._code_table(tpath, tptr, target, hint)
                if table is not None:
                    self._use(table, ctx, closed=False)
                    ir_tables.append(table)
            parts = [self.type_of(tpath, tptr, target, ctx) for tpath, tptr, target in others]
            annotation = " | ".join(dict.fromkeys(p.annotation for p in parts))
            return _TypeInfo(
                annotation, tuple(b for p in parts for b in p.base_types),
                plain=" | ".join(dict.fromkeys(p.plain for p in parts)),
                constraints=tuple(c for p in parts for c in p.constraints),
                codes=ir.CodeRef(tuple(ir_tables)) if ir_tables else None,
                nullable=nullable, lax=any(p.lax for p in parts),
            )
        if len(branches) == 1:
            info = self.type_of(*branches[0], ctx)
            info.nullable = info.nullable or nullable
            return info
        if branches and all(_is_scalar(b[2]) for b in branches):
            parts = [self.type_of(tpath, tptr, target, ctx) for tpath, tptr, target in branches]
            return _TypeInfo(" | ".join(dict.fromkeys(p.annotation for p in parts)),
                             tuple(b for p in parts for b in p.base_types),
                             plain=" | ".join(dict.fromkeys(p.plain for p in parts)),
                             constraints=tuple(c for p in parts for c in p.constraints), nullable=nullable)
        self._warn("unsupported", f"{key} of objects cannot be decoded into one type: this field is typed Any",
                   path, pointer)
        return _TypeInfo("Any", ("any",), nullable=nullable)

    def _all_of(self, path: str, pointer: str, schema: dict[str, Any], ctx: _Context) -> _TypeInfo:
        parts = []
        for i, sub in enumerate(schema["allOf"]):
            bptr = join_pointer(pointer, "allOf", i)
            parts.append(self._deref(path, bptr, sub) if isinstance(sub, dict) and "$ref" in sub else (path, bptr, sub))
        objects = [p for p in parts if isinstance(p[2], dict) and ("properties" in p[2] or p[2].get("type") == "object")]
        if len(parts) == 1 and not schema.get("properties"):
            return self.type_of(*parts[0], ctx)
        if len(objects) == len(parts):
            merged: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
            for _tpath, _tptr, target in parts + [(path, pointer, schema)]:
                merged["properties"].update(target.get("properties") or {})
                merged["required"] += [r for r in target.get("required") or [] if r not in merged["required"]]
            merged["description"] = schema.get("description") or next(
                (t.get("description") for _p, _q, t in parts if t.get("description")), None)
            merged["x-aiccgen-sources"] = [(p[0], p[1]) for p in parts]
            model = self.model(path, pointer, merged, ctx)
            return _TypeInfo(model.class_name, ("model",), plain=model.class_name, model=model.class_name)
        self._warn("unsupported", "allOf of non-object schemas: typed Any", path, pointer)
        return _TypeInfo("Any", ("any",))

    # -- models ----------------------------------------------------------------------
    def model(self, path: str, pointer: str, schema: dict[str, Any], ctx: _Context) -> ir.Model:
        base_key = f"{path}#{pointer}"
        variant = self._variant(base_key, schema, ctx.direction)
        key = f"{base_key}#{variant}" if variant else base_key
        if key in self._models:
            return self._models[key]
        if key in self._building:
            # A recursive schema: refer to the class by name; msgspec resolves it lazily.
            return ir.Model(key=key, class_name=self._pending_names[key], description=spec(""), direction=ctx.direction,
                            fields=(), provenance=ir.Provenance(Path(path).name, pointer))
        self._building.add(key)
        hint = pointer.rsplit("/", 1)[-1] if pointer.startswith("/components/schemas/") else ctx.hint
        name = self._class(hint + ("Input" if variant == "request" else ""))
        self._pending_names[key] = name
        required = set(schema.get("required") or [])
        wires = list((schema.get("properties") or {}).keys())
        names = dedupe([safe_identifier(attribute_name(w), reserved=_attr_reserved()) for w in wires])
        fields = []
        provenance = self._provenance(path, pointer, schema)
        x_doc = schema.get("x-doc")
        base_doc: dict[str, Any] = x_doc if isinstance(x_doc, dict) else {}
        for wire, attr in zip(wires, names):
            sub = schema["properties"][wire]
            sub_ptr = join_pointer(pointer, "properties", wire)
            if _UNMAPPABLE.search(wire):
                self._error("unsupported", f"property name {wire!r} holds a backslash, a double quote or a control "
                            "character, which the client's decoder (msgspec) cannot map to an attribute", path, sub_ptr)
            sub_ctx = _Context(ctx.family, ctx.direction, name + pascal_case(wire), ctx.operation_id,
                               f"{ctx.wire_path}.{wire}" if ctx.wire_path else wire)
            fields.append(self._field(path, sub_ptr, sub, attr, wire, wire in required, sub_ctx, base_doc))
        self._building.discard(key)
        fields = self._selectors(path, pointer, schema, fields)
        fields = _with_info_properties(fields)
        description = spec(schema.get("description") or schema.get("title"))
        model = ir.Model(
            key=key, class_name=name, description=description,
            direction=ctx.direction, fields=tuple(fields), provenance=provenance,
            rules=self._rules(path, pointer, schema, wires),
            doc=_model_doc(description, provenance, fields, ctx.direction),
        )
        self._models[key] = model
        self._models_named.setdefault(name, model)
        self._model_family[name] = ctx.family
        self._family_models.setdefault(ctx.family, []).append(key)
        return model

    def _variant(self, key: str, schema: dict[str, Any], direction: str) -> str | None:
        """'request' or 'response' when this schema needs a class per direction, else None."""
        used = self._directions.get(key, set())
        if {"request", "response"} <= used and self._holds_enum(key, schema):
            return "request" if direction in ("request", "params") else "response"
        return None

    def _holds_enum(self, key: str, schema: Any, seen: set[str] | None = None) -> bool:
        seen = seen if seen is not None else set()
        if key in seen:
            return False
        seen.add(key)
        path = key.split("#", 1)[0]
        stack = [schema]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                if "enum" in node:
                    return True
                if isinstance(node.get("$ref"), str):
                    tpath, tptr, target = self._deref(path, "", node)
                    if self._holds_enum(f"{tpath}#{tptr}", target, seen):
                        return True
                stack.extend(v for k, v in node.items() if not k.startswith("x-") and isinstance(v, (dict, list)))
            elif isinstance(node, list):
                stack.extend(node)
        return False

    def _mark_directions(self, path: str, pointer: str, schema: Any, direction: str) -> None:
        """Record which directions reach each schema (following references)."""
        stack = [(path, pointer, schema)]
        while stack:
            spath, sptr, node = stack.pop()
            if isinstance(node, list):
                stack.extend((spath, join_pointer(sptr, i), n) for i, n in enumerate(node))
                continue
            if not isinstance(node, dict):
                continue
            if isinstance(node.get("$ref"), str):
                try:
                    tpath, tptr, target = self.spec_set.deref(spath, node)
                except AiccgenError:
                    continue
                tkey = f"{tpath}#{tptr}"
                if direction in self._directions.setdefault(tkey, set()):
                    continue
                self._directions[tkey].add(direction)
                stack.append((tpath, tptr or "", target))
                continue
            self._directions.setdefault(f"{spath}#{sptr}", set()).add(direction)
            for k, v in node.items():
                if not k.startswith("x-") and isinstance(v, (dict, list)):
                    stack.append((spath, join_pointer(sptr, k), v))

    def _selectors(self, path: str, pointer: str, schema: dict[str, Any], fields: list[ir.Field]) -> list[ir.Field]:
        """x-select-code-table: choose a field's code table by the value of another field."""
        rules = schema.get("x-select-code-table")
        if not isinstance(rules, dict):
            return fields
        by_wire: dict[str, ir.Field] = {f.wire: f for f in fields}
        out = []
        for f in fields:
            rule = rules.get(f.wire)
            if rule is None or f.codes is None:
                out.append(f)
                continue
            rptr = join_pointer(pointer, "x-select-code-table", f.wire)
            selector = rule.get("field") if isinstance(rule, dict) else None
            other = by_wire.get(selector) if isinstance(selector, str) else None
            if other is None:
                self._error("x-select-code-table", f"selector field {rule!r} is not a field of this schema", path, rptr)
                out.append(f)
                continue
            when = []
            for value, table_name in (rule.get("cases") or {}).items():
                table = next((t for t in f.codes.tables if t.key.rsplit("/", 1)[-1] == table_name), None)
                if table is None:
                    self._error("x-select-code-table", f"{table_name!r} is not one of the code tables of {f.wire}",
                                path, join_pointer(rptr, "cases", value))
                    continue
                when.append((other.name, spec(value), table))
            out.append(ir.Field(**{**_fields(f), "codes": ir.CodeRef(f.codes.tables, tuple(when))}))
        for wire in rules:
            if wire not in by_wire:
                self._error("x-select-code-table", f"{wire!r} is not a field of this schema", path,
                            join_pointer(pointer, "x-select-code-table", wire))
        return out

    def _field(self, path: str, pointer: str, schema: Any, attr: str, wire: str, required: bool, ctx: _Context,
               parent_doc: dict[str, Any]) -> ir.Field:
        info = self.type_of(path, pointer, schema, ctx)
        node = schema if isinstance(schema, dict) else {}
        if "$ref" in node and "description" not in node:
            node = {**self._deref(path, pointer, node)[2], **node}
        errata = self._errata_for(path, pointer)
        return ir.Field(
            name=attr, wire=spec(wire), annotation=info.annotation, required=required and not info.nullable,
            description=spec(node.get("description")), constraints=info.constraints, base_types=info.base_types,
            provenance=self._provenance(path, pointer, node, parent_doc), codes=info.codes, enum=info.enum,
            model=info.model, is_list=info.is_list, sensitive=bool(node.get("x-sensitive")),
            lax=info.lax and bool(errata), errata=errata,
            default_doc=spec(json.dumps(node["default"])) if "default" in node else None,
            plain=info.plain,
        )

    def _rules(self, path: str, pointer: str, schema: dict[str, Any], wires: list[str]) -> tuple[ir.RuleIR, ...]:
        rules = []
        for i, rule in enumerate(schema.get("x-rules") or []):
            ptr = join_pointer(pointer, "x-rules", i)
            if not isinstance(rule, dict) or rule.get("kind") != "max-interval":
                self._error("x-rules", f"unknown rule {rule!r}: the known kind is max-interval", path, ptr)
                continue
            start, end, limit = rule.get("start"), rule.get("end"), rule.get("max")
            if start not in wires or end not in wires:
                self._error("x-rules", f"max-interval names fields {start!r} and {end!r}; the schema has {wires}", path, ptr)
                continue
            if not isinstance(limit, int) or limit <= 0:
                self._error("x-rules", "max-interval needs a positive integer max", path, ptr)
                continue
            rules.append(ir.RuleIR("max-interval", (spec(start), spec(end)), limit, spec(rule.get("message"))))
        return tuple(rules)

    # -- families and operations --------------------------------------------------------
    def _family(self, path: str, data: dict[str, Any], module_names: list[str]) -> ir.Family:
        info = data.get("info") or {}
        key = snake_case(str(info.get("x-aiccgen-family") or info.get("title") or Path(path).stem)) or "api"
        key = safe_identifier(key, fallback="api", reserved=_RESERVED_MODULES | frozenset(module_names))
        module_names.append(key)
        server_url, variables = self._server(path, data)
        auth = self._auth(path, data, key)
        operations = []
        method_names: set[str] = set()
        for op_ptr, url, method, op in iter_operations(data):
            operations.append(self._operation(path, data, op_ptr, url, method, op, key, auth, method_names))
        models = tuple(self._models[k] for k in self._family_models.get(key, []))
        imports = tuple(sorted({
            (self._model_family[m], m) for model in models for f in model.fields
            for m in _model_names(f) if self._model_family.get(m, key) != key
        } | {
            (self._model_family[m], m) for op in operations for m in _op_models(op)
            if self._model_family.get(m, key) != key
        }))
        return ir.Family(
            key=key, class_name=pascal_case(key) + "Client", async_class_name="Async" + pascal_case(key) + "Client",
            title=spec(info.get("title")), description=spec(info.get("description")), source=Path(path).name,
            server_url=spec(server_url), server_variables=variables, auth=auth, operations=tuple(operations),
            models=_dependency_order(models), imports=imports,
            doc=spec("\n\n".join(x for x in (str(info.get("title") or key), str(info.get("description") or ""),
                                             f"Generated by aiccgen from {Path(path).name}; do not edit.") if x)),
        )

    def _server(self, path: str, data: dict[str, Any]) -> tuple[str, tuple[ir.ServerVariable, ...]]:
        servers = data.get("servers") or []
        if not servers or not isinstance(servers[0], dict):
            return "", ()
        server = servers[0]
        variables = []
        kwargs = dedupe([safe_identifier(attribute_name(n), reserved=_attr_reserved() | _RESERVED_KWARGS)
                         for n in (server.get("variables") or {})])
        for (name, var), kwarg in zip((server.get("variables") or {}).items(), kwargs):
            var = var if isinstance(var, dict) else {}
            variables.append(ir.ServerVariable(
                name=kwarg, wire=spec(name), default=spec(var.get("default")),
                description=spec(var.get("description")), required=bool(var.get("x-required")),
            ))
        return str(server.get("url") or ""), tuple(variables)

    def _auth(self, path: str, data: dict[str, Any], family: str) -> ir.AuthIR:
        requirements = data.get("security")
        schemes = (data.get("components") or {}).get("securitySchemes") or {}
        if not requirements or not isinstance(requirements, list) or not requirements[0]:
            return ir.AuthIR("none", spec(""))
        name = next(iter(requirements[0]))
        scheme_ptr = join_pointer("/components/securitySchemes", name)
        scheme = schemes.get(name)
        if not isinstance(scheme, dict):
            self._error("security", f"security requirement {name!r} has no scheme in components.securitySchemes",
                        path, "/security/0")
            return ir.AuthIR("none", spec(""))
        if "$ref" in scheme:
            path, scheme_ptr, scheme = self._deref(path, scheme_ptr, scheme)
        description = spec(scheme.get("description"))
        kind = scheme.get("type")
        if kind == "http" and str(scheme.get("scheme", "")).lower() == "bearer" and isinstance(scheme.get("x-token-source"), dict):
            return self._token_auth(path, scheme_ptr, scheme, description)
        if scheme.get("x-signer") == "required":
            return ir.AuthIR("signer", description, (ir.Credential("signer", description, True),))
        if kind == "http" and str(scheme.get("scheme", "")).lower() == "bearer":
            return ir.AuthIR("bearer", description, (ir.Credential("token", description, True),))
        if kind == "http" and str(scheme.get("scheme", "")).lower() == "basic":
            return ir.AuthIR("basic", description, (ir.Credential("username", spec(""), False),
                                                    ir.Credential("password", spec(""), True)))
        if kind == "apiKey" and scheme.get("in") in ("header", "query"):
            return ir.AuthIR("api-key", description, (ir.Credential("api_key", description, True),),
                             api_key_name=spec(scheme.get("name")), api_key_location=str(scheme.get("in")))
        self._warn("unsupported", f"security scheme type {kind!r} is not supported: the client takes a bearer token",
                   path, scheme_ptr)
        return ir.AuthIR("bearer", description, (ir.Credential("token", description, True),))

    def _token_auth(self, path: str, scheme_ptr: str, scheme: dict[str, Any], description: SpecText) -> ir.AuthIR:
        src = scheme["x-token-source"]
        src_ptr = scheme_ptr + "/x-token-source"
        spec_file = src.get("spec")
        tpath = str((Path(path).parent / spec_file).resolve()) if spec_file else path
        try:
            tdata = self.spec_set.doc(tpath).data
        except AiccgenError as exc:
            self.findings.extend(exc.findings)
            return ir.AuthIR("bearer", description, (ir.Credential("token", description, True),))
        found = next(((p, u, m, o) for p, u, m, o in iter_operations(tdata) if o.get("operationId") == src.get("operationId")), None)
        if found is None:
            self._error("x-token-source", f"no operation {src.get('operationId')!r} in {spec_file}", path, src_ptr)
            return ir.AuthIR("bearer", description, (ir.Credential("token", description, True),))
        op_ptr, url, _method, op = found
        body_schema = (((op.get("requestBody") or {}).get("content") or {}).get("application/json") or {}).get("schema") or {}
        _bpath, _bptr, body = self._deref(tpath, op_ptr + "/requestBody", body_schema)
        properties = body.get("properties") or {}
        credentials = []
        fields = []
        for cred_name, pointer in (src.get("credentials") or {}).items():
            wire = split_pointer(str(pointer))[-1] if str(pointer).startswith("/") else str(pointer)
            if wire not in properties:
                self._error("x-token-source", f"credential {cred_name!r} maps to {pointer!r}, not a field of the token request",
                            path, src_ptr + "/credentials")
                continue
            prop = properties[wire] if isinstance(properties[wire], dict) else {}
            kwarg = safe_identifier(attribute_name(cred_name), reserved=_RESERVED_KWARGS)
            credentials.append(ir.Credential(kwarg, spec(prop.get("description")), bool(prop.get("x-sensitive"))))
            fields.append((spec(wire), kwarg))
        lifetime = None
        max_lifetime = None
        header = src.get("lifetime-header")
        for param in op.get("parameters") or []:
            _ppath, _pptr, param = self._deref(tpath, op_ptr, param)
            if isinstance(param, dict) and param.get("name") == header:
                pschema = param.get("schema") or {}
                lifetime = pschema.get("default") if isinstance(pschema.get("default"), int) else None
                max_lifetime = pschema.get("maximum") if isinstance(pschema.get("maximum"), int) else None
        return ir.AuthIR(
            "token-source", description, tuple(credentials), token_path=spec(url),
            token_credential_fields=tuple(fields), token_lifetime_header=spec(header) if header else None,
            token_field=spec(_last_token(src.get("token"))), token_expires_field=spec(_last_token(src.get("expires-in")))
            if src.get("expires-in") else None, token_default_lifetime=lifetime, token_max_lifetime=max_lifetime,
        )

    def _operation(self, path: str, data: dict[str, Any], op_ptr: str, url: str, method: str, op: dict[str, Any],
                   family: str, auth: ir.AuthIR, method_names: set[str]) -> ir.Operation:
        op_id = str(op.get("operationId") or f"{method}_{url}")
        base = safe_identifier(snake_case(op_id), fallback="call", reserved=_RESERVED_KWARGS | {"request", "paginate",
                                                                                              "close"})
        method_name = base
        n = 1
        while method_name in method_names:
            n += 1
            method_name = f"{base}_{n}"
        method_names.add(method_name)
        ctx_req = _Context(family, "request", pascal_case(op_id) + "Request", op_id)
        request_model = None
        body_fields: tuple[ir.Field, ...] = ()
        body = op.get("requestBody")
        if isinstance(body, dict) and "$ref" in body:
            _p, _q, body = self._deref(path, op_ptr + "/requestBody", body)
        if isinstance(body, dict) and body.get("content"):
            media, media_obj = next(iter(body["content"].items()))
            json_media = next(((m, o) for m, o in body["content"].items() if _JSON_MEDIA.match(m)), None)
            if json_media is None:
                self._error("unsupported", f"request body media type {media!r} is not supported (only JSON)", path,
                            op_ptr + "/requestBody")
            else:
                schema = (json_media[1] or {}).get("schema") or {}
                bptr = join_pointer(op_ptr, "requestBody", "content", json_media[0], "schema")
                info = self.type_of(path, bptr, schema, ctx_req)
                if info.model is None or info.is_list:
                    self._error("unsupported", "request bodies other than a JSON object are not supported", path, bptr)
                else:
                    request_model = self._models_by_name(info.model)
                    body_fields = request_model.fields if request_model else ()
        params, params_model = self._params(path, op_ptr, op, family, op_id, auth)
        response_model = None
        response_annotation: str | None = None
        statuses = []
        for status, response in (op.get("responses") or {}).items():
            rptr = join_pointer(op_ptr, "responses", status)
            if isinstance(response, dict) and "$ref" in response:
                _p, _q, response = self._deref(path, rptr, response)
            if not isinstance(response, dict):
                continue
            if str(status).startswith("2") and response_annotation is None:
                json_media = next(((m, o) for m, o in (response.get("content") or {}).items() if _JSON_MEDIA.match(m)), None)
                if json_media and isinstance(json_media[1], dict) and "schema" in json_media[1]:
                    ctx_resp = _Context(family, "response", pascal_case(op_id) + "Response", op_id)
                    sptr = join_pointer(rptr, "content", json_media[0], "schema")
                    info = self.type_of(path, sptr, json_media[1]["schema"], ctx_resp)
                    response_annotation = info.annotation + (" | None" if info.nullable else "")
                    if info.model and not info.is_list:
                        response_model = self._models_by_name(info.model)
            elif not str(status).startswith("2"):
                statuses.append(ir.Status(str(status), spec(response.get("description"))))
        # Request kwargs: path/query/header parameters, then body fields, names unique.
        retry_explicit = "x-retry-safe" in op
        retry_safe = bool(op["x-retry-safe"]) if retry_explicit else method in ("get", "head", "put", "delete", "options")
        business = self._business(path, data, op_ptr, op, response_model)
        pagination = self._pagination(path, op_ptr, op, request_model, response_model, method_name)
        fixed = tuple((spec(k), spec(v)) for k, v in (op.get("x-request-headers") or {}).items())
        sensitive = tuple(spec(f.wire) for f in body_fields if f.sensitive)
        provenance = self._provenance(path, op_ptr, op)
        doc, iter_doc = _operation_docs(op_id, op, provenance, retry_safe, business, pagination, response_model)
        return ir.Operation(
            operation_id=spec(op_id), const_name="_" + constant_name(method_name), method_name=method_name,
            http_method=method.upper(), path=spec(url), summary=spec(op.get("summary")),
            description=spec(op.get("description")), family=family, request_model=request_model,
            params_model=params_model, params=params, body_fields=body_fields, response_model=response_model,
            response_annotation=response_annotation,
            retry_safe=retry_safe, retry_explicit=retry_explicit, business=business,
            rules=request_model.rules if request_model else (), fixed_headers=fixed, pagination=pagination,
            sensitive_wire=sensitive, examples=self._examples(path, op_ptr, op), statuses=tuple(statuses),
            provenance=provenance, errata=self._errata_for(path, op_ptr), doc=doc, iter_doc=iter_doc,
        )

    def _models_by_name(self, class_name_: str) -> ir.Model | None:
        return self._models_named.get(class_name_)

    def _params(self, path: str, op_ptr: str, op: dict[str, Any], family: str, op_id: str,
                auth: ir.AuthIR) -> tuple[tuple[ir.Param, ...], ir.Model | None]:
        raw = []
        item_ptr = op_ptr.rsplit("/", 1)[0]
        item = self.spec_set.doc(path).data["paths"][split_pointer(op_ptr)[1]]
        inherited = [(join_pointer(item_ptr, "parameters", i), p) for i, p in enumerate(item.get("parameters") or [])]
        own = [(join_pointer(op_ptr, "parameters", i), p) for i, p in enumerate(op.get("parameters") or [])]
        by_key: dict[tuple[str, str], tuple[str, str, dict[str, Any]]] = {}
        for ptr, param in inherited + own:
            ppath, pptr, resolved = self._deref(path, ptr, param) if isinstance(param, dict) and "$ref" in param else (path, ptr, param)
            if not isinstance(resolved, dict) or resolved.get("in") not in ("path", "query", "header"):
                if isinstance(resolved, dict) and resolved.get("in") == "cookie":
                    self._warn("unsupported", "cookie parameters are not supported: pass them in extra_headers", path, ptr)
                continue
            if resolved["in"] == "header" and str(resolved.get("name", "")).lower() in ("authorization", "content-type", "accept"):
                continue  # OpenAPI: these header parameters are ignored
            by_key[(resolved["in"], str(resolved.get("name")))] = (ppath, pptr, resolved)
        raw = list(by_key.values())
        if not raw:
            return (), None
        properties = {}
        required = []
        for ppath, pptr, param in raw:
            schema = dict(param.get("schema") or {})
            if "description" in param:
                schema.setdefault("description", param["description"])
            if "x-doc" in param:
                schema.setdefault("x-doc", param["x-doc"])
            properties[param["name"]] = schema
            if param.get("required") or param.get("in") == "path":
                required.append(param["name"])
        synthetic = {"type": "object", "properties": properties, "required": required}
        ctx = _Context(family, "params", pascal_case(op_id) + "Params", op_id)
        model = self.model(path, op_ptr + "/parameters", synthetic, ctx)
        credentials = {c.name for c in auth.credentials}
        params = []
        for (ppath, pptr, param), fld in zip(raw, model.fields):
            credential = param.get("x-credential")
            if credential is not None and credential not in credentials:
                self._error("x-credential", f"x-credential {credential!r} is not a credential of this client "
                            f"({', '.join(sorted(credentials)) or 'none'})", ppath, pptr)
                credential = None
            params.append(ir.Param(name=fld.name, wire=spec(param["name"]), location=param["in"], field=fld,
                                   credential=credential))
        return tuple(params), model

    def _business(self, path: str, data: dict[str, Any], op_ptr: str, op: dict[str, Any],
                  response: ir.Model | None) -> ir.BusinessRuleIR | None:
        rule = op.get("x-business-result", data.get("x-business-result"))
        rule_ptr = op_ptr + "/x-business-result" if "x-business-result" in op else "/x-business-result"
        if not isinstance(rule, dict):
            return None
        if response is None:
            self._error("x-business-result", "a business result rule needs a JSON object response", path, op_ptr)
            return None
        code = self._attr_path(response, rule.get("code"))
        if code is None:
            self._error("x-business-result", f"code {rule.get('code')!r} is not a field path of {response.class_name}",
                        path, rule_ptr + "/code")
            return None
        message = self._attr_path(response, rule.get("message")) if rule.get("message") else None
        if rule.get("message") and message is None:
            self._error("x-business-result", f"message {rule.get('message')!r} is not a field path of {response.class_name}",
                        path, rule_ptr + "/message")
        success = rule.get("success")
        if not isinstance(success, list) or not success:
            self._error("x-business-result", "success must list the success codes", path, rule_ptr + "/success")
            return None
        code_field = code[1]
        return ir.BusinessRuleIR(code_path=code[0], code_wire=spec(rule.get("code")),
                                 success=tuple(spec(s) for s in success),
                                 message_path=message[0] if message else None, codes=code_field.codes)

    def _attr_path(self, model: ir.Model, pointer: Any) -> tuple[tuple[str, ...], ir.Field] | None:
        if not isinstance(pointer, str) or not pointer.startswith("/"):
            return None
        attrs = []
        current: ir.Model | None = model
        found: ir.Field | None = None
        for token in split_pointer(pointer):
            if current is None:
                return None
            found = next((f for f in current.fields if f.wire == token), None)
            if found is None:
                return None
            attrs.append(found.name)
            current = self._models_by_name(found.model) if found.model else None
        return (tuple(attrs), found) if found else None

    def _pagination(self, path: str, op_ptr: str, op: dict[str, Any], request: ir.Model | None,
                    response: ir.Model | None, method_name: str) -> ir.PaginationIR | None:
        spec_ = op.get("x-pagination")
        if not isinstance(spec_, dict):
            return None
        ptr = op_ptr + "/x-pagination"
        if request is None or response is None:
            self._error("x-pagination", "pagination needs a JSON request body and a JSON response", path, ptr)
            return None
        wires = {f.wire: f for f in request.fields}
        for key in ("offset", "limit"):
            if spec_.get(key) not in wires:
                self._error("x-pagination", f"{key} {spec_.get(key)!r} is not a field of {request.class_name}", path, ptr + "/" + key)
                return None
        items = self._attr_path(response, spec_.get("items"))
        if items is None or not items[1].is_list:
            self._error("x-pagination", f"items {spec_.get('items')!r} is not a list field of {response.class_name}", path,
                        ptr + "/items")
            return None
        total = self._attr_path(response, spec_.get("total")) if spec_.get("total") else None
        window = spec_.get("window")
        window_wires = None
        max_interval = None
        window_params = None
        if isinstance(window, dict):
            start, end = window.get("start"), window.get("end")
            if start not in wires or end not in wires:
                self._error("x-pagination", f"window fields {start!r}, {end!r} are not fields of {request.class_name}", path,
                            ptr + "/window")
            else:
                window_wires = (spec(start), spec(end))
                window_params = (wires[start].name, wires[end].name)
                max_interval = next((r.limit for r in request.rules if r.fields == window_wires), None)
        limit_field = wires[spec_["limit"]]
        default = spec_.get("default-limit")
        if default is None and limit_field.default_doc is not None:
            try:
                default = int(json.loads(limit_field.default_doc))
            except (ValueError, TypeError):
                default = None
        return ir.PaginationIR(
            offset_field=spec(spec_["offset"]), limit_field=spec(spec_["limit"]), items_path=items[0],
            total_path=total[0] if total else None,
            empty_codes=tuple(spec(c) for c in spec_.get("empty-result-codes") or []),
            window=window_wires, window_params=window_params, max_interval=max_interval,
            as_string="str" in limit_field.base_types, default_limit=default if isinstance(default, int) else None,
            item_model=items[1].model, method_name=f"iter_{method_name}",
        )

    def _examples(self, path: str, op_ptr: str, op: dict[str, Any]) -> tuple[ir.Example, ...]:
        from .specset import iter_examples

        out = []
        data = {"paths": {split_pointer(op_ptr)[1]: {split_pointer(op_ptr)[2]: op}}}
        for ex_ptr, schema_ptr, example in iter_examples(data):
            if "value" not in example:
                continue
            tokens = split_pointer(ex_ptr)
            direction: Literal["request", "response"] = "request" if tokens[3] == "requestBody" else "response"
            status = tokens[4] if direction == "response" else None
            errata = self._errata_for(path, ex_ptr)
            violations: tuple[tuple[SpecText, SpecText], ...] = ()
            if errata:
                from .lint import schema_errors

                try:
                    violations = tuple((spec(w), spec(m)) for w, m in schema_errors(self.spec_set, path, schema_ptr,
                                                                                    example["value"]))
                except Exception:  # reported by lint
                    violations = ()
            out.append(ir.Example(
                name=spec(tokens[-1]), direction=direction, status=status,
                value_json=spec(json.dumps(example["value"], ensure_ascii=False)),
                verbatim=spec(example["x-verbatim"]) if isinstance(example.get("x-verbatim"), str) else None,
                errata=errata, violations=violations,
            ))
        return tuple(out)


# -- docs ------------------------------------------------------------------------------

def _source_line(p: ir.Provenance) -> str:
    parts = []
    if p.page_title:
        parts.append(str(p.page_title))
    if p.table is not None:
        parts.append(f"Table {p.table}")
    if p.row is not None:
        parts.append(f"row {p.row}")
    if p.updated:
        parts.append(f"updated {p.updated}")
    return ", ".join(parts)


def _model_doc(description: str, provenance: ir.Provenance, fields: list[ir.Field], direction: str) -> SpecText:
    blocks = [description or "(not documented)"]
    source = _source_line(provenance)
    if source:
        blocks.append(f"Source: {source}.")
    if fields:
        items = []
        for f in fields:
            wire = f" ({f.wire})" if f.wire != f.name else ""
            text = " ".join(str(f.description).split()) or "(not documented)"
            extra = []
            if f.codes is not None:
                extra.append("codes: " + ", ".join(t.class_name for t in f.codes.tables) + f"; see `{f.info_property}`")
            if f.errata:
                extra.append("erratum " + ", ".join(f.errata))
            if f.sensitive:
                extra.append("secret: hidden in repr")
            items.append(f"- {f.name}{wire}: {text}" + (f" [{'; '.join(extra)}]" if extra else ""))
        blocks.append("Attributes:\n" + "\n".join(items))
    return spec("\n\n".join(blocks))


def _operation_docs(op_id: str, op: dict[str, Any], provenance: ir.Provenance, retry_safe: bool,
                    business: ir.BusinessRuleIR | None, pagination: ir.PaginationIR | None,
                    response: ir.Model | None) -> tuple[SpecText, SpecText]:
    summary = str(op.get("summary") or op_id)
    blocks = [summary.rstrip(".") + f" ({op_id}).", str(op.get("description") or "")]
    source = _source_line(provenance)
    if source:
        blocks.append(f"Source: {source}.")
    if retry_safe:
        blocks.append("Retried on connection errors, 429 and 5xx responses.")
    else:
        blocks.append("Never resent once the request may have reached the server: a failure after "
                      "sending raises RequestOutcomeUnknownError instead.")
    raises = ["RequestValidationError: an argument breaks a documented limit (nothing is sent)."]
    if business is not None:
        raises.append(f"BusinessError: {business.code_wire.lstrip('/')} is not "
                      + " or ".join(repr(str(s)) for s in business.success) + " (HTTP 200 with a failure code).")
    raises.append("APIError: HTTP errors, timeouts, transport errors and undecodable responses.")
    blocks.append("Raises:\n" + "\n".join(f"- {r}" for r in raises))
    doc = spec("\n\n".join(b for b in blocks if b.strip()))
    iter_doc = spec("")
    if pagination is not None:
        lines = [f"Iterate every item of {op_id}, page by page."]
        if pagination.window is not None and pagination.max_interval:
            lines.append(f"A range longer than {pagination.max_interval} ms is split into consecutive windows "
                         "that each respect the documented limit. Start and end may be epoch milliseconds "
                         "(int or str) or timezone-aware datetimes.")
        if pagination.empty_codes:
            lines.append("A window answered with " + ", ".join(repr(str(c)) for c in pagination.empty_codes)
                         + " is empty, not an error.")
        iter_doc = spec("\n\n".join(lines))
    return doc, iter_doc


# -- helpers ---------------------------------------------------------------------------

def _attr_reserved() -> frozenset[str]:
    from .naming import _RESERVED

    return _RESERVED | _RESERVED_ATTRS


def _last_token(pointer: Any) -> str:
    text = str(pointer or "")
    return split_pointer(text)[-1] if text.startswith("/") else text


def _is_scalar(schema: Any) -> bool:
    if not isinstance(schema, dict):
        return False
    types = schema.get("type")
    types = types if isinstance(types, list) else [types]
    return bool(types) and all(t in _PY_BASE or t == "null" for t in types)


def _base_of(value: Any) -> ir.BaseType:
    return "bool" if isinstance(value, bool) else "int" if isinstance(value, int) else "float" if isinstance(value, float) else "str"


def _py_literal(value: Any) -> str:
    """A Python literal for an int or str value (the same quoting black would choose)."""
    from .render import py_str

    return str(value) if isinstance(value, int) and not isinstance(value, bool) else py_str(str(value))


def _meta(kwargs: dict[str, Any]) -> str:
    from .render import py_str

    parts = []
    for key, value in kwargs.items():
        if value is None or isinstance(value, bool):
            continue
        parts.append(f"{key}={py_str(value) if isinstance(value, str) else repr(value)}")
    return ", ".join(parts)


def _scalar(path: str, pointer: str, schema: dict[str, Any], type_name: str, builder: Builder) -> _TypeInfo:
    base = _PY_BASE[type_name]
    kwargs: dict[str, Any] = {}
    constraints: list[ir.Constraint] = []
    applies: Any = base if base in ("str", "int", "float") else "str"
    if base == "str":
        for key, meta_key in (("minLength", "min_length"), ("maxLength", "max_length")):
            if isinstance(schema.get(key), int) and not isinstance(schema.get(key), bool):
                kwargs[meta_key] = schema[key]
                constraints.append(ir.Constraint(key, schema[key], "str"))
        pattern = schema.get("pattern")
        if isinstance(pattern, str):
            try:
                re.compile(pattern)
            except re.error as exc:
                builder._error("pattern", f"pattern {pattern!r} is not a valid regular expression here: {exc}", path,
                               pointer + "/pattern")
            else:
                kwargs["pattern"] = pattern
                constraints.append(ir.Constraint("pattern", spec(pattern), "str"))
    elif base in ("int", "float"):
        number = (int, float)
        for key, meta_key in (("minimum", "ge"), ("maximum", "le"), ("multipleOf", "multiple_of")):
            value = schema.get(key)
            if isinstance(value, number) and not isinstance(value, bool):
                kwargs[meta_key] = value
                constraints.append(ir.Constraint(key, value, applies))
        for key, meta_key, bound in (("exclusiveMinimum", "gt", "minimum"), ("exclusiveMaximum", "lt", "maximum")):
            value = schema.get(key)
            if value is True and isinstance(schema.get(bound), number):  # OpenAPI 3.0 boolean form
                kwargs.pop("ge" if bound == "minimum" else "le", None)
                kwargs[meta_key] = schema[bound]
                constraints = [c for c in constraints if c.keyword != bound]
                constraints.append(ir.Constraint(key, schema[bound], applies))
            elif isinstance(value, number) and not isinstance(value, bool):
                kwargs[meta_key] = value
                constraints.append(ir.Constraint(key, value, applies))
    meta = _meta(kwargs)
    annotation = f"Annotated[{base}, Meta({meta})]" if meta else base
    return _TypeInfo(annotation, (base,), plain=base, constraints=tuple(constraints))


def _with_info_properties(fields: list[ir.Field]) -> list[ir.Field]:
    """Open code fields get a `<name>_info` property; its name must not collide."""
    taken = {f.name for f in fields}
    out = []
    for f in fields:
        if f.codes is None:
            out.append(f)
            continue
        name = f"{f.name}_info"
        while name in taken:
            name += "_"
        taken.add(name)
        out.append(ir.Field(**{**_fields(f), "info_property": name}))
    return out


def _fields(obj: Any) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in obj.__dataclass_fields__}


def _model_names(f: ir.Field) -> Iterable[str]:
    if f.model:
        yield f.model


def _op_models(op: ir.Operation) -> Iterable[str]:
    for model in (op.request_model, op.params_model, op.response_model):
        if model is not None:
            yield model.class_name
    if op.pagination and op.pagination.item_model:
        yield op.pagination.item_model


def _dependency_order(models: tuple[ir.Model, ...]) -> tuple[ir.Model, ...]:
    """Each model after the models its fields use, otherwise in spec order: stable output,
    and classes defined before use (msgspec resolves annotations when first used, but
    readers read top-down)."""
    by_name = {m.class_name: m for m in models}
    done: dict[str, ir.Model] = {}
    visiting: set[str] = set()

    def visit(m: ir.Model) -> None:
        if m.class_name in done or m.class_name in visiting:
            return
        visiting.add(m.class_name)
        for f in m.fields:
            for dep in _model_names(f):
                if dep in by_name:
                    visit(by_name[dep])
        visiting.discard(m.class_name)
        done[m.class_name] = m

    for m in models:
        visit(m)
    return tuple(done.values())


def build_api(spec_set: SpecSet) -> tuple[ir.API, list[Finding]]:
    builder = Builder(spec_set)
    try:
        api = builder.build()
    finally:
        _TEXTS.clear()  # the IR keeps what it uses; a long-lived process keeps nothing more
    return api, builder.findings


__all__ = ["Builder", "build_api", "HTTP_METHODS"]
