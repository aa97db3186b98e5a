"""The facts behind LLM303 (unbounded history): a message list that a loop grows and re-sends on every
iteration, and that nothing in its function ever shortens.

The policy for "shortened" is deliberately generous: a rebinding, ``del``, ``pop``/``clear``/``remove``,
slice assignment, or a hand-off to a helper that may trim in place all count, so the rule stays quiet
whenever trimming is possible.
"""

from __future__ import annotations

from typing import Iterable, List, Optional, Sequence, Tuple

import libcst as cst

from promptlint.extract.provenance import is_client, qualify
from promptlint.extract.scopes import NON_MUTATING_CALLS, NON_MUTATING_METHODS, Scope
from promptlint.extract.tree import dotted_name, nodes_under, references

_TRIMMING_METHODS = {"pop", "clear", "remove", "popleft"}
_GROWING_METHODS = {"append", "extend", "insert"}


def history_names(expr: Optional[cst.BaseExpression]) -> List[Tuple[str, cst.Name]]:
    """The plain names whose whole content a message argument sends: ``messages``, ``[system, *history]``,
    ``history + [turn]``, ``list(history)``."""
    if expr is None:
        return []
    if isinstance(expr, cst.Name):
        return [(expr.value, expr)]
    if isinstance(expr, (cst.List, cst.Tuple)):
        found: List[Tuple[str, cst.Name]] = []
        for element in expr.elements:
            if isinstance(element, cst.StarredElement) and isinstance(element.value, cst.Name):
                found.append((element.value.value, element.value))
        return found
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
        return history_names(expr.left) + history_names(expr.right)
    if isinstance(expr, cst.Call) and len(expr.args) == 1 and not expr.args[0].keyword:
        if isinstance(expr.func, cst.Name) and expr.func.value == "list":
            return history_names(expr.args[0].value)
    return []


def unbounded_history(
    loops: Iterable[Tuple[cst.CSTNode, Sequence[cst.CSTNode]]],
    call: cst.Call,
    scope: Scope,
    history: Optional[cst.BaseExpression],
) -> Optional[Tuple[cst.CSTNode, str, cst.Name]]:
    """(loop, name, node) when ``history`` (the call's message argument) sends a list that the innermost
    loop growing it re-sends and that is never trimmed; ``loops`` are (loop, body) pairs, innermost first."""
    candidates = history_names(history)
    if not candidates:
        return None
    for loop, body in loops:
        for name, node in candidates:
            if grows(name, body):
                # The innermost loop that grows it is the one that re-sends it.
                return (loop, name, node) if never_trimmed(name, loop, call, scope) else None
    return None


def grows(name: str, body: Sequence[cst.CSTNode]) -> bool:
    """``name.append(...)``/``extend``/``insert`` or ``name += ...`` somewhere in ``body``."""
    for statement in body:
        for node in nodes_under(statement):
            if (
                isinstance(node, cst.Call)
                and isinstance(node.func, cst.Attribute)
                and node.func.attr.value in _GROWING_METHODS
                and isinstance(node.func.value, cst.Name)
                and node.func.value.value == name
            ):
                return True
            if (
                isinstance(node, cst.AugAssign)
                and isinstance(node.operator, cst.AddAssign)
                and isinstance(node.target, cst.Name)
                and node.target.value == name
            ):
                return True
    return False


def never_trimmed(name: str, loop: cst.CSTNode, call: cst.Call, scope: Scope) -> bool:
    """``name`` is one local list, bound once outside ``loop`` (or a parameter), that nothing in its function
    shortens: no rebinding, ``del``, ``pop``/``clear``/``remove``, slice assignment, or hand-off to a helper
    (which may trim it in place)."""
    owner, bindings = scope.lookup(name)
    if owner is None or owner.kind not in ("function", "module"):
        return False
    home = scope
    while home.kind == "comprehension" and home.parent is not None:
        home = home.parent
    if owner is not home:
        return False
    inside = {id(node) for node in nodes_under(loop, enter_nested_scopes=True)}
    real = [b for b in bindings if b.kind != "unknown"]
    augmented = len(bindings) - len(real)
    if len(real) != 1 or real[0].kind not in ("assign", "param"):
        return False
    if real[0].value is not None and id(real[0].value) in inside:
        return False  # rebuilt on every iteration
    if not _mutations_keep_it(name, owner, call, scope):
        return False
    for node in nodes_under(owner.node):
        if isinstance(node, cst.AugAssign) and dotted_name(node.target) == name:
            if not isinstance(node.operator, cst.AddAssign):
                return False
            augmented -= 1
        elif isinstance(node, cst.Del) and name in references(node.target):
            return False
        elif isinstance(node, cst.Assign):
            for target in node.targets:
                if isinstance(target.target, cst.Subscript) and dotted_name(target.target.value) == name:
                    return False  # ``history[:] = history[-10:]``
        elif isinstance(node, cst.Call) and node is not call and _may_trim(node, name, scope):
            return False
    return augmented == 0


def _mutations_keep_it(name: str, owner: Scope, call: cst.Call, scope: Scope) -> bool:
    """No recorded change to ``name`` can shorten it: anywhere the name reaches, nested functions included
    (``def reset(): history.clear()``)."""
    for mutation in owner.mutations.get(name, []):
        if mutation.method == "other" or (mutation.method == "setitem" and mutation.key is None):
            return False
        if mutation.method == "escape" and mutation.node is not call:
            if not is_client(qualify(mutation.node.func, scope)):  # type: ignore[attr-defined]
                return False
    return True


def _may_trim(node: cst.Call, name: str, scope: Scope) -> bool:
    """Whether the call ``node`` may shorten the list ``name``: a trimming method on it, or the whole list
    handed to a callee that is not known to only read it."""
    func = node.func
    if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == name:
        return func.attr.value in _TRIMMING_METHODS
    if not any(name in references(arg.value) and _handed_whole(arg.value, name) for arg in node.args):
        return False
    if isinstance(func, cst.Name) and func.value in NON_MUTATING_CALLS and not scope.lookup(func.value)[1]:
        return False
    if isinstance(func, cst.Attribute) and func.attr.value in NON_MUTATING_METHODS:
        return False
    # Another request through an SDK client reads the list.
    return not is_client(qualify(func, scope))


def _handed_whole(expr: cst.BaseExpression, name: str) -> bool:
    """``f(history)``, ``f(messages=history)``, ``f([*history])``: the list itself reaches the callee."""
    if isinstance(expr, cst.Name):
        return expr.value == name
    return any(found == name for found, _ in history_names(expr))
