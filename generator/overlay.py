"""Errata as OpenAPI Overlay 1.0 documents, applied strictly.

Why overlays: an erratum is a reviewed decision about a page ("the example sends numbers; we
decode both"), not part of what the page says. Kept apart from the import, a re-import of a
changed page keeps every decision, and each decision can be checked on its own: does it
still apply to anything, does it still change anything, does the page still contradict
itself? A standard format (https://spec.openapis.org/overlay/v1.0.0) means other tools can
apply our errata too.

Semantics (Overlay 1.0.0):

* actions run in order, each on the result of the previous one;
* ``target`` is a JSONPath (RFC 9535) selecting objects or arrays;
* ``update`` on an object merges recursively: objects merge key by key, any other value
  replaces the one it meets (1.0 says "recursively merged"; replacing a primitive is how a
  type is widened from ``string`` to ``[string, integer]``); ``update`` on an array appends
  the update as one entry;
* ``remove: true`` removes each selected node from its parent.

Strictness, so a stale erratum cannot hide: a target that matches nothing, a target that
selects a primitive, an update that changes nothing, and an update that would merge an array
into an existing array (Overlay 1.0 tools disagree: some replace, 1.1 concatenates; remove
it first) are errors naming the overlay file, the action index and the target.

Conventions on top of the standard, as extensions: an action that applies an erratum says
``x-erratum: ID``; an action that records a reviewed choice the page leaves open (not a
contradiction) says ``x-decision: why``. The erratum record itself is appended to the
imported document's ``x-errata`` list by an action whose target is ``$['x-errata']``.

JSONPath: aiccgen implements the part of RFC 9535 that overlay targets use: ``$``, member
names (``.name``, ``['name']``), indexes, wildcards, descendants (``..``) and filters
(``[?@.name == 'x' && @['x-doc'].row]``). jsonpath-ng was tried and rejected: it is not
RFC 9535 (a filter over an object's members yields positional paths like ``[0]`` instead of
the member names, and ``.type`` silently matches nothing), and a wrong or silent match is
exactly what strict errata must not have. The subset is ~150 lines, reports a syntax error
with its column, and yields JSON pointers, which findings need anyway.
"""

from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .diagnostics import AiccgenError, Finding, Level, join_pointer, split_pointer
from .facts import json_types, norm

__all__ = ["Action", "JsonPathError", "Overlay", "OverlayOutcome", "apply_errata", "apply_overlay",
           "compile_path", "load_overlay", "load_overlays", "select"]

_MISSING = object()


# ============================================================================ JSONPath


