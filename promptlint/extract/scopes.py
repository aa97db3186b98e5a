"""A light, flow-insensitive symbol table of one module, built in the same traversal that finds calls.

Only what provenance and prompt resolution need: which names are bound where, to what expression, how often;
which names are parameters; what ``self.attr`` is set to inside a class; which lists and dicts are mutated.
A name bound more than once is ambiguous and resolves to nothing: precision over recall.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, FrozenSet, List, Optional, Tuple

import libcst as cst

from promptlint.extract.tree import dotted_name


@dataclass
class Binding:
    """One binding of a name. ``value`` is the bound expression where there is one."""

    kind: str  # assign, import, param, for, with, def, class, unknown
    value: Optional[cst.BaseExpression]
    scope: Scope  # the scope in which ``value`` is evaluated
    qualified: Optional[str] = None  # for imports: the dotted name the local name stands for
    annotation: Optional[cst.BaseExpression] = None  # parameters, class attributes, return types
    body: Optional[Scope] = None  # for ``def`` and ``class``: the scope the statement opens
    # For imports, relative ones included: what the name stands for as written, a relative module keeping
    # its leading dots (``from .prompts import POLICY``: ``.prompts.POLICY``). Read by ``project``, which
    # finds the project's own modules; ``qualified`` stays None for a relative import (never an SDK).
    imported: Optional[str] = None


@dataclass
class Mutation:
    """An in-place change to a container bound to a name: ``x.append(v)``, ``x[k] = v``, ``x.update(...)``."""

    # append, extend, insert, update, setdefault, setitem, setattr; bind (``llm.bind(...)``); escape (passed
    # to a function that may change it); other (pop, clear, ...: only ever remove or reorder); nested (an
    # item inside it is changed: ``x[0]["content"] = v``, ``x[-1]["content"].append(v)``)
    method: str
    node: cst.CSTNode
    key: Optional[cst.BaseExpression] = None
    value: Optional[cst.BaseExpression] = None
    # Where it is made, for a change to ``self.attr`` (recorded on the class, made in one of its methods).
    scope: Optional[Scope] = None


@dataclass(eq=False)
class Scope:
    kind: str  # module, class, function, comprehension
    node: cst.CSTNode
    parent: Optional[Scope]
    bindings: Dict[str, List[Binding]] = field(default_factory=dict)
    mutations: Dict[str, List[Mutation]] = field(default_factory=dict)
    # For a method: the name of its first parameter (``self``/``cls``) and the enclosing class scope.
    self_name: Optional[str] = None
    owner_class: Optional[Scope] = None
    # For a class: ``self.attr = value`` bindings made in any of its methods.
    attribute_bindings: Dict[str, List[Binding]] = field(default_factory=dict)
    # For a class: in-place changes to ``self.attr`` made in any of its methods (``self.options[k] = v``,
    # ``self.options.update(...)``, ``self.messages.append(m)``, ``helper(self.options)``).
    attribute_mutations: Dict[str, List[Mutation]] = field(default_factory=dict)
    is_async: bool = False
    children: List[Scope] = field(default_factory=list)
    # For a function: the values of its ``return`` statements (None for a bare ``return``), and whether it
    # yields (then calling it gives a generator, not what it returns).
    returns: List[Optional[cst.BaseExpression]] = field(default_factory=list)
    yields: bool = False
    # For the module: how the bases of its classes are found (see ``ClassTable``), and which assignments
    # of its names reach the end of its body (see ``reaching``; computed on first use).
    class_table: Optional[ClassTable] = None
    reaching: Optional[Dict[str, FrozenSet[int]]] = None
    # For the module: each class's subclasses in the module, by ``id`` of the class scope (built on first use).
    descendants: Optional[Dict[int, List[Scope]]] = field(default=None, repr=False)
    # For the module: every call in it, with its scope (``ScopeBuilder.calls``), for the passes that look for
    # where a class is constructed.
    call_sites: List[CallSite] = field(default_factory=list, repr=False)

    def bind(self, name: str, binding: Binding) -> None:
        self.bindings.setdefault(name, []).append(binding)

    def lookup(self, name: str) -> Tuple[Optional[Scope], List[Binding]]:
        """Python's lookup, roughly: this scope, enclosing functions (skipping classes), the module."""
        scope: Optional[Scope] = self
        first = True
        while scope is not None:
            if (first or scope.kind != "class") and name in scope.bindings:
                return scope, scope.bindings[name]
            first = False
            scope = scope.parent
        return None, []

    def assigned_once(self, name: str) -> Optional[Binding]:
        """The binding of ``name`` seen from here when it is bound exactly once, by an assignment with a
        value (``X = ...``, ``x := ...``); None for parameters, imports, loop targets or several bindings.
        Its ``scope`` is the scope that owns the name (and records its mutations)."""
        return only_assignment(self.lookup(name)[1])

    def enclosing_function(self) -> Optional[Scope]:
        scope: Optional[Scope] = self
        while scope is not None:
            if scope.kind == "function":
                return scope
            scope = scope.parent
        return None

    @property
    def is_module_level(self) -> bool:
        """True when code in this scope runs once, at import (module or class body)."""
        scope: Optional[Scope] = self
        while scope is not None and scope.kind == "comprehension":
            scope = scope.parent
        return scope is None or scope.kind in ("module", "class")


