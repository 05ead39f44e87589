"""Bad input to every command: a clear, located, one-paragraph error, a documented exit code,
no traceback, and output folders left exactly as they were.

Each case runs the real command line in a subprocess (`python -m generator ...`), so what is
checked is what a user or a CI job sees: the exit code (README, "Exit codes"; `ExitCode` in
generator/diagnostics.py), stdout and stderr together (validate and drift print findings on
stdout, the others on stderr).

The matrix: every spec-reading command (`validate`, `generate`, `docs`, `mock`, `drift`, and
`diff` with the bad spec on either side) times every bad spec (missing, empty, invalid YAML,
YAML that is not OpenAPI, an unresolvable `$ref`, `$ref` cycles, 50 MB); `import` and
`drift` with bad vendor pages; `generate`, `docs` and `import` with an unwritable output
folder. A legal recursive schema is checked to be accepted, not mistaken for a cycle.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from generator.diagnostics import ExitCode

ROOT = Path(__file__).resolve().parents[1]
SPECS = ROOT / "specs"
SEED_PAGE = min((ROOT.parent / "shared" / "seeds").glob("*.txt"))
TIMEOUT = 120  # a safety net for a command that hangs (mock must never start serving here)


# -- running the command line ---------------------------------------------------------------


@dataclass
class Run:
    code: int
    out: str  # stdout and stderr, as a terminal shows them

    def __str__(self) -> str:
        return f"exit {self.code}\n{self.out}"


def aiccgen(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> Run:
    proc = subprocess.run(
        [sys.executable, "-m", "generator", *map(str, args)],
        check=False,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        stdin=subprocess.DEVNULL,
    )
    return Run(proc.returncode, proc.stdout + proc.stderr)


def assert_clear_error(run: Run, code: int, names: str, where: str | None = None) -> None:
    """The documented exit code; no traceback; the output names the file (`names`) and, when
    the problem has one, its location (`where`, a regex); one short paragraph per finding."""
    assert run.code == code, run
    assert "Traceback" not in run.out, run
    assert "internal error" not in run.out, run
    assert names in run.out, run
    if where is not None:
        assert re.search(where, run.out), f"no location matching {where!r} in:\n{run}"
    lines = run.out.strip().splitlines()
    assert lines and all(line.strip() for line in lines), f"not one paragraph:\n{run}"
    findings = max(1, sum(1 for line in lines if ": error: " in line or "error" in line.lower()))
    assert len(lines) <= 3 * findings + 2, f"more than a few lines per finding:\n{run}"
    assert all(len(line) < 800 for line in lines), f"a runaway line:\n{run}"


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under `root` with its bytes and mtime: "unchanged" means both."""
    return {str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*")) if p.is_file()}


# -- bad specs -------------------------------------------------------------------------------

_OPERATION = """\
openapi: 3.1.0
info: {title: Bad, version: "1"}
paths:
  /x:
    post:
      operationId: doX
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/A"}
      responses:
        "200":
          description: ok
components:
  schemas:
"""


@dataclass(frozen=True)
class BadSpec:
    name: str
    write: Callable[[Path], None] | None  # None: the file does not exist
    where: str  # regex: the location the error must give
    says: str  # words the message must contain


def _text(text: str) -> Callable[[Path], None]:
    return lambda path: path.write_text(text, encoding="utf-8")


def _big(path: Path) -> None:
    """A valid spec of 50 MB: the one operation, then one schema repeated under new names."""
    schema = textwrap.dedent("""\
        S{i}:
          type: object
          description: "Record {i}, repeated to make the file large: padding padding padding."
          properties:
            name: {{type: string, maxLength: 32, description: "The name of record {i}."}}
            count: {{type: integer, minimum: 0, maximum: 1000}}
    """)
    block = "".join(textwrap.indent(schema.format(i=f"{{n}}_{i}"), "    ") for i in range(100))
    with path.open("w", encoding="utf-8") as out:
        out.write(_OPERATION + "    A: {type: object}\n")
        n = 0
        while out.tell() < 50_000_000:
            out.write(block.replace("{n}", str(n)))
            n += 1


BAD_SPECS = [
    BadSpec("missing", None, r"missing\.yaml", "no such file"),
    BadSpec("empty", _text(""), r"empty\.yaml:1:1", "empty"),
    BadSpec("invalid-yaml", _text("openapi: 3.1.0\ninfo: {title: [x, version: 1}\npaths: {}\n"),
            r"invalid-yaml\.yaml:\d+:\d+", "invalid YAML"),
    BadSpec("undefined-alias", _text(_OPERATION + "    A: *nowhere\n"), r"undefined-alias\.yaml:16:8",
            "found undefined alias 'nowhere'"),
    BadSpec("a-list", _text("- openapi\n- 3.1.0\n"), r"a-list\.yaml:1:1", "not an OpenAPI document"),
    BadSpec("no-openapi", _text("swagger: '2.0'\ninfo: {title: x}\n"), r"no-openapi\.yaml:1:1",
            "not an OpenAPI document"),
    BadSpec("unresolvable-ref", _text(_OPERATION + "    B: {type: object}\n"),
            r"unresolvable-ref\.yaml:10:\d+ /paths/~1x/post/requestBody/content/application~1json/schema",
            "'#/components/schemas/A' points to nothing"),
    BadSpec("self-ref", _text(_OPERATION + '    A: {$ref: "#/components/schemas/A"}\n'),
            r"self-ref\.yaml:16:\d+ /components/schemas/A", "$ref cycle #/components/schemas/A -> "
            "#/components/schemas/A"),
    BadSpec("two-ref-cycle", _text(_OPERATION + '    A: {$ref: "#/components/schemas/B"}\n'
                                   '    B: {$ref: "#/components/schemas/A"}\n'),
            r"two-ref-cycle\.yaml:17:\d+ /components/schemas/B",
            "#/components/schemas/A -> #/components/schemas/B -> #/components/schemas/A"),
]
# Slow on purpose: the file is written for real (about a second), because the point is what
# a 50 MB file does to each command; refusing it must not read or parse it.
BIG = BadSpec("fifty-mb", _big, r"fifty-mb\.yaml", "over aiccgen's limit of 32 MB")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tree generated from the bundled specs: what every failed run must leave alone."""
    out = tmp_path_factory.mktemp("prev") / "generated"
    run = aiccgen("generate", "--specs", SPECS, "--out", out, "--no-cache", cwd=ROOT)
    assert run.code == 0, run
    return out


@pytest.fixture(scope="module")
def big_spec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "fifty-mb.yaml"
    _big(path)
    assert path.stat().st_size >= 50_000_000
    return path


def _place(bad: BadSpec, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{bad.name}.yaml"
    if bad.write is not None:
        bad.write(path)
    return path


COMMANDS = ["validate", "generate", "docs", "mock", "drift", "diff-old", "diff-new"]


def _command(command: str, spec: Path, generated: Path) -> list[str | Path]:
    return {
        "validate": ["validate", spec],
        "generate": ["generate", "--specs", spec, "--out", generated, "--no-cache"],
        "docs": ["docs", "--specs", spec, "--out", generated / "docs"],
        # --port 0 would bind a free port: the command must stop before it gets that far.
        "mock": ["mock", "--specs", spec, "--port", "0"],
        "drift": ["drift", "--specs", spec],
        "diff-old": ["diff", spec, SPECS],
        "diff-new": ["diff", SPECS, spec],
    }[command]


def _check_bad_spec(command: str, bad: BadSpec, spec: Path, generated: Path, cwd: Path) -> None:
    before = snapshot(generated)
    run = aiccgen(*_command(command, spec, generated), cwd=cwd)
    assert_clear_error(run, ExitCode.FINDINGS, spec.name, bad.where)
    assert bad.says in run.out, run
    assert snapshot(generated) == before, f"{command} changed the previous output"


@pytest.mark.parametrize("bad", BAD_SPECS, ids=[b.name for b in BAD_SPECS])
@pytest.mark.parametrize("command", COMMANDS)
def test_bad_spec(command: str, bad: BadSpec, tmp_path: Path, generated: Path) -> None:
    spec = _place(bad, tmp_path / "specs")
    _check_bad_spec(command, bad, spec, generated, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("command", COMMANDS)
def test_fifty_megabyte_spec_is_refused_before_it_is_read(command: str, big_spec: Path, generated: Path) -> None:
    _check_bad_spec(command, BIG, big_spec, generated, big_spec.parent)


def test_the_size_limit_is_configurable(tmp_path: Path) -> None:
    """AICCGEN_MAX_SPEC_MB lowers (or raises) the limit: the bundled 0.05 MB spec is refused
    under a 0.01 MB limit and accepted under the default."""
    spec = SPECS / "token.yaml"
    run = aiccgen("validate", spec, cwd=ROOT, env={"AICCGEN_MAX_SPEC_MB": "0.001"})
    assert_clear_error(run, ExitCode.FINDINGS, "token.yaml", r"token\.yaml: error: the file is 0\.0 MB")
    assert "AICCGEN_MAX_SPEC_MB" in run.out
    assert aiccgen("validate", SPECS, cwd=ROOT).code == ExitCode.OK


# -- a recursive schema is not a cycle ---------------------------------------------------------

RECURSIVE = """\
openapi: 3.1.0
info: {title: Tree, version: "1"}
paths:
  /nodes:
    post:
      operationId: putNode
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Node"}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Node"}
components:
  schemas:
    Node:
      type: object
      properties:
        name: {type: string, maxLength: 8}
        parent: {$ref: "#/components/schemas/Node"}
        children:
          type: array
          items: {$ref: "#/components/schemas/Node"}
