"""Prompts built by a helper of the same module: ``system=build_system(user)``, ``self._system(user)``.

A helper (``helper_returns.helper_function``: a function of the module, or a method, classmethod or
staticmethod of the calling class that no subclass redefines, with no decorator that could change what it
returns) is read as a template over its parameters. Each parameter is bound to the caller's argument, or to
its default, evaluated where it is written, so a per-request argument stays per-request and a constant one
becomes static text. The binding is refused (the call stays unknown) when it cannot be exact: a ``*``/``**``
argument or parameter, a parameter the body rebinds, a path that may fall off the end, a generator.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import libcst as cst

from promptlint.extract.helper_returns import helper_function, plain_function
from promptlint.extract.scopes import Scope

Argument = Tuple[cst.BaseExpression, Scope]  # an expression and the scope it is evaluated in


@dataclass
class HelperCall:
    """A call of a prompt helper with its parameters bound."""

    function: Scope
    returns: List[cst.BaseExpression]  # every value the helper's ``return`` statements give
    bound: Dict[int, Argument]  # ``id`` of each parameter's binding -> the value it takes in this call


def helper_call(call: cst.Call, scope: Scope, imported: Optional[Scope] = None) -> Optional[HelperCall]:
    """``call`` as a call of the module's own helper (or of ``imported``, a module-level function of
    another module of the project) with every parameter bound, or None."""
    if imported is not None:
        function: Optional[Scope] = imported if plain_function(imported) else None
    else:
        function = helper_function(call.func, scope)
    if function is None or function.yields:
        return None
    node = function.node
    assert isinstance(node, cst.FunctionDef)
    values = function.returns
    if not values or any(value is None for value in values) or not _ends_in_return(node.body):
        return None
    params = node.params
    if isinstance(params.star_arg, cst.Param) or params.star_kwarg is not None:
        return None
    positional = list(params.posonly_params) + list(params.params)
    if function.self_name is not None:
        if not isinstance(call.func, cst.Attribute):
            return None
        positional = positional[1:]  # ``self``/``cls``: the object the method is called on
    keywords = {p.name.value: p for p in list(params.params) + list(params.kwonly_params)}
    keywords.pop(function.self_name or "", None)
    chosen: Dict[str, Argument] = {}
    index = 0
    for arg in call.args:
        if arg.star:
            return None
        if arg.keyword is None:
            if index >= len(positional):
                return None
            chosen[positional[index].name.value] = (arg.value, scope)
            index += 1
        elif arg.keyword.value in keywords and arg.keyword.value not in chosen:
            chosen[arg.keyword.value] = (arg.value, scope)
        else:
            return None
    bound: Dict[int, Argument] = {}
    for param in positional + list(params.kwonly_params):
        name = param.name.value
        if name not in chosen:
            if param.default is None or function.parent is None:
                return None
            chosen[name] = (param.default, function.parent)  # evaluated where the ``def`` runs
        bindings = function.bindings.get(name, [])
        if len(bindings) != 1 or bindings[0].kind != "param":
            return None  # rebound in the body: the value the return sees is not the argument
        bound[id(bindings[0])] = chosen[name]
    return HelperCall(function, [value for value in values if value is not None], bound)


def _ends_in_return(body: cst.BaseSuite) -> bool:
    """Every path through ``body`` ends in ``return`` or ``raise``: the helper never returns None
    implicitly."""
    if isinstance(body, cst.SimpleStatementSuite):
        statements: List[cst.CSTNode] = list(body.body)
    else:
        assert isinstance(body, cst.IndentedBlock)
        statements = list(body.body)
    if not statements:
        return False
    last = statements[-1]
    if isinstance(last, cst.SimpleStatementLine):
        last = last.body[-1]
    if isinstance(last, (cst.Return, cst.Raise)):
        return True
    if isinstance(last, cst.If):
        orelse = last.orelse
        if orelse is None:
            return False
        rest = orelse.body if isinstance(orelse, cst.Else) else cst.IndentedBlock(body=[orelse])
        return _ends_in_return(last.body) and _ends_in_return(rest)
    return False
