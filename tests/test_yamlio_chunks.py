"""Chunked loading (generator/yamlio.py, `_load_chunked`) gives what the whole-file parse gives.

The whole-file parse (`_load_whole`) is the reference: the same data, in the same key order,
with the same findings (rule, message, pointer, in order), or, when the whole parse refuses
the file, no chunked result at all, so that `load_yaml` reports the whole parse's error.
The chunking thresholds are module constants; the tests lower them so that documents of a
few lines are cut at every key they can be cut at.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from generator import yamlio
from generator.diagnostics import AiccgenError
from generator.yamlio import YamlDocument

ROOT = Path(__file__).resolve().parents[1]
SPECS = sorted((ROOT / "specs").glob("*.yaml"))
OPS0100 = ROOT / "benchmarks" / ".work" / "synth" / "ops0100.yaml"
PATH = "spec.yaml"


# -- comparing the two loads ---------------------------------------------------------------


def outcome(load: Any) -> tuple[str, Any]:
    """What a load gives, comparable with ==: the data's repr (which shows key order and
    int/float/bool apart) and the findings, or the error."""
    try:
        doc = load()
    except AiccgenError as exc:
        return "error", [(f.rule, f.message, f.file, f.pointer, f.line, f.col) for f in exc.findings]
    except Exception as exc:  # rapidyaml's own, e.g. an alias without its anchor
        return "raised", (type(exc).__name__, str(getattr(exc, "msg", exc)))
    if doc is None:
        return "none", None
    findings = [(f.rule, f.message, f.pointer, f.level.name, f.file, f.line, f.col) for f in doc.findings]
    return "doc", (repr(doc.data), findings)


def whole(text: str | bytes) -> tuple[str, Any]:
    source = text.encode() if isinstance(text, str) else text
    return outcome(lambda: yamlio._load_whole(PATH, source))


def chunked(text: str | bytes, monkeypatch: pytest.MonkeyPatch, chunk_bytes: int = 0) -> tuple[str, Any]:
    source = text.encode() if isinstance(text, str) else text
    monkeypatch.setattr(yamlio, "CHUNK_BYTES", chunk_bytes)
    return outcome(lambda: yamlio._load_chunked(PATH, source))


def check_same(text: str | bytes, monkeypatch: pytest.MonkeyPatch, chunk_bytes: int = 0) -> str:
    """Assert the chunked load is the whole load or declines; returns which it did."""
    expected = whole(text)
    got = chunked(text, monkeypatch, chunk_bytes)
    if expected[0] != "doc":
        assert got[0] == "none", (text, expected, got)
    else:
        assert got[0] in ("doc", "none"), got
        if got[0] == "doc":
            assert got == expected, text
    # and load_yaml, chunking every file, says what the whole parse says
    monkeypatch.setattr(yamlio, "CHUNKED_MIN_BYTES", 0)
    source = text.encode() if isinstance(text, str) else text
    assert outcome(lambda: yamlio.load_yaml(PATH, source.decode())) == expected
    return got[0]


def jobs(text: str, monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]] | None:
    monkeypatch.setattr(yamlio, "CHUNK_BYTES", 0)
    return yamlio._plan(text.encode())


# -- documents that are cut ----------------------------------------------------------------

RICH = """\
# a spec-like document
openapi: 3.1.0
info:
  title: "标题: 中文"
  version: '2023-09-27'
  description: |
    Block text with lines that look like keys:
    not: a key
    - nor an item
    # nor a comment

  x-note: >-
    folded
    text
paths:
  /a/{id}:
    get:
      summary: plain text
        continued on a deeper line
      x-verbatim: "Authorization: ******"
      tags: [one, two,
        three]
  "/b":
    post: {a: 1,
      b: 2}
# a comment at column 0 between paths
  '/c':
    put:
      - item
      - key: value
        other: 0200
codes:
- 0200000
- yes
- "yes"
components:
  schemas:
    A:
      type: object
    B:
      type: string
      enum: [on, off, 1_000]
    A:
      type: integer
  responses:
    ok: {}
