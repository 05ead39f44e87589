"""`aiccgen validate`: the bundled specs pass; broken specs are reported at file:line:col."""

from __future__ import annotations

import json
import re
import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest

from generator.cli import main

ROOT = Path(__file__).resolve().parents[1]

MINIMAL = """\
openapi: 3.1.0
info:
  title: Test API
  version: "1"
paths:
  /calls:
    post:
      operationId: createThing
      requestBody:
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/Req'
            examples:
              documented:
                value: {caller: "12345"}
      responses:
        '200':
          description: ok
components:
  schemas:
    Req:
      type: object
      properties:
        caller:
          type: string
          maxLength: 5
        state:
          $ref: '#/components/schemas/State'
    State:
      type: string
      enum: ["0", "1"]
      x-enum-varnames: [IDLE, BUSY]
      x-enum-descriptions: [idle, busy]
"""


def run_validate(capsys: pytest.CaptureFixture[str], *targets: Path) -> tuple[int, list[str]]:
    code = main(["validate", *map(str, targets)])
    out = capsys.readouterr().out
    return code, [line for line in out.splitlines() if line.strip()]


def write(tmp_path: Path, text: str, name: str = "api.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def line_of(path: Path, needle: str, occurrence: int = 1) -> int:
    """1-based line of the n-th line containing `needle`: tests say where, not a number."""
    hits = [i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line]
    return hits[occurrence - 1]


def parse(line: str) -> tuple[str, int, int, str, str]:
    m = re.fullmatch(r"(.+?):(\d+):(\d+)(?: (\S*))?: (error|warning): (.*) \[([\w-]+)\]", line)
    assert m, f"finding not in file:line:col /pointer: level: message [rule] form: {line!r}"
    return m[1], int(m[2]), int(m[3]), m[4] or "", m[6]


def test_bundled_specs_pass(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = run_validate(capsys, ROOT / "specs")
    assert lines == []
    assert code == 0


def test_minimal_spec_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = run_validate(capsys, write(tmp_path, MINIMAL))
    assert (code, lines) == (0, [])


def test_bad_yaml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, MINIMAL.replace("enum: [\"0\", \"1\"]", "enum: [\"0\", \"1\""))
    code, lines = run_validate(capsys, path)
    assert code == 1
    file, line, _col, _ptr, message = parse(lines[0])
    assert Path(file).resolve() == path
    assert "invalid YAML" in message and "expected ',' or ']'" in message
    # the parser notices at the next line: the unclosed sequence swallowed the newline
    assert line in (line_of(path, 'enum: ["0", "1"'), line_of(path, "x-enum-varnames"))


def test_unresolvable_ref(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, MINIMAL.replace("#/components/schemas/State", "#/components/schemas/Missing"))
    code, lines = run_validate(capsys, path)
    assert code == 1
    findings = [parse(x) for x in lines]
    refs = [f for f in findings if "points to nothing" in f[4]]
    assert len(refs) == 1
    _file, line, _col, ptr, message = refs[0]
    assert ptr == "/components/schemas/Req/properties/state"
    assert line == line_of(path, "state:")
    assert "'#/components/schemas/Missing'" in message


def test_missing_referenced_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, MINIMAL.replace("'#/components/schemas/State'", "'codes.yaml#/components/schemas/State'"))
    code, lines = run_validate(capsys, path)
    assert code == 1
    assert any("no file codes.yaml" in parse(x)[4] for x in lines)


