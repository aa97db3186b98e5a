"""LLM203 multiple-choices."""

from __future__ import annotations

from typing import Iterable, Optional, Tuple

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

# Where each SDK takes the number of choices: (provider, endpoint prefix) -> the literal argument's key.
_CHOICE_KEYS = {
    ("openai", "chat.completions."): "n",
    ("openai", "beta.chat.completions."): "n",
    ("openai", "ChatCompletion."): "n",
    ("openai", "completions."): "n",
    ("openai", "Completion."): "n",
    ("litellm", ""): "n",
    ("langchain", "ChatOpenAI"): "n",
    ("langchain", "AzureChatOpenAI"): "n",
    ("google", ""): "config.candidate_count",
}


class MultipleChoices(Rule):
    """
    ## What it does
    Checks for requests that ask for several completions of one prompt, `n` greater than 1 (OpenAI Chat
    Completions and legacy Completions, LiteLLM with an OpenAI model, LangChain's `ChatOpenAI`) or
    `candidate_count` greater
    than 1 in a Gemini `config`, where the code reads only the first: the response is bound to a name read
    only as `response.choices[0]`, `response.candidates[0]` or Gemini's `response.text` (the first
    candidate's text), or is read that way directly. Token usage (`response.usage`) and ids do not count
    as reads.

    The number must be a literal or a constant. When the other choices may be read (the response is
    returned, passed on, iterated, or `len(response.choices)` is taken) the request looks deliberate
    (self-consistency, best-of-n) and nothing is reported, unless `report-used-choices` is set.

    ## Why is this bad?
    Every choice is generated and billed: "you will be charged based on the number of generated tokens
    across all of the choices" (OpenAI's `n` documentation). `n=5` read as `choices[0]` pays for four
    answers nobody reads.

    ## Example

    ## Use instead

    ## Fix safety
    Safe: the fix removes an `n=` written in the call when only the first choice is read. The prompt is
    the same and the first choice is a sample from the same distribution as a single completion, so what
    the code reads is unchanged; only the unread choices (and their tokens in `usage`) go. No fix for
    Gemini's `candidate_count` (it sits inside a config object) or with `report-used-choices`.

    ## Savings
    Per call, the output tokens of the extra choices: (n - 1) x the request's literal output cap (worst
    case), or x `assumed-output-tokens` when the cap is not a literal. The prompt is billed once whatever
    the number of choices.

    ## Options
    - `assumed-output-tokens` (int, default 500): the length of one choice when the output cap is not a
      literal.
    - `report-used-choices` (bool, default False): also report requests whose other choices may be read.
    """

    code = "LLM203"
    name = "multiple-choices"
    summary = "Several choices requested, only the first read"
    fix_title = "Request a single choice"
    fix_availability = FixAvailability.SOMETIMES
    options = {"assumed-output-tokens": 500, "report-used-choices": False}

    examples = (
        Invalid(
            r"""
                from openai import OpenAI

                client = OpenAI()


                def reply(messages: list) -> str:
                    response = client.chat.completions.create(
                        model="gpt-4.1-mini", messages=messages, max_completion_tokens=300, n=3
                    )
                    return response.choices[0].message.content
            """,
            "LLM203",
            line=8,
            column=79,
            expected_fix=r"""
                from openai import OpenAI

                client = OpenAI()


                def reply(messages: list) -> str:
                    response = client.chat.completions.create(
                        model="gpt-4.1-mini", messages=messages, max_completion_tokens=300
                    )
                    return response.choices[0].message.content
            """,
        ),
        Valid(
            r"""
                from openai import OpenAI

                client = OpenAI()


                def reply(messages: list) -> str:
                    response = client.chat.completions.create(
                        model="gpt-4.1-mini", messages=messages, max_completion_tokens=300
                    )
                    return response.choices[0].message.content
            """,
        ),
    )

    def check(self, call: LLMCall, context: RuleContext) -> Iterable[Finding]:
        key = _choice_key(call)
        if key is None:
            return
        count = call.literal_arguments.get(key)
        if not isinstance(count, int) or isinstance(count, bool) or count < 2:
            return
        if call.provider == "litellm":
            # LiteLLM passes ``n`` on to OpenAI models; other providers reject or drop it.
            info = context.model_info(call.model) if call.model else None
            if info is None or info.provider != "openai":
                return
        wasted = call.reads_first_choice_only
        if not wasted and not context.options["report-used-choices"]:
            return
        parameter = key.split(".")[-1]
        written = f"`{parameter}={count}`"
        if wasted:
            others = "the other choice is" if count == 2 else f"the other {count - 1} are"
            message = (
                f"{written} generates {count} choices but only the first is read: {others} billed for nothing"
            )
        else:
            message = f"{written} generates {count} choices, and the output tokens of each are billed"
        per_choice, assumption = self._per_choice(call, context)
        savings = SavingsBasis(
            model=context.model_for(call),
            output_tokens=(count - 1) * per_choice,
            worst_case=call.output_limit.value is not None,
            assumptions=(assumption, "the prompt is billed once, whatever the number of choices"),
        )
        node = call.argument_nodes.get(key) or call.argument_nodes.get("config") or call.node
        fix = self._fix(call) if wasted and key == "n" else None
        yield Finding(node, message, fix=fix, savings=savings)

    def _per_choice(self, call: LLMCall, context: RuleContext) -> Tuple[int, str]:
        cap = call.output_limit.value
        if cap is not None:
            return cap, f"worst case: each extra choice runs to the output cap of {cap:,} tokens"
        assumed = int(context.options["assumed-output-tokens"])
        return assumed, f"each extra choice assumed {assumed:,} output tokens (`assumed-output-tokens`)"

    def _fix(self, call: LLMCall) -> Optional[Fix]:
        from promptlint.edits import find_keyword_arg, without_argument

        arg = find_keyword_arg(call.node, "n")
        if arg is None:
            return None
        new = without_argument(call.node, arg)
        return Fix("Remove `n`", Applicability.SAFE, (Replacement(call.node, new),))


def _choice_key(call: LLMCall) -> Optional[str]:
    for (provider, prefix), key in _CHOICE_KEYS.items():
        if call.provider == provider and call.endpoint.startswith(prefix):
            return key
    return None