class ClassTable:
    """Finds the class a base-class expression names. This one knows the classes of the module itself;
    ``project_classes.ProjectClasses`` extends it to classes imported from the project's other modules."""

    def resolve(self, base: cst.BaseExpression, scope: Scope) -> Optional[Scope]:
        """The class scope ``base`` (written in ``scope``) stands for, or None when it is not known."""
        if not isinstance(base, cst.Name):
            return None
        bindings = scope.lookup(base.value)[1]
        if len(bindings) == 1 and bindings[0].kind == "class":
            return bindings[0].body
        return None

    def function(self, binding: Binding) -> Optional[Binding]:
        """The ``def`` an import binding of the module stands for (a client factory), when it is known."""
        return None


def module_of(scope: Scope) -> Scope:
    while scope.parent is not None:
        scope = scope.parent
    return scope


def lineage(owner: Scope, across_modules: bool = False) -> Tuple[List[Scope], bool]:
    """A class and the classes it inherits from that can be found, nearest first (depth-first, left to right,
    each once), and whether every base was found (``object`` and bases that are not classes of the project
    being unknown). ``across_modules``: bases imported from the project's other modules are read too, with
    the class table of the owner's module (which knows how to reach them); otherwise only its own module's."""
    found: List[Scope] = []
    complete = True
    pending = [owner]
    # Across modules, the table of the class's own module finds every base, a base's base in another module
    # included; else only the classes of the module each class is in.
    table = (module_of(owner).class_table if across_modules else None) or _LOCAL
    while pending:
        current = pending.pop(0)
        if any(current is seen for seen in found):
            continue
        found.append(current)
        node = current.node
        if not isinstance(node, cst.ClassDef) or current.parent is None:
            continue
        bases = []
        for arg in node.bases:
            if arg.keyword is not None or arg.star:
                continue
            if isinstance(arg.value, cst.Name) and arg.value.value == "object":
                continue
            base = table.resolve(arg.value, current.parent)
            if base is None:
                complete = False
            else:
                bases.append(base)
        pending = bases + pending
    return found, complete


_LOCAL = ClassTable()


def only_assignment(bindings: List[Binding]) -> Optional[Binding]:
    """The one binding in ``bindings`` when there is exactly one and it assigns a value."""
    if len(bindings) != 1:
        return None
    binding = bindings[0]
    return binding if binding.kind == "assign" and binding.value is not None else None


