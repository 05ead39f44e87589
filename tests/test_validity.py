"""OpenAPI validity in shards, cached and in worker processes: the same verdict as one
openapi-spec-validator run over the whole document, for less work."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from generator import validity
from generator.validity import ValidityCheck, check_shard, shards
from generator.yamlio import YamlDocument


def big_spec(paths: int = 60) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "security": [{"bearer": []}],
        "paths": {},
        "components": {"schemas": {"Code": {"type": "string", "enum": ["0", "1"]}},
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
                       "parameters": {"Page": {"name": "page", "in": "query", "schema": {"type": "integer"}}}},
    }
    for i in range(paths):
        doc["components"]["schemas"][f"Body{i}"] = {
            "type": "object", "properties": {"code": {"$ref": "#/components/schemas/Code"},
                                             "name": {"type": "string", "maxLength": 32}}}
        doc["paths"][f"/op{i}"] = {"post": {
            "operationId": f"op{i}",
            "parameters": [{"$ref": "#/components/parameters/Page"}],
            "requestBody": {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/Body{i}"}}}},
            "responses": {"200": {"description": "ok"}}}}
    doc["components"]["schemas"]["Orphan"] = {"type": "object"}
    return doc


def document(data: dict[str, Any], path: Path) -> YamlDocument:
    return YamlDocument(str(path), "", data)


def broken(doc: dict[str, Any]) -> dict[str, Any]:
    """Four planted errors: in an operation, a referenced schema, an orphan, a parameter."""
    doc = copy.deepcopy(doc)
    doc["paths"]["/op7"]["post"]["responses"] = {"200": {"no-description": True}}
    doc["components"]["schemas"]["Body40"]["properties"]["name"]["maxLength"] = "32"
    doc["components"]["schemas"]["Orphan"]["type"] = "objet"
    doc["components"]["parameters"]["Page"]["in"] = "body"
    return doc


def verdict(pairs: list[tuple[str, str]]) -> set[tuple[str, str]]:
    return set(pairs)


def test_a_large_document_is_checked_in_shards_with_the_same_verdict(tmp_path: Path) -> None:
    doc = document(broken(big_spec()), tmp_path / "api.yaml")
    parts = shards(doc)
    assert len(parts) > 2
    assert {n for s in parts for n in s.document["paths"]} == set(doc.data["paths"])
    whole = verdict(check_shard(validity.Shard(doc.path, "3.1.0", doc.data)))
    sharded = verdict([f for s in parts for f in check_shard(s)])
    assert len(whole) >= 4
    assert sharded == whole


def test_a_clean_large_document_stays_clean_in_shards(tmp_path: Path) -> None:
    doc = document(big_spec(), tmp_path / "api.yaml")
    assert [f for s in shards(doc) for f in check_shard(s)] == []


def test_a_small_document_is_one_shard(tmp_path: Path) -> None:
    doc = document(big_spec(5), tmp_path / "api.yaml")
    assert [s.document for s in shards(doc)] == [doc.data]


def test_the_cache_rechecks_only_the_shard_that_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    checked: list[int] = []
    real = validity.check_shard

    def counting(shard: validity.Shard) -> list[tuple[str, str]]:
        checked.append(len(shard.document["paths"]))
        return real(shard)

    monkeypatch.setattr(validity, "check_shard", counting)
    data = big_spec()
    cache = tmp_path / "cache"

    def run(data: dict[str, Any]) -> list[str]:
        check = ValidityCheck.start(cache, workers=0)
        check.submit(document(data, tmp_path / "api.yaml"), {})
        return sorted(f"{f.pointer}: {f.message}" for f in check.findings())

    assert run(data) == []
    cold = len(checked)
    assert cold == len(shards(document(data, tmp_path / "api.yaml")))
    checked.clear()
    assert run(data) == []
    assert checked == []  # everything from the cache
    changed = copy.deepcopy(data)
    changed["components"]["schemas"]["Body40"]["properties"]["name"]["maxLength"] = "32"
    found = run(changed)
    expected = "/components/schemas/Body40/properties/name/maxLength: '32' is not of type 'integer'"
    assert len(checked) == 1 and found == [expected]
    checked.clear()
    assert run(changed) == found and checked == []  # findings are cached too


def test_workers_give_the_in_process_verdict(tmp_path: Path) -> None:
    doc = document(broken(big_spec()), tmp_path / "api.yaml")
    results = []
    for workers in (0, 2):
        check = ValidityCheck.start(None, workers=workers)
        check.submit(doc, {})
        results.append(sorted((f.pointer, f.message) for f in check.findings()))
    assert results[0] == results[1] and len(results[0]) >= 4


@pytest.mark.parametrize(("documents", "paths", "processes"), [(5, 1, 1), (1, 60, 2)])
def test_a_second_worker_only_for_enough_work(tmp_path: Path, documents: int, paths: int, processes: int) -> None:
    """A second worker imports the validator again (0.5 s of CPU): for five small
    documents that outlasted the whole check, so it is forked only for a large spec."""
    check = ValidityCheck.start(None, workers=2)
    for n in range(documents):
        check.submit(document(big_spec(paths), tmp_path / f"api{n}.yaml"), {})
    check.dispatch()
    forked = len(check._pools)
    assert check.findings() == []
    assert forked == processes


def test_every_worker_is_forked_at_start_for_large_specs(tmp_path: Path) -> None:
    """A worker forked after loading starts out sharing the loaded specs' pages (it was the
    largest process of a 1000-operation run): when the specs are large, fork both first."""
    from generator import validity

    (tmp_path / "a.yaml").write_bytes(b"x" * 600_000)
    (tmp_path / "b.yml").write_bytes(b"x" * 500_000)
    (tmp_path / "notes.txt").write_bytes(b"x" * 5_000_000)  # not a spec
    assert validity.spec_bytes(str(tmp_path)) == 1_100_000 > validity._EARLY_SECOND_BYTES
    assert validity.spec_bytes(str(tmp_path / "a.yaml")) == 600_000
    assert validity.spec_bytes(str(tmp_path / "missing.yaml")) == 0
    for size, processes in ((validity.spec_bytes(str(tmp_path)), 2), (validity.spec_bytes(str(tmp_path / "a.yaml")), 1)):
        check = ValidityCheck.start(None, workers=2, spec_bytes=size)
        try:
            assert len(check._pools) == processes
        finally:
            check.close()


def test_a_dead_worker_costs_time_not_the_verdict(tmp_path: Path) -> None:
    import os
    import signal

    doc = document(broken(big_spec()), tmp_path / "api.yaml")
    expected = sorted({pair for s in shards(doc) for pair in check_shard(s)})
    check = ValidityCheck.start(None, workers=1)
    [pool] = check._pools
    pool.submit(os.getpid).result()  # the worker is up
    for pid in list(pool._processes):
        os.kill(pid, signal.SIGKILL)
    check.submit(doc, {})
    assert sorted({(f.pointer, f.message) for f in check.findings()}) == expected


def _crash(*_args: Any, **_kwargs: Any) -> Any:
    raise KeyError("the builder met a shape it does not expect")


@pytest.mark.parametrize("command", ["validate", "generate"])
def test_a_builder_crash_on_an_invalid_spec_reports_the_validator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    """The IR is built before openapi-spec-validator answers: its findings win a crash."""
    import json

    from generator import pipeline
    from generator.cli import main

    monkeypatch.setattr(pipeline, "build_api", _crash)
    spec = big_spec(2)
    spec["info"]["version"] = 1  # the OpenAPI schema wants a string
    path = tmp_path / "api.json"
    path.write_text(json.dumps(spec))
    args = [command, str(path)] if command == "validate" else [command, "--specs", str(path),
                                                                "--out", str(tmp_path / "out")]
    assert main(args) == 1
    captured = capsys.readouterr()
    said = captured.out + captured.err
    assert "/info/version" in said and "is not of type" in said and "internal error" not in said
    assert not (tmp_path / "out").exists()
    spec["info"]["version"] = "1"
    path.write_text(json.dumps(spec))
    assert main(args) == 4  # a valid spec that breaks the builder is aiccgen's bug
