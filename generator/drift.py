"""`aiccgen drift`: have the vendor pages changed since `specs/` captured them?

Why: the pages change without notice (a limit, a new code, a removed field), and a spec that
silently disagrees with its page is how a client starts rejecting valid input. Drift imports
the pages afresh, applies the errata overlays (`specs/errata/`), and compares the result
with `specs/` through the one projection the completeness test uses (`generator.facts`).

A drift item is one subject whose documented facts differ between the two sides:

* a subject (a row, one code of a row or a code table, an example, a status, a fixed header,
  an erratum, the page's title and date) present on the page but not in specs: *added*;
* present in specs but no longer on the page: *removed* (its codes are not listed again);
* present on both with different attributes: *changed*, every differing attribute named.

Each item is a finding at the page's ``file:line`` and names the spec's ``file:line`` and
JSON pointer. Only pages that were imported are compared, so drift on one page says nothing
about the others. Curated-only content (names, retry and pagination behaviour, servers,
doc notes) is not a fact and never drift.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .diagnostics import Finding, Level, display_path, join_pointer, sort_findings
from .facts import Fact, FactKey, Location, comparable, load_spec_facts, project, subjects_of
from .importer import ImportResult, import_pages
from .overlay import Overlay, apply_errata, load_overlays
from .pages import Page

__all__ = ["DriftItem", "DriftReport", "default_pages", "import_with_errata", "run_drift"]


@dataclass(frozen=True)
class DriftItem:
    subject: FactKey
    change: str  # added / removed / changed
    differences: tuple[tuple[str, Any, Any], ...]  # (attribute, on the page, in specs)
    label: str
    page_file: str
    page_line: int | None
    spec: Location | None


@dataclass
class DriftReport:
    items: list[DriftItem] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # import and overlay findings too
    pages: int = 0


def shared_root(spec_dir: str | os.PathLike[str]) -> Path:
    """The vendor pages live beside the repository: `x-doc-pages` files are under ../shared."""
    return Path(spec_dir).resolve().parent.parent / "shared"


def default_pages(spec_dir: str | os.PathLike[str]) -> list[Path]:
    """The pages `specs/` captures (their `x-doc-pages` files under ../shared)."""
    root = shared_root(spec_dir)
    files = {str(meta.get("file")) for meta in load_spec_facts(spec_dir).pages.values() if meta.get("file")}
    return [root / f for f in sorted(files)]


def import_with_errata(pages: Iterable[str | os.PathLike[str]], errata_dir: str | os.PathLike[str] | None,
                       root: str | None = None) -> tuple[ImportResult, list[Overlay], list[Finding]]:
    """Import the pages and apply to each imported document the overlays that extend it.

    An overlay for a page that was not imported in this run is skipped with a note: drift on
    a subset of the pages is normal."""
    result = import_pages(pages, shared_root=root)
    overlays = load_overlays(errata_dir) if errata_dir else []
    findings = list(result.findings)
    by_file = {spec.file: spec for spec in result.specs}
    for overlay in overlays:
        if overlay.extends not in by_file:
            level = Level.ERROR if overlay.extends is None else Level.INFO
            reason = ("has no 'extends': name the imported document it applies to (queryCallState.yaml)"
                      if overlay.extends is None else f"extends {overlay.extends}, which no page of this run produced")
            findings.append(overlay.at(level, "overlay", f"not applied: {reason}", "/extends"))
            findings.extend(overlay.findings)
    explained: set[tuple[str, int]] = set()
    for spec in result.specs:
        mine = [o for o in overlays if o.extends == spec.file]
        spec.data, overlay_findings = apply_errata(spec.data, mine, spec.page)
        findings.extend(overlay_findings)
        explained |= _erratum_lines(spec.data, spec.page)
    # A page problem an erratum already decides about is not news: keep the erratum, drop
    # the warning (errors always stay).
    findings = [f for f in findings if f.level >= Level.ERROR or (f.file, f.line) not in explained]
    return result, overlays, findings


def _erratum_lines(data: dict[str, Any], page: Page) -> set[tuple[str, int]]:
    """Page lines of the rows and examples the document's errata target."""
    facts = project({"/imported.yaml": data})
    lines: set[tuple[str, int]] = set()
    for record, where in facts.errata.values():
        for target in record.get("targets") or []:
            for subject in facts.subjects.get(Location(where.file, str(target).rpartition("#")[2]), []):
                if subject[0] == "example":
                    example = _example(page, str(subject[2]))
                    span = range(example.line, example.end_line + 1) if example else range(0)
                else:
                    line = page_line(page, subject)
                    span = range(line, line + 1) if line else range(0)
                lines.update((page.path, n) for n in span)
    return lines


