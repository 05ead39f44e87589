"""One-off measurements behind the suggestions in docs/performance.md.

    benchmarks/.env/bin/python benchmarks/experiments.py [--size 1000] [--json OUT]

Needs the synthetic specs (run.py, or benchmarks/synth.py, builds them). Each experiment
times one alternative to what aiccgen does now, on the same input, in this process:

1. load: rapidyaml parsing alone vs aiccgen's load_yaml (parse + Python conversion), and
   ryml's own JSON emitter + json.loads;
2. OpenAPI validity: openapi-spec-validator (what lint runs) vs jsonschema-rs (Rust)
   checking the document against the OAS 3.1 schema and every schema object against the
   OAS 3.1 dialect (the two passes openapi-spec-validator makes in Python);
3. black: which statements `format_python` sends to black at 100 operations, and how many
   of them black leaves unchanged (a long string literal it cannot split);
4. the contract cases file: json.dumps(indent=1) (pure-Python encoder) vs compact
   json.dumps and msgspec's encoder, on the cases aiccgen builds;
5. write: the +/- line summary the writer computes (difflib) for one changed line, on a
   generated module of growing size.
"""

from __future__ import annotations

import argparse
import ast
import collections
import json
import sys
import time
from pathlib import Path
from typing import Any, Callable

BENCH = Path(__file__).resolve().parent
SYNTH = BENCH / ".work" / "synth"


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def load(spec: Path) -> dict[str, Any]:
    import ryml

    from generator.yamlio import load_yaml

    raw = spec.read_bytes()
    t_parse, tree = timed(lambda: ryml.parse_in_arena(raw))
    t_load, _doc = timed(lambda: load_yaml(spec))
    t_emit, text = timed(lambda: ryml.emit_json(tree))
    t_json, _data = timed(lambda: json.loads(text))
    return {"ryml_parse_s": t_parse, "aiccgen_load_yaml_s": t_load, "ryml_emit_json_s": t_emit,
            "json_loads_s": t_json}


def validity(spec: Path) -> dict[str, Any]:
    import jsonschema_rs
    from openapi_schema_validator import OAS31Validator
    from openapi_spec_validator import OpenAPIV31SpecValidator

    import openapi_spec_validator
    from generator.specset import iter_schemas
    from generator.yamlio import load_yaml

    doc = load_yaml(spec).data
    t_osv, errors = timed(lambda: list(OpenAPIV31SpecValidator(doc).iter_errors()))
    oas_schema = json.loads((Path(openapi_spec_validator.__file__).parent / "resources" / "schemas" / "v3.1" /
                             "schema.json").read_text())
    # The OAS 3.1 dialect names the OAS vocabulary's meta-schema (meta/base), which neither
    # package ships as a file: a stand-in with its keywords' shapes keeps jsonschema-rs offline.
    vocab = {"$schema": "https://json-schema.org/draft/2020-12/schema",
             "$id": "https://spec.openapis.org/oas/3.1/meta/base", "$dynamicAnchor": "meta",
             "type": ["object", "boolean"],
             "properties": {"discriminator": {"type": "object"}, "xml": {"type": "object"},
                            "externalDocs": {"type": "object"}, "example": True}}

    def retrieve(uri: str) -> Any:
        if uri.rstrip("#") == vocab["$id"]:
            return vocab
        raise ValueError(f"offline: {uri}")

    t_compile, (doc_validator, dialect_validator) = timed(lambda: (
        jsonschema_rs.validator_for(oas_schema), jsonschema_rs.validator_for(OAS31Validator.META_SCHEMA,
                                                                             retriever=retrieve)))
    t_doc, doc_errors = timed(lambda: list(doc_validator.iter_errors(doc)))
    schemas = [s for _p, s in iter_schemas(doc)]
    t_schemas, schema_errors = timed(lambda: [e for s in schemas for e in dialect_validator.iter_errors(s)])
    broken = {"type": "strnig", "maxLength": -1}
    return {"openapi_spec_validator_s": t_osv, "openapi_spec_validator_errors": len(errors),
            "jsonschema_rs_compile_s": t_compile, "jsonschema_rs_document_s": t_doc,
            "jsonschema_rs_document_errors": len(doc_errors), "schema_objects": len(schemas),
            "jsonschema_rs_schemas_s": t_schemas, "jsonschema_rs_schema_errors": len(schema_errors),
            "jsonschema_rs_catches_broken_schema": len(list(dialect_validator.iter_errors(broken))) > 0}


