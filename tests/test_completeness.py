"""The specs against the vendor pages themselves.

Reads every seed page with `generator.pages` and checks that each documented field, type,
mandatory flag, length limit, range, code value and meaning, example and status is in
`specs/` and agrees with it; a difference is allowed only where an erratum targets it. The
specs are read through `generator.facts`, the projection `aiccgen drift` compares too.
The mutation tests prove the check notices what it claims to notice.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from generator.facts import (
    CodeTable,
    RowFact,
    SpecFacts,
    description_prose,
    json_types,
    load_spec_facts,
    norm,
    verbatim_text,
)
from generator.pages import Page, load_page

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
#: Header rows that OpenAPI keeps out of `parameters`: they are security schemes
#: (Authorization) or fixed request headers (Content-Type).
_SCHEME_HEADERS = {"Authorization", "Content-Type"}


def completeness_problems(spec_dir: Path, pages: list[Page]) -> list[str]:
    """What the pages document that the specs (read through `generator.facts`, the
    projection `aiccgen drift` uses too) do not capture, or capture differently."""
    facts = load_spec_facts(spec_dir)
    problems: list[str] = []
    by_file = {v.get("file"): k for k, v in facts.pages.items()}
    for page in pages:
        rel = "seeds/" + Path(page.path).name if "seeds" in page.path else "docs/" + Path(page.path).name
        key = by_file.get(rel)
        if key is None:
            problems.append(f"{rel}: no spec lists this page in x-doc-pages")
            continue
        problems.extend(_check_page(facts, key, page))
    return problems


def _check_page(facts: SpecFacts, key: str, page: Page) -> list[str]:
    out: list[str] = []
    where = Path(page.path).name
    meta = facts.pages[key]
    if norm(meta.get("title")) != norm(page.title):
        out.append(f"{where}: title {page.title!r} vs x-doc-pages {meta.get('title')!r}")
    if page.updated and meta.get("updated") != page.updated:
        out.append(f"{where}: updated {page.updated} vs {meta.get('updated')}")
    op = facts.operations.get(key)
    if op is None:
        return out + [f"{where}: no operation cites page {key}"]
    if page.url_path and page.url_path != op.path:
        out.append(f"{where}: URL path {page.url_path} vs spec path {op.path}")
    if page.method and page.method.lower() != op.method:
        out.append(f"{where}: method {page.method} vs spec {op.method.upper()}")
    for code, text in page.statuses:
        if str(code) not in op.statuses:
            out.append(f"{where}: status {code} is documented but not in the spec")
        elif text and norm(op.statuses[str(code)]) != norm(text):
            out.append(f"{where}: status {code} description differs")
    for table in page.tables:
        if table.kind == "codes":
            out.extend(_check_code_table(facts, key, where, table))
            continue
        for row in table.fields:
            out.extend(_check_row(facts, key, where, table, row, op.fixed_headers))
    for field_ in page.prose_fields:
        out.extend(_check_prose_field(facts, key, where, field_))
    out.extend(_check_examples(facts, key, where, page))
    return out


def _check_row(facts: SpecFacts, key: str, where: str, table: Any, row: Any, fixed_headers: dict[str, str]) -> list[str]:
    row_key = row.number or row.name
    label = f"{where}:{row.line} Table {table.number} row {row_key} {row.name}"
    found = facts.rows.get((key, table.number, row_key))
    if not found:
        if row.name in _SCHEME_HEADERS and row.name == "Content-Type":
            if not fixed_headers.get("Content-Type"):
                return [f"{label}: documented fixed Content-Type is not in x-request-headers"]
            return []
        return [f"{label}: documented field is missing from the specs"]
    out: list[str] = []
    for spec_row in found:
        out.extend(_check_row_words(facts, label, row, spec_row))
        if spec_row.name in _SCHEME_HEADERS or spec_row.name == "Body":
            continue
        out.extend(_check_row_schema(facts, key, label, row, spec_row))
    return out


def _check_row_words(facts: SpecFacts, label: str, row: Any, spec_row: RowFact) -> list[str]:
    """Name, and the page's type and mandatory words as x-doc records them."""
    out = []
    name, x_doc = spec_row.name, spec_row.x_doc
    if name != row.name:
        out.append(f"{label}: spec names it {name!r} ({spec_row.where.pointer})")
    if x_doc.get("type") not in (None, row.type) and norm(x_doc.get("type")) != norm(row.type):
        out.append(f"{label}: x-doc type {x_doc.get('type')!r} vs page {row.type!r}")
    if row.mandatory is not None:
        recorded = {"Yes": True, "No": False}.get(str(x_doc.get("mandatory")))
        if recorded is not row.mandatory:
            out.append(f"{label}: x-doc mandatory {x_doc.get('mandatory')!r} vs page {row.mandatory_raw!r}")
        excused = facts.excused(spec_row.where, "mandatory-conflict") or name == "Body"
        if spec_row.required != row.mandatory and not excused and name not in _SCHEME_HEADERS:
            out.append(f"{label}: required={spec_row.required} but the page says mandatory={row.mandatory}")
    return out


