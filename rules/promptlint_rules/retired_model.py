"""LLM401 retired-model."""

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

_MAX_HOPS = 5
# Callers that route a model id to whichever provider it names; any other SDK talks to its own API only,
# where another provider's retirement dates do not apply (Groq, Mistral, Cohere, Together, Bedrock).
_ROUTERS = ("litellm", "langchain")


class RetiredModel(Rule):
    """
    ## What it does
    Checks for model ids that their provider has shut down, from the dated retirement rows of the model
    table (`promptlint models`; the rows cite OpenAI's and Anthropic's deprecation pages and Google's
    deprecation notices). The provider's named successor is shown when it names one; a successor that was
    itself retired since is followed to its own successor.

    Dates are compared with the model table's date, never with the machine's clock, so that the output is
    the same wherever and whenever promptlint runs: a shutdown on or before the table's date is "retired",
    a later one "scheduled" and reported only when it falls within `notice-days` of the table's date (off by
    default). Updating promptlint moves the table's date forward.

    When the code chooses the model among literals (a conditional expression, a name assigned in each branch
    of an `if`, a lookup in a dict of literals, a class constant that subclasses override), each branch is
    checked: the finding names the retired branches, or says that every branch is retired. One branch that
    is not a literal (a parameter, a setting) makes the model unknown, and nothing is reported.

    Only model ids written in the code (a literal or a constant) and served by the provider's own API:
    Azure OpenAI, Amazon Bedrock and Vertex AI keep their own schedules, and a `base_url` may point at a
    server with its own models. Retirements are listed per exact id: a dated snapshot may be shut down while
    its alias moves on; a retired alias takes its dated snapshots with it.

    Sent through the project's own wrapper that takes the model from its caller: the model the caller
    passes (a literal or a constant, also imported) is reported where it is passed, with the wrapper's SDK
    call as a related location.

    ## Why is this bad?
    Requests to a retired model fail. Until then the code runs on a model the provider has stopped
    improving, usually at a higher price than its successor, and the migration has to happen under time
    pressure. The saving (or extra cost) of moving to the successor is shown with the finding.

    ## Example

    ## Use instead

    ## Fix safety
    Unsafe: another model gives other answers, may need other parameters (reasoning models reject
    `max_tokens` on Chat Completions and some sampling settings) and is priced differently. The fix replaces
    a model string written in the call with the successor, keeping a router prefix such as `openai/`. No fix
    when the provider names no successor, or when the model comes from a constant.

    ## Savings
    Per call, the request priced on the retired model minus the same request priced on the successor (when
    the successor costs more, a cost change, kept apart from savings): the static prompt counted exactly, plus
    `dynamic-input-tokens` when part of the prompt is only known at run time, at the input price; the literal
    output cap (worst case) or `assumed-output-tokens` at the output price. Unpriced when either model lacks
    a price.

    ## Options
    - `notice-days` (int, default 0): also report models scheduled to shut down within this many days after
      the model table's date.
    - `dynamic-input-tokens` (int, default 500): the tokens assumed for the parts of the prompt only known
      at run time.
    - `assumed-output-tokens` (int, default 500): the output assumed when the cap is not a literal.
    """

    code = "LLM401"
    name = "retired-model"
    summary = "Model retired, or scheduled for retirement, by its provider"
    fix_title = "Switch to the provider's successor model"
    fix_availability = FixAvailability.SOMETIMES
    options = {"notice-days": 0, "dynamic-input-tokens": 500, "assumed-output-tokens": 500}

    examples = (
        Invalid(
            r"""
                from openai import OpenAI

                client = OpenAI()


                def reply(messages: list) -> str:
                    response = client.chat.completions.create(
                        model="gpt-3.5-turbo", messages=messages, max_completion_tokens=300
                    )
                    return response.choices[0].message.content
            """,
            "LLM401",
            line=8,
            column=15,
            expected_fix=r"""
                from openai import OpenAI

                client = OpenAI()


                def reply(messages: list) -> str:
                    response = client.chat.completions.create(
                        model="gpt-5.6-terra", messages=messages, max_completion_tokens=300
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
                        model="gpt-5.6-terra", messages=messages, max_completion_tokens=300
                    )
                    return response.choices[0].message.content
            """,
        ),
    )

    def check(self, call: LLMCall, context: RuleContext) -> Iterable[Finding]:
        if call.model is None and call.model_candidates and call.model_node is not None and not call.platform:
            yield from self._branches(call, context)
            return
        if call.model is None or call.model_node is None or call.platform:
            return
        retirement = self._retirement(call, call.model, context)
        if retirement is None:
            return
        successor = _successor(retirement.successor)
        message = f"`{call.model}` {_when(retirement, successor)}"
        savings = self._savings(call, context, successor) if successor else None
        yield Finding(call.model_node, message, fix=self._fix(call, successor), savings=savings)

    def _retirement(self, call: LLMCall, model: str, context: RuleContext):
        """The retirement row that applies to ``model`` on this call, when it is to be reported."""
        from promptlint.models import shipped_retirement

        retirement = shipped_retirement(model)
        if retirement is None:
            return None
        if call.provider not in _ROUTERS and call.provider != retirement.provider:
            return None
        if not retirement.retired and retirement.days_after_table() > int(context.options["notice-days"]):
            return None
        return retirement

    def _branches(self, call: LLMCall, context: RuleContext) -> Iterable[Finding]:
        """A model chosen among literals: one finding on the call's ``model`` argument, naming each retired
        branch (or saying that every branch is retired). No fix: the branches are written elsewhere."""
        models = list(dict.fromkeys(candidate.model for candidate in call.model_candidates))
        retired = []
        for model in models:
            retirement = self._retirement(call, model, context)
            if retirement is not None:
                retired.append(f"`{model}` {_when(retirement, _successor(retirement.successor))}")
        if not retired:
            return
        if len(retired) == len(models):
            message = f"every model this call chooses from is retired: {'; '.join(retired)}"
        else:
            which = "one" if len(retired) == 1 else f"{len(retired)}"
            message = f"{which} of the {len(models)} models this call chooses from: {'; '.join(retired)}"
        yield Finding(call.model_node, message)

    def _savings(self, call: LLMCall, context: RuleContext, successor: str) -> SavingsBasis:
        cap = call.output_limit.value
        if cap is not None:
            output, why = cap, f"worst case: the answer runs to the output cap of {cap:,} tokens"
        else:
            output = int(context.options["assumed-output-tokens"])
            why = f"{output:,} output tokens assumed (`assumed-output-tokens`)"
        size = call_tokens(
            call, context, call.model, int(context.options["dynamic-input-tokens"]), output, why
        )
        return SavingsBasis(
            model=call.model,
            compare_model=successor,
            input_tokens=size.input_tokens,
            output_tokens=size.output_tokens,
            worst_case=cap is not None,
            assumptions=(f"the same request on `{successor}`",) + size.assumptions,
        )

    def _fix(self, call: LLMCall, successor: Optional[str]) -> Optional[Fix]:
        if successor is None or call.model is None:
            return None
        from promptlint.edits import model_string, within

        new = model_string(call.model_node, call.model, successor)
        if new is None or call.node is None or not within(call.model_node, call.node):
            return None
        return Fix(f"Replace with `{successor}`", Applicability.UNSAFE, (Replacement(call.model_node, new),))


def _when(retirement, successor: Optional[str]) -> str:
    """When and how the model retires, with its successor."""
    when = (
        f"was retired on {retirement.shutdown}: requests to it fail"
        if retirement.retired
        else f"is scheduled for retirement on {retirement.shutdown}"
    )
    return when + (f" (successor: `{successor}`)" if successor else "")


def _successor(first: Optional[str]) -> Optional[str]:
    """The named successor, followed past successors that were retired since (None when a chain ends)."""
    from promptlint.models import shipped_retirement

    current = first
    for _ in range(_MAX_HOPS):
        if current is None:
            return None
        retirement = shipped_retirement(current)
        if retirement is None or not retirement.retired:
            return current
        current = retirement.successor
    return None
