"""Turn the message-shaped arguments of SDK calls into prompt parts in cache order."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import List, Optional, Tuple

import libcst as cst

from promptlint.extract.prompt_helpers import HelperCall
from promptlint.extract.provenance import Qualified, qualify, single_binding
from promptlint.extract.scopes import Scope
from promptlint.extract.text import TextResolver, concat
from promptlint.ir import CacheBreakpoint, Dynamic, PromptPart, PromptText, Related, Static, Volatility

Parts = Tuple[List[PromptPart], bool]  # the parts, and whether they are the whole of the argument
_MAX_DEPTH = 8


def _unknown(node: cst.CSTNode, role: str, volatility: Volatility, source: str = "…") -> PromptPart:
    return PromptPart(role, PromptText((Dynamic(source, volatility, node),)), node)


def message_list(expr: cst.BaseExpression, scope: Scope, resolver: TextResolver, depth: int = 0) -> Parts:
    """``[{"role": ..., "content": ...}, *history, msg]`` (or a name bound once to such a list)."""
    if depth > _MAX_DEPTH:
        return [], False
    imported = _imported_list(expr, scope, resolver, depth)
    if imported is not None:
        return imported
    if isinstance(expr, cst.Name):
        binding = single_binding(scope.lookup(expr.value)[1])
        argument = resolver.bound_value(expr.value, scope)
        if argument is not None:  # a helper's or wrapper's parameter: the caller's list, in its module
            return message_list(argument[0], argument[1], argument[2], depth + 1)
        if binding is not None and binding.kind == "param":
            return [_unknown(expr, "unknown", Volatility.PER_REQUEST, expr.value)], True
        binding = scope.assigned_once(expr.value)
        if binding is None:
            return [], False
        owner = binding.scope
        parts, complete = message_list(binding.value, binding.scope, resolver, depth + 1)
        escaped = False
        for mutation in owner.mutations.get(expr.value, []):
            if mutation.method == "escape":
                escaped = True
                continue  # ``count_tokens(messages)``, ``log(messages)``: read, not rebuilt
            if mutation.method in ("append", "extend"):
                # Appended later: after everything already in the list, so the known prefix stands.
                parts.append(_unknown(mutation.node, "unknown", Volatility.PER_REQUEST))
            elif _prepends(mutation.node) and mutation.value is not None:
                # ``messages.insert(0, system)``: the message goes ahead of everything already in the list.
                message = one_message(mutation.value, owner, resolver, depth + 1)
                if message is None:
                    return [], False
                parts.insert(0, message)
            else:
                return [], False
        if escaped or _iterated(owner, expr.value):
            # A helper, or a loop over the messages, may have put cache breakpoints on them.
            parts = [replace(part, marks_known=False, content_parameter=False) for part in parts]
        return parts, complete
    copied = _copied(expr)
    if copied is not None:
        # ``list(history)``, ``history.copy()``: the same messages, in a list of its own.
        return message_list(copied, scope, resolver, depth + 1)
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
        left, left_complete = message_list(expr.left, scope, resolver, depth + 1)
        if not left_complete:
            return left, False
        right, right_complete = message_list(expr.right, scope, resolver, depth + 1)
        return left + right, right_complete
    if isinstance(expr, cst.Call):
        return _helper_messages(expr, scope, resolver, depth)
    if not isinstance(expr, (cst.List, cst.Tuple)):
        return [], False
    parts: List[PromptPart] = []
    for element in expr.elements:
        if isinstance(element, cst.StarredElement):
            spread = _imported_list(element.value, scope, resolver, depth)
            if spread is not None:  # ``[*prompts.MESSAGES, turn]``
                parts.extend(spread[0])
                if not spread[1]:
                    return parts, False
                continue
            parts.append(_unknown(element, "unknown", resolver.volatility(element.value, scope)))
            continue
        message = one_message(element.value, scope, resolver, depth + 1)
        if message is None:
            return parts, False
        parts.append(message)
    return parts, True


def _imported_list(
    expr: cst.BaseExpression, scope: Scope, resolver: TextResolver, depth: int
) -> Optional[Parts]:
    """A message list bound at module level in another module of the project and imported here
    (``from .prompts import MESSAGES``, ``prompts.MESSAGES``): read there, every part placed at ``expr``
    (its cache breakpoints, written there, are not seen here)."""
    if not isinstance(expr, (cst.Name, cst.Attribute)):
        return None
    found = resolver.imported_value(expr, scope)
    if found is None:
        return None
    value, value_scope, other = found
    for name, bindings in value_scope.bindings.items():
        if any(binding.value is value for binding in bindings):
            if any(m.method != "escape" for m in value_scope.mutations.get(name, [])):
                return [], False  # changed in its module after it is built (``MESSAGES.append(...)``)
    parts, complete = message_list(value, value_scope, other, depth + 1)
    if not parts and not complete:
        return None
    constant = resolver.imported_constant(expr, scope)
    if constant is not None:
        message = f"messages `{cst.Module([]).code_for_node(expr)}` defined in"
        resolver.origin(expr, Related(message, value, constant.module.module, str(constant.module.path)))
    placed = [
        PromptPart(
            part.role,
            resolver.anchored(part.text, expr, scope),
            expr,
            cache_breakpoint=part.cache_breakpoint,
            uncounted=part.uncounted,
        )
        for part in parts
    ]
    return placed, complete


def _helper_messages(call: cst.Call, scope: Scope, resolver: TextResolver, depth: int) -> Parts:
    """``messages=build_messages(user, question)``: the list a helper of the module returns (one
    ``return``), its parameters bound to the caller's arguments."""
    functions: List[Scope] = []

    def evaluate(helper: HelperCall, _: TextResolver) -> Optional[Parts]:
        if len(helper.returns) != 1:
            return None
        functions.append(helper.function)
        return message_list(helper.returns[0], helper.function, resolver, depth + 1)

    found = resolver.with_helper(call, scope, evaluate, local=True)
    if found is None:
        return [], False
    definition = functions[0].node if functions else None
    if found[0] and isinstance(definition, cst.FunctionDef):
        resolver.origin(call, Related(f"messages built in `{definition.name.value}()`", definition.name))
    return found