class JsonPathError(ValueError):
    """A target that is not valid in aiccgen's RFC 9535 subset; ``column`` is 1-based."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(f"{message} (column {column})")
        self.column = column


Node = tuple[tuple[Any, ...], Any]  # (path of keys / indexes, value)
Selector = Callable[[Node, Any], Iterator[Node]]  # (node, root) -> children


_NAME_FIRST = re.compile(r"[A-Za-z_\u0080-\uffff]")
_NAME_CHAR = re.compile(r"[A-Za-z0-9_\u0080-\uffff]")
_INT = re.compile(r"-?(?:0|[1-9][0-9]*)")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "/": "/", "\\": "\\", "'": "'", '"': '"'}


class _Parser:
    """Recursive descent over the query text; one method per grammar rule of RFC 9535."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0

    # -- lexing ---------------------------------------------------------------------------
    def fail(self, message: str) -> JsonPathError:
        return JsonPathError(message, self.at + 1)

    def peek(self, token: str) -> bool:
        return self.text.startswith(token, self.at)

    def take(self, token: str) -> bool:
        if self.peek(token):
            self.at += len(token)
            return True
        return False

    def expect(self, token: str) -> None:
        if not self.take(token):
            found = self.text[self.at:self.at + 10] or "the end"
            raise self.fail(f"expected {token!r}, found {found!r}")

    def blank(self) -> None:
        while self.at < len(self.text) and self.text[self.at] in " \t\r\n":
            self.at += 1

    def take_operator(self, token: str) -> bool:
        """An infix operator, blanks allowed before it."""
        self.blank()
        return self.take(token)

    # -- queries --------------------------------------------------------------------------
    def query(self) -> list[Selector]:
        self.expect("$")
        segments = self.segments()
        if self.at != len(self.text):
            raise self.fail(f"unexpected {self.text[self.at:self.at + 10]!r}")
        return segments

    def segments(self, singular: bool = False) -> list[Selector]:
        out: list[Selector] = []
        while True:
            save = self.at
            self.blank()
            if self.take(".."):
                if singular:
                    raise self.fail("'..' is not allowed in a comparison")
                child = self.bracket() if self.peek("[") else self.dot_member()
                out.append(_descendants(child))
            elif self.take("."):
                out.append(self.dot_member())
            elif self.peek("["):
                out.append(self.bracket(singular))
            else:
                self.at = save
                return out

    def dot_member(self) -> Selector:
        if self.take("*"):
            return _wildcard
        start = self.at
        if self.at >= len(self.text) or not _NAME_FIRST.match(self.text[self.at]):
            raise self.fail("expected a member name after '.' (use ['x-name'] for names with '-')")
        while self.at < len(self.text) and _NAME_CHAR.match(self.text[self.at]):
            self.at += 1
        return _member(self.text[start:self.at])

    def bracket(self, singular: bool = False) -> Selector:
        self.expect("[")
        selectors = [self.selector(singular)]
        while True:
            self.blank()
            if not self.take(","):
                break
            selectors.append(self.selector(singular))
        self.blank()
        self.expect("]")
        if singular and len(selectors) > 1:
            raise self.fail("a comparison needs a single member or index")
        return selectors[0] if len(selectors) == 1 else _union(selectors)

    def selector(self, singular: bool) -> Selector:
        self.blank()
        if self.peek("'") or self.peek('"'):
            return _member(self.string())
        if not singular and self.take("*"):
            return _wildcard
        if not singular and self.take("?"):
            return _filter(self.logical_or())
        match = _INT.match(self.text, self.at)
        if match:
            self.at = match.end()
            return _index(int(match.group()))
        raise self.fail("expected a quoted name, an index, '*' or a filter '?...'")

    def string(self) -> str:
        quote = self.text[self.at]
        self.at += 1
        out = []
        while self.at < len(self.text) and self.text[self.at] != quote:
            ch = self.text[self.at]
            if ch == "\\":
                self.at += 1
                code = self.text[self.at:self.at + 1]
                if code == "u":
                    out.append(chr(int(self.text[self.at + 1:self.at + 5], 16)))
                    self.at += 4
                elif code in _ESCAPES:
                    out.append(_ESCAPES[code])
                else:
                    raise self.fail(f"invalid escape \\{code}")
            else:
                out.append(ch)
            self.at += 1
        self.expect(quote)
        return "".join(out)

    # -- filters --------------------------------------------------------------------------
    def logical_or(self) -> Callable[[Any, Any], bool]:
        parts = [self.logical_and()]
        while self.take_operator("||"):
            parts.append(self.logical_and())
        return parts[0] if len(parts) == 1 else (lambda v, root: any(p(v, root) for p in parts))

    def logical_and(self) -> Callable[[Any, Any], bool]:
        parts = [self.basic()]
        while self.take_operator("&&"):
            parts.append(self.basic())
        return parts[0] if len(parts) == 1 else (lambda v, root: all(p(v, root) for p in parts))

    def basic(self) -> Callable[[Any, Any], bool]:
        self.blank()
        if self.take("!"):
            inner = self.basic()
            return lambda v, root: not inner(v, root)
        if self.take("("):
            inner = self.logical_or()
            self.blank()
            self.expect(")")
            return inner
        left = self.comparable()
        self.blank()
        operator = next((op for op in ("==", "!=", "<=", ">=", "<", ">") if self.take(op)), None)
        if operator is None:
            if not isinstance(left, _Query):
                raise self.fail("a literal alone is not a test")
            return lambda v, root: bool(left.nodes(v, root))
        right = self.comparable()
        return lambda v, root: _compare(left.value(v, root), operator, right.value(v, root))

    def comparable(self) -> _Literal | _Query:
        self.blank()
        if self.peek("@") or self.peek("$"):
            relative = self.text[self.at] == "@"
            self.at += 1
            return _Query(relative, self.segments(singular=True))
        if self.peek("'") or self.peek('"'):
            return _Literal(self.string())
        for word, value in (("true", True), ("false", False), ("null", None)):
            if self.take(word):
                return _Literal(value)
        match = _NUMBER.match(self.text, self.at)
        if match:
            self.at = match.end()
            return _Literal(json.loads(match.group()))
        raise self.fail("expected @, $, a string, a number, true, false or null")