def black_calls(spec: Path) -> dict[str, Any]:
    import generator.formatting as fm
    from generator.pipeline import build, render_files

    counts: collections.Counter[str] = collections.Counter()
    seconds: collections.Counter[str] = collections.Counter()
    original = fm._black

    def kind(text: str) -> str:
        node = ast.parse(text).body[0]
        if isinstance(node, ast.ClassDef):
            base = ast.unparse(node.bases[0]) if node.bases else ""
            return "code-table class" if "CodeEnum" in base else f"class({base})"
        if isinstance(node, ast.Assign):
            return "module-level assignment (operation descriptor)"
        return type(node).__name__

    def spy(text: str) -> str:
        start = time.perf_counter()
        out = original(text)
        key = kind(text) + (": unchanged by black" if out == text else ": changed by black")
        counts[key] += 1
        seconds[key] += time.perf_counter() - start
        return out

    fm._black = spy
    try:
        api, spec_set, _findings = build([str(spec)])
        assert api is not None
        try:
            for _output in render_files(api, None, fm.BlackCache(None), spec_set, "../specs"):
                pass  # outputs are rendered as they are consumed
        except TypeError:  # an older render_files signature
            render_files(api, None, fm.BlackCache(None))  # type: ignore[call-arg]
    finally:
        fm._black = original
    return {k: {"calls": n, "seconds": round(seconds[k], 3)} for k, n in counts.most_common()}


def cases_json(spec: Path) -> dict[str, Any]:
    import msgspec

    from generator.pipeline import build

    try:
        from generator.contract import build_cases
    except ImportError:
        return {"skipped": "no generator.contract"}
    api, spec_set, _f = build([str(spec)])
    # build_cases writes each case's line of cases.json as it adds the case.
    t_build, cases = timed(lambda: build_cases(spec_set, api))
    cases.json.seek(0)
    ours = cases.json.read()
    # The alternatives, on the same data as one Python object.
    data = json.loads(ours)
    t_indent, text = timed(lambda: json.dumps(data, ensure_ascii=False, indent=1))
    t_compact, compact = timed(lambda: json.dumps(data, ensure_ascii=False, separators=(",", ":")))
    t_msgspec, _b = timed(lambda: msgspec.json.format(msgspec.json.encode(data), indent=1))
    return {"build_and_encode_cases_s": t_build, "one_per_line_mb": len(ours) / 1e6,
            "json_dumps_indent1_s": t_indent, "indent1_mb": len(text) / 1e6,
            "json_dumps_compact_s": t_compact, "compact_mb": len(compact) / 1e6,
            "msgspec_encode_format_indent1_s": t_msgspec}


def diff_summary() -> dict[str, Any]:
    from generator import writer

    module = (BENCH / ".work" / "gen").glob("100ops/aiccgen/out/client/*/synthetic.py")
    path = next(iter(module), None)
    if path is None:
        return {"skipped": "run run.py first (needs the 100-operation output)"}
    lines = path.read_bytes().splitlines(keepends=True)
    out = {}
    for n in (2000, 5000, 10000, 20000):
        old = b"".join(lines[:n])
        changed = list(lines[:n])
        changed[n // 2] = b"# one changed line\n"
        new = b"".join(changed)
        t, summary = timed(lambda: writer._diff_summary(old, new))
        out[f"{n}_lines"] = {"seconds": round(t, 3), "summary": summary}
        if t > 60:
            break
    out["module_lines_at_100_ops"] = len(lines)
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--json")
    args = parser.parse_args()
    spec = SYNTH / f"ops{args.size:04d}.yaml"
    small = SYNTH / "ops0100.yaml"
    results: dict[str, Any] = {}
    for name, fn in (("load", lambda: load(spec)), ("validity", lambda: validity(spec)),
                     ("black_calls_100_ops", lambda: black_calls(small)), ("cases_json", lambda: cases_json(spec)),
                     ("diff_summary", diff_summary)):
        print(f"-- {name}", file=sys.stderr, flush=True)
        try:
            results[name] = fn()
        except Exception as exc:  # one experiment failing does not hide the others
            results[name] = {"error": f"{exc.__class__.__name__}: {exc}"}
        print(json.dumps(results[name], indent=1), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