def spec_problems(spec_dir: str | os.PathLike[str]) -> list[Finding]:
    """Why the specs cannot be one side of the comparison, as error findings.

    Drift compares facts, and the fact projection (`generator.facts`) trusts what `validate`
    guarantees. Without this check an unreadable, non-OpenAPI or broken-`$ref` spec folder
    projected to no facts at all: drift compared nothing and passed (or crashed on the
    dangling `$ref`). These are the load-level checks only (files, YAML, `openapi`, every
    `$ref` resolving to a schema); the full rules stay `validate`'s job.
    """
    from .diagnostics import AiccgenError, error
    from .specset import iter_refs, load_spec_set

    try:
        spec_set = load_spec_set([str(spec_dir)])
    except AiccgenError as exc:
        return [f for f in exc.findings if f.level >= Level.ERROR]
    found = list(spec_set.findings)
    for path in spec_set.entries:
        doc = spec_set.doc(path)
        found.extend(doc.findings)
        if not isinstance(doc.data, dict) or "openapi" not in doc.data:
            found.append(error("openapi", "not an OpenAPI document: no 'openapi' key at the top", path))
            continue
        for pointer, ref in iter_refs(doc.data):
            try:
                spec_set.deref(path, {"$ref": ref})
            except AiccgenError as exc:
                found.append(error(exc.findings[0].rule, exc.findings[0].message, path, pointer))
    docs = {d.path: d for d in spec_set.loaded()}
    return sort_findings(docs[f.file].place(f) if f.file in docs else f for f in found if f.level >= Level.ERROR)


def run_drift(pages: Iterable[str | os.PathLike[str]], spec_dir: str | os.PathLike[str],
              errata_dir: str | os.PathLike[str] | None = None) -> DriftReport:
    """Import, apply errata, compare with the specs; every difference is a finding."""
    spec_dir = Path(spec_dir)
    problems = spec_problems(spec_dir)
    if problems:
        return DriftReport(findings=problems)
    pages = list(pages)
    if not pages:
        return DriftReport(findings=[Finding(
            Level.ERROR, "drift", "no pages to compare: the specs name no page files (x-doc-pages ... file) "
            "and none were given; name the vendor pages on the command line", str(spec_dir))])
    errata = Path(errata_dir) if errata_dir is not None else spec_dir / "errata"
    result, overlays, findings = import_with_errata(pages, errata, str(shared_root(spec_dir)))
    imported_root = spec_dir.resolve() / ".imported"  # virtual: where relative refs resolve
    page_side = comparable(project({str(imported_root / s.file): s.data for s in result.specs}))
    keys = [s.key for s in result.specs]
    spec_side = comparable(load_spec_facts(spec_dir), pages=keys)
    pages_by_key = {s.key: s.page for s in result.specs}
    records = _erratum_locations(overlays)
    report = DriftReport(pages=len(result.specs))
    report.items = compare(page_side, spec_side, pages_by_key, records)
    located: dict[str, Any] = {}  # spec files parsed once per run, for line:col
    report.findings = sort_findings(findings) + [_finding(item, located) for item in report.items]
    return report


