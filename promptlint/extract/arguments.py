"""A call's arguments as adapters need them: keywords (including those a resolvable ``**mapping`` adds),
positionals, and whether an opaque splat may carry more."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import libcst as cst

from promptlint.extract.scopes import Scope
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


def dict_keys(
    expr: cst.BaseExpression, scope: Scope, resolver: TextResolver, depth: int = 0
) -> Optional[Dict[str, Tuple[cst.BaseExpression, Scope]]]:
    """The literal keys of a mapping built in view of the call, or None when they cannot all be known.

    Follows a name bound once to a dict literal or ``dict(...)``, then applies ``m["k"] = v`` and
    ``m.update({...})`` made to it in the same scope.
    """
    if depth > 6:
        return None
    if isinstance(expr, cst.Name):
        binding = scope.assigned_once(expr.value)
        if binding is None:
            return None
        owner = binding.scope
        keys = dict_keys(binding.value, binding.scope, resolver, depth + 1)
        if keys is None:
            return None
        for mutation in owner.mutations.get(expr.value, []):
            if mutation.method == "setitem":
                key = resolver.literal(mutation.key, owner) if mutation.key is not None else None
                if key is None or mutation.value is None:
                    return None
                keys[key] = (mutation.value, owner)
            elif mutation.method == "update" and isinstance(mutation.node, cst.Call):
                update = collect_arguments(mutation.node.args, owner, resolver)
                if update.unresolved_splat or update.unresolved_star:
                    return None
                for key, value in update.keywords.items():
                    keys[key] = (value, owner)
                for positional in update.positional:
                    more = dict_keys(positional, owner, resolver, depth + 1)
                    if more is None:
                        return None
                    keys.update(more)
            elif mutation.method == "setdefault":
                key = resolver.literal(mutation.key, owner) if mutation.key is not None else None
                if key is None:
                    return None
                if key not in keys:
                    keys[key] = (
                        (mutation.value, owner) if mutation.value is not None else (cst.Name("None"), owner)
                    )
            elif mutation.method == "other":
                continue  # pop/clear: only ever remove keys we may already list
            else:
                return None
        return keys
    if isinstance(expr, cst.Dict):
        keys: Dict[str, Tuple[cst.BaseExpression, Scope]] = {}
        for element in expr.elements:
            if isinstance(element, cst.StarredDictElement):
                more = dict_keys(element.value, scope, resolver, depth + 1)
                if more is None:
                    return None
                keys.update(more)
                continue
            key = resolver.literal(element.key, scope)
            if key is None:
                return None
            keys[key] = (element.value, scope)
        return keys
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name) and expr.func.value == "dict":
        inner = collect_arguments(expr.args, scope, resolver)
        if inner.unresolved_splat or inner.unresolved_star or len(inner.positional) > 1:
            return None
        keys = {name: (value, inner.scopes[name]) for name, value in inner.keywords.items()}
        for positional in inner.positional:
            more = dict_keys(positional, scope, resolver, depth + 1)
            if more is None:
                return None
            keys.update(more)
        return keys
    return None


def _merge_mapping(
    result: Arguments, expr: cst.BaseExpression, scope: Scope, resolver: TextResolver, depth: int
) -> bool:
    keys = dict_keys(expr, scope, resolver, depth)
    if keys is None:
        return False
    for name, (value, value_scope) in keys.items():
        result.keywords[name] = value
        result.scopes[name] = value_scope
    return True
