"""black, only where construction cannot guarantee black's layout.

black is the formatter of record for generated code, but it is slow: at 1000 operations
it took 24 s of a 109 s generation on 843 statements, and returned 841 of them unchanged
(docs/performance.md). So templates emit black-stable code by construction, and this
module runs black only on the top-level statements that may not be: any statement with a
line over 88 columns that black could change (a long annotation, a long code selector),
or everything when a user template is in play. A line that is long only because it holds
one string black cannot split (a documented meaning as a dict entry or keyword argument,
a line inside a docstring) is left alone. Results are cached by content hash, so a
regeneration after a one-field change formats nothing it formatted before. A test
formats the whole generated tree with black and asserts nothing changes, which is what
keeps this honest.
"""

from __future__ import annotations

import ast
import bisect
import functools
import hashlib
import io
import json
import os
import re
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

LINE_LENGTH = 88


@dataclass
class BlackCache:
    """Formatted text of statements black has seen, by hash of their input; and the
    hashes of statements `_black_keeps` found black-stable, so that a warm run neither
    tokenizes nor parses them again (0.5 s of a warm 1000-operation run)."""

    path: Path | None
    entries: dict[str, str] = field(default_factory=dict)
    kept: set[str] = field(default_factory=set)
    dirty: bool = False
    hits: int = 0
    misses: int = 0

    @classmethod
    def load(cls, path: Path | None) -> BlackCache:
        cache = cls(path)
        if path is not None and path.is_file():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                if isinstance(data, dict) and data.get("black") == _black_version():
                    cache.entries = dict(data.get("entries") or {})
                    if data.get("kept_by") == _keeps_version():
                        cache.kept = set(data.get("kept") or ())
            except (OSError, ValueError, TypeError):
                pass  # a damaged cache is a cold cache
        return cache

    def save(self) -> None:
        if self.path is None or not self.dirty:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(self.path.name + f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"black": _black_version(), "entries": self.entries,
                                       "kept_by": _keeps_version(), "kept": sorted(self.kept)}), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError:
            pass  # the cache only saves time

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def knows(self, key: str) -> bool:
        """True when the statement was seen: black or `_black_keeps` took it as a whole module."""
        return key in self.kept or key in self.entries

    def format(self, text: str, key: str | None = None) -> str:
        key = key or self.key(text)
        found = self.entries.get(key)
        if found is not None:
            self.hits += 1
            return found
        self.misses += 1
        formatted = _black(text)
        self.entries[key] = formatted
        self.dirty = True
        return formatted

    def settle(self, text: str, lines: list[str] | None = None, key: str | None = None) -> str:
        """One statement of our templates' output as black would lay it out: kept as it is
        when `_black_keeps` says so (remembered), else black's."""
        key = key or self.key(text)
        if key in self.kept:
            return text
        if key not in self.entries and _black_keeps(lines if lines is not None else text.splitlines(keepends=True)):
            self.kept.add(key)
            self.dirty = True
            return text
        return self.format(text, key)


@functools.cache
def _keeps_version() -> str:
    """What `_black_keeps` decided depends on: this module's code."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:24]


@functools.cache
def _black_version() -> str:
    """black's version, from its metadata: importing black to read it raised a cold
    1000-operation run's peak by 3 MiB when the cache was saved and black never ran."""
    from importlib.metadata import version

    return version("black")


def _black(text: str) -> str:
    import black

    return black.format_str(text, mode=black.Mode(line_length=LINE_LENGTH))


def format_python(text: str, cache: BlackCache, *, full: bool = False) -> str:
    """Return `text` as black would format it, running black as little as possible."""
    if full:
        return cache.format(text)
    lines = text.splitlines(keepends=True)
    long = [i for i, line in enumerate(lines) if len(line.rstrip("\n")) > LINE_LENGTH]
    if not long:
        return text
    chunks = _chunks_around(lines, long)
    if chunks is None:
        chunks = _chunks_by_statement(text, long)
    if chunks is None:
        return cache.format(text)  # not Python: black reports the syntax error itself
    out: list[str] = []
    start = 0
    changed = False
    for first, end in chunks:
        # Lines between statements (blank lines, comments) stay as they are.
        out.extend(lines[start:first])
        chunk = lines[first:end]
        source = "".join(chunk)
        formatted = cache.settle(source, chunk)
        changed = changed or formatted != source
        out.append(formatted)
        start = end
    out.extend(lines[start:])
    # Black keeps our templates' output as it is: then the text is returned, not a copy of
    # it (at 1000 operations the client module is 9 MB, 17 MiB as a str of Chinese text).
    return "".join(out) if changed else text


