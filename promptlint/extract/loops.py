"""Facts about the loops around an LLM call: their kind, what they iterate, whether a cap is visible, how
they can end, and what flows from one iteration to the next (the call's result, a message list that grows).

Everything here is syntactic and local to the call's function; when a fact cannot be seen, the answer is the
one that keeps the rules quiet (a loop "may be capped", a list "may be trimmed").
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Iterator, List, Optional, Sequence, Set, Tuple

import libcst as cst

from promptlint.extract.history import unbounded_history
from promptlint.extract.literals import int_literal
from promptlint.extract.loop_exits import body_cap, cap_like, counters, exits
from promptlint.extract.provenance import Qualified, qualify
from promptlint.extract.scopes import Scope
from promptlint.extract.tree import (
    bound_names,
    dotted_name,
    identifiers,
    nodes_under,
    one_line,
    path_to,
    references,
    statements,
)
from promptlint.ir import LoopInfo

_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)
_MAX_DEPTH = 8
# Iterables that repeat or retry rather than walk over data.
_INFINITE = ("itertools.count", "itertools.cycle", "itertools.repeat")
_RETRYING = ("tenacity.", "backoff.", "stamina.")
# Wrappers that iterate over what they are given.
_PASS_THROUGH = {"enumerate", "sorted", "list", "tuple", "reversed", "set", "frozenset", "iter"}
_PASS_THROUGH_QUALIFIED = ("tqdm.tqdm", "tqdm.auto.tqdm", "tqdm.notebook.tqdm", "tqdm.std.tqdm")
# Calls that wait for a person or a peer.
_INPUT_QUALIFIED = (
    "sys.stdin",
    "getpass.getpass",
    "click.prompt",
    "typer.prompt",
    "rich.prompt",
    "questionary",
    "prompt_toolkit",
    "inquirer",
    "streamlit.chat_input",
    "streamlit.text_input",
)
_INPUT_METHODS = {"receive", "receive_text", "receive_json", "receive_bytes", "recv", "readline"}


def _loop_body(loop: cst.CSTNode) -> List[cst.CSTNode]:
    if isinstance(loop, (cst.For, cst.While)):
        return statements(loop.body)
    if isinstance(loop, cst.DictComp):
        return [loop.key, loop.value]
    return [loop.elt]  # type: ignore[attr-defined]


# -- what is iterated -----------------------------------------------------------------------------------------------


def _qualified(expr: cst.BaseExpression, scope: Scope) -> Optional[str]:
    origin = qualify(expr, scope)
    return origin.name if isinstance(origin, Qualified) else None


def _is_builtin(func: cst.BaseExpression, name: str, scope: Scope) -> bool:
    return isinstance(func, cst.Name) and func.value == name and not scope.lookup(name)[1]


def _unwrap(expr: cst.BaseExpression, scope: Scope) -> cst.BaseExpression:
    """``enumerate(xs)``, ``sorted(xs)``, ``tqdm(xs)`` -> ``xs``."""
    for _ in range(_MAX_DEPTH):
        if not (isinstance(expr, cst.Call) and expr.args and not expr.args[0].star):
            return expr
        func = expr.func
        if isinstance(func, cst.Name) and func.value in _PASS_THROUGH and not scope.lookup(func.value)[1]:
            expr = expr.args[0].value
        elif _qualified(func, scope) in _PASS_THROUGH_QUALIFIED:
            expr = expr.args[0].value
        else:
            return expr
    return expr


def iteration_count(expr: cst.BaseExpression, scope: Scope, depth: int = 0) -> Optional[int]:
    """How many items iterating over ``expr`` gives, when the code fixes it: a literal collection (through a
    name bound once and never added to), ``range(<int>)``, ``dict.items()`` of a literal."""
    if depth > _MAX_DEPTH:
        return None
    expr = _unwrap(expr, scope)
    if isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
        if all(isinstance(element, cst.Element) for element in expr.elements):
            return len(expr.elements)
        return None
    if isinstance(expr, cst.Dict):
        if all(isinstance(element, cst.DictElement) for element in expr.elements):
            return len(expr.elements)
        return None
    if isinstance(expr, cst.Call):
        func = expr.func
        if _is_builtin(func, "range", scope):
            values = [int_literal(arg.value) for arg in expr.args]
            if (
                values
                and all(value is not None for value in values)
                and not any(a.keyword for a in expr.args)
            ):
                try:
                    return len(range(*values))  # type: ignore[arg-type]
                except (TypeError, ValueError):
                    return None
            length = _len_of(expr)
            return iteration_count(length, scope, depth + 1) if length is not None else None
        if _is_builtin(func, "zip", scope) and expr.args:
            counts = [iteration_count(arg.value, scope, depth + 1) for arg in expr.args if not arg.keyword]
            known = [count for count in counts if count is not None]
            return min(known) if known and len(known) == len(counts) else None
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value in ("items", "keys", "values")
            and not expr.args
        ):
            return iteration_count(func.value, scope, depth + 1)
        return None
    if isinstance(expr, cst.Name):
        binding = scope.assigned_once(expr.value)
        if binding is None:
            return None
        if any(mutation.method != "escape" for mutation in binding.scope.mutations.get(expr.value, [])):
            return None
        return iteration_count(binding.value, binding.scope, depth + 1)
    return None


def _len_of(call: cst.Call) -> Optional[cst.BaseExpression]:
    """``range(len(xs))`` -> ``xs``."""
    if len(call.args) != 1:
        return None
    inner = call.args[0].value
    if (
        isinstance(inner, cst.Call)
        and isinstance(inner.func, cst.Name)
        and inner.func.value == "len"
        and len(inner.args) == 1
    ):
        return inner.args[0].value
    return None


def _iteration(
    target: Optional[cst.BaseExpression], iterable: cst.BaseExpression, scope: Scope
) -> Tuple[bool, bool, Optional[cst.CSTNode]]:
    """(infinite, over a collection, cap) for a ``for`` loop or a comprehension."""
    inner = _unwrap(iterable, scope)
    if isinstance(inner, cst.Call):
        name = _qualified(inner.func, scope)
        if name in _INFINITE and (name != "itertools.repeat" or len(inner.args) < 2):
            return True, False, None
        if _is_builtin(inner.func, "iter", scope) and len(inner.args) == 2:
            return True, False, None  # ``iter(callable, sentinel)``
        if name is not None and name.startswith(_RETRYING):
            return False, False, inner
        if name == "itertools.islice":
            return False, True, inner
        if _is_builtin(inner.func, "range", scope):
            if _len_of(inner) is not None:
                return False, True, None
            return False, False, inner
    if isinstance(target, cst.Name) and target.value.strip("_") == "":
        return False, False, None  # ``for _ in ...``: the same request again, not one per item
    words = list(identifiers(iterable)) + (list(identifiers(target)) if target is not None else [])
    if any(re.search(r"retry|retries|attempt", word, re.IGNORECASE) for word in words):
        return False, False, None
    return False, True, None


# -- flows between iterations ---------------------------------------------------------------------------------------


def _flows(body: Sequence[cst.CSTNode]) -> List[Tuple[List[str], cst.CSTNode]]:
    """Every (names changed, value they take) in the body: assignments, loop targets, ``with`` targets, and
    containers filled in place (``xs.append(v)``, ``xs[k] = v``)."""
    flows: List[Tuple[List[str], cst.CSTNode]] = []
    for statement in body:
        for node in nodes_under(statement):
            if isinstance(node, cst.Assign):
                for target in node.targets:
                    flows.append((bound_names(target.target), node.value))
            elif isinstance(node, (cst.AnnAssign, cst.AugAssign)) and node.value is not None:
                flows.append((bound_names(node.target), node.value))
            elif isinstance(node, cst.NamedExpr):
                flows.append((bound_names(node.target), node.value))
            elif isinstance(node, (cst.For, cst.CompFor)):
                flows.append((bound_names(node.target), node.iter))
            elif isinstance(node, cst.WithItem) and node.asname is not None:
                flows.append((bound_names(node.asname.name), node.item))
            elif (
                isinstance(node, cst.Call)
                and isinstance(node.func, cst.Attribute)
                and node.func.attr.value
                in ("append", "extend", "insert", "add", "update", "setdefault", "put")
            ):
                container = dotted_name(node.func.value)
                if container:
                    for arg in node.args:
                        flows.append(([container], arg.value))
    return flows


def _tainted(body: Sequence[cst.CSTNode], call_path: Set[int]) -> Set[str]:
    """Names that hold (something computed from) the call's result, anywhere in the loop body."""
    flows = _flows(body)
    reading = [(names, references(value), value) for names, value in flows]
    tainted: Set[str] = set()
    changed = True
    while changed:
        changed = False
        for names, reads, value in reading:
            if all(name in tainted for name in names):
                continue
            if id(value) in call_path or reads & tainted:
                for name in names:
                    if name not in tainted:
                        tainted.add(name)
                        changed = True
    return tainted


