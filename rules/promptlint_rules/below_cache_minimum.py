"""LLM105 below-cache-minimum."""

from __future__ import annotations

from typing import Iterable, List, Optional

from promptlint.ir import Dynamic, LLMCall
from promptlint.rule import Finding, Rule, RuleContext, SavingsBasis
from promptlint.testing import Invalid, Valid
from promptlint_rules._caching import (
    breakpoint_savings,
    explicit_breakpoints,
    min_cacheable,
    static_prefix,
    static_text,
)

# Request fields that the provider puts in the cached prefix and whose tokens promptlint does not count.
_UNCOUNTED_PREFIX = ("tools", "functions", "response_format", "text", "tool_resources", "mcp_servers")


class BelowCacheMinimum(Rule):
    """
    ## What it does
    Checks for a cache breakpoint that ends a prefix shorter than the model's minimum cacheable length:
    `cache_control` on an Anthropic request (the SDK, or LiteLLM with a Claude model), or
    `prompt_cache_breakpoint` on OpenAI gpt-5.6 and later. The prefix is everything before the marked block
    in cache order (system, then messages) and the marked block itself, counted with promptlint's tokenizer.

    Only the last breakpoint of a request is checked (an earlier short one is harmless when a later one
    caches), and only when the whole prefix is known: no value that is only known at run time before the
    marker, no image or document block, no tool definitions, response schema or `**mapping` (their tokens
    are in the prefix but not counted), no top-level `cache_control`, and a model whose minimum is in the
    model table. A prefix within `tokenizer-margin` of the minimum is not reported.

    Minimum cacheable lengths (`promptlint models`): 512 to 4,096 tokens on Anthropic models, per model
    (Anthropic prompt-caching docs, "Shorter prompts cannot be cached, even if marked with `cache_control`";
    "no error is returned"), 1,024 on gpt-5.6 and later (OpenAI prompt-caching guide).

    Across functions and modules: the prompt is resolved as LLM101 `dynamic-prefix` describes (prompts
    imported from other modules of the project, class constants, prompt files and their `.format` or jinja2
    templates, helpers that return a prompt or a message list, LangChain templates run through a chain),
    each part placed where the request names it. Not resolved: methods of objects whose class is not
    known (an unannotated parameter, a factory's result), and anything a module outside the project defines.
    Only breakpoints written in the module being checked are seen.

    ## Why is this bad?
    The breakpoint silently does nothing: the request is processed without caching and no error is
    returned, so the code looks cached while every call pays the full input price. It is the usual answer
    to "why is `cache_read_input_tokens` always 0?" — notably on models with a 4,096-token minimum.

    ## Example

    ## Use instead
    Put the breakpoint at the end of a longer static prefix (after the reference material or the few-shot
    examples that follow), or drop it if the static part of the prompt is this short.

    ## Fix safety
    No automatic fix: where the static prefix really ends, and whether caching a longer one pays, depends
    on the request.

    ## Savings
    When the static part of the request (the leading parts that are the same on every call) does reach the
    minimum, the saving of moving the breakpoint to its end: per call, a share `hit-rate` of calls reads
    those tokens at the cache-read price instead of the input price, the others write them at the
    cache-write price. Otherwise nothing to price: the marker costs nothing, it saves nothing.

    ## Options
    - `hit-rate` (float, default 0.9): the share of calls that read the prefix from the cache; the others
      write it.
    - `tokenizer-margin` (float, default 0.1): how far below the minimum the counted prefix must be.
    """

    code = "LLM105"
    name = "below-cache-minimum"
    summary = "A cache breakpoint on a prefix shorter than the model's minimum cacheable length"
    fix_title = "Move the breakpoint to the end of a static prefix that reaches the minimum"
    options = {"hit-rate": 0.9, "tokenizer-margin": 0.1}

    examples = (
        Invalid(
            r"""
                from anthropic import Anthropic

                client = Anthropic()
                SHORT_RULES = "You are Acme's bookkeeping assistant. Be precise and brief."


                def answer(question: str) -> str:
                    response = client.messages.create(
                        model="claude-sonnet-4-5",
                        max_tokens=400,
                        system=[{"type": "text", "text": SHORT_RULES, "cache_control": {"type": "ephemeral"}}],
                        messages=[{"role": "user", "content": question}],
                    )
                    return response.content[0].text
            """,
            "LLM105",
            line=11,
            column=55,
        ),
        Valid(
            r"""
                from pathlib import Path

                from anthropic import Anthropic

                client = Anthropic()
                SHORT_RULES = "You are Acme's bookkeeping assistant. Be precise and brief."
                REFERENCE = (Path(__file__).parent / "prompts" / "reference.md").read_text(encoding="utf-8")


                def answer(question: str) -> str:
                    response = client.messages.create(
                        model="claude-sonnet-4-5",
                        max_tokens=400,
                        system=[
                            {"type": "text", "text": SHORT_RULES},
                            {"type": "text", "text": REFERENCE, "cache_control": {"type": "ephemeral"}},
                        ],
                        messages=[{"role": "user", "content": question}],
                    )
                    return response.content[0].text
            """,
            files={
                "prompts/reference.md": "Section 1. Expenses are booked in the month in which they are incurred.\n"
                * 150
            },
        ),
    )

    def check(self, call: LLMCall, context: RuleContext) -> Iterable[Finding]:
        model = context.model_for(call)
        marker = _marker(call, context, model)
        minimum = min_cacheable(context, model)
        if marker is None or minimum is None or model is None:
            return
        if call.has_unresolved_splat or call.tools is not None:
            return
        if any(keyword in call.keywords for keyword in _UNCOUNTED_PREFIX + ("extra_body",)):
            return
        parts = call.prompt
        if not parts or not all(part.marks_known for part in parts):
            return  # a breakpoint further on may be hidden
        found = [
            (index, mark)
            for index, part in enumerate(parts)
            for mark in part.breakpoints
            if mark.marker == marker
        ]
        if not found:
            return
        index, mark = found[-1]
        segments: List[object] = [s for part in parts[:index] for s in part.text.segments]
        segments += list(mark.prefix.segments)
        if any(isinstance(s, Dynamic) for s in segments):
            return  # a value of unknown length before the marker
        if not mark.counted or any(part.uncounted for part in parts[:index]):
            return
        text = static_text(segments)
        tokens = context.count_tokens(text, model) if text else 0
        margin = float(context.options["tokenizer-margin"])
        if tokens * (1 + margin) >= minimum:
            return
        message = (
            f"`{marker}` ends a prefix of {tokens:,} tokens, below the {minimum:,}-token minimum of "
            f"`{model}`: nothing is cached"
        )
        yield Finding(
            mark.node if mark.node is not None else call.node,
            message,
            savings=_savings(call, context, model, tokens, minimum * (1 + margin)),
        )


