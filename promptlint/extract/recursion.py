"""Loops that are not ``for``/``while``: a function that calls itself again after the request it makes, so
that every call of it is one more request (``if message.tool_calls: run_tools(...); return self.ask(...)``).

The function is the request's own, or the one function of the module that calls it (``self._send(...)``,
``_send(...)``): a helper one call away, as in ``caller_loops``. The facts are the loop facts of
``loops.py`` read over the function's body, with the recursive call standing for the next iteration:

- capped: a guard on the way to the recursive call, or an exit of the function, that reads like a cap
  (``if depth >= MAX_DEPTH: return``), an argument of the recursive call that counts (``depth + 1``,
  ``remaining=...``), or a call in the body that says it enforces a budget;
- exits on output: the recursive call is reached only through conditions on the model's output
  (``if response.stop_reason == "tool_use":``), or, when it is reached unconditionally, every way out of
  the function between the request and it depends on the output; no other way out on the way.

As everywhere in the loop facts, what cannot be seen keeps the rules quiet.
"""

from __future__ import annotations

from typing import Dict, Iterator, List, Optional, Sequence, Set, Tuple

import libcst as cst

from promptlint.extract.loop_exits import _CAP_WORDS, body_cap, cap_like, counters, exits
from promptlint.extract.loops import _guard_depends, _on_output, _reads_input, _yields
from promptlint.extract.scopes import CallSite, Scope
from promptlint.extract.tree import bound_names, nodes_under, one_line, path_to, references, statements
from promptlint.ir import LoopInfo, LoopKind

_Guards = Tuple[cst.CSTNode, ...]


def calls_to(caller: Scope, target: Scope) -> Iterator[cst.Call]:
    """Calls in ``caller``'s body (not in nested functions) of the function ``target``: a plain name that
    resolves to its ``def``, or, for a method, ``self.name(...)``, ``cls.name(...)``, ``ClassName.name(...)``
    written in a method of the same class."""
    node = caller.node
    target_node = target.node
    if not isinstance(node, cst.FunctionDef) or not isinstance(target_node, cst.FunctionDef):
        return
    name = target_node.name.value
    owner = target.owner_class
    for found in nodes_under(node.body):
        if not isinstance(found, cst.Call):
            continue
        func = found.func
        if isinstance(func, cst.Name) and func.value == name:
            bindings = caller.lookup(name)[1]
            if len(bindings) == 1 and bindings[0].kind == "def" and bindings[0].body is target:
                yield found
        elif (
            owner is not None
            and caller.owner_class is owner
            and isinstance(func, cst.Attribute)
            and func.attr.value == name
            and isinstance(func.value, cst.Name)
            and func.value.value in (caller.self_name, _class_name(owner))
        ):
            yield found


def _class_name(owner: Scope) -> Optional[str]:
    return owner.node.name.value if isinstance(owner.node, cst.ClassDef) else None


def recursion(function: Scope, request: cst.CSTNode) -> Optional[LoopInfo]:
    """The recursion around ``request`` (a node in ``function``'s body: the LLM call, or the call of the
    helper that makes it) when ``function`` calls itself after it; None when it does not."""
    node = function.node
    if not isinstance(node, cst.FunctionDef):
        return None
    recursive_calls = list(calls_to(function, function))
    if not recursive_calls:
        return None
    order = _order(node.body)
    start = order.get(id(request))
    if start is None:
        return None
    again = [c for c in recursive_calls if order.get(id(c), -1) > start]
    if not again:
        return None
    body = statements(node.body)
    call_path = path_to(node.body, request)
    tainted = _tainted(body, call_path)
    counted = counters(body)
    params = _parameters(node)
    cap: Optional[cst.CSTNode] = body_cap(body)
    for exit_ in exits(body, function):
        if cap is None:
            cap = next((g for g in exit_.guards if id(g) not in call_path and cap_like(g, counted)), None)
    first = again[0]
    on_output = True
    for recursive in again:
        guards = _guards_to(body, recursive, ())
        if guards is None:
            continue
        conditions = [g for g in guards if isinstance(g, cst.BaseExpression)]
        if cap is None:
            cap = next((g for g in conditions if cap_like(g, counted)), None)
        if cap is None:
            cap = _counting_argument(recursive, params, counted, function)
        if conditions:
            on_output = on_output and all(_on_output(g, tainted, call_path, negated=True) for g in conditions)
        else:
            on_output = on_output and _exits_on_output(
                body, function, recursive, order, start, tainted, call_path
            )
        on_output = on_output and _no_other_way_out(
            body, function, recursive, order, start, tainted, call_path
        )
    return LoopInfo(
        kind=LoopKind.RECURSION,
        node=first,
        capped=cap is not None,
        cap=one_line(cap) if cap is not None else "",
        exits_on_output=on_output and cap is None,
        early_exit=True,
        reads_input=_reads_input(body, function),
        yields=_yields(body),
        via=one_line(first.func),
    )


