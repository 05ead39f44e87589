"""`aiccgen diff`: spec changes classified for client users, acknowledgements, output
formats and exit codes; the users' CI workflow and the pre-commit hook definition.

Each case edits a copy of the bundled specs the way a maintainer would (through the
round-trip YAML writer, so quoting and comments survive and the copy still validates),
then diffs the bundled specs against it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import DoubleQuotedScalarString as Quoted

from generator import diff
from generator.diagnostics import display_path
from generator.yamlio import yaml_writer

ROOT = Path(__file__).resolve().parents[1]
SPECS = ROOT / "specs"
MA = "mobile-agent.yaml"
Edit = Callable[[Path], None]


@pytest.fixture(autouse=True)
def _cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The default acknowledgement file is looked up in the working directory: never the
    # repository's own here.
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)


# -- helpers -----------------------------------------------------------------------------

def edit(specs: Path, name: str, change: Callable[[Any], None]) -> None:
    path = specs / name
    y = yaml_writer()
    data = y.load(path.read_text(encoding="utf-8"))
    change(data)
    with path.open("w", encoding="utf-8") as fh:
        y.dump(data, fh)


def schemas(data: Any) -> Any:
    return data["components"]["schemas"]


def variant(tmp_path: Path, *edits: Edit) -> Path:
    new = tmp_path / "new" / "specs"
    shutil.copytree(SPECS, new)
    for e in edits:
        e(new)
    return new


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    code = diff.main([str(a) for a in argv])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return code, captured.out, captured.err


def run_json(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, dict[str, Any]]:
    code, out, _err = run(capsys, *argv, "--format", "json")
    return code, json.loads(out)


def changes_by_id(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in report["changes"]}


def line_of(path: Path, needle: str, after: str | None = None) -> int:
    """1-based line of the first line containing `needle` (after the line containing `after`)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if after in line) if after else 0
    return next(i for i, line in enumerate(lines[start:], start) if needle in line) + 1


# -- spec edits ----------------------------------------------------------------------------

def soft_phone_max_length(value: int) -> Edit:
    def apply(specs: Path) -> None:
        def change(d: Any) -> None:
            prop = schemas(d)["CreateCallRequest"]["properties"]["softPhone"]
            prop["maxLength"] = value
            prop["x-doc"]["length"] = f"string ({value})"  # lint: the page's length matches
        edit(specs, MA, change)
    return apply


def add_required_request_field(specs: Path) -> None:
    def change(d: Any) -> None:
        req = schemas(d)["QueryCallStateRequest"]
        req["properties"]["agentId"] = {
            "type": "string", "maxLength": 32, "description": "Agent ID.",
            "x-doc": {"row": "2", "type": "String", "mandatory": Quoted("Yes"), "length": "string (32)"},
        }
        req["required"].append("agentId")
        op = d["paths"]["/apiaccess/CC-Management/v1/mobileAgent/queryCallState"]["post"]
        example = op["requestBody"]["content"]["application/json"]["examples"]["documented"]
        example["value"]["agentId"] = "1001"
        example["x-verbatim"] = json.dumps(dict(example["value"]))
    edit(specs, MA, change)


def remove_response_field(specs: Path) -> None:
    edit(specs, MA, lambda d: schemas(d)["QueryCallStateResult"]["properties"].pop("callerPresent"))


def add_response_field(specs: Path) -> None:
    def change(d: Any) -> None:
        schemas(d)["QueryCallStateResult"]["properties"]["agentId"] = {
            "type": "string", "description": "Agent ID.",
            "x-doc": {"row": "1.3.10", "type": "String", "mandatory": Quoted("No")},
        }
    edit(specs, MA, change)


def add_code(specs: Path) -> None:
    def change(d: Any) -> None:
        table = schemas(d)["CreateCallRetCode"]
        table["enum"].append(Quoted("99"))
        table["x-enum-varnames"].append("NEW_FAILURE")
        table["x-enum-descriptions"].append("A failure documented later.")
    edit(specs, MA, change)


def remove_code(table_name: str, value: str, file: str = MA) -> Edit:
    def apply(specs: Path) -> None:
        def change(d: Any) -> None:
            table = schemas(d)[table_name]
            i = list(table["enum"]).index(value)
            for key in ("enum", "x-enum-varnames", "x-enum-descriptions", "x-enum-labels"):
                if key in table:
                    del table[key][i]
        edit(specs, file, change)
    return apply


def change_request_type(specs: Path) -> None:
    edit(specs, MA, lambda d: schemas(d)["CreateCallRequest"]["properties"]["callerPresent"].__setitem__(
        "type", "integer"))


