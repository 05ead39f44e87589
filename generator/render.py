"""IR -> file contents, through one Jinja2 environment.

The environment is strict (StrictUndefined) and guarded: every string that came from a
spec is an `ir.SpecText`, and printing one without an escaping filter raises. The
filters produce literals the way black would write them, so generated code is
black-stable by construction (docs/architecture.md: why we do not run black over
everything).

A user overrides a single template by putting a file of the same name in their own
template folder (`--templates DIR`): that folder is searched first.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import textwrap
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import jinja2

from .ir import SpecText

BUILTIN_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
if not BUILTIN_TEMPLATES.is_dir():  # installed from a wheel: templates ship inside the package
    BUILTIN_TEMPLATES = Path(__file__).resolve().parent / "_templates"
LINE_LENGTH = 88


class UnescapedSpecText(jinja2.TemplateError):
    pass


def _finalize(value: Any) -> Any:
    if isinstance(value, SpecText):
        raise UnescapedSpecText(
            f"spec text {str(value)[:60]!r} reached a template without an escaping filter "
            "(py_str, docstring, comment, md, html, json_str)"
        )
    return value


# -- Python literals -----------------------------------------------------------------

_SIMPLE_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_char(ch: str) -> str:
    if ch in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[ch]
    code = ord(ch)
    if code < 0x20 or code == 0x7F:
        return f"\\x{code:02x}"
    category = unicodedata.category(ch)
    # Invisible or line-breaking characters (U+2028, zero-width, BOM, surrogates, unassigned)
    # are written as escapes: readable in review, and no tool can mistake them for layout.
    if category in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"):
        return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
    return ch


#: What `_escape_char` may change: backslash, ASCII controls, and any non-ASCII character
#: (it decides those by category). The escapers below run Python per match only, not per
#: character: escaping was a quarter of rendering at 1000 operations (docs/performance.md).
_MAY_ESCAPE = re.compile(r"[\\\x00-\x1f\x7f-\U0010ffff]")
_MAY_ESCAPE_NO_BACKSLASH = re.compile(r"[\x00-\x1f\x7f-\U0010ffff]")


def _escape_match(m: re.Match[str]) -> str:
    return _escape_char(m.group())


def _escaped(text: str) -> str:
    return _MAY_ESCAPE.sub(_escape_match, text)


def py_str(value: Any) -> str:
    """A Python string literal holding exactly `value`, quoted as black quotes it
    (double quotes unless single quotes need fewer escapes)."""
    body = _escaped(str(value))
    if body.count('"') > body.count("'"):
        return "'" + body.replace("'", "\\'") + "'"
    return '"' + body.replace('"', '\\"') + '"'


def py_value(value: Any) -> str:
    """A Python literal for JSON-like data (str, int, float, bool, None, list, dict)."""
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return py_str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(py_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{py_str(k)}: {py_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"not JSON data: {type(value).__name__}")


def py_tuple(items: Iterable[Any]) -> str:
    """A tuple literal of strings/ints: ("a",) for one item, () for none."""
    parts = [py_value(x) for x in items]
    if not parts:
        return "()"
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def py_frozenset(items: Iterable[Any]) -> str:
    parts = [py_value(x) for x in items]
    return "frozenset({" + ", ".join(parts) + "})" if parts else "frozenset()"


def isort_all(names: Iterable[str]) -> list[str]:
    """Names in the order ruff's RUF022 wants for `__all__`: SCREAMING_SNAKE_CASE, then
    CamelCase, then the rest; a natural sort within each group."""

    def key(name: str) -> tuple[int, list[tuple[int, int | str]]]:
        if name.upper() == name and any(c.isalpha() for c in name):
            group = 0
        elif name[:1].isupper():
            group = 1
        else:
            group = 2
        parts = [(0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"(\d+)", name) if p]
        return group, parts

    return sorted(names, key=key)


def _clean_text(text: str) -> str:
    """Text for prose contexts: tabs and odd whitespace become spaces, line ends kept."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    if text.isascii():
        return text  # the only ASCII space separator is the space itself
    return "".join(" " if unicodedata.category(ch) in ("Zs",) and ch != " " else ch for ch in text)


def docstring(text: Any, indent: int = 4, summary: str | None = None) -> str:
    """A complete docstring literal (with quotes) for `text`, laid out as black leaves it.

    Paragraphs are wrapped to the line length; backslashes, quotes and control characters
    are escaped, so a description holding triple quotes, backslashes or newlines followed
    by code stays inert text.

    Each distinct (text, indent, summary) is laid out once: specs repeat descriptions (a
    shared field, a family's copies of one operation), and at 1000 operations 8007
    docstrings had 3523 distinct texts; textwrap was the costliest filter of the render."""
    return _docstring(str(text or ""), indent, summary)


@functools.lru_cache(maxsize=1 << 14)
def _docstring(text: str, indent: int, summary: str | None) -> str:
    pad = " " * indent
    paragraphs = [p for p in _paragraphs(_clean_text(text))]
    if summary is not None:
        paragraphs = [_clean_text(summary)] + paragraphs
    if not paragraphs:
        paragraphs = ["(not documented)"]
    width = max(LINE_LENGTH - indent, 40)
    lines: list[str] = []
    for i, para in enumerate(paragraphs):
        if i:
            lines.append("")
        first_width = width - (3 if i == 0 else 0)
        for item in _items(para):
            hanging = "  " if item.startswith("- ") else ""
            wrapped = textwrap.wrap(item, width=first_width, subsequent_indent=hanging, break_long_words=False,
                                    break_on_hyphens=False) or [""]
            lines.extend(wrapped)
            first_width = width
    escaped = [_docstring_line(line) for line in lines]
    if len(escaped) == 1 and len(pad) + 6 + len(escaped[0]) <= LINE_LENGTH and not escaped[0].endswith(('"', "\\")):
        return f'"""{escaped[0]}"""'
    body = "\n".join((pad + line) if line else "" for line in escaped[1:])
    return f'"""{escaped[0]}\n' + (body + "\n" if body else "") + f'{pad}"""'


