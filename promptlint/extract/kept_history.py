"""A history kept on the instance: a method re-sends ``self.messages`` whole, and the class grows it across
calls (``self.messages.append(...)`` in that method or another, outside ``__init__``) and never shortens it.
The loop is in the caller, out of sight; each call of the method re-sends every earlier turn.

"Shortens" is read as generously as for local lists (``history.py``): anywhere in the class, its bases or
its subclasses in the module, a slice or item assignment, ``del``, ``pop``/``remove``/``clear``/``popleft``,
a rebinding that reads the old list (``self.messages = self.messages[-20:]``, ``summarise(self.messages)``),
a length check (``len(self.messages) > MAX``), or the list handed whole to a callee that may change it. The
sending method rebuilding it (``self.messages = [...]``) makes it no history at all. A base class that cannot
be read (another module's) may trim it: then nothing is said.
"""

from __future__ import annotations

import re
from typing import Iterator, List, Optional, Tuple

import libcst as cst

from promptlint.extract.class_values import descendants
from promptlint.extract.provenance import is_client, qualify
from promptlint.extract.scopes import NON_MUTATING_CALLS, NON_MUTATING_METHODS, Scope, lineage
from promptlint.extract.tree import dotted_name, nodes_under, references
from promptlint.ir import KeptHistory

_GROWING = {"append", "extend", "insert"}
_TRIMMING = {"pop", "remove", "clear", "popleft"}
# Bases that add no method that could touch the list.
_INERT_BASES = {"object", "ABC", "abc.ABC", "Protocol", "typing.Protocol", "Generic", "typing.Generic"}
# Callees whose name says they only read what they are given (log it, show it, save it, count it).
_READERS = re.compile(
    r"^_*(log|print|render|display|show|save|dump|write|persist|store|export|record|track|count|"
    r"serialize|serialise|format|emit|notify|trace)",
    re.IGNORECASE,
)
_MAX_ALIAS_DEPTH = 4


def kept_history(
    history: Optional[cst.BaseExpression], scope: Scope, call: cst.Call
) -> Optional[KeptHistory]:
    """The instance history that ``history`` (the call's message argument, written in ``scope``) re-sends,
    when its class grows it across calls and never trims it; None otherwise."""
    method = scope.enclosing_function()
    if history is None or method is None or method.owner_class is None or not method.self_name:
        return None
    found = _attribute_sent(history, method, 0)
    if found is None:
        return None
    attribute, node = found
    classes = _classes(method.owner_class)
    if classes is None:
        return None
    grown_in = ""
    for cls in classes:
        for function, self_name in _methods(cls):
            name = function.name.value
            verdict = _uses(function, self_name, attribute, call, method, name == "__init__")
            if verdict == "trims":
                return None
            if verdict == "rebuilt" and function is method.node:
                return None
            if verdict == "grows" and not grown_in:
                grown_in = name
    if not grown_in:
        return None
    return KeptHistory(attribute=f"{method.self_name}.{attribute}", node=node, grown_in=grown_in)


def _attribute_sent(
    expr: cst.BaseExpression, method: Scope, depth: int
) -> Optional[Tuple[str, cst.BaseExpression]]:
    """``(attr, node)`` when ``expr`` sends the whole of ``self.attr``: ``self.attr``, ``self.attr.copy()``,
    ``list(self.attr)``, ``[system, *self.attr]``, ``[system] + self.attr``, or a local name bound once to one
    of those."""
    if depth > _MAX_ALIAS_DEPTH:
        return None
    attribute = _self_attribute(expr, method.self_name)
    if attribute is not None:
        return attribute, expr
    if isinstance(expr, cst.Call) and not expr.args and isinstance(expr.func, cst.Attribute):
        if expr.func.attr.value == "copy":
            inner = _self_attribute(expr.func.value, method.self_name)
            return (inner, expr) if inner is not None else None
    if isinstance(expr, cst.Call) and len(expr.args) == 1 and not expr.args[0].keyword:
        if isinstance(expr.func, cst.Name) and expr.func.value == "list":
            return _attribute_sent(expr.args[0].value, method, depth + 1)
    if isinstance(expr, (cst.List, cst.Tuple)):
        for element in expr.elements:
            if isinstance(element, cst.StarredElement):
                inner = _self_attribute(element.value, method.self_name)
                if inner is not None:
                    return inner, element.value
        return None
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
        return _attribute_sent(expr.left, method, depth + 1) or _attribute_sent(expr.right, method, depth + 1)
    if isinstance(expr, cst.Name):
        binding = method.assigned_once(expr.value)
        if binding is None or binding.scope is not method or binding.value is None:
            return None
        found = _attribute_sent(binding.value, method, depth + 1)
        return (found[0], expr) if found is not None else None
    return None


def _self_attribute(expr: cst.CSTNode, self_name: Optional[str]) -> Optional[str]:
    if (
        isinstance(expr, cst.Attribute)
        and isinstance(expr.value, cst.Name)
        and expr.value.value == self_name
        and self_name is not None
    ):
        return expr.attr.value
    return None


