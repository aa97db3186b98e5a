"""How a call's response is read: only through its first choice, or otherwise (or not known)."""

from __future__ import annotations

from typing import Optional, Set

import libcst as cst

from promptlint.extract.scopes import CallSite, Scope

# ``r.choices[0]`` (OpenAI, LiteLLM), ``r.candidates[0]`` (Gemini).
_CHOICE_LISTS = frozenset({"choices", "candidates"})
# Attributes that read the first choice only: Gemini's ``response.text`` is the first candidate's text.
_FIRST_ONLY_ATTRIBUTES = frozenset({"text"})
# Attributes that read no choice at all: token usage, ids, the model name.
_NEUTRAL_ATTRIBUTES = frozenset(
    {
        "usage",
        "usage_metadata",
        "model",
        "model_version",
        "id",
        "response_id",
        "created",
        "system_fingerprint",
    }
)


def reads_first_choice_only(site: CallSite, call: cst.Call) -> bool:
    """True when the response of ``call`` is only ever read through its first choice.

    Either directly (``create(...).choices[0]``, ``(await create(...)).choices[0]``), or through a name bound
    once to the (awaited) call in the call's scope whose every read is ``name.choices[0]``,
    ``name.candidates[0]`` or ``name.text`` (reads of ``name.usage`` and ids do not count). Anything else (the name returned, passed on, iterated, ``len(name.choices)``) and the
    other choices may be used: False.
    """
    scope = site.scope
    name = _bound_name(scope, call)
    body = _body(scope)
    if body is None:
        return False
    finder = _Reads(call, name)
    from promptlint.extract.walk import walk

    walk(body, finder)
    if finder.direct:
        return True
    if name is None:
        return False
    return bool(finder.uses) and finder.uses <= finder.first_only


def _bound_name(scope: Scope, call: cst.Call) -> Optional[str]:
    for name, bindings in scope.bindings.items():
        if len(bindings) != 1 or bindings[0].kind != "assign":
            continue
        value = bindings[0].value
        if value is call or (isinstance(value, cst.Await) and value.expression is call):
            return name
    return None


def _body(scope: Scope) -> Optional[cst.CSTNode]:
    current: Optional[Scope] = scope
    while current is not None and current.kind not in ("function", "module"):
        current = current.parent
    return current.node if current is not None else None


def _is_call(node: cst.BaseExpression, call: cst.Call) -> bool:
    return node is call or (isinstance(node, cst.Await) and node.expression is call)


class _Reads(cst.CSTVisitor):
    def __init__(self, call: cst.Call, name: Optional[str]) -> None:
        self.call = call
        self.name = name
        self.uses: Set[int] = set()
        self.first_only: Set[int] = set()
        self.targets: Set[int] = set()
        self.direct = False

    def _first_element(self, node: cst.Subscript) -> bool:
        if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
            return False
        index = node.slice[0].slice.value
        return isinstance(index, cst.Integer) and index.value == "0"

    def visit_Subscript(self, node: cst.Subscript) -> None:
        value = node.value
        if not (isinstance(value, cst.Attribute) and value.attr.value in _CHOICE_LISTS):
            return
        if not self._first_element(node):
            return
        if _is_call(value.value, self.call):
            self.direct = True
        elif self.name is not None and isinstance(value.value, cst.Name) and value.value.value == self.name:
            self.first_only.add(id(value.value))

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.targets.add(id(node.attr))  # ``other.response`` names an attribute, not the variable
        if node.attr.value not in _FIRST_ONLY_ATTRIBUTES | _NEUTRAL_ATTRIBUTES:
            return
        if self.name is not None and isinstance(node.value, cst.Name) and node.value.value == self.name:
            self.first_only.add(id(node.value))

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self.targets.add(id(node.keyword))

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        if isinstance(node.target, cst.Name):
            self.targets.add(id(node.target))

    def visit_Name(self, node: cst.Name) -> None:
        if self.name is not None and node.value == self.name and id(node) not in self.targets:
            self.uses.add(id(node))
