"""`aiccgen import`: pages of the AICC/CEC family -> OpenAPI specs with provenance.

A page written for these tests shows variations the six real pages do not (a POST with path
and query parameters, columns in another order per table, "Value Type" and "Mandatory",
description before type, four levels of numbering, codes in a description and a separate
code table, a request example that is not JSON); the real pages must import into specs that
pass `aiccgen validate` once the errata are applied; and no page, however mangled, may make
the importer raise.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.drift import default_pages, import_with_errata
from generator.facts import comparable, load_spec_facts, project
from generator.importer import import_page, import_pages, page_key, write_specs
from generator.pages import load_page, parse_page
from generator.pipeline import check_specs

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
VARIATIONS = FIXTURES / "import" / "pause_task_variations.txt"
SPECS = ROOT / "specs"
PATH = "/rest/isales/v1/openapi/campaigns/{vdnId}/tasks/{taskId}/pause"


def schema(doc: dict[str, Any], ref: dict[str, Any]) -> dict[str, Any]:
    return doc["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]]


@pytest.fixture(scope="module")
def imported() -> tuple[dict[str, Any], list[Any]]:
    return import_page(load_page(VARIATIONS))


def test_unseen_page_operation_and_parameters(imported: tuple[dict[str, Any], list[Any]]) -> None:
    doc, _ = imported
    assert list(doc["x-doc-pages"]) == ["pauseTask"]
    assert doc["x-doc-pages"]["pauseTask"]["updated"] == "2024-05-20"
    op = doc["paths"][PATH]["post"]
    assert op["operationId"] == "pauseTask" and op["x-doc"] == {"page": "pauseTask"}
    params = {p["name"]: p for p in op["parameters"]}
    assert (params["vdnId"]["in"], params["vdnId"]["required"]) == ("path", True)
    assert params["vdnId"]["schema"].items() >= {"type": "integer", "minimum": 1, "maximum": 9999}.items()
    assert params["taskId"]["schema"] == {"type": "string", "maxLength": 20, "minLength": 1}
    assert params["taskId"]["x-doc"] == {"table": 1, "row": "taskId", "type": "String", "mandatory": "Yes",
                                         "length": "string (20)"}
    assert (params["dryRun"]["in"], params["dryRun"]["schema"]) == ("query", {"type": "boolean"})
    # "Mandatory or Not" before "Type" in the header table; a "maximum of 36 characters" limit
    assert params["X-Request-Id"]["schema"] == {"type": "string", "maxLength": 36}
    assert params["X-Request-Id"]["x-doc"]["row"] == "3" and params["X-Request-Id"]["required"] is False
    assert op["x-request-headers"] == {"Content-Type": "application/json; charset=UTF-8"}
    scheme = doc["components"]["securitySchemes"]["authorization"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")
    assert "Authorization" not in params and "Content-Type" not in params


def test_unseen_page_request_body(imported: tuple[dict[str, Any], list[Any]]) -> None:
    doc, _ = imported
    body = doc["paths"][PATH]["post"]["requestBody"]
    request = schema(doc, body["content"]["application/json"]["schema"])
    assert request["x-doc"] == {"page": "pauseTask", "table": 3}  # no "No." column here
    assert request["required"] == ["reason"]
    props = request["properties"]
    assert (props["reason"]["maxLength"], props["reason"]["description"]) == (256, "Reason for pausing the task.")
    mode = schema(doc, props["mode"])  # codes in a request description: a closed table
    assert (mode["type"], mode["enum"]) == ("integer", [0, 1])
    assert mode["x-enum-descriptions"] == ["pause immediately", "pause after the current calls end"]
    assert mode["x-doc"] == {"page": "pauseTask", "table": 3, "row": "mode"}
    assert props["mode"]["description"] == "How to pause the task."  # code lines are structure
    assert props["resumeAt"].items() >= {"type": "integer", "format": "epoch-ms"}.items()


def test_unseen_page_response_nesting_limits_and_codes(imported: tuple[dict[str, Any], list[Any]]) -> None:
    doc, _ = imported
    response = schema(doc, doc["paths"][PATH]["post"]["responses"]["200"]["content"]["application/json"]["schema"])
    assert response["required"] == ["returnCode"]  # description before type, mandatory last
    return_code = response["properties"]["returnCode"]
    own, table5, open_ = return_code["anyOf"]
    assert (schema(doc, own)["enum"], schema(doc, own)["x-enum-other"]) == (["0200000"], "failure")
    codes = schema(doc, table5)  # a separate code table, "For details, see Table 5."
    assert codes["enum"] == ["0200001", "02000004"] and codes["x-doc"] == {"page": "pauseTask", "table": 5}
    assert open_ == {"type": "string"}
    result = schema(doc, response["properties"]["result"])
    state = result["properties"]["taskState"]
    state_codes = schema(doc, state["anyOf"][0])
    assert (state_codes["type"], state_codes["enum"], state_codes["x-enum-other"]) == (
        "integer", [0, 1, 2], "other states")
    assert state["anyOf"][1] == {"type": "integer", "minimum": 0, "maximum": 99}  # number (2)
    assert state["x-doc"] == {"row": "1.3.1", "type": "Number", "mandatory": "No", "length": "number (2)"}
    calls = result["properties"]["pausedCalls"]
    assert calls["type"] == "array" and calls["x-doc"]["type"] == "Array [Object]"
    call = schema(doc, calls["items"])  # 1.3.2.1: the fourth level
    assert call["required"] == ["callId"] and call["properties"]["callId"]["maxLength"] == 32
    assert call["properties"]["retryTimes"].items() >= {"type": "integer", "minimum": 0, "maximum": 10}.items()
    assert call["properties"]["callId"]["x-doc"]["row"] == "1.3.2.1"


def test_unseen_page_malformed_example_is_reported_and_kept(imported: tuple[dict[str, Any], list[Any]]) -> None:
    doc, findings = imported
    example = doc["paths"][PATH]["post"]["requestBody"]["content"]["application/json"]["examples"]["documented"]
    assert "value" not in example and example["x-verbatim"].startswith('{\n    "reason": "maintenance"')
    [problem] = [f for f in findings if f.rule == "example"]
    assert (problem.file, problem.line) == (str(VARIATIONS), 258) and "not valid JSON" in problem.message
    response = doc["paths"][PATH]["post"]["responses"]["200"]["content"]["application/json"]["examples"]
    assert response["documented"]["value"]["result"]["taskState"] == 1


def test_unseen_page_facts_are_keyed_by_provenance(imported: tuple[dict[str, Any], list[Any]]) -> None:
    doc, _ = imported
    facts = comparable(project({"/x/pauseTask.yaml": doc}))
    assert facts[("row", "pauseTask", 4, "1.3.2.1", "maxLength")].value == (32,)
    assert facts[("row", "pauseTask", 4, "1.3.1", "code", "2", "meaning")].value == "finished"
    assert facts[("table", "pauseTask", 5, "code", "02000004", "meaning")].value == "The task does not exist."
    assert facts[("row", "pauseTask", 1, "vdnId", "maximum")].value == (9999,)
    assert facts[("operation", "pauseTask", "method")].value == "POST"


def test_page_keys_of_the_real_pages() -> None:
    keys = [page_key(load_page(p)) for p in default_pages(SPECS)]
    assert sorted(keys) == sorted(["tokenByAkSk", "queryCallState", "querybasiccallinfo", "createCall",
                                   "callresultdetail", "queryCallDetailRecord"])


def test_real_pages_with_errata_pass_validate(tmp_path: Path) -> None:
    result, _, findings = import_with_errata(default_pages(SPECS), SPECS / "errata", str(ROOT.parent / "shared"))
    assert not [f for f in findings if f.level >= 30], [f.format() for f in findings]
    write_specs(result, tmp_path)
    problems, count = check_specs([str(tmp_path)])
    assert count == 6 and problems == [], "\n".join(p.format() for p in problems)
    # what was written reads back as the same facts
    written = comparable(load_spec_facts(tmp_path))
    in_memory = comparable(project({str(tmp_path / s.file): s.data for s in result.specs}))
    assert {k: v.value for k, v in written.items()} == {k: v.value for k, v in in_memory.items()}


def test_raw_import_still_shows_what_the_errata_decide(tmp_path: Path) -> None:
    """Without the overlays the examples contradict their tables: lint says so."""
    write_specs(import_pages(default_pages(SPECS)), tmp_path)
    problems, _ = check_specs([str(tmp_path)])
    assert problems and all(p.rule == "example" for p in problems)


@pytest.mark.parametrize("path", sorted((FIXTURES / "pages").glob("*.txt")), ids=lambda p: p.name)
def test_other_fixture_pages_import_without_errors(path: Path) -> None:
    doc, findings = import_page(load_page(path))
    assert doc.get("openapi") == "3.1.0"
    assert not any("internal importer error" in f.message for f in findings)


def test_code_table_variants_fixture() -> None:
    doc, findings = import_page(load_page(FIXTURES / "pages" / "code_table_variants.txt"))
    op = doc["paths"]["/rest/isales/v1/openapi/campaigns/{vdnId}/tasks/delete"]["delete"]
    request = schema(doc, op["requestBody"]["content"]["application/json"]["schema"])
    assert request["required"] == ["taskId"] and request["properties"]["taskId"]["format"] == "int64"
    tables = {s["x-doc"]["table"]: s for s in doc["components"]["schemas"].values()
              if "enum" in s and "row" not in s["x-doc"]}
    assert tables[2]["enum"] == ["0", "-1"] and tables[2]["x-enum-labels"] == ["Success", "Failure"]
    assert tables[2]["x-enum-other"] == "Other exceptions occur."
    assert tables[3]["enum"] == ["0200000", "02000009"]
    assert any(f.rule == "example" and f.line == 96 for f in findings)


# ----------------------------------------------------------------------------- never raise


def assert_imports(text: str) -> None:
    doc, findings = import_page(parse_page(text, "mutated.txt"))
    assert isinstance(doc, dict)
    assert not any("internal importer error" in f.message for f in findings), [f.message for f in findings]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(default_pages(SPECS)) + [VARIATIONS]), st.data())
def test_mutated_pages_never_raise(path: Path, data: st.DataObject) -> None:
    lines = path.read_text(encoding="utf-8").split("\n")
    for _ in range(data.draw(st.integers(0, 20))):
        if not lines:
            break
        at = data.draw(st.integers(0, len(lines) - 1))
        action = data.draw(st.sampled_from(["delete", "duplicate", "swap", "garble"]))
        if action == "delete":
            del lines[at]
        elif action == "duplicate":
            lines.insert(at, lines[at])
        elif action == "swap":
            other = data.draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
        else:
            lines[at] = data.draw(st.sampled_from(["Table 9 X", "1.1.1.1", "Object", "{", "]", "xxx: y",
                                                  "Length limit: number (3)", "Body", "see Table 3."]))
    assert_imports("\n".join(lines))


@settings(max_examples=100, deadline=None)
@given(st.text())
def test_arbitrary_text_never_raises(text: str) -> None:
    assert_imports(text)
