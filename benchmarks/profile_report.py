"""Summarise a cProfile dump of `aiccgen generate` (written by stages.py --profile).

    python benchmarks/profile_report.py PROFILE.prof [--top 40] [--json OUT.json] > REPORT.txt

Prints: self time by component (aiccgen module, library, or C built-ins), the top
functions by cumulative time, and by own (self) time, with call counts. Paths are shown
relative to the repository or to site-packages.
"""

from __future__ import annotations

import argparse
import json
import pstats
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = str(Path(__file__).resolve().parent.parent) + "/"
_SITE = re.compile(r".*/(?:site|dist)-packages/")
_STDLIB = re.compile(r".*/lib/python3\.\d+/")


def short_path(filename: str) -> str:
    m = _SITE.match(filename)  # first: the benchmark venv lives inside the repository
    if m:
        return filename[m.end():]
    if filename.startswith(ROOT):
        return filename[len(ROOT):]
    m = _STDLIB.match(filename)
    if m:
        return "stdlib/" + filename[m.end():]
    return filename


def component(filename: str, name: str) -> str:
    """Who owns a function's own time."""
    if filename == "~":  # C functions: attribute by the name cProfile gives them
        for needle, owner in (("black.", "black (mypyc-compiled)"), ("ryml", "rapidyaml"), ("msgspec", "msgspec"),
                              ("rpds", "rpds (referencing)"), ("re.Pattern", "re (C)"), ("compile", "compile/exec"),
                              ("exec", "compile/exec")):
            if needle in name:
                return owner
        return "C built-ins (dict/list/str/isinstance...)"
    path = short_path(filename)
    if path.startswith("generator/"):
        return "aiccgen " + path.removesuffix(".py")
    if path.startswith("templates/"):
        return "aiccgen templates (Jinja2-compiled)"
    if path.startswith("benchmarks/"):
        return "benchmark wrapper"
    if path.startswith("stdlib/"):
        return "stdlib " + path[len("stdlib/"):].split("/")[0].removesuffix(".py")
    if filename.startswith("<"):
        return "generated code (" + filename.strip("<>").split(" ")[0] + ")"
    return path.split("/")[0].removesuffix(".py")


def label(func: tuple[str, int, str]) -> str:
    filename, line, name = func
    if filename == "~":
        return name
    return f"{short_path(filename)}:{line}({name})"


def report(prof: str, top: int) -> tuple[str, dict[str, Any]]:
    stats = pstats.Stats(prof)
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    total = max(ct for (_cc, _nc, _tt, ct, _callers) in raw.values())
    by_component: dict[str, float] = defaultdict(float)
    for (filename, _line, name), (_cc, _nc, tt, _ct, _callers) in raw.items():
        by_component[component(filename, name)] += tt
    lines = [f"cProfile of one run: {total:.1f} s under the profiler (cProfile roughly doubles Python-heavy code;",
             "use the stage split of the timed runs for proportions, this for where inside a stage).", ""]
    lines.append("Self time by component")
    lines.append(f"{'seconds':>8} {'share':>6}  component")
    comp_rows = sorted(by_component.items(), key=lambda kv: -kv[1])
    for comp, tt in comp_rows[:30]:
        lines.append(f"{tt:8.2f} {tt / total:6.1%}  {comp}")
    rows = [(func, cc, nc, tt, ct) for func, (cc, nc, tt, ct, _callers) in raw.items()]
    lines += ["", f"Top {top} functions by cumulative time", f"{'cumul s':>8} {'self s':>8} {'calls':>10}  function"]
    for func, cc, nc, tt, ct in sorted(rows, key=lambda r: -r[4])[:top]:
        calls = f"{nc}" if nc == cc else f"{nc}/{cc}"
        lines.append(f"{ct:8.2f} {tt:8.2f} {calls:>10}  {label(func)}")
    lines += ["", f"Top {top} functions by self time", f"{'self s':>8} {'cumul s':>8} {'calls':>10}  function"]
    for func, cc, nc, tt, ct in sorted(rows, key=lambda r: -r[3])[:top]:
        calls = f"{nc}" if nc == cc else f"{nc}/{cc}"
        lines.append(f"{tt:8.2f} {ct:8.2f} {calls:>10}  {label(func)}")
    data = {
        "total_s": total,
        "by_component_s": {k: round(v, 3) for k, v in comp_rows},
        "top_cumulative": [
            {"function": label(f), "cumulative_s": round(ct, 3), "self_s": round(tt, 3), "calls": nc}
            for f, cc, nc, tt, ct in sorted(rows, key=lambda r: -r[4])[:top]
        ],
        "top_self": [
            {"function": label(f), "cumulative_s": round(ct, 3), "self_s": round(tt, 3), "calls": nc}
            for f, cc, nc, tt, ct in sorted(rows, key=lambda r: -r[3])[:top]
        ],
    }
    return "\n".join(lines) + "\n", data


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("prof")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--json")
    args = parser.parse_args()
    text, data = report(args.prof, args.top)
    sys.stdout.write(text)
    if args.json:
        Path(args.json).write_text(json.dumps(data, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
