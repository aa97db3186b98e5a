"""Wrappers of wrappers for the output cap: a function or method that calls a wrapper passing its own
parameter as the wrapper's cap (``def ask(self, q, max_tokens=None): return self._complete(q,
max_tokens=max_tokens)``) is a wrapper whose cap its callers pass in turn.

The wrapper called may be a module-level function, a method reached through ``self``/``cls``/the class or
a known instance (``method_wrappers``), or one imported from another module of the project
(``project_wrappers``): ``inner_at`` says which, for each call site. The outer one is a module-level
function with no decorator, or a method, static method or class method of a module-level class; it is
bound once in its module or class. A function that calls itself is one only when each of its calls of
itself passes the cap on unchanged (``self_calls``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable, Iterable, List, Optional, Tuple

import libcst as cst

from promptlint.extract.scopes import CallSite, Scope
from promptlint.extract.self_calls import passes_on
from promptlint.extract.wrappers import (
    Wrapper,
    _bound_once,
    _is_none,
    _parameter_of,
    _parameters,
    bind,
    caller_model,
    calls_to,
    method_kind,
)
from promptlint.ir import LimitStatus, OutputLimit, Related

InnerAt = Callable[[CallSite], Optional[Wrapper]]


def _outer(function: Scope) -> Optional[Tuple[str, str]]:
    """The name callers know ``function`` by (``ask``, ``Bot.ask``) and its kind, when it may be a wrapper."""
    node = function.node
    owner = function.parent
    if function.kind != "function" or not isinstance(node, cst.FunctionDef) or owner is None:
        return None
    bindings = owner.bindings.get(node.name.value, [])
    if len(bindings) != 1 or bindings[0].kind != "def":
        return None
    if owner.kind == "module":
        return (node.name.value, "function") if not node.decorators else None
    if owner.kind == "class" and isinstance(owner.node, cst.ClassDef):
        if owner.parent is None or owner.parent.kind != "module":
            return None
        kind = method_kind(function)
        return (f"{owner.node.name.value}.{node.name.value}", kind) if kind is not None else None
    return None


def cap_outers(
    sites: Iterable[CallSite], inner_at: InnerAt, module: Any = None, path: str = ""
) -> List[Wrapper]:
    """The functions and methods whose call of a wrapper (``inner_at``) passes their own parameter as its
    cap, as wrappers; ``module`` and ``path``: those of the module they are in (None and "" for the
    linted module)."""
    found: List[Wrapper] = []
    for site in sites:
        function = site.scope
        outer = _outer(function)
        if outer is None:
            continue
        inner = inner_at(site)
        if inner is None or inner.node is function.node:
            continue
        name, kind = outer
        node = function.node
        assert isinstance(node, cst.FunctionDef)
        forwarded = _forwarded(inner, site, function, node)
        if forwarded is not None:
            found.append(replace(forwarded, name=name, kind=kind, module=module, path=path))
            continue
        binding = bind(inner, site.node) if inner.limit_parameter is not None else None
        if binding is None:
            continue
        passed = binding[0].get(inner.limit_parameter.name.value)
        limit_parameter = _parameter_of(passed, function, _parameters(node))
        if limit_parameter is None or limit_parameter.name.value == function.self_name:
            continue
        if calls_to(node, node.name.value) and not passes_on(function, kind, [limit_parameter.name.value]):
            continue  # it calls itself with another cap: what is sent is not known
        via = Related(f"sent through `{inner.name}()`", inner.call.node, inner.module, inner.path)
        model = caller_model(inner, binding[0], site)[0]
        call = replace(inner.call, node=site.node, model=model, related=(via,) + inner.call.related)
        found.append(
            Wrapper(name, node, call, limit_parameter, site=site, kind=kind, module=module, path=path)
        )
    return found


def _forwarded(inner: Wrapper, site: CallSite, function: Scope, node: cst.FunctionDef) -> Optional[Wrapper]:
    """``def ask(q, **kwargs): return _complete(q, **kwargs)``: a function that forwards its own ``**kwargs``
    to a wrapper whose cap they may carry (its cap parameter defaulting to None, or its own forwarded
    ``**kwargs``), the call setting no cap itself; a wrapper of ``kwargs`` kind, named for the cap the
    keywords reach."""
    star = node.params.star_kwarg
    splats = [arg for arg in site.node.args if arg.star]
    if (
        not isinstance(star, cst.Param)
        or len(splats) != 1
        or splats[0].star != "**"
        or not isinstance(splats[0].value, cst.Name)
        or splats[0].value.value != star.name.value
        or not _bound_once(function, star.name.value)
        or calls_to(node, node.name.value)
    ):
        return None
    if inner.limit_parameter is not None:
        if not _is_none(inner.limit_parameter.default):
            return None  # its default caps what a caller leaves out
        cap = inner.limit_parameter.name.value
    elif inner.kwargs_parameter:
        cap = inner.call.output_limit.parameter
    else:
        return None
    binding = bind(inner, site.node.with_changes(args=[arg for arg in site.node.args if not arg.star]))
    if binding is None or cap in binding[0] or cap in binding[1] or not cap:
        return None
    via = Related(f"sent through `{inner.name}()`", inner.call.node, inner.module, inner.path)
    model = caller_model(inner, binding[0], site)[0]
    limit = OutputLimit(LimitStatus.UNKNOWN, parameter=cap)
    call = replace(
        inner.call, node=site.node, model=model, output_limit=limit, related=(via,) + inner.call.related
    )
    return Wrapper("", node, call, kwargs_parameter=star.name.value, site=site)
