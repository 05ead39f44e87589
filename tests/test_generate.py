"""`aiccgen generate`: deterministic, atomic, owned output; --check; template overrides."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import black
import pytest

from generator import writer
from generator.cli import main

ROOT = Path(__file__).resolve().parents[1]


def gen(out: Path, *extra: str, specs: Path = ROOT / "specs") -> int:
    return main(["generate", "--specs", str(specs), "--out", str(out), "--no-cache", *extra])


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gen") / "generated"
    assert gen(out) == 0
    return out


def test_committed_tree_is_current(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["generate", "--check", "--no-cache"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "up to date" in err


def test_check_fails_after_a_spec_edit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    specs = tmp_path / "specs"
    shutil.copytree(ROOT / "specs", specs)
    out = tmp_path / "generated"
    assert gen(out, specs=specs) == 0
    capsys.readouterr()
    assert gen(out, "--check", specs=specs) == 0
    text = (specs / "mobile-agent.yaml").read_text()
    (specs / "mobile-agent.yaml").write_text(text.replace("maxLength: 50", "maxLength: 40", 1).replace(
        'length: "string (50)"', 'length: "string (40)"', 1))
    before = tree(out)
    code = gen(out, "--check", specs=specs)
    captured = capsys.readouterr()
    assert code == 1
    assert "stale: " in captured.out and "mobile_agent.py (+" in captured.out
    assert "out of date" in captured.err
    assert tree(out) == before  # --check writes nothing


def test_output_is_identical_across_runs_and_hash_seeds(tmp_path: Path, generated: Path) -> None:
    outs = []
    for seed in ("0", "12345"):
        out = tmp_path / f"seed{seed}"
        env = dict(os.environ, PYTHONHASHSEED=seed)
        subprocess.run([sys.executable, "-m", "generator", "generate", "--out", str(out), "--no-cache"],
                       cwd=ROOT, env=env, check=True, capture_output=True)
        outs.append(tree(out))
    assert outs[0] == outs[1] == tree(generated)


def test_only_changed_files_are_rewritten(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    shutil.copytree(ROOT / "specs", specs)
    out = tmp_path / "generated"
    assert gen(out, specs=specs) == 0
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    assert gen(out, specs=specs) == 0
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == stamps
    text = (specs / "isales.yaml").read_text()
    (specs / "isales.yaml").write_text(text.replace("description: Called number.", "description: The called number.", 1))
    assert gen(out, specs=specs) == 0
    changed = {p.name for p in out.rglob("*") if p.is_file() and stamps.get(p) != p.stat().st_mtime_ns}
    assert changed == {"isales.py", ".aiccgen-manifest.json"}


def test_stale_files_go_and_hand_written_files_stay(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    shutil.copytree(ROOT / "specs", specs)
    out = tmp_path / "generated"
    assert gen(out, specs=specs) == 0
    mine = out / "client" / "aicc_client" / "my_helpers.py"
    mine.write_text("# mine\n")
    (out / "NOTES.md").write_text("notes\n")
    (specs / "isales.yaml").unlink()  # the iSales family disappears
    assert gen(out, specs=specs) == 0
    assert not (out / "client" / "aicc_client" / "isales.py").exists()
    assert mine.read_text() == "# mine\n"
    assert (out / "NOTES.md").read_text() == "notes\n"


def test_refuses_to_overwrite_a_file_it_did_not_write(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "generated"
    target = out / "client" / "aicc_client" / "codes.py"
    target.parent.mkdir(parents=True)
    target.write_text("# hand-written\n")
    assert gen(out) == 3
    assert "was not written by aiccgen" in capsys.readouterr().err
    assert target.read_text() == "# hand-written\n"
    assert not (out / writer.MANIFEST).exists()
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        "client/aicc_client/codes.py"]  # what was staged before the refusal is gone again


def test_outputs_are_staged_as_rendered_and_withdrawn_when_the_validator_refuses(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from generator.diagnostics import error
    from generator.validity import ValidityCheck

    specs = tmp_path / "specs"
    shutil.copytree(ROOT / "specs", specs)
    out = tmp_path / "generated"
    assert gen(out, specs=specs) == 0
    before = tree(out)
    path = specs / "cms.yaml"
    path.write_text(path.read_text().replace("description: Called number.", "description: Called no.", 1))
    staged_during_render: list[int] = []
    real_add = writer.TreeUpdate.add

    def add(self: writer.TreeUpdate, rel: str, content: writer.Content) -> None:
        real_add(self, rel, content)
        staged_during_render.append(len(list(self.out_dir.rglob("*.aiccgen-new"))))

    monkeypatch.setattr(writer.TreeUpdate, "add", add)
    real_findings = ValidityCheck.findings
    monkeypatch.setattr(ValidityCheck, "findings", lambda self: [
        *real_findings(self), error("openapi", "refused for this test", str(path), "/info")])
    capsys.readouterr()
    assert gen(out, specs=specs) == 1
    assert "refused for this test" in capsys.readouterr().err
    # The changed outputs were on disk (staged) while the rest was rendered, not held in
    # memory; the verdict came after and withdrew them.
    assert max(staged_during_render) >= 1
    assert tree(out) == before
    fresh = tmp_path / "new" / "generated"
    assert gen(fresh, specs=specs) == 1
    assert not (tmp_path / "new").exists()  # folders made for staging are removed too


def test_a_file_content_is_hashed_compared_staged_and_summarised_like_bytes(tmp_path: Path) -> None:
    import hashlib
    import json
    import tempfile

    def spool(data: bytes) -> writer.Content:
        f = tempfile.TemporaryFile()  # noqa: SIM115 (handed to the writer, closed when dropped)
        f.write(data)  # left at its end: the writer must rewind it itself
        return f

    big = b"".join(b'{"case": %d}\n' % i for i in range(200_000))  # several of the writer's chunks
    out = tmp_path / "out"
    changes = writer.write_tree(out, {"cases.json": spool(big), "small.txt": b"x\n"}, "g")
    assert [(c.path, c.kind) for c in changes] == [("cases.json", "add"), ("small.txt", "add")]
    assert (out / "cases.json").read_bytes() == big
    manifest = json.loads((out / writer.MANIFEST).read_text())
    assert manifest["files"]["cases.json"] == hashlib.sha256(big).hexdigest()
    assert writer.write_tree(out, {"cases.json": spool(big), "small.txt": b"x\n"}, "g") == []
    edited = big.replace(b'{"case": 150000}', b'{"case": -1}')
    assert writer.check_tree(out, {"cases.json": spool(edited), "small.txt": b"x\n"}, "g") == [
        writer.Change("cases.json", "update", "+1 -1 lines"), writer.Change(writer.MANIFEST, "update")]
    assert (out / "cases.json").read_bytes() == big  # checking writes nothing
    shorter = b"".join(b'{"case": %d}\n' % i for i in range(100_000))  # same start, different size
    assert [c.detail for c in writer.write_tree(out, {"cases.json": spool(shorter), "small.txt": b"x\n"}, "g")] == [
        "+0 -100000 lines"]
    assert (out / "cases.json").read_bytes() == shorter


def test_interrupted_write_leaves_previous_tree_intact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    specs = tmp_path / "specs"
    shutil.copytree(ROOT / "specs", specs)
    out = tmp_path / "generated"
    assert gen(out, specs=specs) == 0
    before = tree(out)
    for name in ("mobile-agent.yaml", "cms.yaml"):
        path = specs / name
        path.write_text(path.read_text().replace("description: Called number.", "description: Called no.", 1))
    (specs / "isales.yaml").unlink()
    calls = {"n": 0}
    real = writer._replace

    def interrupted(src: Path, dst: Path) -> None:
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt
        real(src, dst)

    monkeypatch.setattr(writer, "_replace", interrupted)
    from generator.pipeline import generate

    with pytest.raises(KeyboardInterrupt):
        result = generate([str(specs)], str(out))
        pytest.fail(f"generate returned instead of being interrupted: {result.findings}")
    assert calls["n"] == 4
    assert tree(out) == before
    monkeypatch.setattr(writer, "_replace", real)
    assert gen(out, specs=specs) == 0
    assert not (out / "client" / "aicc_client" / "isales.py").exists()


def test_killed_run_is_rolled_back_by_the_next(tmp_path: Path) -> None:
    out = tmp_path / "generated"
    assert gen(out) == 0
    codes = out / "client" / "aicc_client" / "codes.py"
    original = codes.read_bytes()
    # What a SIGKILL between the two renames of an update leaves behind:
    os.replace(codes, codes.with_name(codes.name + ".aiccgen-old"))
    codes.write_bytes(b"half-written")
    (out / "client" / "x.py.aiccgen-new").write_bytes(b"staged")
    writer.recover(out)
    assert codes.read_bytes() == original
    assert not list(out.rglob("*.aiccgen-new")) and not list(out.rglob("*.aiccgen-old"))


def test_unwritable_output_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if os.geteuid() == 0:
        blocker = tmp_path / "file"
        blocker.write_text("x")
        out = blocker / "generated"  # a path under a regular file can never be created
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        out = locked / "generated"
    assert gen(out) == 3
    err = capsys.readouterr().err
    assert "cannot use the output folder" in err and "Traceback" not in err


def test_user_template_overrides_one_template_by_name(tmp_path: Path, generated: Path) -> None:
    mine = tmp_path / "templates" / "client"
    mine.mkdir(parents=True)
    builtin = (ROOT / "templates" / "client" / "code_table.py.j2").read_text()
    # A user template, deliberately not black-formatted: aiccgen formats it.
    (mine / "code_table.py.j2").write_text(builtin.replace(
        "    {{ t | code_table_doc | docstring(4) }}\n",
        "    {{ t | code_table_doc | docstring(4) }}\n    ORIGIN = 'custom template'\n"))
    out = tmp_path / "generated"
    assert gen(out, "--templates", str(tmp_path / "templates")) == 0
    codes = (out / "client" / "aicc_client" / "codes.py").read_text()
    assert 'ORIGIN = "custom template"' in codes  # formatted by black: double quotes
    assert (out / "client" / "aicc_client" / "mobile_agent.py").read_bytes() == \
        (generated / "client" / "aicc_client" / "mobile_agent.py").read_bytes()


def test_generated_python_is_black_formatted(generated: Path) -> None:
    mode = black.Mode()
    paths = sorted(generated.rglob("*.py"))
    assert len(paths) > 15
    for path in paths:
        text = path.read_text()
        assert black.format_str(text, mode=mode) == text, f"{path} is not black-formatted"


def test_committed_generated_tree_passes_mypy_strict_and_ruff() -> None:
    out = ROOT / "generated"
    mypy = subprocess.run([sys.executable, "-m", "mypy", "--strict", "client/aicc_client", "tests"], cwd=out,
                          capture_output=True, text=True)
    assert mypy.returncode == 0, mypy.stdout + mypy.stderr
    ruff = subprocess.run([sys.executable, "-m", "ruff", "check", "generated"], cwd=ROOT, capture_output=True, text=True)
    assert ruff.returncode == 0, ruff.stdout + ruff.stderr


def test_importing_the_client_leaves_asyncio_and_black_alone() -> None:
    """Sync users do not pay for asyncio (~35 ms), nobody for the generator's formatter."""
    code = "import sys, aicc_client; print(sorted(m for m in ('asyncio', 'black', 'jinja2') if m in sys.modules))"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "generated" / "client")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "[]"


