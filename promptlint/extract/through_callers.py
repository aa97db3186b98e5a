"""Requests made one or more calls away from the loop that repeats them: a loop in one function that calls a
function or method of the module (``reply = ask(history)``, ``self._send(...)``) which makes the request.

Each such call in a loop is analysed as the request it sends, at the caller: its loops are the caller's, read
with the caller's argument for the history the request re-sends (``messages=messages`` where the caller
passes ``history``), so that LLM303 (history grown and re-sent), LLM501 and LLM502 see the loop, its exit
and its history where they are written. The request carries no prompt, output cap or model node of its own:
those stay with the SDK call, reported once there; the SDK call is its related location.

A function that calls itself again after calling such a function (``reply = complete(messages)`` ...
``return self.run(messages)``) is read the same way, as a recursion at that call (``recursion.py``), unless
the function making the request has that one caller only (the request then carries the recursion itself).

Followed: a module-level function called by its name, a method called as ``self.m(...)``/``cls.m(...)`` from
another method of its class, through up to three such calls (outside loops) on the way. Not followed: a name
bound more than once, a method defined by more than one class of the module (an override may run instead),
a call with ``*args``/``**kwargs``, recursion, a request in a loop of its own function (its loops are its
own). A module-level function imported from another module of the project is followed one call away
(``imported_caller_requests``), and so is a method of an object whose class ``method_wrappers.Receivers``
knows, of the module or of another (``llm.get_script()`` in a loop, ``llm`` a parameter every caller passes
an ``LLMClient(...)`` for, or ``self.client.send(...)`` after ``self.client = Client()``), when that method
makes the request itself (``method_caller_requests``).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import libcst as cst

from promptlint.extract.history import never_trimmed
from promptlint.extract.loops import loop_facts
from promptlint.extract.method_wrappers import Receivers
from promptlint.extract.project import ProjectImports, ProjectModule
from promptlint.extract.provenance import single_binding
from promptlint.extract.recursion import recursion
from promptlint.extract.scopes import CallSite, Scope
from promptlint.extract.tree import one_line
from promptlint.extract.wrappers import seen_at_caller
from promptlint.ir import LLMCall, LoopInfo, LoopKind, Related, RunsIn
from promptlint.prefilter import may_call_llm

_MAX_HOPS = 3
_HISTORY_KEYWORDS = ("messages", "contents", "input")


class Callers:
    """The module's calls of its own functions and methods, indexed on first use."""

    def __init__(self, sites: Sequence[CallSite]) -> None:
        self._sites = sites
        self._by_name: Optional[Dict[str, List[CallSite]]] = None
        self._methods: Optional[Dict[str, int]] = None

    def _index(self) -> None:
        self._by_name, self._methods = {}, {}
        for site in self._sites:
            func = site.node.func
            name = func.value if isinstance(func, cst.Name) else None
            if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
                name = func.attr.value
            if name is not None:
                self._by_name.setdefault(name, []).append(site)

    def of(self, function: Scope) -> Optional[List[CallSite]]:
        """Every call of ``function`` in the module, or None when which function a call runs is unclear."""
        node = function.node
        if not isinstance(node, cst.FunctionDef) or node.decorators and function.owner_class is None:
            return None
        if self._by_name is None:
            self._index()
        assert self._by_name is not None
        name = node.name.value
        parent = function.parent
        if parent is None:
            return None
        bindings = parent.bindings.get(name, [])
        if len(bindings) != 1 or bindings[0].kind != "def" or bindings[0].body is not function:
            return None
        owner = function.owner_class
        if owner is not None and (parent is not owner or not _plain_method(node) or _overridden(owner, name)):
            return None
        found: List[CallSite] = []
        for site in self._by_name.get(name, []):
            func = site.node.func
            if owner is None and isinstance(func, cst.Name):
                if parent.kind == "module" and site.scope.lookup(name)[1] is bindings:
                    found.append(site)
            elif owner is not None and isinstance(func, cst.Attribute):
                caller = site.scope.enclosing_function()
                receiver = func.value.value if isinstance(func.value, cst.Name) else ""
                if caller is not None and caller.owner_class is owner and receiver == caller.self_name:
                    found.append(site)
        return found


