"""Facts about the loops around an LLM call: their kind, what they iterate, whether a cap is visible, how
they can end, and what flows from one iteration to the next (the call's result, a message list that grows).

Everything here is syntactic and local to the call's function; when a fact cannot be seen, the answer is the
one that keeps the rules quiet (a loop "may be capped", a list "may be trimmed").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional, Sequence, Set, Tuple

import libcst as cst

from promptlint.extract.provenance import Instance, Qualified, qualify, single_binding
from promptlint.extract.scopes import CallSite, Scope, dotted_name
from promptlint.ir import LLMCall, LoopInfo

_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)
_NESTED_SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)
_MAX_DEPTH = 8
# Identifiers that name an iteration or budget cap; a guard or a call that mentions one may bound the loop.
_CAP_WORDS = re.compile(
    r"budget|limit|max|turn|step|iteration|attempt|retry|retries|count|cost|spent|deadline|timeout|elapsed|"
    r"remaining|depth|quota|patience",
    re.IGNORECASE,
)
# Calls whose name says they enforce a cap (builtins such as ``max()`` or ``round()`` do not).
_CAP_CALL = re.compile(r"budget|limit|quota|exceed|max_|_max|iteration|turns|steps", re.IGNORECASE)
_ORDERING = (cst.LessThan, cst.LessThanEqual, cst.GreaterThan, cst.GreaterThanEqual)
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
_EXIT_CALLS = {"sys.exit", "os._exit"}
# Calls a message list may be handed to without being changed.
_READS_ONLY = frozenset(
    "print len str repr bool isinstance id type hash list tuple enumerate zip iter reversed any all sum".split()
)
_READ_ONLY_METHODS = frozenset(
    "debug info warning warn error exception critical log dumps pformat pprint".split()
)
_TRIMMING_METHODS = {"pop", "clear", "remove", "popleft"}
_GROWING_METHODS = {"append", "extend", "insert"}


def _code(node: cst.CSTNode) -> str:
    return " ".join(cst.Module([]).code_for_node(node).split())


def _statements(block: cst.CSTNode) -> List[cst.CSTNode]:
    if isinstance(block, cst.IndentedBlock):
        return list(block.body)
    return [block]  # a SimpleStatementSuite: ``if x: break``


def _walk(node: cst.CSTNode, skip_nested: bool = True) -> Iterator[cst.CSTNode]:
    """Every node under ``node`` (itself included), not entering nested functions, classes or lambdas."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if skip_nested and current is not node and isinstance(current, _NESTED_SCOPES):
            continue
        stack.extend(reversed(current.children))


