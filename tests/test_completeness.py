"""The specs against the vendor pages themselves.

Reads every seed page with `generator.pages` and checks that each documented field, type,
mandatory flag, length limit, range, code value and meaning, example and status is in
`specs/` and agrees with it; a difference is allowed only where an erratum targets it.
The mutation tests prove the check notices what it claims to notice.
"""

from __future__ import annotations

import re
import shutil
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from generator.pages import Page, load_page
from generator.specset import iter_operations, load_spec_set
from generator.yamlio import load_yaml

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
#: Header rows that OpenAPI keeps out of `parameters`: they are security schemes
#: (Authorization) or fixed request headers (Content-Type).
_SCHEME_HEADERS = {"Authorization", "Content-Type"}


def norm(text: str | None) -> str:
    """Compare words, not layout: bullets and line breaks are presentation."""
    lines = [re.sub(r"^\s*[•-]\s+", "", line) for line in (text or "").split("\n")]
    return " ".join(" ".join(lines).split())


def prose(description: str, codes: list[Any]) -> str:
    """A page description without its code lines and "Length limit" lines: those are
    structure in the spec (code tables, maxLength)."""
    values = {c.value for c in codes}
    kept = []
    for line in description.split("\n"):
        stripped = line.strip().lstrip("•-").strip()
        head = stripped.split(":", 1)[0].strip()
        if stripped.startswith("Length limit:") or (":" in stripped and head in values):
            continue
        kept.append(line)
    return norm("\n".join(kept))


@dataclass
class SpecIndex:
    """What the specs say, keyed by (page, table, row) from their x-doc provenance."""

    pages: dict[str, dict[str, Any]] = field(default_factory=dict)  # page key -> x-doc-pages entry + file
    rows: dict[tuple[str, int, str], list[tuple[str, str, dict[str, Any], bool]]] = field(default_factory=dict)
    tables: dict[tuple[str, int], list[dict[str, Any]]] = field(default_factory=dict)
    operations: dict[str, tuple[str, str, dict[str, Any], str]] = field(default_factory=dict)
    erratum_targets: dict[str, set[str]] = field(default_factory=dict)  # pointer -> erratum kinds
    errata: dict[str, dict[str, Any]] = field(default_factory=dict)

    def excused(self, pointer: Any, *kinds: str) -> bool:
        """Only an erratum of a matching kind excuses a difference."""
        return bool(self.erratum_targets.get(pointer, set()) & set(kinds))

    def add_row(self, page: str, table: Any, row: Any, name: str, where: str, node: dict[str, Any], required: bool) -> None:
        self.rows.setdefault((page, int(table), str(row)), []).append((name, where, node, required))


