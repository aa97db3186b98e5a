"""Read a Python file and decode it the way the interpreter would.

The text keeps its original line endings (no universal-newline translation) so that fixes can be written
back byte-for-byte around the edited spans; ``newline`` records which ending the file uses. To write a
file back: ``(BOM if has_bom else b"") + text.encode(encoding)``.
"""

from __future__ import annotations

import codecs
import errno
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Tuple

_MIB = 1024 * 1024

# PEP 263: the cookie is a comment on line 1 or 2 (line 2 only when line 1 is blank or a comment).
_COOKIE_RE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")
_BLANK_OR_COMMENT_RE = re.compile(rb"^[ \t\f]*(?:[#\r\n]|$)")


class SourceError(Exception):
    """A file that cannot be linted; ``reason`` is one line, meant to follow the path in a report."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class SourceFile:
    """A decoded file. ``text`` excludes the BOM and keeps ``\\r\\n`` as written."""

    path: Path
    raw: bytes = field(repr=False)
    text: str = field(repr=False)
    encoding: str
    has_bom: bool
    newline: str  # "\n" or "\r\n": the first line ending in the file ("\n" when there is none)


def read_source(path: Path, *, max_bytes: int = 10 * _MIB) -> SourceFile:
    """Read and decode ``path``, refusing files over ``max_bytes`` before reading them whole."""
    return decode_file(path, read_raw(path, max_bytes=max_bytes))


def read_raw(path: Path, *, max_bytes: int = 10 * _MIB) -> bytes:
    """The bytes of ``path``; decoding waits until a file is known to be worth it (see the prefilter)."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(max_bytes + 1)
    except OSError as exc:
        raise SourceError(_os_reason(exc)) from None
    if len(raw) > max_bytes:
        raise SourceError(f"file is larger than {_size(max_bytes)}")
    return raw


def decode_file(path: Path, raw: bytes) -> SourceFile:
    text, encoding, has_bom = decode_source(raw)
    return SourceFile(
        path=path, raw=raw, text=text, encoding=encoding, has_bom=has_bom, newline=_first_newline(text)
    )


def decode_source(raw: bytes) -> Tuple[str, str, bool]:
    """Decode ``raw`` per PEP 263 and the UTF-8 BOM; return ``(text, encoding, has_bom)``."""
    has_bom = raw.startswith(codecs.BOM_UTF8)
    body = raw[len(codecs.BOM_UTF8) :] if has_bom else raw
    cookie = _find_cookie(body)
    encoding = "utf-8"
    if cookie is not None:
        try:
            info = codecs.lookup(cookie)
        except LookupError:
            raise SourceError(f"unknown encoding: {cookie}") from None
        encoding = "utf-8" if info.name == "utf-8" else _normal_name(cookie)
        if has_bom and encoding != "utf-8":
            raise SourceError(f"UTF-8 byte-order mark conflicts with coding cookie {cookie!r}")
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as exc:
        offset = exc.start + (len(raw) - len(body))
        raise SourceError(
            f"cannot decode as {encoding} (byte 0x{exc.object[exc.start]:02x} at offset {offset})"
        ) from None
    return text, encoding, has_bom


def _find_cookie(body: bytes) -> Optional[str]:
    """The cookie's encoding name as written, from line 1, or line 2 after a blank/comment line 1."""
    lines = body.split(b"\n", 2)
    first = lines[0]
    match = _COOKIE_RE.match(first)
    if match is None and len(lines) > 1 and _BLANK_OR_COMMENT_RE.match(first):
        match = _COOKIE_RE.match(lines[1])
    return match.group(1).decode("ascii") if match else None


def _normal_name(name: str) -> str:
    """Spell the common aliases the way the ``tokenize`` module does; others stay as written."""
    low = name.lower().replace("_", "-")
    if low == "utf-8" or low.startswith("utf-8-"):
        return "utf-8"
    for latin in ("latin-1", "iso-8859-1", "iso-latin-1"):
        if low == latin or low.startswith(latin + "-"):
            return "iso-8859-1"
    return name


def _first_newline(text: str) -> str:
    index = text.find("\n")
    return "\r\n" if index > 0 and text[index - 1] == "\r" else "\n"


def _os_reason(exc: OSError) -> str:
    """One short phrase for the errors a file can hit between discovery and reading."""
    if exc.errno == errno.ENOENT:
        return "file vanished"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.EISDIR:
        return "is a directory"
    return (exc.strerror or str(exc)).lower()


def _size(n: int) -> str:
    return f"{n // _MIB} MiB" if n % _MIB == 0 else f"{n} bytes"
