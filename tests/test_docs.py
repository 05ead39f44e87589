"""Code-table docs: Markdown pages, the filterable HTML page, JSON and CSV exports.

Every check reads the generated files the way their readers do (a CommonMark renderer, an
HTML parser, json, csv) and compares them with the specs themselves, not with the code
that wrote them.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import pytest
from markdown_it import MarkdownIt
from ruamel.yaml import YAML

from generator import emit, ir
from generator.cli import main

ROOT = Path(__file__).resolve().parents[1]
SPECS = ROOT / "specs"
HOSTILE = "<script>alert(1)</script> | ``code`` \n# heading"


# -- helpers ----------------------------------------------------------------------------

def generate(specs: Path, out: Path, *extra: str) -> int:
    return main(["generate", "--specs", str(specs), "--out", str(out), "--no-cache", *extra])


def docs_tree(out: Path) -> dict[str, bytes]:
    docs = out / "docs"
    return {p.relative_to(docs).as_posix(): p.read_bytes() for p in sorted(docs.rglob("*")) if p.is_file()}


def spec_tables(specs: Path) -> dict[str, dict]:
    """Every `components/schemas` enum of the spec files, read with a plain YAML reader:
    portable key -> {codes, names, meanings, labels}."""
    yaml = YAML(typ="safe", pure=True)
    out = {}
    for path in sorted(specs.glob("*.yaml")):
        data = yaml.load(path.read_text(encoding="utf-8"))
        schemas = ((data or {}).get("components") or {}).get("schemas") or {}
        for name, schema in schemas.items():
            if isinstance(schema, dict) and "enum" in schema:
                n = len(schema["enum"])
                out[f"{path.name}#/components/schemas/{name}"] = {
                    "codes": list(schema["enum"]),
                    "names": list(schema.get("x-enum-varnames") or [None] * n),
                    "meanings": list(schema.get("x-enum-descriptions") or [""] * n),
                    "labels": list(schema.get("x-enum-labels") or [None] * n),
                    "title": schema.get("title") or name,
                }
    return out


def md_render(text: str) -> str:
    return MarkdownIt("commonmark").enable("table").render(text)


class PageParser(HTMLParser):
    """The parts of the code-table page a reader relies on."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.sections: dict[str, dict] = {}  # table section id -> {"rows": [(code, [cells])]}
        self.section_ids: list[str] = []
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self._section: str | None = None
        self._row: tuple[str, list[str]] | None = None
        self._cell: list[str] | None = None
        self._raw: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        classes = (a.get("class") or "").split()
        if tag == "section" and "code-table" in classes:
            self._section = a["id"]
            self.section_ids.append(a["id"] or "")
            self.sections[a["id"] or ""] = {"rows": [], "search": a.get("data-search")}
        elif tag == "tr" and "data-code" in a and self._section:
            self._row = (a["data-code"] or "", [])
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag in ("script", "style"):
            self._raw = (tag, [])

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row[1].append("".join(self._cell))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._section:
            self.sections[self._section]["rows"].append(self._row)
            self._row = None
        elif tag == "section":
            self._section = None  # code-table sections hold no sections
        elif tag in ("script", "style") and self._raw:
            (self.scripts if tag == "script" else self.styles).append("".join(self._raw[1]))
            self._raw = None

    def handle_data(self, data: str) -> None:
        if self._raw is not None:
            self._raw[1].append(data)
        elif self._cell is not None:
            self._cell.append(data)


def parse_page(text: str) -> PageParser:
    parser = PageParser()
    parser.feed(text)
    parser.close()
    return parser


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def primary_pages(out: Path) -> dict[str, list[str]]:
    """class name -> Markdown pages that hold its `## ClassName` heading."""
    found: dict[str, list[str]] = {}
    for page in sorted((out / "docs").rglob("*.md")):
        for match in re.finditer(r"^## (\w+)$", page.read_text(encoding="utf-8"), re.MULTILINE):
            found.setdefault(match[1], []).append(page.relative_to(out / "docs").as_posix())
    return found


def copy_specs(tmp_path: Path) -> Path:
    specs = tmp_path / "specs"
    shutil.copytree(SPECS, specs)
    return specs


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is not exactly once in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def squash(text: str) -> str:
    return " ".join(text.split())


