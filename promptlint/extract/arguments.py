"""A call's arguments as adapters need them: keywords (including those a resolvable ``**mapping`` adds),
positionals, and whether an opaque splat may carry more."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import libcst as cst

from promptlint.extract.scopes import Mutation, Scope
from promptlint.extract.text import TextResolver


@dataclass
class Arguments:
    keywords: Dict[str, cst.BaseExpression] = field(default_factory=dict)
    positional: List[cst.BaseExpression] = field(default_factory=list)
    unresolved_splat: bool = False
    unresolved_star: bool = False
    # Scope in which each keyword value is evaluated (a splatted dict may live elsewhere).
    scopes: Dict[str, Scope] = field(default_factory=dict)

    def get(self, name: str) -> Optional[cst.BaseExpression]:
        return self.keywords.get(name)

    def param(self, name: str, index: Optional[int] = None) -> Optional[cst.BaseExpression]:
        """A parameter passed by keyword, or at ``index`` by position."""
        if name in self.keywords:
            return self.keywords[name]
        if index is not None and not self.unresolved_star and index < len(self.positional):
            return self.positional[index]
        return None


def collect_arguments(args: Tuple[cst.Arg, ...], scope: Scope, resolver: TextResolver) -> Arguments:
    result = Arguments()
    for arg in args:
        if arg.star == "**":
            if not _merge_mapping(result, arg.value, scope, resolver, 0):
                result.unresolved_splat = True
        elif arg.star == "*":
            result.unresolved_star = True
        elif arg.keyword is not None:
            result.keywords[arg.keyword.value] = arg.value
            result.scopes[arg.keyword.value] = scope
        else:
            result.positional.append(arg.value)
    return result


Keys = Dict[str, Tuple[cst.BaseExpression, Scope]]


def dict_keys(
    expr: cst.BaseExpression, scope: Scope, resolver: TextResolver, depth: int = 0
) -> Optional[Keys]:
    """The literal keys of a mapping built in view of the call, or None when they cannot all be known.

    Follows a name bound once to a dict literal or ``dict(...)``, then applies ``m["k"] = v`` and
    ``m.update({...})`` made to it in the same scope; ``self.options`` set in the class's methods or body;
    what a helper of the module returns.
    """
    found = mapping_keys(expr, scope, resolver, depth)
    if found is None or found[1]:
        return None
    return found[0]


def mapping_keys(
    expr: cst.BaseExpression, scope: Scope, resolver: TextResolver, depth: int = 0
) -> Optional[Tuple[Keys, bool]]:
    """The keys a mapping is known to have, and whether it may have others: a field default of a dataclass
    or pydantic model (``options: dict = field(default_factory=dict)``) is open, since callers may pass
    another. None when the keys cannot be known."""
    if depth > 6:
        return None
    if isinstance(expr, cst.Name):
        binding = scope.assigned_once(expr.value)
        if binding is None:
            return None
        found = mapping_keys(binding.value, binding.scope, resolver, depth + 1)
        if found is None:
            return None
        keys, is_open = found
        owner = binding.scope
        mutations = [(mutation, owner) for mutation in owner.mutations.get(expr.value, [])]
        return (keys, is_open) if _apply(keys, mutations, resolver, depth) else None
    if isinstance(expr, cst.Attribute):
        return _attribute_keys(expr, scope, resolver, depth)
    if isinstance(expr, cst.Dict):
        keys: Keys = {}
        is_open = False
        for element in expr.elements:
            if isinstance(element, cst.StarredDictElement):
                more = mapping_keys(element.value, scope, resolver, depth + 1)
                if more is None:
                    return None
                keys.update(more[0])
                is_open = is_open or more[1]
                continue
            key = resolver.literal(element.key, scope)
            if key is None:
                return None
            keys[key] = (element.value, scope)
        return keys, is_open
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name) and expr.func.value == "dict":
        inner = collect_arguments(expr.args, scope, resolver)
        if inner.unresolved_splat or inner.unresolved_star or len(inner.positional) > 1:
            return None
        keys = {name: (value, inner.scopes[name]) for name, value in inner.keywords.items()}
        is_open = False
        for positional in inner.positional:
            more = mapping_keys(positional, scope, resolver, depth + 1)
            if more is None:
                return None
            keys.update(more[0])
            is_open = is_open or more[1]
        return keys, is_open
    if isinstance(expr, cst.Call):
        return _helper_keys(expr, scope, resolver, depth)
    return None


def _apply(keys: Keys, mutations: List[Tuple[Mutation, Scope]], resolver: TextResolver, depth: int) -> bool:
    """Add to ``keys`` what in-place changes add; False when a change makes the keys unknowable."""
    for mutation, owner in mutations:
        if mutation.method == "setitem":
            key = resolver.literal(mutation.key, owner) if mutation.key is not None else None
            if key is None or mutation.value is None:
                return False
            keys[key] = (mutation.value, owner)
        elif mutation.method == "update" and isinstance(mutation.node, cst.Call):
            update = collect_arguments(mutation.node.args, owner, resolver)
            if update.unresolved_splat or update.unresolved_star:
                return False
            for key, value in update.keywords.items():
                keys[key] = (value, owner)
            for positional in update.positional:
                more = dict_keys(positional, owner, resolver, depth + 1)
                if more is None:
                    return False
                keys.update(more)
        elif mutation.method == "setdefault":
            key = resolver.literal(mutation.key, owner) if mutation.key is not None else None
            if key is None:
                return False
            if key not in keys:
                keys[key] = (
                    (mutation.value, owner) if mutation.value is not None else (cst.Name("None"), owner)
                )
        elif mutation.method == "other":
            continue  # pop/clear: only ever remove keys we may already list
        else:
            return False
    return True


def _attribute_keys(
    expr: cst.Attribute, scope: Scope, resolver: TextResolver, depth: int
) -> Optional[Tuple[Keys, bool]]:
    """``self.options``: the union of the keys of every value the class may hold, and the changes made to it
    in place in its methods."""
    from promptlint.extract.class_values import attribute_candidates, attribute_mutations

    candidates = attribute_candidates(expr, scope)
    if candidates is None:
        return None
    keys: Keys = {}
    is_open = False
    for candidate in candidates:
        found = mapping_keys(candidate.value, candidate.scope, resolver, depth + 1)
        if found is None:
            return None
        keys.update(found[0])
        is_open = is_open or found[1] or candidate.default
    mutations = attribute_mutations(expr, scope) or []
    if not _apply(keys, [(m, m.scope or scope) for m in mutations], resolver, depth):
        return None
    return keys, is_open


def _helper_keys(
    call: cst.Call, scope: Scope, resolver: TextResolver, depth: int
) -> Optional[Tuple[Keys, bool]]:
    """``**request_options()``: the union of the keys of every mapping the module's helper returns."""
    from promptlint.extract.helper_returns import returned_values

    returned = returned_values(call, scope)
    if returned is None:
        return None
    keys: Keys = {}
    is_open = False
    for value, value_scope in returned:
        found = mapping_keys(value, value_scope, resolver, depth + 1)
        if found is None:
            return None
        keys.update(found[0])
        is_open = is_open or found[1]
    return keys, is_open


def _merge_mapping(
    result: Arguments, expr: cst.BaseExpression, scope: Scope, resolver: TextResolver, depth: int
) -> bool:
    found = mapping_keys(expr, scope, resolver, depth)
    if found is None:
        return False
    keys, is_open = found
    for name, (value, value_scope) in keys.items():
        result.keywords[name] = value
        result.scopes[name] = value_scope
    return not is_open  # an open mapping may carry more: as unresolved as a splat