def _plain_method(node: cst.FunctionDef) -> bool:
    """An instance method (no decorator that changes what ``self.m(...)`` runs)."""
    return not node.decorators


def _overridden(owner: Scope, name: str) -> bool:
    """Another class of the module defines a method of the same name (a subclass may override it)."""
    module = owner
    while module.parent is not None:
        module = module.parent
    count = 0
    for scope in _classes(module):
        if any(binding.kind == "def" for binding in scope.bindings.get(name, [])):
            count += 1
    return count != 1


def _classes(scope: Scope) -> Iterable[Scope]:
    for child in scope.children:
        if child.kind == "class":
            yield child
        yield from _classes(child)


def history_argument(call: LLMCall) -> Optional[cst.BaseExpression]:
    """The expression the SDK call sends its conversation with (``messages=...``), when it is a keyword."""
    for keyword in _HISTORY_KEYWORDS:
        value = call.argument_nodes.get(keyword)
        if isinstance(value, cst.BaseExpression):
            return value
    return None


def _bound_argument(
    function: cst.FunctionDef, call: cst.Call, name: str, method: bool
) -> Tuple[bool, Optional[cst.BaseExpression]]:
    """(the call fits, the caller's argument for parameter ``name`` or None when it passes none)."""
    params = function.params
    positional = [p.name.value for p in list(params.posonly_params) + list(params.params)]
    if method and positional:
        positional = positional[1:]
    keywords = {p.name.value for p in list(params.params) + list(params.kwonly_params)}
    found: Optional[cst.BaseExpression] = None
    index = 0
    for arg in call.args:
        if arg.star:
            return False, None
        if arg.keyword is None:
            if index >= len(positional):
                return False, None
            if positional[index] == name:
                found = arg.value
            index += 1
        elif arg.keyword.value in keywords:
            if arg.keyword.value == name:
                found = arg.value
        elif not isinstance(params.star_kwarg, cst.Param):
            return False, None
    return True, found


def _parameter(expr: Optional[cst.BaseExpression], function: Scope, forward: cst.Call) -> Optional[str]:
    """The parameter of ``function`` that ``expr`` is, when it is one that the function passes on whole in
    ``forward`` (the request, or the call of the next function) and never shortens."""
    if not isinstance(expr, cst.Name):
        return None
    bindings = function.bindings.get(expr.value, [])
    if len(bindings) != 1 or bindings[0].kind != "param" or function.node is None:
        return None
    if not never_trimmed(expr.value, function.node, forward, function):
        return None  # the function may trim the list it is given
    return expr.value


def caller_requests(found: Sequence[Tuple[LLMCall, CallSite]], callers: Callers) -> List[LLMCall]:
    """The requests the module's calls of its request-making functions send from inside loops."""
    requests: List[LLMCall] = []
    seen: set = set()
    for call, site in found:
        if site.loops or call.loops or call.provider == "langchain" or call.related:
            continue
        function = site.scope
        if function.kind != "function":
            continue
        history = history_argument(call)
        chain: List[cst.Call] = []
        parameter = _parameter(history, function, call.node) if call.node is not None else None
        for request in _through(function, parameter, history, callers, 0, chain):
            caller, argument, hops, again = request
            if id(caller.node) in seen or (again is not None and call.recursion is not None):
                continue  # the one caller's recursion is the request's own (``Recursions``)
            seen.add(id(caller.node))
            made = _request(call, caller, argument, function, direct=hops == 0, again=again)
            if made is not None:
                requests.append(made)
    return requests


