"""`aiccgen diff OLD NEW`: what a spec change means for the people who use the client.

Both spec sets are loaded, checked and built into the IR (`generator.pipeline.build`), so
references, directions, open and closed code tables and Python names are resolved exactly
as `generate` resolves them. The diff compares the two IRs, not the YAML: reordering keys,
moving a schema into `codes.yaml` or rewording a description changes nothing a client user
sees, and is not reported.

Every change has a stable id, a direction (request, response, both for a code table used
by both, none for operation- and client-level changes), the wire path and the Python name
users write, a spec location (file:line; in OLD for what was removed) and one of three
severities. Ids name what changed and where, never the old or new value (except code
values, which are what changed), so an acknowledgement survives a second edit:

- fields: `kind:operationId:direction:wire.path[:keyword]`, e.g.
  `limit-narrowed:createCall:request:softPhone:maxLength`,
  `field-removed:queryCallState:response:result.callerPresent`; parameters as
  `header:X-APP-Key`, list items as `callInfo[].reasonCode`;
- operations: `kind:operationId` (`operation-removed:queryCallState`);
- code tables: `kind:Table[:value]` (`code-removed:CreateCallRetCode:21`);
- clients: `kind:family[:variable]` (`auth-changed:cms`, `server-variable-removed:cms:port`).

**breaking**: code that works with the client generated from OLD can fail with the client
generated from NEW (a type error, a missing name, a `TypeError` for a keyword argument,
a `RequestValidationError` before sending, a `ResponseDecodeError`, `None` where a value was
guaranteed), or requests now go somewhere else. An unacknowledged breaking change exits 1.
**warning**: nothing fails by construction, but it can, depending on what the server really
sends or what consumers assume; review it. **compatible**: additions and relaxations.

How each kind is classified, and why:

| kind | request | response | why |
| --- | --- | --- | --- |
| `limit-narrowed` (maxLength, minLength, maxItems, minItems, minimum, maximum, exclusive bounds, multipleOf, pattern added) | breaking | warning | requests: the client validates before sending, so a value callers send today is rejected (`RequestValidationError`). responses: the response models carry the limits too (msgspec `Meta`), so a value the server may still send is now a `ResponseDecodeError` |
| `limit-widened` (a limit raised or removed) | compatible | warning | requests: everything accepted before still is. responses: longer/larger values can now arrive; consumers may assume the old limit (column sizes, parsing) |
| `pattern-changed` | breaking | warning | a replaced pattern cannot be proven to accept what the old one did |
| `required-field-added` | breaking | warning | requests: a new required keyword argument breaks every call site. responses: the decoder rejects a response without it |
| `field-added` (optional) | compatible | compatible | a new optional argument or attribute |
| `field-required` (optional -> required) | breaking | warning | requests: call sites that omit it fail. responses: stricter decoding |
| `field-optional` (required -> optional) | compatible | breaking | responses: the attribute can now be `None`; readers that used it unconditionally fail |
| `field-removed` | breaking | breaking | requests: passing the keyword raises `TypeError`. responses: readers get `AttributeError` |
| `type-narrowed` (a type dropped from a union) | breaking | warning | requests: values of the dropped type are rejected. responses: stricter decoding |
| `type-widened` (a type added, e.g. `str` to `str` or `int`) | compatible | breaking | responses: readers get values of a type their code does not handle; the annotation changes |
| `type-changed` (any other type change, list/object/scalar) | breaking | breaking | |
| `python-name-changed`, `model-renamed` | breaking | breaking | the attribute, keyword or class users write is gone |
| `codes-closed` / `codes-opened` (request field gains / loses a closed code table) | breaking / compatible | | a closed field rejects values outside its table |
| `codes-table-changed` (request field uses another table) | breaking | | the argument is annotated with another class (and values may be rejected) |
| `field-codes-removed` / `field-codes-changed` / `field-codes-added` | | breaking / warning (a table dropped; compatible when one is added) / compatible | open fields keep any value; losing every table removes the `<field>_info` property, losing one loses names and meanings |
| `code-removed` | breaking (both directions) | | request tables are closed: the value is rejected; in every table the enum member users reference (`codes.T.NAME`) disappears |
| `code-added` | compatible | | closed tables accept one more value; open tables already kept unknown codes |
| `code-renamed` (same value, new member name), `code-table-renamed`, `code-table-removed`, `code-table-type-changed` | breaking | | users reference members and classes by name |
| `code-meaning-changed`, `code-table-added` | compatible | | documentation and error messages only |
| `operation-removed`, `operation-renamed` (new operationId and method name), `method-renamed`, `operation-moved` (another client class), `pagination-removed`, `response-removed` | breaking | | the method, iterator or return value users call is gone |
| `path-changed`, `method-changed` | breaking | | calls go to another endpoint: right only when the server moved too; acknowledge it once confirmed |
| `operation-added`, `pagination-added`, `response-added`, `family-added` | compatible | | |
| `retry-changed` | warning when the client now resends the request, compatible when it stops | | resending a non-idempotent request can duplicate its effect |
| `business-rule-changed` | breaking when a success code goes or a rule appears (`BusinessError` where a value was returned), warning otherwise | | |
| `sensitive-changed` | warning when a field stops being secret (it now shows in repr and logs), compatible otherwise | | |
| `family-removed`, `package-renamed`, `auth-changed` (scheme or credentials), `server-variable-removed`, `server-variable-added` / `server-variable-changed` (required) | breaking | | constructor arguments or import paths change |
| `server-changed`, `server-variable-changed` (default), `auth-detail-changed` (token endpoint, header names) | warning | | defaults most users override; requests go elsewhere when they do not |

Acknowledgements (default `acknowledged-changes.yaml` in the NEW spec folder, `--ack`):

```yaml
acknowledged:
  - id: limit-narrowed:createCall:request:softPhone:maxLength
    reason: The page now limits softPhone to 16 characters (updated 2024-03-01).
```

An acknowledged breaking change does not fail; an acknowledgement that matches no current
change is reported as stale (a warning: after a merge the base already holds the change,
so the entry can go). The file does not live in `specs/`: every YAML file there is read
as a spec.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from . import ir
from .diagnostics import (
    AiccgenError,
    ExitCode,
    Finding,
    Level,
    display_path,
    error,
    has_errors,
    join_pointer,
    warning,
)

if TYPE_CHECKING:
    from .specset import SpecSet
    from .yamlio import YamlDocument

Severity = Literal["breaking", "warning", "compatible"]
SEVERITIES: tuple[Severity, ...] = ("breaking", "warning", "compatible")
_RANK = {s: i for i, s in enumerate(SEVERITIES)}
Scope = Literal["client", "operation", "field", "codes"]
_SCOPE_RANK = {"client": 0, "operation": 1, "field": 2, "codes": 3}
_DIRECTION_TEXT = {"both": "request and response", "": "unused"}

DEFAULT_SPECS = "specs"
DEFAULT_ACK = "acknowledged-changes.yaml"
JSON_FORMAT = "aiccgen-diff"
JSON_VERSION = 1
_ACK_KEYS = ("id", "reason")


# -- results ---------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Location:
    file: str  # as shown: relative to the working directory, or REV:path for --old-rev
    line: int | None
    col: int | None
    pointer: str
    side: Literal["old", "new"]

    def format(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.col is not None:
                where += f":{self.col}"
        return where

    def as_json(self) -> dict[str, Any]:
        return {"side": self.side, "file": self.file, "line": self.line, "col": self.col, "pointer": self.pointer}


@dataclass(frozen=True, slots=True)
class Change:
    """One classified change. `id` is stable: it names what changed and where, never the
    old or new value (code values excepted: they are what changed), so an acknowledgement
    survives a second edit of the same limit."""

    id: str
    kind: str
    severity: Severity
    scope: Scope
    #: request, response, both (a code table used in both), or None (client, operation,
    #: unused code table)
    direction: str | None
    family: str | None
    operation: str | None
    subject: str  # wire path, table[ value], or family key
    python: str  # what users write
    message: str  # what changed
    why: str  # what it means for client users
    old: Any = None
    new: Any = None
    keyword: str | None = None
    location: Location | None = None
    acknowledged: bool = False
    reason: str | None = None

    @property
    def fails(self) -> bool:
        return self.severity == "breaking" and not self.acknowledged

    def sort_key(self) -> tuple[Any, ...]:
        return (_RANK[self.severity], _SCOPE_RANK[self.scope], self.family or "", self.operation or "",
                self.direction or "", self.subject, self.kind, self.id)

    def headline(self) -> str:
        if self.scope == "field":
            head = f"{self.direction} {self.operation} {self.subject}"
        elif self.scope == "codes":
            head = f"codes {self.subject} ({_DIRECTION_TEXT.get(self.direction or '', self.direction)})"
        elif self.scope == "operation":
            head = f"operation {self.operation}"
        else:
            head = f"client {self.subject}"
        return f"{head} (python: {self.python})"

    def format(self, default_where: str = "") -> str:
        where = self.location.format() if self.location else default_where
        severity = f"{self.severity} (acknowledged)" if self.acknowledged else self.severity
        text = f"{where}: {severity}: {self.headline()}: {self.message}: {self.why} [{self.id}]"
        if self.acknowledged and self.reason:
            text += f" acknowledged: {' '.join(self.reason.split())}"
        return text

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "kind": self.kind, "severity": self.severity, "acknowledged": self.acknowledged,
            "reason": self.reason, "scope": self.scope, "direction": self.direction, "family": self.family,
            "operation": self.operation, "subject": self.subject, "python": self.python,
            "keyword": self.keyword, "old": _jsonable(self.old), "new": _jsonable(self.new),
            "message": self.message, "why": self.why,
            "location": self.location.as_json() if self.location else None,
        }


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    id: str
    reason: str
    file: str
    line: int | None
    col: int | None
    pointer: str


@dataclass
class DiffResult:
    old: str
    new: str
    changes: list[Change] = field(default_factory=list)
    stale: list[Acknowledgement] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    fail_on: Severity = "breaking"
    exit_code: int = ExitCode.OK

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {s: sum(1 for c in self.changes if c.severity == s) for s in SEVERITIES}
        out["acknowledged"] = sum(1 for c in self.changes if c.acknowledged)
        out["unacknowledged_breaking"] = sum(1 for c in self.changes if c.fails)
        out["stale_acknowledgements"] = len(self.stale)
        return out


# -- reading both sides ----------------------------------------------------------------

@dataclass
class _Side:
    name: Literal["old", "new"]
    api: ir.API
    spec_set: SpecSet | None
    #: (extracted root, revision) when the specs were read from a git revision
    rev_root: tuple[str, str] | None = None
    models: dict[str, ir.Model] = field(default_factory=dict)
    docs: dict[str, YamlDocument] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for fam in self.api.families:
            for m in fam.models:
                self.models.setdefault(m.class_name, m)
            for op in fam.operations:
                for maybe in (op.request_model, op.response_model, op.params_model):
                    if maybe is not None:
                        self.models.setdefault(maybe.class_name, maybe)
        if self.spec_set is not None:
            for doc in self.spec_set.loaded():
                self.docs.setdefault(Path(doc.path).name, doc)

    def show(self, path: str) -> str:
        return _show_path(path, self.rev_root)

    def locate(self, file: str, pointer: str) -> _Where:
        """Where a change is, resolved to a line only when a change is recorded (locating
        parses the file once more with ruamel.yaml)."""
        return _Where(self, file, pointer)

    def resolve(self, file: str, pointer: str) -> Location | None:
        doc = self.docs.get(Path(file).name)
        if doc is None:
            return None
        line, col = doc.locate(pointer)
        return Location(self.show(doc.path), line, col, pointer, self.name)

    def data(self, file: str) -> Any:
        doc = self.docs.get(Path(file).name)
        return doc.data if doc is not None else None


@dataclass(frozen=True, slots=True)
class _Where:
    side: _Side
    file: str
    pointer: str

    def resolve(self) -> Location | None:
        return self.side.resolve(self.file, self.pointer)


def _show_path(path: str, rev_root: tuple[str, str] | None) -> str:
    if rev_root is not None:
        root, rev = rev_root
        rel = os.path.relpath(path, root)
        if not rel.startswith(".."):
            return f"{rev}:{Path(rel).as_posix()}"
    return display_path(path)


# -- the comparison ----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Slot:
    """One field of an operation as a user meets it: a parameter, a body field or a
    response attribute, at a wire path."""

    key: str  # wire path; parameters as `header:X-APP-Key`
    python: str
    field: ir.Field
    parent: str | None
    depth: int
    pointer: tuple[str, str]  # (spec file, JSON pointer)


class _Differ:
    def __init__(self, old: _Side, new: _Side) -> None:
        self.old = old
        self.new = new
        self.changes: list[Change] = []

    # -- recording ------------------------------------------------------------------------
    def add(self, kind: str, severity: Severity, scope: Scope, *, id_parts: Sequence[str], direction: str | None,
            family: str | None, operation: str | None, subject: str, python: str, message: str, why: str,
            old: Any = None, new: Any = None, keyword: str | None = None, location: _Where | None = None) -> None:
        self.changes.append(Change(
            id=":".join([kind, *id_parts]), kind=kind, severity=severity, scope=scope, direction=direction,
            family=family, operation=operation, subject=subject, python=python, message=message, why=why,
            old=old, new=new, keyword=keyword, location=location.resolve() if location is not None else None,
        ))

    def run(self) -> list[Change]:
        self.package()
        removed_families, added_families = self.families()
        self.operations(removed_families, added_families)
        self.code_tables()
        unique: dict[str, Change] = {}
        for c in self.changes:
            unique.setdefault(c.id, c)
        return sorted(unique.values(), key=Change.sort_key)

    # -- package and families ------------------------------------------------------------
    def package(self) -> None:
        o, n = self.old.api, self.new.api
        if o.package != n.package:
            self.add("package-renamed", "breaking", "client", id_parts=[], direction=None, family=None, operation=None,
                     subject="package", python=n.package, message=f"import name {o.package} -> {n.package}",
                     why=f"every `import {o.package}` fails", old=o.package, new=n.package)

    def families(self) -> tuple[set[str], set[str]]:
        old = {f.key: f for f in self.old.api.families}
        new = {f.key: f for f in self.new.api.families}
        for key in sorted(old.keys() - new.keys()):
            fam = old[key]
            ops = ", ".join(o.operation_id for o in fam.operations)
            self.add("family-removed", "breaking", "client", id_parts=[key], direction=None, family=key, operation=None,
                     subject=key, python=f"{self.old.api.package}.{key}.{fam.class_name}",
                     message=f"client {fam.class_name} removed (operations {ops})",
                     why="the module, its client classes and their methods are gone",
                     location=self.old.locate(fam.source, "/info"))
        for key in sorted(new.keys() - old.keys()):
            fam = new[key]
            self.add("family-added", "compatible", "client", id_parts=[key], direction=None, family=key, operation=None,
                     subject=key, python=f"{self.new.api.package}.{key}.{fam.class_name}",
                     message=f"new client {fam.class_name} ({', '.join(o.operation_id for o in fam.operations)})",
                     why="nothing existing changes", location=self.new.locate(fam.source, "/info"))
        for key in sorted(old.keys() & new.keys()):
            self.family(old[key], new[key])
        return set(old.keys() - new.keys()), set(new.keys() - old.keys())

    def family(self, o: ir.Family, n: ir.Family) -> None:
        key = n.key
        common: dict[str, Any] = {"family": key, "operation": None, "direction": None}
        if o.server_url != n.server_url:
            self.add("server-changed", "warning", "client", id_parts=[key], subject=key, python=n.class_name,
                     message=f"server URL {o.server_url!s} -> {n.server_url!s}",
                     why="clients built without base_url now send requests elsewhere",
                     old=str(o.server_url), new=str(n.server_url), location=self.new.locate(n.source, "/servers/0/url"),
                     **common)
        ov = {v.wire: v for v in o.server_variables}
        nv = {v.wire: v for v in n.server_variables}
        for wire in sorted(ov.keys() - nv.keys()):
            self.add("server-variable-removed", "breaking", "client", id_parts=[key, wire], subject=key,
                     python=f"{n.class_name}({ov[wire].name}=...)", message=f"server variable {wire} removed",
                     why=f"passing {ov[wire].name}= to the constructor raises TypeError",
                     location=self.old.locate(o.source, join_pointer("/servers/0/variables", wire)), **common)
        for wire in sorted(nv.keys() - ov.keys()):
            var = nv[wire]
            self.add("server-variable-added", "breaking" if var.required else "compatible", "client",
                     id_parts=[key, wire], subject=key, python=f"{n.class_name}({var.name}=...)",
                     message=f"new {'required ' if var.required else ''}server variable {wire}",
                     why="clients created without it refuse to start" if var.required else "it has a usable default",
                     location=self.new.locate(n.source, join_pointer("/servers/0/variables", wire)), **common)
        for wire in sorted(ov.keys() & nv.keys()):
            a, b = ov[wire], nv[wire]
            loc = self.new.locate(n.source, join_pointer("/servers/0/variables", wire))
            if a.name != b.name:
                self.add("python-name-changed", "breaking", "client", id_parts=[key, "server", wire], subject=key,
                         python=f"{n.class_name}({b.name}=...)", message=f"constructor argument {a.name} -> {b.name}",
                         why="the old keyword raises TypeError", old=a.name, new=b.name, location=loc, **common)
            if a.required != b.required:
                self.add("server-variable-changed", "breaking" if b.required else "compatible", "client",
                         id_parts=[key, wire, "required"], subject=key, python=f"{n.class_name}({b.name}=...)",
                         message=f"server variable {wire} is {'now' if b.required else 'no longer'} required",
                         why="clients created without it refuse to start" if b.required else "its default is usable",
                         old=a.required, new=b.required, location=loc, **common)
            if a.default != b.default:
                self.add("server-variable-changed", "warning", "client", id_parts=[key, wire, "default"], subject=key,
                         python=f"{n.class_name}({b.name}=...)",
                         message=f"server variable {wire} default {a.default!s} -> {b.default!s}",
                         why="clients that rely on the default now send requests elsewhere",
                         old=str(a.default), new=str(b.default), location=loc, **common)
        self.auth(o, n)

    def auth(self, o: ir.Family, n: ir.Family) -> None:
        a, b = o.auth, n.auth
        loc = self.new.locate(n.source, "/security")
        creds_a = [c.name for c in a.credentials]
        creds_b = [c.name for c in b.credentials]
        if a.kind != b.kind or creds_a != creds_b:
            self.add("auth-changed", "breaking", "client", id_parts=[n.key], direction=None, family=n.key, operation=None,
                     subject=n.key, python=n.class_name,
                     message=f"authentication {a.kind} ({', '.join(creds_a) or 'no credentials'}) -> "
                             f"{b.kind} ({', '.join(creds_b) or 'no credentials'})",
                     why="the client constructor takes other credentials", old=a.kind, new=b.kind, location=loc)
            return
        details = ("token_path", "token_credential_fields", "token_lifetime_header", "token_field",
                   "token_expires_field", "token_default_lifetime", "token_max_lifetime", "api_key_name",
                   "api_key_location")
        changed = [d for d in details if getattr(a, d) != getattr(b, d)]
        if changed:
            self.add("auth-detail-changed", "warning", "client", id_parts=[n.key], direction=None, family=n.key,
                     operation=None, subject=n.key, python=n.class_name,
                     message="authentication details changed: " + ", ".join(
                         f"{d} {_short(getattr(a, d))} -> {_short(getattr(b, d))}" for d in changed),
                     why="same constructor, but the token or key is obtained or sent differently",
                     old={d: _jsonable(getattr(a, d)) for d in changed},
                     new={d: _jsonable(getattr(b, d)) for d in changed}, location=loc)

    # -- operations ------------------------------------------------------------------------
    def operations(self, removed_families: set[str], added_families: set[str]) -> None:
        old = {op.operation_id: (fam, op) for fam in self.old.api.families for op in fam.operations}
        new = {op.operation_id: (fam, op) for fam in self.new.api.families for op in fam.operations}
        gone = [k for k in old if k not in new]
        came = [k for k in new if k not in old]
        pairs = [(k, k) for k in old if k in new]
        # Same method and path under a new operationId: a rename, not a removal.
        by_endpoint = {(new[k][1].http_method, new[k][1].path): k for k in came}
        for k in list(gone):
            match = by_endpoint.pop((old[k][1].http_method, old[k][1].path), None)
            if match is not None:
                gone.remove(k)
                came.remove(match)
                pairs.append((k, match))
        for k in sorted(gone):
            fam, op = old[k]
            if fam.key in removed_families:
                continue
            self.add("operation-removed", "breaking", "operation", id_parts=[k], direction=None, family=fam.key,
                     operation=k, subject=k, python=f"{fam.class_name}.{op.method_name}",
                     message=f"{op.http_method} {op.path} removed", why="calls to the method raise AttributeError",
                     location=self.old.locate(op.provenance.file, op.provenance.pointer))
        for k in sorted(came):
            fam, op = new[k]
            if fam.key in added_families:
                continue
            self.add("operation-added", "compatible", "operation", id_parts=[k], direction=None, family=fam.key,
                     operation=k, subject=k, python=f"{fam.class_name}.{op.method_name}",
                     message=f"new operation {op.http_method} {op.path}", why="nothing existing changes",
                     location=self.new.locate(op.provenance.file, op.provenance.pointer))
        for ko, kn in sorted(pairs, key=lambda p: p[1]):
            self.operation(old[ko][0], old[ko][1], new[kn][0], new[kn][1])

    def operation(self, of: ir.Family, o: ir.Operation, nf: ir.Family, n: ir.Operation) -> None:
        op_id = str(n.operation_id)
        loc = self.new.locate(n.provenance.file, n.provenance.pointer)
        py = f"{nf.class_name}.{n.method_name}"
        common: dict[str, Any] = {"direction": None, "family": nf.key, "operation": op_id, "subject": op_id,
                                  "python": py}
        renamed = o.operation_id != n.operation_id
        if renamed:
            breaks = o.method_name != n.method_name
            self.add("operation-renamed", "breaking" if breaks else "compatible", "operation",
                     id_parts=[str(o.operation_id), op_id],
                     message=f"operationId {o.operation_id} -> {op_id}"
                             + (f", method {o.method_name} -> {n.method_name}" if breaks else ""),
                     why="calls to the old method name raise AttributeError" if breaks else "the method name is unchanged",
                     old=str(o.operation_id), new=op_id, location=loc, **common)
        if of.key != nf.key:
            self.add("operation-moved", "breaking", "operation", id_parts=[op_id],
                     message=f"moved from {of.class_name} to {nf.class_name}",
                     why=f"{of.class_name}.{o.method_name} no longer exists", old=of.class_name, new=nf.class_name,
                     location=loc, **common)
        elif o.method_name != n.method_name and not renamed:
            self.add("method-renamed", "breaking", "operation", id_parts=[op_id],
                     message=f"method {o.method_name} -> {n.method_name}",
                     why="calls to the old method name raise AttributeError", old=o.method_name, new=n.method_name,
                     location=loc, **common)
        if o.path != n.path:
            self.add("path-changed", "breaking", "operation", id_parts=[op_id], message=f"path {o.path} -> {n.path}",
                     why="requests go to another endpoint: right only if the server moved it too",
                     old=str(o.path), new=str(n.path),
                     location=self.new.locate(n.provenance.file, n.provenance.pointer.rsplit("/", 1)[0]), **common)
        if o.http_method != n.http_method:
            self.add("method-changed", "breaking", "operation", id_parts=[op_id],
                     message=f"HTTP method {o.http_method} -> {n.http_method}",
                     why="requests use another HTTP method: right only if the server changed too",
                     old=o.http_method, new=n.http_method, location=loc, **common)
        if o.retry_safe != n.retry_safe:
            self.add("retry-changed", "warning" if n.retry_safe else "compatible", "operation", id_parts=[op_id],
                     message=f"retry-safe {o.retry_safe} -> {n.retry_safe}",
                     why="the client now resends the request after connection errors, 429 and 5xx: a request that "
                         "reached the server can take effect twice" if n.retry_safe
                     else "the client no longer resends it", old=o.retry_safe, new=n.retry_safe, location=loc, **common)
        self.business(o, n, common, loc)
        if o.pagination is not None and n.pagination is None:
            self.add("pagination-removed", "breaking", "operation", id_parts=[op_id],
                     message=f"{o.pagination.method_name} removed", why="calls to the iterator raise AttributeError",
                     location=loc, **common)
        elif o.pagination is None and n.pagination is not None:
            self.add("pagination-added", "compatible", "operation", id_parts=[op_id],
                     message=f"new iterator {n.pagination.method_name}", why="nothing existing changes",
                     location=loc, **common)
        self.fields(of, o, nf, n)

    def business(self, o: ir.Operation, n: ir.Operation, common: dict[str, Any], loc: _Where | None) -> None:
        a, b = o.business, n.business
        op_id = str(n.operation_id)
        if a is None and b is None:
            return
        if a is None or b is None:
            added = b is not None
            self.add("business-rule-changed", "breaking" if added else "warning", "operation", id_parts=[op_id],
                     message="business result check added" if added else "business result check removed",
                     why="HTTP 200 responses with a failure code now raise BusinessError instead of returning"
                     if added else "failure codes are now returned instead of raised: check the code yourself",
                     old=None if a is None else [str(s) for s in a.success],
                     new=None if b is None else [str(s) for s in b.success], location=loc, **common)
            return
        lost = [str(s) for s in a.success if s not in b.success]
        gained = [str(s) for s in b.success if s not in a.success]
        if a.code_wire != b.code_wire or lost:
            self.add("business-rule-changed", "breaking", "operation", id_parts=[op_id],
                     message=f"business result {a.code_wire} in {list(map(str, a.success))} -> "
                             f"{b.code_wire} in {list(map(str, b.success))}",
                     why="responses that returned before now raise BusinessError",
                     old=[str(s) for s in a.success], new=[str(s) for s in b.success], location=loc, **common)
        elif gained:
            self.add("business-rule-changed", "warning", "operation", id_parts=[op_id],
                     message=f"new success codes {gained}",
                     why="responses that raised BusinessError now return: callers must check the code",
                     old=[str(s) for s in a.success], new=[str(s) for s in b.success], location=loc, **common)

    # -- fields ----------------------------------------------------------------------------
    def slots(self, side: _Side, fam: ir.Family, op: ir.Operation, direction: str) -> dict[str, _Slot]:
        out: dict[str, _Slot] = {}
        method = f"{fam.class_name}.{op.method_name}"
        if direction == "request":
            for p in op.params:
                key = f"{p.location}:{p.wire}"
                out[key] = _Slot(key, f"{method}({p.name}=...)", p.field, None, 0, _param_pointer(side, op, p))
            if op.request_model is not None:
                self._walk(side, op.request_model, "", None, method, "request", None, 0, out,
                           {op.request_model.class_name})
        elif op.response_model is not None:
            self._walk(side, op.response_model, "", op.response_model.class_name, method, "response", None, 0,
                       out, {op.response_model.class_name})
        return out

    def _walk(self, side: _Side, model: ir.Model, prefix: str, py_prefix: str | None, method: str, direction: str,
              parent: str | None, depth: int, out: dict[str, _Slot], seen: set[str]) -> None:
        for f in model.fields:
            key = prefix + f.wire
            python = f"{method}({f.name}=...)" if py_prefix is None else f"{py_prefix}.{f.name}"
            out[key] = _Slot(key, python, f, parent, depth, (f.provenance.file, f.provenance.pointer))
            sub = side.models.get(f.model) if f.model else None
            if sub is not None and sub.class_name not in seen:
                suffix = "[]" if f.is_list else "{}" if "dict" in f.base_types else ""
                self._walk(side, sub, key + suffix + ".", python + suffix, method, direction, key, depth + 1, out,
                           seen | {sub.class_name})

    def fields(self, of: ir.Family, o: ir.Operation, nf: ir.Family, n: ir.Operation) -> None:
        op_id = str(n.operation_id)
        for direction in ("request", "response"):
            if direction == "response":
                if o.response_model is not None and n.response_model is None:
                    self.add("response-removed", "breaking", "operation", id_parts=[op_id], direction="response",
                             family=nf.key, operation=op_id, subject=op_id, python=f"{nf.class_name}.{n.method_name}",
                             message=f"the response is no longer decoded ({o.response_model.class_name} -> None)",
                             why="readers of the returned object get None",
                             location=self.new.locate(n.provenance.file, n.provenance.pointer))
                    continue
                if o.response_model is None and n.response_model is not None:
                    self.add("response-added", "compatible", "operation", id_parts=[op_id], direction="response",
                             family=nf.key, operation=op_id, subject=op_id, python=f"{nf.class_name}.{n.method_name}",
                             message=f"the response is decoded into {n.response_model.class_name}",
                             why="the method returned None before",
                             location=self.new.locate(n.provenance.file, n.provenance.pointer))
                    continue
            om = o.request_model if direction == "request" else o.response_model
            nm = n.request_model if direction == "request" else n.response_model
            if om is not None and nm is not None and om.class_name != nm.class_name:
                self.add("model-renamed", "breaking", "field", id_parts=[op_id, direction, "(body)"],
                         direction=direction, family=nf.key, operation=op_id, subject="(body)", python=nm.class_name,
                         message=f"class {om.class_name} -> {nm.class_name}",
                         why=f"imports of {om.class_name} fail", old=om.class_name, new=nm.class_name,
                         location=self.new.locate(nm.provenance.file, nm.provenance.pointer))
            self.compare_slots(nf, op_id, direction, self.slots(self.old, of, o, direction),
                               self.slots(self.new, nf, n, direction))

    def compare_slots(self, fam: ir.Family, op_id: str, direction: str, old: dict[str, _Slot],
                      new: dict[str, _Slot]) -> None:
        request = direction == "request"
        #: slots whose children are not compared: added, removed, or of another type
        opaque: set[str] = set()
        keys = sorted(old.keys() | new.keys(), key=lambda k: ((old.get(k) or new[k]).depth, k))
        for key in keys:
            a, b = old.get(key), new.get(key)
            slot = b or a
            assert slot is not None
            if slot.parent is not None and slot.parent in opaque:
                opaque.add(key)
                continue
            common: dict[str, Any] = {"direction": direction, "family": fam.key, "operation": op_id, "subject": key}
            ids = [op_id, direction, key]
            if b is None:
                assert a is not None
                opaque.add(key)
                self.add("field-removed", "breaking", "field", id_parts=ids, python=a.python,
                         message=f"field removed ({a.field.plain})",
                         why=("passing it raises TypeError" if a.parent is None else "setting it raises TypeError")
                         if request else "readers get AttributeError",
                         old=a.field.plain, location=self.old.locate(*a.pointer), **common)
                continue
            if a is None:
                opaque.add(key)
                f = b.field
                if f.required:
                    self.add("required-field-added", "breaking" if request else "warning", "field", id_parts=ids,
                             python=b.python, message=f"new required field ({f.plain})",
                             why="every call site must now pass it" if request
                             else "the decoder rejects responses without it", new=f.plain,
                             location=self.new.locate(*b.pointer), **common)
                else:
                    self.add("field-added", "compatible", "field", id_parts=ids, python=b.python,
                             message=f"new optional field ({f.plain})", why="nothing existing changes", new=f.plain,
                             location=self.new.locate(*b.pointer), **common)
                continue
            if not self.compare_field(a, b, request, ids, common):
                opaque.add(key)

    def compare_field(self, a: _Slot, b: _Slot, request: bool, ids: list[str], common: dict[str, Any]) -> bool:
        """Compare one field present on both sides; False when its type changed so much that
        its children cannot be compared."""
        fo, fn = a.field, b.field
        loc = self.new.locate(*b.pointer)
        if fo.name != fn.name:
            self.add("python-name-changed", "breaking", "field", id_parts=ids, python=b.python,
                     message=f"python name {fo.name} -> {fn.name}", why=f"code that uses {fo.name} fails",
                     old=fo.name, new=fn.name, location=loc, **common)
        if fo.required != fn.required:
            became = "required" if fn.required else "optional"
            severity: Severity
            if request:
                severity = "breaking" if fn.required else "compatible"
                why = "call sites that omit it fail" if fn.required else "it may now be omitted"
            else:
                severity = "warning" if fn.required else "breaking"
                why = ("the decoder rejects responses without it" if fn.required
                       else "the attribute can now be None: readers that use it unconditionally fail")
            self.add(f"field-{became}", severity, "field", id_parts=ids, python=b.python,
                     message=f"field became {became}", why=why, old=fo.required, new=fn.required, location=loc,
                     **common)
        if fo.sensitive != fn.sensitive:
            self.add("sensitive-changed", "compatible" if fn.sensitive else "warning", "field", id_parts=ids,
                     python=b.python, message=f"secret {fo.sensitive} -> {fn.sensitive}",
                     why="now hidden in repr and logs" if fn.sensitive else "the value now shows in repr and logs",
                     old=fo.sensitive, new=fn.sensitive, location=loc, **common)
        if fo.model and fn.model and fo.model != fn.model:
            self.add("model-renamed", "breaking", "field", id_parts=ids, python=b.python,
                     message=f"class {fo.model} -> {fn.model}", why=f"imports of {fo.model} fail",
                     old=fo.model, new=fn.model, location=loc, **common)
        relation = _type_relation(_type_sig(fo), _type_sig(fn))
        if relation == "changed":
            self.add("type-changed", "breaking", "field", id_parts=ids, python=b.python,
                     message=f"type {fo.plain} -> {fn.plain}",
                     why="values of the old type are rejected before sending" if request
                     else "readers get values of another type", old=fo.plain, new=fn.plain, location=loc, **common)
            return False
        if relation == "widened":
            self.add("type-widened", "compatible" if request else "breaking", "field", id_parts=ids, python=b.python,
                     message=f"type {fo.plain} -> {fn.plain}",
                     why="every value accepted before still is" if request
                     else "readers can now get a type their code does not handle",
                     old=fo.plain, new=fn.plain, location=loc, **common)
        elif relation == "narrowed":
            self.add("type-narrowed", "breaking" if request else "warning", "field", id_parts=ids, python=b.python,
                     message=f"type {fo.plain} -> {fn.plain}",
                     why="values of the dropped type are rejected before sending" if request
                     else "the decoder rejects the dropped type if the server still sends it",
                     old=fo.plain, new=fn.plain, location=loc, **common)
        self.compare_limits(b, fo, fn, request, ids, common)
        if request:
            self.compare_closed_codes(b, fo, fn, ids, common, loc)
        else:
            self.compare_open_codes(b, fo, fn, ids, common, loc)
        return True

    def compare_limits(self, b: _Slot, fo: ir.Field, fn: ir.Field, request: bool, ids: list[str],
                       common: dict[str, Any]) -> None:
        lo, ln = _limits(fo), _limits(fn)
        for keyword in _LIMIT_ORDER:
            x, y = lo.get(keyword), ln.get(keyword)
            if x == y:
                continue
            how = _limit_relation(keyword, x, y)
            severity: Severity
            if how == "widened":
                kind, severity = "limit-widened", ("compatible" if request else "warning")
                why = ("every value accepted before still is" if request
                       else "values beyond the old limit can now arrive: check what consumers assume")
            else:
                kind = "pattern-changed" if how == "changed" else "limit-narrowed"
                severity = "breaking" if request else "warning"
                why = ("values callers send today can be rejected before sending" if request
                       else "the decoder checks the new limit: a value the server still sends outside it fails")
            file, pointer = b.pointer
            self.add(kind, severity, "field", id_parts=[*ids, keyword], python=b.python,
                     message=f"{keyword} {_show_limit(x)} -> {_show_limit(y)}", why=why,
                     old=_limit_json(x), new=_limit_json(y), keyword=keyword,
                     location=self.new.locate(file, _keyword_pointer(self.new, file, pointer, keyword)), **common)

    def compare_closed_codes(self, b: _Slot, fo: ir.Field, fn: ir.Field, ids: list[str], common: dict[str, Any],
                             loc: _Where | None) -> None:
        a, t = fo.enum, fn.enum
        if a is None and t is None:
            return
        if a is None:
            assert t is not None
            self.add("codes-closed", "breaking", "field", id_parts=ids, python=b.python,
                     message=f"now limited to codes.{t.class_name} ({len(t.entries)} values)",
                     why="values outside the table are rejected before sending", new=t.class_name, location=loc,
                     **common)
            return
        if t is None:
            self.add("codes-opened", "compatible", "field", id_parts=ids, python=b.python,
                     message=f"no longer limited to codes.{a.class_name}", why="every value accepted before still is",
                     old=a.class_name, location=loc, **common)
            return
        if a.class_name == t.class_name:
            return  # the same table (tables are matched by class): value changes are reported on it
        lost = [e.value for e in a.entries if e.value not in {x.value for x in t.entries}]
        self.add("codes-table-changed", "breaking", "field", id_parts=ids,
                 python=b.python, message=f"codes.{a.class_name} -> codes.{t.class_name}"
                 + (f", values no longer accepted: {', '.join(map(str, lost))}" if lost else ""),
                 why="the argument is annotated with another class" + (" and rejects values callers send" if lost
                                                                      else ""),
                 old=a.class_name, new=t.class_name, location=loc, **common)

    def compare_open_codes(self, b: _Slot, fo: ir.Field, fn: ir.Field, ids: list[str], common: dict[str, Any],
                           loc: _Where | None) -> None:
        names_a = [x.class_name for x in fo.codes.tables] if fo.codes else []
        names_b = [x.class_name for x in fn.codes.tables] if fn.codes else []
        if names_a == names_b and fo.info_property == fn.info_property:
            return
        if fo.info_property and not fn.info_property:
            self.add("field-codes-removed", "breaking", "field", id_parts=ids, python=b.python,
                     message=f"no code table any more (was {', '.join(names_a)})",
                     why=f"{fo.info_property} is gone: readers get AttributeError", old=names_a, new=names_b,
                     location=loc, **common)
        elif not fo.info_property and fn.info_property:
            self.add("field-codes-added", "compatible", "field", id_parts=ids, python=b.python,
                     message=f"codes described by {', '.join(names_b)} (see {fn.info_property})",
                     why="a new property; the value is unchanged", old=names_a, new=names_b, location=loc, **common)
        else:
            lost = [n for n in names_a if n not in names_b]
            renamed = fo.info_property != fn.info_property
            self.add("field-codes-changed", "breaking" if renamed else "warning" if lost else "compatible", "field",
                     id_parts=ids, python=b.python,
                     message=f"code tables {', '.join(names_a)} -> {', '.join(names_b)}"
                     + (f", {fo.info_property} -> {fn.info_property}" if renamed else ""),
                     why=f"{fo.info_property} is gone" if renamed else
                     "values are still kept, but codes of the dropped tables lose their names and meanings" if lost
                     else "more codes are named", old=names_a, new=names_b, location=loc, **common)

    # -- code tables ------------------------------------------------------------------------
    def code_tables(self) -> None:
        old = {t.class_name: t for t in self.old.api.code_tables}
        new = {t.class_name: t for t in self.new.api.code_tables}
        pairs = [(old[k], new[k]) for k in old.keys() & new.keys()]
        gone = {k: old[k] for k in old.keys() - new.keys()}
        came = {_table_identity(new[k]): new[k] for k in new.keys() - old.keys()}
        for k in sorted(gone):
            t = gone[k]
            moved = came.pop(_table_identity(t), None)
            if moved is not None:
                pairs.append((t, moved))
                self.add("code-table-renamed", "breaking", "codes", id_parts=[t.class_name],
                         direction=_uses_direction(t, moved), family=None, operation=None, subject=moved.class_name,
                         python=f"codes.{moved.class_name}", message=f"class {t.class_name} -> {moved.class_name}",
                         why=f"references to codes.{t.class_name} fail", old=t.class_name, new=moved.class_name,
                         location=self._table_loc(self.new, moved))
                continue
            self.add("code-table-removed", "breaking", "codes", id_parts=[t.class_name], direction=_uses_direction(t),
                     family=None, operation=None, subject=t.class_name, python=f"codes.{t.class_name}",
                     message=f"code table removed ({len(t.entries)} values)",
                     why=f"references to codes.{t.class_name} fail", location=self._table_loc(self.old, t))
        for t in sorted(came.values(), key=lambda x: x.class_name):
            self.add("code-table-added", "compatible", "codes", id_parts=[t.class_name], direction=_uses_direction(t),
                     family=None, operation=None, subject=t.class_name, python=f"codes.{t.class_name}",
                     message=f"new code table ({len(t.entries)} values)", why="nothing existing changes",
                     location=self._table_loc(self.new, t))
        for a, b in sorted(pairs, key=lambda p: p[1].class_name):
            self.code_table(a, b)

    def _table_loc(self, side: _Side, t: ir.CodeTable, index: int | None = None) -> _Where:
        file, pointer = _table_file_pointer(t)
        if index is not None:
            pointer = join_pointer(pointer, "enum", index)
        return side.locate(file, pointer)

    def code_table(self, a: ir.CodeTable, b: ir.CodeTable) -> None:
        direction = _uses_direction(a, b)
        name = b.class_name
        if a.kind != b.kind:
            self.add("code-table-type-changed", "breaking", "codes", id_parts=[name], direction=direction, family=None,
                     operation=None, subject=name, python=f"codes.{name}", message=f"values {a.kind} -> {b.kind}",
                     why="members compare unequal to the values callers use", old=a.kind, new=b.kind,
                     location=self._table_loc(self.new, b))
            return
        old = {e.value: (i, e) for i, e in enumerate(a.entries)}
        new = {e.value: (i, e) for i, e in enumerate(b.entries)}
        closed = direction in ("request", "both")
        for value in sorted(old.keys() - new.keys(), key=_value_key):
            i, e = old[value]
            self.add("code-removed", "breaking", "codes", id_parts=[name, str(value)], direction=direction,
                     family=None, operation=None, subject=f"{name} {value}", python=f"codes.{name}.{e.name}",
                     message=f"code {value!r} ({e.name}: {_short(e.meaning)}) removed",
                     why=("requests with it are rejected before sending, and " if closed else "")
                     + f"references to codes.{name}.{e.name} fail", old=value,
                     location=self._table_loc(self.old, a, i))
        for value in sorted(new.keys() - old.keys(), key=_value_key):
            i, e = new[value]
            self.add("code-added", "compatible", "codes", id_parts=[name, str(value)], direction=direction,
                     family=None, operation=None, subject=f"{name} {value}", python=f"codes.{name}.{e.name}",
                     message=f"code {value!r} ({e.name}: {_short(e.meaning)}) added",
                     why="one more accepted value" if closed else "unknown codes were kept already; now it is named",
                     new=value, location=self._table_loc(self.new, b, i))
        for value in sorted(old.keys() & new.keys(), key=_value_key):
            (_i, x), (j, y) = old[value], new[value]
            loc = self._table_loc(self.new, b, j)
            if x.name != y.name:
                self.add("code-renamed", "breaking", "codes", id_parts=[name, str(value)], direction=direction,
                         family=None, operation=None, subject=f"{name} {value}", python=f"codes.{name}.{y.name}",
                         message=f"member {x.name} -> {y.name}", why=f"references to codes.{name}.{x.name} fail",
                         old=x.name, new=y.name, location=loc)
            if x.meaning != y.meaning:
                self.add("code-meaning-changed", "compatible", "codes", id_parts=[name, str(value)],
                         direction=direction, family=None, operation=None, subject=f"{name} {value}",
                         python=f"codes.{name}.{y.name}",
                         message=f"meaning {_short(x.meaning)!r} -> {_short(y.meaning)!r}",
                         why="documentation and error messages only", old=str(x.meaning), new=str(y.meaning),
                         location=loc)


# -- helpers for the comparison -------------------------------------------------------------

_MAX_LIKE = ("maxLength", "maxItems")
_MIN_LIKE = ("minLength", "minItems")
_LIMIT_ORDER = ("maxLength", "minLength", "maxItems", "minItems", "maximum", "minimum", "multipleOf", "pattern")


def _type_sig(f: ir.Field) -> tuple[str, frozenset[str]]:
    """(container, types) as a user of the Python annotation sees them; class names of
    nested models and code tables are compared elsewhere."""
    container = "list" if f.is_list else "dict" if "dict" in f.base_types else ""
    if f.enum is not None:
        return container, frozenset({f.enum.kind})
    if f.model:
        return container, frozenset({"model"})
    inner = f.plain
    if container == "list" and inner.startswith("list[") and inner.endswith("]"):
        inner = inner[5:-1]
    elif container == "dict" and inner.startswith("dict[str, ") and inner.endswith("]"):
        inner = inner[10:-1]
    return container, frozenset(part.strip() for part in inner.split(" | ") if part.strip())


def _type_relation(old: tuple[str, frozenset[str]], new: tuple[str, frozenset[str]]) -> str:
    if old[0] != new[0]:
        return "changed"
    a, b = set(old[1]), set(new[1])
    if a == b:
        return "same"
    for s in (a, b):
        if "float" in s:
            s.add("int")  # an int is a valid float, in JSON and in annotations
    if "Any" in b and "Any" not in a:
        return "widened"
    if "Any" in a and "Any" not in b:
        return "narrowed"
    if a == b:
        return "same"
    if a < b:
        return "widened"
    if b < a:
        return "narrowed"
    return "changed"


Bound = tuple[float, bool]  # (value, exclusive)


def _limits(f: ir.Field) -> dict[str, Any]:
    """The field's limits, one value per keyword: lengths as ints, bounds as (value,
    exclusive) with integer exclusive bounds made inclusive, patterns as a tuple."""
    out: dict[str, Any] = {}
    uppers: list[Bound] = []
    lowers: list[Bound] = []
    patterns: list[str] = []
    for c in f.constraints:
        v = c.value
        if c.keyword == "enum" or isinstance(v, tuple):
            continue
        if c.keyword in _MAX_LIKE or c.keyword in _MIN_LIKE:
            prev = out.get(c.keyword)
            pick = max if c.keyword in _MAX_LIKE else min
            out[c.keyword] = v if prev is None else pick(prev, v)
        elif c.keyword in ("maximum", "exclusiveMaximum") and isinstance(v, (int, float)):
            excl = c.keyword == "exclusiveMaximum"
            uppers.append((v - 1, False) if excl and c.applies_to == "int" and isinstance(v, int) else (v, excl))
        elif c.keyword in ("minimum", "exclusiveMinimum") and isinstance(v, (int, float)):
            excl = c.keyword == "exclusiveMinimum"
            lowers.append((v + 1, False) if excl and c.applies_to == "int" and isinstance(v, int) else (v, excl))
        elif c.keyword == "pattern":
            patterns.append(str(v))
        elif c.keyword == "multipleOf":
            out["multipleOf"] = v
    if uppers:  # the tightest upper bound applies
        out["maximum"] = min(uppers, key=lambda b: (b[0], not b[1]))
    if lowers:
        out["minimum"] = max(lowers, key=lambda b: (b[0], b[1]))
    if patterns:
        out["pattern"] = tuple(sorted(set(patterns)))
    return out


def _limit_relation(keyword: str, old: Any, new: Any) -> str:
    """'narrowed', 'widened' or 'changed' (a replaced pattern)."""
    if old is None:
        return "narrowed"
    if new is None:
        return "widened"
    if keyword in _MAX_LIKE:
        return "narrowed" if new < old else "widened"
    if keyword in _MIN_LIKE:
        return "narrowed" if new > old else "widened"
    if keyword == "maximum":
        return "narrowed" if (new[0], not new[1]) < (old[0], not old[1]) else "widened"
    if keyword == "minimum":
        return "narrowed" if (new[0], new[1]) > (old[0], old[1]) else "widened"
    if keyword == "multipleOf":
        try:
            return "widened" if old % new == 0 else "narrowed"
        except (TypeError, ZeroDivisionError):
            return "narrowed"
    return "changed"


def _show_limit(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], bool):
        return _num(value[0]) + (" (exclusive)" if value[1] else "")
    if isinstance(value, tuple):
        return " and ".join(repr(p) for p in value)
    return str(value)


def _limit_json(value: Any) -> Any:
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], bool):
        return {"value": value[0], "exclusive": value[1]}
    if isinstance(value, tuple):
        return list(value)
    return value


def _num(v: float) -> str:
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)


def _keyword_pointer(side: _Side, file: str, pointer: str, keyword: str) -> str:
    """The pointer of the keyword itself when it is written on the property."""
    from .specset import has_pointer

    data = side.data(file)
    candidates = {"maximum": ("maximum", "exclusiveMaximum"), "minimum": ("minimum", "exclusiveMinimum")}
    for kw in candidates.get(keyword, (keyword,)):
        if data is not None and has_pointer(data, join_pointer(pointer, kw)):
            return join_pointer(pointer, kw)
    return pointer


def _param_pointer(side: _Side, op: ir.Operation, param: ir.Param) -> tuple[str, str]:
    """The parameter's entry in the operation's `parameters` list (the IR records a
    synthetic pointer for the parameters model)."""
    file, op_ptr = op.provenance.file, op.provenance.pointer
    data = side.data(file)
    from .specset import get_pointer

    try:
        params = get_pointer(data, op_ptr + "/parameters") if data is not None else None
    except (LookupError, ValueError):
        params = None
    if isinstance(params, list):
        for i, p in enumerate(params):
            if not isinstance(p, dict):
                continue
            name = p.get("name")
            if name is None and isinstance(p.get("$ref"), str) and side.spec_set is not None:
                try:
                    _path, _ptr, target = side.spec_set.deref(str(side.docs[Path(file).name].path), p)
                    name = target.get("name") if isinstance(target, dict) else None
                except (AiccgenError, KeyError):
                    name = None
            if name == param.wire and p.get("in", param.location) == param.location:
                return file, join_pointer(op_ptr, "parameters", i)
    return file, op_ptr


def _table_file_pointer(t: ir.CodeTable) -> tuple[str, str]:
    path, _, pointer = t.key.partition("#")
    return Path(path).name, pointer


def _table_identity(t: ir.CodeTable) -> str:
    file, pointer = _table_file_pointer(t)
    return f"{file}#{pointer}"


def _uses_direction(*tables: ir.CodeTable) -> str | None:
    dirs = {"request" if u.direction in ("request", "params") else "response" for t in tables for u in t.uses}
    if not dirs:
        return None
    return "both" if len(dirs) > 1 else dirs.pop()


def _value_key(value: Any) -> tuple[int, Any]:
    return (0, value) if isinstance(value, int) else (1, str(value))


def _short(text: Any, limit: int = 60) -> str:
    s = " ".join(str(text).split()) if text is not None else "none"
    return s if len(s) <= limit else s[: limit - 3] + "..."


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, str):
        return str(value)
    return value


def diff_apis(old: ir.API, new: ir.API, old_specs: SpecSet | None = None, new_specs: SpecSet | None = None, *,
              old_rev_root: tuple[str, str] | None = None) -> list[Change]:
    """Every change from `old` to `new`, classified, in a deterministic order."""
    return _Differ(_Side("old", old, old_specs, old_rev_root), _Side("new", new, new_specs)).run()


# -- acknowledgements ------------------------------------------------------------------------

def load_acknowledgements(path: str) -> tuple[list[Acknowledgement], list[Finding]]:
    """Read the acknowledgement file. Problems are findings (errors), located."""
    from .yamlio import load_yaml, read_text

    try:
        text = read_text(path)
    except AiccgenError as exc:
        return [], exc.findings
    if not text.strip():
        return [], []
    try:
        doc = load_yaml(path, text)
    except AiccgenError as exc:
        return [], exc.findings
    findings: list[Finding] = list(doc.findings)

    def problem(message: str, pointer: str) -> None:
        line, col = doc.locate(pointer)
        findings.append(error("acknowledgement", message, path, pointer, line=line, col=col))

    data = doc.data
    if data is None:
        return [], findings
    if not isinstance(data, dict):
        problem("expected a mapping with an 'acknowledged' list", "")
        return [], findings
    for key in data:
        if key not in ("acknowledged", "version"):
            problem(f"unknown key {key!r}; known: acknowledged, version", join_pointer("", key))
    if data.get("version", 1) != 1:
        problem(f"version {data.get('version')!r} is not supported (1 is)", "/version")
    entries = data.get("acknowledged") or []
    if not isinstance(entries, list):
        problem("'acknowledged' must be a list of {id, reason}", "/acknowledged")
        return [], findings
    acks: list[Acknowledgement] = []
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        ptr = join_pointer("/acknowledged", i)
        if not isinstance(entry, dict):
            problem("each acknowledgement is a mapping with 'id' and 'reason'", ptr)
            continue
        for key in entry:
            if key not in _ACK_KEYS:
                problem(f"unknown key {key!r}; known: {', '.join(_ACK_KEYS)}", join_pointer(ptr, key))
        ack_id, reason = entry.get("id"), entry.get("reason")
        if not isinstance(ack_id, str) or not ack_id.strip():
            problem("'id' must be the id of a change, as `aiccgen diff` prints it", ptr)
            continue
        if not isinstance(reason, str) or not reason.strip():
            problem(f"{ack_id}: 'reason' must say why the change is acceptable", ptr)
            continue
        if ack_id in seen:
            problem(f"{ack_id} is acknowledged twice", join_pointer(ptr, "id"))
            continue
        seen.add(ack_id)
        line, col = doc.locate(ptr)
        acks.append(Acknowledgement(ack_id.strip(), reason.strip(), path, line, col, ptr))
    return acks, findings


def acknowledge(changes: Iterable[Change], acks: Iterable[Acknowledgement]) -> tuple[list[Change], list[Acknowledgement]]:
    """Mark acknowledged changes; return them and the acknowledgements that match nothing."""
    by_id = {a.id: a for a in acks}
    out = []
    used: set[str] = set()
    for c in changes:
        ack = by_id.get(c.id)
        if ack is not None:
            used.add(ack.id)
            c = replace(c, acknowledged=True, reason=ack.reason)
        out.append(c)
    return out, [a for a in by_id.values() if a.id not in used]


def _stale_finding(ack: Acknowledgement) -> Finding:
    return warning("stale-acknowledgement",
                   f"{ack.id} matches no change between the old and the new specs; remove it once the change is on "
                   "the base branch", ack.file, ack.pointer, line=ack.line, col=ack.col)


# -- git revisions ---------------------------------------------------------------------------

def _git(args: list[str], cwd: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        raise AiccgenError(error("git", "--old-rev needs git, which is not installed"), ExitCode.ENVIRONMENT) from None
    except OSError as exc:
        raise AiccgenError(error("git", f"cannot run git: {exc}"), ExitCode.ENVIRONMENT) from None


def _git_error(result: subprocess.CompletedProcess[bytes]) -> str:
    text = result.stderr.decode("utf-8", "replace").strip().splitlines()
    return text[-1] if text else f"git exited with {result.returncode}"


def checkout_revision(rev: str, target: str, into: str) -> tuple[str, tuple[str, str]]:
    """Write `target` (a spec folder or file of the working tree, by its path) as it is at
    `rev` into the folder `into`, keeping its path relative to the repository root.
    Returns the path to read and (root, rev) to show paths as `REV:path`."""
    path = Path(os.path.abspath(target))
    anchor = path
    while not anchor.is_dir() and anchor != anchor.parent:
        anchor = anchor.parent
    top = _git(["rev-parse", "--show-toplevel"], str(anchor))
    if top.returncode != 0:
        raise AiccgenError(error("git", f"--old-rev: {anchor} is not in a git repository ({_git_error(top)})",
                                 str(target)))
    root = Path(os.path.realpath(top.stdout.decode().strip()))
    try:
        rel = (Path(os.path.realpath(anchor)) / path.relative_to(anchor)).relative_to(root).as_posix()
    except ValueError:
        raise AiccgenError(error("git", f"--old-rev: {target} is outside the repository {root}", str(target))) from None
    commit = _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], str(root))
    if commit.returncode != 0:
        raise AiccgenError(error("git", f"--old-rev: {rev!r} is not a commit, branch or tag of this repository "
                                        "(in CI, fetch it first: git fetch origin REV)"))
    sha = commit.stdout.decode().strip()
    kind = _git(["cat-file", "-t", f"{sha}:{rel}"], str(root))
    if kind.returncode != 0:
        raise AiccgenError(error("git", f"--old-rev: {rel} does not exist at {rev}", str(target)))
    # A spec file is read with the folder around it: its $refs and aiccgen.yaml.
    folder = rel if kind.stdout.decode().strip() == "tree" else Path(rel).parent.as_posix()
    listing = _git(["ls-tree", "-r", "-z", sha, "--", folder if folder != "." else ""], str(root))
    if listing.returncode != 0:
        raise AiccgenError(error("git", f"--old-rev: cannot list {folder} at {rev}: {_git_error(listing)}",
                                 str(target)))
    base = Path(into)
    for entry in listing.stdout.decode("utf-8", "surrogateescape").split("\0"):
        meta, _, name = entry.partition("\t")
        parts = meta.split()
        if len(parts) != 3 or parts[1] != "blob" or parts[0] not in ("100644", "100755"):
            continue  # symlinks and submodules are not specs
        if Path(name).is_absolute() or ".." in Path(name).parts:
            continue
        blob = _git(["cat-file", "blob", parts[2]], str(root))
        if blob.returncode != 0:
            raise AiccgenError(error("git", f"--old-rev: cannot read {name} at {rev}: {_git_error(blob)}"))
        dest = base / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(blob.stdout)
    return str(base / rel), (into, rev)


# -- running ---------------------------------------------------------------------------------

def _relocate(findings: Iterable[Finding], rev_root: tuple[str, str] | None) -> list[Finding]:
    return [replace(f, file=_show_path(f.file, rev_root)) if f.file and rev_root else f for f in findings]


def run_diff(old: str | None, new: str, *, old_rev: str | None = None, ack: str | None = None,
             ack_required: bool = False, fail_on: Severity = "breaking") -> DiffResult:
    """Compare the specs at `old` (or `new`'s path at `old_rev`) with those at `new`."""
    from .pipeline import build

    old_label = f"{old_rev}:{old or new}" if old_rev else str(old)
    result = DiffResult(old=old_label, new=new, fail_on=fail_on)
    if old is None and old_rev is None:
        result.findings.append(error("usage", "give OLD and NEW spec folders, or --old-rev REV"))
        result.exit_code = ExitCode.USAGE
        return result
    tmp = tempfile.mkdtemp(prefix="aiccgen-diff-")
    try:
        rev_root = None
        old_target = old
        if old_rev is not None:
            try:
                old_target, rev_root = checkout_revision(old_rev, old or new, tmp)
            except AiccgenError as exc:
                result.findings = exc.findings
                result.exit_code = exc.exit_code
                return result
        assert old_target is not None
        old_api, old_set, old_findings = build([old_target])
        new_api, new_set, new_findings = build([new])
        problems = [f for f in _relocate(old_findings, rev_root) + new_findings if f.level >= Level.ERROR]
        if old_api is None or new_api is None:
            result.findings = problems or [error("diff", "the specs could not be built")]
            result.exit_code = ExitCode.FINDINGS
            return result
        changes = diff_apis(old_api, new_api, old_set, new_set, old_rev_root=rev_root)
        # The acknowledgements live with the specs they acknowledge changes of.
        new_dir = new if os.path.isdir(new) else os.path.dirname(new) or "."
        ack_path = ack or os.path.join(new_dir, DEFAULT_ACK)
        acks: list[Acknowledgement] = []
        if ack_required or os.path.exists(ack_path):
            acks, ack_findings = load_acknowledgements(ack_path)
            result.findings.extend(ack_findings)
        result.changes, result.stale = acknowledge(changes, acks)
        result.findings.extend(_stale_finding(a) for a in result.stale)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    threshold = _RANK[fail_on]
    failing = any(_RANK[c.severity] <= threshold and not c.acknowledged for c in result.changes)
    result.exit_code = ExitCode.FINDINGS if failing or has_errors(result.findings) else ExitCode.OK
    return result


# -- output ----------------------------------------------------------------------------------

def summary(result: DiffResult) -> str:
    n = result.counts()
    errors = sum(1 for f in result.findings if f.level >= Level.ERROR)
    if errors and not result.changes:
        return (f"aiccgen diff: stopped, {errors} error{'s' * (errors != 1)}: the specs could not be compared"
                if result.exit_code != ExitCode.OK else "aiccgen diff: stopped")
    if not result.changes and not result.findings:
        return "aiccgen diff: no changes"
    parts = [f"{n['breaking']} breaking" + (f" ({n['acknowledged']} acknowledged)" if n["acknowledged"] else ""),
             f"{n['warning']} warning{'s' * (n['warning'] != 1)}", f"{n['compatible']} compatible"]
    text = "aiccgen diff: " + ", ".join(parts)
    if result.stale:
        text += f"; {len(result.stale)} stale acknowledgement{'s' * (len(result.stale) != 1)}"
    if errors:
        text += f"; {errors} error{'s' * (errors != 1)}"
    if n["unacknowledged_breaking"]:
        text += (f"; {n['unacknowledged_breaking']} unacknowledged breaking change"
                 f"{'s' * (n['unacknowledged_breaking'] != 1)}: list the ids with a reason in {DEFAULT_ACK} "
                 "(or --ack FILE) once reviewed")
    return text


def render_text(result: DiffResult) -> str:
    lines = [c.format(display_path(result.new)) for c in result.changes]
    lines += [f.format() for f in result.findings]
    return "\n".join(lines) + ("\n" if lines else "")


def render_json(result: DiffResult) -> str:
    body = {
        "format": JSON_FORMAT,
        "version": JSON_VERSION,
        "old": result.old,
        "new": result.new,
        "fail_on": result.fail_on,
        "exit_code": int(result.exit_code),
        "summary": result.counts(),
        "changes": [c.as_json() for c in result.changes],
        "stale_acknowledgements": [
            {"id": a.id, "reason": a.reason, "file": display_path(a.file), "line": a.line} for a in result.stale
        ],
        "findings": [
            {"level": str(f.level), "rule": f.rule, "message": f.message,
             "file": display_path(f.file) if f.file else None, "line": f.line, "col": f.col,
             "pointer": f.pointer or None}
            for f in result.findings
        ],
    }
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"


# -- command line ------------------------------------------------------------------------------

def add_arguments(p: argparse.ArgumentParser) -> None:
    """The `aiccgen diff` arguments (generator.cli wires them to `run`)."""
    p.add_argument("paths", nargs="*", metavar="OLD NEW",
                   help="old and new spec folders or files; with --old-rev only NEW (default: specs/)")
    p.add_argument("--old-rev", metavar="REV",
                   help="read OLD from this git revision (branch, tag or commit), at the path of OLD or NEW")
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    p.add_argument("--ack", metavar="FILE",
                   help=f"acknowledged changes (default: {DEFAULT_ACK} in the NEW spec folder, when it exists)")
    p.add_argument("--fail-on", choices=("breaking", "warning"), default="breaking",
                   help="exit 1 on unacknowledged changes of this severity or worse (default: breaking)")


def run(args: argparse.Namespace) -> int:
    paths: list[str] = list(args.paths)
    old: str | None
    if args.old_rev:
        if len(paths) > 2:
            return _usage("with --old-rev give at most OLD and NEW")
        new = paths[-1] if paths else DEFAULT_SPECS
        old = paths[0] if len(paths) == 2 else None
    else:
        if len(paths) != 2:
            return _usage("give OLD and NEW spec folders or files (or --old-rev REV [NEW])")
        old, new = paths
    result = run_diff(old, new, old_rev=args.old_rev, ack=args.ack, ack_required=args.ack is not None,
                      fail_on=args.fail_on)
    if args.format == "json":
        sys.stdout.write(render_json(result))
    else:
        sys.stdout.write(render_text(result))
    print(summary(result), file=sys.stderr)
    return int(result.exit_code)


def _usage(message: str) -> int:
    print(f"aiccgen diff: error: {message}", file=sys.stderr)
    return int(ExitCode.USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aiccgen diff", description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m generator.diff`: the same command as `aiccgen diff`."""
    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except AiccgenError as exc:
        for f in exc.findings:
            print(f.format(), file=sys.stderr)
        return int(exc.exit_code)
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