def test_duplicate_enum_value(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(
        tmp_path,
        MINIMAL.replace('enum: ["0", "1"]', 'enum: ["0", "1", "1"]')
        .replace("[IDLE, BUSY]", "[IDLE, BUSY, BUSY_AGAIN]")
        .replace("[idle, busy]", "[idle, busy, busy again]"),
    )
    code, lines = run_validate(capsys, path)
    assert code == 1
    (finding,) = [parse(x) for x in lines]
    _file, line, col, ptr, message = finding
    assert ptr == "/components/schemas/State/enum/2"
    assert line == line_of(path, 'enum: ["0", "1", "1"]')
    assert col == len('      enum: ["0", "1", ') + 1
    assert message == "duplicate enum value '1' (also at index 1)"


def test_example_over_max_length(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, MINIMAL.replace('{caller: "12345"}', '{caller: "123456"}'))
    code, lines = run_validate(capsys, path)
    assert code == 1
    (finding,) = [parse(x) for x in lines]
    _file, line, _col, ptr, message = finding
    assert ptr.endswith("/examples/documented")
    assert line == line_of(path, "documented:")
    assert message.startswith("example breaks its schema at /caller: '123456' is too long")


def test_example_excused_by_erratum(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = MINIMAL.replace('{caller: "12345"}', '{caller: "123456"}') + textwrap.dedent(
        """\
        x-errata:
          - id: T-1
            page: p
            kind: example-type
            targets: ['/paths/~1calls/post/requestBody/content/application~1json/examples/documented']
            doc: caller is at most 5 characters.
            observed: the example sends 6.
            action: send-documented-type
            client: the client enforces 5.
        x-doc-pages:
          p: {title: P}
        """
    )
    code, lines = run_validate(capsys, write(tmp_path, text))
    # the example is excused; provenance is now required because x-doc-pages opts in
    assert not any("example breaks" in x for x in lines)
    assert any("without x-doc" in x for x in lines)


def test_code_value_without_description(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, MINIMAL.replace("x-enum-descriptions: [idle, busy]", 'x-enum-descriptions: [idle, ""]'))
    code, lines = run_validate(capsys, path)
    assert code == 1
    (finding,) = [parse(x) for x in lines]
    _file, line, _col, ptr, message = finding
    assert ptr == "/components/schemas/State/x-enum-descriptions/1"
    assert line == line_of(path, "x-enum-descriptions")
    assert message == "code '1' has no description"


def test_code_table_without_descriptions_at_all(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, MINIMAL.replace("      x-enum-descriptions: [idle, busy]\n", ""))
    code, lines = run_validate(capsys, path)
    assert code == 1
    (finding,) = [parse(x) for x in lines]
    assert finding[3] == "/components/schemas/State"
    assert finding[1] == line_of(path, "    State:")
    assert "without x-enum-descriptions" in finding[4]


def test_duplicate_operation_id_across_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, MINIMAL, "a.yaml")
    second = write(tmp_path, MINIMAL.replace("/calls:", "/other:"), "b.yaml")
    code, lines = run_validate(capsys, tmp_path)
    assert code == 1
    (finding,) = [parse(x) for x in lines]
    file, line, _col, ptr, message = finding
    assert Path(file).resolve() == second
    assert line == line_of(second, "operationId")
    assert message == "duplicate operationId 'createThing' (also a.yaml /paths/~1calls/post)"


def test_missing_operation_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, MINIMAL.replace("      operationId: createThing\n", ""))
    code, lines = run_validate(capsys, path)
    assert code == 1
    (finding,) = [parse(x) for x in lines]
    assert finding[1] == line_of(path, "post:")
    assert finding[4].startswith("POST /calls has no operationId")


def test_unquoted_leading_zero_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, MINIMAL.replace('enum: ["0", "1"]', 'enum: ["0", 0200000]'))
    code, lines = run_validate(capsys, path)
    assert code == 1
    (finding,) = [parse(x) for x in lines]
    assert finding[3] == "/components/schemas/State/enum/1"
    assert "unquoted '0200000'" in finding[4] and "quote it" in finding[4]


def test_documented_length_without_max_length(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, MINIMAL.replace("          maxLength: 5\n", "          description: 'Length limit: string (5)'\n"))
    code, lines = run_validate(capsys, path)
    assert code == 1
    (finding,) = [parse(x) for x in lines]
    assert finding[3] == "/components/schemas/Req/properties/caller"
    assert "documents a length limit of 5 characters but the schema has no maxLength" in finding[4]