@dataclass(frozen=True)
class _Literal:
    literal: Any

    def value(self, _current: Any, _root: Any) -> Any:
        return self.literal


@dataclass(frozen=True)
class _Query:
    relative: bool
    segments: list[Selector]

    def nodes(self, current: Any, root: Any) -> list[Node]:
        return _run(self.segments, current if self.relative else root, root)

    def value(self, current: Any, root: Any) -> Any:
        found = self.nodes(current, root)
        return found[0][1] if len(found) == 1 else _MISSING


def _compare(left: Any, operator: str, right: Any) -> bool:
    if operator in ("==", "!="):
        same = left is right if _MISSING in (left, right) else (
            type(left) is type(right) or {type(left), type(right)} <= {int, float}) and left == right
        return same if operator == "==" else not same
    numbers = all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (left, right))
    strings = all(isinstance(x, str) for x in (left, right))
    if not (numbers or strings):
        return False
    return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[operator]


def _member(name: str) -> Selector:
    def select(node: Node, _root: Any) -> Iterator[Node]:
        path, value = node
        if isinstance(value, dict) and name in value:
            yield (*path, name), value[name]
    return select


def _index(index: int) -> Selector:
    def select(node: Node, _root: Any) -> Iterator[Node]:
        path, value = node
        if isinstance(value, list) and -len(value) <= index < len(value):
            yield (*path, index % len(value)), value[index]
    return select


def _wildcard(node: Node, _root: Any) -> Iterator[Node]:
    path, value = node
    if isinstance(value, dict):
        yield from (((*path, k), v) for k, v in value.items())
    elif isinstance(value, list):
        yield from (((*path, i), v) for i, v in enumerate(value))


def _union(selectors: list[Selector]) -> Selector:
    def select(node: Node, root: Any) -> Iterator[Node]:
        for selector in selectors:
            yield from selector(node, root)
    return select


def _filter(test: Callable[[Any, Any], bool]) -> Selector:
    def select(node: Node, root: Any) -> Iterator[Node]:
        yield from (child for child in _wildcard(node, root) if test(child[1], root))
    return select


def _descendants(child: Selector) -> Selector:
    """``..x``: ``x`` applied to the node and to every node below it, in document order."""
    def select(node: Node, root: Any) -> Iterator[Node]:
        pending = [node]
        while pending:
            current = pending.pop(0)
            yield from child(current, root)
            pending[:0] = list(_wildcard(current, root))
    return select


def _run(segments: list[Selector], value: Any, root: Any) -> list[Node]:
    nodes: list[Node] = [((), value)]
    for segment in segments:
        nodes = [found for node in nodes for found in segment(node, root)]
    return nodes


def compile_path(text: str) -> list[Selector]:
    """Parse a JSONPath query; raises JsonPathError with the column of the problem."""
    return _Parser(text).query()


def select(data: Any, query: str) -> list[tuple[str, Any]]:
    """(JSON pointer, value) of every node the query selects, in document order."""
    return [(join_pointer("", *path), value) for path, value in _run(compile_path(query), data, data)]


# ============================================================================ overlays


@dataclass(frozen=True)
class Action:
    index: int
    target: str
    update: Any  # _MISSING when the action has none
    remove: bool
    erratum: str | None  # x-erratum, or the id of the erratum record the action appends
    decision: str | None  # x-decision
    description: str | None

    @property
    def records_erratum(self) -> bool:
        """Appends an erratum record to x-errata (rather than changing the spec)."""
        return isinstance(self.update, dict) and "id" in self.update and "errata" in self.target


@dataclass
class Overlay:
    path: str
    extends: str | None
    title: str
    actions: list[Action] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    _locate: Callable[[str], tuple[int | None, int | None]] | None = None

    def at(self, level: Level, rule: str, message: str, pointer: str) -> Finding:
        """A finding located in this overlay file (line:col of the pointer)."""
        line, col = self._locate(pointer) if self._locate else (None, None)
        return Finding(level, rule, message, self.path, pointer, line, col)

    def records(self) -> list[tuple[Action, dict[str, Any]]]:
        return [(a, a.update) for a in self.actions if a.records_erratum]


_ACTION_KEYS = {"target", "description", "update", "remove"}


