"""Run `aiccgen generate` in this process with each pipeline stage timed, or profiled.

    python benchmarks/stages.py --json OUT.json [--profile OUT.prof] -- generate --specs S --out O --no-cache

The command line after ``--`` is passed to ``generator.cli.main`` unchanged, so this is the
same code path as the ``aiccgen`` command. Timing wraps (without changing) the functions
``generator.pipeline.generate`` calls, in place:

| stage | what is timed |
| --- | --- |
| imports | importing generator.cli and generator.pipeline (black, jinja2 and the validator are imported lazily, inside the stages that use them) |
| load | ``load_spec_set``: reading and parsing the YAML (rapidyaml), converting to Python data |
| lint: aiccgen rules | ``lint``: $ref checks, errata, code tables, lengths, examples, provenance, operation ids, locating findings; submitting documents to the validity check |
| validity: openapi-spec-validator (wait) | ``ValidityCheck.findings``: waiting for the worker that runs openapi-spec-validator (or, in-process, running it) |
| build | ``build_api`` plus locating its findings: specs -> IR |
| render | ``generator.emit.iter_outputs``: Jinja2 rendering of every output file, runtime copy |
| format | ``format_utf8`` (selective black, through the cache) |
| write | ``TreeUpdate``: comparing each output with the tree and staging it, the swap, saving the black cache |

Writes a JSON object: {"stages": {name: seconds}, "total": seconds, "black_misses": n,
"files": n, "exit": code}. With --profile, runs under cProfile instead and dumps the stats
(stage times then include cProfile's overhead).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from typing import Any, Callable

T0 = time.perf_counter()
STAGES: dict[str, float] = defaultdict(float)
#: how much each stage raised this process's peak RSS (MiB), summed over its calls: where
#: the peak is made. (The peak after a stage's last call said little for a stage that is
#: called again at the end, such as locating findings.)
PEAK_RISE: dict[str, float] = defaultdict(float)


def _peak_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


#: where main() writes its JSON; also written after every stage, marked partial, so that a
#: run stopped from outside still tells which stage it was in and what the others took
OUT_PATH: str | None = None
RUNNING: list[str] = []


def _checkpoint() -> None:
    if OUT_PATH is None:
        return
    with open(OUT_PATH, "w", encoding="utf-8") as f:
        json.dump({"partial": True, "running": RUNNING[-1] if RUNNING else None,
                   "elapsed": round(time.perf_counter() - T0, 3),
                   "stages_done": {k: round(v, 4) for k, v in STAGES.items()}}, f)


def _timed(name: str, fn: Callable[..., Any], *, materialize: bool = False) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start, peak = time.perf_counter(), _peak_mib()
        RUNNING.append(name)
        _checkpoint()
        try:
            result = fn(*args, **kwargs)
            if materialize:  # a generator does its work when iterated
                result = list(result)
            return result
        finally:
            STAGES[name] += time.perf_counter() - start
            PEAK_RISE[name] += _peak_mib() - peak
            RUNNING.pop()
            _checkpoint()

    wrapper.__wrapped__ = fn  # type: ignore[attr-defined]
    return wrapper


def _timed_iter(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """Like _timed for a generator: each item's production counts, the consumer's work not."""
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        items = iter(fn(*args, **kwargs))
        while True:
            start, peak = time.perf_counter(), _peak_mib()
            try:
                item = next(items)
            except StopIteration:
                return
            finally:
                STAGES[name] += time.perf_counter() - start
                PEAK_RISE[name] += _peak_mib() - peak
            yield item

    return wrapper


def install() -> dict[str, Any]:
    start = time.perf_counter()
    import generator.cli  # noqa: F401
    import generator.pipeline as pipeline
    import generator.validity as validity_mod

    STAGES["imports"] += time.perf_counter() - start
    info: dict[str, Any] = {}
    # openapi-spec-validator runs in a worker process beside the build (generator/validity.py);
    # the main process only waits for it at the end. In-process (AICCGEN_VALIDITY_WORKERS=0,
    # or a profile run) its shards are checked inside `findings` as well.
    validity_mod.ValidityCheck.findings = _timed(  # type: ignore[method-assign]
        "validity: openapi-spec-validator (wait)", validity_mod.ValidityCheck.findings)
    pipeline.load_spec_set = _timed("load", pipeline.load_spec_set)
    pipeline.lint = _timed("lint (all)", pipeline.lint)
    pipeline.build_api = _timed("build", pipeline.build_api)
    pipeline.place_findings = _timed("build", pipeline.place_findings)
    pipeline.iter_outputs = _timed_iter("render", pipeline.iter_outputs)
    pipeline.format_utf8 = _timed("format", pipeline.format_utf8)
    # Each output is compared and staged as it is rendered (TreeUpdate.add), then swapped in.
    for method in ("__init__", "add", "commit"):
        setattr(pipeline.TreeUpdate, method, _timed("write", getattr(pipeline.TreeUpdate, method)))
    original_save = pipeline.BlackCache.save
    pipeline.BlackCache.save = _timed("write", original_save)  # type: ignore[method-assign]
    original_generate = pipeline.generate

    def generate(*args: Any, **kwargs: Any) -> Any:
        result = original_generate(*args, **kwargs)
        info["black_misses"] = result.black_runs
        info["files"] = result.files
        return result

    pipeline.generate = generate
    return info


def main() -> int:
    argv = sys.argv[1:]
    cli_args = argv[argv.index("--") + 1:] if "--" in argv else []
    own = argv[: argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", required=True)
    parser.add_argument("--profile")
    args = parser.parse_args(own)
    global OUT_PATH
    OUT_PATH = args.json
    info = install()
    import generator.cli

    if args.profile:
        import cProfile
        import os

        # A profile shows where all the CPU goes: keep openapi-spec-validator in this process.
        os.environ.setdefault("AICCGEN_VALIDITY_WORKERS", "0")

        profiler = cProfile.Profile()
        code = profiler.runcall(generator.cli.main, cli_args)
        profiler.dump_stats(args.profile)
    else:
        code = generator.cli.main(cli_args)
    total = time.perf_counter() - T0
    stages = dict(STAGES)
    stages["lint: aiccgen rules"] = stages.pop("lint (all)", 0.0)
    order = ["imports", "load", "lint: aiccgen rules", "build", "render", "format",
             "validity: openapi-spec-validator (wait)", "write"]
    out = {"stages": {k: round(stages.get(k, 0.0), 4) for k in order}, "total": round(total, 4), "exit": code, **info}
    out["stages"]["other"] = round(total - sum(out["stages"].values()), 4)
    out["peak_rise_mib"] = {k: round(v, 1) for k, v in PEAK_RISE.items()}
    out["peak_rss_mib"] = round(_peak_mib(), 1)
    with open(args.json, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1)
    return int(code)


if __name__ == "__main__":
    sys.exit(main())
