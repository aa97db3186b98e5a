"""Node edits that rules use to build fixes, written so that the author's layout survives.

Import it where a fix is built, not at the top of a rule module: it imports libcst, and rule packs are
loaded for every run, including runs over files that make no LLM call.
"""

from __future__ import annotations

from typing import Any, List, Optional, Tuple, Union

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


def add_dict_key(mapping: cst.Dict, key: str, value: str) -> cst.Dict:
    """Add ``"key": value`` after the last entry of a dict literal, laid out like the entries before it:
    on the same line in a one-line dict, on its own line with the entries' indentation in a dict written
    one entry per line (with a trailing comma when the last entry has one). The key takes the quotes of
    the entry before it."""
    elements = list(mapping.elements)
    quote = '"'
    if (
        elements
        and isinstance(elements[-1], cst.DictElement)
        and isinstance(elements[-1].key, cst.SimpleString)
    ):
        quote = elements[-1].key.quote
    entry = cst.DictElement(
        key=cst.SimpleString(f"{quote}{key}{quote}"),
        value=cst.parse_expression(value),
        whitespace_before_colon=cst.SimpleWhitespace(""),
        whitespace_after_colon=cst.SimpleWhitespace(" "),
    )
    if not elements:
        return mapping.with_changes(elements=[entry])
    last = elements[-1]
    if len(elements) >= 2 and isinstance(elements[-2].comma, cst.Comma):
        spacing = _clean(elements[-2].comma.whitespace_after)
    elif isinstance(mapping.lbrace.whitespace_after, cst.ParenthesizedWhitespace):
        spacing = _clean(mapping.lbrace.whitespace_after)
    else:
        spacing = cst.SimpleWhitespace(" ")
    rbrace = mapping.rbrace
    closing = rbrace.whitespace_before
    if isinstance(spacing, cst.ParenthesizedWhitespace) and isinstance(closing, cst.ParenthesizedWhitespace):
        # The last entry keeps the comment of its line; the new one starts a clean line.
        spacing = spacing.with_changes(first_line=closing.first_line, empty_lines=[])
        rbrace = rbrace.with_changes(
            whitespace_before=closing.with_changes(first_line=cst.TrailingWhitespace())
        )
    if isinstance(last.comma, cst.Comma):
        elements[-1] = last.with_changes(comma=last.comma.with_changes(whitespace_after=spacing))
        elements.append(entry.with_changes(comma=last.comma))
    else:
        elements[-1] = last.with_changes(comma=cst.Comma(whitespace_after=spacing))
        elements.append(entry)
    return mapping.with_changes(elements=elements, rbrace=rbrace)


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


def within(node: Any, ancestor: Any, depth: int = 0) -> bool:
    """Whether ``node`` is ``ancestor`` or sits inside it."""
    if node is ancestor:
        return True
    if depth > 40:
        return False
    return any(within(node, child, depth + 1) for child in ancestor.children)


def contains(container: Any, node: Any) -> bool:
    """Whether ``node`` is ``container`` or sits anywhere inside it (searched from ``container`` down)."""
    pending = [container]
    while pending:
        current = pending.pop()
        if current is node:
            return True
        pending.extend(current.children)
    return False


def integer(old: Any, value: int) -> Optional[Any]:
    """A replacement for an int literal, or None when ``old`` is not one."""
    if not isinstance(old, cst.Integer):
        return None
    return cst.Integer(str(value), lpar=old.lpar, rpar=old.rpar)


def model_string(old: Any, written: str, new_id: str) -> Optional[Any]:
    """``"openai/gpt-4"`` -> ``"openai/<new_id>"``: the literal with its model id replaced, keeping a router
    prefix and the quotes; None when ``old`` is not a plain string literal holding ``written``."""
    if not isinstance(old, cst.SimpleString) or old.evaluated_value != written:
        return None
    if "\\" in old.value or not new_id.isascii():
        return None
    prefix = written.rsplit("/", 1)[0] + "/" if "/" in written else ""
    body = old.prefix + old.quote + prefix + new_id + old.quote
    return old.with_changes(value=body)


def find_keyword_arg(call: Any, keyword: str) -> Optional[Any]:
    """The ``keyword=`` argument written in the call itself (not reached through ``**mapping``)."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword and not arg.star:
            return arg
    return None


def renamed(arg: Any, keyword: str) -> Any:
    return arg.with_changes(keyword=cst.Name(keyword))


def without_argument(call: Any, arg: Any) -> Any:
    """The call without ``arg``, keeping the layout of the others (the comma of the removed argument goes
    with it; a removed last argument passes what ends it, a trailing comma or the line break before ``)``,
    to the new last one)."""
    args = list(call.args)
    index = next(i for i, candidate in enumerate(args) if candidate is arg)
    removed = args.pop(index)
    if index == len(args) and args:
        trailing = isinstance(removed.comma, cst.Comma)
        closing = removed.comma.whitespace_after if trailing else removed.whitespace_after_arg
        before = args[-1].comma
        if (
            isinstance(before, cst.Comma)
            and isinstance(closing, cst.ParenthesizedWhitespace)
            and isinstance(before.whitespace_after, cst.ParenthesizedWhitespace)
        ):
            # One argument per line: the new last line keeps its own comment; the removed line's goes.
            closing = closing.with_changes(first_line=before.whitespace_after.first_line)
        if trailing:
            args[-1] = args[-1].with_changes(comma=removed.comma.with_changes(whitespace_after=closing))
        else:
            args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT, whitespace_after_arg=closing)
    return call.with_changes(args=args)
