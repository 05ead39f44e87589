"""Benchmarks of the generated client: decoding, request validation, import time.

    python benchmarks/client_bench.py --client DIR --oapc DIR --json OUT [--samples N]

``--client`` is the folder holding the generated ``aicc_client`` package (``generated/client``
or a fresh ``aiccgen generate`` output); ``--oapc`` the folder holding the package that
openapi-python-client generated from ``mobile-agent.inline.yaml``. Runs inside the benchmark
venv (msgspec, httpx, pydantic, orjson, attrs). See benchmarks/README.md for what is measured.

Timing: each candidate's loop count is calibrated so that one sample takes about
``--sample-seconds``; then ``--samples`` samples are taken round-robin (candidate order
rotated every round, so drift hits all alike) and the per-call median is reported. The
garbage collector stays on: decoders that allocate more objects pay for it, as they do in
an application.
"""

from __future__ import annotations

import argparse
import copy
import gc
import glob
import importlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent


# -- the payload ---------------------------------------------------------------------------

def documented_response() -> dict[str, Any]:
    """The queryCallDetailRecord 200 example of specs/mobile-agent.yaml, as data."""
    from generator.yamlio import load_yaml

    data = load_yaml(ROOT / "specs" / "mobile-agent.yaml").data
    op = data["paths"]["/apiaccess/CC-Management/v1/mobileAgent/queryCallDetailRecord"]["post"]
    return op["responses"]["200"]["content"]["application/json"]["examples"]["documented"]["value"]


