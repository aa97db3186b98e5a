"""LLM202 excessive-output-limit."""

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
from promptlint_rules._output_cues import ShortAnswer, short_answer

# Keywords that turn on (or tune) reasoning for one request: its tokens count inside the cap.
_REASONING_KEYWORDS = ("thinking", "reasoning_effort", "reasoning", "output_config")


class ExcessiveOutputLimit(Rule):
    """
    ## What it does
    Checks for output caps that bound nothing, or far more than the answer the request asks for:

    - a literal cap at or near the model's maximum output (at least `near-max-ratio` of it, and not above
      it), from the model table (`promptlint models`);
    - a literal cap at least `far-above-factor` times the cap a short answer needs, when the static prompt
      text asks for one explicitly ("Answer with yes or no", "Respond with one word", "Return only the
      label", "Classify it as one of: billing, bug, feature") or the request's JSON schema
      (`response_format`, Responses' `text.format`, Gemini's `response_schema`) has only enum, boolean and
      number fields.

    Only when the model is a literal (or a constant) in the code and served by its provider's own API.
    Not reported: reasoning models (o-series, the gpt-5 family, Gemini 2.5 Pro/Flash and later; `reasoning`
    in the model table) and requests that configure reasoning (`thinking`, `reasoning_effort`, `reasoning`,
    `output_config`), because their reasoning tokens count inside the cap and need room; caps above the
    model's maximum (an API error, not a cost); prompts that also ask for anything longer (explain, why,
    summarise, a list, JSON, for each …), or whose instruction is conditional ("If the ticket is about an
    order, answer with yes or no") or asks for more in the same sentence ("… yes or no and quote the
    policy").

    ## Why is this bad?
    A cap is the only bound on what one call can cost in output tokens, which are priced 3-8x input tokens.
    A cap equal to the model's maximum bounds nothing; a cap of 4,096 tokens on a yes/no question lets a
    model that misreads the instruction, or loops, bill thousands of tokens for a one-token answer.

    ## Example

    ## Use instead

    ## Fix safety
    Unsafe: a lower cap truncates any answer longer than it. The fix replaces an int literal written in the
    call (or in its config) with `short-answer-cap` (a short answer; more when a JSON schema's longest
    answer needs it) or `suggested-cap` (a cap near the maximum). Not offered when the cap is a name.

    ## Savings
    Worst case per call: the output tokens between the current cap and the suggested one, at the model's
    output price (the answer runs to the cap). A well-behaved model stops earlier: this bounds the risk.

    ## Options
    - `near-max-ratio` (float, default 0.9): a cap at or above this fraction of the model's maximum output
      counts as near it.
    - `suggested-cap` (int, default 1024): the cap suggested for a cap near the maximum.
    - `short-answer-cap` (int, default 64): the cap suggested for a short answer.
    - `far-above-factor` (int, default 8): a cap counts as far above a short answer at this many times the
      cap it needs.
    """

    code = "LLM202"
    name = "excessive-output-limit"
    summary = "Output cap at the model's maximum, or far above the short answer the prompt asks for"
    fix_title = "Lower the output cap"
    fix_availability = FixAvailability.SOMETIMES
    options = {"near-max-ratio": 0.9, "suggested-cap": 1024, "short-answer-cap": 64, "far-above-factor": 8}

    examples = (
        Invalid(
            r"""
                from openai import OpenAI

                client = OpenAI()


                def is_spam(message: str) -> str:
                    response = client.chat.completions.create(
                        model="gpt-4.1-mini",
                        messages=[
                            {"role": "system", "content": "Is this message spam? Answer with yes or no."},
                            {"role": "user", "content": message},
                        ],
                        max_completion_tokens=4096,
                    )
                    return response.choices[0].message.content
            """,
            "LLM202",
            line=13,
            column=31,
            expected_fix=r"""
                from openai import OpenAI

                client = OpenAI()


                def is_spam(message: str) -> str:
                    response = client.chat.completions.create(
                        model="gpt-4.1-mini",
                        messages=[
                            {"role": "system", "content": "Is this message spam? Answer with yes or no."},
                            {"role": "user", "content": message},
                        ],
                        max_completion_tokens=64,
                    )
                    return response.choices[0].message.content
            """,
        ),
        Valid(
            r"""
                from openai import OpenAI

                client = OpenAI()


                def is_spam(message: str) -> str:
                    response = client.chat.completions.create(
                        model="gpt-4.1-mini",
                        messages=[
                            {"role": "system", "content": "Is this message spam? Answer with yes or no."},
                            {"role": "user", "content": message},
                        ],
                        max_completion_tokens=64,
                    )
                    return response.choices[0].message.content
            """,
        ),
    )

    def check(self, call: LLMCall, context: RuleContext) -> Iterable[Finding]:
        limit = call.output_limit
        cap = limit.value
        if cap is None or limit.node is None or call.model is None or call.platform:
            return
        info = context.model_info(call.model)
        if info is None or info.reasoning or any(k in call.keywords for k in _REASONING_KEYWORDS):
            return
        if any(key.startswith("config.thinking") for key in call.literal_arguments):
            return
        written = f"`{limit.parameter}={cap}`"
        answer = short_answer(call, context.count_tokens, call.model)
        if answer is not None:
            suggested = _short_cap(answer, int(context.options["short-answer-cap"]))
            if cap >= suggested * int(context.options["far-above-factor"]):
                message = f"{written} allows {cap:,} output tokens for {answer.kind} {answer.cited}"
                yield self._finding(call, cap, suggested, message, f"the answer is {answer.kind}")
            return
        maximum = info.max_output
        ratio = float(context.options["near-max-ratio"])
        suggested = int(context.options["suggested-cap"])
        if not maximum or cap > maximum or cap < ratio * maximum or cap <= suggested:
            return
        if cap == maximum:
            message = f"{written} is the maximum output of `{call.model}`: the cap bounds nothing"
        else:
            share = int(cap * 100 // maximum)
            message = (
                f"{written} is {share}% of the maximum output of `{call.model}` ({maximum:,} tokens): "
                "the cap barely bounds the answer"
            )
        yield self._finding(
            call, cap, suggested, message, f"the model's maximum output is {maximum:,} tokens"
        )

    def _finding(self, call: LLMCall, cap: int, suggested: int, message: str, why: str) -> Finding:
        savings = SavingsBasis(
            model=call.model,
            output_tokens=cap - suggested,
            worst_case=True,
            assumptions=(
                f"worst case: the answer runs to the cap of {cap:,} output tokens",
                f"after the fix: capped at {suggested:,} tokens ({why})",
            ),
        )
        return Finding(call.output_limit.node, message, fix=self._fix(call, suggested), savings=savings)

    def _fix(self, call: LLMCall, suggested: int) -> Optional[Fix]:
        from promptlint.edits import integer, within

        node = call.output_limit.node
        new = integer(node, suggested)
        if new is None or call.node is None or not within(node, call.node):
            return None
        description = f"Lower `{call.output_limit.parameter}` to {suggested:,}"
        return Fix(description, Applicability.UNSAFE, (Replacement(node, new),))


def _short_cap(answer: ShortAnswer, floor: int) -> int:
    """The cap for a short answer: ``floor``, or twice the longest answer rounded up to 16 when larger."""
    needed = -(-2 * answer.tokens // 16) * 16
    return max(floor, needed)