def index_specs(spec_dir: Path) -> SpecIndex:
    spec_set = load_spec_set([str(spec_dir)])
    idx = SpecIndex()
    for doc in spec_set.documents():
        data = doc.data
        name = Path(doc.path).name
        for key, page in (data.get("x-doc-pages") or {}).items():
            idx.pages[key] = page
        for erratum in data.get("x-errata") or []:
            idx.errata[erratum["id"]] = erratum
            for target in erratum.get("targets") or []:
                target = target.split("#")[-1]
                idx.erratum_targets.setdefault(target, set()).add(erratum["kind"])
        for op_ptr, url, method, op in iter_operations(data):
            page = op["x-doc"]["page"]
            idx.operations[page] = (url, method, op, op_ptr)
            body = op.get("requestBody") or {}
            for entry in _entries(body.get("x-doc")):
                idx.add_row(page, entry["table"], entry["row"], "Body", f"{name}{op_ptr}/requestBody", body,
                            bool(body.get("required")))
            params = [spec_set.deref(doc.path, p)[2] for p in op.get("parameters") or []]
            for param in params:
                for entry in _entries(param.get("x-doc")):
                    idx.add_row(entry.get("page", page), entry.get("table", 0), entry["row"], param["name"],
                                f"{name}{op_ptr} parameter {param['name']}", _param_node(param),
                                bool(param.get("required")))
        components = data.get("components") or {}
        for scheme in (components.get("securitySchemes") or {}).values():
            for entry in _entries(scheme.get("x-doc")):
                idx.add_row(entry["page"], entry["table"], entry["row"], "Authorization", f"{name} security scheme",
                            scheme, True)
        for pname, param in (components.get("parameters") or {}).items():
            for entry in _entries(param.get("x-doc")):
                idx.add_row(entry["page"], entry["table"], entry["row"], param["name"], f"{name} parameter {pname}",
                            _param_node(param), bool(param.get("required")))
        for sname, schema in (components.get("schemas") or {}).items():
            ptr = f"/components/schemas/{sname}"
            entries = list(_entries(schema.get("x-doc")))
            for entry in entries:
                if "page" in entry and "table" in entry:
                    idx.tables.setdefault((entry["page"], int(entry["table"])), []).append(
                        dict(schema, __name__=sname, __pointer__=ptr, __file__=doc.path, __entry__=entry))
                if "row" in entry and "type" in entry and "enum" not in schema:  # the schema is itself a row
                    idx.add_row(entry["page"], entry["table"], entry["row"], "Body", f"{name} {ptr}", schema, True)
            base = entries[0] if entries else {}
            required = set(schema.get("required") or [])
            for prop, sub in (schema.get("properties") or {}).items():
                doc_entry = sub.get("x-doc") or {}
                page = doc_entry.get("page", base.get("page"))
                table = doc_entry.get("table", base.get("table", 0))  # table-less pages: 0
                if page is None or "row" not in doc_entry:
                    continue
                idx.add_row(page, table, doc_entry["row"], prop, f"{name} {ptr}/properties/{prop}",
                            dict(sub, __pointer__=f"{ptr}/properties/{prop}", __file__=doc.path), prop in required)
    return idx


def _param_node(param: dict[str, Any]) -> dict[str, Any]:
    """A parameter's schema, with the parameter's description and provenance."""
    node = dict(param.get("schema") or {})
    node.update({k: v for k, v in param.items() if k in ("description", "x-doc")})
    return node


def _entries(x_doc: Any) -> list[dict[str, Any]]:
    if isinstance(x_doc, dict):
        return [x_doc]
    return [e for e in x_doc or [] if isinstance(e, dict)]


def _branches(spec_dir: Path, node: dict[str, Any]) -> list[dict[str, Any]]:
    """The node and the schemas of its anyOf alternatives, references followed."""
    out = [node]
    for sub in node.get("anyOf") or []:
        if "$ref" in sub:
            file_part, _, pointer = sub["$ref"].partition("#")
            path = Path(node.get("__file__", spec_dir / "x.yaml")).parent / file_part if file_part else Path(node.get("__file__", ""))
            data = load_yaml(path).data
            for token in pointer.strip("/").split("/"):
                data = data[token.replace("~1", "/").replace("~0", "~")]
            out.append(dict(data, __file__=str(path)))
        else:
            out.append(sub)
    if "$ref" in node and "anyOf" not in node:
        file_part, _, pointer = node["$ref"].partition("#")
        path = Path(node.get("__file__", "")).parent / file_part if file_part else Path(node.get("__file__", ""))
        data = load_yaml(path).data
        for token in pointer.strip("/").split("/"):
            data = data[token]
        out.append(dict(data, __file__=str(path)))
    return out


def _schema_types(node: dict[str, Any], branches: list[dict[str, Any]]) -> set[str]:
    types: set[str] = set()
    for b in branches:
        t = b.get("type")
        types.update(t if isinstance(t, list) else [t] if t else [])
    return types


_PAGE_TYPES = {
    "string": {"string"}, "integer": {"integer"}, "number": {"integer", "number"}, "long": {"integer"},
    "object": {"object"}, "json object": {"object"}, "array [object]": {"array"}, "date": {"integer"},
    "body": {"object"},
}


def completeness_problems(spec_dir: Path, pages: list[Page]) -> list[str]:
    idx = index_specs(spec_dir)
    problems: list[str] = []
    by_file = {v.get("file"): k for k, v in idx.pages.items()}
    for page in pages:
        rel = "seeds/" + Path(page.path).name if "seeds" in page.path else "docs/" + Path(page.path).name
        key = by_file.get(rel)
        if key is None:
            problems.append(f"{rel}: no spec lists this page in x-doc-pages")
            continue
        problems.extend(_check_page(spec_dir, idx, key, page))
    return problems