def test_compiled_templates_are_reused_and_follow_template_edits(
    tmp_path: Path, generated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    compiled = tmp_path / "compiled"
    monkeypatch.setenv("AICCGEN_TEMPLATE_CACHE", str(compiled))
    cached_run = ["--cache-dir", str(tmp_path / "cache")]
    for run in ("first", "second"):
        out = tmp_path / run
        assert main(["generate", "--out", str(out), *cached_run]) == 0
        assert tree(out) == tree(generated)  # the same output, compiled or cached
    assert len(list(compiled.iterdir())) >= 19
    # An edited template (same name, new source) is compiled afresh, not served stale.
    mine = tmp_path / "templates" / "client"
    mine.mkdir(parents=True)
    builtin = (ROOT / "templates" / "client" / "code_table.py.j2").read_text()
    for origin in ("one", "two"):
        (mine / "code_table.py.j2").write_text(builtin.replace(
            "    {{ t | code_table_doc | docstring(4) }}\n",
            f"    {{{{ t | code_table_doc | docstring(4) }}}}\n    ORIGIN = {origin!r}\n"))
        out = tmp_path / f"custom-{origin}"
        assert main(["generate", "--out", str(out), "--templates", str(tmp_path / "templates"), *cached_run]) == 0
        assert f'ORIGIN = "{origin}"' in (out / "client" / "aicc_client" / "codes.py").read_text()


def test_a_run_collects_young_garbage_less_often_and_restores_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The collector's threshold is raised for the run (its walks over the long-lived
    specs and IR were 2.5 s of a 1000-operation generation) and given back after it,
    also when the run fails."""
    import gc

    from generator import pipeline

    seen: list[tuple[int, int, int]] = []
    real = pipeline.build_api

    def build_api(spec_set: object) -> object:
        seen.append(gc.get_threshold())
        return real(spec_set)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "build_api", build_api)
    before = gc.get_threshold()
    assert gen(tmp_path / "out") == 0
    assert gc.get_threshold() == before and seen[0][0] >= 20_000
    (tmp_path / "bad.yaml").write_text("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {/a: 1}\n")
    assert gen(tmp_path / "o2", specs=tmp_path / "bad.yaml") != 0
    assert gc.get_threshold() == before


def test_a_file_where_the_output_needs_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "generated"
    out.mkdir()
    (out / "client").write_text("a file, not the client folder")
    assert gen(out) == 3
    err = capsys.readouterr().err
    # Outputs are compared as they are rendered: the first one under client/ is named.
    assert f"{out / 'client' / 'pyproject.toml'}: error: cannot read what is there" in err and "Traceback" not in err
    assert (out / "client").read_text() == "a file, not the client folder"


def test_equal_spec_texts_in_the_ir_are_one_object_and_none_is_kept_after_the_build() -> None:
    import dataclasses

    from generator import build, ir
    from generator.specset import load_spec_set

    api, _findings = build.build_api(load_spec_set([str(ROOT / "specs")]))
    texts: dict[str, set[int]] = {}
    seen: set[int] = set()
    references = 0

    def walk(node: object) -> None:
        nonlocal references
        if isinstance(node, ir.SpecText):
            references += 1
            texts.setdefault(str(node), set()).add(id(node))
            return
        if id(node) in seen:
            return
        seen.add(id(node))
        if dataclasses.is_dataclass(node):
            for f in dataclasses.fields(node):
                walk(getattr(node, f.name))
        elif isinstance(node, (tuple, list)):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            for key, value in node.items():
                walk(key)
                walk(value)

    walk(api)
    assert references > 2 * len(texts) > 200  # the IR repeats texts...
    assert sum(len(ids) for ids in texts.values()) == len(texts)  # ...and holds each value once
    assert build._TEXTS == {}


def test_the_parsed_specs_go_before_the_client_is_rendered_and_findings_are_still_located(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from generator.diagnostics import error
    from generator.specset import SpecSet
    from generator.validity import ValidityCheck

    events: list[str] = []
    real_release = SpecSet.release_data

    def release(self: SpecSet) -> None:
        real_release(self)
        assert self.loaded() and all(d.data is None for d in self.loaded())
        events.append("released")

    real_add = writer.TreeUpdate.add

    def add(self: writer.TreeUpdate, rel: str, content: writer.Content) -> None:
        events.append(rel)
        real_add(self, rel, content)

    monkeypatch.setattr(SpecSet, "release_data", release)
    monkeypatch.setattr(writer.TreeUpdate, "add", add)
    real_findings = ValidityCheck.findings
    cms = str((ROOT / "specs" / "cms.yaml").resolve())
    monkeypatch.setattr(ValidityCheck, "findings", lambda self: [
        *real_findings(self), error("openapi", "refused for this test", cms, "/info/title")])
    assert gen(tmp_path / "out") == 1
    at = events.index("released")
    # The contract tests, read from the specs, come first; the rest is rendered from the IR.
    assert events[:at] and all(p.startswith("tests/") for p in events[:at])
    assert events[at + 1:] and not any(p.startswith("tests/") for p in events[at + 1:])
    # A finding that arrives after the data went is still placed at its line and column.
    assert "cms.yaml:5:3 /info/title: error: refused for this test" in capsys.readouterr().err


def test_every_code_table_a_field_names_is_the_final_table_with_its_uses() -> None:
    """Tables learn their uses last; the fields must hold those very objects, not earlier
    copies without uses."""
    import dataclasses

    from generator import build, ir
    from generator.specset import load_spec_set

    api, _findings = build.build_api(load_spec_set([str(ROOT / "specs")]))
    final = {id(t) for t in api.code_tables}
    named: list[ir.CodeTable] = []
    seen: set[int] = set()

    def walk(node: object) -> None:
        if id(node) in seen or isinstance(node, (str, int, float, type(None))):
            return
        seen.add(id(node))
        if isinstance(node, ir.CodeTable):
            named.append(node)
        elif dataclasses.is_dataclass(node):
            for f in dataclasses.fields(node):
                walk(getattr(node, f.name))
        elif isinstance(node, (tuple, list)):
            for item in node:
                walk(item)

    walk(api.families)
    assert len(named) > 10 and all(id(t) in final for t in named)
    assert sum(1 for t in named if t.uses) > 10
    assert all(u.family for t in named for u in t.uses)