def md_row(text: str, cells: list[str]) -> bool:
    """Whether the Markdown `text`, rendered, has a table row whose first cells are `cells`
    (HTML text, compared with runs of white space as one space)."""
    want = "".join(f"<td>{c}</td>\n" for c in cells)
    return squash(f"<tr>\n{want}") in squash(md_render(text))


def html_text(value: object) -> str:
    """The text as markdown-it writes it inside an element."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


# -- the bundled specs -----------------------------------------------------------------

@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("docs") / "generated"
    assert generate(SPECS, out) == 0
    return out


@pytest.fixture(scope="module")
def tables_json(out: Path) -> dict:
    return json.loads((out / "docs" / "code-tables.json").read_text(encoding="utf-8"))


def test_outputs_exist(out: Path) -> None:
    docs = out / "docs"
    for name in ("index.md", "code-tables.html", "code-tables.json", "code-tables.csv"):
        assert (docs / name).is_file(), name
    families = sorted(p.stem for p in (docs / "families").glob("*.md"))
    assert families == ["cms", "isales", "mobile_agent", "token"]


def test_json_matches_the_specs(tables_json: dict) -> None:
    specs = spec_tables(SPECS)
    by_key = {t["key"]: t for t in tables_json["tables"]}
    assert set(by_key) == set(specs), "every enum of the specs is one table of the JSON"
    for key, want in specs.items():
        table = by_key[key]
        assert [e["code"] for e in table["entries"]] == want["codes"], key  # types kept: 17, "0200000"
        assert [e["name"] for e in table["entries"]] == want["names"], key
        assert [e["meaning"] for e in table["entries"]] == want["meanings"], key
        assert [e["label"] for e in table["entries"]] == want["labels"], key
        assert table["title"] == want["title"]
        assert table["kind"] == ("int" if isinstance(want["codes"][0], int) else "str")
    ita = by_key["codes.yaml#/components/schemas/ItaCauseCode"]
    assert len(ita["entries"]) == 70
    assert {"code": 17, "name": "USER_BUSY", "meaning": "The user is busy.", "label": None} in ita["entries"]
    assert {s["page"] for s in ita["sources"]} == {"queryCallState", "queryCallDetailRecord"}
    assert all(s["updated"] == "2023-09-27" for s in ita["sources"])
    assert {u["field"] for u in ita["uses"]} == {"result.reasonCode", "result.callInfo[].reasonCode"}
    record = next(u for u in ita["uses"] if u["field"] == "result.callInfo[].reasonCode")
    assert record == {"operation": "queryCallDetailRecord", "family": "mobile_agent",
                      "field": "result.callInfo[].reasonCode", "direction": "response", "closed": False,
                      "shared_with": ["ReasonCode"], "when": [{"field": "taskType", "value": "4"}]}
    assert {"QCS-2", "QCDR-4", "QCS-3", "QCDR-5"} <= set(ita["errata"])
    assert {e["id"] for e in tables_json["errata"]} >= set(ita["errata"])
    task = by_key["codes.yaml#/components/schemas/TaskType"]
    assert {(u["direction"], u["closed"]) for u in task["uses"]} == {("request", True), ("response", False)}


def test_json_matches_the_ir(tables_json: dict) -> None:
    from generator.pipeline import build

    api, _spec_set, findings = build([str(SPECS)])
    assert api is not None, findings
    tables = {t["class_name"]: t for t in tables_json["tables"]}
    assert list(tables) == [t.table.class_name for t in emit.docs_model(api).tables]
    assert set(tables) == {t.class_name for t in api.code_tables}
    for t in api.code_tables:
        got = tables[t.class_name]
        assert got["description"] == t.description and got["other"] == t.other
        assert [(u["operation"], u["field"], u["direction"], u["closed"]) for u in got["uses"]] == [
            (u.operation_id, u.field_path, u.direction, u.closed) for u in t.uses]
        assert [(s["page"], s["table"], s["row"]) for s in got["sources"]] == [
            (p.page, p.table, p.row) for p in t.provenance]
        assert set(t.errata) <= set(got["errata"])
    assert [p["key"] for p in tables_json["pages"]] == [p.key for p in api.pages]


def test_every_code_is_in_markdown_html_and_csv(out: Path) -> None:
    specs = spec_tables(SPECS)
    docs = out / "docs"
    page = parse_page((docs / "code-tables.html").read_text(encoding="utf-8"))
    rows = csv_rows((docs / "code-tables.csv").read_text(encoding="utf-8"))
    pages = primary_pages(out)
    want_csv = []
    for key, want in specs.items():
        name = key.rsplit("/", 1)[-1]
        assert len(pages[name]) == 1, f"{name} has one primary page, not {pages.get(name)}"
        md_text = (docs / pages[name][0]).read_text(encoding="utf-8")
        section = md_text.split(f"\n## {name}\n", 1)[1].split("\n## ", 1)[0]
        html_rows = page.sections[name]["rows"]
        assert [code for code, _cells in html_rows] == [str(c) for c in want["codes"]]
        for i, (code, member, meaning, label) in enumerate(zip(want["codes"], want["names"], want["meanings"],
                                                               want["labels"])):
            assert md_row(section, [str(code), f"<code>{member}</code>", html_text(meaning)]), (name, code)
            cells = html_rows[i][1]
            assert cells[:3] == [str(code), member, meaning]
            if any(want["labels"]):
                assert cells[3] == (label or "")
            want_csv.append({"table": name, "table_title": want["title"], "code": str(code), "name": member,
                             "meaning": meaning, "label": label or ""})
    assert sorted(rows, key=lambda r: (r["table"], r["code"])) == sorted(
        want_csv, key=lambda r: (r["table"], r["code"]))


def test_every_table_has_one_primary_place_and_links(out: Path, tables_json: dict) -> None:
    docs = out / "docs"
    index = (docs / "index.md").read_text(encoding="utf-8")
    assert all(len(pages) == 1 for pages in primary_pages(out).values())
    for t in tables_json["tables"]:
        anchor = t["class_name"].lower()
        assert f"[{t['class_name']}]({t['page']}#{anchor})" in index
        assert f"## {t['class_name']}\n" in (docs / t["page"]).read_text(encoding="utf-8")
    html = (docs / "code-tables.html").read_text(encoding="utf-8")
    page = parse_page(html)
    assert sorted(page.section_ids) == sorted(t["class_name"] for t in tables_json["tables"])
    toc = [a.get("href") for tag, a in page.tags if tag == "a"]
    for name in page.section_ids:
        assert f"#{name}" in toc, f"no table-of-contents link to {name}"
    # the documentation pages captured, with their "Updated on" dates
    for p in tables_json["pages"]:
        assert p["key"] in index


def test_html_is_self_contained_and_its_script_may_run(out: Path) -> None:
    text = (out / "docs" / "code-tables.html").read_text(encoding="utf-8")
    page = parse_page(text)
    assert not [t for t, a in page.tags if t in ("link", "img", "iframe", "object", "embed", "base")]
    assert not [a for _t, a in page.tags if "src" in a]
    assert "@import" not in text and "url(" not in text and "@font-face" not in text
    assert len(page.scripts) == 1 and len(page.styles) == 1
    csp = next(a["content"] or "" for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp  # a browser fetches nothing for this page

    def digest(source: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"

    assert f"script-src {digest(page.scripts[0])}" in csp  # else the browser would block the filter
    assert f"style-src {digest(page.styles[0])}" in csp
    # readable without JavaScript: the filter form is hidden until the script shows it
    form = next(a for t, a in page.tags if t == "form")
    assert "hidden" in form
    label = next(a for t, a in page.tags if t == "label")
    assert label["for"] == "code-filter"
    assert all(a.get("scope") in ("col", "row") for t, a in page.tags if t == "th")


def test_output_is_deterministic_utf8_and_lf(out: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    assert generate(SPECS, again) == 0
    first, second = docs_tree(out), docs_tree(again)
    assert first == second
    for name, data in first.items():
        text = data.decode("utf-8")
        assert "\r" not in text, name
        assert text.endswith("\n"), name
        assert str(tmp_path) not in text and str(ROOT) not in text, f"{name} holds a machine path"


# -- changed specs -----------------------------------------------------------------------

def test_a_new_code_reaches_every_output(tmp_path: Path) -> None:
    specs = copy_specs(tmp_path)
    codes = specs / "codes.yaml"
    edit(codes, "110, 111, 127]", "110, 111, 127, 160]")
    edit(codes, "        - UNSPECIFIED_INTERACTION\n", "        - UNSPECIFIED_INTERACTION\n        - DOCS_TEST_CAUSE\n")
    edit(codes, '        - "Unspecified interaction."\n',
         '        - "Unspecified interaction."\n        - "Added by the docs test: the carrier hung up."\n')
    out = tmp_path / "generated"
    assert generate(specs, out) == 0
    docs = out / "docs"
    meaning = "Added by the docs test: the carrier hung up."

    tables = {t["class_name"]: t for t in json.loads((docs / "code-tables.json").read_text())["tables"]}
    assert tables["ItaCauseCode"]["entries"][-1] == {"code": 160, "name": "DOCS_TEST_CAUSE", "meaning": meaning,
                                                     "label": None}
    assert {"table": "ItaCauseCode", "table_title": "Reason codes for ITA bidirectional calls", "code": "160",
            "name": "DOCS_TEST_CAUSE", "meaning": meaning, "label": ""} in csv_rows(
        (docs / "code-tables.csv").read_text())
    section = parse_page((docs / "code-tables.html").read_text()).sections["ItaCauseCode"]
    assert section["rows"][-1] == ("160", ["160", "DOCS_TEST_CAUSE", meaning])
    page = (docs / "families" / "mobile_agent.md").read_text()
    assert md_row(page, ["160", "<code>DOCS_TEST_CAUSE</code>", meaning])

    # and `generate --check` against the old tree reports the docs as stale
    old = tmp_path / "old"
    assert generate(SPECS, old) == 0
    shutil.copytree(old, tmp_path / "check")
    assert main(["generate", "--specs", str(specs), "--out", str(tmp_path / "check"), "--no-cache", "--check"]) == 1


def test_hostile_text_stays_text(tmp_path: Path) -> None:
    specs = copy_specs(tmp_path)
    codes = specs / "codes.yaml"
    hostile_yaml = json.dumps(HOSTILE)  # a JSON string is a YAML double-quoted scalar
    text = codes.read_text(encoding="utf-8")
    start = text.index("    ItaCauseCode:\n")
    desc = text.index("      description: |-\n", start)
    end = text.index("      type: integer\n", desc)
    codes.write_text(text[:desc] + f"      description: {hostile_yaml}\n" + text[end:], encoding="utf-8")
    edit(codes, '        - "The user is busy."\n', f"        - {hostile_yaml}\n")
    out = tmp_path / "generated"
    assert generate(specs, out) == 0
    docs = out / "docs"

    # Markdown, as a CommonMark renderer with tables sees it
    page = (docs / "families" / "mobile_agent.md").read_text(encoding="utf-8")
    rendered = md_render(page)
    assert "<script" not in rendered and "<h1>heading" not in rendered
    assert "<code>code</code>" not in rendered  # the backticks stayed backticks
    inert = html_text(HOSTILE.replace("\n", " "))
    assert squash(f"<p>{inert}</p>") in squash(rendered)  # the description: one paragraph of plain text
    assert md_row(page, ["17", "<code>USER_BUSY</code>", inert])  # the `|` did not split the row
    for row in re.findall(r"<tr>\n(.*?)</tr>", rendered, re.DOTALL):
        if "USER_BUSY" in row:
            assert row.count("<td>") == 3

    # HTML: the page's own script is the only one, and the text reads back exactly
    html = (docs / "code-tables.html").read_text(encoding="utf-8")
    parsed = parse_page(html)
    assert len(parsed.scripts) == 1 and "alert(1)" not in parsed.scripts[0]
    assert [t for t, _a in parsed.tags].count("script") == 1
    assert "<script>alert" not in html
    row = next(cells for code, cells in parsed.sections["ItaCauseCode"]["rows"] if code == "17")
    assert row[2] == HOSTILE
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html

    # JSON and CSV keep the text exactly
    tables = {t["class_name"]: t for t in json.loads((docs / "code-tables.json").read_text())["tables"]}
    assert tables["ItaCauseCode"]["description"] == HOSTILE
    assert next(e for e in tables["ItaCauseCode"]["entries"] if e["code"] == 17)["meaning"] == HOSTILE
    rows = csv_rows((docs / "code-tables.csv").read_text(encoding="utf-8"))
    assert next(r for r in rows if r["table"] == "ItaCauseCode" and r["code"] == "17")["meaning"] == HOSTILE


def test_a_table_no_family_uses_goes_to_the_shared_page(tmp_path: Path) -> None:
    specs = copy_specs(tmp_path)
    with (specs / "codes.yaml").open("a", encoding="utf-8") as f:
        f.write('    DocsOnlyCode:\n'
                '      title: A table no operation uses\n'
                '      type: string\n'
                '      enum: ["A", "B"]\n'
                '      x-enum-varnames: [ALPHA, BRAVO]\n'
                '      x-enum-descriptions: [first, second]\n'
                '      x-doc: {page: queryCallState, table: 9}\n')
    out = tmp_path / "generated"
    assert generate(specs, out) == 0
    docs = out / "docs"
    assert primary_pages(out)["DocsOnlyCode"] == ["shared.md"]
    assert "[DocsOnlyCode](shared.md#docsonlycode)" in (docs / "index.md").read_text()
    shared = (docs / "shared.md").read_text()
    assert md_row(shared, ["A", "<code>ALPHA</code>", "first"]) and "No operation uses this table." in shared
    table = next(t for t in json.loads((docs / "code-tables.json").read_text())["tables"]
                 if t["class_name"] == "DocsOnlyCode")
    assert table["family"] is None and table["page"] == "shared.md" and table["uses"] == []
    assert "DocsOnlyCode" in parse_page((docs / "code-tables.html").read_text()).sections


def test_primary_place_rules() -> None:
    def table(*families: str, file: str = "codes.yaml") -> ir.CodeTable:
        uses = tuple(ir.CodeUse(f"op{i}", fam, ir.SpecText("x"), "response", False) for i, fam in enumerate(families))
        return ir.CodeTable(key="k", class_name="T", title=ir.SpecText("t"), description=ir.SpecText(""), kind="int",
                            entries=(), other=None, provenance=(ir.Provenance(file=file, pointer="/p"),), uses=uses)

    a = SimpleNamespace(key="a", source="a.yaml")
    b = SimpleNamespace(key="b", source="b.yaml")
    families = (a, b)
    assert emit._primary_family(table("a", "a"), families) is a  # type: ignore[arg-type]
    assert emit._primary_family(table("a", "b"), families) is None  # type: ignore[arg-type]
    assert emit._primary_family(table(), families) is None  # type: ignore[arg-type]
    assert emit._primary_family(table(file="b.yaml"), families) is b  # type: ignore[arg-type]


def test_csv_cells_cannot_become_formulas() -> None:
    assert emit.csv_cell("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    assert emit.csv_cell("@SUM(A1)") == "'@SUM(A1)"
    assert emit.csv_cell("-1+2") == "'-1+2"
    assert emit.csv_cell("-1") == "-1" and emit.csv_cell(-3) == "-3" and emit.csv_cell("0200000") == "0200000"
    assert emit.csv_cell(None) == ""


def test_only_web_links_are_links() -> None:
    assert emit._safe_url(ir.SpecText("javascript:alert(1)")) is None
    assert emit._safe_url(ir.SpecText("https://example.invalid/a b\"c")) == "https://example.invalid/a%20b%22c"


def _has_docs_command() -> bool:
    from generator.cli import build_parser

    try:
        build_parser().parse_args(["docs"])
    except SystemExit:
        return False
    return True


def test_docs_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if not _has_docs_command():
        pytest.skip("`aiccgen docs` is not wired into generator/cli.py yet")
    # alone, into any folder: the same files `generate` writes under docs/
    site = tmp_path / "site"
    assert main(["docs", "--specs", str(SPECS), "--out", str(site)]) == 0
    out = tmp_path / "generated"
    assert generate(SPECS, out) == 0
    alone = {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*"))
             if p.is_file() and p.name != ".aiccgen-manifest.json"}
    assert alone == docs_tree(out)
    # into the docs folder of a generate tree: through that tree's manifest, client untouched
    specs = copy_specs(tmp_path)
    edit(specs / "codes.yaml", '- "The user is busy."', '- "The user is busy (docs command test)."')
    client = {p: p.read_bytes() for p in (out / "client").rglob("*") if p.is_file()}
    assert main(["docs", "--specs", str(specs), "--out", str(out / "docs")]) == 0
    assert "The user is busy (docs command test)." in (out / "docs" / "code-tables.json").read_text()
    assert not (out / "docs" / ".aiccgen-manifest.json").exists()
    assert {p: p.read_bytes() for p in (out / "client").rglob("*") if p.is_file()} == client
    assert main(["docs", "--specs", str(specs), "--out", str(out / "docs"), "--check"]) == 0
    capsys.readouterr()
    assert generate(specs, out, "--check") == 1  # the client's codes.py is still stale
    stale = capsys.readouterr().out
    assert "codes.py" in stale and "docs/" not in stale
