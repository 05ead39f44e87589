"""Results kept between runs by the hash of what they were computed from.

A warm run after a one-field edit should redo only the work that field feeds. The stages
that can tell what a piece of their work read (a chunk of a spec file, the contract cases
of one operation) key each piece's result by a hash of those inputs and keep it here; the
next run takes a piece whose key it finds instead of recomputing it.

One `FrameStore` is one file: a stamp line, then frames of (payload length, key, hash of
the payload) and the `marshal`led payload. Plain data only, so reading a store cannot run
code (as a pickle could). Opening reads only the frame headers: a payload is read and
checked when its key is asked for, so the 60 MB of contract cases of a 1000-operation
spec never sit in memory together. A run writes what it used (hits and new results) to a
new file as it goes, and `commit` puts that file in place: the store keeps one spec's
worth, never grows with edits, and a run stopped half-way leaves the last store.

Whatever happened to the file, a store that cannot be read is empty: a different stamp
(another version of the code that computed the results, another Python), a frame whose
payload does not match its hash, a header that runs past the end of the file.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import struct
from pathlib import Path
from typing import Any, BinaryIO

#: length of the payload, its key, the blake2b-128 of the payload
_HEADER = struct.Struct("<I16s16s")


def digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


class FrameStore:
    """Payloads by 16-byte key, in one file (see the module docstring)."""

    def __init__(self, file: Path, stamp: str) -> None:
        self.file = file
        self._stamp = stamp.encode("utf-8", "surrogatepass")
        if not self._stamp.endswith(b"\n") or self._stamp.count(b"\n") != 1:
            raise ValueError("a store's stamp is one line")
        self._index: dict[bytes, tuple[int, int, bytes]] = {}  # key -> (offset, size, payload hash)
        self._old: BinaryIO | None = None
        self._new: BinaryIO | None = None
        self._tmp = file.with_name(f"{file.name}.{os.getpid()}.tmp")
        self._written: set[bytes] = set()
        self._changed = False
        self.hits = self.misses = 0
        self._read_index()

    def _read_index(self) -> None:
        try:
            f = self.file.open("rb")
        except OSError:
            return  # no store yet (or not a file): empty
        try:
            if f.read(len(self._stamp)) != self._stamp:
                f.close()
                return  # written by other code or another Python
            size_of_file = os.fstat(f.fileno()).st_size
            at = len(self._stamp)
            while at + _HEADER.size <= size_of_file:
                f.seek(at)
                size, key, check = _HEADER.unpack(f.read(_HEADER.size))
                start = at + _HEADER.size
                if start + size > size_of_file:
                    break  # cut short: the frames before are still sound
                self._index.setdefault(key, (start, size, check))
                at = start + size
        except OSError:
            f.close()
            self._index.clear()
            return
        self._old = f

    def __len__(self) -> int:
        return len(self._index)

    def get(self, key: bytes) -> Any:
        """The payload stored under `key`, or None; a payload found is kept for the next run."""
        found = self._index.get(key)
        value = None
        if found is not None and self._old is not None:
            start, size, check = found
            try:
                self._old.seek(start)
                raw = self._old.read(size)
                if len(raw) == size and digest(raw) == check:
                    value = marshal.loads(raw)
            except (OSError, EOFError, ValueError, TypeError):
                value = None
            if value is not None:
                self._write(key, raw, check)
        if value is None:
            self.misses += 1
        else:
            self.hits += 1
        return value

    def put(self, key: bytes, value: Any) -> None:
        """Keep `value` under `key` (plain data, as `marshal` takes; anything else is not kept)."""
        try:
            raw = marshal.dumps(value)
        except ValueError:
            return
        self._changed = True
        self._write(key, raw, digest(raw))

    def _write(self, key: bytes, raw: bytes, check: bytes) -> None:
        if key in self._written:
            return
        try:
            if self._new is None:
                self.file.parent.mkdir(parents=True, exist_ok=True)
                self._new = self._tmp.open("wb")
                self._new.write(self._stamp)
            self._new.write(_HEADER.pack(len(raw), key, check) + raw)
            self._written.add(key)
        except OSError:
            self._discard()  # the store only saves time: a full disk costs the next run's time

    def commit(self) -> None:
        """Make what this run used the store; when it used exactly what was there, the
        file is left as it is."""
        if self._old is not None:
            self._old.close()
            self._old = None
        if self._new is None:
            return
        if not self._changed and self._written == self._index.keys():
            self._discard()
            return
        try:
            self._new.close()
            os.replace(self._tmp, self.file)
        except OSError:
            self._discard()
        self._new = None

    def close(self) -> None:
        """Drop what this run wrote (a run that failed); the last store stays."""
        if self._old is not None:
            self._old.close()
            self._old = None
        self._discard()

    def _discard(self) -> None:
        if self._new is not None:
            with contextlib.suppress(OSError):
                self._new.close()
            self._new = None
        with contextlib.suppress(OSError):
            self._tmp.unlink(missing_ok=True)
        self._written.clear()


def code_stamp(kind: str, *files: Path, extra: str = "") -> str:
    """A store's stamp line: what its results depend on besides their keys (the code that
    computed them, Python's version for marshal's format, and `extra`)."""
    import sys

    h = hashlib.blake2b(digest_size=12)
    for f in files:
        h.update(f.read_bytes())
    return f"aiccgen {kind} {h.hexdigest()} {extra} {sys.version}".replace("\n", " ") + "\n"
