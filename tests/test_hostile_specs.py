"""Hostile specs: vendor text is input, never code.

Hypothesis builds OpenAPI documents whose names and texts are the worst a page could
hold: Python keywords and builtins as names, names starting with digits, unicode, names
that collide after case conversion; descriptions and examples holding triple quotes,
backslashes, Jinja delimiters, control characters and newlines followed by code. Each
spec either generates a package that compiles, imports without running anything,
passes mypy --strict and its own generated tests, or is refused with an error naming
the spec location.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from generator.cli import main
from generator.yamlio import dump_yaml

CANARY = "AICCGEN_PAYLOAD_RAN"
# Each payload would create the canary file if any of it ran as code.
PAYLOADS = [
    f'"""\nimport pathlib; pathlib.Path("{CANARY}").touch()\n"""',
    f"'''\nimport pathlib; pathlib.Path('{CANARY}').touch()\n'''",
    f'\\"""; __import__("pathlib").Path("{CANARY}").touch(); """',
    f'{{{{ "x" }}}} {{% raw %}} {{# c #}} {{%- if 1 %}}__import__("pathlib").Path("{CANARY}").touch(){{% endif %}}',
    f"\n\nclass X:\n    __import__('pathlib').Path('{CANARY}').touch()\n",
    'ends with a backslash \\',
    'ends with a quote "',
    "control \x00\x01\x07\x1b[31m chars\u2028\u200b\ufeff",
    "tab\tand\r\nCRLF",
    "# not a comment\n@decorator",
    "```\n</script><script>alert(1)</script>\n|pipe|",
    "emoji 📞 and 中文 and é",
]
NAMES = ["class", "def", "import", "self", "type", "id", "list", "str", "None", "True", "__init__", "__class__",
         "1st", "2", "naïve", "名前", "a b", "x-y", "camelCase", "camel_case", "CamelCase", "code_info",
         "extra_headers", "timeout", "Meta", "msgspec", "codes", "_private", "", "async", "await", "match"]


VARNAMES = ["NONE", "TRUE", "FALSE", "CLASS", "NAME", "VALUE", "MEANING", "LABEL", "DESCRIBE", "LOOKUP",
            "MRO", "A1", "X_Y", "CODE_INFO", "IMPORT"]


def names() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(NAMES), st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)),
                                                     min_size=1, max_size=12))


def texts() -> st.SearchStrategy[str]:
    # Lone surrogates are not text; their refusal has its own test below.
    return st.one_of(st.sampled_from(PAYLOADS), st.text(st.characters(exclude_categories=("Cs",)), max_size=40))


@st.composite
def hostile_spec(draw: st.DrawFn) -> dict[str, Any]:
    props = draw(st.lists(names(), min_size=1, max_size=5, unique=True))
    enum_values = draw(st.lists(st.one_of(st.sampled_from(PAYLOADS[:5]),
                                          st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=8)),
                                min_size=1, max_size=4, unique=True))
    properties: dict[str, Any] = {}
    for i, prop in enumerate(props):
        kind = i % 3
        if kind == 0:
            properties[prop] = {"type": "string", "maxLength": draw(st.integers(1, 40)), "description": draw(texts())}
        elif kind == 1:
            properties[prop] = {"type": "integer", "minimum": 0, "maximum": draw(st.integers(1, 9999)),
                                "description": draw(texts())}
        else:
            properties[prop] = {"$ref": "#/components/schemas/Code", "description": draw(texts())}
    code_table: dict[str, Any] = {"type": "string", "title": draw(texts()), "enum": enum_values}
    if draw(st.booleans()):  # a documented code table; otherwise a bare enum, as foreign specs have
        code_table["x-enum-varnames"] = draw(st.lists(st.sampled_from(VARNAMES), min_size=len(enum_values),
                                                      max_size=len(enum_values), unique=True))
        code_table["x-enum-descriptions"] = [draw(texts()) for _ in enum_values]
    op_ids = draw(st.lists(st.sampled_from(["class", "import", "1op", "op-1", "op_1", "getThing", "get_thing",
                                            "request", "close", "naïveOp"]), min_size=1, max_size=3, unique=True))
    paths: dict[str, Any] = {}
    for n, op_id in enumerate(op_ids):
        paths[f"/things/{n}"] = {"post": {
            "operationId": op_id,
            "summary": draw(texts()),
            "description": draw(texts()),
            "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
            "responses": {"200": {"description": draw(texts()), "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Thing"},
                "examples": {"doc": {"value": {}}},
            }}}},
        }}
    return {
        "openapi": "3.1.0",
        "info": {"title": draw(st.sampled_from(["Hostile API", "class", "1 weird title", "x"])) + " " + draw(texts()),
                 "version": "1", "description": draw(texts())},
        "servers": [{"url": "https://{host}/api", "variables": {"host": {"default": "example.invalid",
                                                                         "description": draw(texts())}}}],
        "paths": paths,
        "components": {"schemas": {
            "Thing": {"type": "object", "description": draw(texts()), "properties": properties},
            "Code": code_table,
        }},
    }


def run(cmd: list[str], cwd: Path, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)


@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(spec=hostile_spec())
def test_hostile_spec_generates_an_inert_working_package_or_a_located_error(
        tmp_path_factory: pytest.TempPathFactory, spec: dict[str, Any]) -> None:
    root = tmp_path_factory.mktemp("hostile")
    specs = root / "specs"
    specs.mkdir()
    # Written as YAML the way a YAML tool writes it (escapes where YAML needs them); in some
    # examples as JSON with raw control characters instead, which is not YAML and must be
    # refused with a location.
    raw = any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in json.dumps(spec, ensure_ascii=False)) and \
        len(spec["paths"]) % 2 == 0  # a deterministic mix of both forms
    text = json.dumps(spec, ensure_ascii=False) if raw else dump_yaml(spec)
    (specs / "api.yaml").write_text(text, encoding="utf-8")
    (specs / "aiccgen.yaml").write_text("package: hostile_client\n", encoding="utf-8")
    out = root / "generated"
    done = run([sys.executable, "-m", "generator", "generate", "--specs", str(specs), "--out", str(out),
                "--no-cache"], Path(__file__).resolve().parents[1])
    assert "Traceback" not in done.stderr, done.stderr
    event("refused with a located error" if done.returncode else "generated")
    if done.returncode != 0:
        assert done.returncode == 1, done.stderr
        assert "api.yaml:" in done.stderr and ": error: " in done.stderr, done.stderr
        assert not out.exists() or not any(out.iterdir())
        return
    client = out / "client"
    compiled = run([sys.executable, "-m", "compileall", "-q", str(client)], root)
    assert compiled.returncode == 0, compiled.stdout
    probe = textwrap.dedent("""
        import importlib, pkgutil, hostile_client
        for info in pkgutil.walk_packages(hostile_client.__path__, "hostile_client."):
            importlib.import_module(info.name)
        print("imported")
    """)
    imported = run([sys.executable, "-c", probe], client)
    assert imported.returncode == 0 and "imported" in imported.stdout, imported.stderr
    assert not (client / CANARY).exists() and not (root / CANARY).exists(), "a spec text ran as code"
    typed = run([sys.executable, "-m", "mypy", "--strict", "hostile_client"], client)
    assert typed.returncode == 0, typed.stdout
    tests = run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
                 "--rootdir", str(out), str(out / "tests")], root)
    assert tests.returncode == 0, tests.stdout[-3000:]
    assert not list(root.rglob(CANARY)), "a spec text ran as code"


def test_malicious_description_is_not_executed_on_import(tmp_path: Path) -> None:
    """One explicit case, readable on its own: a description that closes the docstring."""
    spec = {
        "openapi": "3.1.0",
        "info": {"title": "Evil", "version": "1"},
        "paths": {"/x": {"post": {"operationId": "doIt", "description": PAYLOADS[0],
                                  "responses": {"200": {"description": PAYLOADS[2]}}}}},
        "components": {"schemas": {"Unused": {"type": "object", "description": PAYLOADS[4],
                                              "properties": {"a": {"type": "string", "description": PAYLOADS[1]}}}}},
    }
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "evil.yaml").write_text(json.dumps(spec), encoding="utf-8")
    out = tmp_path / "generated"
    assert main(["generate", "--specs", str(specs), "--out", str(out), "--no-cache"]) == 0
    module = (out / "client" / "evil" / "evil.py").read_text()
    assert 'pathlib.Path(\\"AICCGEN_PAYLOAD_RAN\\")' in module or CANARY in module  # present, as text
    done = run([sys.executable, "-c", "import evil, evil.evil; print('ok')"], out / "client")
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
    assert not list(tmp_path.rglob(CANARY))


def test_surrogate_escape_in_yaml_is_a_located_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "api.yaml"
    spec.write_text('openapi: 3.1.0\ninfo: {title: T, version: "1", description: "a \\ud83d\\udcde pair"}\n'
                    "paths: {}\n", encoding="utf-8")
    assert main(["validate", str(spec)]) == 1
    out = capsys.readouterr().out
    assert "api.yaml:2:" in out and "/info/description" in out and "surrogate" in out


def test_raw_control_character_is_a_located_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "api.yaml"
    spec.write_text('openapi: 3.1.0\ninfo: {title: "T\x8b", version: "1"}\npaths: {}\n', encoding="utf-8")
    assert main(["validate", str(spec)]) == 1
    out = capsys.readouterr().out
    assert "api.yaml:2:17" in out and "U+008B is not allowed in YAML" in out


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(st.sampled_from(PAYLOADS), st.text(max_size=300)), indent=st.sampled_from([0, 4, 8]),
       summary=st.one_of(st.none(), st.just(""), st.text(max_size=40)))
def test_a_docstring_from_the_cache_is_the_one_laid_out_anew(text: str, indent: int, summary: str | None) -> None:
    """Docstrings are laid out once per distinct (text, indent, summary): whichever of
    str, SpecText, None summary or empty summary comes first, each gets its own layout."""
    from generator import render
    from generator.ir import SpecText

    fresh = render._docstring.__wrapped__(text, indent, summary)
    assert render.docstring(SpecText(text), indent, summary) == fresh
    assert render.docstring(text, indent, summary) == fresh
    other = "" if summary is None else None
    assert render.docstring(text, indent, other) == render._docstring.__wrapped__(text, indent, other)
