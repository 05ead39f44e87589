"""Contract tests of the generated client against the specs; generated, do not edit.

Package under test: ``aicc_client``.

Each case is named after the spec fact it checks (``createCall-softPhone-maxLength+1``:
one character past the documented limit). The cases are in ``cases.json``; the
keyword-coverage report, ``keyword-coverage.md``, lists which cases cover which keyword.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib
import json
from typing import Any

import aicc_client as package
import msgspec
import pytest
from aicc_client import codes
from aicc_client._runtime import validate_request
from conftest import CASES, SPECS

KEYWORDS = [
    "maxLength",
    "minLength",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "pattern",
    "enum",
    "required",
]


def cases(kind: str) -> list[Any]:
    return [pytest.param(c, id=c["id"]) for c in CASES["cases"] if c["kind"] == kind]


def operation(case: dict[str, Any]) -> Any:
    module = importlib.import_module(f"{package.__name__}.{case['family']}")
    return getattr(module, case["const"])


def attribute(obj: Any, wire_path: list[Any]) -> tuple[Any, str]:
    """Follow a wire path (JSON names, list indexes) through decoded structs: the
    struct holding the last field, and that field's attribute name."""
    owner, name = obj, ""
    for token in wire_path:
        if name:
            owner, name = getattr(owner, name), ""
        if isinstance(token, int):
            owner = owner[token]
            continue
        fields = dict(zip(owner.__struct_encode_fields__, owner.__struct_fields__))
        name = fields[token]
    return owner, name


@pytest.mark.parametrize("case", cases("request"))
def test_request(case: dict[str, Any]) -> None:
    op = operation(case)
    expect = case["expect"]
    if expect["ok"]:
        validate_request(op, case["params"], case["body"])
        return
    with pytest.raises(package.RequestValidationError) as info:
        validate_request(op, case["params"], case["body"])
    assert info.value.wire_field == expect["field"]
    assert info.value.constraint == expect["constraint"]


@pytest.mark.parametrize("case", cases("response"))
def test_response(case: dict[str, Any]) -> None:
    op = operation(case)
    body = json.dumps(case["body"]).encode()
    expect = case["expect"]
    if not expect["ok"]:
        with pytest.raises(msgspec.ValidationError):
            msgspec.json.decode(body, type=op.response_type)
        return
    decoded = msgspec.json.decode(body, type=op.response_type)
    if "known" in expect:
        owner, name = attribute(decoded, expect["field"])
        info = owner.code_info(name)
        assert info is not None and info.known is expect["known"]
    if expect.get("table"):
        owner, name = attribute(decoded, expect["field"])
        value = getattr(owner, name)
        described = getattr(codes, expect["table"]).describe(value)
        assert described.known and described.meaning == expect["meaning"]


@pytest.mark.parametrize("case", cases("example"))
def test_documented_example(case: dict[str, Any]) -> None:
    """Every documented example decodes, or fails exactly as its erratum records."""
    if case["verbatim"] is not None and case["verbatim_is_json"] is False:
        assert case["errata"], "an example that is not JSON needs an erratum"
        with pytest.raises(ValueError):
            json.loads(case["verbatim"])
    op = operation(case)
    value = case["value"]
    if case["direction"] == "response":
        decoded = msgspec.json.decode(json.dumps(value).encode(), type=op.response_type)
        assert decoded is not None
        return
    if case["expect"]["ok"]:
        validate_request(op, {}, value)
        return
    assert case["errata"], "a request example that breaks its schema needs an erratum"
    with pytest.raises(package.RequestValidationError) as info:
        validate_request(op, {}, value)
    broken = sorted({v.lstrip("/").split("/")[0] for v in case["violations"]})
    assert broken == case["erratum_fields"]
    assert info.value.wire_field in broken
    repaired = {k: str(v) if k in broken else v for k, v in value.items()}
    validate_request(op, {}, repaired)


@pytest.mark.parametrize("case", cases("code"))
def test_code_table_value(case: dict[str, Any]) -> None:
    table = getattr(codes, case["table"])
    member = table[case["name"]]
    assert member.value == case["value"]
    assert member.meaning == case["meaning"]
    assert member.label == case["label"]
    described = table.describe(case["value"])
    assert described.known and described.name == case["name"]
    assert described.meaning == case["meaning"]