def _prepends(node: cst.CSTNode) -> bool:
    """``x.insert(0, item)``: the item goes first."""
    return (
        isinstance(node, cst.Call)
        and len(node.args) == 2
        and not any(arg.star or arg.keyword for arg in node.args)
        and isinstance(node.args[0].value, cst.Integer)
        and node.args[0].value.value == "0"
    )


def _copied(expr: cst.BaseExpression) -> Optional[cst.Name]:
    """The list a shallow copy is made of: ``list(history)``, ``history.copy()``; None otherwise."""
    if (
        isinstance(expr, cst.Call)
        and len(expr.args) == 1
        and not expr.args[0].star
        and not expr.args[0].keyword
    ):
        if (
            isinstance(expr.func, cst.Name)
            and expr.func.value == "list"
            and isinstance(expr.args[0].value, cst.Name)
        ):
            return expr.args[0].value
    if isinstance(expr, cst.Call) and not expr.args and isinstance(expr.func, cst.Attribute):
        if expr.func.attr.value == "copy" and isinstance(expr.func.value, cst.Name):
            return expr.func.value
    return None


def _iterated(scope: Scope, name: str) -> bool:
    """Whether ``for item in name`` binds a loop variable in ``scope`` or a scope inside it."""
    pending = [scope]
    while pending:
        current = pending.pop()
        for bindings in current.bindings.values():
            for binding in bindings:
                value = binding.value
                if binding.kind == "for" and isinstance(value, cst.Name) and value.value == name:
                    return True
        pending.extend(current.children)
    return False


