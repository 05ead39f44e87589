"""Writing the output folder: owned files only, all or nothing, only what changed.

A manifest (`.aiccgen-manifest.json`) lists the files aiccgen wrote and their hashes.
That is how a stale generated file gets removed while a hand-written file beside it is
never touched: aiccgen refuses to overwrite a file it did not write.

Writes are a small transaction: every new content is staged next to its target first; then
the targets are swapped in, with the previous versions kept aside until the manifest is
written. An exception or Ctrl-C at any point rolls back, so the previous tree stays
exactly as it was. A run killed outright (SIGKILL) leaves its staging files behind; the
next run rolls back what they describe before it starts.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .diagnostics import AiccgenError, ExitCode, error

MANIFEST = ".aiccgen-manifest.json"
_STAGED = ".aiccgen-new"
_KEPT = ".aiccgen-old"
#: A file's new content: bytes, or the bytearray cases.json is written into as it is built.
Content = bytes | bytearray


@dataclass(frozen=True)
class Change:
    path: str
    kind: Literal["add", "update", "remove"]
    detail: str = ""


def _digest(data: Content) -> str:
    return hashlib.sha256(data).hexdigest()


def read_manifest(out_dir: Path) -> dict[str, str]:
    path = out_dir / MANIFEST
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = data.get("files") if isinstance(data, dict) else None
        return {str(k): str(v) for k, v in files.items()} if isinstance(files, dict) else {}
    except (OSError, ValueError):
        return {}


def manifest_text(files: Mapping[str, Content], generator: str) -> bytes:
    body = {"generator": generator, "files": {p: _digest(c) for p, c in sorted(files.items())}}
    return (json.dumps(body, indent=1, sort_keys=True) + "\n").encode("utf-8")


def plan_changes(out_dir: Path, files: Mapping[str, Content]) -> list[Change]:
    """What writing `files` into `out_dir` would change, and what it refuses to do."""
    manifest = read_manifest(out_dir)
    changes: list[Change] = []
    foreign: list[str] = []
    for rel, content in sorted(files.items()):
        target = out_dir / rel
        try:
            current = target.read_bytes()
        except FileNotFoundError:
            changes.append(Change(rel, "add"))
            continue
        except IsADirectoryError:
            foreign.append(rel)
            continue
        except OSError as exc:  # a file where a folder should be, no permission, ...
            raise AiccgenError(error("write", f"cannot read what is there: {exc.strerror or exc}; the output "
                                     "folder must be readable and writable", str(target)),
                               ExitCode.ENVIRONMENT) from None
        if current == content:
            continue
        if rel not in manifest:
            foreign.append(rel)
            continue
        changes.append(Change(rel, "update", _diff_summary(current, content)))
    for rel in sorted(set(manifest) - set(files)):
        if (out_dir / rel).is_file():
            changes.append(Change(rel, "remove"))
    if foreign:
        raise AiccgenError(
            [error("write", "exists and was not written by aiccgen (not in its manifest); move it away or delete "
                   "it, aiccgen never overwrites a file it did not write", str(out_dir / rel)) for rel in foreign],
            ExitCode.ENVIRONMENT,
        )
    return changes


def _diff_summary(old: bytes, new: Content) -> str:
    """Lines added and removed, counted as multisets after trimming the common ends.

    Linear on purpose: difflib is quadratic in the worst case and took minutes on a
    1000-operation module where one line had changed (docs/performance.md). A moved line
    counts as unchanged, which is what a reviewer skimming the summary wants anyway. The
    common ends are found on the bytes, so only the changed middle is decoded and split:
    splitting two 60 MB versions of cases.json into lines raised a warm regeneration's
    peak memory by 120 MiB.
    """
    size = min(len(old), len(new))
    head = _common_length(old, new, size)
    start = old.rfind(b"\n", 0, head) + 1  # back to the start of the first changed line
    tail = _common_length(old, new, size - start, from_end=True)
    end_old, end_new = len(old) - tail, len(new) - tail
    if not (_line_start(old, end_old, start) and _line_start(new, end_new, start)):
        # Forward to the end of the last changed line (the same bytes in both: common tail).
        cut = old.find(b"\n", end_old)
        step = len(old) - end_old if cut < 0 else cut + 1 - end_old
        end_old, end_new = end_old + step, end_new + step
    try:
        a = old[start:end_old].decode("utf-8").splitlines()
        b = new[start:end_new].decode("utf-8").splitlines()
    except UnicodeDecodeError:
        return "binary"
    before, after = Counter(a), Counter(b)
    return f"+{sum((after - before).values())} -{sum((before - after).values())} lines"


def _line_start(data: Content, at: int, start: int) -> bool:
    return at == start or data[at - 1 : at] == b"\n"


def _common_length(a: Content, b: Content, limit: int, *, from_end: bool = False) -> int:
    """How many bytes `a` and `b` share at their start (or end), up to `limit`.

    Compares 64 KiB slices (C memcmp), then bisects the first slice that differs."""

    def part(data: Content, i: int, j: int) -> Content:
        return data[len(data) - j : len(data) - i] if from_end else data[i:j]

    low = 0
    while low < limit:
        high = min(low + 65536, limit)
        if part(a, low, high) == part(b, low, high):
            low = high
            continue
        while high - low > 1:  # the slice [low, high) differs
            mid = (low + high) // 2
            if part(a, low, mid) == part(b, low, mid):
                low = mid
            else:
                high = mid
        return low
    return limit


def recover(out_dir: Path) -> None:
    """Undo what a killed run left half-done: restore kept files, drop staged ones."""
    if not out_dir.is_dir():
        return
    for path in out_dir.rglob("*" + _KEPT):
        original = path.with_name(path.name[: -len(_KEPT)])
        os.replace(path, original)
    for path in out_dir.rglob("*" + _STAGED):
        path.unlink(missing_ok=True)


def write_tree(out_dir: Path, files: Mapping[str, Content], generator: str) -> list[Change]:
    """Make `out_dir` hold exactly `files` (plus any hand-written files), atomically."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        recover(out_dir)
    except OSError as exc:
        raise AiccgenError(error("write", f"cannot use the output folder: {exc.strerror}", str(out_dir)),
                           ExitCode.ENVIRONMENT) from None
    changes = plan_changes(out_dir, files)
    manifest = manifest_text(files, generator)
    if not changes and (out_dir / MANIFEST).is_file() and (out_dir / MANIFEST).read_bytes() == manifest:
        return []
    staged: list[tuple[Path, Path]] = []  # (staging file, target)
    kept: list[tuple[Path, Path]] = []  # (kept previous version, target)
    created: list[Path] = []
    try:
        for change in changes:
            if change.kind == "remove":
                continue
            target = out_dir / change.path
            created.extend(_make_parents(target.parent, out_dir))
            tmp = target.with_name(target.name + _STAGED)
            tmp.write_bytes(files[change.path])
            staged.append((tmp, target))
        manifest_target = out_dir / MANIFEST
        tmp = manifest_target.with_name(manifest_target.name + _STAGED)
        tmp.write_bytes(manifest)
        staged.append((tmp, manifest_target))
        for change in changes:
            if change.kind == "remove":
                target = out_dir / change.path
                keep = target.with_name(target.name + _KEPT)
                _replace(target, keep)
                kept.append((keep, target))
        for tmp, target in staged:
            if target.exists():
                keep = target.with_name(target.name + _KEPT)
                _replace(target, keep)
                kept.append((keep, target))
            _replace(tmp, target)
    except BaseException as exc:  # Ctrl-C included: roll back, then let it propagate
        _rollback(staged, kept, created)
        if isinstance(exc, OSError):
            raise AiccgenError(error("write", f"cannot write the output: {exc.strerror or exc}",
                                     str(getattr(exc, "filename", None) or out_dir)), ExitCode.ENVIRONMENT) from None
        raise
    for keep, _target in kept:
        keep.unlink(missing_ok=True)
    _remove_empty_dirs(out_dir, [c.path for c in changes if c.kind == "remove"])
    return changes


