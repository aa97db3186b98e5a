"""A read-only traversal of a libcst tree that calls a visitor's ``visit_*``/``leave_*`` methods.

libcst's own ``node.visit(visitor)`` rebuilds every node on the way back up, even for a visitor that
changes nothing: on a large module that costs more than the parse. This walk visits the same nodes in the
same order (each node class's child order is read once from libcst's own child-visiting code), calls the
same ``visit_X``/``leave_X``/``visit_X_field``/``leave_X_field`` methods, honours ``visit_X`` returning
False, and builds nothing. Whitespace, punctuation and operator tokens are not entered: no visitor here
looks inside them.
"""

from __future__ import annotations

import dataclasses
import dis
import re
from typing import Any, Callable, Dict, List, Optional, Tuple

import libcst as cst

_TOKENS = (
    cst.BaseParenthesizableWhitespace,
    cst.TrailingWhitespace,
    cst.EmptyLine,
    cst.Newline,
    cst.Comment,
    cst.Comma,
    cst.Semicolon,
    cst.Colon,
    cst.Dot,
    cst.AssignEqual,
    cst.LeftParen,
    cst.RightParen,
    cst.LeftSquareBracket,
    cst.RightSquareBracket,
    cst.LeftCurlyBrace,
    cst.RightCurlyBrace,
    cst.BaseBinaryOp,
    cst.BaseBooleanOp,
    cst.BaseCompOp,
    cst.BaseUnaryOp,
    cst.BaseAugOp,
    cst.Asynchronous,
    cst.ImportStar,
)

_FIELD_CALL = re.compile(
    r"visit_(?:required|optional|sentinel|sequence|body_sequence|iterable|body_iterable)\(\s*self,\s*\"(\w+)\""
)
_ORDER: Dict[type, Tuple[str, ...]] = {}

Plan = Tuple[
    Optional[Callable], Optional[Callable], Tuple[Tuple[str, Optional[Callable], Optional[Callable]], ...]
]


_SOURCES: Dict[str, List[str]] = {}


def _method_source(method: Any) -> str:
    """The source lines of a function, found from its code object's line numbers: the lines of libcst's
    modules are read once each (``inspect.getsource`` tokenizes the module again for every method)."""
    code = method.__code__
    lines = _SOURCES.get(code.co_filename)
    if lines is None:
        with open(code.co_filename, encoding="utf-8") as handle:
            lines = _SOURCES[code.co_filename] = handle.read().split("\n")
    last = max(
        (line for _, line in dis.findlinestarts(code) if line is not None), default=code.co_firstlineno
    )
    return "\n".join(lines[code.co_firstlineno - 1 : last])


def _child_order(cls: type) -> Tuple[str, ...]:
    """The order in which libcst visits a node class's fields, read from its child-visiting method."""
    if cls not in _ORDER:
        names: List[str] = []
        try:
            source = _method_source(cls._visit_and_replace_children)  # type: ignore[attr-defined]
            names = _FIELD_CALL.findall(source)
        except (OSError, TypeError, AttributeError, ValueError):  # pragma: no cover - no source available
            names = []
        known = [field.name for field in dataclasses.fields(cls)]
        if not names or any(name not in known for name in names):
            names = known
        else:
            names += [name for name in known if name not in names]
        _ORDER[cls] = tuple(dict.fromkeys(names))
    return _ORDER[cls]


_SKIP, _NODE, _SEQUENCE = 0, 1, 2
# Per exact type: whether to enter it. ``isinstance`` against libcst's abstract base classes is slow enough
# to dominate a walk, so each type is classified once.
_KIND: Dict[type, int] = {list: _SEQUENCE, tuple: _SEQUENCE, str: _SKIP, type(None): _SKIP, bool: _SKIP}


def _kind(kind: type) -> int:
    if issubclass(kind, cst.CSTNode):
        result = _SKIP if issubclass(kind, _TOKENS) else _NODE
    elif issubclass(kind, (list, tuple)):
        result = _SEQUENCE
    else:
        result = _SKIP
    _KIND[kind] = result
    return result


class Walker:
    """Walks trees for one visitor class; the per-node-class plans are computed once."""

    _plans: Dict[Tuple[type, type], Plan] = {}

    def __init__(self, visitor: Any) -> None:
        self.visitor = visitor

    def _plan(self, cls: type) -> Plan:
        key = (type(self.visitor), cls)
        plan = self._plans.get(key)
        if plan is None:
            name = cls.__name__
            kind = type(self.visitor)
            fields = tuple(
                (
                    field,
                    getattr(kind, f"visit_{name}_{field}", None),
                    getattr(kind, f"leave_{name}_{field}", None),
                )
                for field in _child_order(cls)
            )
            plan = (getattr(kind, f"visit_{name}", None), getattr(kind, f"leave_{name}", None), fields)
            self._plans[key] = plan
        return plan

    def walk(self, node: cst.CSTNode) -> None:
        visitor = self.visitor
        visit, leave, fields = self._plan(type(node))
        if visit is None or visit(visitor, node) is not False:
            for field, visit_field, leave_field in fields:
                value = getattr(node, field)
                if visit_field is not None:
                    visit_field(visitor, node)
                kind = _KIND.get(type(value))
                if kind is None:
                    kind = _kind(type(value))
                if kind == _NODE:
                    self.walk(value)
                elif kind == _SEQUENCE:
                    for item in value:
                        item_kind = _KIND.get(type(item))
                        if item_kind is None:
                            item_kind = _kind(type(item))
                        if item_kind == _NODE:
                            self.walk(item)
                if leave_field is not None:
                    leave_field(visitor, node)
        if leave is not None:
            leave(visitor, node)


_CHILD_FIELDS: Dict[type, Tuple[str, ...]] = {}


def children(node: cst.CSTNode) -> List[cst.CSTNode]:
    """``node.children`` (every child node, tokens included, in libcst's order) without libcst's way of
    finding them, which rebuilds the node and validates the copy."""
    fields = _CHILD_FIELDS.get(type(node))
    if fields is None:
        fields = _CHILD_FIELDS[type(node)] = _child_order(type(node))
    found: List[cst.CSTNode] = []
    for field in fields:
        value = getattr(node, field)
        kind = _IS_NODE.get(type(value))
        if kind is None:
            kind = _is_node(type(value))
        if kind == _NODE:
            found.append(value)
        elif kind == _SEQUENCE:
            for item in value:
                item_kind = _IS_NODE.get(type(item))
                if item_kind is None:
                    item_kind = _is_node(type(item))
                if item_kind == _NODE:
                    found.append(item)
    return found


# Per exact type, for ``children``: a node (tokens too), a sequence, or neither.
_IS_NODE: Dict[type, int] = {list: _SEQUENCE, tuple: _SEQUENCE, str: _SKIP, type(None): _SKIP, bool: _SKIP}


def _is_node(kind: type) -> int:
    if issubclass(kind, cst.CSTNode):
        result = _NODE
    elif issubclass(kind, (list, tuple)):
        result = _SEQUENCE
    else:
        result = _SKIP
    _IS_NODE[kind] = result
    return result


def walk(node: cst.CSTNode, visitor: Any) -> None:
    """Visit ``node`` and its descendants with ``visitor`` (a ``CSTVisitor``), without rebuilding them."""
    Walker(visitor).walk(node)
