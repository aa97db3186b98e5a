"""LLM301 oversized-prompt."""

from __future__ import annotations

from typing import Iterable

from promptlint.ir import LLMCall
from promptlint.rule import Finding, Rule, RuleContext, SavingsBasis

_MAX_FACTOR = 2  # see dynamic_prefix: text under threshold / 2 bytes is never tokenized


class OversizedPrompt(Rule):
    """
    ## What it does
    Checks for static prompt text (a system prompt, `instructions`, or one message) longer than a token
    threshold (8,000 by default), counted exactly with the `o200k_base` tokenizer (other providers' counts
    are approximated by a documented factor).

    ## Why is this bad?
    Every token of a static prompt is sent, and billed, on every call. Prompts grow by accretion: examples,
    edge cases and whole documents pasted in "just in case". Retrieving only what a request needs, or
    trimming the instructions, cuts the bill of every call.

    ## Example
    ```python
    SYSTEM = open("prompts/everything.md").read()  # 20,000 tokens
    client.chat.completions.create(model="gpt-4o", messages=[{"role": "system", "content": SYSTEM}, ...])
    ```

    ## Use instead
    Keep the instructions short and retrieve the reference material a request needs.

    ## Fix safety
    No automatic fix: what to cut is a judgement about the task.

    ## Savings
    The tokens above the threshold, per call, at the input price; at the cache-read price when the text sits
    in a prefix that is served from cache (nothing changes before it, and the provider caches it: OpenAI and
    Gemini automatically, Anthropic with `cache_control`).

    ## Options
    - `threshold` (int, default 8000): the largest static prompt, in tokens, that is not reported.
    """

    code = "LLM301"
    name = "oversized-prompt"
    summary = "Static prompt text above the token threshold"
    options = {"threshold": 8000}

    def check(self, call: LLMCall, context: RuleContext) -> Iterable[Finding]:
        threshold = int(context.options["threshold"])
        model = context.model_for(call)
        varied_before = False
        for part in call.prompt:
            text = part.text.static_text
            if len(text.encode("utf-8")) * _MAX_FACTOR > threshold:
                tokens = context.count_tokens(text, model)
                if tokens > threshold:
                    yield self._finding(call, part, tokens, threshold, model, cached=not varied_before)
            if part.text.first_varying() is not None:
                varied_before = True

    def _finding(self, call, part, tokens, threshold, model, cached):
        excess = tokens - threshold
        where = {"instructions": "`instructions`", "unknown": "prompt"}.get(part.role, f"{part.role} prompt")
        message = f"Static {where} is {tokens:,} tokens, above the {threshold:,}-token threshold"
        if cached and call.prefix_cached:
            basis = SavingsBasis(
                model=model,
                removed_cached_tokens=excess,
                assumptions=(f"{excess:,} tokens removed; they sit in a cached prefix (cache-read price)",),
            )
        else:
            basis = SavingsBasis(
                model=model,
                input_tokens=excess,
                assumptions=(f"{excess:,} tokens removed, billed at the input price",),
            )
        return Finding(part.node if part.node is not None else call.node, message, savings=basis)
