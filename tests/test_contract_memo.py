"""Contract cases kept between runs (`contract._Memo`, `memo.FrameStore`).

A kept operation's cases must be exactly what a run without the cache makes: after any
edit, cases.json and the coverage report are compared byte for byte with a fresh run.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from generator import contract, memo
from generator.build import build_api
from generator.contract import build_cases, coverage
from generator.specset import load_spec_set

ROOT = Path(__file__).resolve().parents[1]


def cases(specs: Path, cache: Path | None, api_change: Any = None) -> tuple[bytes, Any, contract.Cases]:
    """cases.json, the coverage report and the Cases of one run over `specs`."""
    spec_set = load_spec_set([str(specs)], cache)
    api, _findings = build_api(spec_set)
    if api_change is not None:
        api = api_change(api)
    made = build_cases(spec_set, api)
    made.json.seek(0)
    return made.json.read(), coverage(made), made


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture()
def specs(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    return tmp_path / "specs"


EDITS = {
    # a limit added to a request field: the operation's own schema
    "limit": ("mobile-agent.yaml", "          maxLength: 32\n", "          maxLength: 32\n          minLength: 1\n"),
    # a code's meaning, in another file that operations reach through $ref
    "code meaning": ("codes.yaml", "x-enum-descriptions: [to be called,", "x-enum-descriptions: [waiting to be called,"),
    # an erratum's targets: read from the IR (the example's erratum fields), outside the operation
    "erratum target": ("cms.yaml", "      - /components/schemas/QueryBasicCallInfoRequest/properties/callId\n",
                       ("      - /components/schemas/QueryBasicCallInfoRequest/properties/callId\n"
                        "      - /components/schemas/BasicCallInfo/properties/callSkill\n")),
    # a documented example's value
    "example": ("cms.yaml", 'callId: "1453723531-574"}', 'callId: "1453723531-575"}'),
    # the operation id: case ids, the client method
    "operation id": ("mobile-agent.yaml", "operationId: queryCallState\n", "operationId: queryCallStatus\n"),
}


@pytest.mark.parametrize("kind", sorted(EDITS))
def test_after_an_edit_the_kept_cases_are_a_fresh_run_s(specs: Path, tmp_path: Path, kind: str) -> None:
    cache = tmp_path / "cache"
    _, _, first = cases(specs, cache)
    assert first.reused == 0 and first.computed > 0
    file, old, new = EDITS[kind]
    edit(specs / file, old, new)
    warm_json, warm_report, warm = cases(specs, cache)
    fresh_json, fresh_report, fresh = cases(specs, None)
    assert warm_json == fresh_json
    assert warm_report == fresh_report and warm.keywords == fresh.keywords
    # Something was kept, and the edit was seen.
    assert warm.reused > 0 and warm.computed > 0
    assert warm.reused + warm.computed == first.computed


def test_an_edit_remakes_only_the_cases_that_read_it(specs: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    _, _, first = cases(specs, cache)
    _, _, again = cases(specs, cache)
    assert (again.reused, again.computed) == (first.computed, 0)
    # createCall's request schema: read by createCall's cases only
    edit(specs / "mobile-agent.yaml", *EDITS["limit"][1:])
    _, _, warm = cases(specs, cache)
    assert warm.computed == 1


def test_a_code_table_answered_otherwise_remakes_the_cases_that_asked(specs: Path, tmp_path: Path) -> None:
    """A table's class name comes from the whole spec set (two tables wanting one name):
    it is not in an operation's key, so the cases record what they read of it."""
    cache = tmp_path / "cache"
    cases(specs, cache)

    def renamed(api: Any) -> Any:
        tables = tuple(dataclasses.replace(t, class_name=t.class_name + "Renamed") if t.class_name == "CallState"
                       else t for t in api.code_tables)
        return dataclasses.replace(api, code_tables=tables)

    warm_json, _, warm = cases(specs, cache, renamed)
    fresh_json, _, _ = cases(specs, None, renamed)
    assert warm_json == fresh_json
    assert b'"table": "CallStateRenamed"' in warm_json
    # queryCallState and queryCallDetailRecord read CallState, and so does its own table's cases
    assert warm.computed == 3 and warm.reused > 0