def one_message(
    expr: cst.BaseExpression, scope: Scope, resolver: TextResolver, depth: int = 0
) -> Optional[PromptPart]:
    """One ``{"role": r, "content": c}`` message (dict literal, ``dict(...)``, a typed-dict call, a name)."""
    if depth > _MAX_DEPTH:
        return None
    fields: dict = {}
    elements: dict = {}  # key -> the dict element or keyword argument that carries it
    if isinstance(expr, cst.Name):
        binding = scope.assigned_once(expr.value)
        if binding is None:
            return None
        owner = binding.scope
        mutations = owner.mutations.get(expr.value, [])
        if any(m.method != "escape" for m in mutations):
            return None
        message = one_message(binding.value, binding.scope, resolver, depth + 1)
        if message is not None and mutations:
            # Handed to a helper that may have marked it: where its breakpoints are is no longer known.
            message = replace(message, marks_known=False, content_parameter=False)
        return message
    if isinstance(expr, cst.Dict):
        for element in expr.elements:
            if not isinstance(element, cst.DictElement):
                return None
            key = resolver.literal(element.key, scope)
            if key is None:
                return None
            fields[key] = element.value
            elements[key] = element
    elif isinstance(expr, cst.Call):
        for arg in expr.args:
            if arg.keyword is None:
                return None
            fields[arg.keyword.value] = arg.value
            elements[arg.keyword.value] = arg
    else:
        return None
    role_expr = fields.get("role")
    role = resolver.literal(role_expr, scope) if role_expr is not None else None
    content = fields.get("content")
    if content is None:
        return None
    marked = "cache_control" in fields or marks_cache(content, scope, resolver)
    analysed = analyse_content(content, scope, resolver)
    breakpoints = list(analysed.breakpoints)
    for marker in _MARKERS:
        if marker in fields:  # a marker on the message itself: the breakpoint is at its end
            breakpoints.append(
                CacheBreakpoint(marker, analysed.text, not analysed.uncounted, elements[marker])
            )
    # A message built by a call (a typed-dict constructor, ``dict(...)``) is known like a literal.
    return PromptPart(
        role or "unknown",
        analysed.text,
        content,
        marked,
        tuple(breakpoints),
        analysed.marks_known,
        analysed.uncounted,
        content_parameter=role == "user" and not analysed.marks_known and _parameter(content, scope),
    )


def _parameter(expr: cst.BaseExpression, scope: Scope) -> bool:
    """``expr`` is a name bound only as a parameter of the function."""
    if not isinstance(expr, cst.Name):
        return False
    binding = single_binding(scope.lookup(expr.value)[1])
    return binding is not None and binding.kind == "param"


def marks_cache(expr: cst.BaseExpression, scope: Scope, resolver: TextResolver) -> bool:
    """Whether a list of content blocks puts a ``cache_control`` breakpoint on any of them."""
    if not isinstance(expr, (cst.List, cst.Tuple)):
        return False
    for element in expr.elements:
        block = element.value
        if isinstance(block, cst.Dict):
            for item in block.elements:
                if isinstance(item, cst.DictElement) and resolver.literal(item.key, scope) == "cache_control":
                    return True
    return False


def content_text(expr: cst.BaseExpression, scope: Scope, resolver: TextResolver) -> PromptText:
    """A message's content: a string, or a list of content blocks whose text parts are joined."""
    return analyse_content(expr, scope, resolver).text


# Keys that put an explicit cache breakpoint on a content block (Anthropic, OpenAI gpt-5.6 and later).
_MARKERS = ("cache_control", "prompt_cache_breakpoint")


@dataclass
class Content:
    """A message's content as the caching rules need it: its text, where its breakpoints are, and whether
    the code shows every place a breakpoint could sit."""

    text: PromptText
    breakpoints: Tuple[CacheBreakpoint, ...] = ()
    marks_known: bool = False
    uncounted: bool = False