# ----------------------------------------------------------------------------- comparison


def compare(page_side: Mapping[FactKey, Fact], spec_side: Mapping[FactKey, Fact], pages: Mapping[str, Page],
            records: Mapping[str, tuple[str, int | None]] | None = None) -> list[DriftItem]:
    """Drift items, in page order. A subject missing on one side is one item; subjects
    below it (the codes of a removed row) are not listed again."""
    ours, theirs = subjects_of(page_side), subjects_of(spec_side)
    items = []
    missing: list[FactKey] = []
    for subject in sorted(set(ours) | set(theirs), key=lambda s: (len(s), repr(s))):
        if any(subject[:len(m)] == m for m in missing):
            continue
        mine, spec = ours.get(subject), theirs.get(subject)
        if mine is None or spec is None:
            missing.append(subject)
            change = "added" if spec is None else "removed"
            differences: tuple[tuple[str, Any, Any], ...] = ()
        else:
            differences = tuple((attr, mine[attr].value if attr in mine else None,
                                 spec[attr].value if attr in spec else None)
                                for attr in sorted(set(mine) | set(spec))
                                if (mine.get(attr) or _NONE).value != (spec.get(attr) or _NONE).value)
            if not differences:
                continue
            change = "changed"
        items.append(_item(subject, change, differences, mine or {}, spec or {}, pages, records or {}))
    return sorted(items, key=lambda i: (i.page_file, i.page_line or 0, repr(i.subject)))


_NONE = Fact(None, None)


def _item(subject: FactKey, change: str, differences: tuple[tuple[str, Any, Any], ...], mine: Mapping[str, Fact],
          spec: Mapping[str, Fact], pages: Mapping[str, Page], records: Mapping[str, tuple[str, int | None]]) -> DriftItem:
    name = (mine.get("name") or spec.get("name") or _NONE).value
    page = pages.get(str(subject[1])) if len(subject) > 1 else None
    if subject[0] == "erratum":
        file, line = records.get(str(subject[1]), ("", None))
    else:
        file, line = (page.path if page else ""), (page_line(page, subject) if page else None)
    where = next((f.where for f in spec.values() if f.where is not None), None)
    return DriftItem(subject, change, differences, describe(subject, name), file, line, where)


def describe(subject: FactKey, name: Any = None) -> str:
    """The subject in page terms: "queryCallState Table 3 row 1.3.2 reasonCode: code 7"."""
    kind, page = subject[0], subject[1]
    if kind == "row":
        table, row = subject[2], subject[3]
        text = f"{page} Table {table} row {row}" if table else f"{page} field {row}"
        text += f" {name}" if name and name != row else ""
        return text + (f": code {subject[5]}" if len(subject) > 5 else "")
    if kind == "table":
        return f"{page} Table {subject[2]}" + (f": code {subject[4]}" if len(subject) > 4 else " (code table)")
    return {"page": f"page {page}", "operation": f"{page}: the operation",
            "status": f"{page}: status {subject[-1]}", "header": f"{page}: fixed header {subject[-1]}",
            "example": f"{page}: {subject[-1]} example", "erratum": f"erratum {page}"}.get(kind, " ".join(map(str, subject)))


def _finding(item: DriftItem, located: dict[str, Any]) -> Finding:
    spec_at = _spec_location(item.spec, located)
    if item.change == "added":
        message = f"{item.label}: on the page, not in specs"
        if item.subject[0] == "erratum":
            message = f"{item.label}: recorded by the overlay, not in specs"
    elif item.change == "removed":
        message = f"{item.label}: in specs, no longer on the page"
        if item.subject[0] == "erratum":
            message = f"{item.label}: in specs, but no overlay records it"
    else:
        message = f"{item.label}: " + "; ".join(
            f"{attr} is {_show(ours)} on the page, {_show(theirs)} in specs" for attr, ours, theirs in item.differences)
    if spec_at:
        message += f" ({spec_at})"
    return Finding(Level.ERROR, "drift", message, item.page_file, "", item.page_line)


