"""Parse AICC/CEC API documentation pages (plain-text dumps of the vendor's web pages).

Why: the completeness test checks our hand-written specs against every field, limit, range and
code the vendor documents, and a later importer must read pages of the same family it has never
seen. So the parser is heuristic but defensive: what it cannot understand becomes a `PageIssue`
(line, message), never an exception, and everything keeps the 1-based line of the original file
so findings can point at ``page.txt:LINE``.

How the text looks, and the heuristics that follow from it:

* Content starts at the title (next to ``Updated on YYYY-MM-DD``) and ends at the cookie /
  feedback boilerplate; the product navigation list before the title is ignored.
* Every table cell is a paragraph, but a description cell may span many paragraphs, so blank
  lines cannot delimit rows. Rows follow the column pattern instead: every column except the
  description is one paragraph that must *look like* its role (``1.3.2`` for No., an identifier
  for the name, a short type phrase, Yes/No for mandatory, a code-like token for a code). A
  description ends at the first paragraph where the rest of its row and the start of the next
  row fit.
* A table ends at the next ``Table N`` paragraph, a section heading, a status-code bullet, an
  example caption, a "No request body" sentence, or the end of the content.
* Examples are code blocks after captions ("Request parameters:", "  • Response header", ...):
  a block opening with ``{`` or ``[`` runs until its brackets balance, a header block runs over
  ``Name: value`` lines. The raw text is kept verbatim.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

__all__ = ["CodeEntry", "Example", "Field", "JsonError", "LengthLimit", "Page", "PageIssue",
           "Table", "load_page", "parse_page"]

Num = int | float
Row = list[list["_Para"]]  # one list of paragraphs per column


# ----------------------------------------------------------------------------- the model


@dataclass(frozen=True)
class PageIssue:
    """A parse problem, reported instead of raised so one odd page never stops a batch."""
    line: int
    message: str


@dataclass(frozen=True)
class LengthLimit:
    """``Length limit: string (32)`` -> kind "string", size 32."""
    kind: str
    size: int


@dataclass(frozen=True)
class CodeEntry:
    """A code: a code-table row, or a ``N: meaning`` line / "The value N indicates" sentence.

    ``value`` stays a verbatim string ("0200001" must not become 200001). ``concrete`` is False
    for catch-alls such as ``xxx: Other exceptions occur.`` or ``Other values: failure``.
    """
    value: str
    description: str
    line: int
    label: str | None = None
    concrete: bool = True


@dataclass(frozen=True)
class Field:
    """A documented field: a fields-table row (``line`` is its name cell's line) or a prose
    sentence "X indicates ..."; the facts below are extracted from the description."""
    line: int
    name: str
    type: str | None
    mandatory: bool | None
    description: str
    number: str | None = None
    parent: str | None = None
    mandatory_raw: str | None = None
    length_limit: LengthLimit | None = None
    minimum: Num | None = None
    maximum: Num | None = None
    max_chars: int | None = None
    codes: tuple[CodeEntry, ...] = ()
    table_refs: tuple[int, ...] = ()
    extra: tuple[tuple[str, str], ...] = ()  # (header, text) of columns with no known role

    @property
    def base_type(self) -> str | None:
        """The type word as string/integer/number/boolean/object/array/date, None if unknown."""
        return _base_type(self.type)


@dataclass(frozen=True)
class Table:
    """A ``Table N`` block. ``kind`` is "fields", "codes" or "unknown" (header not understood)."""
    number: int
    title: str
    line: int
    end_line: int
    headers: tuple[str, ...]
    roles: tuple[str, ...]  # no/name/type/mandatory/description/code/label/other
    kind: str
    fields: tuple[Field, ...] = ()
    codes: tuple[CodeEntry, ...] = ()
    #: "request" / "response": the page section the table sits in (the last "Request ..." /
    #: "Response ..." heading or status bullet before it). Two tables may share a title
    #: ("Parameters in the message body") and differ only by section.
    section: str | None = None

    @property
    def rows(self) -> tuple[Field, ...] | tuple[CodeEntry, ...]:
        return self.codes if self.kind == "codes" else self.fields


@dataclass(frozen=True)
class JsonError:
    """Why an example is not JSON; ``line`` is a line of the page file, not of the block."""
    message: str
    line: int
    column: int


@dataclass(frozen=True)
class Example:
    """A verbatim code block. The decoded JSON is not stored (it would be mutable): ``value``
    decodes ``raw`` afresh, and ``json_error`` says why it cannot."""
    line: int
    end_line: int
    raw: str
    caption: str | None
    caption_line: int | None
    scope: str | None  # "request" / "response"
    part: str | None  # "header" / "body"
    scenario: str | None
    json_error: JsonError | None
    headers: tuple[tuple[str, str], ...] | None  # for header examples, also pseudo-JSON ones

    @property
    def is_json(self) -> bool:
        return self.json_error is None

    @property
    def value(self) -> Any:
        return json.loads(self.raw) if self.json_error is None else None

    @property
    def header_map(self) -> dict[str, str]:
        return dict(self.headers or ())

    def key_paths(self) -> tuple[str, ...]:
        """Names the example shows: header names, or dotted JSON paths (``a.b``, ``l[].c``)."""
        if self.headers is not None:
            return tuple(name for name, _ in self.headers)
        return tuple(_json_paths(self.value)) if self.is_json else ()


@dataclass(frozen=True)
class Page:
    path: str
    title: str | None
    title_line: int | None
    operation_name: str | None  # from the title's trailing parenthesis
    updated: str | None
    method: str | None
    url: str | None
    scenario: str
    tables: tuple[Table, ...]
    examples: tuple[Example, ...]
    statuses: tuple[tuple[int, str], ...]
    prose_fields: tuple[Field, ...]
    issues: tuple[PageIssue, ...]

    def table(self, number: int) -> Table | None:
        return next((t for t in self.tables if t.number == number), None)

    @property
    def url_path(self) -> str | None:
        """The URL without scheme and host ("https://Domain name/a/b" -> "/a/b")."""
        if not self.url or "://" not in self.url:
            return None
        rest = self.url.split("://", 1)[1]
        return rest[rest.find("/"):] if "/" in rest else "/"

    @property
    def path_params(self) -> tuple[str, ...]:
        return tuple(re.findall(r"\{(\w+)\}", self.url or ""))


# ----------------------------------------------------------------------------- vocabulary

_UPDATED = re.compile(r"^\s*Updated on (\d{4}-\d{2}-\d{2})")
_CAPTION = re.compile(r"^Table\s+(\d+)\b\s*(.*)$")
_STATUS = re.compile(r"^(?:-\s*)?Status code\s*:?\s*(\d{3})\b", re.IGNORECASE)
_BOILERPLATE = re.compile(r"^(?:We use cookies|Feedback$|Selected Content$|Submit selected content)")
_NO_BODY = re.compile(r"^No (?:request|response) (?:body|header|parameters?)\b", re.IGNORECASE)
_BULLET = re.compile(r"^[•●▪◦■·]\s*")
_EXAMPLE_CAPTION = re.compile(
    r"^(?:(?:request|response)(?: message)?\s+(?:headers?|parameters?|body|message|examples?|"
    r"samples?)(?:\s+examples?)?(?:\s*\(.*\))?\s*:?"
    r"|the following (?:is|provides|shows|gives)\b.*\bexample\b.*:)$", re.IGNORECASE)
_HEADING = re.compile(
    r"^(?:(?:request|response)(?: (?:description|message|parameters?|body|headers?|url|uri))?|"
    r"scenario|functions?|usage description|(?:request |interface |http )?method|"
    r"(?:request |interface )?(?:url|uri)|internal encapsulation interfaces|error codes?"
    r"(?: description)?|return codes?|(?:message |request |response )?examples?|sample|"
    r"precautions|notes|constraints|restrictions|interface description):?$", re.IGNORECASE)
_SCENARIO_HEADINGS = frozenset({"scenario", "function", "functions", "interface description"})

_ROLE_WORDS = {
    "no": "no.|no|s/n|sn|seq.|serial number|#|index",
    "name": "parameter|parameters|parameter name|field|field name|name|element|attribute|key|"
            "header|header name|property|param",
    "type": "type|value type|data type|parameter type|field type",
    "mandatory": "mandatory|mandatory or not|mandatory/optional|mandatory or optional|required|"
                 "required or not|optional|m/o|mandatory (m)/optional (o)|is mandatory",
    "description": "description|remarks|remark|meaning|parameter description|details|"
                   "explanation|field description|value description|error description|note|notes",
    "code": "retcode|ret code|error code|return code|result code|resultcode|returncode|errorcode|"
            "code|value|status code|reason code|cause code|error id|code value|enum value",
    "label": "retmsg|error message|message|msg|error info|error information|return message|"
             "result message|resultdesc|returndesc|retdesc",
    "other": "default value|default|value range|range|example|example value|unit|constraint|"
             "constraints|location|position|length|max length|maximum length|format|version|"
             "solution|suggestion|handling suggestion",
}
_ROLE_OF = {word: role for role, words in _ROLE_WORDS.items() for word in words.split("|")}
# Multi-word headers missing above still get a role from a telling word (first hint wins).
_ROLE_HINTS = (("mandatory", "mandatory"), ("required", "mandatory"), ("type", "type"),
               ("description", "description"), ("remark", "description"), ("message", "label"),
               ("msg", "label"), ("code", "code"), ("name", "name"), ("parameter", "name"),
               ("field", "name"))
_TYPE_WORDS = {word: kind for kind, words in {
    "string": "string str char text uuid", "integer": "integer int int32 int64 long short byte",
    "number": "number float double decimal bigdecimal", "boolean": "boolean bool",
    "object": "object jsonobject body map struct", "array": "array list set jsonarray",
    "date": "date datetime time timestamp"}.items() for word in words.split()}
_MANDATORY_WORDS = {"yes": True, "y": True, "mandatory": True, "required": True, "true": True,
                    "m": True, "no": False, "n": False, "optional": False, "false": False,
                    "o": False}
_NOT_CODES = frozenset(("NOTE", "NOTICE", "CAUTION", "WARNING", "DANGER", "TIP", "TIPS", "URL",
                        "URI", "API", "ID", "HTTP", "HTTPS", "JSON", "XML", "CTI", "VDN", "SN"))

_NUMBER = re.compile(r"^\d+(?:\.\d+)*\.?$")
_NAME = re.compile(r"^[A-Za-z_$@][\w$@.\-\[\]]*(?<!\.)$")
_CODE = re.compile(r"^-?[A-Za-z0-9][\w.\-]*(?<!\.)$")
_WILDCARD = re.compile(r"^(?:x{2,}|other values?|others?|other codes?)$", re.IGNORECASE)
_TYPE = re.compile(r"^[A-Za-z][\w \[\]<>(),/|-]{0,39}$")
_INLINE_CODE = re.compile(r"^(?:-\s*)?(?P<code>[^\s:][^:]{0,30}?)\s*:\s+(?P<text>\S.*)$")
_VALUE_INDICATES = re.compile(r"\b[Tt]he value (\S+) indicates (?:that )?([^,.;]+)")
_OTHERS_INDICATE = re.compile(r"\b[Oo]ther values indicates? (?:that )?([^,.;]+)")
_LENGTH = re.compile(r"Length limit\s*:\s*([A-Za-z]+)\s*\(\s*(\d+)\s*\)", re.IGNORECASE)
_N = r"(-?\d+(?:\.\d+)?)"
_RANGE = re.compile(rf"\brang(?:es|ing|e is)\s+(?:from\s+)?{_N}\s*(?:to|-|~)\s*{_N}", re.IGNORECASE)
_MAXIMUM = re.compile(rf"\b(?:maximum|max\.?) value is {_N}|\bvalue cannot (?:exceed|be greater "
                      rf"than) {_N}", re.IGNORECASE)
_MINIMUM = re.compile(rf"\bminimum value is {_N}|\bvalue cannot be less than {_N}", re.IGNORECASE)
_MAX_CHARS = re.compile(r"\b(?:maximum of|at most|up to|cannot exceed) (\d+) characters"
                        r"|\b(\d+) characters at most|\bmaximum length (?:is |of )?(\d+)", re.IGNORECASE)
_TABLE_REF = re.compile(r"\bTable\s+(\d+)\b")
_VERB = r"(GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS)"
_METHOD_PATTERNS = (re.compile(rf"^{_VERB}$"), re.compile(rf"^{_VERB}\s+(?:https?://|/)"),
                    re.compile(rf"\b[Mm]ethod\b[^.]*?\b{_VERB}\b"),
                    re.compile(rf"\b{_VERB}\s+(?:method|request)s?\b"))
_URL_LEAD = re.compile(r"^(?:(?:request\s+)?(?:url|uri)|address|endpoint)?\s*:?\s*$", re.IGNORECASE)
_INDICATES = re.compile(r"^(?P<name>[A-Za-z_][\w.\-]*) indicates\b")
_HEADER_LINE = re.compile(r"^\s*([A-Za-z][\w\-]*)\s*:\s*(.*?)\s*,?\s*$")


# ----------------------------------------------------------------------------- text units


def _clean(line: str) -> str:
    """Strip a line and turn the page's bullet glyphs into "- " so descriptions compare easily."""
    text = line.strip()
    return _BULLET.sub("- ", text, count=1)


def _unbullet(text: str) -> str:
    return text.removeprefix("- ")


class _Para:
    """A paragraph: consecutive non-blank lines (a table cell, a heading, a prose sentence)."""

    def __init__(self, line: int, raw_lines: list[str]) -> None:
        self.line = line
        self.end_line = line + len(raw_lines) - 1
        self.items = [(line + i, _clean(raw)) for i, raw in enumerate(raw_lines)]
        self.first = self.items[0][1]
        self.text = "\n".join(text for _, text in self.items)


def _is_heading(text: str) -> bool:
    return bool(_HEADING.match(text))


def _is_example_caption(text: str) -> bool:
    return bool(_EXAMPLE_CAPTION.match(_unbullet(text)))


def _is_structural(text: str) -> bool:
    """Lines that always stand alone as a paragraph: they end tables and code blocks."""
    return bool(_CAPTION.match(text) or _STATUS.match(text) or _BOILERPLATE.match(text)
                or _is_heading(text) or _is_example_caption(text))


def _paragraphs(lines: list[str], start: int, end: int) -> list[_Para]:
    paras: list[_Para] = []
    block: list[str] = []
    for index in range(start, end + 1):
        raw = lines[index] if index < end else ""
        alone = bool(raw.strip()) and _is_structural(_clean(raw))
        if block and (not raw.strip() or alone):
            paras.append(_Para(index - len(block) + 1, block))
            block = []
        if alone:
            paras.append(_Para(index + 1, [raw]))
        elif raw.strip():
            block.append(raw)
    return paras


def _neighbour(lines: list[str], index: int, step: int) -> int | None:
    """Index of the nearest non-blank line in direction ``step``."""
    index += step
    while 0 <= index < len(lines) and not lines[index].strip():
        index += step
    return index if 0 <= index < len(lines) else None


def _locate_title(lines: list[str]) -> tuple[int | None, str | None, int | None]:
    """(title index, updated date, "Updated on" index).

    The title is next to "Updated on": the line before it when a section heading follows
    (pages that open with a navigation list), otherwise the line after it.
    """
    updated_at = next((i for i, line in enumerate(lines) if _UPDATED.match(line)), None)
    if updated_at is None:
        heading = next((i for i, line in enumerate(lines)
                        if _clean(line).lower() in _SCENARIO_HEADINGS), None)
        return (_neighbour(lines, heading, -1) if heading is not None else None), None, None
    date = _UPDATED.match(lines[updated_at]).group(1)  # type: ignore[union-attr]
    after, before = _neighbour(lines, updated_at, 1), _neighbour(lines, updated_at, -1)
    if after is not None and before is not None and _is_heading(_clean(lines[after])):
        return before, date, updated_at
    return after, date, updated_at


# ----------------------------------------------------------------------------- tables


def _header_role(cell: str, taken: list[str]) -> str | None:
    """The role of a header cell, or None when the paragraph is not a header (rows began).

    Lower-case words ("retCode", "type") are plausible first-row values too, so they count as
    headers only before a name column exists, and no role but description may repeat.
    """
    if "\n" in cell or len(cell) > 40 or _CAPTION.match(cell) or _STATUS.match(cell):
        return None
    key = re.sub(r"\s+", " ", cell.lower()).rstrip(":")
    role = _ROLE_OF.get(key)
    if role is None and " " in key and not key.endswith("."):
        role = next((r for hint, r in _ROLE_HINTS if hint in key), None)
    if role is None or (cell[:1].islower() and "name" in taken):
        return None
    if role in taken and role != "other":
        return "other" if role == "description" else None
    return role


def _is_single(text: str) -> bool:
    return bool(text) and "\n" not in text


def _is_type(text: str) -> bool:
    return bool(_TYPE.match(text)) and len(text.split()) <= 3


def _is_mandatory(text: str) -> bool:
    word = text.lower().split(" ")[0].strip("().,") if text else ""
    return _is_single(text) and len(text.split()) <= 3 and (
        word in _MANDATORY_WORDS or word in ("conditional", "conditionally", "-", "n/a"))


def _is_code(text: str) -> bool:
    if _WILDCARD.match(text):
        return True
    if not _CODE.match(text) or text in _NOT_CODES:
        return False
    return any(ch.isdigit() for ch in text) or (len(text) > 1 and text.upper() == text)


_CELL_CHECKS = {"no": lambda t: bool(_NUMBER.match(t)), "name": lambda t: bool(_NAME.match(t)),
                "type": _is_type, "mandatory": _is_mandatory, "code": _is_code}


def _fits(paras: list[_Para], at: int, roles: list[str]) -> bool:
    return at + len(roles) <= len(paras) and all(
        _CELL_CHECKS.get(role, _is_single)(paras[at + k].text) for k, role in enumerate(roles))


def _segment_rows(paras: list[_Para], roles: list[str], issues: list[PageIssue]) -> list[Row]:
    """Split a table body into rows. Paragraphs that fit no row start are skipped and reported."""
    free = [i for i, role in enumerate(roles) if role in ("label", "other")]
    var = roles.index("description") if "description" in roles else free[-1] if free else None
    prefix = roles if var is None else roles[:var]
    suffix = [] if var is None else roles[var + 1:]
    rows: list[Row] = []
    at, skipped = 0, []
    while at < len(paras):
        if not prefix and var is None or not _fits(paras, at, prefix):
            skipped.append(paras[at])
            at += 1
            continue
        if skipped:
            issues.append(_skip_issue(skipped))
            skipped = []
        head = [[p] for p in paras[at:at + len(prefix)]]
        if var is None:
            rows.append(head)
            at += len(prefix)
            continue
        start = at + len(prefix)
        stop = _description_end(paras, start, prefix, suffix)
        tail = [[p] for p in paras[stop:stop + len(suffix)]]
        if len(tail) < len(suffix):
            issues.append(PageIssue(paras[at].line, "table row lacks its last column(s)"))
            tail += [[] for _ in range(len(suffix) - len(tail))]
        rows.append([*head, paras[start:stop], *tail])
        at = max(stop + len(suffix), at + 1)
    if skipped:
        issues.append(_skip_issue(skipped))
    return rows


def _description_end(paras: list[_Para], start: int, prefix: list[str], suffix: list[str]) -> int:
    """First index where this row's trailing cells and the next row's leading cells fit."""
    def boundary(at: int) -> bool:
        after = at + len(suffix)
        return _fits(paras, at, suffix) and (
            after == len(paras) or not prefix or _fits(paras, after, prefix))

    for at in [*range(start + 1, len(paras) - len(suffix) + 1), start]:  # empty cell last
        if boundary(at):
            return at
    return max(start, len(paras) - len(suffix))


def _skip_issue(skipped: list[_Para]) -> PageIssue:
    return PageIssue(skipped[0].line, f"{len(skipped)} table paragraph(s) fit no row of the "
                                      f"column pattern and were skipped: {skipped[0].first[:60]!r}")


def _parse_tables(paras: list[_Para], issues: list[PageIssue]) -> tuple[list[Table], set[int]]:
    """Tables and the indexes of the paragraphs they cover."""
    tables: list[Table] = []
    covered: set[int] = set()
    index = 0
    section: str | None = None
    while index < len(paras):
        match = _CAPTION.match(paras[index].first)
        section = _section_after(paras[index].first, section)
        index += 1
        if not match:
            continue
        number, title, line = int(match.group(1)), match.group(2).strip(), paras[index - 1].line
        headers: list[str] = []
        roles: list[str] = []
        while index < len(paras) and (role := _header_role(paras[index].text, roles)):
            headers.append(paras[index].text)
            roles.append(role)
            index += 1
        if len(headers) < 2:
            if not title.endswith("."):  # "Table 3 describes ..." is a sentence, not a caption
                issues.append(PageIssue(line, f"Table {number} has no recognisable header row"))
                tables.append(Table(number, title, line, line, (), (), "unknown"))
            continue
        body_start = index
        while index < len(paras) and not (_is_structural(paras[index].first)
                                          or _NO_BODY.match(paras[index].first)):
            index += 1
        covered.update(range(body_start - len(headers) - 1, index))
        body = paras[body_start:index]
        end_line = body[-1].end_line if body else paras[body_start - 1].end_line
        tables.append(replace(_build_table(number, title, line, end_line, headers, roles, body,
                                           issues), section=section))
    return tables, covered


def _section_after(text: str, section: str | None) -> str | None:
    """The section a paragraph opens: "Request Description" -> request, a status bullet or
    "Response Message" -> response; any other paragraph keeps the current one."""
    plain = _unbullet(text)
    if _STATUS.match(plain):
        return "response"
    if _is_heading(plain):
        word = plain.split()[0].lower().rstrip(":")
        if word in ("request", "response"):
            return word
    return section


def _build_table(number: int, title: str, line: int, end_line: int, headers: list[str],
                 roles: list[str], body: list[_Para], issues: list[PageIssue]) -> Table:
    kind = "fields" if "name" in roles else "codes" if "code" in roles else "unknown"
    if kind == "unknown":
        issues.append(PageIssue(line, f"Table {number}: no parameter or code column in {headers}"))
    rows = _segment_rows(body, roles, issues)
    if not rows:
        issues.append(PageIssue(line, f"Table {number} has no rows"))
    fields = tuple(_field_row(r, headers, roles) for r in rows) if kind == "fields" else ()
    codes = tuple(_code_row(r, roles) for r in rows) if kind == "codes" else ()
    return Table(number, title, line, end_line, tuple(headers), tuple(roles), kind,
                 _link_parents(fields, number, issues), codes)


def _cell(row: Row, roles: list[str], role: str) -> list[_Para]:
    return row[roles.index(role)] if role in roles else []


def _text(row: Row, roles: list[str], role: str) -> str | None:
    cell = _cell(row, roles, role)
    return "\n".join(p.text for p in cell) if cell else None


def _key_line(row: Row, roles: list[str], role: str) -> int:
    """Line of the row's key cell (name or code): what a finding about the row points at."""
    key = _cell(row, roles, role)
    return key[0].line if key else next((cell[0].line for cell in row if cell), 0)


def _field_row(row: Row, headers: list[str], roles: list[str]) -> Field:
    items = [item for p in _cell(row, roles, "description") for item in p.items]
    mandatory = _text(row, roles, "mandatory")
    number = _text(row, roles, "no")
    extra = tuple((headers[i], "\n".join(p.text for p in cell)) for i, cell in enumerate(row)
                  if cell and roles[i] not in ("no", "name", "type", "mandatory", "description"))
    return Field(_key_line(row, roles, "name"), _text(row, roles, "name") or "",
                 _text(row, roles, "type"),
                 _MANDATORY_WORDS.get((mandatory or "").strip().lower().rstrip(".")),
                 "\n".join(text for _, text in items), number.rstrip(".") if number else None,
                 None, mandatory, extra=extra, **_facts(items))


def _code_row(row: Row, roles: list[str]) -> CodeEntry:
    value = _text(row, roles, "code") or ""
    return CodeEntry(value, _text(row, roles, "description") or "",
                     _key_line(row, roles, "code"), _text(row, roles, "label"),
                     not _WILDCARD.match(value))


def _link_parents(fields: tuple[Field, ...], table: int,
                  issues: list[PageIssue]) -> tuple[Field, ...]:
    """Set ``parent`` from the numbering (1.3.2.1 -> 1.3.2) when that row exists.

    "1.1" without a row "1" is the usual top level of a body, so only deeper orphans are issues.
    """
    numbers = [f.number for f in fields if f.number]
    linked = []
    for f in fields:
        if f.number and numbers.count(f.number) > 1:
            issues.append(PageIssue(f.line, f"Table {table}: row number {f.number} repeats"))
        parent = f.number.rsplit(".", 1)[0] if f.number and "." in f.number else None
        if parent is not None and parent not in numbers:
            if "." in parent:
                issues.append(PageIssue(f.line, f"Table {table}: row {f.number} has no parent"))
            parent = None
        linked.append(replace(f, parent=parent))
    return tuple(linked)


# ----------------------------------------------------------------------------- description facts


def _number(text: str | None) -> Num | None:
    return None if text is None else float(text) if "." in text else int(text)


def _first(match: re.Match[str] | None) -> str | None:
    """The first group that took part in the match (patterns with alternatives)."""
    return next((g for g in match.groups() if g is not None), None) if match else None


def _facts(items: list[tuple[int, str]]) -> dict[str, Any]:
    """Limits, ranges, code lists and table references stated in description lines."""
    listed = [_inline_code(line, text) for line, text in items]
    prose = "\n".join(text for (_, text), code in zip(items, listed, strict=True) if code is None)
    whole = "\n".join(text for _, text in items)
    stated = [code for line, text in items for code in _sentence_codes(line, text)]
    length, span = _LENGTH.search(whole), _RANGE.search(prose)
    max_chars = _first(_MAX_CHARS.search(prose))
    return {
        "length_limit": LengthLimit(length[1].lower(), int(length[2])) if length else None,
        "minimum": _number(span[1] if span else _first(_MINIMUM.search(prose))),
        "maximum": _number(span[2] if span else _first(_MAXIMUM.search(prose))),
        "max_chars": int(max_chars) if max_chars else None,
        "codes": tuple(sorted(stated + [c for c in listed if c], key=lambda c: c.line)),
        "table_refs": tuple(dict.fromkeys(int(n) for n in _TABLE_REF.findall(whole))),
    }


def _inline_code(line: int, text: str) -> CodeEntry | None:
    match = _INLINE_CODE.match(text)
    value = match["code"].strip() if match else ""
    if not match or not _is_code(value):
        return None
    return CodeEntry(value, match["text"].strip(), line, None, not _WILDCARD.match(value))


def _sentence_codes(line: int, text: str) -> list[CodeEntry]:
    """"The value 0 indicates success, and other values indicate failure." as code entries."""
    found = [CodeEntry(m[1], m[2].strip(), line)
             for m in _VALUE_INDICATES.finditer(text) if _is_code(m[1])]
    return found + [CodeEntry("Other values", m[1].strip(), line, None, False)
                    for m in _OTHERS_INDICATE.finditer(text)]


def _base_type(type_text: str | None) -> str | None:
    lowered = (type_text or "").strip().lower()
    if lowered.endswith("[]") or lowered.startswith(("array", "list", "set")):
        return "array"
    if lowered.replace(" ", "") in _TYPE_WORDS:
        return _TYPE_WORDS[lowered.replace(" ", "")]
    return next((_TYPE_WORDS[w] for w in re.findall(r"[a-z0-9]+", lowered) if w in _TYPE_WORDS),
                None)


# ----------------------------------------------------------------------------- examples


def _find_examples(lines: list[str], start: int, end: int, skip: set[int],
                   issues: list[PageIssue]) -> list[Example]:
    """Code blocks outside tables: after an example caption, or any bare ``{``/``[`` block."""
    examples: list[Example] = []
    scenario: str | None = None
    index = start
    while index < end:
        text = _unbullet(_clean(lines[index]))
        if text.lower().startswith("scenario:"):
            scenario = text.split(":", 1)[1].strip()
        caption = text if _is_example_caption(text) else None
        block_at = _neighbour(lines, index, 1) if caption else index
        stop = None
        if text and index not in skip and block_at is not None and block_at < end \
                and block_at not in skip:
            stop = _block_end(lines, block_at, end, caption)
        if stop is None or block_at is None or stop <= block_at:
            index += 1
            continue
        examples.append(_make_example(lines, block_at, stop, caption,
                                      index + 1 if caption else None, scenario, issues))
        index = stop
    return examples


def _block_end(lines: list[str], at: int, end: int, caption: str | None) -> int | None:
    """End (exclusive) of the code block starting at ``at``, or None if none starts there."""
    first = lines[at].strip()
    # Without a caption only an unmistakable JSON opening counts: prose may start with "[".
    opening = ("{", "[") if caption else ("{\"", "[{", "[\"", "{}", "[]")
    if first in ("{", "[") or first.startswith(opening):
        depth, last = 0, at
        for index in range(at, end):
            if index > at and lines[index].strip() and _is_structural(_clean(lines[index])):
                break  # an unclosed block must not swallow the rest of the page
            depth += _bracket_delta(lines[index])
            last = index if lines[index].strip() else last
            if depth <= 0:
                return index + 1
        return last + 1
    if caption and "header" in caption.lower() and _HEADER_LINE.match(first):
        stop = at
        while stop < end and _HEADER_LINE.match(lines[stop]) \
                and not _is_structural(_clean(lines[stop])):
            stop += 1
        return stop
    return None


def _bracket_delta(line: str) -> int:
    """Opening minus closing brackets outside JSON strings (strings never span lines)."""
    delta, in_string, escaped = 0, False, False
    for ch in line:
        if in_string:
            escaped, in_string = (ch == "\\" and not escaped), (escaped or ch != '"')
        elif ch == '"':
            in_string = True
        elif ch in "{[":
            delta += 1
        elif ch in "}]":
            delta -= 1
    return delta


def _make_example(lines: list[str], at: int, stop: int, caption: str | None,
                  caption_line: int | None, scenario: str | None,
                  issues: list[PageIssue]) -> Example:
    raw = "\n".join(lines[at:stop])
    lowered = (caption or "").lower()
    scope = next((s for s in ("request", "response") if s in lowered), None)
    part = "header" if "header" in lowered else "body" if caption else None
    error = None
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        error = JsonError(exc.msg, at + exc.lineno, exc.colno)
    except (ValueError, RecursionError) as exc:
        error = JsonError(str(exc) or type(exc).__name__, at + 1, 1)
    headers = None
    if error is None and part == "header" and isinstance(value, dict):
        headers = tuple((str(k), v if isinstance(v, str) else json.dumps(v))
                        for k, v in value.items())
    elif error is not None and part != "body":
        headers = _pseudo_headers(raw)
    if error is not None and headers is None:
        issues.append(PageIssue(error.line, f"example at line {at + 1} is not valid JSON: "
                                            f"{error.message} (line {error.line})"))
    return Example(at + 1, stop, raw, caption, caption_line, scope, part, scenario, error,
                   headers)


def _pseudo_headers(raw: str) -> tuple[tuple[str, str], ...] | None:
    """``Name: value`` lines, bare or wrapped in pseudo-JSON braces, as (name, value) pairs."""
    body = [line.strip() for line in raw.split("\n") if line.strip() not in ("", "{", "}")]
    matches = [_HEADER_LINE.match(line) for line in body]
    if not body or not all(matches):
        return None
    return tuple((m[1], m[2]) for m in matches if m)


def _json_paths(value: Any) -> Iterator[str]:
    """Dotted key paths in document order; iterative, so deep nesting cannot overflow."""
    pending: list[tuple[str, Any, bool]] = [("", value, False)]
    while pending:
        path, item, named = pending.pop()
        if named:
            yield path
        if isinstance(item, dict):
            pending += reversed([(f"{path}.{key}" if path else str(key), child, True)
                                 for key, child in item.items()])
        elif isinstance(item, list) and item:
            pending.append((f"{path}[]", item[0], False))


# ----------------------------------------------------------------------------- prose


def _find_method(paras: list[_Para], issues: list[PageIssue]) -> str | None:
    found = [(line, verb) for para in paras for line, text in para.items
             for pattern in _METHOD_PATTERNS for verb in pattern.findall(text)]
    verbs = list(dict.fromkeys(verb for _, verb in found))
    if not verbs:
        issues.append(PageIssue(paras[0].line if paras else 1, "no HTTP method found"))
        return None
    if len(verbs) > 1:
        issues.append(PageIssue(found[0][0], f"several HTTP methods mentioned: {verbs}"))
    return verbs[0]


def _find_url(paras: list[_Para], issues: list[PageIssue]) -> str | None:
    """Prefer a line that *is* a URL ("https://Domain name/x (For example ...)") over prose."""
    leading, inline = [], []
    for para in paras:
        for _, text in para.items:
            pos = text.find("https://") if "https://" in text else text.find("http://")
            if pos >= 0 and _URL_LEAD.match(text[:pos]):
                leading.append(text[pos:].split(" (")[0].rstrip(" ."))
            elif pos >= 0:
                inline.append(text[pos:].split()[0].rstrip(".,;)"))
    if not leading + inline:
        issues.append(PageIssue(paras[0].line if paras else 1, "no request URL found"))
        return None
    return (leading + inline)[0]


def _scenario(paras: list[_Para]) -> str:
    texts: list[str] = []
    inside = False
    for para in paras:
        if _is_structural(para.first):
            inside = para.first.lower() in _SCENARIO_HEADINGS and not texts
        elif inside:
            texts.append(para.text)
    return "\n".join(texts)


def _statuses(paras: list[_Para]) -> list[tuple[int, str]]:
    """``• Status code: 400`` bullets with the explanation paragraph that follows them."""
    found = []
    for index, para in enumerate(paras):
        if match := _STATUS.match(para.first):
            after = paras[index + 1] if index + 1 < len(paras) else None
            explained = after is not None and not _is_structural(after.first) \
                and after.line - para.end_line <= 3  # not separated by a table or example
            found.append((int(match[1]), after.text if after and explained else ""))
    return found


def _prose_fields(paras: list[_Para], known: set[str]) -> list[Field]:
    """"X indicates ..." sentences: the token page documents its fields only this way.

    X must look like a field name (app_key, X-Token-Expire, AccessToken) or appear in an
    example, so "This indicates ..." stays prose.
    """
    fields = []
    for para in paras:
        for line, text in para.items:
            text = _unbullet(text)
            match = _INDICATES.match(text)
            if match and (match["name"] in known or re.search(r"[_\-]|[a-z][A-Z]", match["name"])):
                fields.append(Field(line, match["name"], None, None, text,
                                    **_facts([(line, text)])))
    return fields


def _check_references(tables: list[Table], issues: list[PageIssue]) -> None:
    """Repeated table numbers, and "see Table N" pointing nowhere or at the wrong kind of table:
    an Integer explained by a fields table (or an Object by a code table) is a doc error."""
    by_number: dict[int, Table] = {}
    for table in tables:
        if table.number in by_number:
            issues.append(PageIssue(table.line, f"Table {table.number} is numbered twice"))
        by_number.setdefault(table.number, table)
    for f in (f for table in tables for f in table.fields):
        for ref in f.table_refs:
            target = by_number.get(ref)
            composite = f.base_type in ("object", "array")
            if target is None:
                issues.append(PageIssue(f.line, f"{f.name} refers to Table {ref}, which is not "
                                                f"on this page"))
            elif target.kind in ("fields", "codes") and composite != (target.kind == "fields"):
                issues.append(PageIssue(f.line, f"{f.name} ({f.type}) refers to Table {ref} "
                                                f"'{target.title}', a {target.kind} table"))


# ----------------------------------------------------------------------------- entry points


def parse_page(text: str, path: str = "<page>") -> Page:
    """Parse one page. Never raises: problems, and as a last resort bugs, become issues."""
    try:
        return _parse(text, path)
    except Exception as exc:  # noqa: BLE001 - a page must never stop a batch
        return Page(path, None, None, None, None, None, None, "", (), (), (), (),
                    (PageIssue(1, f"internal parser error: {exc!r}"),))


def load_page(path: str | Path) -> Page:
    """Read and parse a page file (I/O errors propagate: they are not page problems)."""
    return parse_page(Path(path).read_text(encoding="utf-8", errors="replace"), str(path))


def _parse(text: str, path: str) -> Page:
    lines = [line.rstrip("\r") for line in text.split("\n")]
    issues: list[PageIssue] = []
    title_at, updated, updated_at = _locate_title(lines)
    if updated is None:
        issues.append(PageIssue(1, "no 'Updated on YYYY-MM-DD' line"))
    if title_at is None:
        issues.append(PageIssue(1, "page title not found"))
    start = min((i for i in (title_at, updated_at) if i is not None), default=0)
    end = next((i for i in range(start, len(lines)) if _BOILERPLATE.match(lines[i].strip())),
               len(lines))
    title = _clean(lines[title_at]) if title_at is not None else None
    operation = re.search(r"\(([A-Za-z_]\w*)\)\s*$", title or "")

    paras = _paragraphs(lines, start, end)
    tables, covered = _parse_tables(paras, issues)
    table_lines = {n for i in covered for n in range(paras[i].line - 1, paras[i].end_line)}
    examples = _find_examples(lines, start, end, table_lines, issues)
    example_lines = {n for ex in examples for n in range(ex.line - 1, ex.end_line)}
    prose = [p for i, p in enumerate(paras) if i not in covered and p.line - 1 != title_at
             and not example_lines.intersection(range(p.line - 1, p.end_line))]
    known = {key.split(".")[-1].removesuffix("[]") for ex in examples for key in ex.key_paths()}
    _check_references(tables, issues)
    return Page(
        path=path, title=title, title_line=title_at + 1 if title_at is not None else None,
        operation_name=operation[1] if operation else None, updated=updated,
        method=_find_method(prose, issues), url=_find_url(prose, issues),
        scenario=_scenario(prose), tables=tuple(tables), examples=tuple(examples),
        statuses=tuple(_statuses(prose)), prose_fields=tuple(_prose_fields(prose, known)),
        issues=tuple(sorted(issues, key=lambda issue: issue.line)))