def _walk_values(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Like ``_walk``, without the keyword names of call arguments."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if current is not node and isinstance(current, _NESTED_SCOPES):
            continue
        if isinstance(current, cst.Arg):
            stack.append(current.value)
            continue
        stack.extend(reversed(current.children))


def _identifiers(expr: cst.CSTNode) -> Iterator[str]:
    for node in _walk(expr):
        if isinstance(node, cst.Name):
            yield node.value
        elif isinstance(node, cst.Attribute):
            yield node.attr.value


def _references(expr: cst.CSTNode) -> Set[str]:
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
            stack.extend(node.children)
    return found


def _bound_names(target: cst.CSTNode) -> List[str]:
    """The names an assignment target binds or changes: ``x``, ``a, b``, ``self.x``, ``x[k]`` (x)."""
    if isinstance(target, (cst.Tuple, cst.List)):
        names: List[str] = []
        for element in target.elements:
            names.extend(_bound_names(element.value))
        return names
    if isinstance(target, cst.StarredElement):
        return _bound_names(target.value)
    if isinstance(target, cst.Subscript):
        return _bound_names(target.value)
    dotted = dotted_name(target)
    return [dotted] if dotted else []


def _loop_body(loop: cst.CSTNode) -> List[cst.CSTNode]:
    if isinstance(loop, (cst.For, cst.While)):
        return _statements(loop.body)
    if isinstance(loop, cst.DictComp):
        return [loop.key, loop.value]
    return [loop.elt]  # type: ignore[attr-defined]


# -- exits ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Exit:
    kind: str  # break, return, raise, exit
    node: cst.CSTNode
    guards: Tuple[cst.CSTNode, ...]  # conditions (and nested loops' iterables) on the way to the exit
    in_handler: bool  # inside an ``except`` block: an error path


def _exits(
    statements: Sequence[cst.CSTNode],
    scope: Scope,
    guards: Tuple[cst.CSTNode, ...] = (),
    in_handler: bool = False,
    nested_loop: bool = False,
) -> Iterator[_Exit]:
    for statement in statements:
        if isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            for small in statement.body:
                if isinstance(small, cst.Break) and not nested_loop:
                    yield _Exit("break", small, guards, in_handler)
                elif isinstance(small, cst.Return):
                    yield _Exit("return", small, guards, in_handler)
                elif isinstance(small, cst.Raise):
                    yield _Exit("raise", small, guards, in_handler)
                elif isinstance(small, cst.Expr) and _is_exit_call(small.value, scope):
                    yield _Exit("exit", small, guards, in_handler)
        elif isinstance(statement, cst.If):
            yield from _if_exits(statement, scope, guards, in_handler, nested_loop)
        elif isinstance(statement, cst.For):
            inner = guards + (statement.iter,)
            yield from _exits(_statements(statement.body), scope, inner, in_handler, True)
            if statement.orelse is not None:
                yield from _exits(_statements(statement.orelse.body), scope, inner, in_handler, nested_loop)
        elif isinstance(statement, cst.While):
            inner = guards + (statement.test,)
            yield from _exits(_statements(statement.body), scope, inner, in_handler, True)
            if statement.orelse is not None:
                yield from _exits(_statements(statement.orelse.body), scope, inner, in_handler, nested_loop)
        elif isinstance(statement, (cst.Try, cst.TryStar)):
            # An exit in a ``try`` body is reached only when the statements before it did not raise:
            # ``data = json.loads(reply); break`` ends the loop only on a well-formed reply.
            body = _statements(statement.body)
            for index in range(len(body)):
                before = guards + tuple(body[:index])
                yield from _exits(body[index : index + 1], scope, before, in_handler, nested_loop)
            for handler in statement.handlers:
                yield from _exits(_statements(handler.body), scope, guards, True, nested_loop)
            for extra in (statement.orelse, statement.finalbody):
                if extra is not None:
                    yield from _exits(_statements(extra.body), scope, guards, in_handler, nested_loop)
        elif isinstance(statement, cst.With):
            yield from _exits(_statements(statement.body), scope, guards, in_handler, nested_loop)
        elif isinstance(statement, cst.Match):
            for case in statement.cases:
                inner = guards + (statement.subject,) + ((case.guard,) if case.guard is not None else ())
                yield from _exits(_statements(case.body), scope, inner, in_handler, nested_loop)


def _if_exits(
    statement: cst.If, scope: Scope, guards: Tuple[cst.CSTNode, ...], in_handler: bool, nested_loop: bool
) -> Iterator[_Exit]:
    inner = guards + (statement.test,)
    yield from _exits(_statements(statement.body), scope, inner, in_handler, nested_loop)
    orelse = statement.orelse
    if isinstance(orelse, cst.If):  # ``elif``: reached only when the earlier test failed
        yield from _if_exits(orelse, scope, inner, in_handler, nested_loop)
    elif isinstance(orelse, cst.Else):
        yield from _exits(_statements(orelse.body), scope, inner, in_handler, nested_loop)


def _is_exit_call(expr: cst.BaseExpression, scope: Scope) -> bool:
    if not isinstance(expr, cst.Call):
        return False
    if isinstance(expr.func, cst.Name) and expr.func.value in ("exit", "quit"):
        return qualify(expr.func, scope) is None
    origin = qualify(expr.func, scope)
    return isinstance(origin, Qualified) and origin.name in _EXIT_CALLS


# -- caps ---------------------------------------------------------------------------------------------------------


def _counters(body: Sequence[cst.CSTNode]) -> Set[str]:
    """Names counted up or down in the body: ``turn += 1``, ``spent += usage.total_tokens``."""
    found: Set[str] = set()
    for statement in body:
        for node in _walk(statement):
            if isinstance(node, cst.AugAssign) and isinstance(
                node.operator, (cst.AddAssign, cst.SubtractAssign)
            ):
                value = node.value
                numeric = isinstance(value, (cst.Integer, cst.Float)) or any(
                    re.search(r"token|cost|usage|price", word, re.IGNORECASE) for word in _identifiers(value)
                )
                dotted = dotted_name(node.target)
                if numeric and dotted:
                    found.add(dotted)
    return found


def _cap_like(expr: cst.CSTNode, counters: Set[str]) -> bool:
    """An ordering comparison, an equality test on a counter, or a name that says "limit"/"budget"/"max"
    (keyword names of a call, such as ``max_tokens=``, do not count)."""
    for node in _walk_values(expr):
        if isinstance(node, cst.Comparison):
            for target in node.comparisons:
                if isinstance(target.operator, _ORDERING):
                    return True
            if counters and _references(node) & counters:
                return True
        elif isinstance(node, cst.Name) and _CAP_WORDS.search(node.value):
            return True
        elif isinstance(node, cst.Attribute) and _CAP_WORDS.search(node.attr.value):
            return True
    return False


def _body_cap(body: Sequence[cst.CSTNode]) -> Optional[cst.CSTNode]:
    """A call in the body whose name says it checks a cap: ``budget.charge(usage)``, ``enforce_limit()``."""
    for statement in body:
        for node in _walk(statement):
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


def items(expr: cst.BaseExpression, scope: Scope, depth: int = 0) -> Optional[int]:
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
            values = [_int(arg.value) for arg in expr.args]
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
            return items(length, scope, depth + 1) if length is not None else None
        if _is_builtin(func, "zip", scope) and expr.args:
            counts = [items(arg.value, scope, depth + 1) for arg in expr.args if not arg.keyword]
            known = [count for count in counts if count is not None]
            return min(known) if known and len(known) == len(counts) else None
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value in ("items", "keys", "values")
            and not expr.args
        ):
            return items(func.value, scope, depth + 1)
        return None
    if isinstance(expr, cst.Name):
        owner, bindings = scope.lookup(expr.value)
        binding = single_binding(bindings)
        if binding is None or owner is None or binding.kind != "assign" or binding.value is None:
            return None
        if any(mutation.method != "escape" for mutation in owner.mutations.get(expr.value, [])):
            return None
        return items(binding.value, binding.scope, depth + 1)
    return None