def _check_page(spec_dir: Path, idx: SpecIndex, key: str, page: Page) -> list[str]:
    out: list[str] = []
    where = Path(page.path).name
    meta = idx.pages[key]
    if norm(meta.get("title")) != norm(page.title):
        out.append(f"{where}: title {page.title!r} vs x-doc-pages {meta.get('title')!r}")
    if page.updated and meta.get("updated") != page.updated:
        out.append(f"{where}: updated {page.updated} vs {meta.get('updated')}")
    if key not in idx.operations:
        return out + [f"{where}: no operation cites page {key}"]
    url, method, op, op_ptr = idx.operations[key]
    if page.url_path and page.url_path != url:
        out.append(f"{where}: URL path {page.url_path} vs spec path {url}")
    if page.method and page.method.lower() != method:
        out.append(f"{where}: method {page.method} vs spec {method.upper()}")
    for code, text in page.statuses:
        response = (op.get("responses") or {}).get(str(code))
        if response is None:
            out.append(f"{where}: status {code} is documented but not in the spec")
        elif text and "$ref" not in response and norm(response.get("description")) != norm(text):
            out.append(f"{where}: status {code} description differs")
    for table in page.tables:
        if table.kind == "codes":
            out.extend(_check_code_table(idx, key, where, table))
            continue
        for row in table.fields:
            out.extend(_check_row(spec_dir, idx, key, where, table, row, op))
    for field_ in page.prose_fields:
        out.extend(_check_prose_field(idx, key, where, field_))
    out.extend(_check_examples(where, page, op))
    return out


def _check_row(spec_dir: Path, idx: SpecIndex, key: str, where: str, table: Any, row: Any, op: dict[str, Any]) -> list[str]:
    out: list[str] = []
    row_key = row.number or row.name
    label = f"{where}:{row.line} Table {table.number} row {row_key} {row.name}"
    found = idx.rows.get((key, table.number, row_key))
    if not found:
        if row.name in _SCHEME_HEADERS and row.name == "Content-Type":
            if not op.get("x-request-headers", {}).get("Content-Type"):
                return [f"{label}: documented fixed Content-Type is not in x-request-headers"]
            return []
        return [f"{label}: documented field is missing from the specs"]
    for name, spec_where, node, required in found:
        if name != row.name:
            out.append(f"{label}: spec names it {name!r} ({spec_where})")
        x_doc = node.get("x-doc") if isinstance(node.get("x-doc"), dict) else next(
            (e for e in _entries(node.get("x-doc")) if e.get("page") == key), {})
        if x_doc.get("type") not in (None, row.type) and norm(x_doc.get("type")) != norm(row.type):
            out.append(f"{label}: x-doc type {x_doc.get('type')!r} vs page {row.type!r}")
        if row.mandatory is not None:
            recorded = {"Yes": True, "No": False}.get(str(x_doc.get("mandatory")))
            if recorded is not row.mandatory:
                out.append(f"{label}: x-doc mandatory {x_doc.get('mandatory')!r} vs page {row.mandatory_raw!r}")
            excused = idx.excused(node.get("__pointer__"), "mandatory-conflict") or name == "Body"
            if required != row.mandatory and not excused and name not in _SCHEME_HEADERS:
                out.append(f"{label}: required={required} but the page says mandatory={row.mandatory}")
        if name in _SCHEME_HEADERS or name == "Body":
            continue
        branches = _branches(spec_dir, node)
        types = _schema_types(node, branches)
        expected = _PAGE_TYPES.get(row.type.lower())
        lax = idx.excused(node.get("__pointer__"), "example-type", "non-json-type")
        if expected and types and not (expected & types):
            out.append(f"{label}: type {sorted(types)} vs page {row.type!r}")
        if expected and types and not lax and types - expected - {"null"}:
            out.append(f"{label}: type {sorted(types)} is wider than the page's {row.type!r} without an erratum")
        limit = row.length_limit
        if limit is not None and limit.kind == "string" or row.max_chars:
            n = limit.size if limit is not None and limit.kind == "string" else row.max_chars
            got = [b.get("maxLength") for b in branches if "maxLength" in b]
            if got != [n] * len(got) or not got:
                out.append(f"{label}: maxLength {got} vs documented {n}")
        if limit is not None and limit.kind == "number":
            ceiling = 10**limit.size - 1
            got = [b.get("maximum") for b in branches if "maximum" in b]
            if not got or any(m > ceiling for m in got):
                out.append(f"{label}: maximum {got} vs documented {limit.size} digits")
        for keyword, value in (("minimum", row.minimum), ("maximum", row.maximum)):
            if value is not None:
                got = [b.get(keyword) for b in branches if keyword in b]
                if got != [value] * len(got) or not got:
                    out.append(f"{label}: {keyword} {got} vs documented {value}")
        concrete = [c for c in row.codes if c.concrete]
        if concrete:
            tables = [b for b in branches[1:] if "enum" in b] or [b for b in branches if "enum" in b]
            if not tables:
                out.append(f"{label}: the page lists codes but the spec has no code table")
            else:
                first = tables[0]
                values = [str(v) for v in first["enum"]]
                meanings = dict(zip(values, first.get("x-enum-descriptions") or []))
                wording_ok = any(
                    idx.errata.get(e.get("erratum"), {}).get("kind") == "cross-page-wording"
                    for e in _entries(first.get("x-doc")) if e.get("page") == key
                )
                for code in concrete:
                    if code.value not in values:
                        out.append(f"{label}: code {code.value} is missing from {first.get('title')}")
                    elif norm(meanings.get(code.value)) != norm(code.description) and not wording_ok:
                        out.append(f"{label}: code {code.value} means {code.description!r} on the page, "
                                   f"{meanings.get(code.value)!r} in the spec")
                others = [c for c in row.codes if not c.concrete]
                for other in others:
                    if norm(first.get("x-enum-other")) != norm(other.description):
                        out.append(f"{label}: other codes mean {other.description!r}, spec {first.get('x-enum-other')!r}")
        spec_text = norm(node.get("description"))
        page_text = prose(row.description, list(row.codes))
        if page_text and spec_text != page_text:
            out.append(f"{label}: description differs:\n  page: {page_text}\n  spec: {spec_text}")
    return out