def _depends(expr: cst.CSTNode, tainted: Set[str], call_path: Set[int]) -> bool:
    return id(expr) in call_path or bool(references(expr) & tainted)


def _guard_depends(guard: cst.CSTNode, tainted: Set[str], call_path: Set[int]) -> bool:
    """Whether reaching an exit past ``guard`` depends on what the model said. A statement before the exit
    in a ``try`` body counts when it reads the response (``json.loads(reply)``), not when it is the request
    itself: a retry until the request succeeds is not a loop on the model's output."""
    if isinstance(guard, cst.SimpleStatementLine):
        if id(guard) in call_path:
            return False
        return any(_depends(value, tainted, set()) for value in _statement_values(guard))
    if isinstance(guard, cst.BaseCompoundStatement):
        return False
    return _on_output(guard, tainted, call_path)


def _on_output(expr: cst.CSTNode, tainted: Set[str], call_path: Set[int], negated: bool = False) -> bool:
    """Whether a condition can only come true through the model's output: ``done or cancelled()`` has a
    way out that is not the model's, ``done and not paused()`` does not."""
    if isinstance(expr, cst.BooleanOperation):
        either = isinstance(expr.operator, cst.Or) != negated
        left = _on_output(expr.left, tainted, call_path, negated)
        right = _on_output(expr.right, tainted, call_path, negated)
        return (left and right) if either else (left or right)
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Not):
        return _on_output(expr.expression, tainted, call_path, not negated)
    return _depends(expr, tainted, call_path)