def _int(expr: cst.BaseExpression) -> Optional[int]:
    if isinstance(expr, cst.Integer):
        try:
            return int(expr.value.replace("_", ""), 0)
        except ValueError:
            return None
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
        inner = _int(expr.expression)
        return -inner if inner is not None else None
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
    words = list(_identifiers(iterable)) + (list(_identifiers(target)) if target is not None else [])
    if any(re.search(r"retry|retries|attempt", word, re.IGNORECASE) for word in words):
        return False, False, None
    return False, True, None


# -- flows between iterations ---------------------------------------------------------------------------------------


def _path_to(root: cst.CSTNode, target: cst.CSTNode) -> Set[int]:
    """Ids of ``target`` and its ancestors up to ``root``; empty when ``target`` is not under ``root``."""
    stack: List[Tuple[cst.CSTNode, int]] = [(root, 0)]
    path: List[cst.CSTNode] = []
    while stack:
        node, depth = stack.pop()
        del path[depth:]
        path.append(node)
        if node is target:
            return {id(n) for n in path}
        for child in reversed(node.children):
            stack.append((child, depth + 1))
    return set()


def _flows(body: Sequence[cst.CSTNode]) -> List[Tuple[List[str], cst.CSTNode]]:
    """Every (names changed, value they take) in the body: assignments, loop targets, ``with`` targets, and
    containers filled in place (``xs.append(v)``, ``xs[k] = v``)."""
    flows: List[Tuple[List[str], cst.CSTNode]] = []
    for statement in body:
        for node in _walk(statement):
            if isinstance(node, cst.Assign):
                for target in node.targets:
                    flows.append((_bound_names(target.target), node.value))
            elif isinstance(node, (cst.AnnAssign, cst.AugAssign)) and node.value is not None:
                flows.append((_bound_names(node.target), node.value))
            elif isinstance(node, cst.NamedExpr):
                flows.append((_bound_names(node.target), node.value))
            elif isinstance(node, (cst.For, cst.CompFor)):
                flows.append((_bound_names(node.target), node.iter))
            elif isinstance(node, cst.WithItem) and node.asname is not None:
                flows.append((_bound_names(node.asname.name), node.item))
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
    references = [(names, _references(value), value) for names, value in flows]
    tainted: Set[str] = set()
    changed = True
    while changed:
        changed = False
        for names, reads, value in references:
            if all(name in tainted for name in names):
                continue
            if id(value) in call_path or reads & tainted:
                for name in names:
                    if name not in tainted:
                        tainted.add(name)
                        changed = True
    return tainted


