"""Small read-only helpers over a libcst tree: the nodes under a node, the names an expression reads or an
assignment target binds, a block's statements, a node's source on one line.

``walk.walk`` drives a visitor class over a whole module; the helpers here answer local questions about one
expression or one loop body, where writing a visitor would cost more than the question.
"""

from __future__ import annotations

from typing import Iterator, List, Optional, Set, Tuple

import libcst as cst

from promptlint.extract.walk import children

# Nodes that open a scope of their own: what runs inside them does not run where they are written.
NESTED_SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)


def nodes_under(
    node: cst.CSTNode, *, enter_nested_scopes: bool = False, values_only: bool = False
) -> Iterator[cst.CSTNode]:
    """Every node under ``node`` (itself included), in source order.

    Nested functions, classes and lambdas are yielded but not entered unless ``enter_nested_scopes``; with
    ``values_only`` the keyword names of call arguments are skipped (``max_tokens=`` names no value read).
    """
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if not enter_nested_scopes and current is not node and isinstance(current, NESTED_SCOPES):
            continue
        if values_only and isinstance(current, cst.Arg):
            stack.append(current.value)
            continue
        stack.extend(reversed(children(current)))


def dotted_name(node: cst.CSTNode) -> Optional[str]:
    """``a.b.c`` for a chain of names and attributes, else None."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted_name(node.value)
        return f"{base}.{node.attr.value}" if base else None
    return None


def attribute_chain(expr: cst.CSTNode) -> Optional[Tuple[str, List[str]]]:
    """``("pkg", ["prompts", "POLICY"])`` for ``pkg.prompts.POLICY``: the name a chain of attributes starts
    from and the attributes read from it, in order; None when it does not start from a name."""
    attributes: List[str] = []
    head = expr
    while isinstance(head, cst.Attribute):
        attributes.insert(0, head.attr.value)
        head = head.value
    if not isinstance(head, cst.Name):
        return None
    return head.value, attributes


def identifiers(expr: cst.CSTNode) -> Iterator[str]:
    """Every name and attribute name written in ``expr`` (outside nested scopes)."""
    for node in nodes_under(expr):
        if isinstance(node, cst.Name):
            yield node.value
        elif isinstance(node, cst.Attribute):
            yield node.attr.value


def references(expr: cst.CSTNode) -> Set[str]:
    """Names and dotted attribute paths read in ``expr`` (not attribute names or keywords on their own)."""
    found: Set[str] = set()
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Name):
            found.add(node.value)
        elif isinstance(node, cst.Attribute):
            dotted = dotted_name(node)
            if dotted:
                found.add(dotted)
            stack.append(node.value)
        elif isinstance(node, cst.Arg):
            stack.append(node.value)
        else:
            stack.extend(children(node))
    return found


def bound_names(target: cst.CSTNode) -> List[str]:
    """The names an assignment target binds or changes: ``x``, ``a, b``, ``self.x``, ``x[k]`` (x)."""
    if isinstance(target, (cst.Tuple, cst.List)):
        names: List[str] = []
        for element in target.elements:
            names.extend(bound_names(element.value))
        return names
    if isinstance(target, cst.StarredElement):
        return bound_names(target.value)
    if isinstance(target, cst.Subscript):
        return bound_names(target.value)
    dotted = dotted_name(target)
    return [dotted] if dotted else []


def statements(block: cst.CSTNode) -> List[cst.CSTNode]:
    """The statements of a block: an indented body, or the one-line suite of ``if x: break``."""
    if isinstance(block, cst.IndentedBlock):
        return list(block.body)
    return [block]


def path_to(root: cst.CSTNode, target: cst.CSTNode) -> Set[int]:
    """Ids of ``target`` and its ancestors up to ``root``; empty when ``target`` is not under ``root``."""
    stack = [(root, 0)]
    path: List[cst.CSTNode] = []
    while stack:
        node, depth = stack.pop()
        del path[depth:]
        path.append(node)
        if node is target:
            return {id(n) for n in path}
        for child in reversed(children(node)):
            stack.append((child, depth + 1))
    return set()


def one_line(node: cst.CSTNode) -> str:
    """The source of ``node`` with its whitespace collapsed to single spaces."""
    return " ".join(cst.Module([]).code_for_node(node).split())