def _check_row_schema(facts: SpecFacts, key: str, label: str, row: Any, spec_row: RowFact) -> list[str]:
    """Types, limits, codes and description."""
    out = []
    types = set(spec_row.types)
    expected = json_types(row.type)
    lax = facts.excused(spec_row.where, "example-type", "non-json-type")
    if expected and types and not (expected & types):
        out.append(f"{label}: type {sorted(types)} vs page {row.type!r}")
    if expected and types and not lax and types - expected - {"null"}:
        out.append(f"{label}: type {sorted(types)} is wider than the page's {row.type!r} without an erratum")
    limit = row.length_limit
    if limit is not None and limit.kind == "string" or row.max_chars:
        n = limit.size if limit is not None and limit.kind == "string" else row.max_chars
        got = spec_row.limits["maxLength"]
        if got != (n,):
            out.append(f"{label}: maxLength {list(got)} vs documented {n}")
    if limit is not None and limit.kind == "number":
        ceiling = 10**limit.size - 1
        got = spec_row.limits["maximum"]
        if not got or any(m > ceiling for m in got):
            out.append(f"{label}: maximum {list(got)} vs documented {limit.size} digits")
    for keyword, value in (("minimum", row.minimum), ("maximum", row.maximum)):
        if value is not None and spec_row.limits[keyword] != (value,):
            out.append(f"{label}: {keyword} {list(spec_row.limits[keyword])} vs documented {value}")
    out.extend(_check_row_codes(facts, key, label, row, spec_row.codes))
    spec_text = norm(spec_row.description)
    page_text = norm(description_prose(row.description, [c.value for c in row.codes]))
    if page_text and spec_text != page_text:
        out.append(f"{label}: description differs:\n  page: {page_text}\n  spec: {spec_text}")
    return out


def _check_row_codes(facts: SpecFacts, key: str, label: str, row: Any, table: CodeTable | None) -> list[str]:
    concrete = [c for c in row.codes if c.concrete]
    if not concrete:
        return []
    if table is None:
        return [f"{label}: the page lists codes but the spec has no code table"]
    out = []
    wording_ok = any(facts.errata.get(str(e.get("erratum")), ({}, None))[0].get("kind") == "cross-page-wording"
                     for e in table.entries if e.get("page") == key)
    for code in concrete:
        if code.value not in table.values:
            out.append(f"{label}: code {code.value} is missing from {table.title}")
        elif norm(table.meaning(code.value)) != norm(code.description) and not wording_ok:
            out.append(f"{label}: code {code.value} means {code.description!r} on the page, "
                       f"{table.meaning(code.value)!r} in the spec")
    for other in (c for c in row.codes if not c.concrete):
        if norm(table.other) != norm(other.description):
            out.append(f"{label}: other codes mean {other.description!r}, spec {table.other!r}")
    return out


def _check_code_table(facts: SpecFacts, key: str, where: str, table: Any) -> list[str]:
    label = f"{where}:{table.line} Table {table.number} {table.title}"
    schemas = facts.code_tables.get((key, table.number))
    if not schemas:
        return [f"{label}: code table is missing from the specs"]
    out = []
    for schema in schemas:
        for code in table.codes:
            if code.value not in schema.values:
                out.append(f"{label}: code {code.value} missing from {schema.name}")
                continue
            if norm(schema.meaning(code.value)) != norm(code.description):
                out.append(f"{label}: code {code.value} means {code.description!r} on the page, "
                           f"{schema.meaning(code.value)!r} in the spec")
            if code.label and norm(schema.label(code.value)) != norm(code.label):
                out.append(f"{label}: code {code.value} label {code.label!r} vs {schema.label(code.value)!r}")
        documented = {c.value for c in table.codes}
        extra = [v for v in schema.values if v not in documented and schema.meaning(v) != "success"]
        if extra:
            out.append(f"{label}: {schema.name} has codes the table does not list: {extra}")
    return out


def _check_prose_field(facts: SpecFacts, key: str, where: str, field_: Any) -> list[str]:
    found = facts.rows.get((key, 0, field_.name)) or [
        row for (p, _t, r), rows in facts.rows.items() if p == key and r == field_.name for row in rows
    ]
    if not found:
        return [f"{where}:{field_.line} {field_.name}: documented field is missing from the specs"]
    out = []
    for spec_row in found:
        if field_.maximum is not None and spec_row.limits["maximum"] != (field_.maximum,):
            out.append(f"{where}: {spec_row.name} maximum {list(spec_row.limits['maximum'])} vs documented "
                       f"{field_.maximum}")
        if norm(spec_row.description) != norm(field_.description):
            out.append(f"{where}: {spec_row.name} description differs ({spec_row.where.pointer})")
    return out


def _check_examples(facts: SpecFacts, key: str, where: str, page: Page) -> list[str]:
    recorded = {e.verbatim.strip() for (p, _), e in facts.examples.items() if p == key and e.verbatim}
    out = []
    for example in page.examples:
        if verbatim_text(example.raw).strip() not in recorded:
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