def make_request_field_required(specs: Path) -> None:
    def change(d: Any) -> None:
        req = schemas(d)["CreateCallRequest"]
        req["required"].append("caller")
        req["properties"]["caller"]["x-doc"]["mandatory"] = Quoted("Yes")
    edit(specs, MA, change)


def make_response_field_optional(specs: Path) -> None:
    def change(d: Any) -> None:
        resp = schemas(d)["QueryCallStateResponse"]
        resp["required"].remove("retMsg")
        resp["properties"]["retMsg"]["x-doc"]["mandatory"] = Quoted("No")
    edit(specs, MA, change)


def remove_operation(specs: Path) -> None:
    edit(specs, MA, lambda d: d["paths"].pop("/apiaccess/CC-Management/v1/mobileAgent/queryCallState"))


def widen_response_type(specs: Path) -> None:
    edit(specs, MA, lambda d: schemas(d)["CallDetailRecord"]["properties"]["callSerialNo"].__setitem__(
        "type", ["string", "integer"]))


def narrow_response_limit(specs: Path) -> None:
    def change(d: Any) -> None:
        prop = schemas(d)["QueryCallStateResult"]["properties"]["caller"]
        prop["maxLength"] = 16
        prop["x-doc"]["length"] = "string (16)"
    edit(specs, MA, change)


def exclusive_bound_same_range(specs: Path) -> None:
    # ccId >= 1 written as ccId > 0: the same integers, so no change.
    def change(d: Any) -> None:
        prop = schemas(d)["QueryBasicCallInfoRequest"]["properties"]["ccId"]
        del prop["minimum"]
        prop["exclusiveMinimum"] = 0
    edit(specs, "cms.yaml", change)


def reword_only(specs: Path) -> None:
    # A description and a reordered key: nothing a client user sees changes.
    def change(d: Any) -> None:
        props = schemas(d)["CreateCallRequest"]["properties"]
        props["called"]["description"] = "The number to call."
        props.move_to_end("caller")
    edit(specs, MA, change)


CASES = [
    # (edit, change id, kind, severity, direction, exit code)
    pytest.param(soft_phone_max_length(16), "limit-narrowed:createCall:request:softPhone:maxLength", "limit-narrowed",
                 "breaking", "request", 1, id="request-maxLength-narrowed"),
    pytest.param(soft_phone_max_length(64), "limit-widened:createCall:request:softPhone:maxLength", "limit-widened",
                 "compatible", "request", 0, id="request-maxLength-widened"),
    pytest.param(add_required_request_field, "required-field-added:queryCallState:request:agentId",
                 "required-field-added", "breaking", "request", 1, id="required-request-field-added"),
    pytest.param(remove_response_field, "field-removed:queryCallState:response:result.callerPresent", "field-removed",
                 "breaking", "response", 1, id="response-field-removed"),
    pytest.param(add_response_field, "field-added:queryCallState:response:result.agentId", "field-added",
                 "compatible", "response", 0, id="response-field-added"),
    pytest.param(add_code, "code-added:CreateCallRetCode:99", "code-added", "compatible", "response", 0,
                 id="response-code-added"),
    pytest.param(remove_code("CreateCallRetCode", "21"), "code-removed:CreateCallRetCode:21", "code-removed",
                 "breaking", "response", 1, id="response-code-removed"),
    pytest.param(remove_code("TaskType", "3", "codes.yaml"), "code-removed:TaskType:3", "code-removed", "breaking",
                 "both", 1, id="closed-request-code-removed"),
    pytest.param(change_request_type, "type-changed:createCall:request:callerPresent", "type-changed", "breaking",
                 "request", 1, id="request-type-changed"),
    pytest.param(make_request_field_required, "field-required:createCall:request:caller", "field-required",
                 "breaking", "request", 1, id="request-field-made-required"),
    pytest.param(make_response_field_optional, "field-optional:queryCallState:response:retMsg", "field-optional",
                 "breaking", "response", 1, id="response-field-made-optional"),
    pytest.param(remove_operation, "operation-removed:queryCallState", "operation-removed", "breaking", None, 1,
                 id="operation-removed"),
    pytest.param(widen_response_type, "type-widened:queryCallDetailRecord:response:result.callInfo[].callSerialNo",
                 "type-widened", "breaking", "response", 1, id="response-type-widened"),
    pytest.param(narrow_response_limit, "limit-narrowed:queryCallState:response:result.caller:maxLength",
                 "limit-narrowed", "warning", "response", 0, id="response-maxLength-narrowed"),
]


