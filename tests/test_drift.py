"""`aiccgen drift`: the six pages plus the errata overlays reproduce `specs/`, and edited copies
of the pages show exactly the differences that were made, located on both sides."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator.diagnostics import Level
from generator.drift import DriftReport, default_pages, run_drift
from generator.pages import load_page

ROOT = Path(__file__).resolve().parents[1]
SPECS = ROOT / "specs"
SHARED = ROOT.parent / "shared"
QUERY_CALL_STATE = SHARED / "seeds" / "000_ec40b043baf10895.txt"
CMS_BASIC_INFO = SHARED / "seeds" / "001_72f49305e8d62892.txt"
ISALES_DETAIL = SHARED / "seeds" / "003_4a9218958856aad0.txt"


def errors(report: DriftReport) -> list[str]:
    return [f.format() for f in report.findings if f.level >= Level.ERROR]


def edited(tmp_path: Path, source: Path, *replacements: tuple[str, str]) -> Path:
    text = source.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    target = tmp_path / source.name
    target.write_text(text, encoding="utf-8")
    return target


def line_of(path: Path, text: str) -> int:
    return next(i + 1 for i, line in enumerate(path.read_text(encoding="utf-8").split("\n")) if line == text)


def test_default_pages_are_the_six_bundled_pages() -> None:
    pages = default_pages(SPECS)
    assert len(pages) == 6 and all(p.is_file() for p in pages)
    assert SHARED / "docs" / "tokenByAkSk.txt" in pages


def test_six_pages_plus_errata_reproduce_the_specs() -> None:
    report = run_drift(default_pages(SPECS), SPECS)
    assert report.pages == 6
    assert report.items == [], "\n".join(errors(report))
    assert errors(report) == []


def test_a_changed_limit_is_drift_located_on_both_sides(tmp_path: Path) -> None:
    page = edited(tmp_path, QUERY_CALL_STATE, ("Length limit: string (50)", "Length limit: string (64)"))
    report = run_drift([page], SPECS)
    [item] = report.items
    assert (item.subject, item.change) == (("row", "queryCallState", 2, "1"), "changed")
    assert [d[0] for d in item.differences] == ["maxLength", "page length"]
    [finding] = [f for f in report.findings if f.rule == "drift"]
    assert (finding.file, finding.line, finding.level) == (str(page), line_of(page, "callSerialNo"), Level.ERROR)
    assert "queryCallState Table 2 row 1 callSerialNo: maxLength is [64] on the page, [50] in specs" in finding.message
    assert "page length is 'string (64)' on the page, 'string (50)' in specs" in finding.message
    assert re.search(r"\(specs/mobile-agent\.yaml:\d+:\d+ /components/schemas/QueryCallStateRequest/properties/"
                     r"callSerialNo\)$", finding.message), finding.message


def test_an_added_field_is_drift(tmp_path: Path) -> None:
    page = edited(tmp_path, QUERY_CALL_STATE, (
        "CLIP number displayed to the customer manager.\n",
        "CLIP number displayed to the customer manager.\n\n1.3.10\n\nqueueId\n\nString\n\nNo\n\nQueue ID.\n"))
    [item] = run_drift([page], SPECS).items
    assert (item.subject, item.change, item.spec) == (("row", "queryCallState", 3, "1.3.10"), "added", None)
    assert item.label == "queryCallState Table 3 row 1.3.10 queueId" and item.page_line == line_of(page, "queueId")


def test_a_removed_field_is_drift(tmp_path: Path) -> None:
    page = edited(tmp_path, QUERY_CALL_STATE, (
        "1.3.9\n\nagentPresent\n\nString\n\nNo\n\nCLIP number displayed to the customer manager.\n\n", ""))
    report = run_drift([page], SPECS)
    [item] = report.items
    assert (item.subject, item.change) == (("row", "queryCallState", 3, "1.3.9"), "removed")
    assert item.spec is not None and item.spec.pointer.endswith("/QueryCallStateResult/properties/agentPresent")
    [finding] = [f for f in report.findings if f.rule == "drift"]
    assert "agentPresent: in specs, no longer on the page" in finding.message


def test_an_added_code_is_drift(tmp_path: Path) -> None:
    page = edited(tmp_path, QUERY_CALL_STATE, ("3: ended\n", "3: ended\n\n4: on hold\n"))
    [item] = run_drift([page], SPECS).items
    assert (item.subject, item.change) == (("row", "queryCallState", 3, "1.3.1", "code", "4"), "added")
    assert item.page_line == line_of(page, "4: on hold")


def test_a_changed_code_table_entry_is_drift(tmp_path: Path) -> None:
    page = edited(tmp_path, ISALES_DETAIL, ("The call record ID does not exist.", "The call record is gone."))
    items = run_drift([page], SPECS).items
    # Table 5 lists the values of resultCode and returnCode, so their codes changed too
    assert {i.subject for i in items} == {("table", "callresultdetail", 5, "code", "0200007"),
                                          ("row", "callresultdetail", 3, "resultCode", "code", "0200007"),
                                          ("row", "callresultdetail", 3, "returnCode", "code", "0200007")}
    assert {i.differences for i in items} == {
        (("meaning", "The call record is gone.", "The call record ID does not exist."),)}


def swap_columns(source: Path, tmp_path: Path, table_number: int, first: str, second: str) -> Path:
    """Swap two adjacent columns of one table: the header cells and every row's cells."""
    page = load_page(source)
    table = page.table(table_number)
    assert table is not None
    lines = source.read_text(encoding="utf-8").split("\n")
    a, b = table.roles.index(first), table.roles.index(second)
    assert b == a + 1
    header_at = next(i for i in range(table.line, len(lines)) if lines[i] == table.headers[a])
    cells = [header_at]
    name_col = table.roles.index("name")
    for f in table.fields:  # cells are paragraphs two lines apart; the name cell is known
        cells.append(f.line - 1 + 2 * (a - name_col))
    for at in cells:
        lines[at], lines[at + 2] = lines[at + 2], lines[at]
    target = tmp_path / source.name
    target.write_text("\n".join(lines), encoding="utf-8")
    return target