def _statement_values(line: cst.SimpleStatementLine) -> Iterator[cst.CSTNode]:
    """What the small statements of a line read (not the names they assign)."""
    for small in line.body:
        value = getattr(small, "value", None)
        if isinstance(small, (cst.Assign, cst.AnnAssign, cst.AugAssign, cst.Expr, cst.Return)):
            if value is not None:
                yield value
        else:
            yield small


def _reads_input(body: Sequence[cst.CSTNode], scope: Scope) -> bool:
    for statement in body:
        for node in nodes_under(statement):
            if not isinstance(node, cst.Call):
                continue
            func = node.func
            if _is_builtin(func, "input", scope):
                return True
            if isinstance(func, cst.Attribute) and func.attr.value in _INPUT_METHODS:
                return True
            name = _qualified(func, scope)
            if name is not None and any(name == q or name.startswith(q + ".") for q in _INPUT_QUALIFIED):
                return True
    return False


def _yields(body: Sequence[cst.CSTNode]) -> bool:
    return any(isinstance(node, cst.Yield) for statement in body for node in nodes_under(statement))


# -- the facts ------------------------------------------------------------------------------------------------------


def loop_facts(
    loops: Sequence[cst.CSTNode],
    call: cst.Call,
    scope: Scope,
    history: Optional[cst.BaseExpression] = None,
) -> Tuple[LoopInfo, ...]:
    """A LoopInfo for each loop around ``call`` (given outermost first), innermost first."""
    facts: List[LoopInfo] = []
    inner_first = [(loop, _loop_body(loop)) for loop in reversed(loops)]
    resent = unbounded_history(inner_first, call, scope, history)
    for loop, body in inner_first:
        info = _one_loop(loop, body, call, scope)
        if resent is not None and resent[0] is loop:
            info = replace(info, history=resent[1], history_node=resent[2])
        facts.append(info)
    return tuple(facts)


