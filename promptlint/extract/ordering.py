"""Where prompt text depends on an order that differs from process to process: a set of strings iterated or
rendered (Python salts ``str`` hashes per process), or ``json.dumps`` of data whose key order the code does
not fix. The facts go on the IR as ``OrderRisk``s: on the dynamic segments of the prompt that do not vary
between requests, and on the tool definitions and response schemas written as keywords of the call."""

from __future__ import annotations

from dataclasses import replace
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import libcst as cst

from promptlint.extract.provenance import Qualified, qualify, single_binding
from promptlint.extract.scopes import Scope, only_assignment
from promptlint.ir import Dynamic, LLMCall, OrderRisk, PromptPart, PromptText, SchemaArgument

_MAX_DEPTH = 8
# Keywords that carry tool definitions or a response schema: cache order puts them before the messages.
_TOOL_KEYWORDS = ("tools", "functions")
_SCHEMA_KEYWORDS = (
    "response_format",
    "text",
    "output_format",
    "output_config",
    "config",
    "generation_config",
)
_SET_TYPES = frozenset({"set", "frozenset", "Set", "FrozenSet", "AbstractSet", "MutableSet"})
_SET_METHODS = frozenset({"union", "intersection", "difference", "symmetric_difference", "copy"})
_SET_OPERATORS = (cst.BitOr, cst.BitAnd, cst.Subtract, cst.BitXor)
# Element types whose hash, and so a set's iteration order, is the same in every process.
_STABLE_HASH_TYPES = frozenset({"int", "bool", "float"})


def with_order_risks(call: LLMCall, scope: Scope, hole_scopes: Mapping[int, Scope]) -> LLMCall:
    """The call with its schema keywords listed and the order risks of both them and its prompt filled in.
    Prompt objects are rebuilt only where a risk is found, so that identities rules compare stay intact."""
    schemas = _schemas(call, scope)
    rebuilt: Dict[int, Dynamic] = {}
    for part in call.prompt:
        for segment in part.text.segments:
            if isinstance(segment, Dynamic) and id(segment) not in rebuilt:
                risks = _segment_risks(segment, hole_scopes)
                if risks:
                    rebuilt[id(segment)] = replace(segment, order_risks=risks)
    if not schemas and not rebuilt:
        return call
    prompt = tuple(_rebuilt_part(part, rebuilt) for part in call.prompt) if rebuilt else call.prompt
    return replace(call, prompt=prompt, schemas=schemas)


def _schemas(call: LLMCall, scope: Scope) -> Tuple[SchemaArgument, ...]:
    if not isinstance(call.node, cst.Call):
        return ()
    found: List[SchemaArgument] = []
    for arg in call.node.args:
        if arg.keyword is None or arg.star:
            continue
        keyword = arg.keyword.value
        if keyword in _TOOL_KEYWORDS or keyword in _SCHEMA_KEYWORDS:
            kind = "tools" if keyword in _TOOL_KEYWORDS else "response schema"
            risks = _Walker().walk(arg.value, scope, True)
            found.append(SchemaArgument(kind, arg.value, tuple(risks)))
    return tuple(found)


def _segment_risks(segment: Dynamic, hole_scopes: Mapping[int, Scope]) -> Tuple[OrderRisk, ...]:
    scope = hole_scopes.get(id(segment.node)) if segment.node is not None else None
    if segment.volatility.varies_between_requests or scope is None:
        return ()
    risks: List[OrderRisk] = []
    _Walker().interpolated(segment.node, scope, 0, risks)
    return tuple(risks)


def _rebuilt_part(part: PromptPart, rebuilt: Dict[int, Dynamic]) -> PromptPart:
    text = _rebuilt_text(part.text, rebuilt)
    breakpoints = tuple(
        replace(mark, prefix=_rebuilt_text(mark.prefix, rebuilt)) for mark in part.breakpoints
    )
    if text is part.text and all(new.prefix is old.prefix for new, old in zip(breakpoints, part.breakpoints)):
        return part
    return replace(part, text=text, breakpoints=breakpoints)


def _rebuilt_text(text: PromptText, rebuilt: Dict[int, Dynamic]) -> PromptText:
    if not any(id(segment) in rebuilt for segment in text.segments):
        return text
    return replace(text, segments=tuple(rebuilt.get(id(segment), segment) for segment in text.segments))


