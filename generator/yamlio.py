"""Reading and writing spec YAML.

Reading uses rapidyaml (C++): on a 1.3 MB spec its parse takes 0.02 s and our whole load
0.27 s, where ruamel.yaml's safe loader takes 1.7 s and its round-trip loader 8.7 s
(docs/performance.md). We resolve scalars ourselves, strictly: a spec is JSON data, so
only the JSON-compatible subset of YAML is accepted, and any *unquoted* scalar that YAML
1.1 and 1.2 readers decode differently (`0200000`, `yes`, `2023-09-27`, `1_000`, `0x1F`)
is reported, because the same file would mean different things to other tools. A code
table read as numbers by one reader and strings by another is how a whole table of
return codes silently disappears.

Large files are parsed in chunks (`_load_chunked`): rapidyaml's tree takes about 8 bytes
per byte of YAML, so on the 13 MB synthetic spec one whole-file tree was 102 MiB, more than
the loaded data (68 MiB), and loading peaked at 198 MiB of RSS. Parsed a few hundred KB at
a time, each tree freed before the next, and with the source kept as UTF-8 bytes (12 MiB,
where the decoded text of a spec in Chinese is a 25 MiB str), it peaks at 87 MiB, in the
same time. The split is only an optimisation: anything unusual about the text, or a chunk
that does not parse to exactly the keys the split expected, and the whole file is parsed
at once as before. Given a cache folder (`generate` gives its own), each chunk's converted
data is kept between runs by content (`ChunkCache`): after an edit only the chunk holding
it is parsed again.

Locations: rapidyaml does not keep line/column per node, so `Locator` uses ruamel.yaml's
composer to map a JSON pointer to `line:col`, lazily and only when a finding needs it.
Writing (the importer, overlays) uses ruamel.yaml, which keeps key order and comments.
"""

from __future__ import annotations

import codecs
import contextlib
import functools
import hashlib
import io
import json
import math
import os
import re
import sys
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from .diagnostics import AiccgenError, Finding, Level, error, join_pointer, split_pointer
from .memo import FrameStore, code_stamp

#: Files bigger than this are located with a cheap text scan only, because ruamel.yaml's
#: composer needs ~5 s per MB.
_RUAMEL_LOCATE_LIMIT = 2_000_000
#: Files of at least this many bytes are loaded in chunks (`_load_chunked`), smaller ones
#: whole as they always were: the vendor's specs are about 0.1 MB and would gain nothing.
CHUNKED_MIN_BYTES = 256_000
#: About how much YAML one chunk holds; its tree is then about 2 MB.
CHUNK_BYTES = 256_000
#: Where chunks end (`_plan_map`): before a key whose CRC-32 is 0 modulo `_CUT_ODDS` once a
#: chunk holds half of CHUNK_BYTES, or before the key that would take it past twice that.
#: The cuts depend on the keys, not on byte counts from the start of the file, so an edit
#: changes the chunk it is in (and rarely the next one), not every chunk after it: what
#: lets `ChunkCache` reuse the others.
_CUT_ODDS = 8

_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_FLOAT = re.compile(r"[-+]?(?:(?:0|[1-9][0-9]*)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
#: Characters YAML does not allow in a stream (outside its printable set). rapidyaml lets
#: them through; libyaml and ruamel.yaml refuse them, so a spec holding one would mean
#: different things to different tools: refuse it, and say where (escape it as "\x8b").
_NOT_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})

#: Plain scalars that other YAML readers turn into something else than the string (or
#: number) we would read. Each entry: pattern, what others read, advice.
_AMBIGUOUS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[-+]?0[0-9]+(?:\.[0-9]*)?"), "a number with a leading zero: YAML 1.1 reads "
     "octal, YAML 1.2 a decimal, some readers a string"),
    (re.compile(r"(?i:y|n|yes|no|on|off)"), "a YAML 1.1 boolean"),
    (re.compile(r"[-+]?0[xXoObB][0-9a-fA-F_]+"), "a hex/octal/binary literal"),
    (re.compile(r"[-+]?[0-9][0-9_]*_[0-9_]*(?:\.[0-9_]*)?"), "a YAML 1.1 number with underscores"),
    (re.compile(r"[-+]?[0-9]+(?::[0-5]?[0-9])+(?:\.[0-9]*)?"), "a YAML 1.1 sexagesimal number"),
    (re.compile(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt ].*)?"), "a YAML timestamp (a date object)"),
    (re.compile(r"[-+]?\.(?:inf|Inf|INF|nan|NaN|NAN)"), "infinity/NaN, which JSON cannot hold"),
    (re.compile(r"=|<<"), "a YAML 1.1 special key/value"),
)
#: One pass over a plain scalar instead of eight; the list above then names the reason.
_ANY_AMBIGUOUS = re.compile("|".join(f"(?:{p.pattern})" for p, _ in _AMBIGUOUS))


