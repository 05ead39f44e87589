"""Writing the output folder: owned files only, all or nothing, only what changed.

A manifest (`.aiccgen-manifest.json`) lists the files aiccgen wrote and their hashes.
That is how a stale generated file gets removed while a hand-written file beside it is
never touched: aiccgen refuses to overwrite a file it did not write.

Writes are a small transaction: every new content is staged next to its target as it is
rendered (`TreeUpdate.add`), so a run never holds all its outputs at once; then the
targets are swapped in, with the previous versions kept aside until the manifest is
written. An exception or Ctrl-C at any point rolls back, so the previous tree stays
exactly as it was. A run killed outright (SIGKILL) leaves its staging files behind; the
next run rolls back what they describe before it starts.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

from .diagnostics import AiccgenError, ExitCode, error

MANIFEST = ".aiccgen-manifest.json"
_STAGED = ".aiccgen-new"
_KEPT = ".aiccgen-old"
#: A file's new content: bytes, or a binary file holding it (cases.json is written into a
#: temporary file as it is built, so its 60 MB at 1000 operations are never in memory).
Content = bytes | bytearray | BinaryIO
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Change:
    path: str
    kind: Literal["add", "update", "remove"]
    detail: str = ""


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


def manifest_text(digests: Mapping[str, str], generator: str) -> bytes:
    body = {"generator": generator, "files": dict(sorted(digests.items()))}
    return (json.dumps(body, indent=1, sort_keys=True) + "\n").encode("utf-8")


def _chunks(content: Content) -> Iterator[bytes | bytearray | memoryview]:
    if isinstance(content, (bytes, bytearray)):
        yield memoryview(content)
        return
    content.seek(0)
    while chunk := content.read(_CHUNK):
        yield chunk


class _FileView:
    """The slices and newline searches `_diff_summary` needs, read from an open file on
    demand: a warm run compares the old and new cases.json (60 MB each at 1000 operations)
    without holding either; reading both whole took its peak from 233 to 348 MiB."""

    def __init__(self, file: BinaryIO) -> None:
        self._file = file
        self._size = _size(file)

    def __len__(self) -> int:
        return self._size

    def __getitem__(self, part: slice) -> bytes:
        start, stop, _ = part.indices(self._size)
        if stop <= start:
            return b""
        self._file.seek(start)
        return self._file.read(stop - start)

    def find(self, byte: bytes, start: int) -> int:
        """Like `bytes.find` for one byte (a longer needle could straddle two reads)."""
        while start < self._size:
            block = self[start : start + _CHUNK]
            at = block.find(byte)
            if at >= 0:
                return start + at
            start += len(block)
        return -1

    def rfind(self, byte: bytes, start: int, end: int) -> int:
        """Like `bytes.rfind` for one byte."""
        while end > start:
            low = max(start, end - _CHUNK)
            at = self[low:end].rfind(byte)
            if at >= 0:
                return low + at
            end = low
        return -1


Readable = bytes | bytearray | _FileView


def _readable(content: Content) -> Readable:
    return content if isinstance(content, (bytes, bytearray)) else _FileView(content)


def _size(content: Content) -> int:
    return len(content) if isinstance(content, (bytes, bytearray)) else os.fstat(content.fileno()).st_size


def _same(target: BinaryIO, content: Content) -> bool:
    """Whether the open file `target` holds exactly `content`, read a chunk at a time."""
    if os.fstat(target.fileno()).st_size != _size(content):
        return False
    for chunk in _chunks(content):
        if target.read(len(chunk)) != chunk:
            return False
    return True


class TreeUpdate:
    """Make `out_dir` hold exactly the files given to `add` (plus any hand-written files).

    Files arrive one at a time, as they are rendered: each is compared with what is there,
    staged next to its target when it changed, and dropped, so a run never holds all its
    outputs (about 100 MB at 1000 operations). Nothing replaces a target before `commit`;
    `abort` removes what was staged. With `check=True` nothing is written at all and
    `commit` only reports what would change.
    """

    def __init__(self, out_dir: Path, generator: str, *, check: bool = False) -> None:
        self.out_dir, self.generator, self.check = out_dir, generator, check
        self._staged: list[tuple[Path, Path]] = []  # (staging file, target)
        self._created: list[Path] = []  # folders made for staging, removed again by `abort`
        if not check:
            try:
                self._created = _make_parents(out_dir, Path(out_dir.anchor))
                recover(out_dir)  # before comparing: a killed run may have left targets aside
            except OSError as exc:
                raise AiccgenError(error("write", f"cannot use the output folder: {exc.strerror}", str(out_dir)),
                                   ExitCode.ENVIRONMENT) from None
        self.manifest = read_manifest(out_dir)
        self.digests: dict[str, str] = {}
        self.changes: list[Change] = []
        self.foreign: list[str] = []

    def add(self, rel: str, content: Content) -> None:
        if rel in self.digests:
            raise ValueError(f"{rel} given twice")
        digest = hashlib.sha256()
        for chunk in _chunks(content):
            digest.update(chunk)
        self.digests[rel] = digest.hexdigest()
        target = self.out_dir / rel
        try:
            with open(target, "rb") as current:
                if _same(current, content):
                    return
                if rel not in self.manifest:
                    self.foreign.append(rel)
                    return
                change = Change(rel, "update", _diff_summary(_FileView(current), _readable(content)))
        except FileNotFoundError:
            change = Change(rel, "add")
        except IsADirectoryError:
            self.foreign.append(rel)
            return
        except OSError as exc:  # a file where a folder should be, no permission, ...
            raise AiccgenError(error("write", f"cannot read what is there: {exc.strerror or exc}; the output "
                                     "folder must be readable and writable", str(target)),
                               ExitCode.ENVIRONMENT) from None
        self.changes.append(change)
        if not self.check:
            self._stage(target, content)

    def _stage(self, target: Path, content: Content) -> None:
        tmp = target.with_name(target.name + _STAGED)
        try:
            self._created.extend(_make_parents(target.parent, self.out_dir))
            with open(tmp, "wb") as f:
                self._staged.append((tmp, target))
                f.writelines(_chunks(content))
        except OSError as exc:
            self.abort()
            raise AiccgenError(error("write", f"cannot write the output: {exc.strerror or exc}",
                                     str(getattr(exc, "filename", None) or target)), ExitCode.ENVIRONMENT) from None

    def commit(self) -> list[Change]:
        """Swap the staged files in (or, checking, say what would change)."""
        removed = [Change(rel, "remove") for rel in sorted(set(self.manifest) - set(self.digests))
                   if (self.out_dir / rel).is_file()]
        changes = sorted(self.changes, key=lambda c: c.path) + removed
        manifest = manifest_text(self.digests, self.generator)
        if self.check:
            if self.foreign:  # a foreign file in the way is a finding, like any other staleness
                return [Change(str(self.out_dir / rel), "update", "not written by aiccgen")
                        for rel in sorted(self.foreign)]
            manifest_path = self.out_dir / MANIFEST
            current = manifest_path.read_bytes() if manifest_path.is_file() else None
            if current != manifest:
                changes.append(Change(MANIFEST, "update" if current else "add"))
            return changes
        if self.foreign:
            self.abort()
            raise AiccgenError(
                [error("write", "exists and was not written by aiccgen (not in its manifest); move it away or "
                       "delete it, aiccgen never overwrites a file it did not write", str(self.out_dir / rel))
                 for rel in sorted(self.foreign)],
                ExitCode.ENVIRONMENT,
            )
        manifest_target = self.out_dir / MANIFEST
        if not changes and manifest_target.is_file() and manifest_target.read_bytes() == manifest:
            return []
        self._stage(manifest_target, manifest)
        staged, kept, created = self._staged, [], self._created
        self._staged, self._created = [], []
        try:
            for change in removed:
                target = self.out_dir / change.path
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
                                         str(getattr(exc, "filename", None) or self.out_dir)),
                                   ExitCode.ENVIRONMENT) from None
            raise
        for keep, _target in kept:
            keep.unlink(missing_ok=True)
        _remove_empty_dirs(self.out_dir, [c.path for c in removed])
        return changes

    def abort(self) -> None:
        """Remove everything staged, and the folders made for it; targets were never touched."""
        staged, created = self._staged, self._created
        self._staged, self._created = [], []
        _rollback(staged, [], created)


def _diff_summary(old: Readable, new: Readable) -> str:
    """Lines added and removed, counted as multisets after trimming the common ends.

    Linear on purpose: difflib is quadratic in the worst case and took minutes on a
    1000-operation module where one line had changed (docs/performance.md). A moved line
    counts as unchanged, which is what a reviewer skimming the summary wants anyway. The
    common ends are found on the bytes, so only the changed middle is read: splitting two
    60 MB versions of cases.json into lines raised a warm regeneration's peak memory by
    120 MiB. Files are read through `_FileView`, a block at a time, and the middle is
    counted a block at a time too (`_line_counts`): two changes far apart in cases.json
    (a case and its keyword's entry) make a middle of tens of MB.
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
    before, after = _line_counts(old, start, end_old), _line_counts(new, start, end_new)
    if before is None or after is None:
        return "binary"
    return f"+{sum((after - before).values())} -{sum((before - after).values())} lines"


def _line_counts(data: Readable, start: int, end: int) -> Counter[int] | None:
    """The lines of data[start:end] (`str.splitlines`' lines of its UTF-8 text) as a
    multiset of their hashes, read and decoded a block at a time; None when not UTF-8.

    Hashes, not the lines: the counts of a 30 MB middle then take a few MB. Two different
    lines with equal 64-bit hashes would be miscounted, in a summary meant for reading."""
    counts: Counter[int] = Counter()
    decoder = codecs.getincrementaldecoder("utf-8")()
    carry = ""
    at = start
    try:
        while True:
            block = data[at:min(end, at + _CHUNK)]
            at += len(block)
            final = at >= end
            lines = (carry + decoder.decode(block, final)).splitlines(keepends=True)
            # The last line may go on in the next block (a "\r" may be half of "\r\n").
            carry = "" if final or not lines else lines.pop()
            counts.update(hash(line.splitlines()[0]) for line in lines)
            if final:
                return counts
    except UnicodeDecodeError:
        return None


def _line_start(data: Readable, at: int, start: int) -> bool:
    return at == start or data[at - 1 : at] == b"\n"


def _common_length(a: Readable, b: Readable, limit: int, *, from_end: bool = False) -> int:
    """How many bytes `a` and `b` share at their start (or end), up to `limit`.

    Compares 64 KiB slices (C memcmp), then bisects the first slice that differs."""

    def part(data: Readable, i: int, j: int) -> bytes | bytearray:
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


def leftovers(out_dir: Path) -> bool:
    """Whether a killed run left files for `recover` to deal with."""
    return any(p.name.endswith((_KEPT, _STAGED)) for p in out_dir.rglob("*.aiccgen-*"))


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
    update = TreeUpdate(out_dir, generator)
    try:
        for rel, content in sorted(files.items()):
            update.add(rel, content)
        return update.commit()
    except BaseException:
        update.abort()
        raise


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
    update = TreeUpdate(out_dir, generator, check=True)
    for rel, content in sorted(files.items()):
        update.add(rel, content)
    return update.commit()
