"""LLM402 overpowered-model."""

from __future__ import annotations

from typing import Iterable, Optional

from promptlint.ir import LLMCall
from promptlint.rule import (
    Applicability,
    Finding,
    Fix,
    FixAvailability,
    Replacement,
    Rule,
    RuleContext,
    SavingsBasis,
)
from promptlint.testing import Invalid, Valid
from promptlint_rules._call_tokens import call_tokens
from promptlint_rules._output_cues import short_answer

_REASONING_KEYWORDS = ("thinking", "reasoning_effort", "reasoning", "output_config")


class OverpoweredModel(Rule):
    """
    ## What it does
    Checks for a frontier model (`tier = "frontier"` in the model table: Opus, Fable and Mythos; Gemini Pro;
    OpenAI's flagship gpt-4o, gpt-4.1 and gpt-5.x models) on a request whose output is tiny, where the model
    table names the same provider's small model (`small-alternative`: Haiku, Flash-Lite or Flash, the -mini
    models). Tiny output means either:

    - the static prompt asks explicitly for a short answer (yes or no, one word, a label, one of a few
      listed options) or the JSON schema has only enum, boolean and number fields (the cues of LLM202), or
    - the output cap is a literal of at most `max-tiny-cap` tokens (not for reasoning models, whose cap
      also holds their reasoning).

    Only when the model is written in the code and served by the provider's own API, the request does not
    configure reasoning (`thinking`, `reasoning_effort`, `reasoning`, `output_config`), and the small model
    is not retired.

    Off by default: a one-word answer can still need a frontier model's judgement (a legal or medical
    classification, a hard routing decision), and the code does not say how hard the question is. Turn it on
    with `--select LLM402` to review where a small model would do.

    ## Why is this bad?
    Classification, extraction and routing calls are often the most frequent calls of an application. A
    frontier model costs 5-25x its provider's small model per token; on a label the quality difference is
    often nil.

    ## Example

    ## Use instead

    ## Fix safety
    Unsafe: a smaller model may label differently; evaluate it on real traffic first. The fix replaces a
    model string written in the call with the small model, keeping a router prefix such as `openai/`.

    ## Savings
    Per call (shown per 1,000 calls), the request priced on the frontier model minus the same request on the
    small model: the static prompt counted exactly, plus `dynamic-input-tokens` when part of the prompt is
    only known at run time, at the input price; the literal output cap, or the longest answer the prompt
    allows, at the output price.

    ## Options
    - `max-tiny-cap` (int, default 64): the largest literal output cap taken as a tiny output.
    - `dynamic-input-tokens` (int, default 500): the tokens assumed for the parts of the prompt only known
      at run time.
    """

    code = "LLM402"
    name = "overpowered-model"
    summary = "Frontier model on a tiny-output task its provider's small model would do"
    fix_title = "Use the provider's small model"
    fix_availability = FixAvailability.SOMETIMES
    default_enabled = False
    options = {"max-tiny-cap": 64, "dynamic-input-tokens": 500}

    examples = (
        Invalid(
            r"""
                from anthropic import Anthropic

                client = Anthropic()


                def label(ticket: str) -> str:
                    response = client.messages.create(
                        model="claude-opus-4-5",
                        max_tokens=10,
                        system="Return only the label: billing, bug or feature.",
                        messages=[{"role": "user", "content": ticket}],
                    )
                    return response.content[0].text
            """,
            "LLM402",
            line=8,
            column=15,
            expected_fix=r"""
                from anthropic import Anthropic

                client = Anthropic()


                def label(ticket: str) -> str:
                    response = client.messages.create(
                        model="claude-haiku-4-5",
                        max_tokens=10,
                        system="Return only the label: billing, bug or feature.",
                        messages=[{"role": "user", "content": ticket}],
                    )
                    return response.content[0].text
            """,
        ),
        Valid(
            r"""
                from anthropic import Anthropic

                client = Anthropic()


                def label(ticket: str) -> str:
                    response = client.messages.create(
                        model="claude-haiku-4-5",
                        max_tokens=10,
                        system="Return only the label: billing, bug or feature.",
                        messages=[{"role": "user", "content": ticket}],
                    )
                    return response.content[0].text
            """,
        ),
    )

    def check(self, call: LLMCall, context: RuleContext) -> Iterable[Finding]:
        if call.model is None or call.model_node is None or call.platform:
            return
        info = context.model_info(call.model)
        if info is None or info.tier != "frontier" or info.small_alternative is None:
            return
        if any(keyword in call.keywords for keyword in _REASONING_KEYWORDS):
            return
        from promptlint.models import shipped_retirement

        alternative = info.small_alternative
        retirement = shipped_retirement(alternative)
        if retirement is not None and retirement.retired:
            return
        cap = call.output_limit.value
        answer = short_answer(call, context.count_tokens, call.model)
        if answer is not None:
            task = f"is used for {answer.kind} {answer.cited}"
            output = cap if cap is not None else answer.tokens
            why = (
                f"worst case: the answer runs to the output cap of {cap:,} tokens"
                if cap is not None
                else f"the longest answer the prompt allows: about {answer.tokens:,} tokens"
            )
        elif cap is not None and cap <= int(context.options["max-tiny-cap"]) and not info.reasoning:
            task = f"is used for at most {cap:,} output tokens (`{call.output_limit.parameter}={cap}`)"
            output, why = cap, f"worst case: the answer runs to the output cap of {cap:,} tokens"
        else:
            return
        message = f"Frontier model `{call.model}` {task}"
        size = call_tokens(
            call, context, call.model, int(context.options["dynamic-input-tokens"]), output, why
        )
        savings = SavingsBasis(
            model=call.model,
            compare_model=alternative,
            input_tokens=size.input_tokens,
            output_tokens=size.output_tokens,
            worst_case=cap is not None,
            assumptions=(f"the same request on `{alternative}`, the provider's small model",)
            + size.assumptions,
        )
        yield Finding(call.model_node, message, fix=self._fix(call, alternative), savings=savings)

    def _fix(self, call: LLMCall, alternative: str) -> Optional[Fix]:
        from promptlint.edits import model_string, within

        assert call.model is not None
        new = model_string(call.model_node, call.model, alternative)
        if new is None or call.node is None or not within(call.model_node, call.node):
            return None
        return Fix(
            f"Replace with `{alternative}`", Applicability.UNSAFE, (Replacement(call.model_node, new),)
        )