def _depends(expr: cst.CSTNode, tainted: Set[str], call_path: Set[int]) -> bool:
    return id(expr) in call_path or bool(_references(expr) & tainted)


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
        for node in _walk(statement):
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
    return any(isinstance(node, cst.Yield) for statement in body for node in _walk(statement))


# -- growing message lists ------------------------------------------------------------------------------------------


def history_names(expr: Optional[cst.BaseExpression]) -> List[Tuple[str, cst.Name]]:
    """The plain names whose whole content a message argument sends: ``messages``, ``[system, *history]``,
    ``history + [turn]``, ``list(history)``."""
    if expr is None:
        return []
    if isinstance(expr, cst.Name):
        return [(expr.value, expr)]
    if isinstance(expr, (cst.List, cst.Tuple)):
        found: List[Tuple[str, cst.Name]] = []
        for element in expr.elements:
            if isinstance(element, cst.StarredElement) and isinstance(element.value, cst.Name):
                found.append((element.value.value, element.value))
        return found
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
        return history_names(expr.left) + history_names(expr.right)
    if isinstance(expr, cst.Call) and len(expr.args) == 1 and not expr.args[0].keyword:
        if isinstance(expr.func, cst.Name) and expr.func.value == "list":
            return history_names(expr.args[0].value)
    return []


def _grows(name: str, body: Sequence[cst.CSTNode]) -> bool:
    for statement in body:
        for node in _walk(statement):
            if (
                isinstance(node, cst.Call)
                and isinstance(node.func, cst.Attribute)
                and node.func.attr.value in _GROWING_METHODS
                and isinstance(node.func.value, cst.Name)
                and node.func.value.value == name
            ):
                return True
            if (
                isinstance(node, cst.AugAssign)
                and isinstance(node.operator, cst.AddAssign)
                and isinstance(node.target, cst.Name)
                and node.target.value == name
            ):
                return True
    return False


