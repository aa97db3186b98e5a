"""promptlint positions (1-based lines, 1-based code-point columns) to and from the protocol's (0-based
lines, 0-based columns counted in the negotiated encoding's code units: UTF-16 unless the client chose
otherwise). Lines end at ``\\n``, ``\\r\\n`` or ``\\r``, for the protocol as for Python."""

from __future__ import annotations

from typing import Sequence, Tuple


def _units(text: str, encoding: str) -> int:
    if encoding == "utf-8":
        return len(text.encode("utf-8", "surrogatepass"))
    if encoding == "utf-32":
        return len(text)
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def to_client(lines: Sequence[str], line: int, column: int, encoding: str) -> Tuple[int, int]:
    """(line, character) for the protocol, from promptlint's 1-based line and code-point column."""
    if line - 1 >= len(lines):
        return line - 1, 0
    return line - 1, _units(lines[line - 1][: column - 1], encoding)


def from_client(lines: Sequence[str], line: int, character: int, encoding: str) -> Tuple[int, int]:
    """promptlint's 1-based line and code-point column, from the protocol's position."""
    if line >= len(lines):
        return line + 1, 1
    text = lines[line]
    units = 0
    for index, char in enumerate(text):
        if units >= character:
            return line + 1, index + 1
        units += _units(char, encoding)
    return line + 1, len(text) + 1
