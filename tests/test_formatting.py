"""The selective black of generator/formatting.py: skipping black must never change output.

format_python skips black for statements it judges black would return unchanged; each
case here runs black itself on the same text, so a wrong judgement fails the test.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

import black
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import writer
from generator.emit import code_selector
from generator.formatting import BlackCache, _black_keeps, format_python
from generator.writer import TreeUpdate, _diff_summary, _FileView

LONG = "A documented meaning that runs well past the black line length " * 2
MODE = black.Mode(line_length=88)

KEPT = {
    "dict entry": f'MEANINGS = {{\n    "1": "{LONG}",\n    "2": "short",\n}}\n',
    "integer key": f'MEANINGS = {{\n    1: "{LONG}",\n}}\n',
    "keyword argument": f'x = field(\n    default=None,\n    description="{LONG}",\n)\n',
    "list element": f'ITEMS = [\n    "{LONG}",\n]\n',
    "docstring line": f'class A:\n    """Title.\n\n    {LONG.strip()}\n    """\n',
    "nested": f'X = {{\n    "a": {{\n        "b": "{LONG}",\n    }},\n}}\n',
}

SENT = {
    "not exploded": f'MEANINGS = {{"1": "{LONG}"}}\n',
    "single quotes": f"x = f(\n    description='{LONG}',\n)\n",
    "comment": f'x = f(\n    description="{LONG}",  # why\n)\n',
    "no trailing comma": f'x = f(\n    description="{LONG}"\n)\n',
    "two strings": f'x = f(\n    "{LONG}" "b",\n)\n',
    "top-level assignment": f'X = "{LONG}"\n',
    "docstring trailing blank": f'class A:\n    """Title.\n\n    {LONG}\n    """\n',
    "call on one line": f'x = f(a, b, description="{LONG}")\n',
    "prefixed string": f'x = f(\n    description=rb"{LONG}",\n)\n',
}


@pytest.mark.parametrize("text", KEPT.values(), ids=KEPT.keys())
def test_skips_black_only_where_black_keeps_the_text(text: str) -> None:
    assert _black_keeps(text.splitlines(keepends=True))
    assert black.format_str(text, mode=MODE) == text


@pytest.mark.parametrize("text", SENT.values(), ids=SENT.keys())
def test_sends_everything_else_to_black(text: str) -> None:
    assert not _black_keeps(text.splitlines(keepends=True))
    cache = BlackCache(None)
    assert format_python(text, cache) == black.format_str(text, mode=MODE)
    assert cache.misses == 1


def test_a_module_black_keeps_is_returned_itself_not_a_copy() -> None:
    """A copy of a 9 MB client module raised a 1000-operation run's peak by 17 MiB."""
    text = KEPT["dict entry"] + "\n\n" + "x = 1\n"
    cache = BlackCache(None)
    assert format_python(text, cache) is text
    # a statement given to black and sent back unchanged keeps the text itself too
    sent_back = black.format_str(KEPT["dict entry"] + "\n\n" + 'y = g(aaaa, bbbb)  # ' + "c" * 90 + "\n", mode=MODE)
    assert not _black_keeps(sent_back.splitlines(keepends=True)[-1:])
    assert format_python(sent_back, cache) is sent_back and cache.misses == 1
    changed = KEPT["dict entry"] + "\n\n" + SENT["call on one line"]
    assert format_python(changed, cache) == black.format_str(changed, mode=MODE) != changed


def test_format_python_mixes_kept_and_formatted_statements() -> None:
    text = KEPT["dict entry"] + "\n\n" + SENT["call on one line"]
    cache = BlackCache(None)
    assert format_python(text, cache) == black.format_str(text, mode=MODE)
    assert cache.misses == 1  # only the statement black can change


