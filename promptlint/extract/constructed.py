"""A client handed to a class's constructor: ``def __init__(self, client): self.client = client``.

The attribute is what the project passes when it builds the class: every ``Bot(OpenAI())`` /
``Bot(client=client)`` in the module, and in the project's other modules (``construction_sites``), is a
construction site, and the client is known when each site's argument traces to one (they are merged like
branches: ``OpenAI()`` at one site and ``AzureOpenAI()`` at another are alternatives). Nothing is known when
the class has no construction site, when it has subclasses (they may call ``__init__`` with anything), when a
site passes ``*args``/``**kwargs`` or leaves the parameter to its default, or when its name is rebound. The
other modules are searched only for a class of the linted module; for a class read from another module (a
base class), its own module's sites decide.
"""

from __future__ import annotations

from typing import Callable, List, Optional

import libcst as cst

from promptlint.extract.scopes import Binding, Scope, module_of

_MAX_SITES = 8


def handed_in(binding: Binding) -> Optional[tuple]:
    """For ``self.attr = name`` in ``__init__`` where ``name`` is a bare parameter: the class, the
    parameter's position (after ``self``) and name. None otherwise."""
    value = binding.value
    function = binding.scope
    if not isinstance(value, cst.Name) or function.kind != "function" or function.owner_class is None:
        return None
    node = function.node
    if not isinstance(node, cst.FunctionDef) or node.name.value != "__init__" or node.decorators:
        return None
    params = function.bindings.get(value.value, [])
    if len(params) != 1 or params[0].kind != "param" or params[0].annotation is not None:
        return None
    if params[0].value is not None and not (
        isinstance(params[0].value, cst.Name) and params[0].value.value == "None"
    ):
        return None  # a default says what it is: followed as a parameter already
    positional = [p.name.value for p in node.params.posonly_params + node.params.params]
    if value.value in positional:
        position = positional.index(value.value) - 1
    elif any(p.name.value == value.value for p in node.params.kwonly_params):
        position = -1
    else:
        return None
    return function.owner_class, position, value.value


def construction_arguments(cls: Scope, position: int, keyword: str) -> Optional[List[tuple]]:
    """Each construction site's argument for the parameter (expression, scope), or None when one site (or the
    class) says nothing certain."""
    node = cls.node
    if not isinstance(node, cst.ClassDef) or cls.parent is None or cls.parent.kind != "module":
        return None
    module = module_of(cls)
    name = node.name.value
    bindings = module.bindings.get(name, [])
    if len(bindings) != 1 or bindings[0].body is not cls:
        return None  # rebound: which class a call builds is not known
    from promptlint.extract.class_values import descendants

    if descendants(cls):
        return None
    sites = [
        site
        for site in module.call_sites
        if isinstance(site.node.func, cst.Name)
        and site.node.func.value == name
        and site.scope.lookup(name)[1] is bindings  # not a local name that shadows the class
    ]
    found = _arguments(sites, position, keyword)
    if found is None:
        return None
    from promptlint.extract.construction_sites import sites_elsewhere

    others = sites_elsewhere(cls, name)  # only when the module's own sites all say something
    if others is None:
        return None
    more = _arguments(others, position, keyword)
    if more is None or len(found) + len(more) > _MAX_SITES:
        return None
    return found + more or None


def _arguments(sites: List, position: int, keyword: str) -> Optional[List[tuple]]:
    found: List[tuple] = []
    for site in sites:
        argument = _argument(site.node, position, keyword)
        if argument is None:
            return None
        found.append((argument, site.scope))
        if len(found) > _MAX_SITES:
            return None
    return found


def _argument(call: cst.Call, position: int, keyword: str) -> Optional[cst.BaseExpression]:
    index = 0
    for arg in call.args:
        if arg.star:
            return None
        if arg.keyword is None:
            if index == position:
                return arg.value
            index += 1
        elif arg.keyword.value == keyword:
            return arg.value
    return None


def constructed_origin(binding: Binding, trace: Callable, depth: int):
    """What ``self.attr = param`` holds, from the module's construction sites (see the module docstring)."""
    found = handed_in(binding)
    if found is None:
        return None
    cls, position, keyword = found
    arguments = construction_arguments(cls, position, keyword)
    if arguments is None:
        return None
    return trace(arguments, depth)
