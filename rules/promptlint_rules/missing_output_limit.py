"""LLM201 missing-output-limit."""

from __future__ import annotations

from typing import Iterable

from promptlint.ir import LimitStatus, LLMCall
from promptlint.rule import Applicability, Finding, Fix, Replacement, Rule, RuleContext, SavingsBasis


class MissingOutputLimit(Rule):
    """
    ## What it does
    Checks for LLM requests that set no output-token cap on an API where the output is then bounded only by
    the model's maximum: OpenAI Chat Completions (`max_completion_tokens`/`max_tokens`) and Responses
    (`max_output_tokens`), Gemini (`config.max_output_tokens`), LiteLLM (`max_tokens`), and the LangChain
    chat models `ChatOpenAI`, `AzureChatOpenAI`, `ChatAnthropic` and `ChatGoogleGenerativeAI`.

    Not reported: Anthropic's `messages.create` (`max_tokens` is required, leaving it out is an error, not a
    cost), the legacy text-completions endpoints (they default to 16 tokens), embeddings, and calls where a
    `**mapping`, `extra_body` or `model_kwargs` whose keys cannot be known may carry the cap.

    ## Why is this bad?
    Output tokens cost 3-5x input tokens. Without a cap, a rambling answer, a reasoning model thinking at
    length, or a generation loop runs to the model maximum and is billed in full. LangChain's `ChatAnthropic`
    fills a missing `max_tokens` with the model's maximum.

    ## Example
    ```python
    client.chat.completions.create(model="gpt-4o", messages=messages)
    ```

    ## Use instead
    ```python
    client.chat.completions.create(model="gpt-4o", messages=messages, max_completion_tokens=1024)
    ```

    ## Fix safety
    Unsafe: a cap can truncate an answer the caller relies on. Pick a cap that fits the task.

    ## Savings
    Worst case per call: (the model's maximum output - the cap) output tokens at the model's output price.
    The maximum output comes from the model table (`promptlint models`).

    ## Options
    - `default-max-tokens` (int, default 1024): the cap the fix suggests.
    """

    code = "LLM201"
    name = "missing-output-limit"
    summary = "LLM request without an output-token limit"
    fix_title = "Add an output cap"
    fix_availability = "sometimes"
    options = {"default-max-tokens": 1024}

    def check(self, call: LLMCall, context: RuleContext) -> Iterable[Finding]:
        limit = call.output_limit
        if limit.status is not LimitStatus.MISSING:
            return
        cap = int(context.options["default-max-tokens"])
        model = context.model_for(call)
        info = context.model_info(model)
        maximum = info.max_output if info is not None else None
        bound = f" ({maximum:,} tokens for `{model}`)" if maximum and model else ""
        message = f"`{call.callee}` sets no output limit: output is bounded only by the model maximum{bound}"
        savings = None
        if maximum is not None and maximum > cap:
            savings = SavingsBasis(
                model=model,
                output_tokens=maximum - cap,
                worst_case=True,
                assumptions=(
                    f"worst case: the answer runs to the model maximum of {maximum:,} output tokens",
                    f"after the fix: capped at {cap:,} tokens",
                ),
            )
        elif maximum is None:
            savings = SavingsBasis(
                model=model,
                worst_case=True,
                unpriced="max-output-unknown",
                assumptions=("the model's maximum output is not known",),
            )
        yield Finding(call.node, message, fix=self._fix(call, cap), savings=savings)

    def _fix(self, call: LLMCall, cap: int):
        target = call.output_limit.fix_target
        parameter = call.output_limit.parameter
        if target not in ("call", "config-new") or not parameter:
            return None
        from promptlint.edits import add_keyword

        if target == "call":
            new = add_keyword(call.node, parameter, str(cap))
            description = f"Add `{parameter}={cap}`"
        else:
            new = add_keyword(call.node, "config", f'{{"{parameter}": {cap}}}')
            description = f'Add `config={{"{parameter}": {cap}}}`'
        return Fix(description, Applicability.UNSAFE, (Replacement(call.node, new),))