def _classes(owner: Scope) -> Optional[List[Scope]]:
    """The class, the classes it inherits from and its subclasses in the module; None when a base class
    cannot be read."""
    found, _complete = lineage(owner)
    for cls in found:
        node = cls.node
        if not isinstance(node, cst.ClassDef):
            return None
        for arg in node.bases:
            if arg.keyword is not None:
                continue
            base = arg.value.value if isinstance(arg.value, cst.Subscript) else arg.value
            name = dotted_name(base)
            if name in _INERT_BASES:
                continue
            if not any(
                other is not cls and other.node is not None and _names(other, name) for other in found
            ):
                return None
    return found + [sub for sub in descendants(owner) if not any(sub is seen for seen in found)]


def _names(cls: Scope, name: Optional[str]) -> bool:
    return isinstance(cls.node, cst.ClassDef) and cls.node.name.value == name


def _methods(cls: Scope) -> Iterator[Tuple[cst.FunctionDef, str]]:
    """The class's methods with the name of their first parameter."""
    node = cls.node
    assert isinstance(node, cst.ClassDef)
    for statement in node.body.body:
        if isinstance(statement, cst.FunctionDef) and statement.params.params:
            yield statement, statement.params.params[0].name.value


def _uses(
    function: cst.FunctionDef,
    self_name: str,
    attribute: str,
    call: cst.Call,
    method: Scope,
    is_init: bool,
) -> str:
    """What ``function`` does to ``self.attribute``: "trims", "rebuilt" (rebinds it to a new list),
    "grows" (adds to it, outside ``__init__``), or "" (reads it or leaves it alone)."""
    aliases = {f"{self_name}.{attribute}"}
    for node in nodes_under(function.body, enter_nested_scopes=True):
        if isinstance(node, cst.Assign) and isinstance(node.value, cst.Attribute):
            if dotted_name(node.value) in aliases:
                aliases.update(n for t in node.targets if (n := dotted_name(t.target)) is not None)
    verdict = ""
    for node in nodes_under(function.body, enter_nested_scopes=True):
        found = _one_use(node, aliases, call, method)
        if found == "trims":
            return "trims"
        if found == "grows" and not is_init and verdict != "rebuilt":
            verdict = "grows"
        elif found == "rebuilt" and not is_init:
            verdict = "rebuilt"
    return verdict


def _one_use(node: cst.CSTNode, names: set, call: cst.Call, method: Scope) -> str:
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        if dotted_name(node.func.value) in names:
            method_name = node.func.attr.value
            if method_name in _TRIMMING:
                return "trims"
            if method_name in _GROWING:
                return "grows"
            return ""
    if isinstance(node, cst.Call) and node is not call and _hands_over(node, names, method):
        return "trims"
    if isinstance(node, cst.AugAssign) and dotted_name(node.target) in names:
        return "grows" if isinstance(node.operator, cst.AddAssign) else "trims"
    if isinstance(node, cst.Del) and references(node.target) & names:
        return "trims"
    if isinstance(node, (cst.Assign, cst.AnnAssign)):
        targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
        for target in targets:
            if isinstance(target, cst.Subscript) and dotted_name(target.value) in names:
                return "trims"
            if dotted_name(target) in names and node.value is not None:
                return _rebinding(node.value, names)
    if isinstance(node, cst.Comparison) and any(_length_of(part, names) for part in _operands(node)):
        return "trims"
    return ""


def _rebinding(value: cst.BaseExpression, names: set) -> str:
    """``self.h = self.h + [turn]`` / ``[*self.h, turn]`` grows it; any other value that reads it trims it
    (a slice, a summary); a value that does not read it rebuilds it."""
    if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Add):
        if dotted_name(value.left) in names and not references(value.right) & names:
            return "grows"
    if isinstance(value, cst.List) and value.elements:
        first = value.elements[0]
        rest = value.elements[1:]
        if (
            isinstance(first, cst.StarredElement)
            and dotted_name(first.value) in names
            and not any(references(element.value) & names for element in rest)
        ):
            return "grows"
    return "trims" if references(value) & names else "rebuilt"


def _operands(node: cst.Comparison) -> List[cst.BaseExpression]:
    return [node.left] + [target.comparator for target in node.comparisons]


def _length_of(expr: cst.BaseExpression, names: set) -> bool:
    """``len(self.messages)`` (in a comparison: a length check)."""
    return (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Name)
        and expr.func.value == "len"
        and len(expr.args) == 1
        and dotted_name(expr.args[0].value) in names
    )


def _hands_over(node: cst.Call, names: set, method: Scope) -> bool:
    """The whole list handed to a callee that may change it: not a builtin or a method that only reads,
    not a callee whose name says it only reads (``log_conversation``), not another request of an SDK."""
    if not any(dotted_name(arg.value) in names for arg in node.args):
        return False
    func = node.func
    name = (
        func.value
        if isinstance(func, cst.Name)
        else func.attr.value
        if isinstance(func, cst.Attribute)
        else ""
    )
    if isinstance(func, cst.Name) and name in NON_MUTATING_CALLS:
        return False
    if isinstance(func, cst.Attribute) and name in NON_MUTATING_METHODS:
        return False
    if _READERS.search(name):
        return False
    return not is_client(qualify(func, method))