@pytest.mark.parametrize("damage", ["flipped byte", "truncated", "other stamp", "garbage"])
def test_a_damaged_store_costs_time_not_correctness(specs: Path, tmp_path: Path, damage: str) -> None:
    cache = tmp_path / "cache"
    cold_json, _, cold = cases(specs, cache)
    store = cache / "cases.marshal"
    raw = store.read_bytes()
    stamp_end = raw.index(b"\n") + 1
    if damage == "flipped byte":
        at = stamp_end + (len(raw) - stamp_end) // 2
        store.write_bytes(raw[:at] + bytes([raw[at] ^ 0x01]) + raw[at + 1:])
    elif damage == "truncated":
        store.write_bytes(raw[: (stamp_end + len(raw)) // 2])
    elif damage == "other stamp":
        store.write_bytes(raw[: stamp_end - 2] + b"?" + raw[stamp_end - 1:])
    else:
        store.write_bytes(os.urandom(len(raw)))
    warm_json, _, warm = cases(specs, cache)
    assert warm_json == cold_json
    assert warm.reused + warm.computed == cold.computed
    if damage in ("flipped byte", "truncated"):
        assert 0 < warm.reused < cold.computed
    else:
        assert warm.reused == 0
    _, _, healed = cases(specs, cache)
    assert healed.computed == 0  # the run after the damage wrote a whole store again


# -- FrameStore ------------------------------------------------------------------------

STAMP = "test store 1\n"


def stored(file: Path, **payloads: Any) -> None:
    """A store at `file` holding `payloads`, keyed by their names (16 bytes each)."""
    store = memo.FrameStore(file, STAMP)
    for name, value in payloads.items():
        store.put(name.encode() * 16, value)
    store.commit()


def test_a_store_keeps_what_a_run_used(tmp_path: Path) -> None:
    file = tmp_path / "s.marshal"
    first = memo.FrameStore(file, STAMP)
    for n in range(5):
        assert first.get(bytes([n]) * 16) is None
        first.put(bytes([n]) * 16, {"n": n, "text": "值" * n, "items": [n, float(n), None, True]})
    first.commit()
    second = memo.FrameStore(file, STAMP)
    assert len(second) == 5
    assert second.get(bytes([3]) * 16) == {"n": 3, "text": "值值值", "items": [3, 3.0, None, True]}
    second.put(b"\x09" * 16, "new")
    second.commit()
    third = memo.FrameStore(file, STAMP)
    # the run used one kept payload and made one: the other four are gone
    assert len(third) == 2 and third.get(bytes([3]) * 16)["n"] == 3 and third.get(b"\x09" * 16) == "new"
    third.commit()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.marshal"]


def test_a_run_that_used_exactly_the_store_leaves_the_file_alone(tmp_path: Path) -> None:
    file = tmp_path / "s.marshal"
    stored(file, a=1)
    before = os.stat(file)
    again = memo.FrameStore(file, STAMP)
    assert again.get(b"a" * 16) == 1
    again.commit()
    after = os.stat(file)
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.marshal"]


def test_a_run_that_fails_keeps_the_last_store(tmp_path: Path) -> None:
    file = tmp_path / "s.marshal"
    stored(file, a=1)
    kept = file.read_bytes()
    failing = memo.FrameStore(file, STAMP)
    failing.put(b"b" * 16, 2)
    failing.close()
    assert file.read_bytes() == kept
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.marshal"]


def test_what_marshal_cannot_keep_is_not_kept(tmp_path: Path) -> None:
    file = tmp_path / "s.marshal"
    stored(file, a=object(), b=2)
    again = memo.FrameStore(file, STAMP)
    assert again.get(b"a" * 16) is None and again.get(b"b" * 16) == 2


def test_a_store_of_another_stamp_is_empty(tmp_path: Path) -> None:
    file = tmp_path / "s.marshal"
    stored(file, a=1)
    assert len(memo.FrameStore(file, "test store 2\n")) == 0
    with pytest.raises(ValueError):
        memo.FrameStore(file, "two\nlines\n")