def _never_trimmed(name: str, loop: cst.CSTNode, call: cst.Call, scope: Scope) -> bool:
    """``name`` is one local list, bound once outside ``loop`` (or a parameter), that nothing in its function
    shortens: no rebinding, ``del``, ``pop``/``clear``/``remove``, slice assignment, or hand-off to a helper
    (which may trim it in place)."""
    owner, bindings = scope.lookup(name)
    if owner is None or owner.kind not in ("function", "module"):
        return False
    home = scope
    while home.kind == "comprehension" and home.parent is not None:
        home = home.parent
    if owner is not home:
        return False
    inside = {id(node) for node in _walk(loop, skip_nested=False)}
    real = [b for b in bindings if b.kind != "unknown"]
    augmented = len(bindings) - len(real)
    if len(real) != 1 or real[0].kind not in ("assign", "param"):
        return False
    if real[0].value is not None and id(real[0].value) in inside:
        return False  # rebuilt on every iteration
    for mutation in owner.mutations.get(name, []):
        # Recorded anywhere the name reaches, nested functions included: ``def reset(): history.clear()``.
        if mutation.method == "other" or (mutation.method == "setitem" and mutation.key is None):
            return False
        if mutation.method == "escape" and mutation.node is not call:
            if not isinstance(qualify(mutation.node.func, scope), Instance):  # type: ignore[attr-defined]
                return False
    for node in _walk(owner.node):
        if isinstance(node, cst.AugAssign) and dotted_name(node.target) == name:
            if not isinstance(node.operator, cst.AddAssign):
                return False
            augmented -= 1
        elif isinstance(node, cst.Del) and name in _references(node.target):
            return False
        elif isinstance(node, (cst.Assign, cst.AugAssign)):
            targets = node.targets if isinstance(node, cst.Assign) else []
            for target in targets:
                if isinstance(target.target, cst.Subscript) and dotted_name(target.target.value) == name:
                    return False  # ``history[:] = history[-10:]``
        elif isinstance(node, cst.Call) and node is not call:
            func = node.func
            if (
                isinstance(func, cst.Attribute)
                and isinstance(func.value, cst.Name)
                and func.value.value == name
            ):
                if func.attr.value in _TRIMMING_METHODS:
                    return False
                continue
            if any(name in _references(arg.value) and _handed_whole(arg.value, name) for arg in node.args):
                if (
                    isinstance(func, cst.Name)
                    and func.value in _READS_ONLY
                    and not scope.lookup(func.value)[1]
                ):
                    continue
                if isinstance(func, cst.Attribute) and func.attr.value in _READ_ONLY_METHODS:
                    continue
                if isinstance(qualify(func, scope), Instance):
                    continue  # another request through an SDK client: it reads the list
                return False
    return augmented == 0


def _handed_whole(expr: cst.BaseExpression, name: str) -> bool:
    """``f(history)``, ``f(messages=history)``, ``f([*history])``: the list itself reaches the callee."""
    if isinstance(expr, cst.Name):
        return expr.value == name
    return any(found == name for found, _ in history_names(expr))


# -- the facts ------------------------------------------------------------------------------------------------------


def loop_facts(
    loops: Sequence[cst.CSTNode],
    call: cst.Call,
    scope: Scope,
    history: Optional[cst.BaseExpression] = None,
) -> Tuple[LoopInfo, ...]:
    """A LoopInfo for each loop around ``call`` (given outermost first), innermost first."""
    facts: List[LoopInfo] = []
    candidates = history_names(history)
    history_found = False
    for loop in reversed(loops):
        info = _one_loop(loop, call, scope)
        if candidates and not history_found:
            body = _loop_body(loop)
            for name, node in candidates:
                if _grows(name, body):
                    history_found = True  # the innermost loop that grows it is the one that re-sends it
                    if _never_trimmed(name, loop, call, scope):
                        info = _replace(info, history=name, history_node=node)
                    break
        facts.append(info)
    return tuple(facts)


def _replace(info: LoopInfo, **changes) -> LoopInfo:
    from dataclasses import replace

    return replace(info, **changes)


