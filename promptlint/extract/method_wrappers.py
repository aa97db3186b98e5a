"""Methods of the project's classes as wrappers: ``self.llm.reply(...)`` after ``self.llm = Claude()`` in
``__init__``, ``bot = Bot(); bot.reply(...)``, ``llm: Claude`` (a parameter or a class attribute),
``self.reply(...)``, and ``Bot.reply(...)`` for a ``staticmethod``/``classmethod``.

The receiver's class must be known exactly: a name or ``self`` attribute bound once to a constructor call of
a class of the module or of the project (``from .llm import Claude``), or annotated with one; ``self``
itself only when no subclass in the module redefines the method. The method must be bound once in that
class (its bases are not searched), and it is a wrapper only when its own body makes the request
(``wrappers.find_wrapper``): a project method that shares its name with a wrapper or an SDK method is
nothing here. A class of another module is read only when its module may hold a wrapper
(``project_wrappers.may_send_prompt``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional

import libcst as cst

from promptlint.extract.class_values import descendants
from promptlint.extract.project import Gate, ProjectImports, ProjectModule
from promptlint.extract.provenance import single_binding
from promptlint.extract.scopes import CallSite, Scope, module_of
from promptlint.extract.tree import attribute_chain
from promptlint.extract.wrappers import Prompted, Wrapper, method_kind, requests_through
from promptlint.ir import LLMCall


@dataclass(frozen=True)
class Method:
    """A method a call reaches: its class, its ``def``, the module it is in (None for the linted one),
    and whether the call is made on the class itself (``Bot.reply``) rather than on an instance."""

    owner: Scope
    node: cst.FunctionDef
    module: Optional[ProjectModule]
    on_class: bool


class Receivers:
    """Finds the method a call ``receiver.name(...)`` reaches, for one linted module."""

    def __init__(
        self,
        imports: Optional[ProjectImports],
        source_path: Optional[Path],
        gate: Gate,
        handed_on: bool = False,
    ) -> None:
        """``handed_on``: a name also handed to a function (``run(script, client)``) keeps its class (it
        is the same object); by default any change recorded for the name leaves it unknown."""
        self.imports = imports
        self.source_path = source_path
        self.gate = gate
        self.handed_on = handed_on
        self._counts: dict = {}  # ``passed_in``'s name counts, per module

    def handing_on(self) -> Receivers:
        """The same finder (sharing what it has learnt of parameters) with ``handed_on`` set."""
        other = Receivers(self.imports, self.source_path, self.gate, handed_on=True)
        other._counts = self._counts
        return other

    def method(self, func: cst.BaseExpression, scope: Scope) -> Optional[Method]:
        if not isinstance(func, cst.Attribute):
            return None
        found = self._receiver(func.value, scope)
        if found is None:
            return None
        owner, module, on_class, exact = found
        name = func.attr.value
        bindings = owner.bindings.get(name, [])
        if len(bindings) != 1 or bindings[0].kind != "def" or bindings[0].body is None:
            return None
        body = bindings[0].body
        if not isinstance(body.node, cst.FunctionDef):
            return None
        kind = method_kind(body)
        if kind is None or (on_class and kind == "method"):
            return None
        if not exact and any(name in other.bindings for other in descendants(owner)):
            return None  # a subclass in the module may answer the call with its own method
        return Method(owner, body.node, module, on_class)

    def _receiver(self, expr: cst.BaseExpression, scope: Scope):
        """(class scope, its module or None, called on the class, the object is exactly of that class)."""
        if isinstance(expr, cst.Name):
            function = scope.enclosing_function()
            if function is not None and function.owner_class is not None and expr.value == function.self_name:
                if _owner_binding(function, expr.value):
                    return function.owner_class, None, False, False
                return None
            owner, bindings = scope.lookup(expr.value)
            binding = single_binding(bindings)
            if binding is None or owner is None or self._changed(owner, expr.value):
                return None
            if binding.kind in ("class", "import") or binding.imported is not None:  # relative: "unknown"
                found = self._class(expr, scope)
                return (found[0], found[1], True, True) if found is not None else None
            if binding.kind == "assign" and isinstance(binding.value, cst.Call):
                found = self._class(binding.value.func, binding.scope)
                return (found[0], found[1], False, True) if found is not None else None
            if binding.kind == "param" and binding.annotation is not None:
                found = self._class(binding.annotation, binding.scope)
                return (found[0], found[1], False, False) if found is not None else None
            if binding.kind == "param":  # what every call of the function passes (``passed_in``)
                from promptlint.extract.passed_in import passed_class

                found = passed_class(self, owner, expr.value, self._counts)
                return (found[0], found[1], False, False) if found is not None else None
            return None
        if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name):
            function = scope.enclosing_function()
            if function is None or function.owner_class is None or expr.value.value != function.self_name:
                return None
            cls = function.owner_class
            attribute = expr.attr.value
            if any(
                attribute in other.attribute_bindings or attribute in other.bindings
                for other in descendants(cls)
            ):
                return None
            assigned = cls.attribute_bindings.get(attribute, [])
            declared = cls.bindings.get(attribute, [])
            if len(assigned) == 1 and not declared and isinstance(assigned[0].value, cst.Call):
                found = self._class(assigned[0].value.func, assigned[0].scope)
                return (found[0], found[1], False, True) if found is not None else None
            annotations = [b.annotation for b in assigned + declared if b.annotation is not None]
            values = [b for b in assigned + declared if b.value is not None]
            if len(annotations) == 1 and not values:
                found = self._class(annotations[0], cls)
                return (found[0], found[1], False, False) if found is not None else None
        return None

    def _changed(self, owner: Scope, name: str) -> bool:
        mutations = owner.mutations.get(name, [])
        if self.handed_on:
            return any(mutation.method != "escape" for mutation in mutations)
        return bool(mutations)

    def _class(self, expr: cst.BaseExpression, scope: Scope):
        """The class ``expr`` names (of this module, or imported from the project), and its module."""
        if isinstance(expr, cst.Name):
            owner, bindings = scope.lookup(expr.value)
            binding = single_binding(bindings)
            if binding is not None and binding.kind == "class" and binding.body is not None:
                return binding.body, None
        chain = attribute_chain(expr)
        if chain is None or self.imports is None or self.source_path is None:
            return None
        name, attributes = chain
        owner, bindings = scope.lookup(name)
        binding = single_binding(bindings)
        if binding is None or binding.imported is None or owner is None:
            return None
        if module_of(owner) is not module_of(scope):
            return None
        defined = self.imports.definition(self.source_path, binding, attributes, gate=self.gate)
        if defined is None or defined.binding.kind != "class" or defined.binding.body is None:
            return None
        return defined.binding.body, defined.module


def _owner_binding(function: Scope, name: str) -> bool:
    bindings = function.bindings.get(name, [])
    return len(bindings) == 1 and bindings[0].kind == "param"


def method_calls(
    sites: Iterable[CallSite],
    receivers: Receivers,
    local: Dict[int, Wrapper],
    wrappers_of: Callable[[ProjectModule], Dict[str, Wrapper]],
    prompted: Optional[Prompted],
) -> List[LLMCall]:
    """The requests the module's calls of methods that are wrappers send, in source order. ``local``: the
    linted module's method wrappers by ``id`` of their ``def``; ``wrappers_of``: another module's by name."""
    calls: List[LLMCall] = []
    for site in sites:
        wrapper = method_wrapper(site, receivers, local, wrappers_of)
        if wrapper is not None:
            calls.extend(requests_through(wrapper, site, prompted))
    return calls


def method_wrapper(
    site: CallSite,
    receivers: Receivers,
    local: Dict[int, Wrapper],
    wrappers_of: Callable[[ProjectModule], Dict[str, Wrapper]],
) -> Optional[Wrapper]:
    """The method wrapper the call ``site`` reaches (see ``method_calls``), if any."""
    if not isinstance(site.node.func, cst.Attribute):
        return None
    method = receivers.method(site.node.func, site.scope)
    if method is None:
        return None
    if method.module is None:
        wrapper = local.get(id(method.node))
    else:
        owner = method.owner.node
        if not isinstance(owner, cst.ClassDef):
            return None
        wrapper = wrappers_of(method.module).get(f"{owner.name.value}.{method.node.name.value}")
    return wrapper if wrapper is not None and wrapper.node is method.node else None