def test_swapped_columns_are_not_drift(tmp_path: Path) -> None:
    page = swap_columns(QUERY_CALL_STATE, tmp_path, 3, "type", "mandatory")
    table = load_page(page).table(3)
    assert table is not None and table.roles == ("no", "name", "mandatory", "type", "description")
    report = run_drift([page], SPECS)
    assert report.items == [] and errors(report) == []


def test_swapped_columns_of_a_table_without_numbers_are_not_drift(tmp_path: Path) -> None:
    page = swap_columns(CMS_BASIC_INFO, tmp_path, 2, "type", "mandatory")
    assert load_page(page).table(2).roles == ("name", "mandatory", "type", "description")  # type: ignore[union-attr]
    report = run_drift([page], SPECS)
    assert report.items == [] and errors(report) == []


def test_a_malformed_example_is_reported_never_a_crash(tmp_path: Path) -> None:
    page = edited(tmp_path, QUERY_CALL_STATE, ('"callSerialNo": "645735364434067472"', '"callSerialNo": 6457,,'))
    report = run_drift([page], SPECS)
    assert any(f.rule == "example" and "not valid JSON" in f.message for f in report.findings)
    [item] = report.items
    assert item.subject == ("example", "queryCallState", "request body 1") and item.change == "changed"
    assert {d[0] for d in item.differences} == {"value", "verbatim"}


def test_a_page_not_in_specs_is_all_drift_and_garbage_is_no_crash(tmp_path: Path) -> None:
    page = ROOT / "tests" / "fixtures" / "import" / "pause_task_variations.txt"
    report = run_drift([page], SPECS)
    assert report.items and all(i.change == "added" for i in report.items)
    assert ("page", "pauseTask") in {i.subject for i in report.items}
    junk = tmp_path / "junk.txt"
    junk.write_bytes(b"\x00\xff{[Table 1\n\nNo.\n\n1.1.1\n\x00")
    assert isinstance(run_drift([junk], SPECS), DriftReport)


@pytest.mark.parametrize("missing", ["nowhere.txt"])
def test_an_unreadable_page_is_a_finding(tmp_path: Path, missing: str) -> None:
    report = run_drift([tmp_path / missing], SPECS)
    assert any(f.level >= Level.ERROR and f.rule == "page" for f in report.findings)