def _check_code_table(idx: SpecIndex, key: str, where: str, table: Any) -> list[str]:
    label = f"{where}:{table.line} Table {table.number} {table.title}"
    schemas = idx.tables.get((key, table.number))
    if not schemas:
        return [f"{label}: code table is missing from the specs"]
    out = []
    for schema in schemas:
        values = [str(v) for v in schema["enum"]]
        meanings = dict(zip(values, schema.get("x-enum-descriptions") or []))
        labels = dict(zip(values, schema.get("x-enum-labels") or []))
        for code in table.codes:
            if code.value not in values:
                out.append(f"{label}: code {code.value} missing from {schema['__name__']}")
                continue
            if norm(meanings[code.value]) != norm(code.description):
                out.append(f"{label}: code {code.value} means {code.description!r} on the page, {meanings[code.value]!r} in the spec")
            if code.label and norm(labels.get(code.value)) != norm(code.label):
                out.append(f"{label}: code {code.value} label {code.label!r} vs {labels.get(code.value)!r}")
        documented = {c.value for c in table.codes}
        extra = [v for v in values if v not in documented and meanings.get(v) != "success"]
        if extra:
            out.append(f"{label}: {schema['__name__']} has codes the table does not list: {extra}")
    return out


def _check_prose_field(idx: SpecIndex, key: str, where: str, field_: Any) -> list[str]:
    found = idx.rows.get((key, 0, field_.name)) or [
        v for (p, _t, r), vs in idx.rows.items() if p == key and r == field_.name for v in vs
    ]
    if not found:
        return [f"{where}:{field_.line} {field_.name}: documented field is missing from the specs"]
    out = []
    for name, spec_where, node, _required in found:
        schema = node
        if field_.maximum is not None and schema.get("maximum") != field_.maximum:
            out.append(f"{where}: {name} maximum {schema.get('maximum')} vs documented {field_.maximum}")
        if norm(node.get("description")) != norm(field_.description):
            out.append(f"{where}: {name} description differs ({spec_where})")
    return out


