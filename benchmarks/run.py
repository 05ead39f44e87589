#!/usr/bin/env python3
"""aiccgen's benchmark suite: one command, side by side with its peers, in one run.

    python3 benchmarks/run.py            # full run (about 20 minutes on 2 cores)
    python3 benchmarks/run.py --quick    # smoke test: fewer runs, no 1000-operation peers

Creates benchmarks/.env (a venv with the pinned peers of benchmarks/requirements.txt and
aiccgen itself, editable), builds the synthetic specs (benchmarks/synth.py), then measures:

1. generation from a cold process, wall time and peak RSS, for the bundled specs and the
   10/100/1000-operation synthetic specs: aiccgen, openapi-python-client (with its ruff
   post-hooks) and datamodel-code-generator (pydantic v2 models, black + isort);
2. warm regeneration of the largest spec after one changed field (aiccgen's black cache);
3. a cProfile of aiccgen on the largest spec, and the stage split of every timed run;
4. the generated client: decoding a 100-record queryCallDetailRecord page, validating a
   createCall request, importing the package (benchmarks/client_bench.py).

Prints a table and writes benchmarks/results/latest.md and latest.json (raw samples
included), and results/profile-<N>ops.txt. Every measured program runs as its own child
process; its peak RSS is the ru_maxrss that wait4() reports for it (the largest process
of its tree: openapi-python-client's ruff children included). Tools alternate within each
repetition, so drift of the machine hits all of them alike; compare ratios, not seconds
across runs. See docs/performance.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
ENV = BENCH / ".env"
WORK = BENCH / ".work"
RESULTS = BENCH / "results"
PY = ENV / "bin" / "python"
SYNTH = WORK / "synth"

TOOLS = ("aiccgen", "openapi-python-client", "datamodel-code-generator")
SHORT = {"aiccgen": "aiccgen", "openapi-python-client": "oapc", "datamodel-code-generator": "dmcg",
         "aiccgen (console script)": "aiccgen-cli"}
VERSIONS_OF = ("aiccgen", "black", "jinja2", "openapi-spec-validator", "jsonschema", "referencing", "rapidyaml",
               "msgspec", "httpx", "openapi-python-client", "ruff", "datamodel-code-generator", "isort",
               "pydantic", "pydantic-core", "orjson", "attrs")


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# -- environment -------------------------------------------------------------------------

def setup_env(reinstall: bool) -> None:
    if not PY.exists():
        log(f"creating {ENV.relative_to(ROOT)}")
        subprocess.run([sys.executable, "-m", "venv", str(ENV)], check=True)
    wanted = hashlib.sha256(
        (BENCH / "requirements.txt").read_bytes() + (ROOT / "pyproject.toml").read_bytes()
    ).hexdigest()
    marker = ENV / ".installed"
    if not reinstall and marker.exists() and marker.read_text().strip() == wanted:
        return
    log("installing the peers and aiccgen into benchmarks/.env (pip)")
    cmd = [str(PY), "-m", "pip", "install", "-q", "--disable-pip-version-check", "-r",
           str(BENCH / "requirements.txt"), "-e", str(ROOT)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit("pip install failed")
    marker.write_text(wanted)


def child_env() -> dict[str, str]:
    """The environment of every measured process: the benchmark venv first on PATH (ruff and
    black for the peers), and bytecode caching on, as on a user's machine. A session that
    sets PYTHONDONTWRITEBYTECODE would otherwise make every run compile aiccgen from source;
    the .pyc files go to benchmarks/.work/pycache, so nothing is written beside the sources."""
    drop = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONDONTWRITEBYTECODE", "PYTHONPROFILEIMPORTTIME")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["PATH"] = str(ENV / "bin") + os.pathsep + env.get("PATH", "")
    env["VIRTUAL_ENV"] = str(ENV)
    env["PYTHONPYCACHEPREFIX"] = str(WORK / "pycache")
    return env


def machine_info() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    code = ("import importlib.metadata as m, json, sys; out = {}\n"
            f"for n in {list(VERSIONS_OF)!r}:\n"
            "    try: out[n] = m.version(n)\n"
            "    except m.PackageNotFoundError: out[n] = None\n"
            "out['python'] = sys.version.split()[0]; print(json.dumps(out))")
    versions = json.loads(subprocess.run([str(PY), "-c", code], capture_output=True, text=True, check=True).stdout)
    return {
        "cpu": cpu, "cores": os.cpu_count(), "memory_gib": mem, "os": platform.platform(),
        "python": versions.pop("python"), "packages": versions,
    }


# -- running one measured process ----------------------------------------------------------

@dataclass
class Run:
    wall_s: float
    peak_rss_mib: float
    user_s: float
    sys_s: float
    exit: int
    stages: dict[str, Any] | None = None
    stdout_tail: str = ""
    stderr_tail: str = ""
    timed_out: bool = False

    def ok(self) -> bool:
        return self.exit == 0 and not self.timed_out


def measure(cmd: list[str], *, cwd: Path, stage_json: Path | None = None, timeout: float | None = None) -> Run:
    """Run `cmd` as a child process: wall time, and the rusage wait4() reports for it.
    After `timeout` seconds its whole process group is killed and the run marked timed out."""
    out_path, err_path = cwd / ".stdout.txt", cwd / ".stderr.txt"
    cwd.mkdir(parents=True, exist_ok=True)
    if stage_json is not None and stage_json.exists():
        stage_json.unlink()
    killed = threading.Event()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=child_env(),
                                start_new_session=True)

        def kill() -> None:
            killed.set()
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout, kill) if timeout else None
        if timer is not None:
            timer.start()
        try:
            _pid, status, usage = os.wait4(proc.pid, 0)
        finally:
            if timer is not None:
                timer.cancel()
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
    stages = json.loads(stage_json.read_text()) if stage_json is not None and stage_json.exists() else None
    return Run(
        wall_s=wall, peak_rss_mib=usage.ru_maxrss / 1024, user_s=usage.ru_utime, sys_s=usage.ru_stime,
        exit=proc.returncode, stages=stages,
        stdout_tail=out_path.read_text(errors="replace")[-2000:],
        stderr_tail=err_path.read_text(errors="replace")[-2000:],
        timed_out=killed.is_set(),
    )


def fresh(path: Path) -> Path:
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


# -- generation ----------------------------------------------------------------------------

@dataclass
class Case:
    name: str  # "bundled", "10 ops", ...
    ops: int
    aiccgen_specs: Path  # what aiccgen reads
    peer_spec: Path  # the one self-contained file the peers read
    tools: tuple[str, ...]


def tool_command(tool: str, case: Case, workdir: Path) -> tuple[list[str], Path | None]:
    """The command for one cold run of `tool` on `case`, writing under `workdir`."""
    out = workdir / "out"
    if tool == "aiccgen":
        # generator.cli.main in-process with each stage timed (stages.py); a fresh (empty)
        # cache dir, so nothing formatted earlier is reused.
        stage_json = workdir / "stages.json"
        return [str(PY), str(BENCH / "stages.py"), "--json", str(stage_json), "--", "generate",
                "--specs", str(case.aiccgen_specs), "--out", str(out), "--cache-dir", str(workdir / "cache")], stage_json
    if tool == "aiccgen (console script)":
        return [str(ENV / "bin" / "aiccgen"), "generate", "--specs", str(case.aiccgen_specs), "--out", str(out),
                "--no-cache"], None
    if tool == "openapi-python-client":
        return [str(ENV / "bin" / "openapi-python-client"), "generate", "--path", str(case.peer_spec),
                "--output-path", str(out), "--overwrite"], None
    if tool == "datamodel-code-generator":
        out.mkdir(parents=True, exist_ok=True)
        return [str(ENV / "bin" / "datamodel-codegen"), "--input", str(case.peer_spec), "--input-file-type", "openapi",
                "--output", str(out / "models.py"), "--output-model-type", "pydantic_v2.BaseModel",
                "--target-python-version", "3.11", "--formatters", "black", "isort", "--disable-timestamp"], None
    raise ValueError(tool)


def run_case(case: Case, reps: int, long_reps: int, long_threshold: float, peer_reps_large: int,
             large_ops: int, timeout: float) -> dict[str, list[Run]]:
    """Every tool `reps` times, alternating; a tool whose first run took longer than
    `long_threshold` seconds runs `long_reps` times in all."""
    planned = {t: reps for t in case.tools}
    for t in case.tools:
        if t not in ("aiccgen", "aiccgen (console script)") and case.ops >= large_ops:
            planned[t] = min(reps, peer_reps_large)
    runs: dict[str, list[Run]] = {t: [] for t in case.tools}
    rep = 0
    while any(len(runs[t]) < planned[t] for t in case.tools):
        order = list(case.tools[rep % len(case.tools):] + case.tools[: rep % len(case.tools)])
        for tool in order:
            if len(runs[tool]) >= planned[tool]:
                continue
            workdir = fresh(WORK / "gen" / case.name.replace(" ", "") / SHORT[tool])
            cmd, stage_json = tool_command(tool, case, workdir)
            r = measure(cmd, cwd=workdir, stage_json=stage_json, timeout=timeout)
            runs[tool].append(r)
            log(f"{case.name:>9} {tool:<26} run {len(runs[tool])}/{planned[tool]}: {r.wall_s:7.2f} s "
                f"{r.peak_rss_mib:7.0f} MiB" + ("" if r.ok() else "  TIMED OUT" if r.timed_out
                                               else f"  FAILED (exit {r.exit})"))
            if not r.ok():
                sys.stderr.write(r.stderr_tail[-1500:] + "\n")
                planned[tool] = len(runs[tool])  # a failing tool is not retried
            elif len(runs[tool]) == 1 and r.wall_s > long_threshold:
                planned[tool] = min(planned[tool], long_reps)
        rep += 1
    return runs


# -- warm regeneration ----------------------------------------------------------------------

def edit_one_field(text: str, n_copies: int, k: int) -> tuple[str, str]:
    """Add `minLength: k` to `caller` of the middle copy of CreateCallRequest."""
    name = f"CreateCallRequestS{max(1, n_copies // 2):04d}"
    i = text.index(f"\n    {name}:\n")
    j = text.index("\n        caller:\n", i)
    m = text.index("\n          maxLength: 32\n", j) + len("\n          maxLength: 32\n")
    return text[:m] + f"          minLength: {k}\n" + text[m:], f"{name}.caller minLength: {k}"


def run_warm(case: Case, reps: int, long_reps: int, long_threshold: float, timeout: float | None) -> dict[str, Any]:
    """Regenerate `case` after one changed field, over the output and black cache that the
    last cold aiccgen run of `case` left (same spec path, output and cache folders: the
    generated tests name the spec folder relative to themselves)."""
    workdir = WORK / "gen" / case.name.replace(" ", "") / "aiccgen"
    if not (workdir / "out").is_dir():
        raise SystemExit("warm regeneration needs the output and cache of the last cold aiccgen run")
    spec = case.aiccgen_specs
    spec_dir = fresh(WORK / "warm-runs")
    pristine = case.peer_spec.read_text(encoding="utf-8")
    n_copies = -(-case.ops // 6)
    runs: list[Run] = []
    changes: list[str] = []
    planned = reps
    k = 0
    while len(runs) < planned:
        k += 1
        text, what = edit_one_field(pristine, n_copies, k)
        spec.write_text(text, encoding="utf-8")
        stage_json = spec_dir / f"stages-{k}.json"
        cmd = [str(PY), str(BENCH / "stages.py"), "--json", str(stage_json), "--", "generate", "--specs", str(spec),
               "--out", str(workdir / "out"), "--cache-dir", str(workdir / "cache")]
        r = measure(cmd, cwd=spec_dir, stage_json=stage_json, timeout=timeout)
        runs.append(r)
        out_root = str(workdir / "out") + "/"
        changed = [line.strip().replace(out_root, "") for line in r.stdout_tail.splitlines() if line.strip()]
        changes.append(f"{what}: " + ("; ".join(changed) or ("killed before writing" if r.timed_out
                                                             else "nothing changed")))
        log(f"{case.name:>9} aiccgen warm (one field)   run {len(runs)}/{planned}: {r.wall_s:7.2f} s "
            f"{r.peak_rss_mib:7.0f} MiB, black runs {r.stages.get('black_misses', '?') if r.stages else '?'}, "
            f"changed: {', '.join(changed) or 'nothing'}"
            + ("" if r.ok() else f"  TIMED OUT after {timeout:.0f} s" if r.timed_out else f"  FAILED (exit {r.exit})"))
        if not r.ok():
            sys.stderr.write(r.stderr_tail[-1500:] + "\n")
            break
        if len(runs) == 1 and r.wall_s > long_threshold:
            planned = min(planned, long_reps)
    # Then the same command with nothing changed: the last run above left its record, so
    # these runs find the specs, templates and output as it left them (generator/stamp.py).
    same: list[Run] = []
    if runs and runs[-1].ok():
        for i in range(reps):
            stage_json = spec_dir / f"stages-same-{i}.json"
            cmd = [str(PY), str(BENCH / "stages.py"), "--json", str(stage_json), "--", "generate", "--specs",
                   str(spec), "--out", str(workdir / "out"), "--cache-dir", str(workdir / "cache")]
            r = measure(cmd, cwd=spec_dir, stage_json=stage_json, timeout=timeout)
            same.append(r)
            log(f"{case.name:>9} aiccgen warm (nothing changed) run {i + 1}/{reps}: {r.wall_s:7.2f} s "
                f"{r.peak_rss_mib:7.0f} MiB" + ("" if r.ok() else f"  FAILED (exit {r.exit})"))
    return {"runs": runs, "changes": changes, "same": same}


# -- summaries ------------------------------------------------------------------------------

def med(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def summarize(runs: list[Run]) -> dict[str, Any]:
    good = [r for r in runs if r.ok()]
    walls = [r.wall_s for r in good]
    rss = [r.peak_rss_mib for r in good]
    out: dict[str, Any] = {
        "runs": len(runs), "failed": len(runs) - len(good),
        "wall_s": med(walls), "wall_min_s": min(walls) if walls else None, "wall_max_s": max(walls) if walls else None,
        "peak_rss_mib": med(rss), "samples_wall_s": [round(w, 4) for w in walls],
        "samples_rss_mib": [round(x, 1) for x in rss],
    }
    stage_runs = [r.stages for r in good if r.stages]
    if stage_runs:
        names = list(stage_runs[0]["stages"])
        out["stages_s"] = {n: statistics.median(s["stages"][n] for s in stage_runs) for n in names}
        out["black_runs"] = statistics.median(s.get("black_misses", 0) for s in stage_runs)
        out["files"] = stage_runs[0].get("files")
        out["peak_rise_mib"] = stage_runs[-1].get("peak_rise_mib")
    timed_out = [r for r in runs if r.timed_out]
    if timed_out:
        out["timed_out"] = len(timed_out)
        out["timed_out_after_s"] = min(r.wall_s for r in timed_out)
        partial = next((r.stages for r in timed_out if r.stages and r.stages.get("partial")), None)
        if partial:
            out["killed_in_stage"] = partial.get("running")
            out["stages_done_s"] = partial.get("stages_done")
    elif len(good) != len(runs):
        out["error"] = next(r.stderr_tail[-600:] for r in runs if not r.ok())
    return out


def fmt_s(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{x:.2f} s" if x < 100 else f"{x:.0f} s"


def fmt_us(x: float | None) -> str:
    return "–" if x is None else (f"{x:.1f} µs" if x < 1000 else f"{x / 1000:.2f} ms")


def fmt_ratio(x: float | None) -> str:
    return "–" if x is None else f"{x:.2f}×"


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def target(name: str, measured: float | None, limit: float, kind: str, shown: str, how: str) -> dict[str, Any]:
    """kind: 'max' (measured must be <= limit) or 'min' (>= limit)."""
    if measured is None:
        return {"target": name, "measured": None, "limit": limit, "kind": kind, "met": None, "shown": "not measured",
                "how": how, "off_by": None}
    met = measured <= limit if kind == "max" else measured >= limit
    off = measured / limit if kind == "max" else limit / measured
    return {"target": name, "measured": measured, "limit": limit, "kind": kind, "met": met, "shown": shown,
            "how": how, "off_by": off}


def evaluate(gen: dict[str, dict[str, Any]], warm: dict[str, Any] | None, client: dict[str, Any] | None,
             large: str | None) -> list[dict[str, Any]]:
    out = []
    b = gen.get("bundled", {})
    cli = b.get("aiccgen (console script)") or b.get("aiccgen") or {}
    wall = cli.get("wall_s")
    out.append(target("Bundled specs, cold process, black included: under 1 s wall", wall, 1.0, "max",
                      fmt_s(wall), "`aiccgen generate --no-cache` (the console script) on specs/, fresh output"))
    if large is not None:
        g = gen[large]
        a, o = g.get("aiccgen") or {}, g.get("openapi-python-client") or {}
        r = ratio(a.get("wall_s"), o.get("wall_s"))
        out.append(target(f"{large}, cold: at most half the wall time of openapi-python-client", r, 0.5, "max",
                          f"{fmt_ratio(r)} ({fmt_s(a.get('wall_s'))} vs {fmt_s(o.get('wall_s'))})",
                          "ratio of medians"))
        r = ratio(a.get("peak_rss_mib"), o.get("peak_rss_mib"))
        out.append(target(f"{large}, cold: at most a third of openapi-python-client's peak memory", r, 1 / 3, "max",
                          f"{fmt_ratio(r)} ({a.get('peak_rss_mib') or 0:.0f} vs {o.get('peak_rss_mib') or 0:.0f} MiB)",
                          "ratio of median peak RSS"))
        if "100 ops" in gen and large == "1000 ops":
            small = (gen["100 ops"].get("aiccgen") or {}).get("wall_s")
            r = ratio(a.get("wall_s"), small)
            out.append(target("Linear growth: 1000 operations take at most 11× the time of 100", r, 11, "max",
                              f"{fmt_ratio(r)} ({fmt_s(a.get('wall_s'))} vs {fmt_s(small)})", "ratio of medians"))
        if warm is not None:
            ws = warm["summary"]
            name = f"Warm regeneration after one changed field ({large}): at most a tenth of cold"
            if ws.get("wall_s") is None and ws.get("timed_out"):
                r = ratio(ws["timed_out_after_s"], a.get("wall_s"))
                t = target(name, r, 0.1, "max", f"> {fmt_ratio(r)} (killed after {fmt_s(ws['timed_out_after_s'])}; "
                           f"cold {fmt_s(a.get('wall_s'))})", "lower bound: the run was stopped")
                t["lower_bound"] = True
                out.append(t)
            else:
                r = ratio(ws.get("wall_s"), a.get("wall_s"))
                out.append(target(name, r, 0.1, "max", f"{fmt_ratio(r)} ({fmt_s(ws.get('wall_s'))} vs "
                                  f"{fmt_s(a.get('wall_s'))})", "ratio of medians"))
    if client is not None:
        d = {k: v["median_us"] for k, v in client["decode"]["results"].items()}
        ours = d.get("aiccgen client (msgspec Structs)")
        r = ratio(ours, d.get("json.loads (dicts)"))
        out.append(target("Decoding 100 records into typed, validated objects: at most 0.35 of json.loads alone", r,
                          0.35, "max", f"{fmt_ratio(r)} ({fmt_us(ours)} vs {fmt_us(d.get('json.loads (dicts)'))})",
                          "ratio of medians"))
        r = ratio(d.get("pydantic v2 model_validate_json"), ours)
        out.append(target("... at least 3× faster than pydantic v2", r, 3, "min",
                          f"{fmt_ratio(r)} ({fmt_us(d.get('pydantic v2 model_validate_json'))} vs {fmt_us(ours)})",
                          "pydantic time / aiccgen time"))
        oa = d.get("openapi-python-client from_dict(json.loads)")
        r = ratio(oa, ours)
        out.append(target("... at least 7× faster than openapi-python-client's models", r, 7, "min",
                          f"{fmt_ratio(r)} ({fmt_us(oa)} vs {fmt_us(ours)})", "oapc time / aiccgen time"))
        imp = client["import"]
        paired = imp["paired_extra_ms"]
        extra = paired["median"]
        out.append(target("Importing the generated client: under 50 ms more than importing httpx alone", extra, 50,
                          "max", f"+{extra:.0f} ms (median of {paired['rounds']} paired rounds; medians "
                          f"{imp['import aicc_client']['median_ms']:.0f} vs {imp['import httpx']['median_ms']:.0f} ms)",
                          "median of per-round differences, fresh interpreters"))
    return out


# -- the report -----------------------------------------------------------------------------

STAGE_NOTES = {
    "imports": "importing generator.cli/pipeline (libraries used later import inside their stage)",
    "load": "reading + parsing YAML (rapidyaml), strict scalar resolution",
    "lint: aiccgen rules": "$refs, errata, code tables, lengths, examples, provenance, locating findings",
    "validity: openapi-spec-validator (wait)": "waiting for openapi-spec-validator, which runs in a worker "
    "process beside load/lint/build/render (generator/validity.py); in-process under the profiler",
    "build": "specs -> IR (build_api), locating its findings",
    "render": "Jinja2 rendering of every file (emit.iter_outputs)",
    "format": "selective black (format_utf8)",
    "write": "writing the tree, saving the black cache",
    "other": "interpreter teardown inside main, argument parsing, encoding",
}


def markdown(data: dict[str, Any]) -> str:
    m = data["machine"]
    lines = [
        "# aiccgen benchmark results", "",
        f"Run {data['started']} UTC, {data['duration_min']:.1f} min, mode **{data['mode']}**.", "",
        f"Command: `{data['command']}`", "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, {m['os']}; Python {m['python']}; "
        f"load average {data['loadavg_start']} at start, {data['loadavg_end']} at end.", "",
        "Packages: " + ", ".join(f"{k} {v}" for k, v in m["packages"].items() if v) + ".", "",
        "Medians of the runs shown (min–max in brackets). Each tool runs as a fresh process; peak memory is the "
        "child's ru_maxrss (the largest process of its tree). Tools alternate within each repetition; runs whose "
        f"first repetition took over {data['settings']['long_threshold_s']:.0f} s are repeated "
        f"{data['settings']['long_reps']} times, the peers at {data['settings']['large_ops']} operations "
        f"{data['settings']['peer_reps_large']} times; everything else {data['settings']['reps']} times.", "",
        "## Targets", "",
        "| target | measured | limit | result |", "| --- | --- | --- | --- |",
    ]
    for t in data["targets"]:
        limit = ("≤ " if t["kind"] == "max" else "≥ ") + (f"{t['limit']:.2f}" if t["limit"] < 1 else f"{t['limit']:g}")
        if t["met"] is None:
            result = "not measured"
        elif t["met"]:
            result = "**met**"
        else:
            result = f"**missed** ({'> ' if t.get('lower_bound') else ''}{t['off_by']:.1f}× off)"
        lines.append(f"| {t['target']} | {t['shown']} | {limit} | {result} |")
    lines += ["", "“× off”: how many times too slow/large the measured value is for its limit.", "",
              "## Generation (cold)", "",
              "| input | tool | runs | wall | peak RSS | aiccgen ÷ tool (wall) | aiccgen ÷ tool (RSS) |",
              "| --- | --- | --- | --- | --- | --- | --- |"]
    for case, tools in data["generation"].items():
        ours = tools.get("aiccgen") or {}
        for tool, s in tools.items():
            if s.get("wall_s") is None:
                why = (f"timed out after {fmt_s(s['timed_out_after_s'])}" if s.get("timed_out") else "FAILED")
                lines.append(f"| {case} | {tool} | {s['runs']} | {why} | | | |")
                continue
            rw = "" if tool.startswith("aiccgen") else fmt_ratio(ratio(ours.get("wall_s"), s["wall_s"]))
            rr = "" if tool.startswith("aiccgen") else fmt_ratio(ratio(ours.get("peak_rss_mib"), s["peak_rss_mib"]))
            lines.append(f"| {case} | {tool} | {s['runs']} | {fmt_s(s['wall_s'])} ({fmt_s(s['wall_min_s'])}–"
                         f"{fmt_s(s['wall_max_s'])}) | {s['peak_rss_mib']:.0f} MiB | {rw} | {rr} |")
    lines += ["", "Inputs: *bundled* is `specs/` for aiccgen (five files with cross-file `$ref`s) and the same specs "
              "inlined into one file (`bundled.yaml`) for the peers; *N ops* are the synthetic specs of "
              "`benchmarks/synth.py` (" + ", ".join(f"{k}: {v}" for k, v in data["spec_sizes"].items()) + "). "
              "openapi-python-client runs its default post-hooks (ruff check --fix, ruff format); "
              "datamodel-code-generator writes pydantic v2 models with black and isort (its msgspec output "
              "cannot decode these specs' open code tables: it warns that an Enum | str union is not decodable).",
              ""]
    if data.get("warm"):
        w = data["warm"]["summary"]
        cold = data["generation"][data["warm"]["case"]]["aiccgen"]["wall_s"]
        lines += ["## Warm regeneration", "",
                  f"{data['warm']['case']}: one field changed per run (`minLength` added to one property), then "
                  "`aiccgen generate` over the previous output and black cache (same spec path, output and cache "
                  f"folders as the last cold run). Each run is stopped after {fmt_s(data['warm']['timeout_s'])}.", "",
                  "| runs | wall | peak RSS | black runs | ÷ cold |", "| --- | --- | --- | --- | --- |"]
        if w.get("wall_s") is not None:
            lines.append(f"| {w['runs']} | {fmt_s(w['wall_s'])} ({fmt_s(w['wall_min_s'])}–{fmt_s(w['wall_max_s'])}) | "
                         f"{w['peak_rss_mib']:.0f} MiB | {w.get('black_runs')} | {fmt_ratio(ratio(w['wall_s'], cold))} |")
        else:
            lines.append(f"| {w['runs']} | killed after {fmt_s(w.get('timed_out_after_s'))} | | | "
                         f"> {fmt_ratio(ratio(w.get('timed_out_after_s'), cold))} |")
            if w.get("killed_in_stage"):
                done = w.get("stages_done_s") or {}
                lines += ["", f"Killed while in stage **{w['killed_in_stage']}**; the stages before it took: "
                          + ", ".join(f"{k} {fmt_s(v)}" for k, v in done.items()
                                     if k not in (w["killed_in_stage"], "lint (all)")) + "."]
        lines += ["", "Files changed: " + " / ".join(data["warm"]["changes"]), ""]
        same = data["warm"].get("same_summary")
        if same and same.get("wall_s") is not None:
            lines += [f"The same command again with nothing changed (the last run's record matches: "
                      f"`generator/stamp.py`), {same['runs']} runs: {fmt_s(same['wall_s'])} "
                      f"({fmt_s(same['wall_min_s'])}–{fmt_s(same['wall_max_s'])}), {same['peak_rss_mib']:.0f} MiB, "
                      f"{fmt_ratio(ratio(same['wall_s'], cold))} of cold.", ""]
    lines += ["## Where aiccgen's time goes (stage split of the timed cold runs, medians)", ""]
    cases = [c for c in data["generation"] if (data["generation"][c].get("aiccgen") or {}).get("stages_s")]
    header = "| stage | " + " | ".join(cases) + " | share at " + (cases[-1] if cases else "") + " |"
    lines += [header, "| --- |" + " --- |" * (len(cases) + 1)]
    if cases:
        last = data["generation"][cases[-1]]["aiccgen"]["stages_s"]
        total_last = sum(last.values())
        for stage in last:
            cells = [fmt_s(data["generation"][c]["aiccgen"]["stages_s"].get(stage)) for c in cases]
            lines.append(f"| {stage} | " + " | ".join(cells) + f" | {last[stage] / total_last:.0%} |")
        totals = [fmt_s(sum(data["generation"][c]["aiccgen"]["stages_s"].values())) for c in cases]
        lines.append("| **in-process total** | " + " | ".join(totals) + " | |")
        lines += ["", "Stages: " + "; ".join(f"*{k}*: {v}" for k, v in STAGE_NOTES.items()) + ".", ""]
        rise = data["generation"][cases[-1]]["aiccgen"].get("peak_rise_mib") or {}
        if rise:
            lines += [f"How much each stage raised the main process's peak RSS ({cases[-1]}, one run): "
                      + ", ".join(f"{k} +{v:.0f} MiB" for k, v in rise.items()) + ".", ""]
        bl = data["generation"][cases[-1]]["aiccgen"].get("black_runs")
        lines += [f"black ran on {bl} statements at {cases[-1]} (cold).", ""]
    if data.get("warm") and data["warm"]["summary"].get("stages_s"):
        ws = data["warm"]["summary"]["stages_s"]
        lines += ["Warm run stage split: " + ", ".join(f"{k} {fmt_s(v)}" for k, v in ws.items()) + ".", ""]
    if data.get("profile"):
        p = data["profile"]
        lines += [f"## Profile ({p['case']}, cProfile, one run)", "",
                  f"Full report: `benchmarks/results/{p['file']}`. Under cProfile the run took "
                  f"{p['report']['total_s']:.0f} s (profiling overhead inflates Python-heavy code more than C).", "",
                  "Self time by component:", "", "| component | self time | share |", "| --- | --- | --- |"]
        tot = p["report"]["total_s"]
        for comp, s in list(p["report"]["by_component_s"].items())[:15]:
            lines.append(f"| {comp} | {s:.1f} s | {s / tot:.0%} |")
        lines += ["", "Top functions by cumulative time:", "", "| cumulative | self | calls | function |",
                  "| --- | --- | --- | --- |"]
        for row in p["report"]["top_cumulative"][:30]:
            lines.append(f"| {row['cumulative_s']:.1f} s | {row['self_s']:.2f} s | {row['calls']} | "
                         f"`{row['function']}` |")
        lines.append("")
    if data.get("client"):
        c = data["client"]
        d = c["decode"]
        ours = d["results"]["aiccgen client (msgspec Structs)"]["median_us"]
        jl = d["results"]["json.loads (dicts)"]["median_us"]
        lines += ["## The generated client", "",
                  f"Decoding one queryCallDetailRecord page of {d['records']} records ({d['payload_bytes']} bytes; "
                  "built from the documented example, numbers in String fields as the page shows them, every "
                  "fourth record with strings) from bytes:", "",
                  "| decoder | per page | ÷ aiccgen | ÷ json.loads | refuses a 33-char caller |",
                  "| --- | --- | --- | --- | --- |"]
        refused = d.get("refuses_caller_of_33_chars", {})
        keys = {"aiccgen client (msgspec Structs)": "aiccgen", "pydantic v2 model_validate_json": "pydantic",
                "openapi-python-client from_dict(json.loads)": "openapi-python-client"}
        for name, r in d["results"].items():
            key = keys.get(name)
            if key is None:
                ref = "n/a (plain dicts)"
            else:
                ref = "yes" if refused.get(key) else "**no** (its models check no constraints)"
            lines.append(f"| {name} | {fmt_us(r['median_us'])} | {fmt_ratio(r['median_us'] / ours)} | "
                         f"{fmt_ratio(r['median_us'] / jl)} | {ref} |")
        lines += ["", "aiccgen: `msgspec.json.decode(body, type=mobile_agent.QueryCallDetailRecordResponse)`, what "
                  "the runtime does with a 2xx body. pydantic: hand-written v2 models with the spec's constraints "
                  "(maxLength, ranges, required), `str | int` for the lax fields, strict mode (like msgspec). "
                  "openapi-python-client: its models generated from `mobile-agent.inline.yaml`, "
                  "`from_dict(json.loads(body))`.", "",
                  "Validating a request before sending (`validate_request` of the runtime, as `create_call` calls it; "
                  "no I/O):", "", "| check | per call |", "| --- | --- |"]
        for name, r in c["validate"]["results"].items():
            lines.append(f"| {name} | {fmt_us(r['median_us'])} |")
        imp = c["import"]
        lines += ["", "Importing in a fresh interpreter (wall time of `python -c ...`, medians of "
                  f"{imp['import httpx']['runs']} runs, alternating):", "", "| statement | wall |", "| --- | --- |"]
        for name, r in imp.items():
            if isinstance(r, dict) and "median_ms" in r:
                lines.append(f"| `{name}` | {r['median_ms']:.0f} ms ({r['min_ms']:.0f}–{r['max_ms']:.0f}) |")
        paired = imp["paired_extra_ms"]
        lines += ["", (f"`import aicc_client` minus `import httpx` within each round (the target's measure): "
                       f"median +{paired['median']:.0f} ms, quartiles {paired['q1']:+.0f} to {paired['q3']:+.0f} ms "
                       f"over {paired['rounds']} rounds.")]
        lines += ["", "`python -X importtime` (one run, cumulative): " + ", ".join(
            f"{k} {v / 1000:.0f} ms" for k, v in imp.get("importtime_cumulative_us", {}).items()) + ".", "",
            "Largest own import times: " + ", ".join(
            f"{k} {v / 1000:.1f} ms" for k, v in imp.get("importtime_top_self_us", {}).items()) + ".", ""]
    return "\n".join(lines) + "\n"


def to_jsonable(obj: Any) -> Any:
    if isinstance(obj, Run):
        return {k: v for k, v in obj.__dict__.items() if k not in ("stdout_tail",)} | {
            "stderr_tail": obj.stderr_tail[-400:] if not obj.ok() else ""}
    if isinstance(obj, dict):
        return {k: to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    return obj


def run_client(args: argparse.Namespace) -> dict[str, Any]:
    log("benchmarking the generated client (decode, validate, import)")
    cdir = fresh(WORK / "client")
    oapc_out = cdir / "oapc-mobile"
    subprocess.run([str(ENV / "bin" / "openapi-python-client"), "generate", "--path",
                    str(SYNTH / "mobile-agent.inline.yaml"), "--output-path", str(oapc_out), "--overwrite"],
                   check=True, env=child_env(), capture_output=True, cwd=cdir)
    # The client aiccgen generated from specs/ in this run (the last cold bundled run).
    client_dir = WORK / "gen" / "bundled" / "aiccgen" / "out" / "client"
    if not (client_dir / "aicc_client").is_dir():
        client_dir = ROOT / "generated" / "client"
    samples = 7 if args.quick else 21
    runs_import = 11 if args.quick else 41
    subprocess.run([str(PY), str(BENCH / "client_bench.py"), "--client", str(client_dir), "--oapc", str(oapc_out),
                    "--json", str(cdir / "client.json"), "--samples", str(samples), "--import-runs",
                    str(runs_import), "--payload-out", str(cdir / "page-100.json")],
                   check=True, env=child_env(), cwd=cdir)
    client: dict[str, Any] = json.loads((cdir / "client.json").read_text())
    client["client_dir"] = str(client_dir.relative_to(ROOT))
    return client


# -- main -----------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="aiccgen's benchmark suite (see benchmarks/README.md)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: 2 runs (1 for long ones), no 1000-operation peers, profile at 100 operations")
    parser.add_argument("--reps", type=int, help="repetitions per measurement (default 5; --quick: 2)")
    parser.add_argument("--long-reps", type=int, help="repetitions of runs whose first one exceeds --long-threshold "
                        "(default 3; --quick: 1)")
    parser.add_argument("--long-threshold", type=float, default=8.0, help="seconds (default 8)")
    parser.add_argument("--peer-reps-large", type=int, default=3,
                        help="repetitions of the peers at the largest size (default 3)")
    parser.add_argument("--sizes", default="10,100,1000", help="synthetic sizes (default 10,100,1000)")
    parser.add_argument("--timeout", type=float, default=1800, help="stop any measured run after this many seconds")
    parser.add_argument("--warm-timeout", type=float, help="stop a warm regeneration after this many seconds "
                        "(default: the median cold time of the same spec, at least 60 s; 0: no limit)")
    parser.add_argument("--no-profile", action="store_true", help="skip the cProfile run")
    parser.add_argument("--no-client", action="store_true", help="skip the generated-client benchmarks")
    parser.add_argument("--reinstall", action="store_true", help="pip install into benchmarks/.env again")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where latest.md/json go")
    args = parser.parse_args(argv)
    reps = args.reps or (2 if args.quick else 5)
    long_reps = args.long_reps or (1 if args.quick else 3)
    sizes = sorted(int(s) for s in args.sizes.split(",") if s.strip())
    large_ops = max(sizes) if sizes else 0
    started = time.time()
    loadavg_start = " ".join(f"{x:.2f}" for x in os.getloadavg())

    setup_env(args.reinstall)
    info = machine_info()
    for sub in ("gen", "warm", "warm-runs", "profile", "client"):
        if (WORK / sub).exists():
            shutil.rmtree(WORK / sub)
    log("building the synthetic specs")
    subprocess.run([str(PY), str(BENCH / "synth.py"), "--out", str(SYNTH), "--sizes", ",".join(map(str, sizes))],
                   check=True, env=child_env(), capture_output=True)
    spec_sizes = {p.name: f"{p.stat().st_size / 1e6:.2f} MB" for p in sorted(SYNTH.glob("*.yaml"))}

    cases = [Case("bundled", 6, ROOT / "specs", SYNTH / "bundled.yaml",
                  ("aiccgen", "aiccgen (console script)", "openapi-python-client", "datamodel-code-generator"))]
    for n in sizes:
        tools = TOOLS if not (args.quick and n >= 1000) else ("aiccgen",)
        spec = SYNTH / f"ops{n:04d}.yaml"
        ours = spec
        if n == large_ops:
            # aiccgen reads the largest spec from where the warm runs will edit it: the generated
            # tests name the spec folder, so the cold output must come from the same path.
            (WORK / "warm").mkdir(parents=True, exist_ok=True)
            ours = WORK / "warm" / spec.name
            shutil.copyfile(spec, ours)
        cases.append(Case(f"{n} ops", n, ours, spec, tools))

    # One untimed run of every tool first: .pyc files written, disk caches filled.
    log("warm-up: one untimed run of each tool on the bundled specs")
    for tool in cases[0].tools:
        cmd, _stage_json = tool_command(tool, cases[0], fresh(WORK / "gen" / "warmup" / SHORT[tool]))
        measure(cmd, cwd=WORK / "gen" / "warmup" / SHORT[tool], timeout=args.timeout)
    generation: dict[str, dict[str, Any]] = {}
    raw: dict[str, Any] = {}
    for case in cases:
        runs = run_case(case, reps, long_reps, args.long_threshold, args.peer_reps_large, 1000, args.timeout)
        generation[case.name] = {t: summarize(r) for t, r in runs.items()}
        raw[case.name] = runs
    large = cases[-1] if len(cases) > 1 else None

    warm = None
    cold_large = (generation[large.name].get("aiccgen") or {}).get("wall_s") if large is not None else None
    if large is not None and cold_large is not None:
        warm_timeout = args.warm_timeout if args.warm_timeout is not None else max(60.0, cold_large)
        w = run_warm(large, reps, long_reps, args.long_threshold, warm_timeout or None)
        warm = {"case": large.name, "summary": summarize(w["runs"]), "changes": w["changes"], "runs": w["runs"],
                "timeout_s": warm_timeout or None,
                "same_summary": summarize(w["same"]) if w["same"] else None, "same_runs": w["same"]}

    client = run_client(args) if not args.no_client else None

    profile = None
    if not args.no_profile and len(cases) > 1:
        pcase = cases[-1] if not args.quick else next((c for c in cases if c.ops == 100), cases[-1])
        log(f"profiling aiccgen on {pcase.name} (cProfile)")
        pdir = fresh(WORK / "profile")
        prof = pdir / "generate.prof"
        r = measure([str(PY), str(BENCH / "stages.py"), "--json", str(pdir / "stages.json"), "--profile", str(prof),
                     "--", "generate", "--specs", str(pcase.peer_spec), "--out", str(pdir / "out"), "--no-cache"],
                    cwd=pdir, stage_json=pdir / "stages.json", timeout=args.timeout)
        if r.ok():
            args.results.mkdir(parents=True, exist_ok=True)
            name = f"profile-{pcase.ops}ops.txt"
            rep = subprocess.run([str(PY), str(BENCH / "profile_report.py"), str(prof), "--top", "60", "--json",
                                  str(pdir / "report.json")], capture_output=True, text=True, check=True)
            header = (f"aiccgen generate on {pcase.name} ({pcase.aiccgen_specs.name}), cProfile, "
                      f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC\n"
                      f"Stage split under the profiler: {json.dumps(r.stages['stages'] if r.stages else {})}\n\n")
            (args.results / name).write_text(header + rep.stdout, encoding="utf-8")
            profile = {"case": pcase.name, "file": name, "wall_s": r.wall_s, "stages_under_profiler": r.stages,
                       "report": json.loads((pdir / "report.json").read_text())}
        else:
            log("profile run failed:\n" + r.stderr_tail)

    targets = evaluate(generation, warm, client, large.name if large else None)
    data = {
        "started": dt.datetime.fromtimestamp(started, dt.timezone.utc).strftime("%Y-%m-%d %H:%M"),
        "duration_min": (time.time() - started) / 60,
        "mode": "quick" if args.quick else "full",
        "command": "python3 benchmarks/run.py" + ("".join(" " + shlex.quote(a) for a in (argv or sys.argv[1:]))),
        "machine": info, "loadavg_start": loadavg_start,
        "loadavg_end": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "settings": {"reps": reps, "long_reps": long_reps, "long_threshold_s": args.long_threshold,
                     "peer_reps_large": args.peer_reps_large, "large_ops": 1000, "sizes": sizes},
        "spec_sizes": spec_sizes,
        "targets": targets,
        "generation": generation,
        "warm": {k: v for k, v in warm.items() if k not in ("runs", "same_runs")} if warm else None,
        "profile": profile,
        "client": client,
    }
    args.results.mkdir(parents=True, exist_ok=True)
    md = markdown(data)
    suffix = "" if not args.quick else "-quick"
    (args.results / f"latest{suffix}.md").write_text(md, encoding="utf-8")
    data["raw_runs"] = {case: {t: runs for t, runs in tools.items()} for case, tools in raw.items()}
    if warm:
        data["raw_runs"]["warm"] = warm["runs"]
        data["raw_runs"]["warm (nothing changed)"] = warm["same_runs"]
    (args.results / f"latest{suffix}.json").write_text(json.dumps(to_jsonable(data), indent=1), encoding="utf-8")
    print(md)
    log(f"wrote {args.results / f'latest{suffix}.md'} and .json in {data['duration_min']:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