def test_a_saved_cache_remembers_what_black_keeps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A warm run neither tokenizes nor parses a statement it has seen, and lays the
    module out as a cold run does; a cache saved by other code forgets what it kept."""
    from generator import formatting

    text = "\n\n".join([*KEPT.values(), SENT["call on one line"]])
    expected = black.format_str(text, mode=MODE)
    assert expected != text
    cold = BlackCache(tmp_path / "black.json")
    assert formatting.format_utf8(text.encode(), cold) == expected.encode()
    cold.save()
    assert len(cold.kept) == len(KEPT) and cold.misses == 1

    def refused(*_args: object) -> None:
        raise AssertionError("a statement the cache knows was looked at again")

    with monkeypatch.context() as patch:
        patch.setattr(formatting, "_black_keeps", refused)
        patch.setattr(formatting.ast, "parse", refused)
        patch.setattr(formatting, "_black", refused)
        warm = BlackCache.load(tmp_path / "black.json")
        assert formatting.format_utf8(text.encode(), warm) == expected.encode()
    with monkeypatch.context() as patch:  # the str path (user templates) finds its statements by parsing
        patch.setattr(formatting, "_black_keeps", refused)
        patch.setattr(formatting, "_black", refused)
        assert format_python(text, warm) == expected
    monkeypatch.setattr(formatting, "_keeps_version", lambda: "other code")
    assert BlackCache.load(tmp_path / "black.json").kept == set()


def test_diff_summary_counts_changed_lines() -> None:
    old = "".join(f"line {i}\n" for i in range(10_000)).encode()
    one = old.replace(b"line 5000\n", b"line five thousand\n")
    assert _diff_summary(old, one) == "+1 -1 lines"
    assert _diff_summary(old, old + b"tail\n") == "+1 -0 lines"
    assert _diff_summary(old, old.replace(b"line 7\n", b"")) == "+0 -1 lines"
    assert _diff_summary(b"\xff", b"x") == "binary"


def _line_diff(old: bytes, new: bytes) -> str:
    """The summary by its definition: split both whole, trim equal end lines, count."""
    a, b = old.decode().splitlines(), new.decode().splitlines()
    while a and b and a[0] == b[0]:
        a, b = a[1:], b[1:]
    while a and b and a[-1] == b[-1]:
        a, b = a[:-1], b[:-1]
    before, after = Counter(a), Counter(b)
    return f"+{sum((after - before).values())} -{sum((before - after).values())} lines"


@settings(max_examples=400, deadline=None)
@given(st.text("ab\n", max_size=40), st.text("ab\n", max_size=40), st.text("ab\n", max_size=40),
       st.text("ab\n", max_size=40))
def test_diff_summary_finds_the_changed_lines_from_the_bytes(head: str, old: str, new: str, tail: str) -> None:
    before, after = (head + old + tail).encode(), (head + new + tail).encode()
    assert _diff_summary(before, after) == _line_diff(before, after)


def test_diff_summary_across_slices() -> None:
    """Differences near the 64 KiB slice edges the common ends are compared in."""
    base = b"".join(b"%06d\n" % i for i in range(40_000))
    for at in (0, 65535, 65536, 65537, len(base) - 65537, len(base) - 1):
        changed = base[:at] + b"X\n" + base[at:]
        assert _diff_summary(base, changed) == _line_diff(base, changed)


def _file(stack: ExitStack, data: bytes) -> _FileView:
    f = stack.enter_context(tempfile.TemporaryFile())  # noqa: SIM115 (the stack closes it)
    f.write(data)
    f.flush()  # _FileView takes the size from the file itself
    return _FileView(f)


@settings(max_examples=300, deadline=None)
@given(st.text("ab\n", max_size=40), st.text("ab\n", max_size=40), st.text("ab\n", max_size=40),
       st.text("ab\n", max_size=40), st.integers(1, 9))
def test_diff_summary_of_files_read_in_small_blocks_equals_the_bytes(head: str, old: str, new: str, tail: str,
                                                                      block: int) -> None:
    """An old version on disk (and cases.json, built in a temporary file) is read a block at
    a time; blocks of a few bytes put the newline searches across block edges."""
    before, after = (head + old + tail).encode(), (head + new + tail).encode()
    with mock.patch.object(writer, "_CHUNK", block), ExitStack() as stack:
        assert _diff_summary(_file(stack, before), after) == _line_diff(before, after)
        assert _diff_summary(_file(stack, before), _file(stack, after)) == _line_diff(before, after)


@settings(max_examples=300, deadline=None)
@given(st.text("ab\n\r\x85\u2028é中", max_size=60), st.integers(1, 9))
def test_changed_lines_are_counted_a_block_at_a_time_as_splitlines_counts_them(text: str, block: int) -> None:
    """Blocks of a few bytes cut "\r\n" and multi-byte characters in two."""
    data = text.encode()
    expected = Counter(hash(line) for line in text.splitlines())
    with mock.patch.object(writer, "_CHUNK", block), ExitStack() as stack:
        assert writer._line_counts(data, 0, len(data)) == expected
        assert writer._line_counts(_file(stack, data), 0, len(data)) == expected
    assert writer._line_counts(b"ok\n\xff\n", 0, 5) is None


def test_diff_summary_of_files_across_slices() -> None:
    base = b"".join(b"%06d\n" % i for i in range(40_000))
    for at in (0, 65536, len(base) - 65537, len(base) - 1):
        changed = base[:at] + b"X\n" + base[at:]
        with ExitStack() as stack:
            assert _diff_summary(_file(stack, base), _file(stack, changed)) == _line_diff(base, changed)


def test_an_update_from_a_temporary_file_is_summarised(tmp_path: Path) -> None:
    old = "".join(f"case {i}\n" for i in range(5000)).encode()
    (tmp_path / "cases.json").write_bytes(old)
    with tempfile.TemporaryFile() as new:
        new.write(old.replace(b"case 4000\n", b"case four thousand\n"))
        new.flush()
        update = TreeUpdate(tmp_path, "aiccgen test", check=True)
        update.manifest = {"cases.json": "0"}  # as if aiccgen had written it
        update.add("cases.json", new)
    assert [(c.path, c.kind, c.detail) for c in update.changes] == [("cases.json", "update", "+1 -1 lines")]


def _selector(lengths: tuple[int, ...], when: int) -> SimpleNamespace:
    tables = [SimpleNamespace(class_name="T" + "x" * n) for n in lengths]
    cases = [("task_type", str(i), SimpleNamespace(class_name=f"When{i}" + "y" * lengths[0])) for i in range(when)]
    return SimpleNamespace(tables=tables, when=cases)


@pytest.mark.parametrize("when", [0, 1, 2])
@pytest.mark.parametrize("count", [1, 2, 3])
@pytest.mark.parametrize("length", [4, 20, 30, 45, 70])
def test_code_selector_layout_is_blacks(length: int, count: int, when: int) -> None:
    ref = _selector(tuple(length + i for i in range(count)), when)
    key = '"reason_code": '
    model = (f"class M:\n    __aicc_codes__: ClassVar[Mapping[str, CodeSelector]] = {{\n"
             f"        {key}{code_selector(ref, 8, key)},\n    }}\n")
    descriptor = f"OP = Operation(\n    business=BusinessRule(\n        selector={code_selector(ref, 8, 'selector=')},\n    ),\n)\n"
    for text in (model, descriptor):
        if any(len(line) > 88 for line in text.splitlines()):
            continue  # beyond the layouts built in: format_python sends it to black
        assert black.format_str(text, mode=MODE) == text


def test_format_python_on_a_module_matches_black() -> None:
    text = (
        f'"""Module.\n\n{LONG.strip()}\n"""\n\nimport os\n\n\n@decorator\nclass A:\n    """Doc."""\n\n'
        f'    MEANINGS = {{\n        "1": "{LONG}",\n    }}\n    x = f(a, b, description="{LONG}")\n\n\n'
        f"# a comment between statements\nY = 1\n\n\ndef g() -> None:\n    return h(aaaa, bbbb, "
        f"cccc, dddd, eeee, ffff, gggg, hhhh, iiii, jjjj, kkkk, llll, mmmm)\n"
    )
    cache = BlackCache(None)
    assert format_python(text, cache) == black.format_str(text, mode=MODE)
    assert cache.misses == 2  # class A (its call) and g; not the docstring or the dict entry


CHINESE = "呼叫状态，中文说明" * 6  # 54 characters, 162 bytes of UTF-8


def _modules() -> dict[str, str]:
    """Modules mixing kept and sent statements, short lines long in bytes, and docstrings."""
    sent, kept = list(SENT.values()), list(KEPT.values())
    return {
        "kept and sent": "\n\n".join(kept + sent),
        "only kept": "\n\n".join(kept),
        "short in characters, long in bytes": f'"""{CHINESE}"""\n\nX = {{\n    "1": "{CHINESE}",\n}}\n',
        "long in characters and bytes": f'"""Doc."""\n\nX = {{\n    "1": "{CHINESE * 2}",\n}}\n\n\n'
                                        f'y = f(a, b, description="{CHINESE}")\n# a closing comment\n\n',
        "long line in the module docstring": f'"""{LONG}{LONG}\n"""\n\nX = 1\n',
        "a line end str.splitlines knows": f'X = {{\n    "1": "{LONG}\u2028",\n}}\n\ny = f(a, b, c="{LONG}")\n',
        "not python": f"def (:\n    {LONG}\n",
    }


@pytest.mark.parametrize("name", _modules().keys())
def test_formatting_utf8_is_formatting_the_text(name: str) -> None:
    from generator.formatting import format_utf8

    text = _modules()[name]
    data = text.encode("utf-8")
    try:
        expected = format_python(text, BlackCache(None)).encode("utf-8")
    except Exception as exc:  # noqa: BLE001 (black refuses what is not Python: so must format_utf8)
        with pytest.raises(type(exc)):
            format_utf8(data, BlackCache(None))
        return
    assert format_utf8(data, BlackCache(None)) == expected
    if expected == data:
        assert format_utf8(data, BlackCache(None)) is data  # kept: the module itself, not a copy
