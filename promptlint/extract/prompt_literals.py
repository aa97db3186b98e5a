"""The triple-quoted literal a prompt part begins with, and where it is written (``PromptPart.literal``):
the facts a rule needs to tell layout whitespace in a prompt from text, and to rewrite it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, List, NamedTuple, Optional, Sequence

import libcst as cst

from promptlint.extract.module_index import ModuleIndex
from promptlint.extract.scopes import Scope
from promptlint.ir import Dynamic, LiteralPlace, LLMCall, PromptLiteral, Static, piece_text

_HOLE = PromptLiteral.HOLE
_TRIPLE = ('"""', "'''")


class _Site(NamedTuple):
    """What a literal needs to know of the request that sends it."""

    node: Any  # the call node
    dedent: str  # how the module spells ``textwrap.dedent``, or ""


def with_prompt_literals(call: LLMCall, index: ModuleIndex, scope: Scope) -> LLMCall:
    """The call with ``literal`` set on each prompt part that begins with a triple-quoted literal; ``scope``
    is the call site's."""
    parts = list(call.prompt)
    changed = False
    site = _Site(call.node, _dedent_spelling(scope))
    for position, part in enumerate(parts):
        literal = _literal_of(part.text.segments, site, index)
        if literal is not None:
            parts[position] = replace(part, literal=literal)
            changed = True
    return replace(call, prompt=tuple(parts)) if changed else call


def _literal_of(segments: Sequence[object], call: _Site, index: ModuleIndex) -> Optional[PromptLiteral]:
    """The triple-quoted string that the first segment of a part begins, if it is one."""
    if not segments:
        return None
    first = segments[0]
    node = getattr(first, "node", None)
    if isinstance(first, Static) and isinstance(node, cst.SimpleString):
        return _of_string(node, call, index)
    if isinstance(first, Static) and isinstance(node, cst.FormattedStringText):
        fstring = first.literal
        if isinstance(fstring, cst.FormattedString) and fstring.parts and fstring.parts[0] is node:
            return _of_fstring(fstring, call, index)
        return None
    if isinstance(first, Dynamic) and node is not None and len(segments) > 1:
        # An f-string that starts with a replacement field: its next text part names the f-string.
        fstring = getattr(segments[1], "literal", None)
        if (
            isinstance(fstring, cst.FormattedString)
            and fstring.parts
            and isinstance(fstring.parts[0], cst.FormattedStringExpression)
            and fstring.parts[0].expression is node
        ):
            return _of_fstring(fstring, call, index)
    return None


def _of_string(node: cst.SimpleString, call: _Site, index: ModuleIndex) -> Optional[PromptLiteral]:
    prefix = node.prefix.lower()
    if "b" in prefix or node.quote not in _TRIPLE:
        return None
    value = node.evaluated_value
    if not isinstance(value, str) or _HOLE in node.raw_value or "\n" not in node.raw_value:
        return None
    return _literal(node, prefix, node.quote, node.raw_value, [node], [value], False, call, index)


def _of_fstring(node: cst.FormattedString, call: _Site, index: ModuleIndex) -> Optional[PromptLiteral]:
    quote = node.end
    if quote not in _TRIPLE:
        return None
    prefix = node.start[: -len(quote)].lower().replace("f", "")
    if "b" in prefix:
        return None
    template: List[str] = []
    texts: List[Optional[cst.CSTNode]] = [None]
    for part in node.parts:
        if isinstance(part, cst.FormattedStringText):
            if _HOLE in part.value:
                return None
            template.append(part.value)
            texts[-1] = part
        else:
            template.append(_HOLE)
            texts.append(None)
    joined = "".join(template)
    if "\n" not in joined:
        return None
    values = []
    for piece in joined.split(_HOLE):
        value = piece_text(prefix, quote, piece, fstring=True)
        if value is None:
            return None
        values.append(value)
    return _literal(node, prefix, quote, joined, texts, values, True, call, index)


def _literal(node, prefix, quote, template, texts, values, is_fstring, call, index) -> PromptLiteral:
    return PromptLiteral(
        node,
        prefix,
        quote,
        template,
        tuple(texts),
        tuple(values),
        is_fstring,
        dedent=call.dedent,
        locate=lambda: _place(node, call.node, index),
    )


def _dedent_spelling(scope: Optional[Scope]) -> str:
    """How the module names ``textwrap.dedent``, when it imports it once at module level."""
    if scope is None:
        return ""
    while scope.parent is not None:
        scope = scope.parent
    for name, qualified, spelled in (
        ("textwrap", "textwrap", "textwrap.dedent"),
        ("dedent", "textwrap.dedent", "dedent"),
    ):
        bindings = scope.bindings.get(name, [])
        if len(bindings) == 1 and bindings[0].kind == "import" and bindings[0].qualified == qualified:
            return spelled
    return ""


def _place(literal: cst.CSTNode, call: Optional[cst.CSTNode], index: ModuleIndex) -> LiteralPlace:
    indent = ""
    for ancestor in index.ancestors(literal):
        if isinstance(ancestor, cst.IndentedBlock):
            block = ancestor.indent
            indent = (block if block is not None else index.module.default_indent) + indent
    concatenated = isinstance(index.parent(literal), cst.ConcatenatedString)
    return LiteralPlace(indent, concatenated, _local_to(literal, call, index))


def _local_to(literal: cst.CSTNode, call: Optional[cst.CSTNode], index: ModuleIndex) -> bool:
    """The string is written in the call itself or in the function that makes the call."""
    if call is None:
        return False
    literal_ancestors = list(index.ancestors(literal))
    if any(ancestor is call for ancestor in literal_ancestors):
        return True
    function = next((a for a in literal_ancestors if isinstance(a, cst.FunctionDef)), None)
    return function is not None and any(a is function for a in index.ancestors(call))
