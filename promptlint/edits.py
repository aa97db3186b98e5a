"""Node edits that rules use to build fixes, written so that the author's layout survives."""

from __future__ import annotations

import libcst as cst


def add_keyword(call: cst.Call, name: str, value: str) -> cst.Call:
    """Append ``name=value`` to a call, following its one-line or one-argument-per-line layout."""
    tight = cst.AssignEqual(
        whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
    )
    argument = cst.Arg(keyword=cst.Name(name), value=cst.parse_expression(value), equal=tight)
    args = list(call.args)
    if not args:
        return call.with_changes(args=[argument])
    last = args[-1]
    trailing = last.comma
    if len(args) >= 2 and isinstance(args[-2].comma, cst.Comma):
        separator = args[-2].comma
    elif isinstance(trailing, cst.Comma) and not isinstance(
        call.whitespace_before_args, cst.SimpleWhitespace
    ):
        separator = cst.Comma(whitespace_after=call.whitespace_before_args)
    else:
        separator = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    if (
        isinstance(trailing, cst.Comma)
        and isinstance(trailing.whitespace_after, cst.ParenthesizedWhitespace)
        and isinstance(separator.whitespace_after, cst.ParenthesizedWhitespace)
    ):
        # One argument per line: a comment after the last argument stays on its line, the new argument
        # takes the argument indentation, and the closing parenthesis keeps its own.
        closing = trailing.whitespace_after
        separator = trailing.with_changes(
            whitespace_after=separator.whitespace_after.with_changes(
                first_line=closing.first_line, empty_lines=closing.empty_lines
            )
        )
        trailing = trailing.with_changes(
            whitespace_after=closing.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=[])
        )
    args[-1] = last.with_changes(comma=separator)
    args.append(argument.with_changes(comma=trailing))
    return call.with_changes(args=args)