empty:
last: ~
"""


def test_rich_document_is_cut_and_loads_as_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    plan = jobs(RICH, monkeypatch)
    assert plan is not None
    opened = [RICH.encode()[job[1]:job[2]].strip() for job in plan if job[0] == yamlio._OPEN]
    assert opened == [b"info:", b"paths:", b"/a/{id}:", b'"/b":', b"'/c':", b"components:", b"schemas:",
                      b"responses:"]
    assert check_same(RICH, monkeypatch) == "doc"
    findings = [f[:4] for f in whole(RICH)[1][1]]
    assert ("yaml-duplicate-key", "duplicate key 'A': the later value would silently win",
            "/components/schemas/A", "ERROR") in findings
    assert any(f[0] == "yaml-ambiguous" and f[2] == "/paths/~1c/put/1/other" for f in findings)


@pytest.mark.parametrize("chunk_bytes", [0, 1, 40, 200, 10**9])
def test_chunk_sizes_group_entries_without_changing_the_result(monkeypatch: pytest.MonkeyPatch,
                                                              chunk_bytes: int) -> None:
    assert check_same(RICH, monkeypatch, chunk_bytes) == "doc"


def test_duplicate_keys_across_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "b: 1\na: 2\nb:\n  x: 1\n  y: 2\n  x: 3\nnested:\n  k: 1\nnested:\n  j:\n    z: 1\n    z: 2\n"
    plan = jobs(text, monkeypatch)
    assert plan is not None and [p[0] for p in plan].count(yamlio._OPEN) == 4
    assert check_same(text, monkeypatch) == "doc"
    data, findings = whole(text)[1]
    assert data == repr({"b": {"x": 3, "y": 2}, "a": 2, "nested": {"j": {"z": 2}}})
    assert [f[2] for f in findings] == ["/b", "/b/x", "/nested", "/nested/j/z"]


def test_where_chains_start_at_the_chunks_place(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "a:\n  b~c:\n    d/e:\n      f: yes\n      g: 2023-01-01\n"
    assert check_same(text, monkeypatch) == "doc"
    assert [f[2] for f in whole(text)[1][1]] == ["/a/b~0c/d~1e/f", "/a/b~0c/d~1e/g"]


def test_anchors_and_aliases_within_a_chunk_are_resolved_as_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "a:\n  x: &v {p: 1}\n  y: *v\n  z:\n    <<: *v\n    q: 2\nb: 3\n"
    assert check_same(text, monkeypatch, chunk_bytes=10**9) == "doc"


def test_an_alias_to_an_earlier_chunk_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    for text in ("a: &v 1\nb: *v\n", "a:\n  x: &v {p: 1}\nb:\n  <<: *v\n", "a: &v 1\nb: &v 2\nc: [*v]\n"):
        assert jobs(text, monkeypatch) is not None  # the text is fine: the chunk's parse refuses it
        assert check_same(text, monkeypatch) == "none"
    # an anchor of the same name in the alias's own chunk is the closer one, as in the whole file
    assert check_same("a: &v 1\nb: {c: &v 2, d: *v}\n", monkeypatch) == "doc"
    # and an alias without any anchor is the whole load's located YAML error
    assert whole("a: 1\nb: *v\n")[0] == "error"
    assert check_same("a: 1\nb: *v\n", monkeypatch) == "none"


# -- documents that are not cut ------------------------------------------------------------

NOT_CUT = {
    "document start": "---\na: 1\nb: 2\n",
    "document start later": "a: 1\n---\nb: 2\n",
    "document end": "a: 1\n...\n",
    "directive": "%YAML 1.2\n---\na: 1\n",
    "tab indentation": "a:\n\tb: 1\nc: 2\n",
    "tab after spaces": "a:\n  \tb: 1\nc: 2\n",
    "tab on the first line": "\ta: 1\n",
    "carriage returns": "a: 1\r\nb: 2\r\n",
    "complex key": "? a\n: 1\nb: 2\n",
    "key with an escape": "\"a\\tb\": 1\nc: 2\n",
    "key with a quote": "'it''s': 1\nc: 2\n",
    "key not ASCII": "中文: 1\nc: 2\n",
    "anchored key": "&k a: 1\nb: *k\n",
    "merge key": "<<: {a: 1}\nb: 2\n",
    "top-level sequence": "- a\n- b\n",
    "top-level scalar": "just text\n",
    "flow mapping": "{a: 1, b: 2}\n",
    "indented root": "  a: 1\n  b: 2\n",
    "only comments": "# nothing\n",
    "empty block scalar": "a: |\nb: 2\n",
    "empty block scalar nested": "a:\n  k: >-\n  b: 2\n",
    "explicit indentation": "a: |2\n   x\nb: 2\n",
    "explicit indentation in a sequence": "a:\n- |1\n  x\nb: 2\n",
}


@pytest.mark.parametrize("name", NOT_CUT)
def test_unusual_text_is_parsed_whole(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    text = NOT_CUT[name]
    assert jobs(text, monkeypatch) is None
    monkeypatch.setattr(yamlio, "CHUNKED_MIN_BYTES", 0)
    assert outcome(lambda: yamlio.load_yaml(PATH, text)) == whole(text)


SPANNING = {
    "double-quoted": 'a: "x\nb: y"\n',
    "double-quoted nested": 'a:\n  b: "x\n  c: y"\n',
    "single-quoted": "a: 'x\nb: y'\n",
    "flow sequence": "a: [1,\nb: 2]\n",
    "flow mapping nested": "a:\n  b: {x: 1,\n  c: 2}\n",
}


@pytest.mark.parametrize("name", SPANNING)
def test_scalars_and_collections_spanning_a_cut_fail_the_chunk_and_report_the_whole_error(
        monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    text = SPANNING[name]
    assert jobs(text, monkeypatch) is not None
    expected = whole(text)
    assert expected[0] == "error"
    assert check_same(text, monkeypatch) == "none"
    monkeypatch.setattr(yamlio, "CHUNKED_MIN_BYTES", 0)
    with pytest.raises(AiccgenError) as raised:
        yamlio.load_yaml(PATH, text)
    assert [(f.rule, f.message, f.file, f.pointer, f.line, f.col) for f in raised.value.findings] == expected[1]


def test_a_value_on_the_key_line_keeps_the_lines_below_in_its_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    for text in ("a: text\n  more text\nb: 1\n", "a: !!map\n  x: 1\nb: 1\n", "a: # note\n  x: 1\nb: 1\n"):
        plan = jobs(text, monkeypatch)
        assert plan is not None
        assert check_same(text, monkeypatch) == "doc"
    assert [p[0] for p in jobs("a: !!map\n  x: 1\nb: 1\n", monkeypatch) or []] == [yamlio._CHUNK] * 2
    assert (jobs("a: # note\n  x: 1\nb: 1\n", monkeypatch) or [()])[0][0] == yamlio._OPEN


def test_an_unusual_line_inside_a_value_keeps_that_value_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "a:\n  x: 1\n  ? y\n  : 2\nb:\n  z: 1\n"
    plan = jobs(text, monkeypatch)
    assert plan is not None
    assert [p[0] for p in plan] == [yamlio._CHUNK, yamlio._OPEN, yamlio._CHUNK, yamlio._CLOSE]
    assert check_same(text, monkeypatch) == "doc"
    shallower = "a:\n    x: 1\n  y: 2\nb: 1\n"  # invalid: the whole parse's error stands
    assert check_same(shallower, monkeypatch) == "none"


def test_a_chunk_that_is_not_the_planned_keys_is_refused() -> None:
    source = b"a: 1\nb: 2\n"
    doc = YamlDocument(PATH, source, None)
    ok = [(yamlio._CHUNK, 0, len(source), [b"a", b"b"])]
    assert yamlio._Converter(None, doc).chunks(source, ok) == {"a": 1, "b": 2}
    for bad in ([(yamlio._CHUNK, 0, len(source), [b"a"])],  # more keys than planned
                [(yamlio._CHUNK, 0, len(source), [b"a", b"c"])],  # another key
                [(yamlio._OPEN, 0, 5, [b"a"]), (yamlio._CLOSE,)],  # a value on the open line
                [(yamlio._CHUNK, 2, len(source), [b"1"])]):  # ": 1\nb: 2" does not parse
        assert yamlio._Converter(None, doc).chunks(source, bad) is None
    seq = b"- a\n"
    assert yamlio._Converter(None, YamlDocument(PATH, seq, None)).chunks(seq, [(yamlio._CHUNK, 0, 4, [b"a"])]) is None


def test_small_and_json_files_take_the_whole_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def refuse(*args: Any) -> None:
        raise AssertionError("chunked")

    monkeypatch.setattr(yamlio, "_load_chunked", refuse)
    small = tmp_path / "small.yaml"
    small.write_text(RICH, encoding="utf-8")
    assert yamlio.load_yaml(small).data["openapi"] == "3.1.0"
    big = tmp_path / "big.json"
    big.write_text(json.dumps({f"k{n}": "x" * 100 for n in range(5000)}), encoding="utf-8")
    assert len(big.read_bytes()) > yamlio.CHUNKED_MIN_BYTES
    assert len(yamlio.load_yaml(big).data) == 5000
    monkeypatch.setattr(yamlio, "CHUNKED_MIN_BYTES", 0)
    with pytest.raises(AssertionError, match="chunked"):
        yamlio.load_yaml(small)


# -- generated documents -------------------------------------------------------------------

PLAIN_KEYS = ["a", "b", "name", "x-doc", "/p/{id}", "200", "yes", "on", "a b", "$ref", "type"]
KEYS = st.one_of(
    st.sampled_from(PLAIN_KEYS),
    st.sampled_from(PLAIN_KEYS),
    st.sampled_from(PLAIN_KEYS),
    st.sampled_from(PLAIN_KEYS).map(lambda k: f'"{k}"'),
    st.sampled_from(PLAIN_KEYS).map(lambda k: f"'{k}'"),
    st.sampled_from(['"tab\\tkey"', "'it''s'", "中文", '"中文 key"', "'q: k'", "-x", ".dot"]),
)
SCALARS = st.sampled_from([
    "plain", "yes", "No", "0200", "0200000", "1_000", "2023-09-27", "0x1F", "1:20", ".inf", "~", "null",
    "true", "12", "-1.5e3", "=", "中文说明", "a #comment", '"double: quoted # not a comment"',
    "'single ''quoted'''", '"esc \\u00e9 \\n"', '"Authorization: ******"', "'*not an alias'", '""',
    "!!str 12", "!!int 7", "!!float 1.5", "!custom x", "{}", "[]", "[a, 'b', {c: d}]", "{k: v, n: 1}",
    '"\\ud83d"', "'sq with # hash'", "http://x.y/z?q=1#frag",
])


def indent_steps() -> st.SearchStrategy[int]:
    return st.sampled_from([1, 2, 2, 2, 3, 4])


@st.composite
def comment_or_blank(draw: st.DrawFn, indent: int) -> list[str]:
    kind = draw(st.sampled_from(["none", "none", "blank", "comment", "low comment", "spaces"]))
    if kind == "blank":
        return [""]
    if kind == "comment":
        return [" " * indent + "# " + draw(st.sampled_from(["c", "k: v", "- i", "中文"]))]
    if kind == "low comment":
        return ["# at column 0: not: a key"]
    if kind == "spaces":
        return [" " * draw(st.integers(0, 8))]
    return []


@st.composite
def value_lines(draw: st.DrawFn, indent: int, depth: int, step: int) -> tuple[str, list[str]]:
    """(what follows `key:` on its line, the lines below it) for a value of a key at `indent`."""
    inner = indent + step
    choices = ["scalar", "scalar", "multi plain", "multi quoted", "multi flow", "block", "empty"]
    if depth < 4:
        choices += ["map", "map", "map", "seq", "same-indent seq"]
    kind = draw(st.sampled_from(choices))
    if kind == "scalar":
        return " " + draw(SCALARS), []
    if kind == "empty":
        return draw(st.sampled_from(["", " ", " # nothing"])), []
    if kind == "multi plain":
        more = draw(st.sampled_from(["more words", "more: words", "- last", "# hash"]))
        return " first words", [" " * inner + more, " " * (inner + 1) + "last words"]
    if kind == "multi quoted":
        quote = draw(st.sampled_from(['"', "'"]))
        return f" {quote}starts here", [" " * inner + "k: v", " " * (inner + 1) + f"ends{quote}"]
    if kind == "multi flow":
        return " [one,", [" " * inner + "k: v,", " " * inner + "{a: b}]"]
    if kind == "block":
        header = draw(st.sampled_from(["|", ">", "|-", ">+", "|+", "|2", ">-"]))
        lines = draw(st.lists(st.sampled_from(["text", "key: value", "- item", "# hash", "", "  deeper",
                                               "中文"]), min_size=0, max_size=4))
        return f" {header}", [" " * inner + line if line else "" for line in lines]
    if kind == "map":
        return draw(st.sampled_from(["", " # below"])), draw(mapping_lines(inner, depth + 1))
    if kind == "seq":
        return "", draw(sequence_lines(inner, depth + 1))
    return "", draw(sequence_lines(indent, depth + 1))


@st.composite
def sequence_lines(draw: st.DrawFn, indent: int, depth: int) -> list[str]:
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["scalar", "map", "block"]))
        if kind == "scalar":
            lines.append(" " * indent + "- " + draw(SCALARS))
        elif kind == "block":
            lines += [" " * indent + "- |", " " * (indent + 2) + "key: text"]
        else:
            body = draw(mapping_lines(indent + 2, depth + 1))
            lines.append(" " * indent + "- " + body[0].lstrip(" "))
            lines += body[1:]
        lines += draw(comment_or_blank(indent))
    return lines


@st.composite
def mapping_lines(draw: st.DrawFn, indent: int, depth: int) -> list[str]:
    lines: list[str] = []
    step = draw(indent_steps())
    for _ in range(draw(st.integers(1, 4))):
        key = draw(KEYS)
        on_line, below = draw(value_lines(indent, depth, step))
        lines.append(" " * indent + key + ":" + on_line)
        lines += below
        lines += draw(comment_or_blank(indent))
    return lines


@st.composite
def documents(draw: st.DrawFn) -> str:
    lines = draw(comment_or_blank(0)) + draw(mapping_lines(0, 0))
    if draw(st.integers(0, 9)) == 0:  # now and then an anchor and its aliases
        lines += ["anchors:", "  one: &one {p: 1}", "  two: *one", "  three:", "    <<: *one"]
        lines += draw(st.sampled_from([[], ["later: *one"]]))
    if draw(st.integers(0, 5)) == 0:  # now and then a broken line
        at = draw(st.integers(0, len(lines) - 1))
        lines[at] = draw(st.sampled_from([" ", "", "\t", "  ", "- "])) + lines[at]
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n\n"]))


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                                    HealthCheck.function_scoped_fixture])
@given(text=documents(), chunk_bytes=st.sampled_from([0, 0, 1, 25, 80, 10**9]))
def test_generated_documents_load_as_whole(monkeypatch: pytest.MonkeyPatch, text: str, chunk_bytes: int) -> None:
    with monkeypatch.context() as patch:
        result = check_same(text, patch, chunk_bytes)
    event(f"chunked: {result}; whole: {whole(text)[0]}")


def test_generated_documents_are_mostly_cut(monkeypatch: pytest.MonkeyPatch) -> None:
    """The property above is not vacuous: many valid generated documents take the chunked path
    (the rest have an unusual line, or an alias to another chunk)."""
    results: list[str] = []

    @settings(max_examples=150, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(text=documents())
    def collect(text: str) -> None:
        assume(whole(text)[0] == "doc")
        with monkeypatch.context() as patch:
            results.append(check_same(text, patch))

    collect()
    assert results.count("doc") > len(results) * 0.4, results


# -- real specs ----------------------------------------------------------------------------


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.name)
@pytest.mark.parametrize("chunk_bytes", [0, 2000])
def test_bundled_specs_load_identically(monkeypatch: pytest.MonkeyPatch, spec: Path, chunk_bytes: int) -> None:
    source = yamlio.read_source(spec)
    assert check_same(source, monkeypatch, chunk_bytes) == "doc"


def test_synthetic_100_operation_spec_loads_identically(monkeypatch: pytest.MonkeyPatch) -> None:
    if not OPS0100.exists():
        pytest.skip("benchmarks/.work/synth/ops0100.yaml is built by benchmarks/synth.py")
    source = yamlio.read_source(OPS0100)
    assert len(source) >= yamlio.CHUNKED_MIN_BYTES
    assert check_same(source, monkeypatch, yamlio.CHUNK_BYTES) == "doc"
    plan = yamlio._plan(source)
    assert plan is not None and len(plan) > 5


# -- the source kept as bytes --------------------------------------------------------------

TEXT_PIECES = st.text(alphabet=st.sampled_from(
    list("ab :#\n\t\r") + ["\x00", "\x07", "\x1f", "\x7f", "\x80", "\x84", "\x85", "\x9f", "\xa0", "\u3000",
                           "\u2028", "\ufeff", "\ufffd", "\ufffe", "\uffff", "中", "\U0001F4DE", "\x0b", "\x0c"]),
    max_size=30)


@given(TEXT_PIECES)
def test_bytes_checks_match_the_text_checks(text: str) -> None:
    source = text.encode("utf-8")
    assert yamlio._has_not_printable(source) == (yamlio._NOT_PRINTABLE.search(text) is not None)
    assert yamlio._is_blank(source) == (not text.strip())


@given(st.binary(max_size=40) | TEXT_PIECES.map(lambda t: ("\ufeff" + t).encode("utf-8")))
def test_read_source_is_read_text_as_bytes(tmp_path_factory: pytest.TempPathFactory, raw: bytes) -> None:
    path = tmp_path_factory.mktemp("src") / "spec.yaml"
    path.write_bytes(raw)
    try:
        text = yamlio.read_text(path)
    except AiccgenError as exc:
        with pytest.raises(AiccgenError) as raised:
            yamlio.read_source(path)
        assert [(f.message, f.line) for f in raised.value.findings] == [(f.message, f.line) for f in exc.findings]
    else:
        assert yamlio.read_source(path) == text.encode("utf-8")


@settings(max_examples=200, deadline=None)
@given(TEXT_PIECES)
def test_load_from_file_and_from_text_agree(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    path = tmp_path_factory.mktemp("load") / "spec.yaml"
    path.write_bytes(text.encode("utf-8"))
    from_file = outcome(lambda: yamlio.load_yaml(path))
    assert from_file == outcome(lambda: yamlio.load_yaml(path, yamlio.read_text(path)))


def test_document_keeps_bytes_and_decodes_on_demand() -> None:
    doc = YamlDocument(PATH, "a: 中文\n", None)
    assert doc.source == "a: 中文\n".encode() and doc.text == "a: 中文\n"
    assert YamlDocument(PATH, b"x", None).text == "x"
    loaded = yamlio.load_yaml(PATH, "a: 中文\nb: yes\n")
    assert isinstance(loaded.source, bytes)
    assert hashlib.sha256(loaded.source).hexdigest() == hashlib.sha256(loaded.text.encode("utf-8")).hexdigest()
    assert loaded.place(loaded.findings[0]).line == 2


def test_located_findings_in_a_chunked_file(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "a:\n  b: 1\n  c:\n    d: 0200\n" + "".join(f"k{n}: {n}\n" for n in range(50))
    monkeypatch.setattr(yamlio, "CHUNKED_MIN_BYTES", 0)
    monkeypatch.setattr(yamlio, "CHUNK_BYTES", 0)
    doc = yamlio.load_yaml(PATH, text)
    assert [(f.pointer, *doc.locate(f.pointer)) for f in doc.findings] == [("/a/c/d", 4, 5)]
    assert re.search("leading zero", doc.findings[0].message)


# -- the chunk cache -----------------------------------------------------------------------


def cached(text: str, monkeypatch: pytest.MonkeyPatch, cache_dir: Path, chunk_bytes: int = 0,
           ) -> tuple[tuple[str, Any], yamlio.ChunkCache]:
    """A chunked load through the cache in `cache_dir`, and the cache it used."""
    monkeypatch.setattr(yamlio, "CHUNK_BYTES", chunk_bytes)
    cache = yamlio.ChunkCache.open(cache_dir, PATH)
    return outcome(lambda: yamlio._load_chunked(PATH, text.encode(), cache)), cache


def only_key_lines_parsed(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """From now on, the texts rapidyaml parses, which must be `key:` lines opening a mapping."""
    parsed: list[bytes] = []
    original = yamlio._parse_chunk

    def parse(chunk: memoryview) -> Any:
        parsed.append(bytes(chunk))
        assert re.fullmatch(rb" *[^ \n][^\n]*:\n", bytes(chunk)), f"parsed a cached chunk: {bytes(chunk)!r}"
        return original(chunk)

    monkeypatch.setattr(yamlio, "_parse_chunk", parse)
    return parsed


def test_a_cached_load_is_the_whole_load_and_parses_nothing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    expected = whole(RICH)
    first, cold = cached(RICH, monkeypatch, tmp_path)
    assert first == expected and cold.hits == 0 and cold.misses > 5
    parsed = only_key_lines_parsed(monkeypatch)
    second, warm = cached(RICH, monkeypatch, tmp_path)
    assert b"paths:\n" in parsed and b"  schemas:\n" in parsed
    # The same data in the same key order, and the same findings (the duplicate schema `A`,
    # the ambiguous scalars) replayed from the cache, in the same order.
    assert second == expected
    assert (warm.hits, warm.misses) == (cold.misses, 0)


def test_duplicates_across_cached_chunks_are_still_found(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    text = "a: 1\nb: 2\na: 3\n"
    cached(text, monkeypatch, tmp_path)
    again, _ = cached(text, monkeypatch, tmp_path)
    assert again == whole(text)
    assert [f[0] for f in again[1][1]] == ["yaml-duplicate-key"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                                    HealthCheck.function_scoped_fixture])
@given(before=documents(), after=documents(), chunk_bytes=st.sampled_from([0, 1, 25, 80]))
def test_a_load_after_an_edit_is_the_whole_load_of_the_edited_text(
        monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory,
        before: str, after: str, chunk_bytes: int) -> None:
    """Whatever the cache holds from the text before, the text after loads as it would
    whole (or declines, as the uncached chunked load does)."""
    cache_dir = tmp_path_factory.mktemp("chunks")
    with monkeypatch.context() as patch:
        cached(before, patch, cache_dir, chunk_bytes)
        got, _ = cached(after, patch, cache_dir, chunk_bytes)
        plain = chunked(after, patch, chunk_bytes)
    assert got == plain


def spec_like(paths: int, edited: int | None = None) -> str:
    """A document shaped like a large spec: many path items of a few hundred bytes."""
    lines = ["openapi: 3.1.0", "paths:"]
    for n in range(paths):
        lines += [f"  /op{n}:", "    post:", f"      operationId: op{n}", "      requestBody:",
                  "        content:", "          application/json:", "            schema:",
                  "              type: object", "              properties:"]
        lines += [f"                field{k}: {{type: string, maxLength: {k + 1}}}" for k in range(6)]
        if n == edited:
            lines.append("                added: {type: string, minLength: 1}")
    return "\n".join(lines) + "\n"


def test_an_edit_misses_only_the_chunks_around_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The cuts depend on the keys, not on byte offsets: a line added to one path item
    leaves every chunk but its own (and rarely the next) as it was."""
    base = spec_like(600)
    _, cold = cached(base, monkeypatch, tmp_path, chunk_bytes=4000)
    assert cold.misses > 40
    edited = spec_like(600, edited=7)
    got, warm = cached(edited, monkeypatch, tmp_path, chunk_bytes=4000)
    assert got == whole(edited)
    assert 1 <= warm.misses <= 2 and warm.hits >= cold.misses - 2


