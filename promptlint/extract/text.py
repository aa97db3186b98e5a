"""Resolve the expression that builds a prompt into static and dynamic segments.

Static text is what the code fixes at lint time: literals, implicit concatenation, ``+``, f-strings,
``str.format`` and ``%`` on literal templates, ``textwrap.dedent``/``inspect.cleandoc``, ``.strip()``,
``sep.join([...])``, constants bound once, prompt files read with a literal path that exists in the tree, and
jinja2 templates of text and ``{{ name }}`` placeholders (see ``jinja``).
Anything else becomes a dynamic segment whose volatility says how often it changes.
"""

from __future__ import annotations

import ast
import inspect
import re
import string
import textwrap
from dataclasses import replace
from pathlib import Path
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Set, Tuple, TypeVar

import libcst as cst

from promptlint.extract.documents import bounded_in, document
from promptlint.extract.jinja import Templates, pieces
from promptlint.extract.langchain_templates import template_text
from promptlint.extract.project import Found, ProjectImports
from promptlint.extract.prompt_files import PromptFiles
from promptlint.extract.prompt_helpers import Argument, HelperCall, helper_call
from promptlint.extract.provenance import Qualified, qualify, single_binding
from promptlint.extract.scopes import Scope, module_of, only_assignment
from promptlint.extract.tree import attribute_chain
from promptlint.extract.volatility import (
    DATE_METHODS,
    PER_REQUEST_PROXIES,
    below_unknown,
    carries_expression,
    coarsen,
    date_only_format,
    is_self_attribute,
    of_callee,
    request_id_holder,
    under,
    worst,
)
from promptlint.ir import Dynamic, PromptText, Related, Static, Volatility

_MAX_DEPTH = 12
T = TypeVar("T")
_Bound = Tuple[cst.BaseExpression, Scope, "TextResolver"]  # a parameter's argument, its scope and resolver
_FEW = 16  # a table of at most this many fixed texts is "a few variants", each cached on its own
_SENTINEL = re.compile(r"\x00(\d+)\x00")
_PERCENT = re.compile(
    r"%(?:\((?P<key>[^)]*)\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?(?P<conv>[diouxXeEfFgGcrsa%])"
)


def concat(parts: Sequence[PromptText]) -> PromptText:
    """Join prompt texts, merging neighbouring static segments."""
    segments: List[object] = []
    for part in parts:
        for segment in part.segments:
            if isinstance(segment, Static) and segments and isinstance(segments[-1], Static):
                previous = segments[-1]
                segments[-1] = replace(previous, text=previous.text + segment.text)  # type: ignore[arg-type]
            elif not (isinstance(segment, Static) and segment.text == "" and segments):
                segments.append(segment)
    return PromptText(tuple(segments))


