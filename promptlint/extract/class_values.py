"""What ``self.X``, ``cls.X`` or ``ClassName.X`` can hold, from the classes of one module.

A method of class ``C`` runs on an instance of ``C`` or of any subclass, so the value of ``self.X`` is one of:
the ``self.X = ...`` assignments made in the methods of ``C``, its ancestors and its subclasses, and the
class-body value each of those runtime classes inherits (the nearest one in its bases). Dataclass, attrs and
pydantic fields are constructor parameters: their default is a candidate marked ``default`` (a caller may
pass another value). Only classes of the module are followed; an attribute with no binding in them, one
bound by ``+=``, by a method or property, or inherited from a class defined elsewhere, is unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import libcst as cst

from promptlint.extract.scopes import Binding, Mutation, Scope, module_of
from promptlint.extract.tree import dotted_name

_MAX_CANDIDATES = 8
_FIELD_DECORATORS = {
    "dataclass",
    "dataclasses.dataclass",
    "pydantic.dataclasses.dataclass",
    "define",
    "frozen",
    "mutable",
    "attr.s",
    "attr.attrs",
    "attr.define",
    "attr.frozen",
    "attr.mutable",
    "attrs.define",
    "attrs.frozen",
    "attrs.mutable",
}
# Base classes whose annotated class attributes are constructor fields.
_FIELD_BASES = {"BaseModel", "BaseSettings", "RootModel", "SQLModel", "Struct"}
# ``field(default=...)`` and its kin: where a field's default is written.
_FIELD_FUNCTIONS = {"field", "Field", "ib", "attrib", "PrivateAttr"}
_NOT_BASES = {"object", "ABC", "abc.ABC", "Generic", "typing.Generic", "Protocol", "typing.Protocol"}


@dataclass(frozen=True)
class Candidate:
    """One value an attribute may hold, with the scope it is evaluated in."""

    value: cst.BaseExpression
    scope: Scope
    default: bool = False  # a field default that the constructor may replace


def attribute_candidates(expr: cst.BaseExpression, scope: Scope) -> Optional[List[Candidate]]:
    """Every value ``expr`` (``self.X``, ``cls.X``, ``ClassName.X``) may hold, or None when not all are known."""
    found = _owner(expr, scope)
    if found is None:
        return None
    owner, through_instance = found
    assert isinstance(expr, cst.Attribute)
    attribute = expr.attr.value
    runtime = [owner] + (descendants(owner) if through_instance else [])
    candidates: List[Candidate] = []
    for cls in runtime:
        chain, external = _chain(cls)
        if chain is None:
            return None
        instance: List[Candidate] = []
        if through_instance:
            for member in chain:
                for binding in member.attribute_bindings.get(attribute, []):
                    if binding.value is None:
                        return None  # ``self.X += ...``, ``self.X: T`` without a value
                    instance.append(Candidate(binding.value, binding.scope))
        class_level = _class_level(chain, attribute)
        if class_level is None or (not class_level and external and not instance):
            return None  # a class defined elsewhere may provide it
        candidates.extend(instance + class_level)
    unique: List[Candidate] = []
    seen = set()
    for candidate in candidates:
        if id(candidate.value) not in seen:
            seen.add(id(candidate.value))
            unique.append(candidate)
    if not unique or len(unique) > _MAX_CANDIDATES:
        return None
    return unique


def attribute_mutations(expr: cst.BaseExpression, scope: Scope) -> Optional[List[Mutation]]:
    """The in-place changes made to ``self.X`` in the methods of every class it may live on."""
    found = _owner(expr, scope)
    if found is None:
        return None
    owner, _ = found
    assert isinstance(expr, cst.Attribute)
    mutations: List[Mutation] = []
    members: List[Scope] = []
    for cls in [owner] + descendants(owner):
        for member in _chain(cls)[0] or [cls]:
            if member not in members:
                members.append(member)
    for member in members:
        mutations.extend(member.attribute_mutations.get(expr.attr.value, []))
    return mutations


def _owner(expr: cst.BaseExpression, scope: Scope) -> Optional[Tuple[Scope, bool]]:
    """The class ``expr``'s attribute is read from, and whether through an instance (``self``/``cls``)."""
    if not isinstance(expr, cst.Attribute) or not isinstance(expr.value, cst.Name):
        return None
    name = expr.value.value
    function = scope.enclosing_function()
    if function is not None and function.owner_class is not None and name == function.self_name:
        return function.owner_class, True
    owner = _class_named(name, scope)
    return (owner, False) if owner is not None else None


def _class_named(name: str, scope: Scope) -> Optional[Scope]:  # type: ignore[return]
    """The class scope a name stands for, when it is bound once, to a class of this module."""
    found, bindings = scope.lookup(name)
    if found is None or len(bindings) != 1 or bindings[0].kind != "class":
        return None
    matches = [
        child
        for child in found.children
        if child.kind == "class" and isinstance(child.node, cst.ClassDef) and child.node.name.value == name
    ]
    return matches[0] if len(matches) == 1 else None


def bases(cls: Scope) -> Tuple[List[Scope], bool]:
    """The classes of this module that ``cls`` derives from directly, and whether another base is defined
    elsewhere."""
    assert isinstance(cls.node, cst.ClassDef) and cls.parent is not None
    result: List[Scope] = []
    external = False
    for arg in cls.node.bases:
        if arg.keyword is not None or arg.star:
            continue
        dotted = dotted_name(arg.value)
        if dotted in _NOT_BASES:
            continue
        base = _class_named(dotted, cls.parent) if dotted is not None and "." not in dotted else None
        if base is None:
            external = True
        else:
            result.append(base)
    return result, external


