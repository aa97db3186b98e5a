"""Lines the way Python counts them: a line ends at ``\\n``, ``\\r\\n`` or a lone ``\\r``, and nowhere else.

``str.splitlines()`` also breaks at form feed, vertical tab, ``\\x1c``-``\\x1e``, U+0085, U+2028 and U+2029,
which may sit inside a string or a comment of a valid file; libcst's positions (and CPython's) do not
count those. Every place that turns text into lines, or (line, column) into an offset, goes through here
so that a finding, its code frame, its fix and its suppression comment all name the same line.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import List, Tuple

LINE_BREAK = re.compile(r"\r\n?|\n")


def split_lines(text: str, keepends: bool = False) -> List[str]:
    """Like ``str.splitlines`` (no empty last item after a final line break), with Python's breaks."""
    lines: List[str] = []
    start = 0
    for match in LINE_BREAK.finditer(text):
        lines.append(text[start : match.end() if keepends else match.start()])
        start = match.end()
    if start < len(text):
        lines.append(text[start:])
    return lines


def line_ending(line: str) -> str:
    """The break a line from ``split_lines(..., keepends=True)`` ends with ("" for the last line)."""
    if line.endswith("\r\n"):
        return "\r\n"
    return line[-1:] if line.endswith(("\n", "\r")) else ""


class LineIndex:
    """The start offset of every line of a text, computed once: (line, column) <-> offset.

    Lines are 1-based and columns 0-based character offsets, as in libcst's positions.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0] + [match.end() for match in LINE_BREAK.finditer(text)]

    def offset(self, line: int, column: int) -> int:
        return self.starts[line - 1] + column

    def position(self, offset: int) -> Tuple[int, int]:
        """The line and column of an offset; an offset just after a line break starts the next line."""
        line = bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1]

    def line_text(self, line: int) -> str:
        """Line ``line`` with its line break."""
        end = self.starts[line] if line < len(self.starts) else len(self.text)
        return self.text[self.starts[line - 1] : end]

    def line_start(self, line: int) -> int:
        return self.starts[line - 1]

    def line_end(self, line: int) -> int:
        """The offset of line ``line``'s break (the end of the text for the last line)."""
        if line >= len(self.starts):
            return len(self.text)
        end = self.starts[line]
        if self.text.endswith("\r\n", 0, end):
            return end - 2
        return end - 1