class TextResolver:
    """Resolves prompt expressions within one module."""

    def __init__(
        self,
        source_dir: Optional[Path],
        project_root: Optional[Path],
        source_path: Optional[Path] = None,
        imports: Optional[ProjectImports] = None,
    ) -> None:
        """``source_path`` and ``imports``: the module's file and the project's modules, so that names
        imported from another module of the project resolve there (see ``project``)."""
        shared = imports.files_read if imports is not None else None
        self.files = PromptFiles(source_dir, project_root, self.literal, shared)
        self.templates = Templates(self.files, self.literal)
        self.source_path = source_path
        self.imports = imports
        self._static: TextResolver = _StaticTextResolver(self.files, source_path, imports)
        # Prompt helpers being resolved (see ``prompt_helpers``): each parameter's binding -> the caller's
        # argument, the helpers on the stack (by ``id`` of their scope) and those found calling themselves.
        # Shared with ``_static``, which resolves the same helpers' literals.
        self._bound: Dict[int, _Bound] = {}
        self._active: List[int] = []
        self._recursive: Set[int] = set()
        self._static._bound, self._static._active = self._bound, self._active
        self._static._recursive = self._recursive
        # The scope each dynamic hole's expression is evaluated in (by ``id`` of its node), for the passes
        # that follow names from it after resolution; kept here so that the IR carries no scopes.
        self.hole_scopes: Dict[int, Scope] = {}
        # Where a prompt part named at a request is written when that is another definition (an imported
        # constant, a class constant, a helper that builds it), by ``id`` of the expression at the request:
        # the expression and the place (see ``LLMCall.origins``).
        self.origins: Dict[int, Tuple[cst.CSTNode, Related]] = {}

    def origin(self, expr: cst.CSTNode, place: Related) -> None:
        """Record where the text ``expr`` stands for is written (the full resolver only: ``literal``'s
        lookups of models and keys are no prompt parts)."""
        if self._static is not self:
            self.origins[id(expr)] = (expr, place)

    def _hole(
        self, source: str, volatility: Volatility, expr: cst.BaseExpression, scope: Scope, **document
    ) -> Dynamic:
        anchor = self._caller_anchor(expr, scope) if self._bound else None
        if anchor is not None:
            expr, scope = anchor
        self.hole_scopes[id(expr)] = scope
        return Dynamic(source, volatility, expr, **document)

    def _caller_anchor(self, expr: cst.BaseExpression, scope: Scope) -> Optional[Argument]:
        """A value a helper computes from one of its parameters (``{customer.tier}``) is reported at the
        argument the outermost caller passes for it: each request's own line, where the value enters."""
        names = {node.value for node in _names(expr)}
        arguments = [self._bound.get(id(single_binding(scope.lookup(name)[1]))) for name in names]
        found = {id(a[0]): a for a in arguments if a is not None}
        if len(found) != 1:
            return None
        argument = next(iter(found.values()))
        seen = {id(argument[0])}
        while isinstance(argument[0], cst.Name):
            outer = self._bound.get(id(single_binding(argument[1].lookup(argument[0].value)[1])))
            if outer is None or id(outer[0]) in seen:
                break
            seen.add(id(outer[0]))
            argument = outer
        return argument[0], argument[1]

    @property
    def source_dir(self) -> Optional[Path]:
        return self.files.source_dir

    @property
    def project_root(self) -> Optional[Path]:
        return self.files.project_root

    @property
    def files_read(self) -> List[Path]:
        """The prompt files and project modules read so far: the module's dependencies for the cache."""
        if self.imports is None:
            return self.files.files_read
        return self.files.files_read + self.imports.read

    @property
    def files_absent(self) -> List[Path]:
        """Project module files looked for and not found: a result depends on their staying absent."""
        return list(self.imports.absent) if self.imports is not None else []

    # -- volatility ---------------------------------------------------------------------------------------
    def volatility(self, expr: cst.CSTNode, scope: Scope, depth: int = 0) -> Volatility:
        """How often the value of ``expr`` changes: per call, per request, per process or unknown."""
        if depth > _MAX_DEPTH:
            return Volatility.UNKNOWN
        if isinstance(expr, (cst.SimpleString, cst.Integer, cst.Float, cst.Imaginary)):
            return Volatility.PER_PROCESS
        holder = request_id_holder(expr)
        if holder is not None:
            # ``request_id``, ``ctx.trace_id``, ``headers["X-Request-ID"]``: new on every request, unless it
            # is a value fixed for the process (a module-level name).
            if isinstance(expr, cst.Name):
                base = self._name_volatility(expr.value, scope, depth)
            else:
                base = self.volatility(holder, scope, depth + 1)
            return Volatility.PER_PROCESS if base is Volatility.PER_PROCESS else Volatility.PER_CALL
        if isinstance(expr, cst.Name):
            return self._name_volatility(expr.value, scope, depth)
        daily = self._date_only_value(expr, scope, depth)
        if daily is not None:
            return daily
        if self._few_constants(expr, scope, depth):
            return Volatility.UNKNOWN
        if isinstance(expr, (cst.Attribute, cst.Call)):
            target = expr.func if isinstance(expr, cst.Call) else expr
            origin = qualify(target, scope)
            if isinstance(origin, Qualified):
                known = of_callee(origin.name)
                if known is not None:
                    return known
        if isinstance(expr, cst.Attribute) and is_self_attribute(expr, scope):
            # ``self.company``: set once per instance, and an instance may live for the whole process (a
            # service object) or for one request (a session object). Not known: never a cache breaker.
            return Volatility.UNKNOWN
        if isinstance(expr, cst.Lambda):
            return Volatility.UNKNOWN
        children = [
            self.volatility(child, scope, depth + 1)
            for child in expr.children
            if isinstance(child, cst.BaseExpression) or carries_expression(child)
        ]
        combined = worst(children)
        if isinstance(expr, cst.Call) and below_unknown(combined):
            return Volatility.UNKNOWN  # an opaque function of constants: unknown, not constant
        return combined

    def _few_constants(self, expr: cst.CSTNode, scope: Scope, depth: int) -> bool:
        """One of a few fixed texts picked per request: ``"pro" if paid else "free"``, ``PERSONAS[tier]``,
        ``PERSONAS.get(tier, DEFAULT)``. Each variant is a prefix of its own that the cache serves after its
        first request, so the choice is not a per-request cache breaker."""
        if depth > _MAX_DEPTH:
            return False
        if isinstance(expr, cst.IfExp):
            return all(
                self.resolve(branch, scope, depth + 1).is_static
                or self._few_constants(branch, scope, depth + 1)
                for branch in (expr.body, expr.orelse)
            )
        table: Optional[cst.BaseExpression] = None
        if isinstance(expr, cst.Subscript) and len(expr.slice) == 1:
            table = expr.value
        elif (
            isinstance(expr, cst.Call)
            and isinstance(expr.func, cst.Attribute)
            and expr.func.attr.value == "get"
            and 1 <= len(expr.args) <= 2
            and not any(arg.star or arg.keyword for arg in expr.args)
        ):
            if len(expr.args) == 2:
                default = expr.args[1].value
                if not (
                    self.resolve(default, scope, depth + 1).is_static
                    or self._few_constants(default, scope, depth + 1)
                ):
                    return False
            table = expr.func.value
        return isinstance(table, cst.Name) and self._constant_table(table, scope, depth, keys=False)

    def _constant_table(self, expr: cst.BaseExpression, scope: Scope, depth: int, keys: bool) -> bool:
        """``expr`` is (or names, at module level) a literal list, tuple, set or dict of at most a few fixed
        texts: its values, or with ``keys`` what iterating over it gives."""
        if isinstance(expr, cst.Name):
            binding = scope.assigned_once(expr.value)
            if binding is None:
                return False
            owner = binding.scope
            if not binding.scope.is_module_level:
                return False
            if any(mutation.method != "escape" for mutation in owner.mutations.get(expr.value, [])):
                return False  # entries added or replaced elsewhere
            return self._constant_table(binding.value, binding.scope, depth + 1, keys)
        if isinstance(expr, cst.Dict):
            elements = [e for e in expr.elements if isinstance(e, cst.DictElement)]
            items = [e.key if keys else e.value for e in elements]
            complete = len(elements) == len(expr.elements)
        elif isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
            items = [e.value for e in expr.elements if isinstance(e, cst.Element)]
            complete = len(items) == len(expr.elements)
        else:
            return False
        return (
            complete
            and 0 < len(items) <= _FEW
            and all(self.resolve(item, scope, depth + 1).is_static for item in items)
        )

    def _date_only_value(self, expr: cst.CSTNode, scope: Scope, depth: int) -> Optional[Volatility]:
        """The calendar date of a clock reading (``now.strftime("%Y-%m-%d")``, ``now.date()``, ``now.year``):
        it changes once a day, more slowly than any prompt cache lives, so it breaks no cache between
        requests (reported as per-process). None when ``expr`` is not such a value."""
        if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute):
            method = expr.func.attr.value
            if method == "strftime" and len(expr.args) == 1 and not expr.args[0].star:
                pattern = self.literal(expr.args[0].value, scope)
                if pattern is not None and date_only_format(pattern):
                    return coarsen(self.volatility(expr.func.value, scope, depth + 1))
            if method in DATE_METHODS and not expr.args:
                return coarsen(self.volatility(expr.func.value, scope, depth + 1))
            origin = qualify(expr.func, scope)
            if isinstance(origin, Qualified) and origin.name == "time.strftime" and len(expr.args) == 1:
                pattern = self.literal(expr.args[0].value, scope)
                if pattern is not None and date_only_format(pattern):
                    return Volatility.PER_PROCESS
        if isinstance(expr, cst.Attribute) and expr.attr.value in ("year", "month", "day"):
            return coarsen(self.volatility(expr.value, scope, depth + 1))
        return None

    def _name_volatility(self, name: str, scope: Scope, depth: int) -> Volatility:
        if name in ("True", "False", "None"):
            return Volatility.PER_PROCESS
        owner, bindings = scope.lookup(name)
        binding = single_binding(bindings)
        if binding is None:
            return Volatility.UNKNOWN
        if binding.kind == "for" and binding.value is not None:
            if self._constant_table(binding.value, binding.scope, depth + 1, keys=True):
                return Volatility.UNKNOWN  # ``for lang in ("en", "fr")``: a few variants, each cached
            return Volatility.PER_REQUEST
        argument = self._bound.get(id(binding)) if binding.kind == "param" else None
        if argument is not None:
            return argument[2].volatility(argument[0], argument[1], depth + 1)  # the caller's argument
        if binding.kind in ("param", "for"):
            return Volatility.PER_REQUEST
        if binding.kind == "import" and binding.qualified and under(binding.qualified, PER_REQUEST_PROXIES):
            return Volatility.PER_REQUEST
        if binding.kind in ("import", "def", "class"):
            return Volatility.PER_PROCESS
        if binding.kind == "assign" and binding.value is not None:
            if binding.scope.is_module_level:
                return Volatility.PER_PROCESS
            return self.volatility(binding.value, binding.scope, depth + 1)
        return Volatility.UNKNOWN

    # -- text ---------------------------------------------------------------------------------------------
    def literal(self, expr: cst.BaseExpression, scope: Scope) -> Optional[str]:
        """The string ``expr`` evaluates to, when it is fully static (its holes' facts are never computed)."""
        text = self._static.resolve(expr, scope)
        return text.static_text if text.is_static else None

    def resolve(self, expr: cst.BaseExpression, scope: Scope, depth: int = 0) -> PromptText:
        if depth > _MAX_DEPTH:
            return self._dynamic(expr, scope, depth)
        if isinstance(expr, cst.SimpleString):
            value = expr.evaluated_value
            if isinstance(value, str):
                return PromptText((Static(value, expr),))
            return self._dynamic(expr, scope, depth)
        if isinstance(expr, cst.ConcatenatedString):
            return concat(
                [self.resolve(expr.left, scope, depth + 1), self.resolve(expr.right, scope, depth + 1)]
            )
        if isinstance(expr, cst.FormattedString):
            return self._fstring(expr, scope, depth)
        if isinstance(expr, cst.BinaryOperation):
            if isinstance(expr.operator, cst.Add):
                left = self.resolve(expr.left, scope, depth + 1)
                right = self.resolve(expr.right, scope, depth + 1)
                return concat([left, right])
            if isinstance(expr.operator, cst.Modulo):
                template = self.literal(expr.left, scope)
                if template is not None:
                    return self._percent(template, expr, scope, depth)
            return self._dynamic(expr, scope, depth)
        if isinstance(expr, cst.Name):
            return self._name(expr, scope, depth)
        if isinstance(expr, cst.Attribute):
            constant = self._class_constant(expr, scope)
            if constant is not None:
                value, value_scope = constant
                self.origin(expr, Related(f"prompt `{_code(expr)}` defined in", value))
                return self._module_level(self.resolve(value, value_scope, depth + 1))
            imported = self._imported(expr, scope, depth)
            return imported if imported is not None else self._dynamic(expr, scope, depth)
        if isinstance(expr, cst.Call):
            resolved = self._call(expr, scope, depth)
            if resolved is not None:
                return resolved
        return self._dynamic(expr, scope, depth)

    def _dynamic(self, expr: cst.BaseExpression, scope: Scope, depth: int) -> PromptText:
        source = cst.Module([]).code_for_node(expr)
        kind, reader = document(expr, scope)
        volatility = self.volatility(expr, scope, depth)
        return PromptText((self._hole(source, volatility, expr, scope, document=kind, document_node=reader),))

    def _module_level(self, text: PromptText) -> PromptText:
        """Code at module or class level runs once: whatever it computes is fixed for the process."""
        segments = tuple(
            replace(s, volatility=Volatility.PER_PROCESS) if isinstance(s, Dynamic) else s
            for s in text.segments
        )
        return PromptText(segments)

    def _name(self, expr: cst.Name, scope: Scope, depth: int) -> PromptText:
        owner, bindings = scope.lookup(expr.value)
        binding = single_binding(bindings)
        argument = self._bound.get(id(binding)) if binding is not None else None
        if argument is not None:
            return argument[2].resolve(argument[0], argument[1], depth + 1)  # a helper's parameter
        if binding is not None and binding.kind in ("assign", "with") and binding.value is not None:
            value = binding.value
            if binding.kind == "with":
                read = self.files.read(value, binding.scope)
                return read if read is not None else self._dynamic(expr, scope, depth)
            resolved = _unless_bounded(
                self.resolve(value, binding.scope, depth + 1), expr.value, binding.scope
            )
            if not binding.scope.is_module_level:
                return resolved
            self.origin(expr, Related(f"prompt `{expr.value}` defined in", value, shown=False))
            return self._module_level(resolved)
        imported = self._imported(expr, scope, depth)
        return imported if imported is not None else self._dynamic(expr, scope, depth)

    def _imported(self, expr: cst.BaseExpression, scope: Scope, depth: int) -> Optional[PromptText]:
        """A constant of another module of the project, named through an import (``POLICY``,
        ``prompts.POLICY``, ``Prompts.SYSTEM``): resolved in its module, reported here. The text keeps no
        node of the other module: findings and fixes are placed at ``expr``, where the request uses it."""
        found = self.imported_constant(expr, scope)
        if found is None:
            return None
        resolver = self._for_module(found.module.path)
        text = resolver.resolve(found.value, found.scope, depth + 1)
        message = f"prompt `{_code(expr)}` defined in"
        self.origin(expr, Related(message, found.value, found.module.module, str(found.module.path)))
        return self._anchored(text, expr, scope)

    def imported_value(
        self, expr: cst.BaseExpression, scope: Scope
    ) -> Optional[Tuple[cst.BaseExpression, Scope, TextResolver]]:
        """What a name imported from another module of the project (``POLICY``, ``prompts.POLICY``) is bound
        to there: the expression, its scope and that module's resolver; None when it is not one."""
        found = self.imported_constant(expr, scope)
        if found is None:
            return None
        return found.value, found.scope, self._for_module(found.module.path)

    def imported_constant(self, expr: cst.BaseExpression, scope: Scope) -> Optional[Found]:
        """The constant of another module of the project ``expr`` names, with its module (see
        ``imported_value``)."""
        if self.imports is None or self.source_path is None:
            return None
        chain = attribute_chain(expr)
        if chain is None:
            return None
        name, attributes = chain
        owner, bindings = scope.lookup(name)
        binding = single_binding(bindings)
        if binding is None or binding.imported is None or owner is None:
            return None
        if any(m.method != "escape" for m in owner.mutations.get(name, [])):
            return None  # ``prompts.POLICY = ...``, ``POLICY.append(...)``: changed after the import
        return self.imports.lookup(self.source_path, binding, attributes)

    def anchored(self, text: PromptText, expr: cst.BaseExpression, scope: Scope) -> PromptText:
        """Text resolved in another module, placed at ``expr`` here (see ``_anchored``)."""
        return self._anchored(text, expr, scope)

    def for_scope(self, scope: Scope) -> TextResolver:
        """The resolver of the module ``scope`` is in: this one, or that of another module of the project
        read while following a client (one built in a base class's ``__init__`` there), so that its names,
        imports and prompt files are read from its own file."""
        if self.imports is None:
            return self
        home = self.imports.home(module_of(scope))
        if home is None or home == self.source_path:
            return self
        return self._for_module(home)

    def _for_module(self, path: Path) -> TextResolver:
        """The resolver of another module of the project: its prompt files are read from its directory,
        its own imports followed from its file."""
        assert self.imports is not None
        imports = self.imports
        return imports.resolver(path, lambda: TextResolver(path.parent, self.project_root, path, imports))

    def _anchored(self, text: PromptText, expr: cst.BaseExpression, scope: Scope) -> PromptText:
        """Text resolved in another module, every segment placed at ``expr``: fixed for the process (module
        level there), with no literal to rewrite and no document read there."""
        segments: List[object] = []
        for segment in text.segments:
            if isinstance(segment, Static):
                segments.append(Static(segment.text, expr))
            else:
                assert isinstance(segment, Dynamic)
                self.hole_scopes[id(expr)] = scope
                segments.append(Dynamic(segment.source, Volatility.PER_PROCESS, expr))
        return concat([PromptText(tuple(segments))])

    def _class_constant(self, expr: cst.Attribute, scope: Scope):
        """``self.X``, ``cls.X`` or ``ClassName.X`` where the class body binds X once and nothing reassigns it."""
        if not isinstance(expr.value, cst.Name):
            return None
        function = scope.enclosing_function()
        owner = None
        if (
            function is not None
            and function.owner_class is not None
            and expr.value.value == function.self_name
        ):
            owner = function.owner_class
        else:
            found, bindings = scope.lookup(expr.value.value)
            binding = single_binding(bindings)
            if binding is not None and binding.kind == "class" and found is not None:
                owner = next(
                    (
                        child
                        for child in _class_scopes(found)
                        if isinstance(child.node, cst.ClassDef) and child.node.name.value == expr.value.value
                    ),
                    None,
                )
        if owner is None:
            return None
        attribute = expr.attr.value
        if owner.attribute_bindings.get(attribute):
            return None
        if owner is (function.owner_class if function is not None else None):
            from promptlint.extract.class_values import descendants

            # ``self.X`` in a method runs on subclasses too: one that binds X makes it more than one value.
            if any(attribute in d.bindings or attribute in d.attribute_bindings for d in descendants(owner)):
                return None
        binding = only_assignment(owner.bindings.get(attribute, []))
        if binding is None:
            return None
        return binding.value, binding.scope

    def _fstring(self, expr: cst.FormattedString, scope: Scope, depth: int) -> PromptText:
        prefix = expr.start.replace("f", "").replace("F", "")
        parts: List[PromptText] = []
        for part in expr.parts:
            if isinstance(part, cst.FormattedStringText):
                text = _unescape(prefix, part.value, expr.end)
                parts.append(PromptText((Static(text, part, literal=expr),)))
                continue
            assert isinstance(part, cst.FormattedStringExpression)
            inner = self.resolve(part.expression, scope, depth + 1)
            plain = part.format_spec is None and part.conversion in (None, "s")
            if plain and (inner.is_static or self._is_bound(part.expression, scope)):
                parts.append(inner)
            else:
                volatility = self.volatility(part.expression, scope, depth + 1)
                spec = part.format_spec
                if spec and all(isinstance(piece, cst.FormattedStringText) for piece in spec):
                    if date_only_format("".join(piece.value for piece in spec)):  # {now:%Y-%m-%d}
                        volatility = coarsen(volatility)
                source = cst.Module([]).code_for_node(part.expression)
                hole = self._hole(source, volatility, part.expression, scope, **_document_of(inner))
                parts.append(PromptText((hole,)))
        return concat(parts)

    def _percent(self, template: str, expr: cst.BinaryOperation, scope: Scope, depth: int) -> PromptText:
        right = expr.right
        positional: List[cst.BaseExpression] = []
        named = {}
        if isinstance(right, cst.Tuple):
            if any(isinstance(e, cst.StarredElement) for e in right.elements):
                return self._dynamic(expr, scope, depth)
            positional = [e.value for e in right.elements]
        elif isinstance(right, cst.Dict):
            for element in right.elements:
                if not isinstance(element, cst.DictElement):
                    return self._dynamic(expr, scope, depth)
                key = self.literal(element.key, scope)
                if key is None:
                    return self._dynamic(expr, scope, depth)
                named[key] = element.value
        else:
            positional = [right]
        parts: List[PromptText] = []
        position = 0
        cursor = 0
        for match in _PERCENT.finditer(template):
            parts.append(PromptText((Static(template[cursor : match.start()]),)))
            cursor = match.end()
            if match.group("conv") == "%":
                parts.append(PromptText((Static("%"),)))
                continue
            key = match.group("key")
            if key is not None:
                argument = named.get(key)
            else:
                argument = positional[position] if position < len(positional) else None
                position += 1
            if argument is None:
                return self._dynamic(expr, scope, depth)
            parts.append(self._argument(argument, match.group("conv") in ("s", "r", "a"), scope, depth))
        parts.append(PromptText((Static(template[cursor:]),)))
        return concat(parts)

    def _argument(self, argument: cst.BaseExpression, as_text: bool, scope: Scope, depth: int) -> PromptText:
        resolved = self.resolve(argument, scope, depth + 1)
        if as_text and (resolved.is_static or self._is_bound(argument, scope)):
            return resolved
        source = cst.Module([]).code_for_node(argument)
        volatility = self.volatility(argument, scope, depth + 1)
        return PromptText((self._hole(source, volatility, argument, scope, **_document_of(resolved)),))

    def _format(self, template: str, call: cst.Call, scope: Scope, depth: int) -> Optional[PromptText]:
        positional = [a.value for a in call.args if a.keyword is None and not a.star]
        named = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
        has_splat = any(a.star for a in call.args)
        return self.format_fields(template, positional, named, has_splat, call, scope, depth)

    def format_fields(
        self,
        template: str,
        positional: Sequence[cst.BaseExpression],
        named: Mapping[str, cst.BaseExpression],
        has_splat: bool,
        call: cst.CSTNode,
        scope: Scope,
        depth: int = 0,
    ) -> Optional[PromptText]:
        """``template`` (``str.format`` syntax) with its fields bound to the values given; a field with no
        value is unknown (at ``call``) when ``has_splat`` may pass it, else the whole text is unknown (None)."""
        try:
            fields = list(string.Formatter().parse(template))
        except ValueError:
            return None
        parts: List[PromptText] = []
        auto = 0
        for literal_text, field_name, spec, conversion in fields:
            parts.append(PromptText((Static(literal_text),)))
            if field_name is None:
                continue
            base = re.split(r"[.\[]", field_name, maxsplit=1)[0]
            argument: Optional[cst.BaseExpression]
            if base == "":
                argument = positional[auto] if auto < len(positional) else None
                auto += 1
            elif base.isdigit():
                index = int(base)
                argument = positional[index] if index < len(positional) else None
            else:
                argument = named.get(base)
            if argument is None:
                if has_splat:
                    parts.append(PromptText((Dynamic("{" + field_name + "}", Volatility.UNKNOWN, call),)))
                    continue
                return None
            plain = base == field_name and not spec and conversion in (None, "s")
            parts.append(self._argument(argument, plain, scope, depth))
        return concat(parts)

    def _render(self, call: cst.Call, scope: Scope, depth: int) -> Optional[PromptText]:
        """A jinja2 template of known text rendered with the call's values: each ``{{ name }}`` is the
        value passed for ``name``; None (unknown) for a template with statements or a value not passed."""
        template = self.templates.rendered(call, scope)
        found = pieces(template) if template is not None else None
        if found is None:
            return None
        named: Dict[str, cst.BaseExpression] = {}
        has_splat = False
        for index, argument in enumerate(call.args):
            if argument.star == "**":
                has_splat = True
            elif argument.keyword is not None:
                named[argument.keyword.value] = argument.value
            elif index == 0 and not argument.star and isinstance(argument.value, cst.Dict):
                for element in argument.value.elements:
                    key = self.literal(element.key, scope) if isinstance(element, cst.DictElement) else None
                    if key is None:
                        return None
                    named[key] = element.value
            else:
                return None
        parts: List[PromptText] = []
        for literal_text, source, name, plain in found:
            parts.append(PromptText((Static(literal_text),)))
            if source is None:
                continue
            argument = named.get(name)
            if argument is None:
                if not has_splat:
                    return None
                parts.append(PromptText((Dynamic(source, Volatility.UNKNOWN, call),)))
                continue
            parts.append(self._argument(argument, plain, scope, depth))
        return concat(parts)

    def _call(self, call: cst.Call, scope: Scope, depth: int) -> Optional[PromptText]:
        func = call.func
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            if method == "format":
                template = self.literal(func.value, scope)
                if template is None and all(a.keyword is not None or a.star == "**" for a in call.args):
                    template = template_text(func.value, scope, self.literal)
                if template is not None:
                    return self._format(template, call, scope, depth)
            if method in ("strip", "lstrip", "rstrip") and not call.args:
                inner = self.resolve(func.value, scope, depth + 1)
                return _strip(inner, method)
            if method == "join" and len(call.args) == 1:
                separator = self.literal(func.value, scope)
                items = call.args[0].value
                if separator is not None and isinstance(items, (cst.List, cst.Tuple)):
                    if all(isinstance(e, cst.Element) for e in items.elements):
                        pieces: List[PromptText] = []
                        for index, element in enumerate(items.elements):
                            if index:
                                pieces.append(PromptText((Static(separator),)))
                            pieces.append(self.resolve(element.value, scope, depth + 1))
                        return concat(pieces)
            if method == "render":
                rendered = self._render(call, scope, depth)
                if rendered is not None:
                    return rendered
            read = self.files.read(call, scope)
            if read is not None:
                return read
        origin = qualify(func, scope)
        if isinstance(origin, Qualified) and origin.name in ("textwrap.dedent", "inspect.cleandoc"):
            if len(call.args) == 1 and not call.args[0].star:
                inner = self.resolve(call.args[0].value, scope, depth + 1)
                transform = textwrap.dedent if origin.name == "textwrap.dedent" else inspect.cleandoc
                return _transform(inner, transform)
        return self._helper(call, scope, depth)

    def _helper(self, call: cst.Call, scope: Scope, depth: int) -> Optional[PromptText]:
        """A call of a prompt helper: its returned text with the caller's arguments bound, the dynamic
        parts placed where the caller writes them. None (unknown) when the helper is not known, calls
        itself, or its returns differ. A helper of another module of the project is reported here: its
        text keeps no node of the other file (as an imported constant, see ``_anchored``)."""
        functions: List[Scope] = []

        def evaluate(found: HelperCall, resolver: TextResolver) -> List[PromptText]:
            functions.append(found.function)
            return [resolver.resolve(v, found.function, depth + 1) for v in found.returns]

        texts = self.with_helper(call, scope, evaluate)
        if texts is None or any(text.segments != texts[0].segments for text in texts[1:]):
            return None
        text = texts[0]
        imported = self._helper_module(call, scope)
        definition = functions[0].node if functions else None
        if isinstance(definition, cst.FunctionDef):
            message = f"prompt built in `{definition.name.value}()`"
            if imported is None:
                self.origin(call, Related(message, definition.name))
            else:
                self.origin(call, Related(message, definition.name, imported[2], str(imported[1])))
        if imported is None:
            return text
        home = module_of(scope)
        segments: List[object] = []
        for segment in text.segments:
            if isinstance(segment, Static):
                segments.append(Static(segment.text, call))
                continue
            assert isinstance(segment, Dynamic)
            where = self.hole_scopes.get(id(segment.node))
            if where is None or module_of(where) is not home:
                self.hole_scopes[id(call)] = scope
                segment = replace(segment, node=call, document="", document_node=None)
            segments.append(segment)
        return concat([PromptText(tuple(segments))])

    def _helper_module(self, call: cst.Call, scope: Scope) -> Optional[Tuple[Scope, Path, cst.Module]]:
        """The function of another module of the project ``call`` calls by an imported name, its file and
        its tree."""
        if self.imports is None or self.source_path is None or not isinstance(call.func, cst.Name):
            return None
        owner, bindings = scope.lookup(call.func.value)
        binding = single_binding(bindings)
        if binding is None or binding.imported is None or owner is None:
            return None
        if owner.mutations.get(call.func.value):
            return None
        found = self.imports.function(self.source_path, binding)
        if found is None or found.function is None:
            return None
        return found.function, found.module.path, found.module.module

    def with_helper(
        self,
        call: cst.Call,
        scope: Scope,
        evaluate: Callable[[HelperCall, TextResolver], T],
        local: bool = False,
    ) -> Optional[T]:
        """``evaluate`` run on the helper ``call`` calls, with its parameters bound to the caller's
        arguments, and the resolver of the helper's module; None when the helper is not known or is
        reached again while it is evaluated. ``local``: only a helper of this module."""
        found = helper_call(call, scope)
        resolver: TextResolver = self
        if found is None and not local:
            imported = self._helper_module(call, scope)
            if imported is not None:
                found = helper_call(call, scope, imported[0])
                resolver = self._for_module(imported[1])
        if found is None:
            return None
        home = module_of(scope)
        bound = {
            binding: (expr, where, self if module_of(where) is home else resolver)
            for binding, (expr, where) in found.bound.items()
        }
        return self.with_bindings(bound, resolver, id(found.function), lambda: evaluate(found, resolver))

    def with_bindings(
        self, bound: Dict[int, _Bound], resolver: TextResolver, key: int, evaluate: Callable[[], T]
    ) -> Optional[T]:
        """``evaluate`` run with the parameters ``bound`` (``id`` of each parameter's binding -> the value,
        its scope and the resolver of its module) while ``resolver``, that of the function's module, shares
        this resolver's state; None when the function ``key`` is reached again while it is evaluated (a
        helper or wrapper calling itself). Used for prompt helpers and for the project's own wrappers."""
        if key in self._active:
            self._recursive.add(key)
            return None
        saved = {binding: self._bound.get(binding) for binding in bound}
        self._bound.update(bound)
        self._active.append(key)
        shared = resolver._share(self) if resolver is not self else None
        try:
            result = evaluate()
        finally:
            if shared is not None:
                resolver._restore(shared)
            self._active.pop()
            for binding, previous in saved.items():
                if previous is None:
                    del self._bound[binding]
                else:
                    self._bound[binding] = previous
        if key in self._recursive:
            self._recursive.discard(key)
            return None
        return result

    def _share(self, caller: TextResolver) -> tuple:
        """Use the caller's helper state and hole scopes while a helper of this module is evaluated for it;
        returns what to restore."""
        saved = (self._bound, self._active, self._recursive, self.hole_scopes)
        for target in (self, self._static):
            target._bound, target._active = caller._bound, caller._active
            target._recursive = caller._recursive
        self.hole_scopes = caller.hole_scopes
        return saved

    def _restore(self, saved: tuple) -> None:
        bound, active, recursive, hole_scopes = saved
        for target in (self, self._static):
            target._bound, target._active, target._recursive = bound, active, recursive
        self.hole_scopes = hole_scopes

    def bound_argument(self, name: str, scope: Scope) -> Optional[Argument]:
        """The caller's argument a helper's parameter ``name`` (seen from ``scope``) is bound to."""
        argument = self.bound_value(name, scope)
        return (argument[0], argument[1]) if argument is not None else None

    def bound_value(self, name: str, scope: Scope) -> Optional[_Bound]:
        """The caller's argument a parameter ``name`` is bound to, with the resolver of the caller's module
        (another module's names and imports resolve there)."""
        if not self._bound:
            return None
        binding = single_binding(scope.lookup(name)[1])
        return self._bound.get(id(binding)) if binding is not None else None

    def _is_bound(self, expr: cst.BaseExpression, scope: Scope) -> bool:
        """``expr`` names a parameter of a helper being resolved: its value is the caller's argument,
        which carries its own place and volatility."""
        if not isinstance(expr, cst.Name) or not self._bound:
            return False
        binding = single_binding(scope.lookup(expr.value)[1])
        return binding is not None and id(binding) in self._bound