@pytest.mark.parametrize("case", cases("code-outside"))
def test_code_table_outside_value(case: dict[str, Any]) -> None:
    described = getattr(codes, case["table"]).describe(case["value"])
    assert not described.known and described.name is None
    assert described.meaning == case["other"]


def make_client(family: str, is_async: bool, base_url: str, **kw: Any) -> Any:
    spec = CASES["clients"][family]
    module = importlib.import_module(f"{package.__name__}.{spec['module']}")
    cls = getattr(module, spec["async_class" if is_async else "class"])
    kwargs: dict[str, Any] = {"base_url": base_url, **kw}
    if spec["auth"] == "signer":
        kwargs["signer"] = sign
    else:
        kwargs.update({name: f"test-{name}" for name in spec["credentials"]})
    client = cls(**kwargs)
    client._sleep = (lambda _d: asyncio.sleep(0)) if is_async else (lambda _d: None)
    return client


def sign(request: Any) -> None:
    request.headers["Authorization"] = "test-signature"


def nonce(case: dict[str, Any]) -> str:
    """An ASCII token per case (HTTP headers are ASCII; case ids may not be)."""
    return hashlib.sha256(case["id"].encode()).hexdigest()[:16]


def call(case: dict[str, Any], client: Any, prefer: str) -> Any:
    method = getattr(client, case["call"]["method"])
    return method(**case["call"]["kwargs"], extra_headers={"Prefer": prefer})


@pytest.mark.parametrize("case", cases("wire"))
def test_wire_round_trip(case: dict[str, Any], mock: Any, oracle: Any) -> None:
    """The client's request passes the spec (openapi-core); the answer decodes."""
    before = len(mock.requests_for(case["operation"]))
    prefer = f"dynamic, nonce={nonce(case)}"
    if case["mode"] == "async":

        async def run() -> Any:
            async with make_client(case["family"], True, mock.url) as client:
                return await call(case, client, prefer)

        result = asyncio.run(run())
    else:
        with make_client(case["family"], False, mock.url) as client:
            result = call(case, client, prefer)
    sent = mock.requests_for(case["operation"])[before:]
    assert len(sent) == 1
    oracle(case["spec"], case["family"], sent[0])
    if case["call"]["response"]:
        assert isinstance(result, msgspec.Struct | list)


FAULTS = {
    "429": "dynamic, fault=429, retry-after=0, times=1",
    "500": "dynamic, fault=500, times=2",
    "timeout": "dynamic, fault=timeout, delay=800",
    "malformed": "dynamic, fault=malformed",
    "401-refresh": "dynamic, fault=401, times=1",
    "unknown-code": "dynamic, code=9999999",
}


@pytest.mark.parametrize("case", cases("fault"))
def test_fault(case: dict[str, Any], mock: Any) -> None:
    fault, safe = case["fault"], case["call"]["retry_safe"]
    op_id = case["operation"]
    prefer = f"{FAULTS[fault]}, nonce={nonce(case)}"
    before = len(mock.requests_for(op_id))
    tokens_before = len(mock.requests_for("tokenByAkSk"))
    timeout = 0.2 if fault == "timeout" else None
    kw: dict[str, Any] = {"timeout": timeout} if timeout else {}
    with make_client(case["family"], False, mock.url, max_retries=2, **kw) as client:
        if fault in ("429", "500") and safe:
            call(case, client, prefer)
            sent = len(mock.requests_for(op_id)) - before
            assert sent == (2 if fault == "429" else 3)
            return
        if fault == "401-refresh":
            call(case, client, prefer)
            assert len(mock.requests_for(op_id)) - before == 2
            assert len(mock.requests_for("tokenByAkSk")) - tokens_before == 2
            return
        expected = {
            "429": package.RateLimitError,
            "500": package.ServerError,
            "timeout": (
                package.APITimeoutError if safe else package.RequestOutcomeUnknownError
            ),
            "malformed": package.ResponseDecodeError,
            "unknown-code": package.BusinessError,
        }[fault]
        with pytest.raises(expected) as info:
            call(case, client, prefer)
    if fault == "unknown-code":
        error = info.value
        assert isinstance(error, package.BusinessError)
        assert error.code == "9999999" and not error.known
    if not safe:
        assert len(mock.requests_for(op_id)) - before == 1  # never resent


