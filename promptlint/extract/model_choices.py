"""The literal models a request may use when the code chooses between several: ``"a" if fast else "b"``, a
name assigned in each branch of an ``if``, a lookup in a dict of literals, a class constant that subclasses
override. Every branch must be a known literal: one unknown branch and the model is unknown, never guessed.
"""

from __future__ import annotations

from typing import List, Optional, Tuple

import libcst as cst

from promptlint.extract.scopes import Scope
from promptlint.extract.text import TextResolver

Choice = Tuple[str, cst.CSTNode]  # a model id and the literal that writes it

_MAX_CHOICES = 12
_MAX_DEPTH = 8


def model_choices(
    expr: cst.BaseExpression, scope: Scope, resolver: TextResolver, depth: int = 0
) -> Optional[List[Choice]]:
    """Every literal ``expr`` may evaluate to, each with its literal, in source order; None when one is not
    a known literal."""
    if depth > _MAX_DEPTH:
        return None
    found = _choices(expr, scope, resolver, depth)
    if found is None or not found or len(found) > _MAX_CHOICES:
        return None
    return found


def _choices(
    expr: cst.BaseExpression, scope: Scope, resolver: TextResolver, depth: int
) -> Optional[List[Choice]]:
    if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
        text = resolver.literal(expr, scope)
        return [(text, expr)] if text else None
    if isinstance(expr, cst.IfExp):
        return _union([(expr.body, scope), (expr.orelse, scope)], resolver, depth)
    if isinstance(expr, cst.Name):
        found, bindings = scope.lookup(expr.value)
        if found is None or not bindings or len(bindings) > 6:
            return None
        if any(binding.kind != "assign" or binding.value is None for binding in bindings):
            return None  # a parameter, a loop variable, ``+=``: not only literals
        return _union([(binding.value, binding.scope) for binding in bindings], resolver, depth)
    if isinstance(expr, cst.Attribute):
        from promptlint.extract.class_values import attribute_candidates

        candidates = attribute_candidates(expr, scope)
        if candidates is None:
            return None
        return _union([(c.value, c.scope) for c in candidates], resolver, depth)
    if isinstance(expr, cst.Subscript):
        # ``MODELS[tier]``: any value of a dict (or item of a list) of literals.
        return _table_values(expr.value, scope, resolver, depth)
    if (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Attribute)
        and expr.func.attr.value == "get"
        and len(expr.args) == 2
        and not any(arg.star or arg.keyword for arg in expr.args)
    ):
        # ``MODELS.get(tier, "gpt-4.1-mini")``: a value of the table or the default.
        values = _table_values(expr.func.value, scope, resolver, depth)
        default = _choices(expr.args[1].value, scope, resolver, depth + 1)
        if values is None or default is None:
            return None
        return values + default
    return None


def _union(
    options: List[Tuple[cst.BaseExpression, Scope]], resolver: TextResolver, depth: int
) -> Optional[List[Choice]]:
    result: List[Choice] = []
    for value, value_scope in options:
        found = _choices(value, value_scope, resolver, depth + 1)
        if found is None:
            return None
        result.extend(found)
    return result


def _table_values(
    table: cst.BaseExpression, scope: Scope, resolver: TextResolver, depth: int
) -> Optional[List[Choice]]:
    """The values of a dict (or the items of a list or tuple) of literals, bound once and never changed."""
    if isinstance(table, cst.Name):
        binding = scope.assigned_once(table.value)
        if binding is None or binding.scope.mutations.get(table.value):
            return None
        table, scope = binding.value, binding.scope
    if isinstance(table, cst.Dict):
        values = []
        for element in table.elements:
            if not isinstance(element, cst.DictElement):
                return None
            values.append((element.value, scope))
        return _union(values, resolver, depth)
    if isinstance(table, (cst.List, cst.Tuple)):
        items = []
        for element in table.elements:
            if not isinstance(element, cst.Element):
                return None
            items.append((element.value, scope))
        return _union(items, resolver, depth)
    return None