#: Line ends `str.splitlines` knows besides "\n", in UTF-8. Text holding one is formatted
#: through `format_python`, which splits lines exactly as before.
_OTHER_LINE_ENDS = re.compile(rb"[\r\x0b\x0c\x1c-\x1e]|\xc2\x85|\xe2\x80[\xa8\xa9]")
#: Lines of more than LINE_LENGTH bytes: a superset of the lines of more than LINE_LENGTH
#: characters (UTF-8 takes one byte or more a character).
_LONG_IN_BYTES = re.compile(rb"[^\n]{%d,}" % (LINE_LENGTH + 1))
#: Where a top-level statement of our templates may begin (`_chunks_around`).
_STATEMENT_START = re.compile(rb"^[A-Za-z_@\x80-\xff]", re.MULTILINE)


def format_utf8(data: bytes | bytearray, cache: BlackCache, *, full: bool = False) -> bytes | bytearray:
    """`format_python` for a module rendered as UTF-8, decoding only the statements around
    its long lines.

    The 1000-operation client module is 9 MB of UTF-8 but a 17 MiB str (its Chinese text
    makes Python store two bytes a character), and rendering it as one str, with the list
    of lines formatting split it into, made the run's peak memory. The module is never a
    str here; each chunk found exactly as `_chunks_around` finds it is decoded on its own.
    """
    if full or _OTHER_LINE_ENDS.search(data):
        return format_python(data.decode("utf-8"), cache, full=full).encode("utf-8")
    long = [m.start() for m in _LONG_IN_BYTES.finditer(data)
            if m.end() - m.start() > LINE_LENGTH and len(data[m.start():m.end()].decode("utf-8")) > LINE_LENGTH]
    if not long:
        return data
    starts = [m.start() for m in _STATEMENT_START.finditer(data)
              if data[m.start()] < 0x80 or _first_char(data, m.start()).isalpha()]
    chunks: list[tuple[int, int]] = []
    for at_line in long:
        at = bisect.bisect_right(starts, at_line) - 1
        if at < 0:  # in the module docstring, before any statement
            return format_python(data.decode("utf-8"), cache).encode("utf-8")
        first = starts[at]
        end = starts[at + 1] if at + 1 < len(starts) else len(data)
        line_end = data.find(b"\n", at_line)
        line_end = len(data) if line_end < 0 else line_end + 1
        while end > line_end:  # blank lines and comments between statements stay outside
            before = data.rfind(b"\n", 0, end - 1) + 1
            line = data[before:end].decode("utf-8")
            if line.strip() and not line.lstrip().startswith("#"):
                break
            end = before
        if chunks and first < chunks[-1][1]:
            continue  # this statement is already a chunk
        chunks.append((first, end))
    texts = [data[first:end].decode("utf-8") for first, end in chunks]
    keys = [cache.key(text) for text in texts]
    for text, key in zip(texts, keys):
        if cache.knows(key):
            continue  # parsed as a whole module when it was seen
        try:
            ast.parse(text)
        except SyntaxError:  # not laid out as our templates lay out statements
            return format_python(data.decode("utf-8"), cache).encode("utf-8")
    changed: list[tuple[int, int, bytes]] = []
    for (first, end), text, key in zip(chunks, texts, keys):
        formatted = cache.settle(text, key=key)
        if formatted != text:
            changed.append((first, end, formatted.encode("utf-8")))
    if not changed:
        return data  # black keeps our templates' output: the module itself, not a copy
    out = bytearray()
    start = 0
    for first, end, replacement in changed:
        out += data[start:first]
        out += replacement
        start = end
    out += data[start:]
    return out


def _first_char(data: bytes | bytearray, at: int) -> str:
    return bytes(data[at:at + 4]).decode("utf-8", "ignore")[:1]