def load_overlay(path: str | os.PathLike[str]) -> Overlay:
    """Read one Overlay document. Never raises: a broken file is an overlay with findings."""
    from .yamlio import load_yaml

    path = str(path)
    try:
        doc = load_yaml(path)
    except AiccgenError as exc:
        return Overlay(path, None, "", findings=list(exc.findings))
    overlay = Overlay(path, None, "", findings=list(doc.findings), _locate=doc.locate)
    data = doc.data
    if not isinstance(data, dict) or not re.fullmatch(r"1\.0\.\d+", str(data.get("overlay", ""))):
        overlay.findings.append(overlay.at(Level.ERROR, "overlay", "not an Overlay 1.0 document: expected "
                                           "'overlay: 1.0.0' at the top", "/overlay" if isinstance(data, dict) else ""))
        return overlay
    info = data.get("info")
    if not isinstance(info, dict) or not all(isinstance(info.get(k), str) for k in ("title", "version")):
        overlay.findings.append(overlay.at(Level.ERROR, "overlay", "info needs a title and a version (strings)", "/info"))
    overlay.title = str((info or {}).get("title", "")) if isinstance(info, dict) else ""
    overlay.extends = data.get("extends") if isinstance(data.get("extends"), str) else None
    actions = data.get("actions")
    if not isinstance(actions, list) or not actions:
        overlay.findings.append(overlay.at(Level.ERROR, "overlay", "actions must be a non-empty list", "/actions"))
        return overlay
    for i, raw in enumerate(actions):
        action = _read_action(overlay, i, raw)
        if action is not None:
            overlay.actions.append(action)
    return overlay


def _read_action(overlay: Overlay, i: int, raw: Any) -> Action | None:
    pointer = join_pointer("/actions", i)
    if not isinstance(raw, dict):
        overlay.findings.append(overlay.at(Level.ERROR, "overlay", f"action {i} must be a mapping", pointer))
        return None
    unknown = [k for k in raw if k not in _ACTION_KEYS and not str(k).startswith("x-")]
    if unknown:
        overlay.findings.append(overlay.at(Level.ERROR, "overlay", f"action {i}: unknown field(s) {unknown}", pointer))
    target = raw.get("target")
    if not isinstance(target, str) or not target.startswith("$"):
        overlay.findings.append(overlay.at(Level.ERROR, "overlay", f"action {i}: target must be a JSONPath "
                                           "starting with $", pointer + "/target"))
        return None
    remove = raw.get("remove", False)
    if not isinstance(remove, bool):
        overlay.findings.append(overlay.at(Level.ERROR, "overlay", f"action {i}: remove must be true or false",
                                           pointer + "/remove"))
        remove = False
    update = raw.get("update", _MISSING)
    if update is _MISSING and not remove:
        overlay.findings.append(overlay.at(Level.ERROR, "overlay", f"action {i} ({target}) has neither update nor "
                                           "remove: true", pointer))
    erratum = raw.get("x-erratum")
    if erratum is None and isinstance(update, dict) and "id" in update and "errata" in target:
        erratum = update["id"]
    return Action(i, target, update, remove, str(erratum) if erratum is not None else None,
                  raw.get("x-decision"), raw.get("description"))


def load_overlays(folder: str | os.PathLike[str]) -> list[Overlay]:
    """Every ``*.yaml`` / ``*.yml`` / ``*.json`` overlay in a folder, by file name."""
    base = Path(folder)
    if not base.is_dir():
        return []
    return [load_overlay(p) for p in sorted(base.iterdir())
            if p.is_file() and p.suffix in (".yaml", ".yml", ".json")]


# ---------------------------------------------------------------------------- applying


@dataclass
class OverlayOutcome:
    """What one action did: how many nodes it selected, whether the document changed, and
    the problem that stopped it (syntax, primitive target, array merge), if any."""
    action: Action
    matched: int = 0
    changed: bool = False
    problem: str | None = None


def apply_overlay(data: Any, overlay: Overlay) -> tuple[Any, list[OverlayOutcome]]:
    """Apply every action in order to a copy of ``data``; the input is never changed."""
    result = copy.deepcopy(data)
    outcomes = []
    for action in overlay.actions:
        result, outcome = _apply_action(result, action)
        outcomes.append(outcome)
    return result, outcomes