def _one_loop(loop: cst.CSTNode, call: cst.Call, scope: Scope) -> LoopInfo:
    body = _loop_body(loop)
    call_path = _path_to(loop, call)
    tainted = _tainted(body, call_path)
    counters = _counters(body)
    exits = list(_exits(body, scope)) if isinstance(loop, (cst.For, cst.While)) else []
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
        if not constant and _cap_like(loop.test, counters):
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
        count = items(iterable, scope)
        if isinstance(loop, _COMPREHENSIONS) and loop.for_in.inner_for_in is not None:  # type: ignore
            count = None  # nested ``for`` clauses: a product
    live_exits = [e for e in exits if not e.in_handler]
    if cap is None:
        for exit_ in exits:  # a counted retry in an ``except`` handler (``if attempt >= 3: raise``) caps too
            guard = next((g for g in exit_.guards if id(g) not in call_path and _cap_like(g, counters)), None)
            if guard is not None:
                cap = guard
                break
    if cap is None:
        cap = _body_cap(body)
    if cap is None and kind == "while":
        # ``while not done:`` with ``done = ... or turn >= MAX`` in the body.
        reads = _references(loop.test)  # type: ignore[attr-defined]
        for names, value in _flows(body):
            if set(names) & reads and _cap_like(value, counters):
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
            roots = {r for r in _references(test) if "." not in r}
            from_output = bool(roots) and all(root in tainted for root in roots)
            exits_on_output = on_output and (from_output or id(test) in call_path)
    feeds = any(_depends(arg.value, tainted, set()) for arg in call.args)
    return LoopInfo(
        kind=kind,
        node=loop,
        iterable=_code(iterable) if iterable is not None else "",
        iterable_node=iterable,
        items=count,
        over_collection=over_collection and not infinite,
        capped=cap is not None,
        cap=_code(cap) if cap is not None else "",
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
        return _int(test) not in (None, 0)
    return False


# -- loops in the caller ------------------------------------------------------------------------------------------


def with_caller_loops(call: LLMCall, site: CallSite, sites: Sequence[CallSite]) -> LLMCall:
    """``call`` with ``caller_loops`` filled in when its function is a module-level ``def`` that the module
    calls exactly once, from inside loops (``for row in reader: writer.writerow(blurb(row))``), and refers to
    nowhere else (not handed to ``map`` or an executor)."""
    if site.loops or call.loops:
        return call
    function = site.scope
    if function.kind != "function" or not isinstance(function.node, cst.FunctionDef):
        return call
    module = function.parent
    if module is None or module.kind != "module":
        return call
    name = function.node.name.value
    bindings = module.bindings.get(name, [])
    if len(bindings) != 1 or bindings[0].kind != "def":
        return call
    callers = [
        other for other in _calls_by_name(sites).get(name, ()) if other.scope.lookup(name)[0] is module
    ]
    if len(callers) != 1 or not callers[0].loops:
        return call
    caller = callers[0]
    if any(scope is function for scope in _scopes_up(caller.scope)):
        return call  # a recursive call
    if _name_counts(module.node).get(name) != 2:  # the ``def`` and the one call
        return call
    via = _code(caller.node)
    facts = loop_facts(caller.loops, caller.node, caller.scope)
    return _replace(call, caller_loops=tuple(_replace(info, via=via) for info in facts))


def _scopes_up(scope: Optional[Scope]) -> Iterator[Scope]:
    while scope is not None:
        yield scope
        scope = scope.parent


# The call sites of the module being extracted, by the plain name they call: built once per module (the
# cache holds one module's list, compared by identity).
_BY_NAME: Tuple[Optional[Sequence[CallSite]], Dict[str, List[CallSite]]] = (None, {})


def _calls_by_name(sites: Sequence[CallSite]) -> Dict[str, List[CallSite]]:
    global _BY_NAME
    cached_sites, index = _BY_NAME
    if cached_sites is sites:
        return index
    index = {}
    for site in sites:
        if isinstance(site.node.func, cst.Name):
            index.setdefault(site.node.func.value, []).append(site)
    _BY_NAME = (sites, index)
    return index


_NAME_COUNTS: Tuple[Optional[cst.CSTNode], Dict[str, int]] = (None, {})


def _name_counts(module: cst.CSTNode) -> Dict[str, int]:
    """How often each name appears in the module, counted once per module (cached by identity)."""
    global _NAME_COUNTS
    cached, counts = _NAME_COUNTS
    if cached is module:
        return counts
    counts = {}
    for node in _walk(module, skip_nested=False):
        if isinstance(node, cst.Name):
            counts[node.value] = counts.get(node.value, 0) + 1
    _NAME_COUNTS = (module, counts)
    return counts
