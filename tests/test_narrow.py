"""Narrowing follows a file's lines through the fixer's edits, so later fix rounds fix only reported findings."""

from __future__ import annotations

from collections import Counter

from promptlint.narrow import FileNarrowing


def test_changed_lines_follow_lone_cr_line_breaks() -> None:
    narrowing = FileNarrowing(None, {2})
    assert narrowing.after_edit("a\rb\rc\u2028d\r", "NEW\ra\rb\rc\u2028d\r").lines == {1, 3}


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