def test_openapi_validity_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, MINIMAL.replace('  version: "1"\n', ""))
    code, lines = run_validate(capsys, path)
    assert code == 1
    (finding,) = [parse(x) for x in lines]
    assert finding[3] == "/info"
    assert finding[1] == line_of(path, "info:")
    assert finding[4] == '"version" is a required property'


def test_several_problems_reported_in_one_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(
        tmp_path,
        MINIMAL.replace('{caller: "12345"}', '{caller: "123456"}').replace("[idle, busy]", '[idle, ""]'),
    )
    code, lines = run_validate(capsys, path)
    assert code == 1
    assert sorted(parse(x)[4].split(" ")[0] for x in lines) == ["code", "example"]


def test_bundled_spec_edit_is_caught(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A realistic slip in the real specs: a documented 32-character limit edited to 23."""
    specs = tmp_path / "specs"
    shutil.copytree(ROOT / "specs", specs)
    spec = specs / "mobile-agent.yaml"
    text = spec.read_text()
    needle = "          maxLength: 32\n          description: Softphone number"
    assert needle in text
    spec.write_text(text.replace(needle, "          maxLength: 23\n          description: Softphone number"))
    code, lines = run_validate(capsys, specs)
    assert code == 1
    (finding,) = [parse(x) for x in lines]
    assert finding[3] == "/components/schemas/CreateCallRequest/properties/softPhone"
    assert finding[4] == "maxLength 23 differs from the documented limit of 32 characters"


def test_each_example_is_checked_once_per_spec_set(monkeypatch: pytest.MonkeyPatch) -> None:
    """lint, the IR builder and the contract cases all check the documented examples
    against their schemas: each (schema, value) is validated once, and answered the same."""
    from generator import lint as lint_module
    from generator.contract import build_cases
    from generator.pipeline import build

    validated: list[int] = []
    asked: list[tuple[Any, ...]] = []
    registry, schema_errors = lint_module._registry, lint_module.schema_errors

    def counting_registry(ctx: Any) -> Any:
        validated.append(1)
        return registry(ctx)

    def recording(*args: Any) -> list[tuple[str, str]]:
        answer = schema_errors(*args)
        asked.append((*args[1:3], json.dumps(args[3], sort_keys=True), answer))
        return answer

    monkeypatch.setattr(lint_module, "_registry", counting_registry)
    monkeypatch.setattr(lint_module, "schema_errors", recording)
    api, spec_set, findings = build([str(ROOT / "specs")])
    assert api is not None and spec_set is not None
    monkeypatch.setattr("generator.contract.schema_errors", recording)
    build_cases(spec_set, api)
    answers: dict[tuple[Any, ...], set[str]] = {}
    for *question, answer in asked:
        answers.setdefault(tuple(question), set()).add(json.dumps(answer))
    assert len(validated) == len(answers) < len(asked)
    assert all(len(given) == 1 for given in answers.values())  # the same answer each time


def test_checked_values_that_python_calls_equal_are_told_apart(tmp_path: Path) -> None:
    """`True == 1` in Python, but not in JSON Schema: the answers are kept per JSON text."""
    from generator.lint import schema_errors
    from generator.specset import load_spec_set

    spec = write(tmp_path, MINIMAL)
    spec_set = load_spec_set([str(spec)])
    path = spec_set.entries[0]
    pointer = "/components/schemas/Count"
    spec_set.doc(path).data["components"]["schemas"]["Count"] = {"type": "integer"}
    assert schema_errors(spec_set, path, pointer, 1) == []
    assert schema_errors(spec_set, path, pointer, True) != []
    assert schema_errors(spec_set, path, pointer, 1.0) == []  # an integer to JSON Schema
    assert schema_errors(spec_set, path, pointer, "1") != []
