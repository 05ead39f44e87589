"""`aiccgen mock`: a loopback server that serves the specs, checked by schemathesis."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from generator.mock import MockServer

ROOT = Path(__file__).resolve().parents[1]
CREATE = "/apiaccess/CC-Management/v3/mobileAgent/createCall"
STATE = "/apiaccess/CC-Management/v1/mobileAgent/queryCallState"
CDR = "/apiaccess/CC-Management/v1/mobileAgent/queryCallDetailRecord"
TOKEN = "/apigovernance/api/oauth/tokenByAkSk"
ISALES = "/rest/isales/v1/openapi/campaigns/{vdn}/callresultdetail/c-1"


@pytest.fixture(scope="module")
def mock() -> Iterator[MockServer]:
    with MockServer([str(ROOT / "specs")], seed=7, signature="test-signature") as server:
        yield server


@pytest.fixture()
def http(mock: MockServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=mock.url, timeout=5) as client:
        token = client.post(TOKEN, json={"app_key": "a", "app_secret": "b"}).json()["AccessToken"]
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


def test_documented_example_by_default(http: httpx.Client) -> None:
    answer = http.post(STATE, json={"callSerialNo": "1"})
    assert answer.status_code == 200
    assert answer.json()["result"]["startTime"] == 1621823865000  # the page's example, as printed


def test_violations_get_problem_json_naming_the_field(http: httpx.Client) -> None:
    answer = http.post(CREATE, json={"softPhone": "1" * 33, "called": 6666614})
    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert {(e["in"], e["name"]) for e in problem["errors"]} == {("body", "softPhone"), ("body", "called")}
    assert problem["status"] == 400 and problem["title"] == "Request does not match the spec"
    window = http.post(CDR, json={"startTime": "0", "endTime": str(8 * 86_400_000)})
    assert window.status_code == 400 and window.json()["errors"][0]["name"] == "endTime"
    assert "seven days" in window.json()["detail"]


def test_authentication_is_checked(mock: MockServer) -> None:
    with httpx.Client(base_url=mock.url) as client:
        assert client.post(STATE, json={"callSerialNo": "1"}).status_code == 401
        assert client.post(STATE, json={"callSerialNo": "1"}, headers={"Authorization": "Bearer made-up"}).status_code == 401
        path = ISALES.format(vdn=8)
        assert client.get(path, headers={"Authorization": "wrong"}).status_code == 401
        assert client.get(path, headers={"Authorization": "test-signature"}).status_code == 200


def test_prefer_chooses_example_status_and_generated_answers(http: httpx.Client) -> None:
    documented = http.post(CREATE, json={"softPhone": "1", "called": "2"}, headers={"Prefer": "example=documented"})
    assert documented.json() == {"retMsg": "Called is not configured", "retCode": "5"}
    generated = http.post(CREATE, json={"softPhone": "1", "called": "2"}, headers={"Prefer": "dynamic"})
    assert generated.json()["retCode"] == "0"  # a generated answer is a business success
    status = http.post(CREATE, json={"softPhone": "1", "called": "2"}, headers={"Prefer": "status=404"})
    assert status.status_code == 404
    code = http.post(STATE, json={"callSerialNo": "1"}, headers={"Prefer": "dynamic, code=777"})
    assert code.json()["retCode"] == "777"
    assert http.post(CREATE, json={"softPhone": "1", "called": "2"}, headers={"Prefer": "example=nope"}).status_code == 400


def test_faults_on_request(http: httpx.Client) -> None:
    limited = http.post(STATE, json={"callSerialNo": "1"}, headers={"Prefer": "fault=429, retry-after=3, nonce=a"})
    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "3")
    once = {"Prefer": "fault=503, times=1, nonce=b"}
    assert http.post(STATE, json={"callSerialNo": "1"}, headers=once).status_code == 503
    assert http.post(STATE, json={"callSerialNo": "1"}, headers=once).status_code == 200
    html = http.post(STATE, json={"callSerialNo": "1"}, headers={"Prefer": "fault=html"})
    assert html.status_code == 502 and html.headers["content-type"] == "text/html"
    cut = http.post(STATE, json={"callSerialNo": "1"}, headers={"Prefer": "fault=malformed"})
    with pytest.raises(json.JSONDecodeError):
        json.loads(cut.content)
    with pytest.raises(httpx.TransportError):
        http.post(STATE, json={"callSerialNo": "1"}, headers={"Prefer": "fault=reset"})
    with pytest.raises(httpx.ReadTimeout):
        http.post(STATE, json={"callSerialNo": "1"}, headers={"Prefer": "fault=timeout, delay=500"}, timeout=0.1)


def test_generated_answers_are_seeded() -> None:
    def answers(seed: int) -> list[object]:
        with MockServer([str(ROOT / "specs")], seed=seed) as server, httpx.Client(base_url=server.url) as client:
            token = client.post(TOKEN, json={"app_key": "a", "app_secret": "b"}).json()["AccessToken"]
            headers = {"Authorization": f"Bearer {token}", "Prefer": "dynamic"}
            return [client.post(CDR, json={"startTime": "1", "endTime": "2"}, headers=headers).json() for _ in range(3)]

    assert answers(1) == answers(1)
    assert answers(1) != answers(2)


def test_unknown_paths_and_methods(http: httpx.Client) -> None:
    assert http.get("/nowhere").status_code == 404
    wrong = http.request("TRACE", STATE)
    assert wrong.status_code == 405 and wrong.headers["Allow"] == "POST"


def test_cli_starts_with_one_command(tmp_path: Path) -> None:
    process = subprocess.Popen([sys.executable, "-m", "generator", "mock", "--port", "0"], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        answer = httpx.post(url + TOKEN, json={"app_key": "a", "app_secret": "b"}, timeout=5)
        assert answer.status_code == 200 and answer.json()["AccessToken"]
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    assert "Traceback" not in (process.stderr.read() if process.stderr else "")


@pytest.mark.parametrize("spec", ["mobile-agent.yaml", "cms.yaml", "isales.yaml", "token.yaml"])
def test_schemathesis_finds_no_conformance_failure(mock: MockServer, spec: str) -> None:
    token = httpx.post(mock.url + TOKEN, json={"app_key": "a", "app_secret": "b"}).json()["AccessToken"]
    auth = "test-signature" if spec in ("cms.yaml", "isales.yaml") else f"Bearer {token}"
    env = dict(os.environ, SCHEMATHESIS_HOOKS="tests.schemathesis_hooks", PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-m", "schemathesis.cli", "run", str(ROOT / "specs" / spec), "--url", mock.url,
         "-H", f"Authorization: {auth}", "--checks", "all", "--mode", "positive", "--phases", "examples,fuzzing",
         "--max-examples", "25", "--seed", "1", "--no-color"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert " passed" in done.stdout
