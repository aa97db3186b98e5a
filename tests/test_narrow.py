"""Narrowing follows a file's lines through the fixer's edits, so later fix rounds fix only reported findings."""

from __future__ import annotations

from collections import Counter

from promptlint.narrow import FileNarrowing, source_lines


def test_lines_are_split_where_python_ends_them() -> None:
    assert source_lines("a\rb\r\nc\u2028d\x0ce\x1cf\nlast") == [
        "a\r",
        "b\r\n",
        "c\u2028d\x0ce\x1cf\n",
        "last",
    ]


def test_changed_lines_follow_inserted_and_removed_lines() -> None:
    before = "one\ntwo\nthree\nfour\nfive\n"
    narrowing = FileNarrowing(None, {2, 4})
    inserted = narrowing.after_edit(before, "one\ntwo\nNEW\nthree\nfour\nfive\n")
    assert inserted.lines == {2, 3, 5}  # 2 kept, 3 written by the fixer, four moved from 4 to 5
    removed = narrowing.after_edit(before, "one\nthree\nfour\nfive\n")
    assert removed.lines == {3}  # "two" is gone, "four" moved up
    replaced = narrowing.after_edit(before, "one\ntwo\nthree\nFOUR!\nfive\n")
    assert replaced.lines == {2, 4}


def test_no_changed_lines_means_every_line_counts() -> None:
    narrowing = FileNarrowing(Counter(), None)
    assert narrowing.after_edit("a\n", "b\nc\n") is narrowing
