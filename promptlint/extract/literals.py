"""Values known at lint time: literals, and names bound once to them.

Only JSON-like values are evaluated: strings (fully static, through the prompt resolver), ints, floats,
booleans, ``None``, and lists, tuples and dicts of them. A container bound to a name is followed only when
nothing changes it after it is built (no ``append``/``update``/``[k] =``, and never handed to a helper).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import libcst as cst

from promptlint.extract.scopes import Scope
from promptlint.extract.text import TextResolver


class _Unknown:
    """The value cannot be known statically."""

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()
_MAX_DEPTH = 12


def int_literal(expr: Optional[cst.BaseExpression]) -> Optional[int]:
    """The int an integer literal (``8_192``, ``0x10``, ``-1``) stands for, else None."""
    if isinstance(expr, cst.Integer):
        try:
            return int(expr.value.replace("_", ""), 0)
        except ValueError:
            return None
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
        inner = int_literal(expr.expression)
        return -inner if inner is not None else None
    return None


def literal_value(
    expr: Optional[cst.BaseExpression], scope: Scope, resolver: TextResolver, depth: int = 0
) -> Any:
    """The value of ``expr``, or ``UNKNOWN``."""
    if expr is None or depth > _MAX_DEPTH:
        return UNKNOWN
    if isinstance(expr, cst.Integer):
        number = int_literal(expr)
        return UNKNOWN if number is None else number
    if isinstance(expr, cst.Float):
        try:
            return float(expr.value.replace("_", ""))
        except ValueError:
            return UNKNOWN
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
        inner = literal_value(expr.expression, scope, resolver, depth + 1)
        if isinstance(inner, (int, float)) and not isinstance(inner, bool):
            return -inner
        return UNKNOWN
    if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
        text = resolver.literal(expr, scope)
        return UNKNOWN if text is None else text
    if isinstance(expr, (cst.List, cst.Tuple)):
        items: List[Any] = []
        for element in expr.elements:
            if not isinstance(element, cst.Element):
                return UNKNOWN
            value = literal_value(element.value, scope, resolver, depth + 1)
            if value is UNKNOWN:
                return UNKNOWN
            items.append(value)
        return items
    if isinstance(expr, cst.Dict):
        mapping: Dict[Any, Any] = {}
        for element in expr.elements:
            if not isinstance(element, cst.DictElement):
                return UNKNOWN
            key = literal_value(element.key, scope, resolver, depth + 1)
            if not isinstance(key, (str, int)) or key is UNKNOWN:
                return UNKNOWN
            value = literal_value(element.value, scope, resolver, depth + 1)
            if value is UNKNOWN:
                return UNKNOWN
            mapping[key] = value
        return mapping
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name) and expr.func.value == "dict":
        owner, bindings = scope.lookup("dict")
        if bindings:
            return UNKNOWN  # a local ``dict``: not the builtin
        mapping = {}
        for arg in expr.args:
            if arg.star or arg.keyword is None:
                return UNKNOWN
            value = literal_value(arg.value, scope, resolver, depth + 1)
            if value is UNKNOWN:
                return UNKNOWN
            mapping[arg.keyword.value] = value
        return mapping
    if isinstance(expr, cst.Name):
        if expr.value in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[expr.value]
        binding = scope.assigned_once(expr.value)
        if binding is None:
            return UNKNOWN
        value = literal_value(binding.value, binding.scope, resolver, depth + 1)
        if isinstance(value, (list, dict)) and binding.scope.mutations.get(expr.value):
            return UNKNOWN  # changed, or handed to something that may change it, after it was built
        return value
    return UNKNOWN