def _show(value: Any) -> str:
    if value is None or value == ():
        return "none"
    if isinstance(value, tuple):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 160 else text[:157] + "..."


def _spec_location(where: Location | None, located: dict[str, Any]) -> str:
    """``specs/x.yaml:LINE:COL /pointer`` of a spec node."""
    if where is None or not where.file or not os.path.isfile(where.file):
        return ""
    from .yamlio import load_yaml

    try:
        doc = located.get(where.file) or load_yaml(where.file)
    except Exception:  # noqa: BLE001 - a location is a courtesy; the finding stands without it
        return f"{display_path(where.file)} {where.pointer}"
    located[where.file] = doc
    line, col = doc.locate(where.pointer)
    return f"{display_path(where.file)}:{line}:{col} {where.pointer}"


def _erratum_locations(overlays: Iterable[Overlay]) -> dict[str, tuple[str, int | None]]:
    """Erratum id -> the overlay action that records it (where a retired or new erratum is)."""
    out: dict[str, tuple[str, int | None]] = {}
    for overlay in overlays:
        for action, record in overlay.records():
            finding = overlay.at(Level.INFO, "", "", join_pointer("/actions", action.index))
            out.setdefault(str(record.get("id")), (overlay.path, finding.line))
    return out


# ----------------------------------------------------------------------------- page lines


def page_line(page: Page, subject: FactKey) -> int | None:
    """The page line a subject comes from (a row's name cell, a code's line, an example's
    first line); the title line when the page gives no better place."""
    kind = subject[0]
    found: int | None = None
    if kind in ("row", "header"):
        found = _row_line(page, subject)
    elif kind == "table":
        table = page.table(int(subject[2]))
        if table is not None:
            found = table.line
            if len(subject) > 4:
                found = next((c.line for c in table.codes if c.value == subject[4]), found)
    elif kind == "example":
        found = _example_line(page, str(subject[2]))
    elif kind == "status":
        found = _text_line(page, f"Status code: {subject[2]}")
    return found or page.title_line


def _row_line(page: Page, subject: FactKey) -> int | None:
    if subject[0] == "header":
        matches = [f for t in page.tables for f in t.fields if f.name == subject[2]]
        return matches[0].line if matches else None
    table_no, row = int(subject[2]), str(subject[3])
    fields = [f for t in page.tables if t.number == table_no for f in t.fields] if table_no else list(page.prose_fields)
    f = next((f for f in fields if row in (f.number, f.name)), None)
    if f is None:
        return _example_key_line(page, row) if not table_no else None
    if len(subject) > 5:
        return next((c.line for c in f.codes if c.value == subject[5]), f.line)
    return f.line


def _example_line(page: Page, label: str) -> int | None:
    example = _example(page, label)
    return example.line if example else None


def _example(page: Page, label: str) -> Any:
    """The page example a label ("request body 1") names: the n-th of that kind."""
    kind, _, number = label.rpartition(" ")
    same = [e for e in page.examples if (f"{e.scope} {e.part}" if e.scope else "example") == kind]
    index = int(number) - 1 if number.isdigit() else 0
    return same[index] if 0 <= index < len(same) else None


def _example_key_line(page: Page, name: str) -> int | None:
    """Pages without tables name a member only in their examples."""
    for example in page.examples:
        for offset, text in enumerate(example.raw.split("\n")):
            if f'"{name}"' in text or text.strip().startswith(f"{name}:"):
                return example.line + offset
    return None


def _text_line(page: Page, needle: str) -> int | None:
    try:
        lines = Path(page.path).read_text(encoding="utf-8", errors="replace").split("\n")
    except OSError:
        return None
    return next((i + 1 for i, line in enumerate(lines) if needle in line), None)