@dataclass(frozen=True)
class CallSite:
    """A call expression with what the traversal knew when it met it."""

    node: cst.Call
    scope: Scope
    in_loop: bool
    awaited: bool
    # The call made on this call's result, when there is one: the ``.bind(...)`` of ``ChatOpenAI(...).bind(...)``.
    receiver_of: Optional[cst.Call] = None
    # The loops (``For``/``While`` statements, comprehensions) whose every iteration runs the call, in its own
    # function, outermost first. A ``for`` loop's iterable and ``else`` run once: they are not in the loop.
    loops: Tuple[cst.CSTNode, ...] = ()


def _relative_module(node: cst.ImportFrom) -> Optional[str]:
    if node.relative:
        return None  # a project-local module: never an SDK
    return dotted_name(node.module) if node.module is not None else None


def _spelled_module(node: cst.ImportFrom) -> Optional[str]:
    """The module of a ``from`` import as written, leading dots included (``..pkg``, ``.``)."""
    dots = "." * len(node.relative)
    if node.module is None:
        return dots or None
    name = dotted_name(node.module)
    return dots + name if name is not None else None


# Methods that give a LangChain runnable request settings after construction.
_REBINDERS = {"bind", "configurable_fields"}
# Builtins that never change the container they are given (a list handed to them is neither grown nor
# trimmed).
NON_MUTATING_CALLS = frozenset(
    "print len str repr bool isinstance id type hash sorted list tuple dict set frozenset enumerate zip iter "
    "reversed any all sum".split()
)
# Methods that only read what they are given: logging calls, ``json.dumps``, ``pprint.pformat``.
NON_MUTATING_METHODS = frozenset(
    "debug info warning warn error exception critical log dumps pformat pprint".split()
)
_MUTATORS = {
    "append",
    "extend",
    "insert",
    "update",
    "setdefault",
    "pop",
    "clear",
    "remove",
    "sort",
    "reverse",
}


