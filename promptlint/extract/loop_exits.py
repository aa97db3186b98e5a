"""How a loop can end: its exits (``break``, ``return``, ``raise``, ``sys.exit()``) with the conditions on
the way to each, and the caps a reader can see (a counter compared with a limit, a name that says "budget",
a call that says it enforces one).

Caps are read from names, so they are a heuristic that errs towards "capped": a loop that may be capped
keeps the loop rules quiet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator, Optional, Sequence, Set, Tuple

import libcst as cst

from promptlint.extract.provenance import Qualified, qualify
from promptlint.extract.scopes import Scope
from promptlint.extract.tree import dotted_name, identifiers, nodes_under, references, statements

# Identifiers that name an iteration or budget cap; a guard or a call that mentions one may bound the loop.
_CAP_WORDS = re.compile(
    r"budget|limit|max|turn|step|iteration|attempt|retry|retries|count|cost|spent|deadline|timeout|elapsed|"
    r"remaining|depth|quota|patience",
    re.IGNORECASE,
)
# Calls whose name says they enforce a cap (builtins such as ``max()`` or ``round()`` do not).
_CAP_CALL = re.compile(r"budget|limit|quota|exceed|max_|_max|iteration|turns|steps", re.IGNORECASE)
_ORDERING = (cst.LessThan, cst.LessThanEqual, cst.GreaterThan, cst.GreaterThanEqual)
_EXIT_CALLS = {"sys.exit", "os._exit"}


@dataclass(frozen=True)
class Exit:
    """One way out of a loop."""

    kind: str  # break, return, raise, exit
    node: cst.CSTNode
    guards: Tuple[cst.CSTNode, ...]  # conditions (and nested loops' iterables) on the way to the exit
    in_handler: bool  # inside an ``except`` block: an error path


def exits(
    body: Sequence[cst.CSTNode],
    scope: Scope,
    guards: Tuple[cst.CSTNode, ...] = (),
    in_handler: bool = False,
    nested_loop: bool = False,
) -> Iterator[Exit]:
    """The exits of a loop whose body is ``body``, in source order (a ``break`` of a nested loop is not one)."""
    for statement in body:
        if isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            yield from _small_exits(statement, scope, guards, in_handler, nested_loop)
        elif isinstance(statement, cst.If):
            yield from _if_exits(statement, scope, guards, in_handler, nested_loop)
        elif isinstance(statement, (cst.For, cst.While)):
            inner = guards + ((statement.iter,) if isinstance(statement, cst.For) else (statement.test,))
            yield from exits(statements(statement.body), scope, inner, in_handler, True)
            if statement.orelse is not None:
                yield from exits(statements(statement.orelse.body), scope, inner, in_handler, nested_loop)
        elif isinstance(statement, (cst.Try, cst.TryStar)):
            yield from _try_exits(statement, scope, guards, in_handler, nested_loop)
        elif isinstance(statement, cst.With):
            yield from exits(statements(statement.body), scope, guards, in_handler, nested_loop)
        elif isinstance(statement, cst.Match):
            for case in statement.cases:
                inner = guards + (statement.subject,) + ((case.guard,) if case.guard is not None else ())
                yield from exits(statements(case.body), scope, inner, in_handler, nested_loop)


def _small_exits(
    line: cst.CSTNode, scope: Scope, guards: Tuple[cst.CSTNode, ...], in_handler: bool, nested_loop: bool
) -> Iterator[Exit]:
    for small in line.body:  # type: ignore[attr-defined]
        if isinstance(small, cst.Break) and not nested_loop:
            yield Exit("break", small, guards, in_handler)
        elif isinstance(small, cst.Return):
            yield Exit("return", small, guards, in_handler)
        elif isinstance(small, cst.Raise):
            yield Exit("raise", small, guards, in_handler)
        elif isinstance(small, cst.Expr) and _is_exit_call(small.value, scope):
            yield Exit("exit", small, guards, in_handler)


def _try_exits(
    statement: cst.BaseCompoundStatement,
    scope: Scope,
    guards: Tuple[cst.CSTNode, ...],
    in_handler: bool,
    nested_loop: bool,
) -> Iterator[Exit]:
    # An exit in a ``try`` body is reached only when the statements before it did not raise:
    # ``data = json.loads(reply); break`` ends the loop only on a well-formed reply.
    body = statements(statement.body)
    for index in range(len(body)):
        before = guards + tuple(body[:index])
        yield from exits(body[index : index + 1], scope, before, in_handler, nested_loop)
    for handler in statement.handlers:  # type: ignore[attr-defined]
        yield from exits(statements(handler.body), scope, guards, True, nested_loop)
    for extra in (statement.orelse, statement.finalbody):  # type: ignore[attr-defined]
        if extra is not None:
            yield from exits(statements(extra.body), scope, guards, in_handler, nested_loop)


def _if_exits(
    statement: cst.If, scope: Scope, guards: Tuple[cst.CSTNode, ...], in_handler: bool, nested_loop: bool
) -> Iterator[Exit]:
    inner = guards + (statement.test,)
    yield from exits(statements(statement.body), scope, inner, in_handler, nested_loop)
    orelse = statement.orelse
    if isinstance(orelse, cst.If):  # ``elif``: reached only when the earlier test failed
        yield from _if_exits(orelse, scope, inner, in_handler, nested_loop)
    elif isinstance(orelse, cst.Else):
        yield from exits(statements(orelse.body), scope, inner, in_handler, nested_loop)


def _is_exit_call(expr: cst.BaseExpression, scope: Scope) -> bool:
    if not isinstance(expr, cst.Call):
        return False
    if isinstance(expr.func, cst.Name) and expr.func.value in ("exit", "quit"):
        return qualify(expr.func, scope) is None
    origin = qualify(expr.func, scope)
    return isinstance(origin, Qualified) and origin.name in _EXIT_CALLS


def counters(body: Sequence[cst.CSTNode]) -> Set[str]:
    """Names counted up or down in the body: ``turn += 1``, ``spent += usage.total_tokens``."""
    found: Set[str] = set()
    for statement in body:
        for node in nodes_under(statement):
            if isinstance(node, cst.AugAssign) and isinstance(
                node.operator, (cst.AddAssign, cst.SubtractAssign)
            ):
                value = node.value
                numeric = isinstance(value, (cst.Integer, cst.Float)) or any(
                    re.search(r"token|cost|usage|price", word, re.IGNORECASE) for word in identifiers(value)
                )
                dotted = dotted_name(node.target)
                if numeric and dotted:
                    found.add(dotted)
    return found


def cap_like(expr: cst.CSTNode, counted: Set[str]) -> bool:
    """An ordering comparison, an equality test on a counter, or a name that says "limit"/"budget"/"max"
    (keyword names of a call, such as ``max_tokens=``, do not count)."""
    for node in nodes_under(expr, values_only=True):
        if isinstance(node, cst.Comparison):
            for target in node.comparisons:
                if isinstance(target.operator, _ORDERING):
                    return True
            if counted and references(node) & counted:
                return True
        elif isinstance(node, cst.Name) and _CAP_WORDS.search(node.value):
            return True
        elif isinstance(node, cst.Attribute) and _CAP_WORDS.search(node.attr.value):
            return True
    return False


def body_cap(body: Sequence[cst.CSTNode]) -> Optional[cst.CSTNode]:
    """A call in the body whose name says it checks a cap: ``budget.charge(usage)``, ``enforce_limit()``."""
    for statement in body:
        for node in nodes_under(statement):
            if isinstance(node, cst.Call):
                func = node.func
                name = (
                    func.value
                    if isinstance(func, cst.Name)
                    else func.attr.value
                    if isinstance(func, cst.Attribute)
                    else ""
                )
                receiver = dotted_name(func.value) if isinstance(func, cst.Attribute) else None
                if _CAP_CALL.search(name) or (receiver is not None and re.search(r"budget|limit", receiver)):
                    return node
    return None