def page_of_records(n: int = 100) -> bytes:
    """One response page of `n` records, varied, built from the documented example.

    As on the page, the timestamps and durations the table types String are numbers in
    most records (the documented example sends them so: erratum QCDR-2); every fourth
    record sends them as strings of digits, as the table says. Codes vary over the
    documented tables, taskType is present in some records (with ITA reason codes for
    taskType "4"), callData in every third."""
    doc = documented_response()
    template = doc["result"]["callInfo"][0]
    time_fields = [k for k, v in template.items() if k.endswith("Time")]
    records = []
    for i in range(n):
        r = copy.deepcopy(template)
        shift = i * 61_000
        for k in time_fields:
            r[k] = template[k] + shift
        r["talkDuration"] = 20 + i % 40
        r["agentTalkDuration"] = 21 + i % 40
        r["callSerialNo"] = str(int(template["callSerialNo"]) + i * 7919)
        r["caller"] = f"8888{9050 + i:04d}"
        r["called"] = f"8888{9060 + 3 * i:05d}"
        r["state"] = i % 4
        r["reasonCode"] = i % 7
        if i % 5 == 0:
            r["taskType"] = str(i % 5 + (i // 5) % 5)
            if r["taskType"] == "4":
                r["reasonCode"] = 17 + i % 30
        if i % 3 == 0:
            r["callData"] = f"campaign-{i // 3};priority={i % 4}"
        if i % 4 == 0:
            for k in time_fields + ["talkDuration", "agentTalkDuration"]:
                r[k] = str(r[k])
        records.append(r)
    page = {
        "result": {"total": 10 * n, "callInfo": records},
        "retCode": doc["retCode"],
        "retMsg": doc["retMsg"],
    }
    return json.dumps(page, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# -- pydantic v2 models, by hand, mirroring the spec's constraints -------------------------

def pydantic_models() -> dict[str, Any]:
    """CallDetailRecord & co. as pydantic v2 models with the constraints the spec gives
    (maxLength, minimum/maximum, required fields) and its lax unions (a String field the
    example sends as a number is ``str | int``). Strict mode, like msgspec: no coercion
    of "3" to 3, so both accept and reject the same documents."""
    from typing import Annotated

    from pydantic import BaseModel, ConfigDict, Field

    Str32 = Annotated[str, Field(max_length=32)]
    Lax = str | int

    class _Base(BaseModel):
        model_config = ConfigDict(strict=True, populate_by_name=True, extra="ignore")

    class CallDetailRecord(_Base):
        call_serial_no: str | None = Field(None, alias="callSerialNo")
        caller: Str32 | None = None
        called: Str32 | None = None
        start_time: Lax | None = Field(None, alias="startTime")
        end_time: Lax | None = Field(None, alias="endTime")
        state: Annotated[int, Field(ge=0, le=9)] | None = None
        reason_code: Annotated[int, Field(ge=0, le=65535)] | None = Field(None, alias="reasonCode")
        call_data: Annotated[str, Field(max_length=1024)] | None = Field(None, alias="callData")
        caller_present: Str32 | None = Field(None, alias="callerPresent")
        alerting_time: Lax | None = Field(None, alias="alertingTime")
        talking_time: Lax | None = Field(None, alias="talkingTime")
        release_time: Lax | None = Field(None, alias="releaseTime")
        talk_duration: Lax | None = Field(None, alias="talkDuration")
        agent_alerting_time: Lax | None = Field(None, alias="agentAlertingTime")
        agent_talking_time: Lax | None = Field(None, alias="agentTalkingTime")
        agent_release_time: Lax | None = Field(None, alias="agentReleaseTime")
        agent_talk_duration: Lax | None = Field(None, alias="agentTalkDuration")
        task_type: str | None = Field(None, alias="taskType")
        agent_present: Str32 | None = Field(None, alias="agentPresent")

    class CallDetailRecordPage(_Base):
        total: Annotated[int, Field(ge=0)] | None = None
        call_info: list[CallDetailRecord] | None = Field(None, alias="callInfo")

    class QueryCallDetailRecordResponse(_Base):
        ret_code: str = Field(alias="retCode")
        ret_msg: str = Field(alias="retMsg")
        result: CallDetailRecordPage | None = None

    class CreateCallRequest(_Base):
        soft_phone: Str32 = Field(alias="softPhone")
        called: Str32
        caller: Str32 | None = None
        call_data: Annotated[str, Field(max_length=1024)] | None = Field(None, alias="callData")
        caller_present: str | None = Field(None, alias="callerPresent")

    return {"response": QueryCallDetailRecordResponse, "create_call": CreateCallRequest}


# -- timing --------------------------------------------------------------------------------

def _sample(fn: Callable[[], Any], loops: int) -> float:
    start = time.perf_counter()
    for _ in range(loops):
        fn()
    return time.perf_counter() - start


def compare(candidates: dict[str, Callable[[], Any]], samples: int, sample_seconds: float) -> dict[str, Any]:
    loops = {}
    for name, fn in candidates.items():
        fn()  # warm: imports, caches, type info
        n = 1
        while True:
            t = _sample(fn, n)
            if t >= sample_seconds / 4 or n >= 1 << 22:
                break
            n *= 2
        loops[name] = max(1, int(n * sample_seconds / max(t, 1e-9)))
    per_call: dict[str, list[float]] = {name: [] for name in candidates}
    names = list(candidates)
    for s in range(samples):
        order = names[s % len(names):] + names[: s % len(names)]
        for name in order:
            gc.collect()
            per_call[name].append(_sample(candidates[name], loops[name]) / loops[name])
    return {
        name: {"median_us": statistics.median(v) * 1e6, "min_us": min(v) * 1e6, "max_us": max(v) * 1e6,
               "loops": loops[name], "samples": len(v)}
        for name, v in per_call.items()
    }


# -- the benchmarks ------------------------------------------------------------------------

def decode_bench(client_dir: str, oapc_dir: str, samples: int, sample_seconds: float) -> dict[str, Any]:
    import msgspec
    import orjson

    sys.path[:0] = [client_dir, oapc_dir]
    mobile_agent = importlib.import_module("aicc_client.mobile_agent")
    oapc_pkg = _oapc_package(oapc_dir)
    oapc_models = importlib.import_module(f"{oapc_pkg}.models")
    Oapc = oapc_models.QueryCallDetailRecordResponse
    Pyd = pydantic_models()["response"]
    Ours = mobile_agent.QueryCallDetailRecordResponse
    payload = page_of_records(100)

    def ours() -> Any:  # what the runtime does with a 2xx body (_client.py, _finish)
        return msgspec.json.decode(payload, type=Ours)

    candidates = {
        "json.loads (dicts)": lambda: json.loads(payload),
        "orjson.loads (dicts)": lambda: orjson.loads(payload),
        "aiccgen client (msgspec Structs)": ours,
        "pydantic v2 model_validate_json": lambda: Pyd.model_validate_json(payload),
        "openapi-python-client from_dict(json.loads)": lambda: Oapc.from_dict(json.loads(payload)),
    }
    # Same answers: 100 records, the same values where the types agree.
    a, p, o = ours(), Pyd.model_validate_json(payload), Oapc.from_dict(json.loads(payload))
    assert len(a.result.call_info) == len(p.result.call_info) == len(o.result.call_info) == 100
    for x, y, z in zip(a.result.call_info, p.result.call_info, o.result.call_info):
        assert x.start_time == y.start_time == z.start_time and x.caller == y.caller == z.caller
        assert x.reason_code == y.reason_code == int(z.reason_code)
    # ... and the same refusals: a constraint broken deep in the page.
    bad = json.loads(payload)
    bad["result"]["callInfo"][57]["caller"] = "9" * 33
    bad_bytes = json.dumps(bad).encode()
    refused = {}
    for name, fn in (("aiccgen", lambda: msgspec.json.decode(bad_bytes, type=Ours)),
                     ("pydantic", lambda: Pyd.model_validate_json(bad_bytes)),
                     ("openapi-python-client", lambda: Oapc.from_dict(json.loads(bad_bytes)))):
        try:
            fn()
            refused[name] = False
        except Exception:
            refused[name] = True
    results = compare(candidates, samples, sample_seconds)
    return {"payload_bytes": len(payload), "records": 100, "results": results,
            "refuses_caller_of_33_chars": refused}


def validation_bench(client_dir: str, samples: int, sample_seconds: float) -> dict[str, Any]:
    if client_dir not in sys.path:
        sys.path.insert(0, client_dir)
    mobile_agent = importlib.import_module("aicc_client.mobile_agent")
    runtime = importlib.import_module("aicc_client._runtime")
    op = mobile_agent._CREATE_CALL
    # As MobileAgentClient.create_call passes them: wire names, unset arguments None.
    params = {"X-APP-Key": None}
    body = {"caller": "88889050", "softPhone": "66666666", "called": "88889060", "callData": None,
            "callerPresent": None}
    bad_body = {**body, "caller": "8" * 33}
    Pyd = pydantic_models()["create_call"]
    clean = {k: v for k, v in body.items() if v is not None}

    def invalid() -> None:
        try:
            runtime.validate_request(op, params, bad_body)
        except runtime.RequestValidationError:
            return
        raise AssertionError("a 33-character caller was accepted")

    candidates = {
        "aiccgen validate_request (valid createCall)": lambda: runtime.validate_request(op, params, body),
        "aiccgen validate_request (invalid: caller of 33 chars)": invalid,
        "pydantic v2 model_validate (valid createCall)": lambda: Pyd.model_validate(clean),
    }
    return {"results": compare(candidates, samples, sample_seconds)}


def import_bench(client_dir: str, runs: int) -> dict[str, Any]:
    # Bytecode caching on (as for a user): the first run below writes the .pyc files.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = client_dir
    statements = {
        "python -c pass": "pass",
        "import httpx": "import httpx",
        "import aicc_client": "import aicc_client",  # its __init__ imports every family module
    }
    for code in statements.values():  # write the .pyc files first
        subprocess.run([sys.executable, "-c", code], env=env, check=True)
    times: dict[str, list[float]] = {name: [] for name in statements}
    names = list(statements)
    for r in range(runs):
        order = names[r % len(names):] + names[: r % len(names)]
        for name in order:
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", statements[name]], env=env, check=True)
            times[name].append(time.perf_counter() - start)
    out: dict[str, Any] = {
        name: {"median_ms": statistics.median(v) * 1e3, "min_ms": min(v) * 1e3, "max_ms": max(v) * 1e3, "runs": len(v),
               "samples_ms": [round(x * 1e3, 2) for x in v]}
        for name, v in times.items()
    }
    # The target compares the client with httpx. Within one round the two run seconds apart,
    # so the median of the per-round differences follows the machine's drift less than the
    # difference of the two medians does (the host's speed moves by 20-35 % within an hour).
    extra = [a - h for a, h in zip(times["import aicc_client"], times["import httpx"])]
    out["paired_extra_ms"] = {"median": statistics.median(extra) * 1e3,
                              "q1": statistics.quantiles(extra, n=4)[0] * 1e3,
                              "q3": statistics.quantiles(extra, n=4)[2] * 1e3, "rounds": len(extra)}
    # Where the client's import time goes (one -X importtime run): cumulative microseconds.
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", statements["import aicc_client"]],
                          env=env, capture_output=True, text=True, check=True)
    self_us: dict[str, int] = {}
    cumulative: dict[str, int] = {}
    for line in proc.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if not line.startswith("import time:") or len(parts) != 3:
            continue
        try:
            own, cum = int(parts[0]), int(parts[1])
        except ValueError:
            continue  # the header line
        name = parts[2].strip()
        self_us[name] = self_us.get(name, 0) + own
        cumulative[name] = max(cumulative.get(name, 0), cum)
    watched = ["aicc_client", "aicc_client._runtime", "httpx", "msgspec", "aicc_client.codes",
               "aicc_client.mobile_agent", "aicc_client.cms", "aicc_client.isales", "aicc_client.token"]
    out["importtime_cumulative_us"] = {m: cumulative[m] for m in watched if m in cumulative}
    out["importtime_top_self_us"] = dict(sorted(self_us.items(), key=lambda kv: -kv[1])[:12])
    return out


def _oapc_package(oapc_dir: str) -> str:
    found = [Path(p).parent.parent.name for p in glob.glob(os.path.join(oapc_dir, "*", "models", "__init__.py"))]
    if len(found) != 1:
        raise SystemExit(f"expected one openapi-python-client package in {oapc_dir}, found {found}")
    return found[0]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--client", required=True)
    parser.add_argument("--oapc", required=True)
    parser.add_argument("--json", required=True)
    parser.add_argument("--samples", type=int, default=21)
    parser.add_argument("--sample-seconds", type=float, default=0.05)
    parser.add_argument("--import-runs", type=int, default=31)
    parser.add_argument("--payload-out", help="also write the 100-record page here")
    args = parser.parse_args()
    client, oapc = os.path.abspath(args.client), os.path.abspath(args.oapc)
    if args.payload_out:
        Path(args.payload_out).write_bytes(page_of_records(100))
    out = {
        "import": import_bench(client, args.import_runs),
        "decode": decode_bench(client, oapc, args.samples, args.sample_seconds),
        "validate": validation_bench(client, args.samples, args.sample_seconds),
    }
    Path(args.json).write_text(json.dumps(out, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