class ScopeBuilder(cst.CSTVisitor):
    """Builds the scopes of a module and collects every call with its scope and loop context."""

    def __init__(self, module: cst.Module) -> None:
        self.module_scope = Scope("module", module, None, class_table=ClassTable())
        self.scope = self.module_scope
        self.calls: List[CallSite] = []
        self._loop_depth: List[int] = [0]
        self._loops: List[List[cst.CSTNode]] = [[]]  # per function: the loops entered, outermost first
        self._awaited: set = set()
        self._receivers: Dict[int, cst.Call] = {}

    # -- scopes ------------------------------------------------------------------------------------------
    def _push(self, scope: Scope) -> None:
        self.scope.children.append(scope)
        self.scope = scope
        self._loop_depth.append(0)
        self._loops.append([])

    def _pop(self) -> None:
        assert self.scope.parent is not None
        self.scope = self.scope.parent
        self._loop_depth.pop()
        self._loops.pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        scope = Scope("class", node, self.scope)
        self.scope.bind(node.name.value, Binding("class", None, self.scope, body=scope))
        self._push(scope)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        returns = node.returns.annotation if node.returns is not None else None
        outer = self.scope
        scope = Scope("function", node, outer, is_async=node.asynchronous is not None)
        self.scope.bind(node.name.value, Binding("def", None, self.scope, annotation=returns, body=scope))
        params = node.params
        positional = list(params.posonly_params) + list(params.params)
        is_static = any(
            isinstance(d.decorator, cst.Name) and d.decorator.value == "staticmethod" for d in node.decorators
        )
        if outer.kind == "class" and positional and not is_static:
            scope.self_name = positional[0].name.value
            scope.owner_class = outer
        every = positional + list(params.kwonly_params)
        for extra in (params.star_arg, params.star_kwarg):
            if isinstance(extra, cst.Param):
                every.append(extra)
        for param in every:
            annotation = param.annotation.annotation if param.annotation is not None else None
            scope.bind(param.name.value, Binding("param", param.default, outer, annotation=annotation))
        self._push(scope)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._pop()

    def visit_Lambda(self, node: cst.Lambda) -> None:
        scope = Scope("function", node, self.scope)
        for param in node.params.params:
            scope.bind(param.name.value, Binding("param", None, self.scope))
        self._push(scope)

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self._pop()

    def _visit_comprehension(self, node: cst.CSTNode) -> None:
        self._push(Scope("comprehension", node, self.scope))
        self._loop_depth[-1] = 1
        self._loops[-1] = self._loops[-2] + [node]  # still inside the loops around the comprehension

    def visit_ListComp(self, node: cst.ListComp) -> None:
        self._visit_comprehension(node)

    def leave_ListComp(self, original_node: cst.ListComp) -> None:
        self._pop()

    def visit_SetComp(self, node: cst.SetComp) -> None:
        self._visit_comprehension(node)

    def leave_SetComp(self, original_node: cst.SetComp) -> None:
        self._pop()

    def visit_DictComp(self, node: cst.DictComp) -> None:
        self._visit_comprehension(node)

    def leave_DictComp(self, original_node: cst.DictComp) -> None:
        self._pop()

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> None:
        self._visit_comprehension(node)

    def leave_GeneratorExp(self, original_node: cst.GeneratorExp) -> None:
        self._pop()

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._bind_target(node.target, node.iter if isinstance(node.target, cst.Name) else None, "for")

    # -- loops -------------------------------------------------------------------------------------------
    def visit_For(self, node: cst.For) -> None:
        # The iterable is kept for a plain name: ``for lang in ("en", "fr")`` takes a few known values.
        self._bind_target(node.target, node.iter if isinstance(node.target, cst.Name) else None, "for")
        self._loop_depth[-1] += 1

    def leave_For(self, original_node: cst.For) -> None:
        self._loop_depth[-1] -= 1

    def visit_For_body(self, node: cst.For) -> None:
        self._loops[-1].append(node)

    def leave_For_body(self, node: cst.For) -> None:
        self._loops[-1].pop()

    def visit_While(self, node: cst.While) -> None:
        self._loop_depth[-1] += 1
        self._loops[-1].append(node)  # the condition is evaluated on every iteration

    def leave_While(self, original_node: cst.While) -> None:
        self._loop_depth[-1] -= 1
        self._loops[-1].pop()

    # -- bindings ----------------------------------------------------------------------------------------
    def _bind_target(
        self,
        target: cst.BaseExpression,
        value: Optional[cst.BaseExpression],
        kind: str,
        annotation: Optional[cst.BaseExpression] = None,
    ) -> None:
        if isinstance(target, cst.Name):
            self.scope.bind(target.value, Binding(kind, value, self.scope, annotation=annotation))
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._bind_target(element.value, None, "unknown")
        elif isinstance(target, cst.StarredElement):
            self._bind_target(target.value, None, "unknown")
        elif isinstance(target, cst.Attribute):
            self._bind_attribute(target, value, annotation)
            if isinstance(target.value, cst.Name):
                # ``config.max_output_tokens = n``: the object bound to ``config`` changes after it is built.
                mutation = Mutation("setattr", target, key=target.attr, value=value)
                self._record_mutation(target.value.value, mutation)
            else:
                self._record_nested(target.value, target)
        elif isinstance(target, cst.Subscript) and self._self_attribute(target.value) is not None:
            key = None
            if len(target.slice) == 1 and isinstance(target.slice[0].slice, cst.Index):
                key = target.slice[0].slice.value
            self._record_attribute_mutation(target.value, Mutation("setitem", target, key=key, value=value))
            self._record_nested(target.value, target)
        elif isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name):
            key = None
            if len(target.slice) == 1 and isinstance(target.slice[0].slice, cst.Index):
                key = target.slice[0].slice.value
            mutation = Mutation("setitem", target, key=key, value=value)
            self._record_mutation(target.value.value, mutation)
        elif isinstance(target, cst.Subscript):
            self._record_nested(target.value, target)

    def _record_nested(self, inner: cst.BaseExpression, node: cst.CSTNode) -> None:
        """``messages[-1]["content"] = ...``: something inside the container bound to the root name changes."""
        while isinstance(inner, (cst.Attribute, cst.Subscript)):
            inner = inner.value
        if isinstance(inner, cst.Name):
            self._record_mutation(inner.value, Mutation("nested", node))

    def _bind_attribute(
        self,
        target: cst.Attribute,
        value: Optional[cst.BaseExpression],
        annotation: Optional[cst.BaseExpression] = None,
    ) -> None:
        function = self.scope.enclosing_function()
        if (
            function is not None
            and function.owner_class is not None
            and isinstance(target.value, cst.Name)
            and target.value.value == function.self_name
        ):
            binding = Binding("assign", value, self.scope, annotation=annotation)
            function.owner_class.attribute_bindings.setdefault(target.attr.value, []).append(binding)

    def _self_attribute(self, expr: cst.BaseExpression) -> Optional[str]:
        """``attr`` when ``expr`` is ``self.attr`` inside a method of a class."""
        function = self.scope.enclosing_function()
        if (
            function is not None
            and function.owner_class is not None
            and isinstance(expr, cst.Attribute)
            and isinstance(expr.value, cst.Name)
            and expr.value.value == function.self_name
        ):
            return expr.attr.value
        return None

    def _record_attribute_mutation(self, expr: cst.BaseExpression, mutation: Mutation) -> None:
        attribute = self._self_attribute(expr)
        function = self.scope.enclosing_function()
        if attribute is not None and function is not None and function.owner_class is not None:
            mutation.scope = self.scope
            function.owner_class.attribute_mutations.setdefault(attribute, []).append(mutation)

    def _record_mutation(self, name: str, mutation: Mutation) -> None:
        owner, _ = self.scope.lookup(name)
        (owner or self.scope).mutations.setdefault(name, []).append(mutation)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._bind_target(target.target, node.value, "assign")

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            # ``client: OpenAI = field(default_factory=OpenAI)``: the annotation types what the value hides.
            self._bind_target(node.target, node.value, "assign", node.annotation.annotation)
        elif isinstance(node.target, cst.Name) and self.scope.kind == "class":
            # ``client: OpenAI`` in a class body (dataclasses, pydantic models) says what ``self.client`` is.
            binding = Binding("annotated", None, self.scope, annotation=node.annotation.annotation)
            self.scope.bind(node.target.value, binding)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.target, cst.Name):
            self.scope.bind(node.target.value, Binding("unknown", None, self.scope))
        elif isinstance(node.target, cst.Attribute):
            self._bind_attribute(node.target, None)
            if isinstance(node.target.value, cst.Name):
                mutation = Mutation("setattr", node.target, key=node.target.attr, value=None)
                self._record_mutation(node.target.value.value, mutation)
        elif isinstance(node.target, cst.Subscript):
            self._record_attribute_mutation(node.target.value, Mutation("setitem", node.target))
            self._record_nested(node.target, node.target)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind_target(node.target, node.value, "assign")

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._bind_target(node.asname.name, node.item, "with")

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None:
            self._bind_target(node.name.name, None, "unknown")

    def visit_Global(self, node: cst.Global) -> None:
        for item in node.names:
            self.scope.bind(item.name.value, Binding("unknown", None, self.scope))

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        for item in node.names:
            self.scope.bind(item.name.value, Binding("unknown", None, self.scope))

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            dotted = dotted_name(alias.name)
            if dotted is None:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                binding = Binding("import", None, self.scope, qualified=dotted, imported=dotted)
                self.scope.bind(alias.asname.name.value, binding)
            else:
                head = dotted.split(".")[0]
                existing = self.scope.bindings.get(head, [])
                if existing and all(b.kind == "import" and b.qualified == head for b in existing):
                    continue  # ``import os`` and ``import os.path`` bind the same ``os``
                self.scope.bind(head, Binding("import", None, self.scope, qualified=head, imported=head))

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        module = _relative_module(node)
        if isinstance(node.names, cst.ImportStar):
            return
        spelled = _spelled_module(node)
        for alias in node.names:
            name = dotted_name(alias.name)
            if name is None:
                continue
            local = (
                alias.asname.name.value
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name)
                else name
            )
            qualified = f"{module}.{name}" if module else None
            kind = "import" if qualified else "unknown"
            imported = (
                None
                if spelled is None
                else (spelled + name if spelled.endswith(".") else f"{spelled}.{name}")
            )
            self.scope.bind(local, Binding(kind, None, self.scope, qualified=qualified, imported=imported))

    def visit_Return(self, node: cst.Return) -> None:
        function = self.scope.enclosing_function()
        if function is not None:
            function.returns.append(node.value)

    def visit_Yield(self, node: cst.Yield) -> None:
        function = self.scope.enclosing_function()
        if function is not None:
            function.yields = True

    # -- calls -------------------------------------------------------------------------------------------
    def visit_Await(self, node: cst.Await) -> None:
        self._awaited.add(id(node.expression))

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            name = func.attr.value
            if name in _MUTATORS:
                method = name if name in ("append", "extend", "insert", "update", "setdefault") else "other"
                value = node.args[-1].value if node.args else None
                key = None
                if method == "setdefault":
                    key = node.args[0].value if node.args else None
                    value = node.args[1].value if len(node.args) > 1 else None
                self._record_mutation(func.value.value, Mutation(method, node, key=key, value=value))
            elif name in _REBINDERS:
                # ``llm.bind(max_tokens=256)``: a LangChain model gets request settings after it is built.
                self._record_mutation(func.value.value, Mutation("bind", node))
        elif (
            isinstance(func, cst.Attribute)
            and func.attr.value in _MUTATORS
            and isinstance(func.value, cst.Subscript)
        ):
            # ``messages[-1]["content"].append(block)``: a container inside the named one changes.
            self._record_nested(func.value, node)
        elif isinstance(func, cst.Attribute) and func.attr.value in _MUTATORS:
            name = func.attr.value
            method = name if name in ("append", "extend", "insert", "update", "setdefault") else "other"
            value = node.args[-1].value if node.args else None
            key = None
            if method == "setdefault":
                key = node.args[0].value if node.args else None
                value = node.args[1].value if len(node.args) > 1 else None
            self._record_attribute_mutation(func.value, Mutation(method, node, key=key, value=value))
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Call):
            self._receivers[id(func.value)] = node
        pure = (isinstance(func, cst.Name) and func.value in NON_MUTATING_CALLS) or (
            isinstance(func, cst.Attribute) and func.attr.value in NON_MUTATING_METHODS
        )
        if not pure:
            # A container handed to a helper (``apply_defaults(params)``) may come back changed.
            for arg in node.args:
                if not arg.star and arg.keyword is None and isinstance(arg.value, cst.Name):
                    self._record_mutation(arg.value.value, Mutation("escape", node))
                elif not arg.star and arg.keyword is None:
                    self._record_attribute_mutation(arg.value, Mutation("escape", node))
        site = CallSite(
            node,
            self.scope,
            in_loop=any(self._loop_depth[-1:]),
            awaited=id(node) in self._awaited,
            receiver_of=self._receivers.pop(id(node), None),
            loops=tuple(self._loops[-1]),
        )
        self.calls.append(site)


def build_scopes(module: cst.Module) -> ScopeBuilder:
    from promptlint.extract.walk import walk

    builder = ScopeBuilder(module)
    walk(module, builder)  # libcst's own module.visit() would rebuild every node on the way back
    builder.module_scope.call_sites = builder.calls
    return builder