def _through(
    function: Scope,
    parameter: Optional[str],
    history: Optional[cst.BaseExpression],
    callers: Callers,
    hops: int,
    chain: List[cst.Call],
) -> Iterable[Tuple[CallSite, Optional[cst.BaseExpression], int, Optional[LoopInfo]]]:
    """(call site, its argument for the history, calls on the way, the recursion around it) for every path
    of calls to ``function`` from the module's loops, or from a function that calls itself again after the
    call (``recursion.py``; the recursion is then given)."""
    if hops >= _MAX_HOPS:
        return
    sites = callers.of(function)
    if not sites:
        return
    node = function.node
    assert isinstance(node, cst.FunctionDef)
    for site in sites:
        outer = site.scope.enclosing_function()
        if outer is function or any(site.node is seen for seen in chain):
            continue  # recursion: ``recursion.py``
        fits, argument = _bound_argument(node, site.node, parameter or "", function.owner_class is not None)
        if not fits:
            continue
        if parameter is None:
            argument = None
        if site.loops:
            yield site, argument, hops, None
        elif outer is not None and outer.kind == "function":
            again = recursion(outer, site.node)
            if again is not None:  # ``if reply.tool_calls: ...; return self.run(...)`` around the call
                yield site, argument, hops, again
            yield from _through(
                outer,
                _parameter(argument, outer, site.node),
                argument,
                callers,
                hops + 1,
                chain + [site.node],
            )


def _request(
    call: LLMCall,
    site: CallSite,
    history: Optional[cst.BaseExpression],
    function: Scope,
    direct: bool,
    again: Optional[LoopInfo] = None,
) -> Optional[LLMCall]:
    """The request ``call`` (an SDK call) as the loops around ``site`` repeat it. ``direct``: ``site`` calls
    the function that makes the request (its model parameter is then bound to what the caller passes)."""
    loops = loop_facts(site.loops, site.node, site.scope, history) if site.loops else ()
    if not any(_matters(loop) for loop in loops) and not (again is not None and again.exits_on_output):
        return None
    model = call.model
    if model is None and direct:
        model = _bound_model(call, function, site)
    name = function.node.name.value if isinstance(function.node, cst.FunctionDef) else "?"
    related = Related(f"request `{call.callee}` made in `{name}()`", call.node)
    return seen_at_caller(
        call,
        site,
        callee=one_line(site.node.func),
        model=model,
        model_node=None,
        loops=loops,
        recursion=again,
        is_async=site.awaited,
        # LLM501 reads only the one-call case (``caller_loops`` on the request itself): never twice.
        runs_in=RunsIn.UNKNOWN,
        runs_in_evidence="",
        related=(related,),
    )


def _bound_model(call: LLMCall, function: Scope, site: CallSite) -> Optional[str]:
    """The literal model the caller passes for the function's model parameter, or its literal default."""
    node = function.node
    expr = call.model_node
    if not isinstance(expr, cst.Name) or not isinstance(node, cst.FunctionDef):
        return None
    name = expr.value
    bindings = function.bindings.get(name, [])
    if len(bindings) != 1 or bindings[0].kind != "param":
        return None
    fits, passed = _bound_argument(node, site.node, name, function.owner_class is not None)
    if not fits:
        return None
    if passed is None:
        every = list(node.params.posonly_params) + list(node.params.params) + list(node.params.kwonly_params)
        passed = next((p.default for p in every if p.name.value == name), None)
    if isinstance(passed, cst.SimpleString):
        value = passed.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _matters(loop) -> bool:
    """A loop fact a loop rule reads at the caller: a history re-sent, or an exit only the output takes."""
    return bool(loop.history) or (loop.kind in (LoopKind.WHILE, LoopKind.WHILE_TRUE) and loop.exits_on_output)


# -- functions imported from the project's other modules ---------------------------------------------------------

RequestsOf = Callable[[ProjectModule], Dict[int, List[Tuple[LLMCall, CallSite]]]]