class _Walker:
    """Finds where a value's text depends on a set's iteration order, following names bound once."""

    def walk(self, expr: cst.BaseExpression, scope: Scope, in_data: bool, depth: int = 0) -> List[OrderRisk]:
        found: List[OrderRisk] = []
        self._walk(expr, scope, in_data, depth, found)
        return found

    def _walk(self, expr, scope, in_data: bool, depth: int, found: List[OrderRisk]) -> None:
        if depth > _MAX_DEPTH or expr is None:
            return
        if isinstance(expr, cst.Name):
            self._name(expr, scope, in_data, depth, found)
            return
        if isinstance(expr, cst.FormattedString):
            for part in expr.parts:
                if isinstance(part, cst.FormattedStringExpression):
                    self.interpolated(part.expression, scope, depth, found)
            return
        if isinstance(expr, cst.ConcatenatedString):
            self._walk(expr.left, scope, in_data, depth + 1, found)
            self._walk(expr.right, scope, in_data, depth + 1, found)
            return
        if isinstance(expr, cst.BinaryOperation):
            if isinstance(expr.operator, cst.Add):
                self._walk(expr.left, scope, in_data, depth + 1, found)
                self._walk(expr.right, scope, in_data, depth + 1, found)
            elif isinstance(expr.operator, cst.Modulo):
                self._walk(expr.right, scope, False, depth + 1, found)
            return
        if isinstance(expr, (cst.List, cst.Tuple)):
            for element in expr.elements:
                self._walk(element.value, scope, in_data, depth + 1, found)
            return
        if isinstance(expr, cst.Dict):
            for element in expr.elements:
                self._walk(element.value, scope, in_data, depth + 1, found)
            return
        if isinstance(expr, (cst.ListComp, cst.GeneratorExp, cst.DictComp)):
            self._comprehension(expr, scope, found)
            return
        if isinstance(expr, cst.Call):
            self._call(expr, scope, in_data, depth, found)

    def interpolated(self, expr, scope, depth: int, found: List[OrderRisk]) -> None:
        """``f"{x}"``: a set rendered as is, or a value built from one."""
        info = set_info(expr, scope)
        if info is not None:
            found.append(OrderRisk("set-repr", expr, _source(expr)))
            return
        self._walk(expr, scope, False, depth + 1, found)

    def _name(self, expr: cst.Name, scope, in_data: bool, depth: int, found: List[OrderRisk]) -> None:
        owner, bindings = scope.lookup(expr.value)
        binding = only_assignment(bindings)
        if binding is None or owner is None:
            return
        value = binding.value
        mutations = owner.mutations.get(expr.value, [])
        if isinstance(value, cst.List) and not value.elements and mutations:
            # ``lines = []`` then ``lines.append(...)`` inside ``for x in a_set:``
            self._appended_in_set_loop(mutations, owner, found)
            return
        if any(m.method not in ("escape", "other") for m in mutations):
            return
        self._walk(value, binding.scope, in_data, depth + 1, found)

    def _appended_in_set_loop(self, mutations, scope, found: List[OrderRisk]) -> None:
        """A list filled with ``append``/``extend`` in the body of ``for x in a_set:`` (in the scope's code)."""
        if any(m.method not in ("append", "extend", "escape", "other") for m in mutations):
            return
        targets = [m.node for m in mutations if m.method in ("append", "extend")]
        for loop in _loops_around(scope.node, targets):
            info = set_info(loop.iter, scope)
            if info is not None:
                found.append(_iterated(loop.iter, info))
                return

    def _comprehension(self, expr, scope, found: List[OrderRisk]) -> None:
        clause = expr.for_in
        while clause is not None:
            info = set_info(clause.iter, scope)
            if info is not None:
                found.append(_iterated(clause.iter, info))
                return
            clause = clause.inner_for_in
        # The element may render a value built from a set: ``[", ".join(t.tags) ...]`` is not followed (the
        # comprehension's own names are not bound in ``scope``).

    def _call(self, expr: cst.Call, scope, in_data: bool, depth: int, found: List[OrderRisk]) -> None:
        func = expr.func
        args = [arg for arg in expr.args if not arg.star]
        if isinstance(func, cst.Attribute) and func.attr.value == "join" and len(expr.args) == 1:
            items = expr.args[0].value
            info = set_info(items, scope)
            if info is not None:
                found.append(OrderRisk("set-iteration", items, _source(items), strings=True))
            else:
                self._walk(items, scope, in_data, depth + 1, found)
            return
        if isinstance(func, cst.Attribute) and func.attr.value == "format":
            self._walk(func.value, scope, False, depth + 1, found)
            for arg in args:
                self._walk(arg.value, scope, False, depth + 1, found)
            return
        if isinstance(func, cst.Name) and _builtin(func.value, scope):
            self._builtin_call(expr, func.value, scope, in_data, depth, found)
            return
        origin = qualify(func, scope)
        if isinstance(origin, Qualified) and origin.name == "json.dumps" and args and args[0].keyword is None:
            before = len(found)
            self._walk(args[0].value, scope, True, depth + 1, found)
            if len(found) == before and not _sorts_keys(expr) and not _fixed_order(args[0].value, scope):
                found.append(OrderRisk("unsorted-json", expr, _source(expr)))
            return
        if _constructor(func):
            # ``GenerateContentConfig(response_schema=...)``, ``Schema(...)``: a class stores what it is given.
            for arg in args:
                self._walk(arg.value, scope, in_data, depth + 1, found)

    def _builtin_call(self, expr: cst.Call, name: str, scope, in_data: bool, depth: int, found) -> None:
        args = [arg for arg in expr.args if not arg.star]
        if name in ("list", "tuple") and len(expr.args) == 1 and not expr.args[0].keyword:
            items = expr.args[0].value
            info = set_info(items, scope)
            if info is None:
                self._walk(items, scope, in_data, depth + 1, found)
            elif name == "list":
                found.append(OrderRisk("set-list", expr, _source(expr), info.strings))
            else:
                found.append(_iterated(items, info))
            return
        if name == "str" and len(expr.args) == 1:
            info = set_info(expr.args[0].value, scope)
            if info is not None:
                found.append(OrderRisk("set-repr", expr, _source(expr)))
            else:
                self._walk(expr.args[0].value, scope, False, depth + 1, found)
            return
        if name == "dict":
            for arg in args:
                self._walk(arg.value, scope, in_data, depth + 1, found)
        # sorted(), len(), min() ... fix the order or drop it