"""


@pytest.mark.slow
def test_a_recursive_schema_is_legal_and_generates_a_working_client(tmp_path: Path) -> None:
    spec = tmp_path / "tree.yaml"
    spec.write_text(RECURSIVE)
    run = aiccgen("validate", spec, cwd=tmp_path)
    assert run.code == ExitCode.OK and "ref-cycle" not in run.out, run
    out = tmp_path / "generated"
    run = aiccgen("generate", "--specs", spec, "--out", out, "--no-cache", cwd=tmp_path)
    assert run.code == ExitCode.OK, run
    check = textwrap.dedent("""\
        import msgspec
        from tree.tree import Node
        node = msgspec.json.decode(b'{"name": "a", "children": [{"name": "b", "parent": {"name": "a"}}]}',
                                   type=Node)
        assert node.children[0].parent.name == "a"
        try:
            msgspec.json.decode(b'{"children": [{"children": [{"name": "much too long"}]}]}', type=Node)
        except msgspec.ValidationError as exc:
            assert "children[0].children[0].name" in str(exc), exc
        else:
            raise AssertionError("a nested limit was not enforced")
    """)
    proc = subprocess.run([sys.executable, "-c", check], check=False, cwd=out / "client", capture_output=True,
                          text=True, timeout=TIMEOUT)
    assert proc.returncode == 0, proc.stderr


# -- vendor pages (import, drift) ----------------------------------------------------------------


@dataclass(frozen=True)
class BadPage:
    name: str
    content: bytes | None  # None: the file does not exist
    where: str
    says: str


BAD_PAGES = [
    BadPage("missing", None, r"missing\.txt", "cannot read the page: No such file"),
    BadPage("empty", b"  \n\n", r"empty\.txt:1", "the page is empty"),
    BadPage("binary", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, r"binary\.txt:\d+", "binary data"),
    BadPage("latin-1", "Querying Call Status (queryCallState)\nCaf\xe9\n".encode("latin-1"),
            r"latin-1\.txt:2", "not UTF-8 text"),
    BadPage("not-a-page", b"Release notes\n\nWe fixed some bugs and improved performance.\n",
            r"not-a-page\.txt:1", "not a vendor interface page"),
]


def _place_page(bad: BadPage, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{bad.name}.txt"
    if bad.content is not None:
        path.write_bytes(bad.content)
    return path


@pytest.mark.parametrize("bad", BAD_PAGES, ids=[b.name for b in BAD_PAGES])
def test_import_refuses_a_bad_page_and_writes_nothing(bad: BadPage, tmp_path: Path) -> None:
    page = _place_page(bad, tmp_path / "pages")
    out = tmp_path / "imported"
    run = aiccgen("import", page, "--out", out, cwd=tmp_path)
    assert_clear_error(run, ExitCode.FINDINGS, page.name, bad.where)
    assert bad.says in run.out, run
    assert not out.exists()


@pytest.mark.parametrize("bad", BAD_PAGES, ids=[b.name for b in BAD_PAGES])
def test_drift_refuses_a_bad_page(bad: BadPage, tmp_path: Path) -> None:
    page = _place_page(bad, tmp_path / "pages")
    run = aiccgen("drift", page, "--specs", SPECS, cwd=tmp_path)
    assert_clear_error(run, ExitCode.FINDINGS, page.name, bad.where)
    assert bad.says in run.out, run
    assert "on the page, not in specs" not in run.out, run  # refused, not compared


def test_a_bad_page_does_not_stop_the_good_ones(tmp_path: Path) -> None:
    bad = _place_page(BAD_PAGES[-1], tmp_path / "pages")
    out = tmp_path / "imported"
    run = aiccgen("import", SEED_PAGE, bad, "--out", out, cwd=tmp_path)
    assert run.code == ExitCode.FINDINGS and "Traceback" not in run.out, run
    assert [p.name for p in out.iterdir()] == ["queryCallState.yaml"]


def test_drift_without_pages_to_compare_fails(tmp_path: Path) -> None:
    """Specs that name no page files compare nothing: that is not a pass."""
    spec = tmp_path / "tree.yaml"
    spec.write_text(RECURSIVE)
    run = aiccgen("drift", "--specs", spec, cwd=tmp_path)
    assert_clear_error(run, ExitCode.FINDINGS, "tree.yaml", r"tree\.yaml: error: no pages to compare")


# -- unwritable output folders -------------------------------------------------------------------


def _unwritable(tmp_path: Path) -> Path:
    """An output folder that cannot be created. A directory without write permission stops
    everyone but root; a path under a regular file stops root too."""
    if os.geteuid() == 0:
        blocker = tmp_path / "a-file"
        blocker.write_text("not a folder\n")
        return blocker / "out"
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    return locked / "out"


@pytest.mark.parametrize("command", ["generate", "docs", "import"])
def test_unwritable_output_folder(command: str, tmp_path: Path) -> None:
    out = _unwritable(tmp_path)
    args: list[str | Path] = {
        "generate": ["generate", "--specs", SPECS, "--out", out, "--no-cache"],
        "docs": ["docs", "--specs", SPECS, "--out", out],
        "import": ["import", SEED_PAGE, "--out", out],
    }[command]
    before = snapshot(tmp_path)
    try:
        run = aiccgen(*args, cwd=tmp_path)
    finally:
        if out.parent.is_dir():
            out.parent.chmod(0o700)  # let pytest clean up
    assert_clear_error(run, ExitCode.ENVIRONMENT, str(out.relative_to(tmp_path)), r"(Not a directory|Permission)")
    assert snapshot(tmp_path) == before


def test_unwritable_file_inside_a_previous_tree_rolls_back(tmp_path: Path) -> None:
    """A write that fails halfway (here: a folder of the previous tree replaced by a file, so
    one target cannot be created) leaves the previous tree exactly as it was."""
    specs = tmp_path / "specs"
    specs.mkdir()
    for p in SPECS.iterdir():
        if p.is_file():
            (specs / p.name).write_bytes(p.read_bytes())
    out = tmp_path / "generated"
    assert aiccgen("generate", "--specs", specs, "--out", out, "--no-cache", cwd=tmp_path).code == 0
    mobile = specs / "mobile-agent.yaml"
    mobile.write_text(mobile.read_text().replace("description: Called number.", "description: Callee.", 1))
    (specs / "isales.yaml").unlink()
    # The docs family pages folder becomes a file: writing docs/families/*.md must fail.
    families = out / "docs" / "families"
    for p in families.iterdir():
        p.unlink()
    families.rmdir()
    families.write_text("in the way\n")
    before = snapshot(out)
    run = aiccgen("generate", "--specs", specs, "--out", out, "--no-cache", cwd=tmp_path)
    assert_clear_error(run, ExitCode.ENVIRONMENT, "families", None)
    assert snapshot(out) == before
    assert not list(out.rglob("*.aiccgen-new")) and not list(out.rglob("*.aiccgen-old"))


def test_a_missing_dependency_is_an_environment_error_not_a_bug(tmp_path: Path) -> None:
    """aiccgen run by a Python without its requirements (a checkout, the wrong venv)."""
    blocker = (
        "import sys\n"
        "class Missing:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'ryml':\n"
        "            raise ModuleNotFoundError(\"No module named 'ryml'\", name='ryml')\n"
        "sys.meta_path.insert(0, Missing())\n"
        "from generator.cli import main\n"
        "sys.exit(main(['generate', '--out', sys.argv[1], '--no-cache']))\n"
    )
    proc = subprocess.run([sys.executable, "-c", blocker, str(tmp_path / "out")], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 3
    assert "the module 'ryml' is not installed" in proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    assert not (tmp_path / "out").exists()