class _StaticTextResolver(TextResolver):
    """The resolver behind ``literal``: it only needs to know whether a value is fully static and its
    text, so a dynamic hole is left bare (no source, volatility or document kind, which cost more than the
    resolution itself). Whether a hole exists never depends on those facts."""

    def __init__(
        self, files: PromptFiles, source_path: Optional[Path], imports: Optional[ProjectImports]
    ) -> None:
        self.files = files
        self.source_path = source_path
        self.imports = imports
        self._static = self
        self.hole_scopes = {}
        self._bound = {}
        self._active = []
        self._recursive = set()

    def volatility(self, expr: cst.CSTNode, scope: Scope, depth: int = 0) -> Volatility:
        return Volatility.UNKNOWN

    def _for_module(self, path: Path) -> TextResolver:
        return TextResolver._for_module(self, path)._static

    def _dynamic(self, expr: cst.BaseExpression, scope: Scope, depth: int) -> PromptText:
        return PromptText((Dynamic("", Volatility.UNKNOWN, expr),))


def _code(expr: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(expr)


def _names(expr: cst.CSTNode) -> List[cst.Name]:
    """The names read in ``expr`` (attribute names excluded)."""
    if isinstance(expr, cst.Name):
        return [expr]
    if isinstance(expr, cst.Attribute):
        return _names(expr.value)
    found: List[cst.Name] = []
    for child in expr.children:
        found.extend(_names(child))
    return found


def _document_of(text: PromptText) -> dict:
    """The whole document a value carries (see ``documents``), for the dynamic hole that value fills."""
    for segment in text.segments:
        if isinstance(segment, Dynamic) and segment.document:
            return {"document": segment.document, "document_node": segment.document_node}
    return {}


def _unless_bounded(text: PromptText, name: str, scope: Scope) -> PromptText:
    """A document bound to ``name`` is not unbounded when its function compares its size or hands it to a
    truncating helper (``if len(text) > MAX``, ``truncate(text)``)."""
    if not any(isinstance(segment, Dynamic) and segment.document for segment in text.segments):
        return text
    home = scope
    while home.kind == "comprehension" and home.parent is not None:
        home = home.parent
    if not bounded_in(name, home.node):
        return text
    return PromptText(
        tuple(
            replace(s, document="", document_node=None) if isinstance(s, Dynamic) else s
            for s in text.segments
        ),
        text.node,
    )


def _class_scopes(scope: Scope) -> List[Scope]:
    return [child for child in scope.children if child.kind == "class"]


def _unescape(prefix: str, value: str, quote: str) -> str:
    unbraced = value.replace("{{", "{").replace("}}", "}")
    try:
        evaluated = ast.literal_eval(prefix + unbraced + quote)
    except (SyntaxError, ValueError):
        return unbraced
    return evaluated if isinstance(evaluated, str) else unbraced


def _transform(text: PromptText, function: Callable[[str], str]) -> PromptText:
    """Apply a text function to a prompt with dynamic holes, keeping the holes in place."""
    holes: List[Dynamic] = []
    pieces: List[str] = []
    for segment in text.segments:
        if isinstance(segment, Static):
            pieces.append(segment.text)
        else:
            pieces.append(f"\x00{len(holes)}\x00")
            holes.append(segment)
    joined = "".join(pieces)
    transformed = function(joined)
    segments: List[object] = []
    cursor = 0
    for match in _SENTINEL.finditer(transformed):
        if match.start() > cursor:
            segments.append(Static(transformed[cursor : match.start()]))
        segments.append(holes[int(match.group(1))])
        cursor = match.end()
    if cursor < len(transformed):
        segments.append(Static(transformed[cursor:]))
    return PromptText(tuple(segments))


def _strip(text: PromptText, method: str) -> PromptText:
    segments = list(text.segments)
    if method in ("strip", "lstrip") and segments and isinstance(segments[0], Static):
        segments[0] = replace(segments[0], text=segments[0].text.lstrip())
    if method in ("strip", "rstrip") and segments and isinstance(segments[-1], Static):
        segments[-1] = replace(segments[-1], text=segments[-1].text.rstrip())
    return PromptText(tuple(segments))