# -- facts about values ----------------------------------------------------------------------------------


class _SetInfo:
    """A value known to be a set: whether its elements are known to be strings."""

    def __init__(self, strings: bool) -> None:
        self.strings = strings


def set_info(expr: cst.BaseExpression, scope, depth: int = 0) -> Optional[_SetInfo]:
    """``expr`` is a set whose iteration order varies between processes (not a set of numbers)."""
    if depth > _MAX_DEPTH or scope is None:
        return None
    if isinstance(expr, cst.Set):
        return _elements_info([e.value for e in expr.elements if isinstance(e, cst.Element)], expr.elements)
    if isinstance(expr, cst.SetComp):
        return _SetInfo(strings=_is_text(expr.elt))
    if isinstance(expr, cst.Call):
        return _call_info(expr, scope, depth)
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, _SET_OPERATORS):
        return set_info(expr.left, scope, depth + 1)
    if isinstance(expr, cst.Name):
        owner, bindings = scope.lookup(expr.value)
        binding = single_binding(bindings)
        if binding is None:
            return None
        if binding.annotation is not None:
            typed = _annotation_info(binding.annotation)
            if typed is not None or binding.kind == "param":
                return typed
        if binding.kind == "assign" and binding.value is not None:
            return set_info(binding.value, binding.scope, depth + 1)
    return None


def _call_info(expr: cst.Call, scope, depth: int) -> Optional[_SetInfo]:
    """``set(...)``/``frozenset(...)`` of the builtins, or a set method that returns a new set."""
    func = expr.func
    if isinstance(func, cst.Name) and func.value in ("set", "frozenset") and _builtin(func.value, scope):
        if not expr.args:
            return _SetInfo(strings=False)
        if len(expr.args) != 1 or expr.args[0].star or expr.args[0].keyword:
            return None
        items = expr.args[0].value
        if isinstance(items, (cst.List, cst.Tuple, cst.Set)):
            return _elements_info(
                [e.value for e in items.elements if isinstance(e, cst.Element)], items.elements
            )
        if isinstance(items, cst.Call) and isinstance(items.func, cst.Name) and items.func.value == "range":
            return None  # integers
        if isinstance(items, cst.Call) and isinstance(items.func, cst.Attribute):
            if items.func.attr.value in ("split", "splitlines"):
                return _SetInfo(strings=True)
        if isinstance(items, (cst.GeneratorExp, cst.ListComp)):
            return _SetInfo(strings=_is_text(items.elt))
        return _SetInfo(strings=False)
    if isinstance(func, cst.Attribute) and func.attr.value in _SET_METHODS:
        return set_info(func.value, scope, depth + 1)
    return None


def _elements_info(values: Sequence[cst.BaseExpression], elements) -> Optional[_SetInfo]:
    if len(values) != len(elements) or not values:
        return _SetInfo(strings=False) if values else None
    if all(isinstance(v, (cst.Integer, cst.Float)) for v in values):
        return None  # numbers hash the same in every process
    return _SetInfo(strings=all(_is_text(v) for v in values))