def _paragraphs(text: str) -> Iterable[str]:
    """Blank-line separated blocks; inside a block, lines starting with "- " stay items."""
    for block in text.split("\n\n"):
        lines = [" ".join(line.split()) for line in block.split("\n")]
        merged: list[str] = []
        for line in lines:
            if not line:
                continue
            if merged and not line.startswith("- "):
                merged[-1] += " " + line
            else:
                merged.append(line)
        if merged:
            yield "\n".join(merged)


def _items(paragraph: str) -> list[str]:
    return paragraph.split("\n")


def _docstring_line(line: str) -> str:
    text = line.replace("\\", "\\\\").replace('"', '\\"')
    return _MAY_ESCAPE_NO_BACKSLASH.sub(_escape_match, text).rstrip()


def comment(text: Any) -> str:
    """One line of comment text: newlines and control characters cannot escape it."""
    flat = str(text).replace("\n", " ").replace("\r", " ").replace("\t", " ")
    return " ".join(_MAY_ESCAPE_NO_BACKSLASH.sub(_escape_match, flat).split())


def md(text: Any) -> str:
    """Markdown inline text: no HTML, no table breaks, no accidental formatting."""
    return " ".join(_MD_SPECIAL.sub(_md_match, _clean_text(str(text))).split(" ")).strip()


_MD_SPECIAL = re.compile(r"[\\`*_{}\[\]<>()#+!|~\n&\x00-\x1f\x7f-\U0010ffff]")


def _md_match(m: re.Match[str]) -> str:
    ch = m.group()
    if ch in "\\`*_{}[]<>()#+!|~":
        return "\\" + ch
    if ch == "\n":
        return " "
    if ch == "&":
        return "&amp;"
    return _escape_char(ch) if unicodedata.category(ch).startswith("C") else ch


def md_block(text: Any) -> str:
    """Markdown paragraphs: like `md` per paragraph, blank lines kept."""
    return "\n\n".join(md(p.replace("\n", " ")) for p in _paragraphs(_clean_text(str(text))))


def html(text: Any) -> str:
    from markupsafe import escape

    return str(escape(str(text)))


def json_str(value: Any) -> str:
    """JSON text, safe inside an HTML <script> element too."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") \
        .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def plain(value: Any) -> str:
    """Explicitly accept a value as safe (identifiers the IR built, numbers)."""
    text = str(value)
    if isinstance(value, SpecText):
        raise UnescapedSpecText(f"`plain` used on spec text {text[:60]!r}")
    return text


# -- environment ---------------------------------------------------------------------

def compiled_templates_dir() -> Path | None:
    """Where compiled templates are kept between runs, per user, like .pyc files.

    Jinja2 compiling our 19 templates took 0.27 s of a 1 s generation. The compiled code
    depends only on a template's source (Jinja2 checks a checksum of it), never on a spec,
    so like Python's own bytecode it is kept whatever `--no-cache` says, per user:
    `AICCGEN_TEMPLATE_CACHE` (`off` for none), else `$XDG_CACHE_HOME/aiccgen/templates`,
    else `~/.cache/aiccgen/templates`.
    """
    configured = os.environ.get("AICCGEN_TEMPLATE_CACHE")
    if configured == "off":
        return None
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "aiccgen" / "templates"


def make_environment(user_templates: str | Path | None = None,
                     compiled: Path | None = None) -> jinja2.Environment:
    """The one Jinja2 environment; `compiled`: a folder for compiled templates, or None."""
    search = [str(user_templates)] if user_templates else []
    search.append(str(BUILTIN_TEMPLATES))
    bytecode_cache = None
    if compiled is not None:
        try:
            compiled.mkdir(parents=True, exist_ok=True)
            bytecode_cache = jinja2.FileSystemBytecodeCache(str(compiled))
        except OSError:
            pass  # an unwritable cache only costs the compile time
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(search),
        bytecode_cache=bytecode_cache,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
        finalize=_finalize,
    )
    env.filters.update(py_str=py_str, py_value=py_value, py_tuple=py_tuple, py_frozenset=py_frozenset,
                       docstring=docstring, comment=comment, md=md, md_block=md_block, html=html,
                       json_str=json_str, plain=plain, isort_all=isort_all)
    return env


@dataclass(frozen=True)
class TemplateSource:
    """Which template files a render used, so a cache can tell when one changed."""

    name: str
    path: str
    digest: str
    overridden: bool


def template_sources(env: jinja2.Environment, names: Iterable[str]) -> list[TemplateSource]:
    out = []
    loader = env.loader
    assert isinstance(loader, jinja2.FileSystemLoader)
    for name in names:
        for base in loader.searchpath:
            candidate = Path(base) / name
            if candidate.is_file():
                out.append(TemplateSource(name, str(candidate), hashlib.sha256(candidate.read_bytes()).hexdigest(),
                                          Path(base) != BUILTIN_TEMPLATES))
                break
    return out
