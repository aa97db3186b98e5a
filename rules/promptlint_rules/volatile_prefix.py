"""LLM102 volatile-prefix."""

from __future__ import annotations

from typing import Iterable, List, Optional, Sequence, Tuple

from promptlint.ir import Dynamic, LLMCall, PromptPart, Volatility
from promptlint.rule import Finding, Rule, RuleContext, SavingsBasis
from promptlint.testing import Invalid, Valid
from promptlint_rules._caching import (
    NON_MESSAGE_ROLES,
    early,
    explicit_breakpoints,
    flatten,
    min_cacheable,
    short,
    static_text,
    turn_value_before_messages,
)

_WHERE = {
    "tools": "the tool definitions",
    "system": "the system prompt",
    "instructions": "`instructions`",
    "developer": "a developer message",
}


class VolatilePrefix(Rule):
    r"""
    ## What it does
    Checks for a value that changes on every call — `datetime.now()`/`datetime.today()` or a clock reading
    printed with the time of day, `time.time()`, `time.strftime` with time fields, `uuid4()`, `random`,
    `secrets`, or a value named as a request id (`request_id`, `trace_id`, `headers["X-Request-ID"]`) —
    in the tool definitions, the system prompt or `instructions`, or a message before the last user message,
    when it is the first thing in the request that changes between requests.

    It also checks for a value that changes on every turn of a conversation the call re-sends (a history a
    loop grows, or `self.messages` kept on the instance, sent as `[system] + history`, `[system, *history]`,
    or `messages.insert(0, system)` on a copy): the loop's variable (a step counter, the current page's
    URL), a name the loop sets (the previous answer's size), the history's own length, or a `self`
    attribute the sending method increments or sets after its request. Such a value is reported when it
    sits in the tools, the system prompt or `instructions`, or in a message that later messages follow:
    every turn is then a new prefix, and the whole history is billed at the full input price each time.

    It is reported when moving it makes static prompt cacheable (the static text before and after it
    reaches the model's minimum cacheable length, and at least `min-tokens` more tokens would be served from
    the cache), or when conversation history (`*history`, earlier turns) comes between it and the last user
    message, however little static text there is: history is the part of a chat request that grows with
    every turn.

    Not reported: a per-turn value after the history (in the last user message), a history rebuilt on every
    call (nothing earlier is re-sent), a parameter or an attribute set once in `__init__` (it may be the
    same for the whole conversation: LLM101 reports a parameter before a long static prompt), the calendar
    date (`date.today()`, `now.strftime("%Y-%m-%d")`: it changes more slowly
    than a cache lives), values computed once at import, a value in the last user message (LLM101
    `dynamic-prefix` reports that one when static prompt follows it), and, on Anthropic, a value after the
    last `cache_control` breakpoint (nothing after a breakpoint is cached). A per-request value (a parameter,
    the user's question) that comes first is LLM101's: the two rules never report the same value.

    Across functions and modules: the prompt is resolved as LLM101 `dynamic-prefix` describes (prompts
    imported from other modules of the project, class constants, prompt files and their `.format` or jinja2
    templates, helpers that return a prompt or a message list, LangChain templates run through a chain),
    each part placed where the request names it. Not resolved: methods of objects whose class is not
    known (an unannotated parameter, a factory's result), and anything a module outside the project defines.

    Sent through the project's own wrapper (a function or a method of a known instance whose request takes
    the prompt from its parameters, also a wrapper of a wrapper, in the module or imported from the
    project): the caller's arguments are bound into the request, and the finding is reported where the
    caller writes the text or the changing part, with each wrapper as a related location (`= via: sent
    through `ask()``); the wrapper's own request reports only what is written inside it.

    ## Why is this bad?
    Prompt caches match exact prefixes, in the order tools → system → messages. A timestamp with seconds or
    a request id makes every request a different prefix from that point on: the instructions after it and
    the whole conversation history are billed at the full input price on every call, and on providers that
    bill cache writes (Anthropic, OpenAI gpt-5.6+) a breakpoint after it pays the write premium every time.

    ## Example

    ## Use instead
    Or round it: `f"Today is {date.today():%A %d %B %Y}."` changes once a day.

    ## Fix safety
    No automatic fix: moving the value changes where the model reads it, and rounding it to the date drops
    the time of day the prompt may rely on.

    ## Savings
    The static tokens that moving the value makes cacheable (those before and after it, up to the next value
    that changes between requests, when together they reach the model's minimum cacheable length; less
    what is cached already), billed at the cache-read price instead of the input price, per call, assuming
    every call after the first hits the cache (an upper bound; cache writes are not counted). Conversation
    history after the value is not counted: its length is not known statically, so where only history is
    lost the saving is unpriced, with the reason (`history-unknown`). Anthropic caches only prefixes marked
    with `cache_control`. Minimum cacheable lengths come from the model table (`promptlint models`).

    ## Options
    - `min-cacheable-tokens` (int, default 1024): the minimum cacheable length used when the model's own is
      not in the model table.
    - `min-tokens` (int, default 100): the fewest tokens moving the value must make cacheable for a request
      without conversation history to be reported.
    """

    code = "LLM102"
    name = "volatile-prefix"
    summary = "A value that changes on every call early in the prompt"
    fix_title = "Move the value to the end of the last user message, or round it to the date"
    options = {"min-cacheable-tokens": 1024, "min-tokens": 100}

    examples = (
        Invalid(
            r"""
                from datetime import datetime
                from pathlib import Path

                from anthropic import Anthropic

                client = Anthropic()
                POLICY = (Path(__file__).parent / "prompts" / "support.md").read_text(encoding="utf-8")


                def chat(history: list) -> str:
                    system = f"Current time: {datetime.now():%Y-%m-%d %H:%M:%S}\n\n{POLICY}"
                    response = client.messages.create(
                        model="claude-sonnet-4-5",
                        system=[{"type": "text", "text": system, "cache_control": {"type": "ephemeral"}}],
                        messages=history,
                        max_tokens=800,
                    )
                    return response.content[0].text
            """,
            "LLM102",
            line=11,
            column=31,
            files={
                "prompts/support.md": "You are the support assistant of Acme. Follow the refund policy in every answer.\n"
                * 150
            },
        ),
        Valid(
            r"""
                from datetime import datetime
                from pathlib import Path

                from anthropic import Anthropic

                client = Anthropic()
                POLICY = (Path(__file__).parent / "prompts" / "support.md").read_text(encoding="utf-8")


                def chat(history: list, question: str) -> str:
                    stamp = f"(sent {datetime.now():%Y-%m-%d %H:%M})"
                    response = client.messages.create(
                        model="claude-sonnet-4-5",
                        system=[{"type": "text", "text": POLICY, "cache_control": {"type": "ephemeral"}}],
                        messages=[*history, {"role": "user", "content": f"{question}\n\n{stamp}"}],
                        max_tokens=800,
                    )
                    return response.content[0].text
            """,
            files={
                "prompts/support.md": "You are the support assistant of Acme. Follow the refund policy in every answer.\n"
                * 150
            },
        ),
    )

    def check(self, call: LLMCall, context: RuleContext) -> Iterable[Finding]:
        parts = _parts(call)
        flat = flatten(parts)
        first = _first_varying(flat, 0, call)
        if first is None:
            return
        index, segment = flat[first]
        assert isinstance(segment, Dynamic)
        turn = call.turn_value(segment) if segment.volatility is not Volatility.PER_CALL else None
        if turn is not None:
            if not turn_value_before_messages(call, parts, index, segment):
                return  # in the last message: LLM101's, like any value there
        elif segment.volatility is not Volatility.PER_CALL or not early(parts, index):
            return
        model = context.model_for(call)
        marked = _marked(call, parts, index, segment, context, model)
        if marked is None:
            return  # every breakpoint sits before the value: what follows it is not cached anyway
        following = _first_varying(flat, first + 1, call)
        before = static_text([s for _, s in flat[:first]])
        after = static_text(
            [s for _, s in flat[first + 1 : following if following is not None else len(flat)]]
        )
        minimum = min_cacheable(context, model) or int(context.options["min-cacheable-tokens"])
        before_tokens = context.count_tokens(before, model) if before else 0
        after_tokens = context.count_tokens(after, model) if after else 0
        # What is served from the cache today: the static text before the value, where the provider caches
        # the longest matching prefix or a breakpoint sits before the value.
        cached_now = 0
        if marked in ("automatic", "before-too") and before_tokens >= minimum:
            cached_now = before_tokens
        total = before_tokens + after_tokens
        lost = max(0, (total if total >= minimum else 0) - cached_now)
        # A value that changes every turn comes before the history the call re-sends (see ``TurnValue``).
        history = turn is not None or _history_follows(parts, index)
        if lost < int(context.options["min-tokens"]):
            if not history or marked == "none":
                return
            lost = 0  # a few tokens of static text: the history is what is lost
        where = _WHERE.get(parts[index].role, "a message before the last user message")
        if turn is not None:
            subject = f"`{short(segment.source)}` changes on every turn ({turn.reason}) but sits in {where}"
        else:
            subject = f"`{short(segment.source)}` changes on every call but sits in {where}"
        if lost and history:
            what = f"{lost:,} tokens of static prompt and the conversation history after it are"
        elif lost:
            what = f"{lost:,} tokens of static prompt are"
        else:
            what = "the conversation history after it is"
        message = f"{subject}: {what} never served from the prompt cache"
        assumptions: Tuple[str, ...] = (
            "every call after the first hits the cache (upper bound); cache writes not counted",
        )
        if history:
            assumptions += ("the conversation history after it is not counted: its length is not known",)
        if marked == "none" and call.provider == "anthropic":
            assumptions += ("Anthropic caches only prefixes marked with `cache_control`",)
        elif marked == "none":
            assumptions += (
                "with `prompt_cache_options`, only prefixes ending at a `prompt_cache_breakpoint`",
            )
        if lost:
            savings = SavingsBasis(model=model, cached_tokens=lost, assumptions=assumptions)
        else:
            # Only the history is lost, and its length is not known: unpriced, with the reason, never a guess.
            savings = SavingsBasis(
                model=model,
                assumptions=(
                    "the conversation history after it is billed at the full input price on every turn; "
                    "its length is not known statically",
                ),
                unpriced="history-unknown",
            )
        yield Finding(segment.node if segment.node is not None else call.node, message, savings=savings)


