"""Schemathesis hooks for the mock-server conformance run (tests/test_mock.py).

JSON Schema cannot say "endTime is at most seven days after startTime": that rule lives in
the request schema's `x-rules`. Schema-valid bodies that break it are rightly refused, so
this hook maps generated bodies into the documented rule, read from the specs themselves.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import schemathesis

from generator.specset import iter_operations, load_spec_set

SPECS = Path(os.environ.get("AICCGEN_SPECS", Path(__file__).resolve().parents[1] / "specs"))


def _rules() -> dict[str, list[dict[str, Any]]]:
    spec_set = load_spec_set([str(SPECS)])
    found: dict[str, list[dict[str, Any]]] = {}
    for doc in spec_set.documents():
        for _ptr, url, _method, op in iter_operations(doc.data):
            schema = (((op.get("requestBody") or {}).get("content") or {}).get("application/json") or {}).get("schema")
            if isinstance(schema, dict):
                _path, _pointer, schema = spec_set.deref(doc.path, schema)
                rules = [r for r in schema.get("x-rules") or [] if r.get("kind") == "max-interval"]
                if rules:
                    found[url] = rules
    return found


RULES = _rules()


@schemathesis.hook
def map_body(ctx: Any, body: Any) -> Any:
    for rule in RULES.get(ctx.operation.path, []):
        if isinstance(body, dict) and rule["start"] in body and rule["end"] in body:
            body[rule["end"]] = body[rule["start"]]  # an empty interval: inside any maximum
    return body
