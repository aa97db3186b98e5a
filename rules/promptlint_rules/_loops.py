"""What the loop and context rules (LLM303, LLM501, LLM502) share: how a loop is named in a message and
what one request is known to cost."""

from __future__ import annotations

from typing import List, Optional, Tuple

from promptlint.ir import LimitStatus, LLMCall, LoopInfo
from promptlint.rule import RuleContext

_SHOWN = 60  # characters of source shown in a message before it is shortened


def shorten(source: str, limit: int = _SHOWN) -> str:
    source = " ".join(source.split())
    return source if len(source) <= limit else source[: limit - 1] + "…"


def describe(loop: LoopInfo) -> str:
    """The loop as a message names it: ``while True:``, ``while not done:``, ``for … in rows``."""
    if loop.kind == "while-true":
        if loop.iterable:
            return f"`for` loop over `{shorten(loop.iterable)}`"
        return "`while True:` loop"
    if loop.kind == "while":
        test = getattr(loop.node, "test", None)
        from libcst import Module

        source = Module([]).code_for_node(test) if test is not None else "…"
        return f"`while {shorten(source)}:` loop"
    if loop.kind == "recursion":
        return f"recursion through `{shorten(loop.via)}`"
    if loop.kind == "comprehension":
        return f"comprehension over `{shorten(loop.iterable)}`"
    return f"`for` loop over `{shorten(loop.iterable)}`"


def static_tokens(call: LLMCall, context: RuleContext, model: Optional[str]) -> int:
    """Tokens of the prompt text known at lint time (the tool definitions included)."""
    text = "".join(part.text.static_text for part in call.cache_order)
    return context.count_tokens(text, model) if text else 0


def fully_known(call: LLMCall) -> bool:
    return call.prompt_complete and all(part.text.is_static for part in call.prompt)


def output_cap(call: LLMCall) -> Optional[int]:
    """The literal output cap of the request, when the code sets one."""
    limit = call.output_limit
    if limit.value is not None and limit.status in (LimitStatus.PRESENT, LimitStatus.NOT_APPLICABLE):
        return limit.value
    return None


def request_size(call: LLMCall, context: RuleContext, model: Optional[str]) -> Tuple[int, Optional[int]]:
    """(static input tokens, output cap or None) of one request."""
    return static_tokens(call, context, model), output_cap(call)


def size_assumptions(call: LLMCall, static: int, cap: Optional[int]) -> List[str]:
    """How a request's size was counted, for a saving's assumptions."""
    if fully_known(call):
        lines = [f"input: the {static:,} tokens of the prompt"]
    elif static:
        lines = [f"input: {static:,} tokens of static prompt text; dynamic content not counted"]
    else:
        lines = ["input: not counted (no static prompt text)"]
    if cap is not None:
        lines.append(f"output: the cap of {cap:,} tokens (at most)")
    else:
        lines.append("output: not counted (no literal cap)")
    return lines


class SeenLoops:
    """What a rule instance has reported, so that a loop with several requests is reported once (the engine
    makes one rule instance per file). Nodes are kept, not their ids, so that an id is never reused."""

    def __init__(self) -> None:
        self._seen: List[Tuple[object, str]] = []

    def first(self, node: object, key: str = "") -> bool:
        """True the first time ``(node, key)`` is seen."""
        if any(seen is node and seen_key == key for seen, seen_key in self._seen):
            return False
        self._seen.append((node, key))
        return True