def imported_caller_requests(
    sites: Iterable[CallSite], imports: ProjectImports, source_path: Path, requests_of: RequestsOf
) -> List[LLMCall]:
    """The requests that the module's loops send through a function imported from another module of the
    project (``from .llm import ask`` then ``ask(history)`` in a loop), which makes the request itself (not
    in a loop of its own). ``requests_of`` gives a module's requests by ``id`` of the function making them.
    The other module is read only when its bytes import an LLM SDK."""
    requests: List[LLMCall] = []
    for site in sites:
        if not site.loops:
            continue
        func = site.node.func
        if isinstance(func, cst.Name):
            name, attributes = func.value, ()
        elif isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            name, attributes = func.value.value, (func.attr.value,)
        else:
            continue
        owner, bindings = site.scope.lookup(name)
        binding = single_binding(bindings)
        if owner is None or binding is None or binding.imported is None or owner.mutations.get(name):
            continue
        defined = imports.definition(source_path, binding, attributes, gate=may_call_llm)
        if defined is None or defined.binding.kind != "def" or defined.binding.body is None:
            continue
        function = defined.binding.body
        node = function.node
        if not isinstance(node, cst.FunctionDef) or node.decorators or function.parent is None:
            continue
        if function.parent.kind != "module":
            continue
        for call, made in requests_of(defined.module).get(id(node), [])[:1]:
            if made.loops or call.loops or call.provider == "langchain" or call.related or call.node is None:
                continue
            history = history_argument(call)
            parameter = _parameter(history, function, call.node)
            fits, argument = _bound_argument(node, site.node, parameter or "", False)
            if not fits:
                continue
            made_request = _request(call, site, argument if parameter else None, function, direct=True)
            if made_request is not None:
                module = defined.module
                related = tuple(
                    replace(r, module=module.module, path=str(module.path)) for r in made_request.related
                )
                requests.append(replace(made_request, related=related))
    return requests


def method_caller_requests(
    sites: Iterable[CallSite],
    receivers: Receivers,
    local: Dict[int, List[Tuple[LLMCall, CallSite]]],
    requests_of: Optional[RequestsOf],
    callers: Callers,
) -> List[LLMCall]:
    """The requests that the module's loops send through a method of an object of a known class
    (``client.get_script()`` in a loop), which makes the request itself, not in a loop of its own: called in
    the loop, or in a function of the module that the loop reaches as ``caller_requests`` follows it.
    ``local``: the linted module's requests by ``id`` of the function making them; ``requests_of``: another
    module's. ``self.m(...)`` on the method's own class is ``caller_requests``'s."""
    requests: List[LLMCall] = []
    seen: set = set()
    for site in sites:
        func = site.node.func
        if not isinstance(func, cst.Attribute) or _on_self(func, site.scope):
            continue
        if not site.loops and (site.scope.kind != "function" or not callers.of(site.scope)):
            continue  # no loop around the call, and no call of its function in the module
        method = receivers.method(func, site.scope)
        if method is None or method.on_class or method.node.decorators:
            continue
        module = method.module
        if module is None:
            made = local.get(id(method.node), [])
        elif requests_of is not None:
            made = requests_of(module).get(id(method.node), [])
        else:
            continue
        for call, made_site in made[:1]:
            if (
                made_site.loops
                or call.loops
                or call.provider == "langchain"
                or call.related
                or call.node is None
            ):
                continue
            function = made_site.scope
            parameter = _parameter(history_argument(call), function, call.node)
            fits, argument = _bound_argument(method.node, site.node, parameter or "", True)
            if not fits:
                continue
            argument = argument if parameter else None
            for caller, history, hops in _method_paths(site, argument, callers):
                if id(caller.node) in seen:
                    continue
                seen.add(id(caller.node))
                made_request = _request(call, caller, history, function, direct=hops == 0)
                if made_request is None:
                    continue
                if module is not None:
                    related = tuple(
                        replace(r, module=module.module, path=str(module.path)) for r in made_request.related
                    )
                    made_request = replace(made_request, related=related)
                requests.append(made_request)
    return requests


def _method_paths(
    site: CallSite, argument: Optional[cst.BaseExpression], callers: Callers
) -> Iterable[Tuple[CallSite, Optional[cst.BaseExpression], int]]:
    """(call site in a loop, its argument for the history, calls on the way) for the method call ``site``:
    itself when it is in a loop, else the module's loops that reach its function (no recursion)."""
    if site.loops:
        yield site, argument, 0
        return
    function = site.scope
    forward = _parameter(argument, function, site.node)
    for caller, history, hops, again in _through(function, forward, argument, callers, 1, [site.node]):
        if again is None:
            yield caller, history, hops


def _on_self(func: cst.Attribute, scope: Scope) -> bool:
    """``self.m(...)`` in a method: the receiver is the method's own object (``Callers`` follows it)."""
    function = scope.enclosing_function()
    receiver = func.value
    return (
        function is not None
        and function.owner_class is not None
        and isinstance(receiver, cst.Name)
        and receiver.value == function.self_name
    )
