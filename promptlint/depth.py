"""How deeply a file's expressions nest, from one linear pass over its tokens, without parsing it.

CPython refuses an expression whose syntax tree is about 3,000 levels deep (``-`` repeated 3,000 times, a
``a + a + …`` chain of 3,000 terms, ``a.b.b.b…``), while libcst's parser takes quadratic time or memory
on such chains before it fails. This pass gives a lower bound of that depth, so that a file is refused only
when CPython could not compile it either.

The bound follows precedence: each binary operator that continues a left-nested chain (``+``, ``*``,
``|``, a call or attribute after another, …), each prefix operator (``-``, ``not``, ``await``, ``lambda``),
each ``**`` and each conditional expression adds a level to the expression it is in; an operator of lower
precedence, or a separator (``,``, ``=``, a keyword, the end of a statement), ends the chains above it.
Flat constructs (``or``, ``and``, comparisons, concatenated strings, tuples) count once. Brackets carry the
depth at which they open into what they contain. Strings and comments are skipped whole; text that is not
Python only makes the bound smaller.
"""

from __future__ import annotations

import re
from typing import List, Optional

# CPython 3.11 refuses from about 2,990 nested operators in one expression (its compiler's recursion limit,
# 3 × the default recursion limit of 1,000); libcst is still quick there. Deeper is never valid Python.
MAX_EXPRESSION_DEPTH = 3_000

_TOKEN = re.compile(
    r"""
    \#[^\r\n]*
    | (?:[rRbBuUfF]{1,2})?(?:'''(?:[^\\]|\\.)*?(?:'''|\Z)|\"\"\"(?:[^\\]|\\.)*?(?:\"\"\"|\Z)
        |'(?:[^\\'\r\n]|\\(?:\r\n|.))*'?|"(?:[^\\"\r\n]|\\(?:\r\n|.))*"?)
    | \\(?:\r\n|\r|\n)
    | \r\n|\r|\n
    | [^\W\d]\w*
    | \d[\w.]*(?:(?<=[eE])[-+]\d\w*)? | \.\d\w*
    | \.\.\.
    | \*\*=? | //=? | >>=? | <<=? | -> | := | [<>=!]= | [-+*/%@&|^<>]=? | [~()\[\]{}.,:;=]
    """,
    re.VERBOSE | re.DOTALL,
)

# Precedence levels, lowest first. Right-nesting ones count every operator; left-nesting ones count every
# operator for the chain's height but only one level for what follows; flat ones count once.
_LAMBDA, _IF, _OR, _AND, _NOT, _COMPARE = 0, 1, 2, 3, 4, 5
_UNARY, _POWER, _AWAIT, _POSTFIX = 12, 13, 14, 15
_LEVELS = 16
_RIGHT = frozenset({_LAMBDA, _IF, _NOT, _UNARY, _POWER, _AWAIT})
_FLAT = frozenset({_OR, _AND, _COMPARE})
_BINARY = {
    "or": _OR,
    "and": _AND,
    "<": _COMPARE,
    ">": _COMPARE,
    "==": _COMPARE,
    "!=": _COMPARE,
    "<=": _COMPARE,
    ">=": _COMPARE,
    "in": _COMPARE,
    "is": _COMPARE,
    "|": 6,
    "^": 7,
    "&": 8,
    "<<": 9,
    ">>": 9,
    "+": 10,
    "-": 10,
    "*": 11,
    "/": 11,
    "//": 11,
    "%": 11,
    "@": 11,
    "**": _POWER,
}
_PREFIX = {"-": _UNARY, "+": _UNARY, "~": _UNARY, "not": _NOT, "await": _AWAIT}
_OPERAND_WORDS = frozenset({"None", "True", "False"})
_OPENING = {"(": ")", "[": "]", "{": "}"}
_KEYWORDS = frozenset(
    """False None True and as assert async await break class continue def del elif else except finally
    for from global if import in is lambda nonlocal not or pass raise return try while with yield""".split()
)


class _Frame:
    """One bracket level (or the statement level): the chains open in it."""

    __slots__ = ("base", "counts", "left", "lambdas", "after_for", "group", "peak")

    def __init__(self, base: int, group: bool) -> None:
        self.base = base  # the depth the bracket opened at
        self.counts = [0] * _LEVELS
        self.left = [0] * _LEVELS  # the height of a chain's first operand, when it was a group
        self.lambdas = 0  # lambda parameter lists not yet closed by their colon
        self.after_for = False  # inside a comprehension: `if` filters, `in` separates
        self.group = group  # a plain parenthesis: it adds no level of its own
        self.peak = base  # the deepest level reached inside, brackets within included

    def reset(self) -> None:
        self.counts = [0] * _LEVELS
        self.left = [0] * _LEVELS

    def enclosing(self, below: int = _LEVELS) -> int:
        """The levels that contain whatever comes next at precedence ``below`` or above."""
        depth = self.base
        counts = self.counts
        for level in range(below):
            count = counts[level]
            if count:
                depth += count if level in _RIGHT else 1
        return depth


