"""Small node replacements for the fixes of LLM202, LLM203, LLM204, LLM401 and LLM402.

libcst is imported on use: rule modules are loaded for every run, most files never reach a fix.
"""

from __future__ import annotations

from typing import Any, Optional


def within(node: Any, ancestor: Any, depth: int = 0) -> bool:
    """Whether ``node`` is ``ancestor`` or sits inside it."""
    if node is ancestor:
        return True
    if depth > 40:
        return False
    return any(within(node, child, depth + 1) for child in ancestor.children)


def integer(old: Any, value: int) -> Optional[Any]:
    """A replacement for an int literal, or None when ``old`` is not one."""
    import libcst as cst

    if not isinstance(old, cst.Integer):
        return None
    return cst.Integer(str(value), lpar=old.lpar, rpar=old.rpar)


def model_string(old: Any, written: str, new_id: str) -> Optional[Any]:
    """``"openai/gpt-4"`` -> ``"openai/<new_id>"``: the literal with its model id replaced, keeping a router
    prefix and the quotes; None when ``old`` is not a plain string literal holding ``written``."""
    import libcst as cst

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
    import libcst as cst

    return arg.with_changes(keyword=cst.Name(keyword))


def without_argument(call: Any, arg: Any) -> Any:
    """The call without ``arg``, keeping the layout of the others (the comma of the removed argument goes
    with it; a removed last argument passes what ends it, a trailing comma or the line break before ``)``,
    to the new last one)."""
    import libcst as cst

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