def _parts(call: LLMCall) -> Tuple[PromptPart, ...]:
    """The parts this rule looks at: the tools only when their first changing value is a per-call one
    (LLM101 never looks at tools; a per-request value in them is left alone, as there)."""
    if call.tools is not None:
        first = _first_varying(flatten((call.tools,)), 0)
        if first is not None and flatten((call.tools,))[first][1].volatility is Volatility.PER_CALL:
            return call.cache_order
    return call.prompt


def _first_varying(
    flat: List[Tuple[int, object]], start: int, call: Optional[LLMCall] = None
) -> Optional[int]:
    """The position of the first segment that changes between requests, or on every turn of the history
    ``call`` re-sends (a ``TurnValue``, which may be an unknown ``self`` attribute)."""
    for position in range(start, len(flat)):
        segment = flat[position][1]
        if isinstance(segment, Dynamic) and (
            segment.volatility.varies_between_requests or (call is not None and call.turn_value(segment))
        ):
            return position
    return None


def _marked(
    call: LLMCall,
    parts: Sequence[PromptPart],
    index: int,
    segment: Dynamic,
    context: RuleContext,
    model: Optional[str],
) -> Optional[str]:
    """Where the request's explicit cache breakpoints are, relative to the value, on providers that cache
    only at breakpoints (Anthropic, OpenAI gpt-5.6+): "after" (one at or after it: the value is inside a
    cached prefix), "before-too" (also one before it), "none" (no breakpoint seen anywhere) or None (all of
    them before it: nothing after the value is cached, so it costs nothing). "automatic" elsewhere."""
    if call.caches_implicitly and not explicit_breakpoints(context, model):
        return "automatic"
    order = call.cache_order  # the tools' breakpoints count even when the value is not in the tools
    home = next(position for position, part in enumerate(order) if part is parts[index])
    positions: List[bool] = []  # for each breakpoint: whether it is at or after the value
    for position, part in enumerate(order):
        for mark in part.breakpoints:
            inside = position == home and any(s is segment for s in mark.prefix.segments)
            positions.append(position > home or inside)
    implicit = call.provider == "anthropic" and "cache_control" in call.keywords
    if explicit_breakpoints(context, model) and "prompt_cache_options" not in call.keywords:
        implicit = True  # the implicit breakpoint at the latest message
    if not positions and not implicit:
        return "none"
    if not implicit and not any(positions):
        return None
    return "before-too" if not all(positions) else "after"


def _history_follows(parts: Sequence[PromptPart], index: int) -> bool:
    """Whether conversation messages (``*history``, earlier turns) come between the value and a later user
    message. An opaque list after it (``messages=messages``) is not taken as history: it may hold one
    message."""
    later = list(parts[index + 1 :])
    users = [position for position, part in enumerate(later) if part.role == "user"]
    return bool(users) and any(part.role not in NON_MESSAGE_ROLES for part in later[: users[-1]])
