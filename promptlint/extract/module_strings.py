"""The text of every string literal of a module (``ModuleFacts.string_literals``): what tells a prompt
composed from pieces from text written out in one place."""

from __future__ import annotations

from typing import List, Tuple

import libcst as cst

_BREAK = "\n\x00\n"  # a replacement field, or bytes: no sentence runs across it


def string_literals(module: cst.Module) -> Tuple[str, ...]:
    """Every string literal's text, an implicit concatenation or f-string counting as one."""
    texts: List[str] = []

    class Visitor(cst.CSTVisitor):
        def visit_SimpleString(self, node: cst.SimpleString) -> None:
            value = node.evaluated_value
            if isinstance(value, str):
                texts.append(value)

        def visit_ConcatenatedString(self, node: cst.ConcatenatedString) -> bool:
            pieces: List[str] = []
            _pieces(node, pieces)
            texts.append("".join(pieces))
            return False

        def visit_FormattedString(self, node: cst.FormattedString) -> bool:
            pieces: List[str] = []
            _pieces(node, pieces)
            texts.append("".join(pieces))
            return False

    module.visit(Visitor())
    return tuple(texts)


def _pieces(node: cst.BaseExpression, pieces: List[str]) -> None:
    if isinstance(node, cst.ConcatenatedString):
        _pieces(node.left, pieces)
        _pieces(node.right, pieces)
    elif isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        pieces.append(value if isinstance(value, str) else _BREAK)
    elif isinstance(node, cst.FormattedString):
        for part in node.parts:
            pieces.append(part.value if isinstance(part, cst.FormattedStringText) else _BREAK)
