"""Synthetic specs for the benchmarks, built from the bundled specs in specs/.

    python benchmarks/synth.py [--out DIR] [--sizes 10,100,1000]

writes, into DIR (default benchmarks/.work/synth):

* ``opsNNNN.yaml``: one self-contained OpenAPI 3.1 file with exactly NNNN operations;
* ``bundled.yaml``: the bundled specs (all families, code tables) inlined into one file,
  unrenamed: what the peers read for the "bundled" row;
* ``mobile-agent.inline.yaml``: specs/mobile-agent.yaml with what it references inlined
  (codes.yaml, and token.yaml for its token source): what openapi-python-client's models
  for the decoding benchmark are generated from.

How a synthetic spec is made: the bundled specs are cut into four *units* (token.yaml: 1
operation; mobile-agent.yaml with codes.yaml: 3; cms.yaml: 1; isales.yaml: 1). Copy k of a
unit gets every path prefixed with ``/sK``, every operationId, component name (schemas,
code tables, parameters, responses) and erratum id suffixed with ``SK``, and every
reference rewritten to match: ``$ref`` (cross-file refs such as
``codes.yaml#/components/schemas/CallState`` become local), erratum targets,
``x-select-code-table`` cases and ``x-doc`` erratum ids. Whole copies of the four units (6
operations) are laid out in order, then units of one more copy until the count is reached
(10 = 6 + token + mobile; 100 = 16 x 6 + 4; 1000 = 166 x 6 + 4).

Each unit keeps its own business-result rule (moved to its operations: the file-level one
would otherwise apply to the token operation) and its own security requirement
(operation-level ``security``); the file uses the mobile agent's token-source scheme
pointing at the first copy of tokenByAkSk, and the mobile agent's server. The result is
valid for openapi-spec-validator, aiccgen's lint, openapi-python-client and
datamodel-code-generator.

Output is YAML in block style with every string double-quoted (JSON string syntax, valid
YAML 1.1 and 1.2): no reader can turn a quoted code into a number, and writing 8 MB takes
well under a second.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"
DEFAULT_OUT = ROOT / "benchmarks" / ".work" / "synth"
DEFAULT_SIZES = (10, 100, 1000)

#: (name, files, operations per copy), in layout order.
UNITS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("token", ("token.yaml",)),
    ("mobile", ("mobile-agent.yaml", "codes.yaml")),
    ("cms", ("cms.yaml",)),
    ("isales", ("isales.yaml",)),
)
COMPONENT_KINDS = ("schemas", "parameters", "responses", "requestBodies", "headers", "examples")
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_REF_FILE = re.compile(r"^([\w.-]+\.ya?ml)?#(/.*)?$")


# -- loading ---------------------------------------------------------------------------

def _load(name: str) -> dict[str, Any]:
    """Load a bundled spec with aiccgen's own strict reader (it is installed beside us);
    fall back to PyYAML, which reads these files the same way (every code is quoted)."""
    path = SPECS / name
    try:
        from generator.yamlio import load_yaml
    except ImportError:  # pragma: no cover - run outside the benchmark venv
        import yaml

        return yaml.safe_load(path.read_text(encoding="utf-8"))
    return load_yaml(path).data


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


# -- one unit, one copy ------------------------------------------------------------------

class _Renamer:
    """Rewrites one copy of one unit: names get `suffix`, paths get `prefix`."""

    def __init__(self, docs: dict[str, dict[str, Any]], suffix: str, prefix: str) -> None:
        self.docs = docs
        self.suffix = suffix
        self.prefix = prefix
        # (kind, old name) -> new name, over every file of the unit (they share one namespace
        # once inlined; the bundled files have no clashing component names).
        self.names: dict[tuple[str, str], str] = {}
        for data in docs.values():
            for kind in COMPONENT_KINDS:
                for name in (data.get("components") or {}).get(kind) or {}:
                    self.names[(kind, name)] = name + suffix
        self.urls: dict[str, str] = {}
        for data in docs.values():
            for url in data.get("paths") or {}:
                self.urls[url] = prefix + url
        self.errata = {
            e["id"]: e["id"] + ("-" + suffix if suffix else "")
            for data in docs.values() for e in data.get("x-errata") or [] if isinstance(e, dict) and "id" in e
        }
        self.op_ids = {
            op["operationId"]: op["operationId"] + suffix
            for data in docs.values() for item in (data.get("paths") or {}).values()
            for m in HTTP_METHODS if isinstance(item.get(m), dict) and "operationId" in item[m]
            for op in [item[m]]
        }

    def pointer(self, pointer: str) -> str:
        """A local JSON pointer into any file of the unit, renamed."""
        parts = pointer.split("/")
        if len(parts) >= 4 and parts[1] == "components" and (parts[2], parts[3]) in self.names:
            parts[3] = self.names[(parts[2], parts[3])]
        elif len(parts) >= 3 and parts[1] == "paths":
            url = parts[2].replace("~1", "/").replace("~0", "~")
            if url in self.urls:
                parts[2] = _escape(self.urls[url])
        return "/".join(parts)

    def ref(self, ref: str) -> str:
        m = _REF_FILE.match(ref)
        if m is None:
            raise ValueError(f"unsupported $ref {ref!r}")
        return "#" + self.pointer(m[2] or "")

    def walk(self, node: Any, key: str | None = None) -> Any:
        if isinstance(node, dict):
            out = {}
            for k, v in node.items():
                if k == "$ref" and isinstance(v, str):
                    out[k] = self.ref(v)
                elif k == "x-select-code-table" and isinstance(v, dict):
                    out[k] = {
                        field: {**rule, "cases": {val: self.names.get(("schemas", t), t)
                                                  for val, t in (rule.get("cases") or {}).items()}}
                        for field, rule in v.items()
                    }
                elif k == "erratum" and isinstance(v, str) and key == "x-doc":
                    out[k] = self.errata.get(v, v)
                else:
                    out[k] = self.walk(v, k if k == "x-doc" else key if key == "x-doc" and isinstance(v, list) else None)
            return out
        if isinstance(node, list):
            return [self.walk(v, key) for v in node]
        return node

    def erratum(self, entry: dict[str, Any]) -> dict[str, Any]:
        out = self.walk(entry)
        out["id"] = self.errata.get(entry["id"], entry["id"])
        targets = []
        for target in entry.get("targets") or []:
            _file, _, pointer = str(target).rpartition("#") if "#" in str(target) else ("", "", str(target))
            targets.append(self.pointer(pointer))
        out["targets"] = targets
        return out


def _unit_copy(docs: dict[str, dict[str, Any]], suffix: str, prefix: str) -> dict[str, Any]:
    """paths, components, errata of one copy of one unit."""
    r = _Renamer(docs, suffix, prefix)
    paths: dict[str, Any] = {}
    components: dict[str, dict[str, Any]] = {}
    errata: list[dict[str, Any]] = []
    for data in docs.values():
        business = data.get("x-business-result")
        security = data.get("security")
        for url, item in (data.get("paths") or {}).items():
            new_item = r.walk(item)
            for method in HTTP_METHODS:
                op = new_item.get(method)
                if not isinstance(op, dict):
                    continue
                op["operationId"] = r.op_ids[op["operationId"]]
                if business is not None and "x-business-result" not in op:
                    op["x-business-result"] = copy.deepcopy(business)
                if security is not None and "security" not in op:
                    op["security"] = copy.deepcopy(security)
            paths[r.urls[url]] = new_item
        for kind in COMPONENT_KINDS:
            for name, value in ((data.get("components") or {}).get(kind) or {}).items():
                components.setdefault(kind, {})[r.names[(kind, name)]] = r.walk(value)
        errata.extend(r.erratum(e) for e in data.get("x-errata") or [] if isinstance(e, dict))
    return {"paths": paths, "components": components, "errata": errata}


# -- whole files ---------------------------------------------------------------------------

def build(units: list[tuple[str, int]], title: str, family: str, *, token_op: str | None) -> dict[str, Any]:
    """One OpenAPI document from `units`: (unit name, copy number; 0 = unrenamed)."""
    sources = {name: {f: _load(f) for f in files} for name, files in UNITS}
    everything = [d for docs in sources.values() for d in docs.values()]
    mobile = sources["mobile"]["mobile-agent.yaml"]
    pages: dict[str, Any] = {}
    notes: list[Any] = []
    schemes: dict[str, Any] = {}
    used_units = {u for u, _ in units}
    for name, docs in sources.items():
        if name not in used_units:
            continue
        for data in docs.values():
            for key, page in (data.get("x-doc-pages") or {}).items():
                pages.setdefault(key, page)
            notes.extend(data.get("x-doc-notes") or [])
            for key, scheme in ((data.get("components") or {}).get("securitySchemes") or {}).items():
                schemes.setdefault(key, copy.deepcopy(scheme))
    if "accessToken" in schemes:
        src = schemes["accessToken"].get("x-token-source")
        if isinstance(src, dict):
            if token_op is None:
                schemes["accessToken"].pop("x-token-source")  # no token operation in this file
            else:
                src.pop("spec", None)  # the token operation is in this same file
                src["operationId"] = token_op
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": str(mobile["info"]["version"]),
            "description": "Synthetic spec for the aiccgen benchmarks: renamed copies of the operations, "
                           "schemas and code tables of the bundled specs (benchmarks/synth.py).",
            "x-aiccgen-family": family,
        },
        "servers": copy.deepcopy(mobile["servers"]),
        "security": copy.deepcopy(mobile["security"]),
        "x-doc-pages": pages,
        "x-errata": [],
        "x-doc-notes": notes,
        "paths": {},
        "components": {"securitySchemes": schemes},
    }
    for unit, k in units:
        suffix, prefix = (f"S{k:04d}", f"/s{k:04d}") if k else ("", "")
        part = _unit_copy(sources[unit], suffix, prefix)
        doc["paths"].update(part["paths"])
        for kind, entries in part["components"].items():
            doc["components"].setdefault(kind, {}).update(entries)
        doc["x-errata"].extend(part["errata"])
    del everything
    return doc


def layout(n_ops: int) -> list[tuple[str, int]]:
    """Units (name, copy) adding up to exactly n_ops operations."""
    sizes = {"token": 1, "mobile": 3, "cms": 1, "isales": 1}
    out: list[tuple[str, int]] = []
    total, k = 0, 0
    while total < n_ops:
        k += 1
        for unit, _files in UNITS:
            if total + sizes[unit] <= n_ops:
                out.append((unit, k))
                total += sizes[unit]
            if total == n_ops:
                break
        if k > n_ops:  # cannot happen with a 1-operation unit; guards a bad edit of UNITS
            raise ValueError(f"cannot lay out {n_ops} operations")
    return out


def count_operations(doc: dict[str, Any]) -> int:
    return sum(1 for item in doc["paths"].values() for m in HTTP_METHODS if isinstance(item.get(m), dict))


# -- YAML out ------------------------------------------------------------------------------

_PLAIN_KEY = re.compile(r"[A-Za-z_$][A-Za-z0-9_$-]*")
_YAML11_WORDS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})


def _key(k: Any) -> str:
    k = str(k)
    if _PLAIN_KEY.fullmatch(k) and k.lower() not in _YAML11_WORDS:
        return k
    return json.dumps(k, ensure_ascii=False)


def _scalar(v: Any) -> str:
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, (int, float)):
        return json.dumps(v)
    return json.dumps(str(v), ensure_ascii=False)


def dump(node: Any) -> str:
    """Block-style YAML with every string double-quoted."""
    return "\n".join(_block(node, 0)) + "\n"


def _block(value: Any, indent: int) -> list[str]:
    """Lines of a non-empty mapping or sequence, at `indent`."""
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, (dict, list)) and v and not _is_leaf(v):
                lines.append(pad + _key(k) + ":")
                lines.extend(_block(v, indent + 2))
            else:
                lines.append(pad + _key(k) + ": " + _flow(v))
    else:
        for item in value:
            if isinstance(item, (dict, list)) and item and not _is_leaf(item):
                sub = _block(item, indent + 2)
                sub[0] = pad + "- " + sub[0][indent + 2:]
                lines.extend(sub)
            else:
                lines.append(pad + "- " + _flow(item))
    return lines


def _flow(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(k)}: {_scalar(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    return _scalar(value)


def _is_leaf(value: Any) -> bool:
    """A small mapping or sequence of scalars, written on one line as the specs do
    (`x-doc: {row: "1.1", type: "String"}`, `required: ["a", "b"]`)."""
    items = value.values() if isinstance(value, dict) else value
    return (
        len(value) <= 8
        and all(v is None or isinstance(v, (str, int, float, bool)) for v in items)
        and sum(len(str(v)) for v in items) <= 80
    )


# -- the command ---------------------------------------------------------------------------

def write_all(out: Path, sizes: tuple[int, ...] = DEFAULT_SIZES) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}

    def write(name: str, doc: dict[str, Any]) -> None:
        path = out / name
        text = dump(doc)
        path.write_text(text, encoding="utf-8")
        written[name] = path

    write("bundled.yaml", build([(u, 0) for u, _ in UNITS], "AICC bundled interfaces", "bundled",
                                token_op="tokenByAkSk"))
    # mobile-agent.yaml with what it references: codes.yaml ($ref) and token.yaml (x-token-source).
    write("mobile-agent.inline.yaml", build([("token", 0), ("mobile", 0)], "AICC mobile agent call interfaces",
                                            "mobile_agent", token_op="tokenByAkSk"))
    for n in sizes:
        units = layout(n)
        doc = build(units, f"AICC synthetic {n} operations", "synthetic", token_op="tokenByAkSkS0001")
        assert count_operations(doc) == n, (n, count_operations(doc))
        write(f"ops{n:04d}.yaml", doc)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)),
                        help="comma-separated operation counts (default: 10,100,1000)")
    args = parser.parse_args(argv)
    sizes = tuple(int(s) for s in args.sizes.split(",") if s.strip())
    for name, path in write_all(args.out, sizes).items():
        print(f"{path}  {path.stat().st_size / 1e6:.2f} MB", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
