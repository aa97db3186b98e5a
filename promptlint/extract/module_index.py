"""Facts about a module's nodes that some rules need and most files never do: parent links, and which
lines can carry a suppression comment. Each is computed on first use, once per module."""

from __future__ import annotations

from typing import Dict, Iterable, Iterator, Optional, Set

import libcst as cst


class ModuleIndex:
    """Lazily computed parent links and line facts of one libcst module (nodes keep their identity)."""

    def __init__(self, module: cst.Module) -> None:
        self.module = module
        self._parents: Optional[Dict[cst.CSTNode, cst.CSTNode]] = None
        self._positions = None
        self._string_lines: Optional[Set[int]] = None

    @property
    def parents(self) -> Dict[cst.CSTNode, cst.CSTNode]:
        if self._parents is None:
            from libcst.metadata import MetadataWrapper, ParentNodeProvider

            wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
            self._parents = dict(wrapper.resolve(ParentNodeProvider))
        return self._parents

    def parent(self, node: cst.CSTNode) -> Optional[cst.CSTNode]:
        return self.parents.get(node)

    def ancestors(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        current = self.parents.get(node)
        while current is not None:
            yield current
            current = self.parents.get(current)

    def inside(self, node: cst.CSTNode, container: cst.CSTNode) -> bool:
        return any(ancestor is container for ancestor in self.ancestors(node))

    def line(self, node: cst.CSTNode) -> Optional[int]:
        """The 1-based line a node starts on."""
        if self._positions is None:
            from libcst.metadata import MetadataWrapper, PositionProvider

            wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
            self._positions = wrapper.resolve(PositionProvider)
        where = self._positions.get(node)
        return where.start.line if where is not None else None

    def commentable(self, node: cst.CSTNode) -> bool:
        """Whether the line a node starts on can end with a comment (``# noqa``): it is not inside, and does
        not open, a string literal that continues on the next line."""
        line = self.line(node)
        if line is None:
            return False
        if self._string_lines is None:
            self._string_lines = set()
            for string in _multiline_strings(self.module):
                first, last = self.line(string), self._end_line(string)
                if first is not None and last is not None:
                    self._string_lines.update(range(first, last))
        return line not in self._string_lines

    def report_node(self, candidates: Iterable[Optional[cst.CSTNode]]) -> Optional[cst.CSTNode]:
        """The first candidate whose line can carry a suppression comment, else the first candidate."""
        listed = [node for node in candidates if node is not None]
        for node in listed:
            if self.commentable(node):
                return node
        return listed[0] if listed else None

    def _end_line(self, node: cst.CSTNode) -> Optional[int]:
        self.line(node)
        where = self._positions.get(node)
        return where.end.line if where is not None else None


def _multiline_strings(module: cst.Module) -> Iterable[cst.CSTNode]:
    found = []

    class Visitor(cst.CSTVisitor):
        def visit_SimpleString(self, node: cst.SimpleString) -> None:
            if "\n" in node.value:
                found.append(node)

        def visit_FormattedString(self, node: cst.FormattedString) -> None:
            if any(isinstance(p, cst.FormattedStringText) and "\n" in p.value for p in node.parts):
                found.append(node)

    from promptlint.extract.walk import walk

    walk(module, Visitor())
    return found
