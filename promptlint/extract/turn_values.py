"""Values in the prompt that change on every turn of a conversation the call re-sends.

A request that re-sends a growing history (a loop's ``history``, or ``self.messages`` kept on the instance)
caches the system prompt and every earlier turn as one prefix. A value written into that prompt that the code
changes between turns (the loop's variable, a name set in the loop, the history's own length, an attribute
the sending method increments or sets after its request) makes every turn a new prefix. These are neither
clocks (per call everywhere) nor parameters (per request, maybe the same for a whole conversation): they are
known to change only because the code shows the turn that changes them.

Read narrowly: only names bound inside the loop that re-sends the history (a binding to a literal does not
count), the history itself, and ``self`` attributes that the sending method or the method that grows the
history increments, or that the sending method sets after its request. Parameters, values built before the
loop, and attributes set in ``__init__`` are never per-turn.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Dict, Iterator, List, Optional, Set, Tuple

import libcst as cst

from promptlint.extract.history import grows, history_names
from promptlint.extract.scopes import Scope
from promptlint.extract.tree import dotted_name, nodes_under, references
from promptlint.ir import Dynamic, LLMCall, TurnValue, Volatility

_MESSAGES = ("messages", "contents", "input")
_LITERALS = (cst.SimpleString, cst.ConcatenatedString, cst.Integer, cst.Float, cst.Imaginary)


def with_turn_values(call: LLMCall, scope: Scope) -> LLMCall:
    """``call`` with ``turn_values`` set when it re-sends a history and its prompt holds values the code
    changes between turns; ``scope`` is the call site's."""
    changing = _changing(call, scope)
    if not changing:
        return call
    found: List[TurnValue] = []
    for part in call.cache_order:
        if part.role == "unknown":
            continue  # the history's own messages (``*history``, an appended turn), not a value in a text
        for segment in part.text.segments:
            if not isinstance(segment, Dynamic) or segment.node is None:
                continue
            if segment.volatility is Volatility.PER_PROCESS:
                continue  # the same on every turn, whatever the names it reads
            reason = _reason(segment.node, changing)
            if reason:
                found.append(TurnValue(segment.node, reason))
    return replace(call, turn_values=tuple(found)) if found else call


def _reason(node: cst.CSTNode, changing: Dict[str, str]) -> str:
    """Why the value ``node`` changes between turns (the first name it reads that does), or ""."""
    read = references(node)
    for name, why in changing.items():
        if name in read:
            return why
    return ""


def _changing(call: LLMCall, scope: Scope) -> Dict[str, str]:
    """The names and ``self`` attributes that change on every turn, each with the reason, in a stable order."""
    resent = _resent_in_loop(call, scope)
    if resent is not None:
        loop, history = resent
        found = {history: "it grows with the history re-sent after it"}
        for name, why in _bound_in(loop):
            found.setdefault(name, why)
        return found
    kept = call.kept_history
    method = scope.enclosing_function()
    if kept is None or method is None or method.owner_class is None or not method.self_name:
        return {}
    found = {kept.attribute: "it grows with the history re-sent after it"}
    sender = method.node
    grower = _method(method.owner_class, kept.grown_in)
    for function in (sender, grower):
        if not isinstance(function, cst.FunctionDef) or function.name.value == "__init__":
            continue
        for node in nodes_under(function.body):
            if isinstance(node, cst.AugAssign):
                target = dotted_name(node.target)
                if target is not None and target.startswith(method.self_name + "."):
                    found.setdefault(target, f"`{function.name.value}` changes it on every call")
    if isinstance(sender, cst.FunctionDef):
        for target in _set_after(sender, call.node, method.self_name):
            found.setdefault(target, f"`{sender.name.value}` sets it after each request")
    return found


