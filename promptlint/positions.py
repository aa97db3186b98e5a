"""The positions of a few nodes, without computing those of the whole tree.

libcst's PositionProvider records a range for every node of the module, which on a large file costs more
than parsing it. A file has findings on a handful of nodes: this renders the module once with libcst's plain
code generator, works out the line and column only where one of those nodes starts or ends, and stops
rendering after the last of them. The ranges are libcst's own (syntactic positions, whitespace owned by a
node excluded), so reports do not change.
"""

from __future__ import annotations

from contextlib import contextmanager, nullcontext
from typing import Any, Dict, Iterable, Iterator, Optional, Set

from libcst import CSTNode, Module
from libcst._nodes.internal import CodegenState
from libcst._position import CodePosition, CodeRange

_NOTHING = nullcontext()


class _Done(Exception):
    """Every node asked for has its range: rendering the rest of the module is not needed."""


class _Unsupported(Exception):
    """A node's range depends on one rendered before it was asked for; use libcst's provider instead."""


class _SomePositions(CodegenState):
    """A code generator that keeps count of lines and columns lazily, and records ranges only for the nodes
    asked for (and the child nodes whose positions those borrow)."""

    def __init__(self, module: Module, nodes: Set[CSTNode]) -> None:
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.wanted: Set[CSTNode] = set(nodes)
        self.left = len(nodes)
        self.asked = nodes
        self.found: Dict[CSTNode, CodeRange] = {}
        self.starts: Dict[CSTNode, CodePosition] = {}
        self.line, self.column, self.counted = 1, 0, 0

    def here(self) -> CodePosition:
        tokens = self.tokens
        if self.counted < len(tokens):
            chunk = "".join(tokens[self.counted :])
            self.counted = len(tokens)
            newlines = chunk.count("\n") + chunk.count("\r") - chunk.count("\r\n")
            if newlines:
                self.line += newlines
                self.column = len(chunk) - 1 - max(chunk.rfind("\n"), chunk.rfind("\r"))
            else:
                self.column += len(chunk)
        return CodePosition(self.line, self.column)

    def before_codegen(self, node: CSTNode) -> None:
        if node in self.wanted:
            self.starts[node] = self.here()

    def after_codegen(self, node: CSTNode) -> None:
        if node in self.wanted:
            start = self.starts.pop(node, None)
            if node not in self.found and start is not None:
                self._found(node, CodeRange(start, self.here()))

    def record_syntactic_position(
        self, node: CSTNode, *, start_node: Optional[CSTNode] = None, end_node: Optional[CSTNode] = None
    ) -> Any:
        if node not in self.wanted:
            return _NOTHING
        for borrowed in (start_node, end_node):
            if borrowed is not None:
                self.wanted.add(borrowed)
        return self._record(node, start_node, end_node)

    @contextmanager
    def _record(
        self, node: CSTNode, start_node: Optional[CSTNode], end_node: Optional[CSTNode]
    ) -> Iterator[None]:
        start = self.here()
        yield
        end = self.here()
        if start_node is not None:
            start = self._borrowed(start_node).start
        if end_node is not None:
            end = self._borrowed(end_node).end
        self._found(node, CodeRange(start, end))

    def _borrowed(self, node: CSTNode) -> CodeRange:
        where = self.found.get(node)
        if where is None:
            raise _Unsupported
        return where

    def _found(self, node: CSTNode, where: CodeRange) -> None:
        self.found[node] = where
        if node in self.asked:
            self.left -= 1
            if not self.left:
                raise _Done


def positions_of(module: Module, nodes: Iterable[CSTNode]) -> Dict[CSTNode, CodeRange]:
    """The range of each of ``nodes`` (those in ``module``), as libcst's PositionProvider gives it."""
    asked = set(nodes)
    if not asked:
        return {}
    state = _SomePositions(module, asked)
    try:
        module._codegen(state)
    except _Done:
        pass
    except _Unsupported:  # pragma: no cover - no libcst node borrows a position rendered before it
        return _every_position(module)
    return {node: where for node, where in state.found.items() if node in asked}


def _every_position(module: Module) -> Dict[CSTNode, CodeRange]:
    from libcst.metadata import MetadataWrapper, PositionProvider

    return dict(MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider))
