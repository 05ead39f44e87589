"""The generated contract tests fail when the client or the specs are made wrong.

Copies of generated/ and specs/ (same layout, so the tests find the specs) are damaged
one way each; the contract tests run in a subprocess and must report the right cases.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def copy_project(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "generated", tmp_path / "generated", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    return tmp_path


def run_contract(root: Path, *select: str) -> subprocess.CompletedProcess[str]:
    args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(root / "generated"),
            "-o", "addopts=", str(root / "generated" / "tests"), *select]
    return subprocess.run(args, capture_output=True, text=True, cwd=root, timeout=300)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def test_untouched_copy_passes(tmp_path: Path) -> None:
    done = run_contract(copy_project(tmp_path), "-k", "createCall and (softPhone or example)")
    assert done.returncode == 0, done.stdout[-2000:]


def test_a_loosened_limit_in_the_generated_client_is_caught(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    client = root / "generated" / "client" / "aicc_client" / "mobile_agent.py"
    edit(client, "    soft_phone: Annotated[str, Meta(max_length=32)]", "    soft_phone: Annotated[str, Meta(max_length=33)]")
    done = run_contract(root, "-k", "softPhone")
    assert done.returncode == 1
    assert "FAILED" in done.stdout and "test_request[createCall-softPhone-maxLength+1]" in done.stdout


def test_a_dropped_response_limit_is_caught(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    client = root / "generated" / "client" / "aicc_client" / "mobile_agent.py"
    edit(client, "    reason_code: Annotated[int, Meta(ge=0, le=65535)] | None = None",
         "    reason_code: int | None = None")
    done = run_contract(root, "-k", "reasonCode and maximum")
    assert done.returncode == 1
    assert "queryCallState-response-result.reasonCode-maximum+1" in done.stdout


def test_a_spec_edit_without_regenerating_is_caught(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    edit(root / "specs" / "cms.yaml", "          maximum: 5000\n", "          maximum: 4000\n")
    done = run_contract(root, "-k", "keyword_coverage")
    assert done.returncode == 1
    assert "the spec changed since the cases were generated" in done.stdout
    assert "cms.yaml#/components/schemas/QueryBasicCallInfoRequest/properties/vdn maximum" in done.stdout


def test_a_new_constraint_without_cases_is_caught(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    edit(root / "specs" / "cms.yaml", "          description: Unique ID of a call.\n",
         "          description: Unique ID of a call.\n          maxLength: 64\n")
    done = run_contract(root, "-k", "keyword_coverage")
    assert done.returncode == 1
    assert "keywords without a positive and a negative case" in done.stdout
    assert "BasicCallInfo/properties/keyId maxLength" in done.stdout


@pytest.mark.parametrize("case", ["queryCallState-wire-sync", "createCall-fault-500"])
def test_mock_wire_cases_run_in_a_copy(tmp_path: Path, case: str) -> None:
    done = run_contract(copy_project(tmp_path), "-k", case)
    assert done.returncode == 0, done.stdout[-2000:]