@pytest.mark.parametrize(("change", "change_id", "kind", "severity", "direction", "exit_code"), CASES)
def test_classification(tmp_path: Path, capsys: pytest.CaptureFixture[str], change: Edit, change_id: str, kind: str,
                        severity: str, direction: str | None, exit_code: int) -> None:
    new = variant(tmp_path, change)
    code, report = run_json(capsys, SPECS, new)
    found = changes_by_id(report)
    assert change_id in found, sorted(found)
    c = found[change_id]
    assert (c["kind"], c["severity"], c["direction"]) == (kind, severity, direction)
    assert code == exit_code == report["exit_code"]
    assert report["summary"]["unacknowledged_breaking"] == (1 if severity == "breaking" else 0)


def test_narrowed_request_limit_names_wire_python_and_spec_line(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    new = variant(tmp_path, soft_phone_max_length(16))
    code, out, err = run(capsys, SPECS, new)
    assert code == 1
    [line] = [x for x in out.splitlines() if "softPhone" in x]
    expected_line = line_of(new / MA, "maxLength: 16", after="softPhone:")
    assert line.startswith(f"{display_path(str(new / MA))}:{expected_line}:")
    assert ": breaking: request createCall softPhone " in line
    assert "MobileAgentClient.create_call(soft_phone=...)" in line  # the Python name users write
    assert "maxLength 32 -> 16" in line
    assert line.endswith("[limit-narrowed:createCall:request:softPhone:maxLength]")
    assert "1 unacknowledged breaking change" in err

    _code, report = run_json(capsys, SPECS, new)
    c = changes_by_id(report)["limit-narrowed:createCall:request:softPhone:maxLength"]
    assert (c["old"], c["new"], c["keyword"], c["subject"]) == (32, 16, "maxLength", "softPhone")
    assert c["location"]["side"] == "new" and c["location"]["line"] == expected_line
    assert c["location"]["pointer"] == "/components/schemas/CreateCallRequest/properties/softPhone/maxLength"


def test_removed_field_is_located_in_the_old_spec(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    new = variant(tmp_path, remove_response_field)
    _code, report = run_json(capsys, SPECS, new)
    c = changes_by_id(report)["field-removed:queryCallState:response:result.callerPresent"]
    assert c["python"] == "QueryCallStateResponse.result.caller_present"
    assert c["location"]["side"] == "old"
    assert c["location"]["line"] == line_of(SPECS / MA, "callerPresent:", after="QueryCallStateResult:")


def test_removed_operation_reports_the_operation_not_each_field(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    new = variant(tmp_path, remove_operation)
    _code, report = run_json(capsys, SPECS, new)
    assert [c["id"] for c in report["changes"]] == ["operation-removed:queryCallState"]
    assert report["changes"][0]["python"] == "MobileAgentClient.query_call_state"


def move_table_to_codes_yaml(specs: Path) -> None:
    # A code table moved into the shared file: same class, same values, nothing to report.
    moved: dict[str, Any] = {}

    def take(d: Any) -> None:
        moved["table"] = schemas(d).pop("QueryCallStateRetCode")
        ret_code = schemas(d)["QueryCallStateResponse"]["properties"]["retCode"]
        ret_code["anyOf"][0]["$ref"] = "codes.yaml#/components/schemas/QueryCallStateRetCode"

    edit(specs, MA, take)
    edit(specs, "codes.yaml", lambda d: schemas(d).__setitem__("QueryCallStateRetCode", moved["table"]))


@pytest.mark.parametrize("change", [exclusive_bound_same_range, reword_only, move_table_to_codes_yaml])
def test_changes_users_cannot_see_are_not_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                   change: Edit) -> None:
    new = variant(tmp_path, change)
    code, report = run_json(capsys, SPECS, new)
    assert (code, report["changes"]) == (0, [])


def test_warnings_fail_only_when_asked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    new = variant(tmp_path, narrow_response_limit)
    assert run(capsys, SPECS, new)[0] == 0
    assert run(capsys, SPECS, new, "--fail-on", "warning")[0] == 1


def test_identical_specs_have_no_changes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, SPECS, variant(tmp_path))
    assert (code, out) == (0, "")
    assert "no changes" in err


# -- acknowledgements ------------------------------------------------------------------------

def write_ack(path: Path, *entries: tuple[str, str]) -> Path:
    lines = ["acknowledged:"]
    for ack_id, reason in entries:
        lines += [f"  - id: {json.dumps(ack_id)}", f"    reason: {json.dumps(reason)}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_acknowledged_breaking_change_passes_and_stale_entry_is_reported(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    new = variant(tmp_path, soft_phone_max_length(16), add_code)
    ack = write_ack(tmp_path / "acks.yaml",
                    ("limit-narrowed:createCall:request:softPhone:maxLength", "The page now says 16; callers checked."),
                    ("code-removed:ReasonCode:6", "Left over from an earlier change."))
    code, out, err = run(capsys, SPECS, new, "--ack", ack)
    assert code == 0, out
    assert "breaking (acknowledged): request createCall softPhone" in out
    assert "acknowledged: The page now says 16; callers checked." in out
    stale = [x for x in out.splitlines() if "[stale-acknowledgement]" in x]
    assert len(stale) == 1 and "code-removed:ReasonCode:6" in stale[0]
    assert stale[0].startswith(f"{display_path(str(ack))}:4:")  # the entry's line in the file
    assert "1 stale acknowledgement" in err

    code, report = run_json(capsys, SPECS, new, "--ack", ack)
    c = changes_by_id(report)["limit-narrowed:createCall:request:softPhone:maxLength"]
    assert c["acknowledged"] is True and c["reason"] == "The page now says 16; callers checked."
    assert [s["id"] for s in report["stale_acknowledgements"]] == ["code-removed:ReasonCode:6"]
    assert report["summary"]["acknowledged"] == 1 and report["summary"]["unacknowledged_breaking"] == 0


def test_default_acknowledgement_file_is_read_from_the_new_spec_folder(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    new = variant(tmp_path, remove_code("CreateCallRetCode", "21"))
    assert run(capsys, SPECS, new)[0] == 1
    write_ack(Path(new) / diff.DEFAULT_ACK,
              ("code-removed:CreateCallRetCode:21", "The trial limit code was withdrawn."))
    assert run(capsys, SPECS, new)[0] == 0


def test_invalid_acknowledgement_file_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ack = tmp_path / "acks.yaml"
    ack.write_text("acknowledged:\n  - id: limit-narrowed:createCall:request:softPhone:maxLength\n"
                   "    by: someone\n", encoding="utf-8")
    code, out, _err = run(capsys, SPECS, SPECS, "--ack", ack)
    assert code == 1
    assert "unknown key 'by'" in out and "'reason' must say why" in out
    assert f"{display_path(str(ack))}:3:" in out

    code, out, _err = run(capsys, SPECS, SPECS, "--ack", tmp_path / "missing.yaml")
    assert code == 1 and "no such file" in out


def test_bundled_example_acknowledgement_file_is_valid() -> None:
    acks, findings = diff.load_acknowledgements(str(ROOT / "specs" / diff.DEFAULT_ACK))
    assert findings == []
    assert acks == []


# -- JSON ------------------------------------------------------------------------------------

def test_json_is_stable_and_deterministic(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    new = variant(tmp_path, soft_phone_max_length(16), add_code, remove_response_field, narrow_response_limit)
    _code, first = run(capsys, SPECS, new, "--format", "json")[:2]
    _code, second = run(capsys, SPECS, new, "--format", "json")[:2]
    assert first == second
    report = json.loads(first)
    assert (report["format"], report["version"]) == ("aiccgen-diff", 1)
    assert set(report) == {"format", "version", "old", "new", "fail_on", "exit_code", "summary", "changes",
                           "stale_acknowledgements", "findings"}
    keys = {"id", "kind", "severity", "acknowledged", "reason", "scope", "direction", "family", "operation",
            "subject", "python", "keyword", "old", "new", "message", "why", "location"}
    assert all(set(c) == keys for c in report["changes"])
    severities = [c["severity"] for c in report["changes"]]
    assert severities == sorted(severities, key=["breaking", "warning", "compatible"].index)
    assert report["summary"] == {"breaking": 2, "warning": 1, "compatible": 1, "acknowledged": 0,
                                 "unacknowledged_breaking": 2, "stale_acknowledgements": 0}


# -- bad input --------------------------------------------------------------------------------

def test_missing_folder_is_a_finding_not_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, tmp_path / "nope", SPECS)
    assert code == 1
    assert "no such file or folder" in out
    assert "could not be compared" in err


def test_invalid_spec_is_reported_at_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    new = variant(tmp_path)
    text = (new / "token.yaml").read_text(encoding="utf-8")
    (new / "token.yaml").write_text(text.replace("paths:\n", "paths: [\n", 1), encoding="utf-8")
    code, report = run_json(capsys, SPECS, new)
    assert code == 1 and report["changes"] == []
    assert any(f["file"].endswith("token.yaml") and f["line"] and f["level"] == "error" for f in report["findings"])


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, SPECS)[0] == 2
    with pytest.raises(SystemExit) as exc:
        diff.main([str(SPECS), str(SPECS), "--format", "xml"])
    assert exc.value.code == 2


# -- git revisions ------------------------------------------------------------------------------

def _git(repo: Path, *args: str) -> None:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "init.defaultBranch=main",
                    *args], cwd=repo, check=True, capture_output=True, env=env)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_old_rev_reads_the_specs_at_a_revision(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # A throwaway repository of its own: the project's repository is never touched.
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copytree(SPECS, repo / "specs")
    _git(repo, "init", "-q")
    _git(repo, "add", "specs")
    _git(repo, "commit", "-q", "-m", "base")
    soft_phone_max_length(16)(repo / "specs")
    remove_response_field(repo / "specs")
    monkeypatch.chdir(repo)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    code, report = run_json(capsys, "--old-rev", "main")  # NEW defaults to specs/
    assert code == 1
    found = changes_by_id(report)
    assert found["limit-narrowed:createCall:request:softPhone:maxLength"]["location"]["file"] == "specs/" + MA
    removed = found["field-removed:queryCallState:response:result.callerPresent"]["location"]
    assert removed["file"] == "main:specs/" + MA  # shown as REV:path, not a temporary folder

    code, out, _err = run(capsys, "--old-rev", "no-such-branch")
    assert code == 1 and "'no-such-branch' is not a commit" in out


# -- CLI wiring (active once generator/cli.py registers `diff`) -----------------------------------

def test_cli_wiring(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from generator import cli

    try:
        cli.build_parser().parse_args(["diff", "old", "new"])
    except SystemExit:
        pytest.skip("`aiccgen diff` is not wired into generator/cli.py yet")
    new = variant(tmp_path, soft_phone_max_length(16))
    assert cli.main(["diff", str(SPECS), str(SPECS)]) == 0
    assert cli.main(["diff", str(SPECS), str(new), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert "limit-narrowed:createCall:request:softPhone:maxLength" in changes_by_id(report)


# -- the users' CI workflow and the pre-commit hook ----------------------------------------------

def test_workflow_runs_import_drift_generate_tests_and_diff_on_pull_requests() -> None:
    workflow = YAML(typ="safe").load((ROOT / ".github" / "workflows" / "aiccgen.yml").read_text(encoding="utf-8"))
    assert "pull_request" in workflow["on"]
    [job] = workflow["jobs"].values()
    steps = job["steps"]
    assert all(("run" in s) != ("uses" in s) for s in steps)
    runs = [(s.get("name", ""), s.get("if", ""), s.get("run", "")) for s in steps]

    def index(command: str) -> int:
        return next(i for i, (_n, _if, script) in enumerate(runs) if command in script)

    assert index("aiccgen import") < index("aiccgen drift") < index("aiccgen generate") < index("python -m pytest")
    diff_step = runs[index("aiccgen diff --old-rev")]
    assert "pull_request" in diff_step[1]
    assert "github.event.pull_request.base.sha" not in diff_step[2]  # passed through env, not spliced into the script
    assert "--check" in runs[index("aiccgen generate")][2]
    checkout = next(s for s in steps if str(s.get("uses", "")).startswith("actions/checkout@"))
    assert checkout


#: The keys pre-commit accepts in a .pre-commit-hooks.yaml entry (pre_commit.clientlib.MANIFEST_HOOK_DICT).
PRE_COMMIT_KEYS = {"id", "name", "entry", "language", "alias", "files", "exclude", "types", "types_or",
                   "exclude_types", "additional_dependencies", "args", "always_run", "fail_fast", "pass_filenames",
                   "description", "language_version", "log_file", "minimum_pre_commit_version", "require_serial",
                   "stages", "verbose"}


def test_pre_commit_hook_definition() -> None:
    hooks = YAML(typ="safe").load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert isinstance(hooks, list)
    [hook] = hooks
    assert set(hook) <= PRE_COMMIT_KEYS
    assert {"id", "name", "entry", "language"} <= set(hook)
    assert all(isinstance(hook[k], str) for k in ("id", "name", "entry", "language", "files"))
    assert hook["id"] == "aiccgen-check"
    assert hook["entry"] == "aiccgen generate --check"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False
    files = re.compile(hook["files"])
    assert files.search("specs/mobile-agent.yaml") and files.search("templates/client.py.j2")
    assert not files.search("generated/client/README.md")
