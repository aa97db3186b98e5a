"""The language server's edits, without a server: where a noqa comment can go, and the one edit that
turns a buffer into its fixed text."""

from __future__ import annotations

from promptlint.diagnostics import Edit
from promptlint.fixes import apply_edits
from promptlint.lsp.actions import noqa_edit, whole_edit
from promptlint.lsp.positions import from_client, to_client


def test_noqa_goes_at_the_end_of_the_line_replacing_trailing_blanks() -> None:
    text = "x = call()   \ny = 2\n"
    assert noqa_edit(text, 1, "LLM201") == Edit(1, 11, 1, 14, "  # noqa: LLM201")


def test_noqa_joins_an_existing_noqa_list() -> None:
    text = "x = call()  # noqa: E501,LLM101  # other\n"
    edit = noqa_edit(text, 1, "LLM201")
    assert apply_edits(text, [edit]) == "x = call()  # noqa: E501,LLM101, LLM201  # other\n"


def test_no_noqa_where_a_comment_cannot_go() -> None:
    assert noqa_edit('x = call("""a\nb""")\n', 1, "LLM201") is None  # the line ends inside a string
    assert noqa_edit("x = call(1) + \\\n    2\n", 1, "LLM201") is None  # a backslash continuation
    assert noqa_edit("x = call(\n", 3, "LLM201") is None  # no such line


def test_whole_edit_is_the_span_that_changed() -> None:
    before = "a = 1\nb = f(x)\nc = 3\n"
    after = "a = 1\nb = f(x, y=2)\nc = 3\n"
    assert whole_edit(before, after) == Edit(2, 8, 2, 8, ", y=2")
    assert apply_edits(before, [whole_edit(before, after)]) == after


def test_positions_count_the_negotiated_code_units() -> None:
    lines = ['s = "😀é" + x']
    assert to_client(lines, 1, 10, "utf-16") == (0, 10)
    assert to_client(lines, 1, 10, "utf-8") == (0, 13)
    assert to_client(lines, 1, 10, "utf-32") == (0, 9)
    assert from_client(lines, 0, 10, "utf-16") == (1, 10)
    assert from_client(lines, 0, 13, "utf-8") == (1, 10)
    assert from_client(lines, 3, 0, "utf-16") == (4, 1)