def reachable(spec_set: Any) -> set[tuple[str, str]]:
    """(file, pointer) of every node an operation reaches, following references."""
    from generator.specset import iter_operations

    seen: set[tuple[str, str]] = set()
    stack: list[tuple[str, str, Any]] = []
    for doc in spec_set.documents():
        for op_pointer, _url, _method, op in iter_operations(doc.data):
            stack.append((doc.path, op_pointer, op))
    while stack:
        path, pointer, node = stack.pop()
        name = path.rsplit("/", 1)[-1]
        if (name, pointer) in seen:
            continue
        seen.add((name, pointer))
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                ref = {"$ref": node["$ref"]}
                target, target_pointer, value = spec_set.deref(path, ref)
                stack.append((target, target_pointer or "", value))
            for key, value in node.items():
                if not key.startswith("x-") and isinstance(value, (dict, list)):
                    token = key.replace("~", "~0").replace("/", "~1")
                    stack.append((path, f"{pointer}/{token}", value))
        elif isinstance(node, list):
            stack.extend((path, f"{pointer}/{i}", v) for i, v in enumerate(node))
    return seen


def spec_keywords() -> set[tuple[str, str, str]]:
    """Every constraint keyword written in the spec files where an operation reaches it,
    and every code table, found by walking the files here, apart from the generator that
    wrote the cases. (A limit on a schema no operation uses constrains nothing.)"""
    from generator.specset import iter_operations, iter_schemas, load_spec_set

    spec_set = load_spec_set([str(SPECS)])
    used = reachable(spec_set)
    found: set[tuple[str, str, str]] = set()
    for doc in spec_set.documents():
        name = doc.path.rsplit("/", 1)[-1]
        for pointer, schema in iter_schemas(doc.data):
            for keyword in KEYWORDS:
                value = schema.get(keyword)
                if value is None or value == [] or isinstance(value, bool):
                    continue
                if (name, pointer) in used or keyword == "enum":
                    found.add((name, pointer, keyword))
        params = (doc.data.get("components") or {}).get("parameters") or {}
        for key, param in params.items():
            if isinstance(param, dict) and param.get("required"):
                found.add((name, f"/components/parameters/{key}", "required"))
        for op_pointer, _url, _method, op in iter_operations(doc.data):
            for i, param in enumerate(op.get("parameters") or []):
                if isinstance(param, dict) and param.get("required"):
                    found.add((name, f"{op_pointer}/parameters/{i}", "required"))
    return found


def test_keyword_coverage() -> None:
    """Each constraint keyword has a positive and a negative case, for its value."""
    covered: dict[tuple[str, str, str], dict[str, Any]] = {}
    for case in CASES["cases"]:
        for cover in case["covers"]:
            c = CASES["keywords"][cover["keyword"]]
            entry = covered.setdefault(
                (c["file"], c["pointer"], c["keyword"]),
                {"value": c["value"], "positive": 0, "negative": 0},
            )
            entry[cover["polarity"]] += 1
    missing = []
    for key in sorted(spec_keywords()):
        found = covered.get(key)
        if found is None or not found["positive"] or not found["negative"]:
            missing.append(f"{key[0]}#{key[1]} {key[2]}: {found or 'no case'}")
    listed = "\n".join(missing)
    assert missing == [], f"keywords without a positive and a negative case:\n{listed}"
    from generator.specset import get_pointer, load_spec_set

    spec_set = load_spec_set([str(SPECS)])
    stale = []
    for (file, pointer, keyword), entry in covered.items():
        node = get_pointer(spec_set.doc(str(SPECS / file)).data, pointer)
        value = node.get(keyword) if keyword != "required" else entry["value"]
        if keyword == "enum":
            value = list(value)
        if keyword != "required" and value != entry["value"]:
            was = entry["value"]
            stale.append(f"{file}#{pointer} {keyword}: spec {value!r}, cases {was!r}")
    listed = "\n".join(stale)
    assert stale == [], f"the spec changed since the cases were generated:\n{listed}"
