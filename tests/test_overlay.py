"""Errata overlays: the JSONPath subset, Overlay 1.0 update/remove semantics, strict errors
(a target that matches nothing, an update that changes nothing) and "ready to retire"."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from generator.diagnostics import Level
from generator.drift import import_with_errata
from generator.importer import import_page
from generator.overlay import (
    JsonPathError,
    apply_errata,
    apply_overlay,
    load_overlay,
    load_overlays,
    select,
)
from generator.pages import load_page

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
ERRATA = ROOT / "specs" / "errata"
QUERY_CALL_STATE = SHARED / "seeds" / "000_ec40b043baf10895.txt"
CREATE_CALL = SHARED / "seeds" / "002_e3995375e5b96a71.txt"

DOC: dict[str, Any] = {
    "x-doc": {"page": "p"},
    "paths": {"/a/b": {"post": {"parameters": [{"name": "f", "in": "query"}, {"name": "g", "in": "header"}]}}},
    "components": {"schemas": {"S": {"type": "object", "properties": {
        "a": {"type": "string", "x-doc": {"row": "1.1"}},
        "b": {"type": "integer", "maximum": 9, "x-doc": {"row": "1.2"}},
        "type": {"type": "string"}}}}},
    "list": [1, 2, 3],
}


# ----------------------------------------------------------------------------- JSONPath


@pytest.mark.parametrize(("query", "pointers"), [
    ("$", [""]),
    ("$['x-doc']", ["/x-doc"]),
    ("$.paths['/a/b'].post", ["/paths/~1a~1b/post"]),
    ('$.paths["/a/b"].post.parameters[-1].name', ["/paths/~1a~1b/post/parameters/1/name"]),
    ("$.list[0]", ["/list/0"]),
    ("$.list[*]", ["/list/0", "/list/1", "/list/2"]),
    ("$.components.schemas.S.properties['a','b']", ["/components/schemas/S/properties/a",
                                                    "/components/schemas/S/properties/b"]),
    ("$.components.schemas.S.properties.type", ["/components/schemas/S/properties/type"]),
    # a filter over an object's members yields the members by name, not by position
    ("$.components.schemas.S.properties[?@.type == 'string']", ["/components/schemas/S/properties/a",
                                                              "/components/schemas/S/properties/type"]),
    ("$.components.schemas.S.properties[?@['x-doc'].row == '1.2' && @.maximum > 5]",
     ["/components/schemas/S/properties/b"]),
    ("$.components.schemas.S.properties[?@['x-doc'] && !(@.type == 'integer')]",
     ["/components/schemas/S/properties/a"]),
    ("$.paths.*.post.parameters[?@.name == 'g' || @.in == 'nowhere']", ["/paths/~1a~1b/post/parameters/1"]),
    ("$..row", ["/components/schemas/S/properties/a/x-doc/row", "/components/schemas/S/properties/b/x-doc/row"]),
    ("$.nothing.here", []),
])
def test_jsonpath_subset(query: str, pointers: list[str]) -> None:
    assert [p for p, _ in select(DOC, query)] == pointers


@pytest.mark.parametrize(("query", "column"), [
    ("$.x-doc", 4),  # RFC 9535: a member name with '-' needs brackets; never a silent miss
    ("$[", 3),
    ("paths", 1),
    ("$.a[?@.b ==]", 12),
    ("$['unterminated", 16),
])
def test_jsonpath_syntax_errors_name_the_column(query: str, column: int) -> None:
    with pytest.raises(JsonPathError) as caught:
        select(DOC, query)
    assert caught.value.column == column


# ----------------------------------------------------------------------------- overlay semantics


def overlay_file(tmp_path: Path, actions: str, name: str = "t.overlay.yaml") -> Path:
    path = tmp_path / name
    path.write_text("overlay: 1.0.0\ninfo: {title: test, version: '1'}\nextends: p.yaml\nactions:\n" + actions)
    return path


def test_update_merges_objects_replaces_values_and_appends_to_arrays(tmp_path: Path) -> None:
    overlay = load_overlay(overlay_file(tmp_path, """
  - target: $.components.schemas.S.properties.a
    update: {type: [string, integer], x-doc: {type: String}}
  - target: $.list
    update: 4
  - target: $.paths['/a/b'].post.parameters[?@.name == 'f']
    remove: true
"""))
    assert overlay.findings == []
    original = copy.deepcopy(DOC)
    result, outcomes = apply_overlay(DOC, overlay)
    assert DOC == original  # the input is never changed
    a = result["components"]["schemas"]["S"]["properties"]["a"]
    assert a == {"type": ["string", "integer"], "x-doc": {"row": "1.1", "type": "String"}}
    assert result["list"] == [1, 2, 3, 4]
    assert [p["name"] for p in result["paths"]["/a/b"]["post"]["parameters"]] == ["g"]
    assert [(o.matched, o.changed, o.problem) for o in outcomes] == [(1, True, None)] * 3


def strict(tmp_path: Path, actions: str) -> list[Any]:
    overlay = load_overlay(overlay_file(tmp_path, actions))
    _, findings = apply_errata(copy.deepcopy(DOC), [overlay], page=None)
    return findings


def test_a_target_that_matches_nothing_is_an_error(tmp_path: Path) -> None:
    [finding] = strict(tmp_path, "  - target: $.components.schemas.Gone\n    update: {type: string}\n")
    assert finding.level == Level.ERROR and finding.rule == "overlay"
    assert finding.file.endswith("t.overlay.yaml") and finding.pointer == "/actions/0/target"
    assert finding.line == 5
    assert "action 0 ($.components.schemas.Gone): the target matches nothing" in finding.message


def test_an_update_that_changes_nothing_is_an_error(tmp_path: Path) -> None:
    findings = strict(tmp_path, """
  - target: $.components.schemas.S.properties.b
    update: {type: integer}
  - target: $.components.schemas.S.properties.b
    update: {maximum: 8}
