"""Node edits that rules use to build fixes, written so that the author's layout survives."""

from __future__ import annotations

from typing import List, Tuple, Union

import libcst as cst

_Whitespace = Union[cst.SimpleWhitespace, cst.ParenthesizedWhitespace]


def add_keyword(call: cst.Call, name: str, value: str) -> cst.Call:
    """Add ``name=value`` to a call as its author would have typed it.

    The new argument follows the call's own layout: on the same line after the last argument in a one-line
    call; on its own line, with the other arguments' indentation, in a call with one argument per line (and
    with a trailing comma when the last argument has one); in the aligned column of a hanging indent. A
    comment after the last argument stays on that argument's line. The argument goes before trailing
    ``**mapping`` arguments, where a reader expects the call's own keywords.
    """
    tight = cst.AssignEqual(
        whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
    )
    argument = cst.Arg(keyword=cst.Name(name), value=cst.parse_expression(value), equal=tight)
    args = list(call.args)
    if not args:
        return call.with_changes(args=[argument])
    index = len(args)
    while index > 0 and args[index - 1].star == "**":
        index -= 1
    if index < len(args):
        return call.with_changes(args=_insert_before(call, args, index, argument))
    return call.with_changes(args=_append(call, args, argument))


def _append(call: cst.Call, args: List[cst.Arg], argument: cst.Arg) -> List[cst.Arg]:
    """``args`` with ``argument`` after the last one, which hands over the layout up to ``)``."""
    last = args[-1]
    trailing = last.comma if isinstance(last.comma, cst.Comma) else None
    closing = trailing.whitespace_after if trailing is not None else last.whitespace_after_arg
    spacing, comma_before = _separator(call, args)
    if isinstance(spacing, cst.ParenthesizedWhitespace) and isinstance(closing, cst.ParenthesizedWhitespace):
        # The last argument keeps the comment of its line; the new one starts a clean line; comment lines
        # before ``)`` stay there.
        spacing = spacing.with_changes(first_line=closing.first_line, empty_lines=[])
        closing = closing.with_changes(first_line=cst.TrailingWhitespace())
    if trailing is not None:
        args[-1] = last.with_changes(comma=trailing.with_changes(whitespace_after=spacing))
        args.append(argument.with_changes(comma=trailing.with_changes(whitespace_after=closing)))
    else:
        comma = cst.Comma(whitespace_before=comma_before, whitespace_after=spacing)
        args[-1] = last.with_changes(comma=comma, whitespace_after_arg=cst.SimpleWhitespace(""))
        args.append(argument.with_changes(whitespace_after_arg=closing))
    return args


def _insert_before(call: cst.Call, args: List[cst.Arg], index: int, argument: cst.Arg) -> List[cst.Arg]:
    """``args`` with ``argument`` at ``index`` (before a ``**mapping``), spaced like the arguments around it."""
    if index > 0:
        previous = args[index - 1].comma
        assert isinstance(previous, cst.Comma)  # an argument follows it
        spacing = _clean(previous.whitespace_after)
        comma = previous.with_changes(whitespace_after=spacing)
    else:
        spacing = _clean(call.whitespace_before_args)
        if isinstance(spacing, cst.SimpleWhitespace):
            spacing = cst.SimpleWhitespace(" ")
        comma = cst.Comma(whitespace_after=spacing)
    return args[:index] + [argument.with_changes(comma=comma)] + args[index:]


def _separator(call: cst.Call, args: List[cst.Arg]) -> Tuple[_Whitespace, cst.SimpleWhitespace]:
    """The whitespace the call puts between two arguments (and before their comma), without comments."""
    if len(args) >= 2 and isinstance(args[-2].comma, cst.Comma):
        comma = args[-2].comma
        return _clean(comma.whitespace_after), _simple(comma.whitespace_before)
    opening = call.whitespace_before_args
    if isinstance(opening, cst.ParenthesizedWhitespace):
        return _clean(opening), cst.SimpleWhitespace("")  # the only argument sits on its own line
    return cst.SimpleWhitespace(" "), cst.SimpleWhitespace("")


def _clean(whitespace: _Whitespace) -> _Whitespace:
    """The same line break and indentation, without the comment or blank lines it may carry."""
    if isinstance(whitespace, cst.ParenthesizedWhitespace):
        return whitespace.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=[])
    return whitespace


def _simple(whitespace: object) -> cst.SimpleWhitespace:
    return whitespace if isinstance(whitespace, cst.SimpleWhitespace) else cst.SimpleWhitespace("")
