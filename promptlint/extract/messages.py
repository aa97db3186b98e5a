"""Turn the message-shaped arguments of SDK calls into prompt parts in cache order."""

from __future__ import annotations

from typing import List, Optional, Tuple

import libcst as cst

from promptlint.extract.provenance import single_binding
from promptlint.extract.scopes import Scope
from promptlint.extract.text import TextResolver, concat
from promptlint.ir import Dynamic, PromptPart, PromptText, Volatility

Parts = Tuple[List[PromptPart], bool]  # the parts, and whether they are the whole of the argument
_MAX_DEPTH = 8


def _unknown(node: cst.CSTNode, role: str, volatility: Volatility, source: str = "…") -> PromptPart:
    return PromptPart(role, PromptText((Dynamic(source, volatility, node),)), node)


def message_list(expr: cst.BaseExpression, scope: Scope, resolver: TextResolver, depth: int = 0) -> Parts:
    """``[{"role": ..., "content": ...}, *history, msg]`` (or a name bound once to such a list)."""
    if depth > _MAX_DEPTH:
        return [], False
    if isinstance(expr, cst.Name):
        owner, bindings = scope.lookup(expr.value)
        binding = single_binding(bindings)
        if binding is not None and binding.kind == "param":
            return [_unknown(expr, "unknown", Volatility.PER_REQUEST, expr.value)], True
        if binding is None or binding.kind != "assign" or binding.value is None or owner is None:
            return [], False
        parts, complete = message_list(binding.value, binding.scope, resolver, depth + 1)
        for mutation in owner.mutations.get(expr.value, []):
            if mutation.method == "escape":
                continue  # ``count_tokens(messages)``, ``log(messages)``: read, not rebuilt
            if mutation.method in ("append", "extend"):
                # Appended later: after everything already in the list, so the known prefix stands.
                parts.append(_unknown(mutation.node, "unknown", Volatility.PER_REQUEST))
            else:
                return [], False
        return parts, complete
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
        left, left_complete = message_list(expr.left, scope, resolver, depth + 1)
        if not left_complete:
            return left, False
        right, right_complete = message_list(expr.right, scope, resolver, depth + 1)
        return left + right, right_complete
    if not isinstance(expr, (cst.List, cst.Tuple)):
        return [], False
    parts: List[PromptPart] = []
    for element in expr.elements:
        if isinstance(element, cst.StarredElement):
            parts.append(_unknown(element, "unknown", resolver.volatility(element.value, scope)))
            continue
        message = one_message(element.value, scope, resolver, depth + 1)
        if message is None:
            return parts, False
        parts.append(message)
    return parts, True


def one_message(
    expr: cst.BaseExpression, scope: Scope, resolver: TextResolver, depth: int = 0
) -> Optional[PromptPart]:
    """One ``{"role": r, "content": c}`` message (dict literal, ``dict(...)``, a typed-dict call, a name)."""
    if depth > _MAX_DEPTH:
        return None
    fields: dict = {}
    if isinstance(expr, cst.Name):
        owner, bindings = scope.lookup(expr.value)
        binding = single_binding(bindings)
        if binding is None or binding.kind != "assign" or binding.value is None:
            return None
        if owner is not None and any(m.method != "escape" for m in owner.mutations.get(expr.value, [])):
            return None
        return one_message(binding.value, binding.scope, resolver, depth + 1)
    if isinstance(expr, cst.Dict):
        for element in expr.elements:
            if not isinstance(element, cst.DictElement):
                return None
            key = resolver.literal(element.key, scope)
            if key is None:
                return None
            fields[key] = element.value
    elif isinstance(expr, cst.Call):
        for arg in expr.args:
            if arg.keyword is None:
                return None
            fields[arg.keyword.value] = arg.value
    else:
        return None
    role_expr = fields.get("role")
    role = resolver.literal(role_expr, scope) if role_expr is not None else None
    content = fields.get("content")
    if content is None:
        return None
    marked = "cache_control" in fields or marks_cache(content, scope, resolver)
    return PromptPart(role or "unknown", content_text(content, scope, resolver), content, marked)


def marks_cache(expr: cst.BaseExpression, scope: Scope, resolver: TextResolver) -> bool:
    """Whether a list of content blocks puts a ``cache_control`` breakpoint on any of them."""
    if not isinstance(expr, (cst.List, cst.Tuple)):
        return False
    for element in expr.elements:
        block = element.value
        if isinstance(block, cst.Dict):
            for item in block.elements:
                if isinstance(item, cst.DictElement) and resolver.literal(item.key, scope) == "cache_control":
                    return True
    return False


def content_text(expr: cst.BaseExpression, scope: Scope, resolver: TextResolver) -> PromptText:
    """A message's content: a string, or a list of content blocks whose text parts are joined."""
    if isinstance(expr, (cst.List, cst.Tuple)):
        pieces: List[PromptText] = []
        for element in expr.elements:
            if isinstance(element, cst.StarredElement):
                pieces.append(PromptText((Dynamic("…", resolver.volatility(element.value, scope), element),)))
                continue
            block = element.value
            if isinstance(block, cst.Dict):
                text = None
                for item in block.elements:
                    if isinstance(item, cst.DictElement) and resolver.literal(item.key, scope) == "text":
                        text = item.value
                if text is not None:
                    pieces.append(resolver.resolve(text, scope))
                # Non-text blocks (images, documents) carry no text we can count.
                continue
            pieces.append(resolver.resolve(block, scope))
        return concat(pieces)
    return resolver.resolve(expr, scope)


def text_parts(role: str, expr: cst.BaseExpression, scope: Scope, resolver: TextResolver) -> PromptPart:
    """A prompt argument that is a single text (or a list of text blocks): ``system=``, ``instructions=``."""
    return PromptPart(role, content_text(expr, scope, resolver), expr, marks_cache(expr, scope, resolver))