def analyse_content(expr: cst.BaseExpression, scope: Scope, resolver: TextResolver) -> Content:
    """``content_text`` plus the cache breakpoints of its blocks, in order."""
    if isinstance(expr, (cst.List, cst.Tuple)):
        pieces: List[PromptText] = []
        breakpoints: List[CacheBreakpoint] = []
        known = True
        uncounted = False
        for element in expr.elements:
            if isinstance(element, cst.StarredElement):
                pieces.append(PromptText((Dynamic("…", resolver.volatility(element.value, scope), element),)))
                known = False
                continue
            block = element.value
            if isinstance(block, cst.Dict):
                text = None
                markers = []
                for item in block.elements:
                    if not isinstance(item, cst.DictElement):
                        known = False  # ``{**base, ...}``: the base may carry a marker
                        continue
                    key = resolver.literal(item.key, scope)
                    if key == "text":
                        text = item.value
                    elif key in _MARKERS:
                        markers.append((key, item))
                    elif key is None:
                        known = False
                if text is not None:
                    pieces.append(resolver.resolve(text, scope))
                else:
                    # Non-text blocks (images, documents) carry no text we can count.
                    uncounted = True
                for key, item in markers:
                    breakpoints.append(CacheBreakpoint(key, concat(pieces), not uncounted, item))
                continue
            pieces.append(resolver.resolve(block, scope))
            known = known and is_text(block, scope, resolver)
        return Content(concat(pieces), tuple(breakpoints), known, uncounted)
    return Content(resolver.resolve(expr, scope), (), is_text(expr, scope, resolver), False)


def is_text(expr: cst.BaseExpression, scope: Scope, resolver: TextResolver, depth: int = 0) -> bool:
    """Whether ``expr`` is certainly a string (so it carries no content blocks, and no cache breakpoint)."""
    if depth > _MAX_DEPTH:
        return False
    if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
        return True
    if isinstance(expr, cst.BinaryOperation):
        if isinstance(expr.operator, cst.Modulo):
            return is_text(expr.left, scope, resolver, depth + 1)
        if isinstance(expr.operator, cst.Add):
            return is_text(expr.left, scope, resolver, depth + 1) or is_text(
                expr.right, scope, resolver, depth + 1
            )
        return False
    if isinstance(expr, cst.Name):
        _owner, bindings = scope.lookup(expr.value)
        binding = single_binding(bindings)
        if binding is None:
            return False
        if binding.kind == "param":
            return isinstance(binding.annotation, cst.Name) and binding.annotation.value == "str"
        if binding.kind == "assign" and binding.value is not None:
            return is_text(binding.value, binding.scope, resolver, depth + 1)
        return False
    if isinstance(expr, cst.Call):
        if isinstance(expr.func, cst.Attribute) and expr.func.attr.value in _STRING_METHODS:
            return True
        origin = qualify(expr.func, scope)
        if isinstance(origin, Qualified) and origin.name in _STRING_FUNCTIONS:
            return True
        if isinstance(expr.func, cst.Name) and expr.func.value == "str" and origin is None:
            return True
    text = resolver.resolve(expr, scope)
    return any(isinstance(segment, Static) and segment.text for segment in text.segments)


# Methods and functions whose result is a string.
_STRING_METHODS = frozenset(
    "format format_map strip lstrip rstrip join replace lower upper title capitalize casefold read_text "
    "removeprefix removesuffix expandtabs center ljust rjust zfill".split()
)
_STRING_FUNCTIONS = frozenset({"textwrap.dedent", "textwrap.indent", "inspect.cleandoc", "json.dumps"})


def text_parts(role: str, expr: cst.BaseExpression, scope: Scope, resolver: TextResolver) -> PromptPart:
    """A prompt argument that is a single text (or a list of text blocks): ``system=``, ``instructions=``."""
    analysed = analyse_content(expr, scope, resolver)
    return PromptPart(
        role,
        analysed.text,
        expr,
        marks_cache(expr, scope, resolver),
        analysed.breakpoints,
        analysed.marks_known,
        analysed.uncounted,
    )


def tool_definitions(expr: cst.BaseExpression, scope: Scope, resolver: TextResolver) -> PromptPart:
    """``tools=[...]``: the keys and string values of the definitions in order, with dynamic holes, and the
    ``cache_control`` markers on them (Anthropic caches tools first, then ``system``, then ``messages``)."""
    walker = _ToolWalker(resolver)
    walker.tools(expr, scope, 0)
    return PromptPart(
        "tools",
        concat(walker.pieces),
        expr,
        bool(walker.breakpoints),
        tuple(walker.breakpoints),
        walker.known,
        False,
    )