def _apply_action(data: Any, action: Action) -> tuple[Any, OverlayOutcome]:
    outcome = OverlayOutcome(action)
    try:
        nodes = _run(compile_path(action.target), data, data)
    except JsonPathError as exc:
        outcome.problem = f"invalid JSONPath: {exc}"
        return data, outcome
    outcome.matched = len(nodes)
    primitive = [join_pointer("", *p) for p, v in nodes if not isinstance(v, (dict, list))]
    if primitive:
        outcome.problem = (f"selects {primitive[0] or '/'}, a primitive value: Overlay 1.0 targets objects or arrays "
                           "(select the object that holds it)")
        return data, outcome
    before = json.dumps(data, sort_keys=True)
    try:
        if action.remove:
            for path, _ in sorted(nodes, key=lambda n: [str(t).zfill(12) for t in n[0]], reverse=True):
                data = _remove(data, path)
        elif action.update is not _MISSING:
            for _, node in nodes:
                _update(node, action.update, "")
    except _MergeError as exc:
        outcome.problem = str(exc)
        return data, outcome
    outcome.changed = json.dumps(data, sort_keys=True) != before
    return data, outcome


class _MergeError(Exception):
    pass


def _update(node: dict[str, Any] | list[Any], update: Any, where: str) -> None:
    if isinstance(node, list):
        node.append(copy.deepcopy(update))
        return
    if not isinstance(update, dict):
        raise _MergeError(f"update must be a mapping to merge into the object at {where or '/'}")
    for key, value in update.items():
        current = node.get(key, _MISSING)
        if isinstance(current, dict) and isinstance(value, dict):
            _update(current, value, join_pointer(where, key))
        elif isinstance(current, list) and isinstance(value, list):
            raise _MergeError(f"update would merge an array into the array at {join_pointer(where, key)}: "
                              "Overlay 1.0 tools disagree (replace or append); remove it first")
        else:
            node[key] = copy.deepcopy(value)


def _remove(data: Any, path: tuple[Any, ...]) -> Any:
    if not path:
        return None  # "$" removed: nothing is left
    parent = data
    for token in path[:-1]:
        parent = parent[token]
    del parent[path[-1]]
    return data


# ============================================================================ errata


def apply_errata(data: dict[str, Any], overlays: list[Overlay], page: Any) -> tuple[dict[str, Any], list[Finding]]:
    """Apply the overlays of one imported document, strictly, and say which errata the page
    no longer needs ("ready to retire"). ``page`` is the `generator.pages.Page` the document
    was imported from: the retirement checks read the contradiction on the page itself."""
    findings: list[Finding] = []
    for overlay in overlays:
        findings.extend(overlay.findings)
        before = data
        data, outcomes = apply_overlay(data, overlay)
        ready = _ready_to_retire(before, overlay, page)
        for outcome in outcomes:
            findings.extend(_outcome_findings(overlay, outcome, ready))
        for eid, reason in ready.items():
            action = next(a for a in overlay.actions if a.erratum == eid)
            findings.append(overlay.at(Level.WARNING, "erratum-retire", f"erratum {eid}: {reason}; ready to retire "
                                       f"(remove its actions from this overlay and its record from specs)",
                                       join_pointer("/actions", action.index)))
    return data, findings


def _outcome_findings(overlay: Overlay, outcome: OverlayOutcome, ready: Mapping[str, str]) -> list[Finding]:
    action = outcome.action
    pointer = join_pointer("/actions", action.index)
    where = f"action {action.index} ({action.target})"
    if outcome.problem:
        return [overlay.at(Level.ERROR, "overlay", f"{where}: {outcome.problem}", pointer + "/target")]
    if outcome.matched == 0:
        return [overlay.at(Level.ERROR, "overlay", f"{where}: the target matches nothing in the imported spec "
                           f"{overlay.extends or ''}".rstrip(), pointer + "/target")]
    if not outcome.changed and action.erratum not in ready:
        return [overlay.at(Level.ERROR, "overlay", f"{where}: the update changes nothing: the imported spec "
                           "already says this", pointer)]
    return []


# ---------------------------------------------------------------------------- retirement