def _tainted(body: Sequence[cst.CSTNode], call_path: Set[int]) -> Set[str]:
    """Names bound (not filled in place) to something computed from the request's result. Stricter than the
    loop facts' taint: a container the result is written into (``node["note"] = reply``) does not make
    everything later read from it the model's (``for child in node["children"]``)."""
    flows: List[Tuple[List[str], cst.CSTNode]] = []
    for statement in body:
        for node in nodes_under(statement):
            if isinstance(node, cst.Assign):
                for target in node.targets:
                    flows.append((_plain(target.target), node.value))
            elif isinstance(node, (cst.AnnAssign, cst.AugAssign, cst.NamedExpr)) and node.value is not None:
                flows.append((_plain(node.target), node.value))
            elif isinstance(node, (cst.For, cst.CompFor)):
                flows.append((_plain(node.target), node.iter))
            elif isinstance(node, cst.WithItem) and node.asname is not None:
                flows.append((_plain(node.asname.name), node.item))
    tainted: Set[str] = set()
    changed = True
    while changed:
        changed = False
        for names, value in flows:
            if (
                names
                and not set(names) <= tainted
                and (id(value) in call_path or references(value) & tainted)
            ):
                tainted.update(names)
                changed = True
    return tainted


def _plain(target: cst.CSTNode) -> List[str]:
    """The plain names a target binds (``x``, ``a, b``); none for ``x[k]`` or ``obj.attr``."""
    if isinstance(target, (cst.Tuple, cst.List)):
        return [name for element in target.elements for name in _plain(element.value)]
    if isinstance(target, cst.StarredElement):
        return _plain(target.value)
    return bound_names(target) if isinstance(target, cst.Name) else []


def _order(root: cst.CSTNode) -> Dict[int, int]:
    """Each node's position in source order under ``root`` (nested scopes not entered)."""
    return {id(found): index for index, found in enumerate(nodes_under(root))}


def _parameters(node: cst.FunctionDef) -> Set[str]:
    params = node.params
    every = list(params.posonly_params) + list(params.params) + list(params.kwonly_params)
    return {param.name.value for param in every}


def _counting_argument(
    call: cst.Call, params: Set[str], counted: Set[str], function: Scope
) -> Optional[cst.CSTNode]:
    """An argument of the recursive call that counts the depth: a keyword that names a cap (``depth=``,
    ``remaining_turns=``), or a parameter or counter plus or minus something (``depth + 1``, ``n - 1``).
    A parameter passed on unchanged counts nothing: ``max_tokens=max_tokens`` caps each answer, not the
    depth."""
    for arg in call.args:
        if _passed_on(arg.value, params, counted, function):
            continue
        if arg.keyword is not None and _CAP_WORDS.search(arg.keyword.value):
            return arg
        value = arg.value
        if cap_like(value, counted):
            return arg
        if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, (cst.Add, cst.Subtract)):
            if references(value) & (params | counted):
                return arg
    return None


def _passed_on(value: cst.BaseExpression, params: Set[str], counted: Set[str], function: Scope) -> bool:
    """``value`` is one of the function's parameters, never rebound or counted in its body."""
    if not isinstance(value, cst.Name) or value.value not in params or value.value in counted:
        return False
    bindings = function.bindings.get(value.value, [])
    return len(bindings) == 1 and bindings[0].kind == "param"


def _guards_to(body: Sequence[cst.CSTNode], target: cst.CSTNode, guards: _Guards) -> Optional[_Guards]:
    """The conditions (and, in a ``try`` body, the statements before) on the way to ``target``; None when
    ``target`` is not in ``body`` outside nested functions."""
    for statement in body:
        if isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            if any(found is target for found in nodes_under(statement)):
                return guards
        elif isinstance(statement, cst.If):
            found = _if_guards(statement, target, guards)
            if found is not None:
                return found
        elif isinstance(statement, (cst.For, cst.While)):
            head = statement.iter if isinstance(statement, cst.For) else statement.test
            if any(found is target for found in nodes_under(head)):
                return guards
            inner = guards + (head,)
            found = _guards_to(statements(statement.body), target, inner)
            if found is None and statement.orelse is not None:
                found = _guards_to(statements(statement.orelse.body), target, inner)
            if found is not None:
                return found
        elif isinstance(statement, (cst.Try, cst.TryStar)):
            inner_body = statements(statement.body)
            for index in range(len(inner_body)):
                found = _guards_to(inner_body[index : index + 1], target, guards + tuple(inner_body[:index]))
                if found is not None:
                    return found
            blocks = [handler.body for handler in statement.handlers]
            blocks += [extra.body for extra in (statement.orelse, statement.finalbody) if extra is not None]
            for block in blocks:
                found = _guards_to(statements(block), target, guards)
                if found is not None:
                    return found
        elif isinstance(statement, cst.With):
            if any(found is target for item in statement.items for found in nodes_under(item)):
                return guards
            found = _guards_to(statements(statement.body), target, guards)
            if found is not None:
                return found
        elif isinstance(statement, cst.Match):
            for case in statement.cases:
                inner = guards + (statement.subject,) + ((case.guard,) if case.guard is not None else ())
                found = _guards_to(statements(case.body), target, inner)
                if found is not None:
                    return found
    return None