class _ToolWalker:
    def __init__(self, resolver: TextResolver) -> None:
        self.resolver = resolver
        self.pieces: List[PromptText] = []
        self.breakpoints: List[CacheBreakpoint] = []
        self.known = True

    def _opaque(self, expr: cst.BaseExpression, scope: Scope, node: Optional[cst.CSTNode] = None) -> None:
        source = cst.Module([]).code_for_node(expr)
        volatility = self.resolver.volatility(expr, scope)
        self.pieces.append(PromptText((Dynamic(source, volatility, node or expr),)))
        self.known = False

    def _follow(self, expr: cst.Name, scope: Scope):
        """The literal a name is bound to once, and where; None when it is rebound or changed in place."""
        binding = scope.assigned_once(expr.value)
        if binding is None:
            return None
        owner = binding.scope
        mutations = owner.mutations.get(expr.value, [])
        if any(m.method != "escape" for m in mutations):
            return None
        if mutations:
            self.known = False
        return binding.value, binding.scope

    def tools(self, expr: cst.BaseExpression, scope: Scope, depth: int) -> None:
        if depth > _MAX_DEPTH:
            self._opaque(expr, scope)
            return
        if isinstance(expr, cst.Name):
            followed = self._follow(expr, scope)
            if followed is None:
                self._opaque(expr, scope)
            else:
                self.tools(followed[0], followed[1], depth + 1)
            return
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
            self.tools(expr.left, scope, depth + 1)
            self.tools(expr.right, scope, depth + 1)
            return
        if not isinstance(expr, (cst.List, cst.Tuple)):
            self._opaque(expr, scope)
            return
        for element in expr.elements:
            if isinstance(element, cst.StarredElement):
                self._opaque(element.value, scope, element)
            else:
                self.tool(element.value, scope, depth + 1)

    def tool(self, expr: cst.BaseExpression, scope: Scope, depth: int) -> None:
        if isinstance(expr, cst.Name) and depth <= _MAX_DEPTH:
            followed = self._follow(expr, scope)
            if followed is not None:
                self.tool(followed[0], followed[1], depth + 1)
                return
        if not isinstance(expr, cst.Dict):
            self._opaque(expr, scope)
            return
        for element in expr.elements:
            if not isinstance(element, cst.DictElement):
                self._opaque(element.value, scope, element)
                continue
            key = self.resolver.literal(element.key, scope)
            if key in _MARKERS:
                self.breakpoints.append(CacheBreakpoint(key, concat(self.pieces), True, element))
                continue
            if key is None:
                self._opaque(element.key, scope)
                continue
            self.pieces.append(PromptText((Static(key + ": "),)))
            self.value(element.value, scope, depth + 1)
            self.pieces.append(PromptText((Static("\n"),)))

    def value(self, expr: cst.BaseExpression, scope: Scope, depth: int) -> None:
        if depth > _MAX_DEPTH:
            self.pieces.append(self.resolver.resolve(expr, scope))
            return
        if isinstance(expr, cst.Name):
            owner, bindings = scope.lookup(expr.value)
            binding = single_binding(bindings)
            if (
                binding is not None
                and binding.kind == "assign"
                and isinstance(binding.value, (cst.Dict, cst.List, cst.Tuple))
                and owner is not None
                and not owner.mutations.get(expr.value)
            ):
                self.value(binding.value, binding.scope, depth + 1)
                return
        if isinstance(expr, cst.Dict):
            for element in expr.elements:
                if not isinstance(element, cst.DictElement):
                    self.pieces.append(self.resolver.resolve(element.value, scope))
                    continue
                key = self.resolver.literal(element.key, scope)
                self.pieces.append(PromptText((Static((key if key is not None else "?") + ": "),)))
                self.value(element.value, scope, depth + 1)
                self.pieces.append(PromptText((Static(" "),)))
            return
        if isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
            for element in expr.elements:
                self.value(element.value, scope, depth + 1)
                self.pieces.append(PromptText((Static(" "),)))
            return
        if isinstance(expr, (cst.Integer, cst.Float)):
            self.pieces.append(PromptText((Static(expr.value),)))
            return
        if isinstance(expr, cst.Name) and expr.value in ("True", "False", "None"):
            self.pieces.append(PromptText((Static(expr.value.lower()),)))
            return
        self.pieces.append(self.resolver.resolve(expr, scope))