def _marker(call: LLMCall, context: RuleContext, model: Optional[str]) -> Optional[str]:
    """The breakpoint the call's API honours: ``cache_control`` on Anthropic (the SDK, or LiteLLM with a
    Claude model), ``prompt_cache_breakpoint`` on OpenAI gpt-5.6 and later; None elsewhere."""
    if call.provider == "anthropic":
        return None if "cache_control" in call.keywords else "cache_control"
    if call.provider == "litellm":
        info = context.model_info(model)
        return "cache_control" if info is not None and info.provider == "anthropic" else None
    if call.provider == "openai" and explicit_breakpoints(context, model):
        return "prompt_cache_breakpoint"
    return None


def _savings(
    call: LLMCall,
    context: RuleContext,
    model: Optional[str],
    tokens: int,
    needed: float,
) -> Optional[SavingsBasis]:
    """The saving of moving the breakpoint to the end of the static part of the request, when that part
    reaches the minimum; None when it does not (nothing can be cached)."""
    prefix = static_prefix(call.prompt)
    if len(prefix) == len(call.prompt):
        return None  # the whole request is static: it is the same on every call
    pieces = [static_text(part.text.segments) for part in prefix]
    text = "".join(pieces)
    static_tokens = context.count_tokens(text, model) if text else 0
    if static_tokens <= tokens or static_tokens < needed:
        return None
    extra = (f"after moving the breakpoint to the end of the static prefix ({static_tokens:,} tokens)",)
    basis, net = breakpoint_savings(context, model, static_tokens, float(context.options["hit-rate"]), extra)
    return basis if net is None or net > 0 else None
