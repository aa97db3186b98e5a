"""Read a Python file and decode it the way the interpreter would.

The text keeps its original line endings (no universal-newline translation) so that fixes can be written
back byte-for-byte around the edited spans; ``newline`` records which ending the file uses. To write a
file back: ``(BOM if has_bom else b"") + text.encode(encoding)``.
"""

from __future__ import annotations

import codecs
import errno
import os
import re
from enum import Enum
from pathlib import Path
from typing import BinaryIO, Callable, Optional, Tuple

from promptlint.record import Frozen

_KIB = 1024
_MIB = 1024 * _KIB
DEFAULT_MAX_FILE_SIZE = 10 * _MIB  # `max-file-size` in [tool.promptlint]

# PEP 263: the cookie is a comment on line 1 or 2 (line 2 only when line 1 is blank or a comment). Compiled
# by ``re``'s own cache when a file is decoded, not when the module is imported.
_COOKIE_RE = rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)"
_BLANK_OR_COMMENT_RE = rb"^[ \t\f]*(?:[#\r\n]|$)"


class SourceError(Exception):
    """A file that cannot be linted; ``reason`` is one line, meant to follow the path in a report."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class FileTooLarge(SourceError):
    """A file over the size limit; it is an error only when it may call an LLM (see the prefilter)."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(f"file is larger than {format_size(max_bytes)}")


class SourceFile(Frozen):
    """A decoded file. ``text`` excludes the BOM and keeps ``\\r\\n`` as written."""

    __slots__ = ("path", "raw", "text", "encoding", "has_bom", "newline")
    _hidden = ("raw", "text")

    def __init__(
        self,
        path: Path,
        raw: bytes,
        text: str,
        encoding: str,
        has_bom: bool,
        newline: str,  # "\n" or "\r\n": the first line ending in the file ("\n" when there is none)
    ) -> None:
        self.path = path
        self.raw = raw
        self.text = text
        self.encoding = encoding
        self.has_bom = has_bom
        self.newline = newline


def read_source(path: Path, *, max_bytes: int = DEFAULT_MAX_FILE_SIZE) -> SourceFile:
    """Read and decode ``path``, refusing files over ``max_bytes`` before reading them whole."""
    return decode_file(path, read_raw(path, max_bytes=max_bytes))


def read_raw(path: Path, *, max_bytes: int = DEFAULT_MAX_FILE_SIZE) -> bytes:
    """The bytes of ``path``; decoding waits until a file is known to be worth it (see the prefilter).

    A file over ``max_bytes`` raises ``FileTooLarge`` without being read.
    """
    try:
        with open(path, "rb") as handle:
            if os.fstat(handle.fileno()).st_size > max_bytes:
                raise FileTooLarge(max_bytes)
            raw = handle.read(max_bytes + 1)
    except OSError as exc:
        raise SourceError(os_reason(exc, found_before=True)) from None
    if len(raw) > max_bytes:  # grown since, or a file whose size the system does not know
        raise FileTooLarge(max_bytes)
    return raw


def scan_raw(path: Path, scan: Callable[[BinaryIO], bool]) -> bool:
    """``scan`` the open file (which reads it in bounded pieces): a look at a file too large to read."""
    try:
        with open(path, "rb") as handle:
            return scan(handle)
    except OSError as exc:
        raise SourceError(os_reason(exc, found_before=True)) from None


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
        if not getattr(info, "_is_text_encoding", True):  # `hex`, `rot13`: codecs, not text encodings
            raise SourceError(f"not a text encoding: {cookie}")
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
    if b"coding" not in first and (len(lines) < 2 or b"coding" not in lines[1]):
        return None  # no cookie on either line: no pattern to compile
    match = re.match(_COOKIE_RE, first)
    if match is None and len(lines) > 1 and re.match(_BLANK_OR_COMMENT_RE, first):
        match = re.match(_COOKIE_RE, lines[1])
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


class PathProblem(str, Enum):
    """What is wrong with a path, so callers decide by kind and never by the wording of a message."""

    MISSING = "missing"
    VANISHED = "vanished"  # found while walking, gone when read
    LOOP = "loop"
    DENIED = "denied"
    IS_DIRECTORY = "is-directory"
    NOT_A_FILE = "not-a-file"
    OTHER = "other"


_REASONS = {
    PathProblem.MISSING: "No such file or directory",
    PathProblem.VANISHED: "file vanished",
    PathProblem.LOOP: "symlink loop",
    PathProblem.DENIED: "permission denied",
    PathProblem.IS_DIRECTORY: "is a directory",
    PathProblem.NOT_A_FILE: "not a regular file",
}


def os_problem(exc: OSError, *, found_before: bool = False) -> PathProblem:
    """The kind of an operating-system error on a path; a missing path that was found before vanished."""
    if exc.errno == errno.ENOENT:
        return PathProblem.VANISHED if found_before else PathProblem.MISSING
    if exc.errno == errno.ELOOP:
        return PathProblem.LOOP
    if exc.errno in (errno.EACCES, errno.EPERM):
        return PathProblem.DENIED
    if exc.errno == errno.EISDIR:
        return PathProblem.IS_DIRECTORY
    return PathProblem.OTHER


def problem_reason(problem: PathProblem, exc: Optional[OSError] = None) -> str:
    """One short phrase for a path problem, to follow the path in a report."""
    if problem in _REASONS:
        return _REASONS[problem]
    return (exc.strerror or str(exc)).lower() if exc is not None else "cannot be read"


def os_reason(exc: OSError, *, found_before: bool = False) -> str:
    return problem_reason(os_problem(exc, found_before=found_before), exc)


def format_size(n: int) -> str:
    """``10 MiB``, ``512 KiB`` or ``1000 bytes``: the unit in which ``n`` is a whole number."""
    if n and n % _MIB == 0:
        return f"{n // _MIB} MiB"
    if n and n % _KIB == 0:
        return f"{n // _KIB} KiB"
    return f"{n} bytes"