def _chunks_around(lines: list[str], long: list[int]) -> list[tuple[int, int]] | None:
    """The top-level statements holding the long lines, found without parsing the module.

    Our templates start every top-level statement in column 0 with a name, a keyword or a
    decorator, and indent everything else (a module's docstring aside). Parsing a 9 MB
    module to find statements took longer than everything else formatting does, so
    statements are cut at such lines and each cut is proven by parsing just that chunk;
    when one does not parse (a user template laid out otherwise), None: parse it all.
    """
    starts = [i for i, line in enumerate(lines) if line[:1].isalpha() or line[:1] in "_@"]
    if not starts:
        return None
    chunks: list[tuple[int, int]] = []
    for i in long:
        at = bisect.bisect_right(starts, i) - 1
        if at < 0:
            return None  # in the module docstring, before any statement
        first = starts[at]
        end = starts[at + 1] if at + 1 < len(starts) else len(lines)
        while end > i + 1 and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
            end -= 1  # blank lines and comments between statements stay outside
        if chunks and first < chunks[-1][1]:
            continue  # this statement is already a chunk
        chunks.append((first, end))
    for first, end in chunks:
        try:
            ast.parse("".join(lines[first:end]))
        except SyntaxError:
            return None
    return chunks


def _chunks_by_statement(text: str, long: list[int]) -> list[tuple[int, int]] | None:
    """The top-level statements holding the long lines, from a parse of the module."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return None
    chunks = []
    for node in tree.body:
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])]) - 1
        end = node.end_lineno or node.lineno
        if any(first <= i < end for i in long):
            chunks.append((first, end))
    return chunks


_SKIP = {tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}


def _black_keeps(chunk: list[str]) -> bool:
    """True when black would return this statement unchanged despite its long lines.

    Only for output of our own templates, whose short lines are black-stable by
    construction (the whole-tree black test proves it). Then black can only change a long
    line it can shorten. It cannot shorten an element line of an exploded bracket that
    holds a single double-quoted string (optionally after `key:` or `name=`, with its
    trailing comma), nor a line strictly inside a multi-line string (without trailing
    blanks or tabs). Anything else, a comment included, goes to black.
    """
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO("".join(chunk)).readline))
    except (tokenize.TokenError, SyntaxError):
        return False
    on_line: dict[int, list[tokenize.TokenInfo]] = {}
    inside_string: set[int] = set()
    depth_at: dict[int, int] = {}
    depth = 0
    for tok in tokens:
        if tok.type == tokenize.STRING and tok.end[0] > tok.start[0]:
            inside_string.update(range(tok.start[0] + 1, tok.end[0]))
        depth_at.setdefault(tok.start[0], depth)
        if tok.type == tokenize.OP and tok.string in "([{":
            depth += 1
        elif tok.type == tokenize.OP and tok.string in ")]}":
            depth -= 1
        if tok.type not in _SKIP:
            on_line.setdefault(tok.start[0], []).append(tok)
    for number, line in enumerate(chunk, start=1):
        text = line.rstrip("\n")
        if len(text) <= LINE_LENGTH:
            continue
        if number in inside_string and text == text.rstrip() and "\t" not in text:
            continue  # black strips trailing blanks and expands tabs in docstrings, nothing else
        if depth_at.get(number, 0) < 1 or not _single_string_element(on_line.get(number, [])):
            return False
    return True


def _single_string_element(toks: list[tokenize.TokenInfo]) -> bool:
    if len(toks) < 2 or toks[-1].string != ",":
        return False
    body = toks[:-1]
    if len(body) == 3 and _is_key(body[0], body[1].string):
        body = body[2:]
    return len(body) == 1 and _plain_string(body[0])


def _is_key(tok: tokenize.TokenInfo, separator: str) -> bool:
    """`"code": ` or `1: ` in a dict, `name=` in a call."""
    if separator == ":":
        return tok.type == tokenize.NUMBER or _plain_string(tok)
    return separator == "=" and tok.type == tokenize.NAME


def _plain_string(tok: tokenize.TokenInfo) -> bool:
    """A one-line double-quoted literal without prefix, the form black never rewrites."""
    text = tok.string
    return (tok.type == tokenize.STRING and tok.start[0] == tok.end[0] and text.startswith('"')
            and not text.startswith('"""'))