@dataclass
class YamlDocument:
    """One loaded file: the JSON-compatible data plus what loading noticed.

    The file is kept as its UTF-8 bytes (a str is accepted and encoded): a str of Chinese
    text takes two bytes a character where UTF-8 takes about one, and only a finding's
    line:col needs the text.
    """

    path: str
    source: bytes
    data: Any
    findings: list[Finding] = field(default_factory=list)
    _locator: Locator | None = None

    def __post_init__(self) -> None:
        if isinstance(self.source, str):
            self.source = self.source.encode("utf-8", "surrogatepass")

    @property
    def text(self) -> str:
        """The decoded source; decoded on each use, not kept (see the class docstring)."""
        return self.source.decode("utf-8", "surrogatepass")

    def locate(self, pointer: str) -> tuple[int | None, int | None]:
        if self._locator is None:
            self._locator = Locator(self.path, self.text)
        return self._locator.locate(pointer)

    def place(self, finding: Finding) -> Finding:
        """Fill in line/col for a finding about this file."""
        if finding.line is not None:
            return finding
        line, col = self.locate(finding.pointer)
        return finding.located(line, col)


#: The largest spec file aiccgen reads, in MB (10**6 bytes); `AICCGEN_MAX_SPEC_MB` changes it.
#: The vendor's specs are about 0.1 MB and a synthetic 1000-operation spec is 13 MB; validating
#: one of 50 MB would take many minutes and gigabytes, which in CI looks like a hang. A file
#: over the limit is refused at once, before it is read, with a finding that names it.
DEFAULT_MAX_SPEC_MB = 32


def max_spec_bytes() -> int:
    """The size limit for one spec file, from `AICCGEN_MAX_SPEC_MB` or the default."""
    raw = os.environ.get("AICCGEN_MAX_SPEC_MB", "")
    try:
        mb = float(raw) if raw.strip() else DEFAULT_MAX_SPEC_MB
    except ValueError:
        mb = DEFAULT_MAX_SPEC_MB
    return int(mb * 1_000_000) if mb > 0 else int(DEFAULT_MAX_SPEC_MB * 1_000_000)


def read_text(path: str | os.PathLike[str]) -> str:
    """Read a spec as UTF-8 (BOM tolerated) or raise a located, readable error."""
    p = Path(path)
    return _decode(p, _read_bytes(p))


def read_source(path: str | os.PathLike[str]) -> bytes:
    """`read_text`'s checks, but the UTF-8 bytes (BOM dropped) rather than the text.

    Checked a slice at a time, never decoded whole: the decoded text of a 13 MB spec in
    Chinese is a 25 MiB str, which nothing but a finding's line:col needs.
    """
    p = Path(path)
    raw = _read_bytes(p)
    source = raw.removeprefix(codecs.BOM_UTF8)
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(source)
    try:
        for at in range(0, len(source), 1 << 20):
            decoder.decode(view[at:at + (1 << 20)])
        decoder.decode(b"", True)
    except UnicodeDecodeError:
        _decode(p, raw)  # raises, worded and located as read_text would
    return source


def _read_bytes(p: Path) -> bytes:
    limit = max_spec_bytes()
    try:
        size = p.stat().st_size
    except OSError:
        size = 0  # reading below reports what is wrong with the file
    if size > limit:
        raise AiccgenError(error(
            "file-size", f"the file is {size / 1e6:.1f} MB, over aiccgen's limit of {limit / 1e6:g} MB per spec "
            "file; split the spec, or set AICCGEN_MAX_SPEC_MB to raise the limit", str(p)))
    try:
        return p.read_bytes()
    except FileNotFoundError:
        raise AiccgenError(error("file", "no such file", str(p))) from None
    except IsADirectoryError:
        raise AiccgenError(error("file", "is a directory, expected a YAML or JSON file", str(p))) from None
    except OSError as exc:
        raise AiccgenError(error("file", f"cannot read: {exc.strerror}", str(p))) from None


