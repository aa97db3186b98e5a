"""Loops one call away: a call made outside any loop, in a module-level function that the module calls
exactly once, from inside loops (``for row in reader: writer.writerow(blurb(row))``).

The indexes this needs (the module's call sites by the name they call, how often each name appears) are
built once per module, on first use, and held by the ``CallerLoops`` of that module: nothing is kept
between modules.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Dict, Iterator, List, Optional, Sequence

import libcst as cst

from promptlint.extract.loops import loop_facts
from promptlint.extract.scopes import CallSite, Scope
from promptlint.extract.tree import nodes_under, one_line
from promptlint.ir import LLMCall


class CallerLoops:
    """Fills in ``caller_loops`` for the calls of one module."""

    def __init__(self, module: cst.Module, sites: Sequence[CallSite]) -> None:
        self._module = module
        self._sites = sites
        self._by_name: Optional[Dict[str, List[CallSite]]] = None
        self._name_counts: Optional[Dict[str, int]] = None

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
        callers = [other for other in self._calls_to(name) if other.scope.lookup(name)[0] is module]
        if len(callers) != 1 or not callers[0].loops:
            return call
        caller = callers[0]
        if any(scope is function for scope in _scopes_up(caller.scope)):
            return call  # a recursive call
        if self._count(name) != 2:  # the ``def`` and the one call
            return call
        via = one_line(caller.node)
        facts = loop_facts(caller.loops, caller.node, caller.scope)
        return replace(call, caller_loops=tuple(replace(info, via=via) for info in facts))

    def _calls_to(self, name: str) -> List[CallSite]:
        """The module's call sites that call the plain name ``name``."""
        if self._by_name is None:
            self._by_name = {}
            for site in self._sites:
                if isinstance(site.node.func, cst.Name):
                    self._by_name.setdefault(site.node.func.value, []).append(site)
        return self._by_name.get(name, [])

    def _count(self, name: str) -> int:
        """How often ``name`` appears in the module."""
        if self._name_counts is None:
            self._name_counts = {}
            for node in nodes_under(self._module, enter_nested_scopes=True):
                if isinstance(node, cst.Name):
                    self._name_counts[node.value] = self._name_counts.get(node.value, 0) + 1
        return self._name_counts.get(name, 0)


def _scopes_up(scope: Optional[Scope]) -> Iterator[Scope]:
    while scope is not None:
        yield scope
        scope = scope.parent
