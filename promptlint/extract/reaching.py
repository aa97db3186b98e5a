"""Which assignments of a module-level name are still in force once the module has been imported.

The symbol table is flow-insensitive: ``completion = stub`` followed by ``if flag: completion = a`` /
``else: completion = b`` binds ``completion`` three times. A function runs after the import, when only the
assignments that reach the end of the module body can be what the name holds (here ``a`` or ``b``). This
follows the module's top-level statements in order, branch by branch; anything it does not model (loops,
``try``, ``match``) keeps every assignment that may reach, so the answer is a superset, never a guess.
"""

from __future__ import annotations

from typing import Dict, FrozenSet, Iterable, Sequence

import libcst as cst

# Per name: the ids of the assigned value expressions that may be what the name holds at this point.
State = Dict[str, FrozenSet[int]]


def reaching_at_end(module: cst.Module) -> State:
    """Per module-level name, the ids of the values (``Binding.value``) of the assignments that may reach
    the end of the module. A name bound by something other than an assignment (an import, a ``def``) is
    present with the assignments that may still reach next to it."""
    return _block(module.body, {})


def _block(statements: Sequence[cst.CSTNode], state: State) -> State:
    for statement in statements:
        state = _statement(statement, state)
    return state


def _union(states: Iterable[State]) -> State:
    merged: Dict[str, FrozenSet[int]] = {}
    for state in states:
        for name, values in state.items():
            merged[name] = merged.get(name, frozenset()) | values
    return merged


def _body(node: cst.CSTNode) -> Sequence[cst.CSTNode]:
    """The statements of a suite, or of the suite a compound statement or clause opens; a one-line suite
    (``if x: a = 1``) as one line."""
    suite = node if isinstance(node, cst.BaseSuite) else getattr(node, "body", None)
    if isinstance(suite, cst.IndentedBlock):
        return suite.body
    if isinstance(suite, cst.SimpleStatementSuite):
        return (cst.SimpleStatementLine(body=suite.body),)
    return ()


def _statement(statement: cst.CSTNode, state: State) -> State:
    if isinstance(statement, cst.SimpleStatementLine):
        for small in statement.body:
            state = _small(small, state)
        return state
    if isinstance(statement, cst.If):
        taken = _block(_body(statement), dict(state))
        orelse = statement.orelse
        if isinstance(orelse, cst.If):
            other = _statement(orelse, dict(state))
        elif isinstance(orelse, cst.Else):
            other = _block(_body(orelse), dict(state))
        else:
            other = state
        return _union((taken, other))
    if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
        return {**state, statement.name.value: frozenset()}
    if isinstance(statement, cst.With):
        return _block(_body(statement), state)
    # Loops, ``try`` and ``match``: each part may run or not; keep whatever may reach.
    states = [state]
    for child in statement.children:
        if isinstance(child, (cst.BaseSuite, cst.Else, cst.ExceptHandler, cst.Finally, cst.MatchCase)):
            states.append(_block(_body(child), _union(states)))
    return _union(states)


def _small(small: cst.BaseSmallStatement, state: State) -> State:
    if isinstance(small, cst.Assign):
        for target in small.targets:
            if isinstance(target.target, cst.Name):
                state = {**state, target.target.value: frozenset({id(small.value)})}
    elif isinstance(small, cst.AnnAssign) and small.value is not None:
        if isinstance(small.target, cst.Name):
            state = {**state, small.target.value: frozenset({id(small.value)})}
    elif isinstance(small, (cst.Import, cst.ImportFrom)) and not isinstance(small.names, cst.ImportStar):
        for alias in small.names:
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            else:
                name = alias.name
                while isinstance(name, cst.Attribute):
                    name = name.value
                local = name.value if isinstance(name, cst.Name) else ""
            if local:
                state = {**state, local: frozenset()}
    return state