def _decode(p: Path, raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise AiccgenError(error("file", "not UTF-8 text", str(p), line=line)) from None


def load_yaml(path: str | os.PathLike[str], text: str | None = None, *,
              cache_dir: Path | None = None) -> YamlDocument:
    """Parse one YAML (or JSON) file into plain dict/list/str/int/float/bool/None.

    `cache_dir`: where a large file's converted chunks are kept between runs (`ChunkCache`).
    """
    path = str(path)
    if text is not None:
        if not text.strip():
            raise _empty(path)
        source = text.encode("utf-8", "surrogatepass")
        if path.endswith(".json"):
            return _load_json(path, source)
        _check_printable(path, text)
    else:
        source = read_source(path)
        if _is_blank(source):
            raise _empty(path)
        if path.endswith(".json"):
            return _load_json(path, source)
        if _has_not_printable(source):
            _check_printable(path, source.decode("utf-8"))
    if len(source) >= CHUNKED_MIN_BYTES:
        doc = _load_chunked(path, source, ChunkCache.open(cache_dir, path) if cache_dir else None)
        if doc is not None:
            return doc
    return _load_whole(path, source)


def _load_whole(path: str, source: bytes) -> YamlDocument:
    """The reference load: one tree for the whole file."""
    tree = _parse(path, source)
    doc = YamlDocument(path, source, None)
    doc.data = _Converter(tree, doc).convert()
    return doc


def _empty(path: str) -> AiccgenError:
    return AiccgenError(error("yaml", "the file is empty", path, line=1, col=1))


#: bytes.strip()'s white space; str.strip() strips more (U+3000, U+0085...).
_ASCII_SPACE = re.compile(rb"[ \t\n\r\x0b\x0c]*")


def _is_blank(source: bytes) -> bool:
    """`not text.strip()` of the decoded text, decoding only a few bytes of a real spec."""
    at = _ASCII_SPACE.match(source).end()  # type: ignore[union-attr]
    if at == len(source):
        return True
    if source[at:at + 16].decode("utf-8", "ignore").strip():
        return False
    return not source.decode("utf-8").strip()


def _check_printable(path: str, text: str) -> None:
    bad = _NOT_PRINTABLE.search(text)
    if bad is not None:
        line = text.count("\n", 0, bad.start()) + 1
        col = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        raise AiccgenError(error("yaml", f"character U+{ord(bad.group()):04X} is not allowed in YAML; write it as an "
                                 "escape in a double-quoted string", path, line=line, col=col))


#: _NOT_PRINTABLE in UTF-8, for text known to be valid UTF-8 (so without surrogates): C0
#: controls and DEL as a byte table (a regex class scans 12 MB in 70 ms, this in 10), C1
#: controls but NEL, U+FFFE and U+FFFF as byte sequences.
_C0_TABLE = bytes(0 if b < 0x20 and b not in (0x09, 0x0A, 0x0D) or b == 0x7F else 1 for b in range(256))
_NOT_PRINTABLE_C1 = re.compile(rb"\xc2[\x80-\x84\x86-\x9f]")
_NOT_PRINTABLE_FFFE = re.compile(rb"\xef\xbf[\xbe\xbf]")


def _has_not_printable(source: bytes) -> bool:
    return (b"\x00" in source.translate(_C0_TABLE) or _NOT_PRINTABLE_FFFE.search(source) is not None
            or b"\xc2" in source and _NOT_PRINTABLE_C1.search(source) is not None)


def _load_json(path: str, source: bytes) -> YamlDocument:
    """JSON specs are read as JSON: exact semantics, and fast (the C parser)."""
    doc = YamlDocument(path, source, None)
    text = source.decode("utf-8", "surrogatepass")

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out:
                doc.findings.append(warning_duplicate(path, key))
            out[key] = value
        return out

    try:
        doc.data = json.loads(text, object_pairs_hook=pairs, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise AiccgenError(error("yaml", f"invalid JSON: {exc.msg}", path, line=exc.lineno, col=exc.colno)) from None
    except ValueError as exc:
        raise AiccgenError(error("yaml", f"invalid JSON: {exc}", path, line=1, col=1)) from None
    return doc


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON data")


def warning_duplicate(path: str, key: str) -> Finding:
    return error("yaml-duplicate-key", f"duplicate key {key!r}: the later value would silently win", path)


def _parse(path: str, source: bytes) -> Any:
    import ryml

    with _silence_stderr():
        try:
            tree = ryml.parse_in_arena(source)
            # Expands aliases and merge keys in C++ (a no-op pass when the file has none);
            # an alias without its anchor is refused here, located like a syntax error.
            tree.resolve()
        except Exception as exc:  # ryml raises its own ExceptionParse/Basic/Visit
            line, col, msg = _ryml_error(exc)
            text = source.decode("utf-8", "surrogatepass")
            detail = _ruamel_syntax_error(text) if len(text) < _RUAMEL_LOCATE_LIMIT else None
            if detail is not None:
                line, col, msg = detail
            raise AiccgenError(error("yaml", f"invalid YAML: {msg}", path, line=line, col=col)) from None
    return tree


def _ryml_error(exc: Exception) -> tuple[int | None, int | None, str]:
    msg = str(getattr(exc, "msg", "") or exc) or "syntax error"
    try:
        loc = exc.errdata_parse.ymlloc  # type: ignore[attr-defined]
        return int(loc.line), int(loc.col), msg
    except Exception:
        return None, None, msg


def _ruamel_syntax_error(text: str) -> tuple[int | None, int | None, str] | None:
    """ruamel.yaml words syntax errors better ("expected ',' or ']'"); use it on the
    error path for files small enough to re-read."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError

    try:
        for _ in YAML(typ="rt").compose_all(text):
            pass
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(p for p in (exc.context, exc.problem) if p)
        if mark is None:
            return None, None, problem
        return mark.line + 1, mark.column + 1, problem
    except Exception:
        return None
    return None


@contextlib.contextmanager
def _silence_stderr() -> Iterator[None]:
    """rapidyaml prints parse errors on fd 2 before raising; our CLI reports them itself.

    fd 2 directly, not sys.stderr: under test runners sys.stderr is a Python object
    without a file descriptor, while the C++ library still writes to fd 2."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):
        yield
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


# -- chunked loading ------------------------------------------------------------------------
#
# A spec is one block mapping, and so are its big parts (`paths:`, `components:` `schemas:`),
# so it can be cut at the lines that begin their keys: each piece parses on its own to those
# keys, and the pieces' entries, in order, are the file's. In YAML a line at a mapping's key
# indentation ends whatever the previous key's value was: a block scalar's text is deeper
# (an empty block scalar, or one with an explicit indentation, is left to the whole parse
# anyway), and a quoted scalar or flow collection cannot continue there (rapidyaml refuses
# that as bad indentation, and a chunk that ends inside one fails to parse). So such a line
# is a new key, an item of the previous key's sequence (kept in its chunk), a comment, or
# something unusual (`? ` keys, `---`, `%` directives, keys with escapes) that sends the
# file to the whole parse, as do tabs in indentation and carriage returns. Each chunk must
# parse to exactly the keys its lines name, or the whole file is parsed after all.

#: The deepest indentation a file is cut at: top-level keys, each path of `paths:` (2),
#: each schema of `components:` `schemas:` (4).
_SPLIT_INDENT = 4
#: For n = 0..4, the non-blank lines indented by at most n spaces, each found by the newline
#: before it (a regex that begins with one character is searched for at C speed); possessive,
#: as spaces given back could not match what follows them anyway (half the time on 12 MB).
_LINES_UP_TO = tuple(re.compile(rb"\n {0,%d}+[^ \n]" % n) for n in range(_SPLIT_INDENT + 1))
#: A line that begins one key of a block mapping, whose value is on the line (`rest`) or
#: below it. Only keys whose text is the key itself: plain ones of ordinary characters,
#: quoted ones without escapes.
_KEY_LINE = re.compile(
    rb" *(?:(?P<plain>[A-Za-z0-9_/$(][^\s:#]*(?:[ ]+[^\s:#]+)*)|\"(?P<dq>[^\"\\\n]*)\"|'(?P<sq>[^'\n]*)')"
    rb":(?P<rest>(?:[ ][^\n]*)?)(?:\n|\Z)")
_NOTHING = re.compile(rb"(?:[ ]*(?:#[^\n]*)?\n)*")  # blank and comment lines
_SPACES = re.compile(rb" *")
_TAB_INDENT = re.compile(rb"\n {0,4}\t")
_TAB_INDENT_FIRST = re.compile(rb" {0,4}\t")
#: A block scalar's header (`|`, `>-`, `|2`) ending a line; the next non-blank line.
_BLOCK_HEADERS = (re.compile(rb"\|(?<=[\t ]\|)([-+0-9]*)[ \t]*(?:#[^\n]*)?(?:\n|\Z)"),
                  re.compile(rb">(?<=[\t ]>)([-+0-9]*)[ \t]*(?:#[^\n]*)?(?:\n|\Z)"))
_NEXT_LINE = re.compile(rb"(?:[ \t]*\n)*( *)")

#: A plan's jobs: (_CHUNK, start, end, keys): source[start:end] holds these keys of the
#: mapping being filled; (_OPEN, start, end, [key]): source[start:end] is the line `key:`,
#: whose mapping the jobs up to the matching (_CLOSE,) fill.
_CHUNK, _OPEN, _CLOSE = range(3)
_Job = tuple[Any, ...]


def _load_chunked(path: str, source: bytes, cache: ChunkCache | None = None) -> YamlDocument | None:
    """`_load_whole`'s result, a chunk at a time; None when the file is to be parsed whole."""
    jobs = _plan(source)
    if jobs is None:
        return None
    doc = YamlDocument(path, source, None)
    data = _Converter(None, doc, cache).chunks(source, jobs)
    if cache is not None and data is not None:
        cache.save()
    elif cache is not None:
        cache.close()  # declined: the file is parsed whole, and the last cache stays
    if data is None:
        return None
    doc.data = data
    return doc


class ChunkCache:
    """The converted chunks of one large spec file, by content, kept between runs.

    Converting rapidyaml's tree to Python data is most of a large spec's load (0.25 s of
    0.27 s for the 1.3 MB synthetic spec, 3 s for the 13 MB one), and after a one-field
    edit all but one chunk convert to what they did before. Each chunk's entries and
    findings are stored (`memo.FrameStore`) under a hash of the file's path, the pointer
    of the mapping it fills and its bytes; a chunk with the same hash is taken from there
    instead of being parsed.
    """

    _FORMAT = 3

    def __init__(self, store: FrameStore) -> None:
        self.store = store

    @classmethod
    def open(cls, cache_dir: Path, path: str) -> ChunkCache:
        name = hashlib.blake2b(os.path.abspath(path).encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()
        return cls(FrameStore(cache_dir / "parsed" / f"{name}.marshal", _cache_stamp()))

    @property
    def file(self) -> Path:
        return self.store.file

    @property
    def hits(self) -> int:
        return self.store.hits

    @property
    def misses(self) -> int:
        return self.store.misses

    @staticmethod
    def key(path: str, where: _Where, chunk: memoryview) -> bytes:
        h = hashlib.blake2b(digest_size=16)
        h.update(path.encode("utf-8", "surrogatepass") + b"\0" + _pointer(where).encode("utf-8", "surrogatepass") + b"\0")
        h.update(chunk)
        return h.digest()

    def get(self, key: bytes) -> Any:
        return self.store.get(key)

    def put(self, key: bytes, value: Any) -> None:
        self.store.put(key, value)

    def save(self) -> None:
        self.store.commit()

    def close(self) -> None:
        self.store.close()


@functools.cache
def _cache_stamp() -> str:
    """What a cached chunk's conversion depends on besides its bytes: this module's code
    (the strict scalar rules), rapidyaml's version and Python's (marshal's format)."""
    import ryml

    return code_stamp(f"chunks {ChunkCache._FORMAT}", Path(__file__), extra=getattr(ryml, "__version__", "?"))


def _plan(src: bytes) -> list[_Job] | None:
    """Where to cut `src`, or None when the text is unusual (see above)."""
    if b"\r" in src or b"\t" in src and (_TAB_INDENT.search(src) or _TAB_INDENT_FIRST.match(src)):
        return None  # line breaks other than \n; tabs where indentation is
    if not _block_scalars_end(src):
        return None
    first = _NOTHING.match(src).end()  # type: ignore[union-attr]
    if first == len(src) or src[first:first + 1] == b" ":
        return None
    jobs: list[_Job] = []
    return jobs if _plan_map(src, first, len(src), 0, jobs) else None


def _block_scalars_end(src: bytes) -> bool:
    """False for a block scalar that leaves its end to the parser: one with an explicit
    indentation, or an empty one (the next line is no deeper than its header's line)."""
    for header in _BLOCK_HEADERS:
        for found in header.finditer(src):
            if found.group(1).strip(b"+-"):
                return False
            if found.end() == len(src):
                continue
            line = src.rfind(b"\n", 0, found.start()) + 1
            indent = _SPACES.match(src, line).end() - line  # type: ignore[union-attr]
            after = _NEXT_LINE.match(src, found.end())
            assert after is not None
            if after.end() < len(src) and len(after.group(1)) <= min(indent, _SPLIT_INDENT):
                return False
    return True


def _plan_map(src: bytes, start: int, end: int, indent: int, jobs: list[_Job]) -> bool:
    """Plan the block mapping whose keys begin the lines at `indent` in src[start:end], the
    first at `start`; False when those lines are not plainly that."""
    found = _KEY_LINE.match(src, start)
    if found is None:
        return False
    entries = [_entry(start, found)]
    for line in _LINES_UP_TO[indent].finditer(src, start, end):
        at, first = line.start() + 1, line.end() - 1
        if src[first] == 0x23:  # '#': a comment
            continue
        if first - at < indent:
            return False
        if src[first] == 0x2D and src[first + 1:first + 2] in (b" ", b"\n", b""):
            continue  # '- ': the sequence that is the previous key's value
        found = _KEY_LINE.match(src, at)
        if found is None:
            return False
        entries.append(_entry(at, found))
    chunk_start = start
    keys: list[bytes] = []
    for n, (at, key, below, key_end) in enumerate(entries):
        stop = entries[n + 1][0] if n + 1 < len(entries) else end
        if below and stop - at > CHUNK_BYTES:
            inner = _plan_below(src, key_end, stop, indent)
            if inner is not None:
                if keys:
                    jobs.append((_CHUNK, chunk_start, at, keys))
                    keys = []
                jobs.append((_OPEN, at, key_end, [key]))
                jobs.extend(inner)
                jobs.append((_CLOSE,))
                continue
        if keys and (stop - chunk_start > 2 * CHUNK_BYTES
                     or at - chunk_start >= CHUNK_BYTES // 2 and zlib.crc32(key) % _CUT_ODDS == 0):
            jobs.append((_CHUNK, chunk_start, at, keys))
            keys = []
        if not keys:
            chunk_start = at
        keys.append(key)
    if keys:
        jobs.append((_CHUNK, chunk_start, end, keys))
    return True


def _entry(at: int, found: re.Match[bytes]) -> tuple[int, bytes, bool, int]:
    """(where the line starts, its key, whether the value is below the line, where it ends)."""
    key = next(k for k in (found["plain"], found["dq"], found["sq"]) if k is not None)
    rest = found["rest"].lstrip(b" ")
    return at, key, not rest or rest.startswith(b"#"), found.end()


def _plan_below(src: bytes, key_end: int, stop: int, indent: int) -> list[_Job] | None:
    """The jobs for a key's value in src[key_end:stop] when it is a mapping to cut, else None."""
    inner = _NOTHING.match(src, key_end, stop).end()  # type: ignore[union-attr]
    if inner >= stop:
        return None
    deeper = _SPACES.match(src, inner).end() - inner  # type: ignore[union-attr]
    if not indent < deeper <= _SPLIT_INDENT:
        return None
    jobs: list[_Job] = []
    return jobs if _plan_map(src, inner, stop, deeper, jobs) else None


def _parse_chunk(chunk: memoryview) -> Any:
    """One chunk's tree, or None if rapidyaml refuses it.

    Aliases are resolved as the whole-file load resolves them. An alias names the closest
    anchor of its name before it, and rapidyaml refuses one without such an anchor: an alias
    whose anchor is in an earlier chunk makes its chunk fail, and one whose anchor is in its
    own chunk resolves as in the whole file. (A regex cannot tell an alias from a `*` in a
    quoted string, such as the synthetic spec's "Authorization: ******".)
    """
    import ryml

    with _silence_stderr():
        try:
            tree = ryml.parse_in_arena(chunk)
            tree.resolve()
        except Exception:
            return None
    return tree


class _Converter:
    """rapidyaml tree -> Python data, with strict scalar resolution."""

    def __init__(self, tree: Any, doc: YamlDocument, cache: ChunkCache | None = None) -> None:
        import ryml

        self.t = tree
        self.doc = doc
        self.cache = cache
        self.none = ryml.NONE

    def convert(self) -> Any:
        t = self.t
        root = t.root_id()
        if t.is_stream(root):
            docs = self._children(root)
            if len(docs) != 1:
                raise AiccgenError(
                    error("yaml", f"expected one YAML document, found {len(docs)}", self.doc.path, line=1, col=1)
                )
            root = docs[0]
        return self._node(root, ())

    def _children(self, i: int) -> list[int]:
        t, out = self.t, []
        c = t.first_child(i)
        while c != self.none:
            out.append(c)
            c = t.next_sibling(c)
        return out

    def _node(self, i: int, where: _Where) -> Any:
        # `where` is the path as a chain of (parent, token) tuples: a JSON pointer string per
        # node cost a fifth of loading a large spec, and only a finding needs one.
        t = self.t
        if t.is_map(i):
            out: dict[str, Any] = {}
            self._entries(t.first_child(i), out, where)
            return out
        if t.is_seq(i):
            items = []
            c, n = t.first_child(i), 0
            while c != self.none:
                items.append(self._node(c, (where, n)))
                c, n = t.next_sibling(c), n + 1
            return items
        if t.val_is_null(i) and not t.is_val_quoted(i):
            return None
        raw = self._text(bytes(t.val(i)), where)
        if t.has_val_tag(i):
            return self._tagged(bytes(t.val_tag(i)).decode(), raw, _pointer(where))
        if t.is_val_quoted(i):
            return raw
        return self._plain(raw, where)

    def _entries(self, c: int, out: dict[str, Any], where: _Where) -> None:
        """Add the entries from node `c` on to the mapping `out` at `where`."""
        t = self.t
        while c != self.none:
            # Interned: a spec repeats a few dozen keys hundreds of thousands of times.
            key = sys.intern(self._text(bytes(t.key(c)), where))
            child = (where, key)
            if key in out:
                self._duplicate(key, child)
            out[key] = self._node(c, child)
            c = t.next_sibling(c)

    def _duplicate(self, key: str, where: _Where) -> None:
        self.doc.findings.append(
            error("yaml-duplicate-key", f"duplicate key {key!r}: the later value would silently win",
                  self.doc.path, _pointer(where))
        )

    def chunks(self, source: bytes, jobs: list[_Job]) -> dict[str, Any] | None:
        """The document from `_plan`'s jobs, or None if a chunk is not what they expect."""
        view = memoryview(source)
        data: dict[str, Any] = {}
        stack: list[tuple[dict[str, Any], _Where]] = [(data, ())]
        for job in jobs:
            if job[0] == _CLOSE:
                stack.pop()
            elif not self._chunk(view, job, stack):
                return None
        return data

    def _chunk(self, view: memoryview, job: _Job, stack: list[tuple[dict[str, Any], _Where]]) -> bool:
        kind, start, end, keys = job
        out, where = stack[-1]
        chunk = view[start:end]
        if kind == _CHUNK:
            # Converted whole (or taken from the cache), then added entry by entry: the one
            # path with and without a cache, so the tests of either cover both.
            key = ChunkCache.key(self.doc.path, where, chunk) if self.cache is not None else b""
            found = self.cache.get(key) if self.cache is not None else None
            if found is None:
                found = self._converted_entries(chunk, keys, where)
                if found is None:
                    return False
                if self.cache is not None:
                    self.cache.put(key, found)
            # Replayed as `_entries` would have met them: a duplicate key is found against
            # `out`, between the findings of its key's text and those of its value.
            for name, key_findings, value, value_findings in found:
                self._replay(key_findings)
                if name in out:
                    self._duplicate(name, (where, name))
                self._replay(value_findings)
                out[name] = value  # interned: marshal keeps that mark on the strings it stores
            return True
        t = self.t = self._parsed(chunk, keys)
        try:
            if t is None:
                return False
            c = t.first_child(t.root_id())
            if not t.is_keyval(c) or not t.val_is_null(c) or t.is_val_quoted(c) or t.has_val_tag(c):
                return False
            name = sys.intern(self._text(bytes(t.key(c)), where))
            child = (where, name)
            if name in out:
                self._duplicate(name, child)
            below: dict[str, Any] = {}
            out[name] = below
            stack.append((below, child))
            return True
        finally:
            self.t = None  # this chunk's tree goes before the next is parsed

    def _converted_entries(self, chunk: memoryview, keys: list[bytes], where: _Where) -> list[tuple[Any, ...]] | None:
        """The chunk's entries in order, as `ChunkCache` keeps them: (key, findings of the
        key's text, value, findings of the value), duplicates not yet looked for; None when
        the chunk is not a mapping of `keys`."""
        t = self.t = self._parsed(chunk, keys)
        if t is None:
            return None
        findings = self.doc.findings
        entries: list[tuple[Any, ...]] = []
        try:
            c = t.first_child(t.root_id())
            while c != self.none:
                at = len(findings)
                name = sys.intern(self._text(bytes(t.key(c)), where))
                key_findings = [_plain_finding(f) for f in findings[at:]]
                del findings[at:]
                value = self._node(c, (where, name))
                entries.append((name, key_findings, value, [_plain_finding(f) for f in findings[at:]]))
                del findings[at:]
                c = t.next_sibling(c)
            return entries
        finally:
            self.t = None

    def _replay(self, findings: list[tuple[int, str, str, str]]) -> None:
        self.doc.findings.extend(Finding(Level(lv), rule, msg, self.doc.path, ptr) for lv, rule, msg, ptr in findings)

    @staticmethod
    def _parsed(chunk: memoryview, keys: list[bytes]) -> Any:
        """The chunk's tree, or None unless it is a mapping of exactly `keys`, in order."""
        t = _parse_chunk(chunk)
        if t is None:
            return None
        root = t.root_id()
        if t.is_stream(root) or not t.is_map(root) or t.num_children(root) != len(keys):
            return None
        c = t.first_child(root)
        for key in keys:
            if bytes(t.key(c)) != key:
                return None
            c = t.next_sibling(c)
        return t

    def _text(self, data: bytes, where: _Where) -> str:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        # rapidyaml decodes an escaped surrogate ("\ud83d") into bytes that are not UTF-8.
        # YAML readers such as libyaml refuse surrogate escapes, even as a pair, so the
        # same file would not load elsewhere: say so, where it is.
        self.doc.findings.append(
            error("yaml", "a string escapes a UTF-16 surrogate (\\ud800-\\udfff), which YAML readers refuse; "
                  "write the character itself or a \\U0001F4DE-style escape", self.doc.path, _pointer(where))
        )
        return data.decode("utf-8", errors="replace")

    def _tagged(self, tag: str, raw: str, pointer: str) -> Any:
        if tag in ("!!str", "tag:yaml.org,2002:str"):
            return raw
        if tag in ("!!int", "tag:yaml.org,2002:int") and _INT.fullmatch(raw):
            return int(raw)
        if tag in ("!!float", "tag:yaml.org,2002:float") and _FLOAT.fullmatch(raw):
            return float(raw)
        self.doc.findings.append(
            error("yaml-tag", f"unsupported YAML tag {tag} on {raw!r}: specs must be plain JSON data",
                  self.doc.path, pointer)
        )
        return raw

    def _plain(self, raw: str, where: _Where) -> Any:
        if raw in _NULLS:
            return None
        if raw in _TRUE:
            return True
        if raw in _FALSE:
            return False
        if _INT.fullmatch(raw):
            return int(raw)
        if _FLOAT.fullmatch(raw):
            value = float(raw)
            if math.isfinite(value):
                return value
        if _ANY_AMBIGUOUS.fullmatch(raw):
            meaning = next(m for pattern, m in _AMBIGUOUS if pattern.fullmatch(raw))
            self.doc.findings.append(
                error("yaml-ambiguous", f"unquoted {raw!r} is {meaning}; quote it", self.doc.path, _pointer(where))
            )
        return raw


def _plain_finding(f: Finding) -> tuple[int, str, str, str]:
    """A loading finding as `ChunkCache` stores it (marshal takes plain data only)."""
    return int(f.level), f.rule, f.message, f.pointer


#: A node's place while loading: () for the root, else (parent's place, key or index).
_Where = tuple[Any, ...]


def _pointer(where: _Where) -> str:
    tokens: list[str | int] = []
    while where:
        where, token = where
        tokens.append(token)
    return join_pointer("", *reversed(tokens))


class Locator:
    """JSON pointer -> (line, col), 1-based, of the key or item the pointer names."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text
        self._root: Any = None
        self._failed = False

    def locate(self, pointer: str) -> tuple[int | None, int | None]:
        try:
            tokens = split_pointer(pointer)
        except ValueError:
            return None, None
        if len(self.text) > _RUAMEL_LOCATE_LIMIT:
            return _scan_locate(self.text, tokens)
        root = self._compose()
        if root is None:
            return _scan_locate(self.text, tokens)
        return _node_locate(root, tokens)

    def _compose(self) -> Any:
        if self._root is None and not self._failed:
            from ruamel.yaml import YAML

            try:
                self._root = YAML(typ="rt").compose(self.text)
            except Exception:
                self._failed = True
        return self._root


def _node_locate(node: Any, tokens: list[str]) -> tuple[int | None, int | None]:
    from ruamel.yaml.nodes import MappingNode, SequenceNode

    mark = node.start_mark
    for token in tokens:
        if isinstance(node, MappingNode):
            for key_node, value_node in node.value:
                if str(key_node.value) == token:
                    mark = key_node.start_mark
                    node = value_node
                    break
            else:
                break
        elif isinstance(node, SequenceNode) and token.isdigit() and int(token) < len(node.value):
            node = node.value[int(token)]
            mark = node.start_mark
        else:
            break
    return mark.line + 1, mark.column + 1


def _scan_locate(text: str, tokens: list[str]) -> tuple[int | None, int | None]:
    """Follow block-style keys by indentation: good enough to point into huge files."""
    lines = text.splitlines()
    start, indent, found = 0, -1, (1, 1)
    for token in tokens:
        for n in range(start, len(lines)):
            line = lines[n]
            stripped = line.lstrip(" ")
            depth = len(line) - len(stripped)
            if stripped and not stripped.startswith("#") and depth <= indent and n > start:
                return found
            key = stripped.split(":", 1)[0].strip().strip("'\"")
            if depth > indent and key == token and ":" in stripped:
                found, start, indent = (n + 1, depth + 1), n + 1, depth
                break
        else:
            return found
    return found


def yaml_writer() -> Any:
    """A ruamel.yaml emitter configured for readable, diff-friendly specs."""
    from ruamel.yaml import YAML

    y = YAML(typ="rt")
    y.width = 100
    y.indent(mapping=2, sequence=4, offset=2)
    y.preserve_quotes = True
    return y


def dump_yaml(data: Any) -> str:
    stream = io.StringIO()
    yaml_writer().dump(data, stream)
    return stream.getvalue()