def _replace(src: Path, dst: Path) -> None:
    """One rename; a seam tests use to interrupt a write halfway."""
    os.replace(src, dst)


def _rollback(staged: list[tuple[Path, Path]], kept: list[tuple[Path, Path]], created: list[Path]) -> None:
    for tmp, target in staged:
        if tmp.exists():
            tmp.unlink(missing_ok=True)
        elif target.exists() and not any(t == target for _k, t in kept):
            target.unlink(missing_ok=True)  # a file this run added
    for keep, target in reversed(kept):
        if keep.exists():
            os.replace(keep, target)
    for directory in reversed(created):
        try:
            directory.rmdir()
        except OSError:
            pass


def _make_parents(directory: Path, root: Path) -> list[Path]:
    made = []
    missing = []
    current = directory
    while current != root and not current.exists():
        missing.append(current)
        current = current.parent
    for d in reversed(missing):
        d.mkdir()
        made.append(d)
    return made


def _remove_empty_dirs(out_dir: Path, removed: Iterable[str]) -> None:
    for rel in removed:
        parent = (out_dir / rel).parent
        while parent != out_dir and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent


def check_tree(out_dir: Path, files: Mapping[str, Content], generator: str) -> list[Change]:
    """What `write_tree` would change; writes nothing."""
    try:
        changes = plan_changes(out_dir, files)
    except AiccgenError as exc:
        # In check mode a foreign file in the way is a finding, like any other staleness.
        return [Change(f.file, "update", "not written by aiccgen") for f in exc.findings]
    manifest_path = out_dir / MANIFEST
    current = manifest_path.read_bytes() if manifest_path.is_file() else None
    if current != manifest_text(files, generator):
        changes.append(Change(MANIFEST, "update" if current else "add"))
    return changes