def _annotation_info(annotation: cst.BaseExpression) -> Optional[_SetInfo]:
    """``set[str]``, ``Set[str]``, ``typing.FrozenSet[str]``, ``set``: a set; its element type if given."""
    base = annotation.value if isinstance(annotation, cst.Subscript) else annotation
    name = (
        base.attr.value
        if isinstance(base, cst.Attribute)
        else base.value
        if isinstance(base, cst.Name)
        else None
    )
    if name not in _SET_TYPES:
        return None
    if isinstance(annotation, cst.Subscript) and len(annotation.slice) == 1:
        element = annotation.slice[0].slice
        if isinstance(element, cst.Index) and isinstance(element.value, cst.Name):
            if element.value.value in _STABLE_HASH_TYPES:
                return None
            return _SetInfo(strings=element.value.value == "str")
    return _SetInfo(strings=False)


def _is_text(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)) and not (
        isinstance(expr, cst.SimpleString) and "b" in expr.prefix.lower()
    )


def _builtin(name: str, scope) -> bool:
    """``name`` is not rebound anywhere in reach: it is the builtin."""
    _owner, bindings = scope.lookup(name)
    return not bindings


def _sorts_keys(call: cst.Call) -> bool:
    for arg in call.args:
        if arg.star == "**":
            return True  # may pass sort_keys: not known
        if arg.keyword is not None and arg.keyword.value == "sort_keys":
            return not (isinstance(arg.value, cst.Name) and arg.value.value == "False")
    return False


def _fixed_order(expr: cst.BaseExpression, scope, depth: int = 0) -> bool:
    """Data whose order the code fixes by construction: literals of constants, names bound once to them."""
    if depth > _MAX_DEPTH:
        return False
    if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString, cst.Integer, cst.Float)):
        return True
    if isinstance(expr, cst.Name):
        if expr.value in ("True", "False", "None"):
            return True
        owner, bindings = scope.lookup(expr.value)
        binding = only_assignment(bindings)
        if binding is None or owner is None:
            return False
        if any(m.method != "escape" for m in owner.mutations.get(expr.value, [])):
            return False
        return _fixed_order(binding.value, binding.scope, depth + 1)
    if isinstance(expr, (cst.List, cst.Tuple)):
        return all(
            isinstance(e, cst.Element) and _fixed_order(e.value, scope, depth + 1) for e in expr.elements
        )
    if isinstance(expr, cst.Dict):
        return all(
            isinstance(e, cst.DictElement) and _fixed_order(e.value, scope, depth + 1) for e in expr.elements
        )
    return False


def _constructor(func: cst.BaseExpression) -> bool:
    name = (
        func.attr.value
        if isinstance(func, cst.Attribute)
        else func.value
        if isinstance(func, cst.Name)
        else ""
    )
    return bool(name) and name[0].isupper()


def _loops_around(root: cst.CSTNode, targets: Sequence[cst.CSTNode]) -> List[cst.For]:
    """The ``for`` statements of ``root``'s own code (not nested functions or classes) whose body holds one
    of ``targets``, innermost first."""
    wanted = {id(target) for target in targets}
    found: List[cst.For] = []

    class Visitor(cst.CSTVisitor):
        def __init__(self) -> None:
            self.loops: List[cst.For] = []

        def visit_For(self, node: cst.For) -> None:
            self.loops.append(node)

        def leave_For(self, original_node: cst.For) -> None:
            self.loops.pop()

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return node is root

        def visit_ClassDef(self, node: cst.ClassDef) -> bool:
            return node is root

        def on_visit(self, node: cst.CSTNode) -> bool:
            if id(node) in wanted:
                for loop in reversed(self.loops):
                    if loop not in found and _in_body(node, loop):
                        found.append(loop)
                return False
            return super().on_visit(node)

    root.visit(Visitor())
    return found


def _in_body(node: cst.CSTNode, loop: cst.For) -> bool:
    """``node`` is in the loop's body, not its iterable or ``else``."""
    hits: List[bool] = []

    class Finder(cst.CSTVisitor):
        def on_visit(self, visited: cst.CSTNode) -> bool:
            if visited is node:
                hits.append(True)
            return not hits

    loop.body.visit(Finder())
    return bool(hits)


def _source(node: cst.CSTNode) -> str:
    return " ".join(cst.Module([]).code_for_node(node).split())


def _iterated(items: cst.BaseExpression, info: _SetInfo) -> OrderRisk:
    return OrderRisk("set-iteration", items, _source(items), info.strings)