def _ready_to_retire(data: dict[str, Any], overlay: Overlay, page: Any) -> dict[str, str]:
    """Errata whose contradiction the page no longer shows: erratum id -> why.

    A kind with a mechanical check uses it (the example agrees with its table; the type is
    a JSON type; ...). Otherwise an erratum whose actions, applied alone to the import,
    change nothing is retired: the page already says what the erratum made it say. Kinds
    with neither (example-format) are never reported."""
    ready = {}
    for action, record in overlay.records():
        eid = str(record.get("id"))
        fixes = [a for a in overlay.actions if a.erratum == eid and not a.records_erratum]
        net_change = bool(fixes) and _changes(data, fixes)
        check = _RETIREMENT_CHECKS.get(str(record.get("kind")))
        context = _Context(data, page, record, net_change)
        verdict = check(context) if check else None
        if verdict is None and fixes and not net_change:
            verdict = "its actions no longer change the imported spec"
        if verdict:
            ready[eid] = verdict
    return ready


def _changes(data: Any, actions: list[Action]) -> bool:
    result = copy.deepcopy(data)
    for action in actions:
        result, outcome = _apply_action(result, action)
        if outcome.problem:
            return True
    return result != data


@dataclass(frozen=True)
class _Context:
    data: dict[str, Any]
    page: Any
    record: Mapping[str, Any]
    net_change: bool

    def targets(self) -> Iterator[tuple[str, Any]]:
        for target in self.record.get("targets") or []:
            pointer = str(target).rpartition("#")[2] if "#" in str(target) else str(target)
            try:
                node: Any = self.data
                for token in split_pointer(pointer):
                    node = node[int(token)] if isinstance(node, list) else node[token]
            except (LookupError, ValueError, TypeError):
                continue
            yield pointer, node

    def properties(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """(pointer, member name, schema) of targeted properties."""
        for pointer, node in self.targets():
            tokens = split_pointer(pointer)
            if len(tokens) >= 2 and tokens[-2] == "properties" and isinstance(node, dict):
                yield pointer, tokens[-1], node

    def page_field(self, name: str, row: Any) -> Any:
        for table in getattr(self.page, "tables", ()):
            for f in table.fields:
                if f.name == name and (row is None or str(row) in (f.number, f.name)):
                    return f
        return None


def _retire_example_type(ctx: _Context) -> str | None:
    """Gone when every value the page's examples give a targeted field has its documented type."""
    scopes = _schema_scopes(ctx.data)
    for pointer, name, schema in ctx.properties():
        allowed = json_types((schema.get("x-doc") or {}).get("type"))
        if not allowed:
            return None  # no documented JSON type to agree with
        owner = split_pointer(pointer)[2] if pointer.startswith("/components/schemas/") else ""
        wanted = scopes.get(owner, {"request", "response"})
        if any(not e.is_json and e.part == "body" and e.scope in wanted for e in ctx.page.examples):
            return None  # an example that is not JSON hides its values: cannot tell
        if any(not _has_type(v, allowed) for v in _example_values(ctx.page, name, wanted)):
            return None
    return "the examples now agree with the documented types"


def _retire_malformed_example(ctx: _Context) -> str | None:
    for pointer, node in ctx.targets():
        if "/x-doc-examples/" in pointer:
            text = str(node.get("x-verbatim", "")) if isinstance(node, dict) else ""
            if not (_is_json(text) or _is_header_lines(text)):
                return None
        elif isinstance(node, dict) and "value" not in node:
            return None
    return None if ctx.net_change else "the example now reads as it was meant"


def _retire_non_json_type(ctx: _Context) -> str | None:
    types = [json_types((schema.get("x-doc") or {}).get("type")) for _, _, schema in ctx.properties()]
    return "the page now gives a JSON type" if types and all(types) else None


def _retire_mandatory_conflict(ctx: _Context) -> str | None:
    for _, node in ctx.targets():
        if isinstance(node, dict) and not node.get("required"):
            return None
    return "the page now marks it mandatory"


def _retire_missing_table(ctx: _Context) -> str | None:
    for _, name, schema in ctx.properties():
        f = ctx.page_field(name, (schema.get("x-doc") or {}).get("row"))
        if f is None:
            continue
        for number in f.table_refs:
            table = ctx.page.table(number)
            if table is None or table.kind != "codes":
                return None
    return "the referenced code tables are now on the page"


def _retire_header_mismatch(ctx: _Context) -> str | None:
    """Gone when no targeted code table's code column is named after another field."""
    names = {f.name.lower() for table in ctx.page.tables for f in table.fields}
    for _, node in ctx.targets():
        for entry in _doc_entries(node):
            table = ctx.page.table(int(entry.get("table", 0)))
            if table is None or "code" not in table.roles:
                continue
            header = table.headers[table.roles.index("code")].lower()
            users = {f.name.lower() for t in ctx.page.tables for f in t.fields if table.number in f.table_refs}
            if header in names and header not in users:
                return None
    return "the code column is no longer named after another field"


def _retire_conflicting_meanings(ctx: _Context) -> str | None:
    for _, name, schema in ctx.properties():
        f = ctx.page_field(name, (schema.get("x-doc") or {}).get("row"))
        if f is None:
            continue
        own = {c.value: norm(c.description) for c in f.codes if c.concrete}
        for number in f.table_refs:
            table = ctx.page.table(number)
            for code in table.codes if table is not None else ():
                if code.value in own and own[code.value] != norm(code.description):
                    return None
    return "the tables no longer give one value two meanings"


def _retire_example_meaning(ctx: _Context) -> str | None:
    """Gone when every code in a targeted example comes with its documented meaning."""
    meanings = {f.name: {c.value: norm(c.description).lower() for c in f.codes if c.concrete}
                for table in ctx.page.tables for f in table.fields}
    for _, node in ctx.targets():
        value = node.get("value") if isinstance(node, dict) else None
        for obj in _objects(value):
            messages = [norm(v).lower() for k, v in obj.items() if isinstance(v, str)
                        and re.search(r"msg|desc|message", str(k), re.IGNORECASE)]
            for key, code in obj.items():
                meaning = meanings.get(str(key), {}).get(str(code))
                if meaning and not meaning.startswith("success") and messages and meaning not in messages:
                    return None
    return "the example's messages now match the documented meanings"


_RETIREMENT_CHECKS: dict[str, Callable[[_Context], str | None]] = {
    "example-type": _retire_example_type,
    "malformed-example": _retire_malformed_example,
    "non-json-type": _retire_non_json_type,
    "mandatory-conflict": _retire_mandatory_conflict,
    "missing-table": _retire_missing_table,
    "header-mismatch": _retire_header_mismatch,
    "conflicting-meanings": _retire_conflicting_meanings,
    "example-meaning": _retire_example_meaning,
}


def _doc_entries(node: Any) -> list[dict[str, Any]]:
    x_doc = node.get("x-doc") if isinstance(node, dict) else None
    return [x_doc] if isinstance(x_doc, dict) else [e for e in x_doc or [] if isinstance(e, dict)]


def _schema_scopes(data: dict[str, Any]) -> dict[str, set[str]]:
    """Component schema name -> "request" / "response": where the operations use it."""
    from .specset import iter_operations

    scopes: dict[str, set[str]] = {}
    schemas = (data.get("components") or {}).get("schemas") or {}

    def visit(node: Any, scope: str) -> None:
        pending = [node]
        while pending:
            item = pending.pop()
            if isinstance(item, dict):
                ref = item.get("$ref")
                if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                    name = ref.rsplit("/", 1)[1]
                    if scope not in scopes.setdefault(name, set()):
                        scopes[name].add(scope)
                        pending.append(schemas.get(name))
                pending.extend(v for k, v in item.items() if k != "examples")
            elif isinstance(item, list):
                pending.extend(item)

    for _, _, _, op in iter_operations(data):
        visit(op.get("requestBody"), "request")
        visit(op.get("parameters"), "request")
        visit(op.get("responses"), "response")
    return scopes


def _example_values(page: Any, name: str, scopes: set[str]) -> list[Any]:
    values = []
    for example in getattr(page, "examples", ()):
        if example.is_json and (example.scope in scopes or example.scope is None):
            values += [obj[name] for obj in _objects(example.value) if name in obj]
    return values


def _objects(value: Any) -> Iterator[dict[str, Any]]:
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            yield item
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)


def _has_type(value: Any, allowed: set[str]) -> bool:
    if isinstance(value, bool):
        kind = "boolean"
    elif isinstance(value, int):
        kind = "integer"
    elif isinstance(value, float):
        kind = "number"
    elif isinstance(value, str):
        kind = "string"
    elif isinstance(value, dict):
        kind = "object"
    elif isinstance(value, list):
        kind = "array"
    else:
        kind = "null"
    return kind in allowed or (kind == "integer" and "number" in allowed)


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _is_header_lines(text: str) -> bool:
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    return bool(lines) and all(re.fullmatch(r"[A-Za-z][\w\-]*\s*:\s*.*", line) for line in lines)

