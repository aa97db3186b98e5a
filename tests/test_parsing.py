"""Parsing without libcst's per-node validation gives libcst's tree and errors, and leaves validation on for
every node built afterwards."""

from __future__ import annotations

import libcst as cst
import pytest

from promptlint.parsing import parse_module

SOURCE = (
    "import openai\n\nclient = openai.OpenAI()\n"
    "def ask(q: str, *, n=1) -> str:\n"
    "    return client.chat.completions.create(model='gpt-4o', messages=[{'role': 'user', 'content': q}])\n"
)


def test_the_tree_is_libcsts_tree() -> None:
    ours, theirs = parse_module(SOURCE), cst.parse_module(SOURCE)
    assert ours.deep_equals(theirs)
    assert ours.code == SOURCE


def test_a_syntax_error_is_libcsts_error() -> None:
    with pytest.raises(cst.ParserSyntaxError) as ours:
        parse_module("def f(:\n")
    with pytest.raises(cst.ParserSyntaxError) as theirs:
        cst.parse_module("def f(:\n")
    assert str(ours.value) == str(theirs.value)


def test_nodes_built_after_a_parse_are_validated() -> None:
    parse_module(SOURCE)
    with pytest.raises(cst.CSTValidationError):
        cst.Name("")
    with pytest.raises(cst.ParserSyntaxError):
        parse_module("x = (\n")
    with pytest.raises(cst.CSTValidationError):
        cst.Name("")