def _resent_in_loop(call: LLMCall, scope: Scope) -> Optional[Tuple[cst.CSTNode, str]]:
    """``(loop, name)`` for the innermost loop around the call that grows a list the call re-sends whole:
    the loop's ``history`` (LLM303's), or a list the call sends through a copy made in the loop
    (``messages = list(history); messages.insert(0, system)``)."""
    for info in call.loops:
        if info.history and info.node is not None:
            return info.node, info.history
    expr = next((call.argument_nodes[k] for k in _MESSAGES if k in call.argument_nodes), None)
    if not call.loops or not isinstance(expr, cst.BaseExpression):
        return None
    sent = [name for name, _ in history_names(expr)]
    for name in list(sent):
        binding = scope.assigned_once(name)
        if binding is not None and binding.value is not None:
            copied = _copy_of(binding.value)
            sent.extend([copied] if copied else [found for found, _ in history_names(binding.value)])
    for info in call.loops:
        if info.node is None:
            continue
        for name in sent:
            if grows(name, [info.node]) and _kept_across(name, info.node, scope):
                return info.node, name
    return None


def _kept_across(name: str, loop: cst.CSTNode, scope: Scope) -> bool:
    """``name`` is bound before ``loop`` (or is a parameter) and never rebound inside it: a list rebuilt on
    every iteration (``history = []`` in the loop) is not re-sent."""
    _owner, bindings = scope.lookup(name)
    if not bindings:
        return False
    inside = {id(node) for node in nodes_under(loop, enter_nested_scopes=True)}
    return all(
        b.kind in ("assign", "param") and (b.value is None or id(b.value) not in inside) for b in bindings
    )


def _copy_of(expr: cst.BaseExpression) -> str:
    """The name a shallow copy is made of (``list(history)``, ``history.copy()``), or ""."""
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and not expr.args:
        if expr.func.attr.value == "copy" and isinstance(expr.func.value, cst.Name):
            return expr.func.value.value
    return ""


def _bound_in(loop: cst.CSTNode) -> Iterator[tuple]:
    """``(name, reason)`` for each plain name the loop (re)binds on each iteration: its targets, and names
    assigned in its body to something other than a literal (``turn += 1``, ``last = len(reply)``); and
    ``self`` attributes it increments or sets the same way."""
    for node in nodes_under(loop):
        if isinstance(node, (cst.For, cst.CompFor)) and node is loop:
            for name in _target_names(node.target):
                yield name, "it is the variable of the loop that re-sends the history"
        elif isinstance(node, cst.AugAssign):
            name = dotted_name(node.target)
            if name is not None:
                yield name, "the loop that re-sends the history changes it"
        elif isinstance(node, cst.Assign) and not isinstance(node.value, _LITERALS):
            for target in node.targets:
                for name in _target_names(target.target):
                    yield name, "the loop that re-sends the history sets it on every turn"
        elif isinstance(node, cst.For) and node is not loop:
            for name in _target_names(node.target):
                yield name, "the loop that re-sends the history sets it on every turn"


def _target_names(target: cst.BaseExpression) -> Iterator[str]:
    """The plain names and dotted attributes an assignment target binds (``a, b = ...`` binds both)."""
    if isinstance(target, (cst.Name, cst.Attribute)):
        name = dotted_name(target)
        if name is not None:
            yield name
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            yield from _target_names(element.value)


def _method(owner: Scope, name: str) -> Optional[cst.FunctionDef]:
    node = owner.node
    if not name or not isinstance(node, cst.ClassDef):
        return None
    for statement in node.body.body:
        if isinstance(statement, cst.FunctionDef) and statement.name.value == name:
            return statement
    return None


def _set_after(function: cst.FunctionDef, call: Optional[cst.CSTNode], self_name: str) -> Set[str]:
    """``self`` attributes the method assigns, to something other than a literal, after its request: the
    value the next turn's prompt reads is the one this turn left."""
    found: Set[str] = set()
    seen_call = False
    for node in nodes_under(function.body):
        if node is call:
            seen_call = True
        elif seen_call and isinstance(node, cst.Assign) and not isinstance(node.value, _LITERALS):
            for target in node.targets:
                for name in _target_names(target.target):
                    if name.startswith(self_name + "."):
                        found.add(name)
    return found
