"""An object handed to a function as a parameter without annotation: ``def rawdog(prompt, llm_client)`` where
every call of ``rawdog`` in the project passes an instance of one class of the project
(``llm_client = LLMClient(config); rawdog(text, llm_client)``).

The class is known when the function is a plain module-level ``def``, bound once, named in its module only by
its ``def`` and its calls (not handed to ``map`` or stored), and every call of it, in its module and in the
project's other modules (found as ``construction_sites`` finds a class's constructions), passes for the
parameter a constructor call of the same class, directly or through a name bound once to one. A call that
leaves the parameter out (its default decides), passes ``*args``, or passes anything else, and nothing is
known. A function with no call in the project is unknown too.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, Optional, Tuple

import libcst as cst

from promptlint.extract.name_index import NameIndex
from promptlint.extract.scopes import Scope, module_of
from promptlint.extract.tree import attribute_chain

_MAX_SITES = 8

# Per module scope (by ``id``, with the scope kept to check it): its calls by name, its names' counts.
_Counts = Dict[object, Tuple[Scope, object]]


def passed_class(receivers, function: Scope, name: str, counts: _Counts) -> Optional[Tuple[Scope, object]]:
    """(class scope, its module or None for the linted one) of what every call of ``function`` passes for
    its parameter ``name``; None when that is not one known class (see the module docstring). Answered once
    per function and parameter of a linted module (``counts`` holds the answers too)."""
    key = (id(function), name)
    known = counts.get(key)
    if known is not None and known[0] is function:
        return known[1]
    found = _passed_class(receivers, function, name, counts)
    counts[key] = (function, found)
    return found


def _passed_class(receivers, function: Scope, name: str, counts: _Counts) -> Optional[Tuple[Scope, object]]:
    node = function.node
    module = function.parent
    if not isinstance(node, cst.FunctionDef) or node.decorators or module is None or module.kind != "module":
        return None
    if getattr(module.class_table, "module_scope", None) is not module:
        return None  # not the linted module (or no project): the calls in other modules are not searched
    called = node.name.value
    bindings = module.bindings.get(called, [])
    if len(bindings) != 1 or bindings[0].body is not function:
        return None
    positional = [p.name.value for p in node.params.posonly_params + node.params.params]
    if name in positional:
        position = positional.index(name)
    elif any(p.name.value == name for p in node.params.kwonly_params):
        position = -1
    else:
        return None
    index = _index(module, counts)
    sites = [site for site in index.calls_to(called) if site.scope.lookup(called)[1] is bindings]
    if len(sites) > _MAX_SITES:
        return None
    found = _agreed(receivers, sites, position, name, module, None)
    if found is False:
        return None  # the module's own calls disagree: no other module is read
    from promptlint.extract.construction_sites import sites_elsewhere

    others = sites_elsewhere(function, called)
    if others is None or not sites + others or len(sites) + len(others) > _MAX_SITES:
        return None  # never called, or too often
    found = _agreed(receivers, others, position, name, module, found)
    if not found or index.count(called, import_paths=False) != 1 + len(sites):
        return None  # a call disagrees, or the function is named elsewhere than its calls (handed on)
    return found


def _agreed(receivers, sites, position: int, name: str, module: Scope, found):
    """The class every call in ``sites`` passes, agreeing with ``found`` (None: nothing yet); False when a
    call passes something else."""
    from promptlint.extract.constructed import _argument

    for site in sites:
        argument = _argument(site.node, position, name)
        if argument is None:
            return False
        cls = _constructed_class(receivers, argument, site.scope, module)
        if cls is None or (found is not None and _key(found) != _key(cls)):
            return False
        found = cls
    return found


def _key(found: Tuple[Scope, object]) -> Tuple[str, str]:
    owner, where = found
    node = owner.node
    assert isinstance(node, cst.ClassDef)
    path = getattr(where, "path", None)
    return (os.path.realpath(path) if path is not None else "", node.name.value)


def _constructed_class(receivers, argument: cst.BaseExpression, scope: Scope, linted: Scope):
    """The class ``argument`` is an instance of: ``Cls(...)``, or a name bound once to it."""
    if isinstance(argument, cst.Name):
        owner, bindings = scope.lookup(argument.value)
        if len(bindings) != 1 or owner is None:
            return None  # bound more than once: which object is passed is not known
        binding = bindings[0]
        if binding.kind != "assign" or not isinstance(binding.value, cst.Call):
            return None
        argument, scope = binding.value, binding.scope
    if not isinstance(argument, cst.Call):
        return None
    if module_of(scope) is linted:
        return receivers._class(argument.func, scope)
    return _class_elsewhere(receivers, argument.func, scope, linted)


def _class_elsewhere(receivers, func: cst.BaseExpression, scope: Scope, linted: Scope):
    """The class ``func`` names in another module of the project (its own, or one it imports)."""
    imports = receivers.imports
    if imports is None:
        return None
    home = imports.home(module_of(scope))
    chain = attribute_chain(func)
    if home is None or chain is None:
        return None
    head, attributes = chain
    owner, bindings = scope.lookup(head)
    if len(bindings) != 1 or owner is None:
        return None
    binding = bindings[0]
    if binding.kind == "class" and binding.body is not None and not attributes:
        return binding.body, imports.module(home)
    if binding.imported is None:
        return None
    defined = imports.definition(home, binding, attributes)
    if defined is None or defined.binding.kind != "class" or defined.binding.body is None:
        return None
    source = receivers.source_path
    if source is not None and os.path.realpath(defined.module.path) == os.path.realpath(Path(source)):
        node = defined.binding.body.node
        assert isinstance(node, cst.ClassDef)
        own = linted.bindings.get(node.name.value, [])
        if len(own) != 1 or own[0].kind != "class" or own[0].body is None:
            return None
        return own[0].body, None  # the linted module's own class, read again by the other module
    return defined.binding.body, defined.module


def _index(module: Scope, counts: _Counts) -> NameIndex:
    known = counts.get(id(module))
    if known is None or known[0] is not module:
        known = counts[id(module)] = (module, NameIndex(module.node, module.call_sites))
    index = known[1]
    assert isinstance(index, NameIndex)
    return index