def _chain(cls: Scope, depth: int = 0) -> Tuple[Optional[List[Scope]], bool]:
    """``cls`` and its ancestors of this module in lookup order (depth first, left to right: Python's order
    for the single inheritance chains and simple mixins seen in applications), and whether an ancestor is
    defined elsewhere; None when the chain is too deep to follow."""
    if depth > 8:
        return None, True
    parents, external = bases(cls)
    order = [cls]
    for parent in parents:
        above, above_external = _chain(parent, depth + 1)
        if above is None:
            return None, True
        external = external or above_external
        order.extend(member for member in above if member not in order)
    return order, external


def descendants(cls: Scope) -> List[Scope]:
    """The classes of this module that derive from ``cls``, directly or not (computed once per module)."""
    module = module_of(cls)
    if module.descendants is None:
        table: Dict[int, List[Scope]] = {}
        for other in _all_classes(module):
            for ancestor in _ancestry(other):
                table.setdefault(id(ancestor), []).append(other)
        module.descendants = table
    return list(module.descendants.get(id(cls), []))


def _ancestry(cls: Scope, depth: int = 0) -> List[Scope]:
    """The module's classes ``cls`` derives from, as far as they are known (bases defined elsewhere skipped)."""
    if depth > 8 or not isinstance(cls.node, cst.ClassDef) or cls.parent is None:
        return []
    result: List[Scope] = []
    for arg in cls.node.bases:
        dotted = dotted_name(arg.value)
        base = _class_named(dotted, cls.parent) if dotted is not None and "." not in dotted else None
        if base is not None and base not in result:
            result.append(base)
            result.extend(b for b in _ancestry(base, depth + 1) if b not in result)
    return result


def _all_classes(scope: Scope) -> List[Scope]:
    result: List[Scope] = []
    for child in scope.children:
        if child.kind == "class":
            result.append(child)
        result.extend(_all_classes(child))
    return result


def _class_level(chain: List[Scope], attribute: str) -> Optional[List[Candidate]]:
    """The class-body value the first class of ``chain`` inherits for ``attribute``: [] when none binds it,
    None when the binding is not a plain value (a method, a property, several assignments)."""
    fields = _fields_class(chain)
    for member in chain:
        bindings: List[Binding] = member.bindings.get(attribute, [])
        if not bindings:
            continue
        if len(bindings) != 1:
            return None
        binding = bindings[0]
        if binding.kind == "annotated":
            if fields:
                return None  # a field without a default: every instance gets it from its constructor
            continue  # ``client: OpenAI``: a type, the value is assigned elsewhere
        if binding.kind != "assign" or binding.value is None:
            return None
        if fields and _is_field(binding):
            default = _field_default(binding.value)
            return None if default is None else [Candidate(default, binding.scope, default=True)]
        return [Candidate(binding.value, binding.scope)]
    return []


def _is_field(binding: Binding) -> bool:
    """An annotated class attribute other than ``ClassVar[...]``, or an ``attr.ib()``-style one."""
    if binding.annotation is not None:
        annotation = binding.annotation
        if isinstance(annotation, cst.Subscript):
            annotation = annotation.value
        return (dotted_name(annotation) or "").rsplit(".", 1)[-1] != "ClassVar"
    value = binding.value
    return isinstance(value, cst.Call) and (dotted_name(value.func) or "").rsplit(".", 1)[-1] in (
        "ib",
        "attrib",
    )


def _field_default(value: cst.BaseExpression) -> Optional[cst.BaseExpression]:
    """The default a field declaration gives: ``= v``, ``field(default=v)``, ``Field(v)``,
    ``field(default_factory=dict)``, ``Field(default_factory=lambda: {...})``; None without one."""
    if not isinstance(value, cst.Call):
        return value
    if (dotted_name(value.func) or "").rsplit(".", 1)[-1] not in _FIELD_FUNCTIONS:
        return value
    keywords: Dict[str, cst.BaseExpression] = {
        arg.keyword.value: arg.value for arg in value.args if arg.keyword is not None
    }
    if "default" in keywords:
        return keywords["default"]
    factory = keywords.get("default_factory", keywords.get("factory"))
    if isinstance(factory, cst.Name) and factory.value in ("dict", "list"):
        return cst.Dict([]) if factory.value == "dict" else cst.List([])
    if isinstance(factory, cst.Lambda):
        return factory.body
    positional = [arg.value for arg in value.args if arg.keyword is None and not arg.star]
    if positional and not (isinstance(positional[0], cst.Ellipsis)):
        return positional[0]
    return None


def _fields_class(chain: List[Scope]) -> bool:
    """Whether the first class of ``chain`` makes its annotated attributes constructor fields."""
    for member in chain:
        node = member.node
        assert isinstance(node, cst.ClassDef)
        for decorator in node.decorators:
            target = decorator.decorator
            if isinstance(target, cst.Call):
                target = target.func
            if dotted_name(target) in _FIELD_DECORATORS:
                return True
        for arg in node.bases:
            if (dotted_name(arg.value) or "").rsplit(".", 1)[-1] in _FIELD_BASES:
                return True
    return False
