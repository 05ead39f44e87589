"""A run with nothing to do (generator/stamp.py): skipped only when nothing it depends on changed.

Each test generates once (which records the run), changes one input or one output file,
and asserts whether the next run did the work: the pipeline is replaced by one that
fails, so a skipped run is one that never reached it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from generator import pipeline
from generator.cli import main

ROOT = Path(__file__).resolve().parents[1]
NOTES = ROOT / "tests" / "fixtures" / "foreign" / "notes"
SKIPPED = "as the last run left them"


@pytest.fixture
def work(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    shutil.copytree(NOTES, tmp_path / "specs")
    assert run(tmp_path) == 0
    capsys.readouterr()
    return tmp_path


def run(work: Path, *extra: str) -> int:
    return main(["generate", "--specs", str(work / "specs"), "--out", str(work / "out"), *extra])


def watch_pipeline(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Replace the pipeline by one that notes it was called and fails (the CLI reports that
    as an internal error): what the skipped runs must never reach."""
    calls: list[str] = []

    def refuse(*_args: object, **_kwargs: object) -> None:
        calls.append("generate")
        raise RuntimeError("the pipeline ran")

    monkeypatch.setattr(pipeline, "generate", refuse)
    return calls


def test_an_unchanged_run_is_skipped_and_repeats_the_findings(work: Path, capsys: pytest.CaptureFixture[str],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # The first run's warnings, from a run that did the work.
    assert main(["generate", "--specs", str(work / "specs"), "--out", str(work / "again"), "--no-cache"]) == 0
    first = [line for line in capsys.readouterr().err.splitlines() if ": warning: " in line]
    assert first, "the notes spec is expected to warn about what it degrades"
    calls = watch_pipeline(monkeypatch)
    assert run(work) == 0
    err = capsys.readouterr().err
    assert SKIPPED in err
    assert [line for line in err.splitlines() if ": warning: " in line] == first
    assert run(work, "--check") == 0
    assert SKIPPED in capsys.readouterr().err
    assert calls == []


def _edit_spec(work: Path) -> None:
    spec = work / "specs" / "notes.yaml"
    spec.write_text(spec.read_text(encoding="utf-8") + "\n# one more line\n", encoding="utf-8")


def _edit_output(work: Path) -> None:
    manifest = json.loads((work / "out" / ".aiccgen-manifest.json").read_text(encoding="utf-8"))
    target = work / "out" / min(p for p in manifest["files"] if p.endswith(".py"))
    target.write_text(target.read_text(encoding="utf-8") + "# edited by hand\n", encoding="utf-8")


def _delete_output(work: Path) -> None:
    (work / "out" / "client" / "README.md").unlink()


def _new_spec_file(work: Path) -> None:
    (work / "specs" / "more.yaml").write_text("openapi: 3.1.0\n", encoding="utf-8")


def _settings(work: Path) -> None:
    (work / "specs" / "aiccgen.yaml").write_text("package: other_name\n", encoding="utf-8")


def _templates(work: Path) -> None:
    (work / "tpl" / "client").mkdir(parents=True)
    shutil.copy(ROOT / "templates" / "client" / "README.md.j2", work / "tpl" / "client" / "README.md.j2")


def _environment(work: Path) -> None:
    pass  # the variable is set by the test


def _killed_run(work: Path) -> None:
    (work / "out" / "client" / "README.md.aiccgen-new").write_text("half a file", encoding="utf-8")


def _broken_record(work: Path) -> None:
    for record in (work / ".aiccgen-cache" / "runs").iterdir():
        record.write_text("{not json", encoding="utf-8")


CHANGES = {
    "a spec's bytes": _edit_spec,
    "a generated file edited by hand": _edit_output,
    "a generated file deleted": _delete_output,
    "a new spec file in the folder": _new_spec_file,
    "a settings file": _settings,
    "a --templates folder": _templates,
    "an AICCGEN_ variable": _environment,
    "what a killed run left (a staged file)": _killed_run,
    "an unreadable record": _broken_record,
}


@pytest.mark.parametrize("what", list(CHANGES))
def test_any_change_does_the_work(what: str, work: Path, capsys: pytest.CaptureFixture[str],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    CHANGES[what](work)
    extra = ("--templates", str(work / "tpl")) if what == "a --templates folder" else ()
    if what == "an AICCGEN_ variable":
        monkeypatch.setenv("AICCGEN_SOMETHING", "1")
    calls = watch_pipeline(monkeypatch)
    assert run(work, *extra) != 0
    assert calls == ["generate"]
    assert SKIPPED not in capsys.readouterr().err


def test_a_hand_edit_is_undone_by_the_next_run(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = {p: p.read_bytes() for p in (work / "out").rglob("*") if p.is_file()}
    _edit_output(work)
    assert run(work) == 0
    assert SKIPPED not in capsys.readouterr().err
    assert {p: p.read_bytes() for p in (work / "out").rglob("*") if p.is_file()} == before


def test_a_stale_tree_is_reported_by_every_check(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _edit_output(work)
    assert run(work, "--check") == 1
    assert run(work, "--check") == 1  # still stale: the record of the last generate no longer matches
    assert SKIPPED not in capsys.readouterr().err


def test_no_cache_never_skips(work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = watch_pipeline(monkeypatch)
    assert run(work, "--no-cache") != 0
    assert calls == ["generate"]
