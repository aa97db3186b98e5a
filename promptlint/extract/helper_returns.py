"""What a helper of the same module returns: ``**request_options()``, ``config=self._config(level)``.

Only a function defined once in the module (or a method of the calling class that no subclass of the module
redefines), not a generator, whose every ``return`` has a value. The values are returned as written, with
the helper's scope, for the caller to evaluate (a dict's keys, a config's fields); the arguments the helper
is called with are not substituted.
"""

from __future__ import annotations

from typing import List, Optional, Tuple

import libcst as cst

from promptlint.extract.class_values import descendants
from promptlint.extract.scopes import Scope
from promptlint.extract.tree import dotted_name

# Decorators that return what the function returns.
_TRANSPARENT = {"staticmethod", "classmethod", "functools.cache", "functools.lru_cache", "cache", "lru_cache"}


def returned_values(call: cst.Call, scope: Scope) -> Optional[List[Tuple[cst.BaseExpression, Scope]]]:
    """Every value the helper ``call`` calls may return, or None when the helper or a return is not known."""
    function = helper_function(call.func, scope)
    if function is None:
        return None
    # The scope builder recorded the body's ``return`` values (None for a bare ``return``) and its yields.
    values = function.returns
    if function.yields or not values or any(value is None for value in values):
        return None
    return [(value, function) for value in values if value is not None]


def helper_function(func: cst.BaseExpression, scope: Scope) -> Optional[Scope]:
    """The scope of the module's own function (or the calling class's method) ``func`` names, when calling
    it gives what its body returns: not async, no decorator other than the transparent ones."""
    function = _helper(func, scope)
    return function if function is not None and plain_function(function) else None


def plain_function(function: Scope) -> bool:
    """Calling ``function`` gives what its body returns: not async, no decorator but transparent ones."""
    if not isinstance(function.node, cst.FunctionDef) or function.node.asynchronous is not None:
        return False
    for decorator in function.node.decorators:
        target = (
            decorator.decorator.func if isinstance(decorator.decorator, cst.Call) else decorator.decorator
        )
        if dotted_name(target) not in _TRANSPARENT:
            return False
    return True


def _helper(func: cst.BaseExpression, scope: Scope) -> Optional[Scope]:
    if isinstance(func, cst.Name):
        found, bindings = scope.lookup(func.value)
        if found is None or len(bindings) != 1 or bindings[0].kind != "def":
            return None
        return bindings[0].body
    if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
        method = scope.enclosing_function()
        if method is None or method.owner_class is None or func.value.value != method.self_name:
            return None
        owner = method.owner_class
        name = func.attr.value
        if any(name in other.bindings for other in descendants(owner)):
            return None  # a subclass may return something else
        bindings = owner.bindings.get(name, [])
        if len(bindings) != 1 or bindings[0].kind != "def":
            return None
        return bindings[0].body
    return None
