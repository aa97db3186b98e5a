"""A wrapper that calls itself (a retry, ``return self.ask(prompt, retries - 1)``; a continuation on a cut
answer, ``return longer(messages=messages, max_tokens=max_tokens)``): what its caller passes still reaches
every request it makes when each call of itself passes that parameter on unchanged.

Then a caller's prompt and cap are followed through the wrapper as if it made one request; a wrapper whose
own calls change them (``ask(prompt + hint)``, ``ask(q, max_tokens=2 * max_tokens)``) sends something not
known and is not followed. Whether the recursion is a loop is ``recursion``'s question, not this one's.
"""

from __future__ import annotations

from typing import Dict, Iterable, List, Optional

import libcst as cst

from promptlint.extract.scopes import Scope
from promptlint.extract.tree import nodes_under


def self_calls(function: cst.FunctionDef) -> List[cst.Call]:
    """The calls in ``function``'s body (nested functions included) that may call it again: ``name(...)``,
    or ``anything.name(...)`` (``self.name``, ``cls.name``, ``Class.name``)."""
    name = function.name.value
    found = []
    for node in nodes_under(function.body, enter_nested_scopes=True):
        if isinstance(node, cst.Call):
            func = node.func
            if isinstance(func, cst.Name) and func.value == name:
                found.append(node)
            elif isinstance(func, cst.Attribute) and func.attr.value == name:
                found.append(node)
    return found


def passes_on(function: Scope, kind: str, names: Iterable[str]) -> bool:
    """Whether every call ``function`` makes of itself passes each parameter of ``names`` on as itself
    (``ask(prompt, ...)``, ``ask(prompt=prompt)``), each bound once in the body; True when it makes none.
    ``kind``: "function", "method", "static" or "class", for the receiver a method call leaves out."""
    node = function.node
    if not isinstance(node, cst.FunctionDef):
        return False
    wanted = list(names)
    for name in wanted:
        bindings = function.bindings.get(name, [])
        if len(bindings) != 1 or bindings[0].kind != "param":
            return False
    for call in self_calls(node):
        passed = _passed(node, kind, call)
        if passed is None:
            return False
        for name in wanted:
            value = passed.get(name)
            if not isinstance(value, cst.Name) or value.value != name:
                return False
    return True


def _passed(function: cst.FunctionDef, kind: str, call: cst.Call) -> Optional[Dict[str, cst.BaseExpression]]:
    """The arguments ``call`` binds by parameter name; None when a ``*args`` hides their positions. A
    ``**mapping`` is left aside: it cannot bind again a parameter the call names."""
    params = function.params
    positional = [param.name.value for param in list(params.posonly_params) + list(params.params)]
    if kind in ("method", "class"):
        positional = positional[1:]
    bound: Dict[str, cst.BaseExpression] = {}
    index = 0
    for arg in call.args:
        if arg.star == "*":
            return None
        if arg.star == "**":
            continue
        if arg.keyword is None:
            if index >= len(positional):
                return None
            bound[positional[index]] = arg.value
            index += 1
        else:
            bound[arg.keyword.value] = arg.value
    return bound