def _if_guards(statement: cst.If, target: cst.CSTNode, guards: _Guards) -> Optional[_Guards]:
    if any(found is target for found in nodes_under(statement.test)):
        return guards
    inner = guards + (statement.test,)
    found = _guards_to(statements(statement.body), target, inner)
    if found is not None:
        return found
    orelse = statement.orelse
    if isinstance(orelse, cst.If):
        return _if_guards(orelse, target, inner)
    if isinstance(orelse, cst.Else):
        return _guards_to(statements(orelse.body), target, inner)
    return None


def _between(
    body: Sequence[cst.CSTNode],
    scope: Scope,
    recursive: cst.Call,
    order: Dict[int, int],
    start: int,
) -> List:
    """The live exits of the function after the request and before the recursive call (not the one that
    returns the recursive call's result)."""
    end = order.get(id(recursive), -1)
    found = []
    for exit_ in exits(body, scope):
        where = order.get(id(exit_.node), -1)
        if exit_.in_handler or not start < where < end:
            continue
        if any(node is recursive for node in nodes_under(exit_.node)):
            continue
        found.append(exit_)
    return found


def _exits_on_output(
    body: Sequence[cst.CSTNode],
    scope: Scope,
    recursive: cst.Call,
    order: Dict[int, int],
    start: int,
    tainted: Set[str],
    call_path: Set[int],
) -> bool:
    """An unconditional recursive call: the recursion ends only through the exits before it, which must
    exist and all depend on the model's output (``if not message.tool_calls: return message.content``)."""
    ways_out = _between(body, scope, recursive, order, start)
    return bool(ways_out) and _all_on_output(ways_out, tainted, call_path)


def _no_other_way_out(
    body: Sequence[cst.CSTNode],
    scope: Scope,
    recursive: cst.Call,
    order: Dict[int, int],
    start: int,
    tainted: Set[str],
    call_path: Set[int],
) -> bool:
    """Every exit between the request and the recursive call depends on the model's output: a stop flag
    (``if self.cancelled: return``) is a way out the model does not decide."""
    return _all_on_output(_between(body, scope, recursive, order, start), tainted, call_path)


def _all_on_output(ways_out: List, tainted: Set[str], call_path: Set[int]) -> bool:
    return all(any(_guard_depends(g, tainted, call_path) for g in e.guards) for e in ways_out)


class Recursions:
    """Fills in ``LLMCall.recursion`` for the calls of one module: the request's own function, or the one
    function that calls it (built on first use: which functions call which, by name)."""

    def __init__(self, sites: Sequence[CallSite]) -> None:
        self._sites = sites
        self._callers: Optional[Dict[str, List[CallSite]]] = None

    def of(self, site: CallSite, request: cst.Call) -> Optional[LoopInfo]:
        function = site.scope.enclosing_function()
        if function is None:
            return None
        found = recursion(function, request)
        if found is not None:
            return found
        caller = self._only_caller(function)
        if caller is None:
            return None
        outer = caller.scope.enclosing_function()
        if outer is None or outer is function:
            return None
        return recursion(outer, caller.node)

    def _only_caller(self, function: Scope) -> Optional[CallSite]:
        """The one call site of ``function`` in the module (by its name, as a plain call for a module-level
        function or through ``self``/``cls`` for a method); None when there are none or several."""
        node = function.node
        if not isinstance(node, cst.FunctionDef):
            return None
        name = node.name.value
        if self._callers is None:
            self._callers = {}
            for site in self._sites:
                func = site.node.func
                called = func.value if isinstance(func, cst.Name) else None
                if isinstance(func, cst.Attribute):
                    called = func.attr.value
                if called is not None:
                    self._callers.setdefault(called, []).append(site)
        matches = []
        for site in self._callers.get(name, []):
            outer = site.scope.enclosing_function()
            if outer is None:
                continue
            if any(found is site.node for found in calls_to(outer, function)):
                matches.append(site)
        if len(matches) != 1 or len(self._callers.get(name, [])) != 1:
            return None
        return matches[0]
