"""Tests for generator.pages: the six real vendor pages, fixture pages with variations the real
pages do not show, and property tests that the parser never raises."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.pages import CodeEntry, Example, Field, Page, Table, load_page, parse_page

SHARED = Path(__file__).resolve().parents[2] / "shared"
SEEDS = SHARED / "seeds"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "pages"

QUERY_CALL_STATE = SEEDS / "000_ec40b043baf10895.txt"
CMS_BASIC_INFO = SEEDS / "001_72f49305e8d62892.txt"
CREATE_CALL = SEEDS / "002_e3995375e5b96a71.txt"
ISALES_DETAIL = SEEDS / "003_4a9218958856aad0.txt"
CALL_DETAIL_RECORD = SEEDS / "004_53290dffb307faa2.txt"
TOKEN = SHARED / "docs" / "tokenByAkSk.txt"
REAL_PAGES = [QUERY_CALL_STATE, CMS_BASIC_INFO, CREATE_CALL, ISALES_DETAIL, CALL_DETAIL_RECORD,
              TOKEN]

needs_real_pages = pytest.mark.skipif(not all(p.exists() for p in REAL_PAGES),
                                      reason="shared vendor pages not present")


def field(table: Table, name: str) -> Field:
    matches = [f for f in table.fields if f.name == name]
    assert len(matches) == 1, f"{name}: {len(matches)} rows"
    return matches[0]


def tab(page: Page, number: int) -> Table:
    table = page.table(number)
    assert table is not None, f"no Table {number}"
    return table


def size(f: Field) -> int | None:
    return f.length_limit.size if f.length_limit else None


def kind(f: Field) -> str | None:
    return f.length_limit.kind if f.length_limit else None


def error_line(example: Example) -> int | None:
    return example.json_error.line if example.json_error else None


def headers(example: Example) -> dict[str, str]:
    return dict(example.headers or ())


def shape(page: Page) -> list[tuple[int, str, str, int]]:
    return [(t.number, t.title, t.kind, len(t.rows)) for t in page.tables]


def concrete(entries: tuple[CodeEntry, ...]) -> list[str]:
    return [c.value for c in entries if c.concrete]


def line_of(path: Path, line: int) -> str:
    return path.read_text(encoding="utf-8").split("\n")[line - 1]


# ----------------------------------------------------------------------------- real pages


@pytest.fixture(scope="module")
def pages() -> dict[str, Page]:
    if not all(p.exists() for p in REAL_PAGES):
        pytest.skip("shared vendor pages not present")
    return {p.name: load_page(p) for p in REAL_PAGES}


@needs_real_pages
def test_query_call_state_page(pages: dict[str, Page]) -> None:
    page = pages[QUERY_CALL_STATE.name]
    assert (page.title, page.operation_name) == ("Querying Call Status (queryCallState)",
                                                 "queryCallState")
    assert page.title_line == 194 and page.updated == "2023-09-27" and page.method == "POST"
    assert page.url == "https://Domain name/apiaccess/CC-Management/v1/mobileAgent/queryCallState"
    assert page.url_path == "/apiaccess/CC-Management/v1/mobileAgent/queryCallState"
    assert page.scenario == "This interface is invoked to query the call status."
    assert shape(page) == [(1, "Request header parameters", "fields", 2),
                           (2, "Request body parameters", "fields", 1),
                           (3, "Response body parameters", "fields", 12),
                           (4, "Reason codes for ITA bidirectional calls", "codes", 70)]
    assert page.tables[0].headers == ("No.", "Parameter", "Type", "Mandatory or Not",
                                      "Description")
    assert page.tables[0].roles == ("no", "name", "type", "mandatory", "description")
    assert page.tables[2].line == 271 and line_of(QUERY_CALL_STATE, 271).startswith("Table 3")
    assert [s[0] for s in page.statuses] == [200, 400, 401, 404, 500]
    assert page.statuses[0] == (200, "")
    assert page.statuses[1] == (400, "Incorrect request. Check the request path and parameters.")
    assert page.issues == ()


@needs_real_pages
def test_query_call_state_fields(pages: dict[str, Page]) -> None:
    page = pages[QUERY_CALL_STATE.name]
    serial = field(tab(page, 2), "callSerialNo")
    assert (serial.type, serial.mandatory, size(serial)) == ("String", True, 50)
    assert serial.description == "Call SN.\nLength limit: string (50)"
    body = tab(page, 3)
    state = field(body, "state")
    assert (state.number, state.parent, state.type) == ("1.3.1", "1.3", "Number")
    assert [(c.value, c.description) for c in state.codes] == [
        ("0", "to be called"), ("1", "calling"), ("2", "talking"), ("3", "ended")]
    assert (kind(state), size(state)) == ("number", 1)
    reason = field(body, "reasonCode")
    assert (reason.minimum, reason.maximum, reason.table_refs) == (0, 65535, (4,))
    assert concrete(reason.codes) == ["0", "1", "2", "3", "4", "5", "6"]
    assert [(c.value, c.concrete) for c in reason.codes if not c.concrete] == [("xxx", False)]
    assert size(reason) == 5
    ret_code = field(body, "retCode")
    assert (ret_code.number, ret_code.parent, ret_code.mandatory) == ("1.1", None, True)
    assert concrete(ret_code.codes) == ["0", "1", "3"]
    assert field(body, "result").type == "Object"
    assert {f.parent for f in body.fields if (f.number or "").startswith("1.3.")} == {"1.3"}
    assert field(tab(page, 1), "X-APP-Key").mandatory is False
    assert field(tab(page, 1), "Authorization").description.startswith("Authentication field.")


@needs_real_pages
def test_ita_cause_table(pages: dict[str, Page]) -> None:
    codes = tab(pages[QUERY_CALL_STATE.name], 4).codes
    assert len(codes) == 70  # 0-9, then 60 sparse codes up to 127
    assert (codes[0].value, codes[0].description) == ("0", "N/A")
    busy = next(c for c in codes if c.value == "17")
    assert (busy.description, busy.line, busy.label) == ("The user is busy.", 497, None)
    assert codes[-1].value == "127" and all(c.concrete for c in codes)
    same_table = tab(pages[CALL_DETAIL_RECORD.name], 5).codes
    assert [(c.value, c.description) for c in same_table] == [
        (c.value, c.description) for c in codes]


@needs_real_pages
def test_query_call_state_examples(pages: dict[str, Page]) -> None:
    examples = pages[QUERY_CALL_STATE.name].examples
    assert [(e.caption, e.scope, e.part) for e in examples] == [
        ("Request header:", "request", "header"), ("Request parameters:", "request", "body"),
        ("Response header:", "response", "header"), ("Response parameters:", "response", "body")]
    header = examples[0]
    assert headers(header)["Content-Type"] == "application/json"
    assert headers(header)["x-app-key"] == "9******************************3"
    assert header.scenario == "Query call status."
    assert examples[1].value == {"callSerialNo": "645735364434067472"}
    assert headers(examples[2]) == {"connection": "keep-alive",
                                         "content-type": "application/json;charset=UTF-8"}
    assert examples[3].value["result"]["reasonCode"] == 0
    assert "result.reasonCode" in examples[3].key_paths()


@needs_real_pages
def test_cms_page(pages: dict[str, Page]) -> None:
    page = pages[CMS_BASIC_INFO.name]
    assert page.title == "Querying Basic Information About a Call with a Specified Call ID"
    assert (page.operation_name, page.updated, page.method) == (None, "2023-09-27", "POST")
    assert page.url == "https://ip:port/rest/cmsapp/v1/openapi/calldata/querybasiccallinfo"
    assert shape(page) == [(1, "Parameters in the request header", "fields", 2),
                           (2, "Parameters in the message body", "fields", 3),
                           (3, "Parameters in the message body", "fields", 4),
                           (4, "Parameters of resultDesc or resultDatas", "fields", 25)]
    body = tab(page, 2)
    assert body.roles == ("name", "type", "mandatory", "description")  # no No. column
    call_id = field(body, "callId")
    assert (call_id.max_chars, call_id.mandatory, call_id.number) == (20, True, None)
    assert call_id.description.endswith("An example is 1659513159000-546750.")
    assert (field(body, "ccId").minimum, field(body, "ccId").maximum) == (1, 65535)
    assert (field(body, "vdn").minimum, field(body, "vdn").maximum) == (1, 5000)
    response = tab(page, 3)
    assert "mandatory" not in response.roles
    result = field(response, "result")
    assert result.mandatory is None
    assert [(c.value, c.description, c.concrete) for c in result.codes] == [
        ("0", "success", True), ("Other values", "failure", False)]
    assert "- 0: success\n- Other values: failure" in result.description
    assert result.description.endswith("8.13 and earlier versions.")
    assert concrete(field(response, "resultCode").codes) == ["0100000"]
    assert field(response, "resultDatas").table_refs == (4,)
    data = tab(page, 4)
    assert [f.name for f in data.fields][:3] == ["time", "dsn", "handle"]
    assert field(data, "time").type == "Date" and field(data, "waitTime").type == "Long"
    assert field(data, "deviceNo").description.count("\n- ") == 3
    assert field(data, "mediaBillType").line == 502
    captions = [e.caption for e in page.examples]
    assert captions == ["Request header", "Request parameters", "Response parameters"]
    assert headers(page.examples[0])["Authorization"] == "******************"
    assert page.examples[2].value["resultDesc"]["callInCause"] == 65535
    # "For details, see Table 1." points at this page's request-header table: a doc error.
    assert [(i.line, i.message.split(" (")[0]) for i in page.issues] == [
        (412, "deviceType"), (440, "callFeature"), (454, "mediaType"), (496, "enterReason")]
    assert all("Table 1 'Parameters in the request header', a fields table" in i.message
               for i in page.issues)


@needs_real_pages
def test_create_call_page(pages: dict[str, Page]) -> None:
    page = pages[CREATE_CALL.name]
    assert (page.title, page.operation_name) == (
        "Creating a Bidirectional Call (V3.0.0) (createCall)", "createCall")
    assert page.url == "https://Domain name/apiaccess/CC-Management/v3/mobileAgent/createCall"
    assert shape(page) == [(1, "Request header parameters", "fields", 2),
                           (2, "Request body parameters", "fields", 5),
                           (3, "Response body parameters", "fields", 4),
                           (4, "Return codes for ITA bidirectional calls", "codes", 21)]
    call_data = field(tab(page, 2), "callData")
    assert size(call_data) == 1024
    assert call_data.description.endswith("NOTE:\nITA bidirectional calls do not support the "
                                          "callData field.")
    ret_code = field(tab(page, 3), "retCode")
    assert concrete(ret_code.codes) == ["0", "1", "2", "3", "5", "6", "8", "16", "21"]
    assert ret_code.table_refs == (4,)
    codes = tab(page, 4).codes
    assert tab(page, 4).headers == ("retcode", "retMsg", "Description")
    assert all(c.label for c in codes)
    assert (codes[0].value, codes[0].label, codes[0].description) == (
        "90100100", "Invalid Input Parameter",
        "The request message is incorrect. For example, a parameter is missing or not supported.")
    assert (codes[-1].value, codes[-1].label) == ("90106012", "Callee forbid")


@needs_real_pages
def test_create_call_request_example_is_reported_not_json(pages: dict[str, Page]) -> None:
    page = pages[CREATE_CALL.name]
    header, request, response = page.examples
    assert header.caption == "Request header:" and len(headers(header)) == 3
    assert header.end_line == 559  # the caption on the next line ends the header block
    assert request.caption == "Request parameters:" and request.caption_line == 560
    expected = "\n".join(CREATE_CALL.read_text(encoding="utf-8").split("\n")[560:564])
    assert request.raw == expected  # verbatim, tabs and odd indentation included
    assert "\t\"softPhone\": 66666666 \"called\": 6666614" in request.raw
    assert not request.is_json and request.value is None
    assert request.json_error is not None and request.json_error.line == 563
    assert "delimiter" in request.json_error.message
    assert any(i.line == 563 and "not valid JSON" in i.message for i in page.issues)
    assert response.value == {"retMsg": "Called is not configured", "retCode": "5"}


@needs_real_pages
def test_isales_page(pages: dict[str, Page]) -> None:
    page = pages[ISALES_DETAIL.name]
    assert page.title == "Querying Details About a Single Outbound Call Result"
    assert (page.title_line, page.updated, page.method) == (3, "2023-09-27", "GET")
    assert page.url == ("https://ip:port/rest/isales/v1/openapi/campaigns/{vdnId}"
                        "/callresultdetail/{callId}")
    assert page.path_params == ("vdnId", "callId")
    assert shape(page) == [(1, "Parameters in the URL", "fields", 2),
                           (2, "Request header parameters", "fields", 2),
                           (3, "Response body parameters", "fields", 5),
                           (4, "Parameter description of data", "fields", 10),
                           (5, "Error code description", "codes", 13)]
    vdn = field(tab(page, 1), "vdnId")
    assert (vdn.type, vdn.mandatory, vdn.minimum, vdn.maximum) == ("Integer", True, 1, 9999)
    # "No request body exists." ends Table 2 instead of joining a description.
    assert field(tab(page, 2), "Authorization").description.endswith("Authentication.")
    assert field(tab(page, 3), "data").type == "JSON object"
    assert field(tab(page, 3), "data").table_refs == (4,)
    assert concrete(field(tab(page, 3), "returnCode").codes) == ["0200000"]
    assert concrete(field(tab(page, 4), "callStatus").codes) == ["5", "6"]
    codes = tab(page, 5).codes
    assert [c.value for c in codes][:3] == ["0200001", "0200007", "02000001"]
    assert any(c.value == "02000009" for c in codes) and all(isinstance(c.value, str)
                                                            for c in codes)
    [example] = page.examples
    assert (example.caption or "").startswith("The following provides an example")
    assert (example.line, example.end_line, example.scope) == (98, 115, "response")
    assert example.value["returnCode"] == "0200000"
    assert page.statuses == () and page.issues == ()


@needs_real_pages
def test_call_detail_record_page(pages: dict[str, Page]) -> None:
    page = pages[CALL_DETAIL_RECORD.name]
    assert (page.title_line, page.operation_name) == (3, "queryCallDetailRecord")
    assert shape(page) == [(1, "Request header parameters", "fields", 2),
                           (2, "Request body parameters", "fields", 1),
                           (3, "Body parameters", "fields", 7),
                           (4, "Response body parameters", "fields", 24),
                           (5, "Reason codes for ITA bidirectional calls", "codes", 70)]
    assert field(tab(page, 2), "Body").type == "Body"
    body = tab(page, 3)
    assert field(body, "endTime").parent == "1" and field(body, "Body").parent is None
    assert concrete(field(body, "taskType").codes) == ["0", "1", "2", "3", "4"]
    response = tab(page, 4)
    call_info = field(response, "callInfo")
    assert (call_info.number, call_info.type, call_info.base_type) == ("1.3.2", "Array [Object]",
                                                                      "array")
    nested = [f for f in response.fields if f.parent == "1.3.2"]
    assert [f.number for f in nested] == [f"1.3.2.{i}" for i in range(1, 20)]
    assert (nested[0].name, nested[-1].name) == ("callSerialNo", "agentPresent")
    reason = field(response, "reasonCode")
    assert (reason.minimum, reason.maximum, reason.table_refs) == (0, 65535, (5,))
    assert len(concrete(reason.codes)) == 7 and reason.codes[-1].value == "xxx"
    assert size(field(response, "agentPresent")) == 32
    assert [e.caption for e in page.examples] == ["Request header:", "Request parameters:",
                                                  "Response header:", "Response parameters:"]
    assert page.examples[3].value["result"]["callInfo"][0]["reasonCode"] == 1
    assert page.issues == ()


@needs_real_pages
def test_token_page_without_tables(pages: dict[str, Page]) -> None:
    page = pages[TOKEN.name]
    assert page.title == "C1 System Configuration Interface Authentication"
    assert (page.updated, page.tables, page.method) == ("2023-09-27", (), None)
    assert any("no HTTP method" in i.message for i in page.issues)
    assert page.url == "https://Domain address/apigovernance/api/oauth/tokenByAkSk"
    header, request, response = page.examples
    assert (header.caption, header.part, header.is_json) == ("Request Header", "header", False)
    assert headers(header) == {"Content-Type": "application/json", "X-Token-Expire": "600"}
    assert request.value == {"app_key": "xxxxxxxxxxxxxxxx", "app_secret": "yyyyyyyyyyyyyyyyyy"}
    assert response.key_paths()[0] == "AccessToken" and response.line == 44
    prose = {f.name: f for f in page.prose_fields}
    assert list(prose) == ["X-Token-Expire", "app_key", "app_secret", "AccessToken"]
    assert prose["X-Token-Expire"].maximum == 3600 and prose["X-Token-Expire"].line == 27
    assert prose["app_key"].description == ("app_key indicates the app ID. Contact operations "
                                            "personnel to obtain it.")


@needs_real_pages
@pytest.mark.parametrize("path", REAL_PAGES, ids=lambda p: p.name)
def test_model_is_immutable_and_lines_point_into_the_file(pages: dict[str, Page],
                                                          path: Path) -> None:
    page = pages[path.name]
    lines = path.read_text(encoding="utf-8").split("\n")
    with pytest.raises(dataclasses.FrozenInstanceError):
        page.title = "x"  # type: ignore[misc]
    for table in page.tables:
        assert isinstance(table.rows, tuple)
        assert lines[table.line - 1].startswith(f"Table {table.number} ")
        for f in table.fields:
            assert lines[f.line - 1].strip() == f.name
        for c in table.codes:
            assert c.value in lines[c.line - 1]
    for example in page.examples:
        assert example.raw == "\n".join(lines[example.line - 1:example.end_line])


# ----------------------------------------------------------------------------- fixture pages


def test_fixture_variations() -> None:
    page = load_page(FIXTURES / "variations_get_two_path_params.txt")
    assert (page.title, page.title_line, page.updated) == (
        "Querying Skills of an Agent (queryAgentSkills)", 4, "2024-03-15")
    assert (page.method, page.path_params) == ("GET", ("vdnId", "agentId"))
    assert shape(page) == [(1, "Parameters in the URL", "fields", 2),
                           (2, "Request header parameters", "fields", 2),
                           (3, "Response body parameters", "fields", 4),
                           (4, "Error codes", "codes", 4)]
    url_params = tab(page, 1)  # Mandatory before "Value Type", Mandatory/Optional values
    assert url_params.roles == ("name", "mandatory", "type", "description")
    vdn, agent = url_params.fields
    assert (vdn.name, vdn.type, vdn.mandatory, vdn.mandatory_raw) == ("vdnId", "Integer", True,
                                                                      "Mandatory")
    assert (agent.type, agent.mandatory, agent.minimum, agent.maximum) == ("Int", False, 101,
                                                                           59999)
    trace = field(tab(page, 2), "X-Trace-Id")  # the No. column is back in this table
    assert (trace.number, trace.type, trace.mandatory, trace.max_chars) == ("2", "UUID", False, 36)
    response = tab(page, 3)  # description is not the last column
    assert response.roles == ("name", "type", "description", "mandatory")
    result = field(response, "resultCode")
    assert (result.mandatory, result.table_refs) == (True, (4,))
    assert result.description == ("Query result.\n- 0100000: success\n- Other values: failure\n"
                                  "For details, see Table 4.")
    skills = field(response, "skills")
    assert (skills.type, skills.base_type, skills.mandatory) == ("Array[String]", "array", False)
    count = field(response, "skillCount")  # "Enum" is not a type word the parser knows
    assert (count.type, count.base_type, count.maximum, size(count)) == (
        "Enum", None, 100, 3)
    assert field(response, "online").base_type == "boolean"
    codes = tab(page, 4).codes
    assert [(c.value, c.concrete) for c in codes] == [
        ("CMS.0001", True), ("AICC-E1002", True), ("E_TIMEOUT", True), ("Others", False)]
    assert codes[1].description == "The agent does not exist.\nCheck the agent ID."
    assert page.statuses == ((400, "Incorrect request. Check the request path and parameters."),)
    [example] = page.examples
    assert example.caption == "Response Example" and example.value["skills"][1] == "Video"
    assert page.prose_fields == () and page.issues == ()


def test_fixture_code_table_variants() -> None:
    page = load_page(FIXTURES / "code_table_variants.txt")
    assert (page.operation_name, page.method, page.title_line) == ("deleteTask", "DELETE", 1)
    assert shape(page) == [(1, "Request body parameters", "fields", 2),
                           (2, "Return codes", "codes", 3),
                           (3, "Result codes", "codes", 2)]
    mode = field(tab(page, 1), "mode")
    assert [(c.value, c.description) for c in mode.codes] == [("0", "keep a running task"),
                                                             ("1", "delete it anyway")]
    ok, failed, other = tab(page, 2).codes
    assert (ok.value, ok.label, ok.description) == ("0", "Success", "The task is deleted.")
    assert (failed.value, failed.label) == ("-1", "Failure")
    assert failed.description == ("The task fails to be deleted.\nPossible causes:\n"
                                  "- The task is running.\n- The task does not exist.")
    assert (other.value, other.concrete) == ("xxx", False)
    assert [c.value for c in tab(page, 3).codes] == ["0200000", "02000009"]
    request, response = page.examples
    assert request.raw == '    {"taskId": 12, "force": tru}' and error_line(request) == 96
    assert response.value == {"retcode": "0", "retMsg": "Success"}
    assert [i.line for i in page.issues] == [96]


def test_fixture_broken_page_yields_issues() -> None:
    page = load_page(FIXTURES / "broken_page.txt")
    assert page.url == "https://Domain name/apiaccess/v1/broken"
    messages = {(i.line, i.message.split(":")[0]) for i in page.issues}
    assert (27, "name refers to Table 9, which is not on this page") in messages
    assert (37, "Table 1") in messages  # 1.2.1 has no parent row 1.2
    assert (45, "Table 2 has no recognisable header row") in messages
    assert any(i.line == 53 and "not valid JSON" in i.message for i in page.issues)
    assert tab(page, 2).kind == "unknown" and tab(page, 2).rows == ()
    assert field(tab(page, 1), "orphan").parent is None


# ----------------------------------------------------------------------------- inline variants


def page_of(*cells: str) -> Page:
    """A page whose paragraphs are ``cells``, the way the dumps separate table cells."""
    return parse_page("\n\n".join(cells))


def test_description_first_column_and_unknown_extra_column() -> None:
    page = page_of("Updated on 2024-01-01 GMT+08:00", "Sample (sample)", "Method", "PUT",
                   "Table 1 Body", "Description", "Parameter", "Type", "Default Value",
                   "Task name.", "Length limit: string (64)", "name", "String", "-",
                   "Priority. The value ranges from 1 to 10.", "priority", "Integer", "5",
                   "Error Codes", "None")
    table = tab(page, 1)
    assert table.roles == ("description", "name", "type", "other")
    name, priority = table.fields
    assert (name.name, size(name)) == ("name", 64)
    assert name.extra == (("Default Value", "-"),)
    assert (priority.maximum, priority.extra) == (10, (("Default Value", "5"),))
    assert page.method == "PUT" and page.url is None
    assert any("no request URL" in i.message for i in page.issues)


def test_rows_that_do_not_fit_are_reported_not_guessed() -> None:
    page = page_of("Updated on 2024-01-01 GMT+08:00", "Sample", "Table 1 Codes", "Error Code",
                   "Description", "Not a code at all.", "E001", "Bad.", "Response", "URI",
                   "https://h/x")
    assert [c.value for c in tab(page, 1).codes] == ["E001"]
    assert any("skipped" in i.message for i in page.issues)


def test_sentence_starting_with_table_is_not_a_caption() -> None:
    text = "Updated on 2024-01-01 GMT+08:00\n\nT\n\nTable 3 describes the body.\n\nPOST"
    page = parse_page(text)
    assert page.tables == () and page.method == "POST"


def test_prose_heuristics_for_unseen_pages() -> None:
    page = page_of("Updated on 2024-01-01 GMT+08:00", "Uploading a File (uploadFile)",
                   "Only PUT requests are supported.", "Request URL: https://h/v1/files/{fileId}",
                   "This indicates nothing.", "  • file_name indicates the file name. "
                   "The value contains a maximum of 64 characters.",
                   '{"file_name": "a.wav"}', "[Optional] prose in brackets is not an example.",
                   "  • Status code: 200", "Table 1 Response body", "Parameter", "Type",
                   "Description", "ok", "Boolean", "Whether it worked.")
    assert (page.method, page.url, page.path_params) == ("PUT", "https://h/v1/files/{fileId}",
                                                         ("fileId",))
    [prose] = page.prose_fields
    assert (prose.name, prose.max_chars) == ("file_name", 64)
    [example] = page.examples  # a bare JSON block without caption
    assert (example.caption, example.value) == (None, {"file_name": "a.wav"})
    assert example.key_paths() == ("file_name",)
    assert page.statuses == ((200, ""),)  # the table after it is not its explanation
    assert tab(page, 1).fields[0].description == "Whether it worked."
    assert page.issues == ()


def test_pseudo_json_header_example_and_header_map() -> None:
    page = page_of("Updated on 2024-01-01 GMT+08:00", "T", "POST", "https://h/x",
                   "Request Header", "{", "Content-Type: application/json", "X-Token-Expire:600",
                   "}")
    [header] = page.examples
    assert header.header_map == {"Content-Type": "application/json", "X-Token-Expire": "600"}
    assert not header.is_json and page.issues == ()


# ----------------------------------------------------------------------------- never raise


def assert_sane(page: Page) -> None:
    assert isinstance(page, Page)
    assert not any("internal parser error" in i.message for i in page.issues), page.issues
    for example in page.examples:
        if example.is_json:
            json.dumps(example.value)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_arbitrary_text_never_raises(text: str) -> None:
    assert_sane(parse_page(text))


PAGE_WORDS = ["Table 1 Body", "No.", "Parameter", "Type", "Value Type", "Mandatory", "Yes", "No",
              "Description", "1.1", "1.2.1", "retCode", "String", "{", "}", "[", "]",
              '"a": 1,', "Request parameters:", "  • Status code: 200", "Updated on 2023-01-01",
              "xxx: Other", "0: ok", "Length limit: string (3)", "", "Response header:",
              "x-app-key:1", "https://h/{a}", "GET", "Error Code", "retMsg", "  • 0: success"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PAGE_WORDS), max_size=80))
def test_page_like_noise_never_raises(words: list[str]) -> None:
    assert_sane(parse_page("\n".join(words)))


@needs_real_pages
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(REAL_PAGES), st.data())
def test_mutated_real_pages_never_raise(path: Path, data: st.DataObject) -> None:
    lines = path.read_text(encoding="utf-8").split("\n")
    for _ in range(data.draw(st.integers(0, 25))):
        at = data.draw(st.integers(0, len(lines) - 1)) if lines else 0
        action = data.draw(st.sampled_from(["delete", "duplicate", "swap", "shuffle"]))
        if not lines:
            break
        if action == "delete":
            del lines[at]
        elif action == "duplicate":
            lines.insert(at, lines[at])
        elif action == "swap":
            other = data.draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
        else:
            window = lines[at:at + 12]
            lines[at:at + 12] = data.draw(st.permutations(window))
    assert_sane(parse_page("\n".join(lines), str(path)))
