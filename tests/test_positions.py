"""Positions computed for a few nodes are exactly those libcst's PositionProvider gives for the whole tree."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import List

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from promptlint.positions import positions_of
from promptlint.source import read_source

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SOURCES = sorted(FIXTURES.rglob("*.py"))
TRICKY = (
    "if a:\r\n    x = 1; y = (\r\n  2)\r\nelse:\n    @d\n    def f(a, *, b=-1) -> 'c':\n        '''doc\n"
    "string'''\n        return [i for i in a if i] + f\"{a!r:>{b}}\"\n\nclass C(B, metaclass=M):\n    pass\n"
    "match p:\n    case [1, *rest] | {'k': _}:\n        pass\nwith (a as b, c):\n    lambda: (yield)\n"
)


def every_node(module: cst.Module) -> List[cst.CSTNode]:
    """Each node that appears once in the tree (libcst shares some empty whitespace nodes; findings are
    never on those)."""
    found: List[cst.CSTNode] = []

    class Collect(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            found.append(node)
            return True

    module.visit(Collect())
    counts = Counter(map(id, found))
    return [node for node in found if counts[id(node)] == 1]


@pytest.mark.parametrize(
    "text",
    [TRICKY, *(read_source(path).text for path in SOURCES)],
    ids=["tricky", *(str(path.relative_to(FIXTURES)) for path in SOURCES)],
)
def test_the_same_ranges_as_libcst(text: str) -> None:
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError:
        return  # a fixture of a file that does not parse
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    nodes = [node for node in every_node(module) if node in expected]  # not all are rendered
    assert len(nodes) > 0.9 * len(expected)
    assert positions_of(module, nodes) == {node: expected[node] for node in nodes}
    for step in (3, 17):  # a few nodes, as findings ask: rendering stops after the last of them
        some = nodes[::step]
        assert positions_of(module, some) == {node: expected[node] for node in some}
    assert positions_of(module, []) == {}