def _one_loop(loop: cst.CSTNode, body: List[cst.CSTNode], call: cst.Call, scope: Scope) -> LoopInfo:
    call_path = path_to(loop, call)
    tainted = _tainted(body, call_path)
    counted = counters(body)
    ways_out = list(exits(body, scope)) if isinstance(loop, (cst.For, cst.While)) else []
    cap: Optional[cst.CSTNode] = None
    infinite = False
    over_collection = False
    iterable: Optional[cst.BaseExpression] = None
    count: Optional[int] = None
    if isinstance(loop, cst.For):
        kind = "async-for" if loop.asynchronous is not None else "for"
        iterable = loop.iter
        infinite, over_collection, cap = _iteration(loop.target, loop.iter, scope)
    elif isinstance(loop, cst.While):
        constant = _truthy_constant(loop.test)
        kind = "while-true" if constant else "while"
        infinite = constant
        if not constant and cap_like(loop.test, counted):
            cap = loop.test
    else:
        kind = "comprehension"
        for_in = loop.for_in  # type: ignore[attr-defined]
        iterable = for_in.iter
        infinite, over_collection, cap = _iteration(for_in.target, for_in.iter, scope)
        infinite = False  # a comprehension over an endless iterator never gets as far as a request
    if infinite:
        kind = "while-true"
    if iterable is not None and not infinite:
        count = iteration_count(iterable, scope)
        if isinstance(loop, _COMPREHENSIONS) and loop.for_in.inner_for_in is not None:  # type: ignore
            count = None  # nested ``for`` clauses: a product
    live_exits = [e for e in ways_out if not e.in_handler]
    if cap is None:
        for (
            exit_
        ) in ways_out:  # a counted retry in an ``except`` handler (``if attempt >= 3: raise``) caps too
            guard = next((g for g in exit_.guards if id(g) not in call_path and cap_like(g, counted)), None)
            if guard is not None:
                cap = guard
                break
    if cap is None:
        cap = body_cap(body)
    if cap is None and kind == "while":
        # ``while not done:`` with ``done = ... or turn >= MAX`` in the body.
        reads = references(loop.test)  # type: ignore[attr-defined]
        for names, value in _flows(body):
            if set(names) & reads and cap_like(value, counted):
                cap = value
                break
    exits_on_output = False
    if cap is None and kind in ("while-true", "while"):
        endings = [e for e in live_exits if e.kind in ("break", "return", "exit", "raise")]
        on_output = all(any(_guard_depends(g, tainted, call_path) for g in e.guards) for e in endings)
        if kind == "while-true":
            exits_on_output = bool(endings) and on_output
        else:
            test = loop.test  # type: ignore[attr-defined]
            roots = {r for r in references(test) if "." not in r}
            from_output = bool(roots) and all(root in tainted for root in roots)
            exits_on_output = on_output and (from_output or id(test) in call_path)
    feeds = any(_depends(arg.value, tainted, set()) for arg in call.args)
    return LoopInfo(
        kind=kind,
        node=loop,
        iterable=one_line(iterable) if iterable is not None else "",
        iterable_node=iterable,
        items=count,
        over_collection=over_collection and not infinite,
        capped=cap is not None,
        cap=one_line(cap) if cap is not None else "",
        exits_on_output=exits_on_output,
        early_exit=any(e.kind in ("break", "return") for e in live_exits),
        result_feeds_prompt=feeds,
        reads_input=_reads_input(body, scope),
        yields=_yields(body),
    )


def _truthy_constant(test: cst.BaseExpression) -> bool:
    if isinstance(test, cst.Name) and test.value == "True":
        return True
    if isinstance(test, cst.Integer):
        return int_literal(test) not in (None, 0)
    return False
