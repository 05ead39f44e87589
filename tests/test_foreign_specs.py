"""Specs that are not ours: plain OpenAPI 3.0 and 3.1, none of aiccgen's x- extensions.

They generate a working, typed client with defaults (retries by HTTP method, no business
rule, closed request enums, open response enums), or a warning that names what was
degraded; and the client calls a real loopback server.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from generator.cli import main
from tests.loopback import LoopbackServer, Reply

ROOT = Path(__file__).resolve().parents[1]
FOREIGN = ROOT / "tests" / "fixtures" / "foreign"


def generate(name: str, out: Path, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["generate", "--specs", str(FOREIGN / name), "--out", str(out), "--no-cache"]) == 0
    return capsys.readouterr().err


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tuple[ModuleType, Path]]]:
    found = {}
    added = []
    for name, package in (("petstore", "pet_store"), ("notes", "notes_service")):
        out = tmp_path_factory.mktemp(name)
        assert main(["generate", "--specs", str(FOREIGN / name), "--out", str(out), "--no-cache"]) == 0
        sys.path.insert(0, str(out / "client"))
        added.append(str(out / "client"))
        found[name] = (importlib.import_module(package), out)
    yield found
    for entry in added:
        sys.path.remove(entry)


def test_unsupported_constructs_are_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = generate("notes", tmp_path / "out", capsys)
    assert "/components/schemas/Note/properties/attachment: warning: oneOf of objects" in err
    assert "typed Any" in err


@pytest.mark.parametrize("name", ["petstore", "notes"])
def test_generated_code_is_typed_and_clean(name: str, packages: dict[str, tuple[ModuleType, Path]]) -> None:
    _module, out = packages[name]
    client = out / "client"
    for command in ([sys.executable, "-m", "mypy", "--strict", "."], [sys.executable, "-m", "ruff", "check", "."],
                    [sys.executable, "-m", "black", "--check", "-q", "."]):
        done = subprocess.run(command, cwd=client, capture_output=True, text=True)
        assert done.returncode == 0, f"{command[2]}: {done.stdout}{done.stderr}"


def test_petstore_client_calls_a_server(packages: dict[str, tuple[ModuleType, Path]]) -> None:
    pets, _out = packages["petstore"]
    pet = {"id": 7, "name": "Rex", "tag": None, "status": "available", "class": "dog", "tags": ["good"]}
    with LoopbackServer() as server:
        server.on("/v1/pets", Reply.json([pet, {**pet, "id": 8, "status": "adopted-by-vendor"}]))
        server.on("/v1/pets/7", Reply.json(pet))
        with pets.PetStoreClient(api_key="k-123", base_url=server.url + "/v1") as client:
            listed = client.list_pets(limit=2, status="available")
            assert [p.id for p in listed] == [7, 8]
            assert listed[0].class_ == "dog"  # a Python keyword as a field name
            assert listed[1].status_info is not None and not listed[1].status_info.known  # open in responses
            assert client.get_pet(pet_id=7).name == "Rex"
            with pytest.raises(pets.RequestValidationError):
                client.list_pets(status="lost")  # type: ignore[arg-type]  # closed in requests
            with pytest.raises(pets.RequestValidationError):
                client.get_pet(pet_id=0)  # minimum 1
            server.script("/v1/pets/7", Reply.raw(b"", status=204))
            assert client.delete_pet(pet_id=7) is None
        first = server.requests_to("/v1/pets")[0]
        assert first.header("X-Api-Key") == "k-123"
        assert first.params == {"limit": ["2"], "status": ["available"]}
        assert [r.method for r in server.requests_to("/v1/pets/7")] == ["GET", "DELETE"]


def test_petstore_server_variables_default(packages: dict[str, tuple[ModuleType, Path]]) -> None:
    pets, _out = packages["petstore"]
    with pets.PetStoreClient(api_key="k") as client:
        assert client.base_url == "https://eu.pets.example/v1"
    with pets.PetStoreClient(api_key="k", region="us") as client:
        assert client.base_url == "https://us.pets.example/v1"


def test_notes_client_calls_a_server(packages: dict[str, tuple[ModuleType, Path]]) -> None:
    notes, _out = packages["notes"]
    note = {"id": "n-1", "title": "Hi", "body": None, "score": "high", "attachment": {"url": "u"},
            "labels": {"a": "b"}}
    with LoopbackServer() as server:
        server.on("/api/notes/n-1", Reply.json(note))
        with notes.NotesServiceClient(token="tok", base_url=server.url + "/api") as client:
            got = client.get_note(note_id="n-1", x_request_id="r-9")
            assert (got.title, got.body, got.score, got.attachment) == ("Hi", None, "high", {"url": "u"})
            put = client.put_note(note_id="n-1", title="Hi", labels={"a": "b"}, priority=5)
            assert put.id == "n-1"
            with pytest.raises(notes.RequestValidationError):
                client.put_note(note_id="n-1", title="Hi", priority=10)  # exclusiveMaximum
            with pytest.raises(notes.RequestValidationError):
                client.get_note(note_id="Not Valid")  # pattern
        get, put_req = server.requests_to("/api/notes/n-1")
        assert get.header("Authorization") == "Bearer tok" and get.header("X-Request-Id") == "r-9"
        assert put_req.method == "PUT" and put_req.json() == {"title": "Hi", "labels": {"a": "b"}, "priority": 5}