def expression_depth(text: str, limit: int = MAX_EXPRESSION_DEPTH) -> int:
    """A lower bound of the deepest expression nesting in ``text``; the scan stops once it exceeds
    ``limit``."""
    frames: List[_Frame] = [_Frame(0, False)]
    frame = frames[0]
    deepest = 0
    operand = False  # the previous token ends an operand (so `-` is binary, `(` a call)
    operand_height = 0  # the height of that operand, when it was a parenthesised group
    previous = ""
    skipping = 0  # in an import statement or a case pattern (no expressions): 1 + its open brackets
    line_start = True
    defining = False  # after `def` or `class`: the bracket after the name holds parameters or bases
    for match in _TOKEN.finditer(text):
        token = match.group()
        first = token[0]
        if first == "#" or first == "\\":
            continue
        if first in "\r\n":
            if skipping == 1:
                skipping = 0
            if len(frames) == 1 and not skipping:
                line_start = True
                frame.reset()
                frame.lambdas = 0
                frame.after_for = False
                operand = False
            continue
        if skipping:
            if token in _OPENING:
                skipping += 1
            elif token in ")]}" and skipping > 1:
                skipping -= 1
            continue
        if (token in ("import", "from") and not operand and previous != "yield") or (
            token == "case" and line_start
        ):
            skipping = 1
            continue
        line_start = False
        if (
            first.isdigit()
            or "'" in token[:3]
            or '"' in token[:3]
            or (first == "." and len(token) > 1 and token != "...")
            or ((first.isalpha() or first == "_" or ord(first) > 127) and token not in _KEYWORDS)
            or token in _OPERAND_WORDS
            or token == "..."
        ):
            operand, operand_height, previous = True, 0, token
            continue
        if token in _OPENING:
            if defining:
                operand = defining = False
            if operand:  # a call or a subscript: one more link in the chain
                frame.counts[_POSTFIX] += 1
                base = frame.enclosing()
                frame.peak = max(frame.peak, base - 1 + frame.counts[_POSTFIX])
                if frame.peak > deepest:
                    deepest = frame.peak
                    if deepest > limit:
                        return deepest
            else:
                base = frame.enclosing() + (0 if token == "(" else 1)
            frame = _Frame(base, token == "(" and not operand)
            frames.append(frame)
            operand, previous = False, token
            continue
        if token in ")]}":
            operand_height = 0
            if len(frames) > 1:
                inner = frames.pop()
                frame = frames[-1]
                frame.peak = max(frame.peak, inner.peak)
                if inner.group:
                    operand_height = inner.peak - inner.base
            operand, previous = True, token
            continue
        if token in ("def", "class"):
            defining = True
        depth = _step(frame, token, operand, operand_height, previous)
        if depth is None:  # a separator
            frame.reset()
        elif depth > frame.peak:
            frame.peak = depth
        if depth is not None and depth > deepest:
            deepest = depth
            if deepest > limit:
                return deepest
        operand, previous = False, token
    return deepest


def _step(frame: _Frame, token: str, operand: bool, operand_height: int, previous: str) -> Optional[int]:
    """Apply one operator or keyword to the frame: the depth it reaches (-1 when it adds no level), or None
    for a separator, which ends every chain open in the frame."""
    counts = frame.counts
    if frame.lambdas:
        if token == ":":
            frame.lambdas -= 1
        return -1
    if token == "lambda":
        counts[_LAMBDA] += 1
        frame.lambdas += 1
        return frame.enclosing(_LAMBDA + 1)
    if token == ".":
        if not operand:
            return -1
        counts[_POSTFIX] += 1
        return frame.enclosing(_POSTFIX) + counts[_POSTFIX]
    if token == "for":
        frame.after_for = True
        return None
    if token == "if":
        if not operand or frame.after_for:
            return None
        counts[_IF] += 1
        _close_above(frame, _IF)
        return frame.enclosing(_IF + 1)
    if token == "else":
        if not operand or not counts[_IF]:
            return None
        _close_above(frame, _IF)
        return frame.enclosing(_IF + 1)
    if token == "in" and frame.after_for and not counts[_COMPARE]:
        return None
    if token == "not":
        if previous == "is":
            return -1
        if operand:  # `not in`
            return _binary(frame, _COMPARE, operand_height)
    if not operand and token in _PREFIX:
        level = _PREFIX[token]
        counts[level] += 1
        return frame.enclosing(_LEVELS)
    if operand and token in _BINARY:
        if token == "in" and previous == "not":
            return -1
        return _binary(frame, _BINARY[token], operand_height)
    if token in ("*", "**") and not operand:  # unpacking
        return -1
    return None


def _binary(frame: _Frame, level: int, operand_height: int) -> int:
    counts = frame.counts
    if not counts[level]:
        frame.left[level] = operand_height
    _close_above(frame, level)
    if level in _FLAT:
        counts[level] = 1
    else:
        counts[level] += 1
    if level in _RIGHT:
        return frame.enclosing(_LEVELS) + frame.left[level]
    return frame.enclosing(level) + counts[level] + frame.left[level]


def _close_above(frame: _Frame, level: int) -> None:
    counts = frame.counts
    for higher in range(level + 1, _LEVELS):
        counts[higher] = 0
        frame.left[higher] = 0