def test_a_cache_file_is_kept_to_what_the_last_load_used(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    cached(spec_like(300), monkeypatch, tmp_path, chunk_bytes=4000)
    for n in range(5):
        cached(spec_like(300, edited=n * 50), monkeypatch, tmp_path, chunk_bytes=4000)
    _, last = cached(spec_like(300, edited=200), monkeypatch, tmp_path, chunk_bytes=4000)
    assert last.misses == 0
    assert len(yamlio.ChunkCache.open(tmp_path, PATH).store) == last.hits


@pytest.mark.parametrize("damage", ["truncated", "flipped byte", "garbage", "other stamp", "directory"])
def test_a_damaged_or_foreign_cache_file_is_a_cold_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                          damage: str) -> None:
    """Whatever happened to the file, the load is the whole load; the frames before the
    damage (each with its own hash) may still be used, nothing after it."""
    _, cold = cached(RICH, monkeypatch, tmp_path)
    file = cold.file
    raw = file.read_bytes()
    stamp_end = raw.index(b"\n") + 1
    if damage == "truncated":
        file.write_bytes(raw[: (stamp_end + len(raw)) // 2])
    elif damage == "flipped byte":
        at = stamp_end + (len(raw) - stamp_end) // 2
        file.write_bytes(raw[:at] + bytes([raw[at] ^ 0x20]) + raw[at + 1:])
    elif damage == "garbage":
        file.write_bytes(b"\x00\xff" * 50)
    elif damage == "other stamp":
        file.write_bytes(raw[: stamp_end - 2] + b"?" + raw[stamp_end - 1:])
    else:
        file.unlink()
        file.mkdir()
    got, cache = cached(RICH, monkeypatch, tmp_path)
    assert got == whole(RICH)
    assert cache.hits + cache.misses == cold.misses
    if damage in ("truncated", "flipped byte"):
        assert 0 < cache.hits < cold.misses
    else:
        assert cache.hits == 0


def test_load_yaml_uses_the_cache_only_when_given_a_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(yamlio, "CHUNKED_MIN_BYTES", 0)
    monkeypatch.setattr(yamlio, "CHUNK_BYTES", 0)
    spec = tmp_path / "spec.yaml"
    spec.write_text(RICH, encoding="utf-8")
    yamlio.load_yaml(spec)
    assert not (tmp_path / "cache").exists()
    first = yamlio.load_yaml(spec, cache_dir=tmp_path / "cache")
    assert len(list((tmp_path / "cache" / "parsed").iterdir())) == 1
    only_key_lines_parsed(monkeypatch)
    second = yamlio.load_yaml(spec, cache_dir=tmp_path / "cache")
    assert repr(second.data) == repr(first.data) and second.findings == first.findings


def test_a_failed_save_leaves_the_last_cache_and_no_partial_file(monkeypatch: pytest.MonkeyPatch,
                                                                 tmp_path: Path) -> None:
    _, cold = cached(RICH, monkeypatch, tmp_path)
    kept = cold.file.read_bytes()
    calls = []
    real_open = Path.open

    class FullDisk:
        """A file whose third write finds the disk full."""

        def __init__(self, f: Any) -> None:
            self.f = f

        def write(self, data: bytes) -> int:
            calls.append(1)
            if len(calls) > 2:
                raise OSError(28, "No space left on device")
            return self.f.write(data)

        def __getattr__(self, name: str) -> Any:
            return getattr(self.f, name)

    def opening(path: Path, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        f = real_open(path, mode, *args, **kwargs)
        return FullDisk(f) if "w" in mode else f

    monkeypatch.setattr(Path, "open", opening)
    got, _ = cached(RICH.replace("plain text", "plain words"), monkeypatch, tmp_path)
    assert got == whole(RICH.replace("plain text", "plain words"))
    assert len(calls) > 2
    assert cold.file.read_bytes() == kept
    assert [p.name for p in cold.file.parent.iterdir()] == [cold.file.name]