""")
    [finding] = findings
    assert finding.level == Level.ERROR and finding.pointer == "/actions/0"
    assert "action 0 ($.components.schemas.S.properties.b): the update changes nothing" in finding.message


@pytest.mark.parametrize(("actions", "expected"), [
    ("  - target: $.components.schemas.S.properties.a.type\n    update: integer\n", "a primitive value"),
    (("  - target: $.components.schemas.S\n    update: {properties: {a: {enum: [x]}}, x: [1]}\n"
      "  - target: $.components.schemas.S\n    update: {x: [2]}\n"), "merge an array into the array"),
    ("  - target: $.components.x-doc\n    update: {a: 1}\n", "invalid JSONPath"),
])
def test_other_strict_errors(tmp_path: Path, actions: str, expected: str) -> None:
    findings = strict(tmp_path, actions)
    assert any(f.level == Level.ERROR and expected in f.message for f in findings), [f.message for f in findings]


@pytest.mark.parametrize(("text", "expected"), [
    ("openapi: 3.1.0\n", "not an Overlay 1.0 document"),
    ("overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions: []\n", "actions must be a non-empty list"),
    ("overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n  - target: $.a\n", "neither update nor remove"),
    ("overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n  - target: $.a\n    updte: {}\n", "unknown field"),
    ("overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n  - target: a.b\n    update: {}\n", "must be a JSONPath"),
    ("overlay: [\n", "invalid YAML"),
])
def test_malformed_overlays_are_findings(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    overlay = load_overlay(path)
    assert any(expected in f.message for f in overlay.findings), [f.message for f in overlay.findings]


def test_the_bundled_overlays_are_well_formed() -> None:
    overlays = load_overlays(ERRATA)
    assert len(overlays) == 6
    for overlay in overlays:
        assert overlay.findings == [] and overlay.extends
        for action in overlay.actions:
            assert action.erratum or action.decision, f"{overlay.path} action {action.index} cites no reason"


# ----------------------------------------------------------------------------- ready to retire


def edited(tmp_path: Path, source: Path, old: str, new: str) -> Path:
    text = source.read_text(encoding="utf-8")
    assert old in text, old
    target = tmp_path / source.name
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    return target


def errata_findings(page_path: Path) -> list[Any]:
    _, _, findings = import_with_errata([page_path], ERRATA)
    return [f for f in findings if f.rule in ("overlay", "erratum-retire") and f.level >= Level.WARNING]


def test_no_erratum_is_ready_to_retire_on_the_real_pages() -> None:
    for page in (QUERY_CALL_STATE, CREATE_CALL):
        assert errata_findings(page) == []


def test_example_type_erratum_whose_example_now_agrees_is_ready_to_retire(tmp_path: Path) -> None:
    page = edited(tmp_path, QUERY_CALL_STATE, '"startTime": 1621823865000', '"startTime": "1621823865000"')
    page.write_text(page.read_text().replace('"endTime": 1621823872000', '"endTime": "1621823872000"'))
    [finding] = errata_findings(page)
    assert (finding.level, finding.rule) == (Level.WARNING, "erratum-retire")
    assert finding.file.endswith("queryCallState.overlay.yaml") and finding.pointer.startswith("/actions/")
    assert "erratum QCS-1: the examples now agree with the documented types; ready to retire" in finding.message


def test_example_type_erratum_stays_while_one_value_still_disagrees(tmp_path: Path) -> None:
    page = edited(tmp_path, QUERY_CALL_STATE, '"startTime": 1621823865000', '"startTime": "1621823865000"')
    assert errata_findings(page) == []


def test_repaired_example_erratum_retires_when_the_page_is_fixed(tmp_path: Path) -> None:
    """The fix makes the repair a no-op: that is "ready to retire", not a strict error."""
    page = edited(tmp_path, CREATE_CALL, '"softPhone": 66666666 "called"', '"softPhone": 66666666, "called"')
    findings = errata_findings(page)
    assert [(f.level, f.rule) for f in findings] == [(Level.WARNING, "erratum-retire")]
    assert "erratum CC-1" in findings[0].message
    # CC-2 (numbers where the table says String) is still true of the fixed example


def test_table_type_change_retires_a_lax_decode_erratum(tmp_path: Path) -> None:
    page = edited(tmp_path, QUERY_CALL_STATE, "startTime\n\nString", "startTime\n\nNumber")
    page.write_text(page.read_text().replace("endTime\n\nString", "endTime\n\nNumber"))
    assert any("erratum QCS-1" in f.message and f.rule == "erratum-retire" for f in errata_findings(page))


def test_mandatory_conflict_retires_when_the_body_becomes_mandatory(tmp_path: Path) -> None:
    source = SHARED / "seeds" / "004_53290dffb307faa2.txt"
    page = edited(tmp_path, source, "Body\n\nBody\n\nNo", "Body\n\nBody\n\nYes")
    findings = errata_findings(page)
    assert [f.message.split(":")[0] for f in findings if f.rule == "erratum-retire"] == ["erratum QCDR-3"]
    assert not any(f.level >= Level.ERROR for f in findings)


def test_apply_errata_without_a_page_never_raises(tmp_path: Path) -> None:
    doc, _ = import_page(load_page(QUERY_CALL_STATE))
    overlay = load_overlay(ERRATA / "queryCallState.overlay.yaml")
    data, findings = apply_errata(doc, [overlay], page=load_page(QUERY_CALL_STATE))
    assert findings == [] and len(data["x-errata"]) == 3