def _verbatims(op: dict[str, Any]) -> list[str]:
    out = [e.get("x-verbatim", "") for e in op.get("x-doc-examples") or []]
    bodies = [op.get("requestBody") or {}] + list((op.get("responses") or {}).values())
    for body in bodies:
        for media in (body.get("content") or {}).values():
            out.extend(ex.get("x-verbatim", "") for ex in (media.get("examples") or {}).values())
    return out


def _check_examples(where: str, page: Page, op: dict[str, Any]) -> list[str]:
    recorded = {textwrap.dedent("\n".join(line.rstrip() for line in v.split("\n"))).strip() for v in _verbatims(op)}
    out = []
    for example in page.examples:
        text = textwrap.dedent("\n".join(line.rstrip() for line in example.raw.split("\n"))).strip()
        if text not in recorded:
            out.append(f"{where}:{example.line} example {example.caption!r} is not recorded verbatim in the spec")
    return out


def seed_pages() -> list[Page]:
    paths = sorted((SHARED / "seeds").glob("*.txt")) + [SHARED / "docs" / "tokenByAkSk.txt"]
    return [load_page(p) for p in paths]


@pytest.fixture(scope="module")
def pages() -> list[Page]:
    if not SHARED.is_dir():
        pytest.fail(f"the vendor pages are expected beside the repository, in {SHARED}")
    return seed_pages()


def test_every_page_is_parsed_without_issues_we_do_not_expect(pages: list[Page]) -> None:
    assert len(pages) == 6
    for page in pages:
        assert page.tables or page.prose_fields, page.path


def test_specs_capture_every_documented_fact(pages: list[Page]) -> None:
    problems = completeness_problems(ROOT / "specs", pages)
    assert problems == [], "\n".join(problems)


def _mutated(tmp_path: Path, old: str, new: str, file: str = "mobile-agent.yaml") -> Path:
    specs = tmp_path / "specs"
    shutil.copytree(ROOT / "specs", specs)
    text = (specs / file).read_text()
    assert old in text, old
    (specs / file).write_text(text.replace(old, new, 1))
    return specs


@pytest.mark.parametrize(
    ("old", "new", "file", "expected"),
    [
        ("          maxLength: 50\n", "          maxLength: 49\n", "mobile-agent.yaml",
         r"row 1 callSerialNo: maxLength \[49\] vs documented 50"),
        ('      enum: ["0", "1", "2", "4", "12"]', '      enum: ["0", "1", "2", "4", "13"]', "mobile-agent.yaml",
         r"code 12 is missing"),
        ("        callerPresent:\n          type: string\n          description: |-\n            Calling number displayed",
         "        callerPresentX:\n          type: string\n          description: |-\n            Calling number displayed",
         "mobile-agent.yaml", r"row 1.5 callerPresent: spec names it 'callerPresentX'"),
        ("          maximum: 9999\n", "          maximum: 999\n", "isales.yaml", r"maximum \[999\] vs documented 9999"),
        ("        - \"The user is busy.\"\n", "        - \"The user is not busy.\"\n", "codes.yaml",
         r"code 17 means 'The user is busy.' on the page"),
        ("      required: [ccId, vdn, callId]\n", "      required: [ccId, vdn]\n", "cms.yaml",
         r"row callId callId: required=False but the page says mandatory=True"),
        ("          x-doc: {row: callSkill, type: Integer}", "          x-doc: {row: callSkill, type: String}", "cms.yaml",
         r"x-doc type 'String' vs page 'Integer'"),
    ],
)
def test_completeness_check_notices(tmp_path: Path, pages: list[Page], old: str, new: str, file: str, expected: str) -> None:
    problems = completeness_problems(_mutated(tmp_path, old, new, file), pages)
    assert any(re.search(expected, p) for p in problems), "\n".join(problems) or "no problems reported"


def test_completeness_check_notices_a_removed_field(tmp_path: Path, pages: list[Page]) -> None:
    old = "        agentPresent:\n          type: string\n          description: CLIP number displayed to the customer manager.\n          x-doc: {row: \"1.3.9\", type: String, mandatory: \"No\"}\n"
    problems = completeness_problems(_mutated(tmp_path, old, ""), pages)
    assert any("row 1.3.9 agentPresent: documented field is missing" in p for p in problems), problems
