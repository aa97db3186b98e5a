"""Loops one call away: a call made outside any loop, in a module-level function that the module calls
exactly once, from inside loops (``for row in reader: writer.writerow(blurb(row))``).

The indexes this needs (the module's call sites by the name they call, how often each name appears: a
``NameIndex``) are built once per module, on first use, and held by the ``CallerLoops`` of that module:
nothing is kept between modules.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Iterator, Optional, Sequence

import libcst as cst

from promptlint.extract.loops import loop_facts
from promptlint.extract.name_index import NameIndex
from promptlint.extract.scopes import CallSite, Scope
from promptlint.extract.tree import one_line
from promptlint.ir import LLMCall


class CallerLoops:
    """Fills in ``caller_loops`` for the calls of one module."""

    def __init__(self, module: cst.Module, sites: Sequence[CallSite]) -> None:
        self._names = NameIndex(module, sites)

    def add_to(self, call: LLMCall, site: CallSite) -> LLMCall:
        """``call`` with ``caller_loops`` filled in when its function is a module-level ``def`` that the
        module calls exactly once, from inside loops, and refers to nowhere else (not handed to ``map`` or
        an executor)."""
        if site.loops or call.loops:
            return call
        function = site.scope
        if function.kind != "function" or not isinstance(function.node, cst.FunctionDef):
            return call
        module = function.parent
        if module is None or module.kind != "module":
            return call
        name = function.node.name.value
        bindings = module.bindings.get(name, [])
        if len(bindings) != 1 or bindings[0].kind != "def":
            return call
        callers = [other for other in self._names.calls_to(name) if other.scope.lookup(name)[0] is module]
        if len(callers) != 1 or not callers[0].loops:
            return call
        caller = callers[0]
        if any(scope is function for scope in _scopes_up(caller.scope)):
            return call  # a recursive call
        if self._names.count(name) != 2:  # the ``def`` and the one call
            return call
        via = one_line(caller.node)
        facts = loop_facts(caller.loops, caller.node, caller.scope)
        return replace(call, caller_loops=tuple(replace(info, via=via) for info in facts))


def _scopes_up(scope: Optional[Scope]) -> Iterator[Scope]:
    while scope is not None:
        yield scope
        scope = scope.parent
