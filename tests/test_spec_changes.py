"""A spec change alone changes the client: no Python edit anywhere.

Each test copies specs/, edits only YAML, regenerates into a temporary folder under its
own package name, imports the result and sees the change.
"""

from __future__ import annotations

import importlib
import inspect
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from generator.cli import main
from tests.loopback import LoopbackServer, Reply

ROOT = Path(__file__).resolve().parents[1]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


@pytest.fixture()
def regenerate(tmp_path: Path) -> Iterator[tuple[Path, object]]:
    specs = tmp_path / "specs"
    shutil.copytree(ROOT / "specs", specs)
    package = f"aicc_changed_{tmp_path.name.replace('-', '_').lower()}"
    edit(specs / "aiccgen.yaml", "package: aicc_client", f"package: {package}")
    out = tmp_path / "generated"
    added: list[str] = []

    def build() -> ModuleType:
        assert main(["generate", "--specs", str(specs), "--out", str(out), "--no-cache"]) == 0
        sys.path.insert(0, str(out / "client"))
        added.append(str(out / "client"))
        return importlib.import_module(package)

    yield specs, build
    for entry in added:
        sys.path.remove(entry)
    for name in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
        del sys.modules[name]


def test_added_request_field(regenerate: tuple[Path, object]) -> None:
    specs, build = regenerate
    edit(specs / "mobile-agent.yaml", "        callerPresent:\n          type: string\n          description: |-\n"
         "            Calling number displayed",
         "        campaignId:\n          type: string\n          maxLength: 16\n          description: Campaign.\n"
         "          x-doc: {row: \"1.6\", type: String, mandatory: \"No\"}\n"
         "        callerPresent:\n          type: string\n          description: |-\n            Calling number displayed")
    package = build()  # type: ignore[operator]
    request = package.mobile_agent.CreateCallRequest
    assert "campaign_id" in request.__struct_fields__
    assert "campaign_id" in inspect.signature(package.MobileAgentClient.create_call).parameters
    with LoopbackServer() as server:
        server.on("/apigovernance/api/oauth/tokenByAkSk", Reply.json({"AccessToken": "t", "Expires": "600"}))
        server.on("/apiaccess/CC-Management/v3/mobileAgent/createCall", Reply.json({"retCode": "0", "retMsg": "ok"}))
        with package.MobileAgentClient(app_key="k", app_secret="s", base_url=server.url) as client:
            with pytest.raises(package.RequestValidationError):
                client.create_call(soft_phone="1", called="2", campaign_id="x" * 17)
            client.create_call(soft_phone="1", called="2", campaign_id="spring-2026")
        (sent,) = server.requests_to("/apiaccess/CC-Management/v3/mobileAgent/createCall")
    assert sent.json()["campaignId"] == "spring-2026"


def test_added_code_value(regenerate: tuple[Path, object]) -> None:
    specs, build = regenerate
    codes = specs / "codes.yaml"
    edit(codes, "101, 102, 103, 110, 111, 127]", "101, 102, 103, 110, 111, 127, 128]")
    edit(codes, "        - UNSPECIFIED_INTERACTION\n", "        - UNSPECIFIED_INTERACTION\n        - NEW_CAUSE\n")
    edit(codes, '        - "Unspecified interaction."\n',
         '        - "Unspecified interaction."\n        - "A cause added by the vendor."\n')
    package = build()  # type: ignore[operator]
    table = package.codes.ItaCauseCode
    assert table.NEW_CAUSE.value == 128
    assert table.describe(128).meaning == "A cause added by the vendor."
    assert table.describe(128).known


def test_tightened_limit(regenerate: tuple[Path, object]) -> None:
    specs, build = regenerate
    edit(specs / "mobile-agent.yaml", "          maxLength: 32\n          description: Softphone number",
         "          maxLength: 8\n          description: Softphone number")
    edit(specs / "mobile-agent.yaml", 'x-doc: {row: "1.2", type: String, mandatory: "Yes", length: "string (32)"}',
         'x-doc: {row: "1.2", type: String, mandatory: "Yes", length: "string (8)"}')
    package = build()  # type: ignore[operator]
    client = package.MobileAgentClient(app_key="k", app_secret="s", base_url="http://127.0.0.1:9")
    with client, pytest.raises(package.RequestValidationError) as info:
        client.create_call(soft_phone="123456789", called="1")  # nine characters: refused before sending
    assert (info.value.field, info.value.constraint, info.value.limit) == ("soft_phone", "maxLength", 8)


def test_an_added_limit_changes_only_its_own_lines_of_cases_json(tmp_path: Path) -> None:
    """Users review generated diffs: one keyword added to a spec adds its cases and its
    entry in the keyword table, and leaves every other line of cases.json as it was (when
    cases named keywords by their index in the table, every later case line changed)."""
    specs = tmp_path / "specs"
    shutil.copytree(ROOT / "specs", specs)
    out = tmp_path / "generated"
    assert main(["generate", "--specs", str(specs), "--out", str(out), "--no-cache"]) == 0
    before = (out / "tests" / "cases.json").read_text(encoding="utf-8").splitlines()
    edit(specs / "mobile-agent.yaml", "        callerPresent:\n          type: string\n",
         "        callerPresent:\n          type: string\n          minLength: 1\n")
    assert main(["generate", "--specs", str(specs), "--out", str(out), "--no-cache"]) == 0
    after = (out / "tests" / "cases.json").read_text(encoding="utf-8").splitlines()
    added = [line for line in after if line not in set(before)]
    removed = [line for line in before if line not in set(after)]
    assert removed == []
    assert len(added) == 3, added  # a case within the limit, one past it, and the keyword
    assert sum("-callerPresent-minLength" in line for line in added) == 2, added
    assert "/callerPresent/minLength" in added[-1]
