"""LLM204 legacy-limit-param."""

from __future__ import annotations

import re
from typing import Iterable, Optional

from promptlint.ir import LLMCall
from promptlint.rule import Applicability, Finding, Fix, FixAvailability, Replacement, Rule, RuleContext
from promptlint.testing import Invalid, Valid

_CHAT_ENDPOINTS = ("chat.completions.", "beta.chat.completions.")
_DATE_SUFFIX = re.compile(r"-\d{4}-\d{2}-\d{2}$")


class LegacyLimitParam(Rule):
    """
    ## What it does
    Checks for `max_tokens` passed to OpenAI's Chat Completions (`chat.completions.create`, `parse`,
    `stream`, and their `beta.` forms, with the `openai>=1` SDK) for a reasoning model: the o-series and
    the gpt-5 family (`reasoning = true` in the model table, `promptlint models`).

    Only when the model is a literal (or a constant) naming the model itself or a dated snapshot of it:
    aliases such as `gpt-5-chat-latest` may point at non-reasoning variants. Not reported: Azure OpenAI
    (`model` is a deployment name there) and clients with a `base_url`; LiteLLM and LangChain, which
    translate `max_tokens` themselves; the pre-1.0 `openai.ChatCompletion`; the Responses API, whose cap is
    `max_output_tokens`.

    ## Why is this bad?
    The SDK documents `max_tokens` as "now deprecated in favor of `max_completion_tokens`, and is not
    compatible with o-series models". The API rejects the request: `400 Unsupported parameter: 'max_tokens'
    is not supported with this model. Use 'max_completion_tokens' instead.` (reported on o1, o3-mini, gpt-5,
    gpt-5.1, gpt-5.4). Code that catches the error and retries, or falls back to another model, pays for the
    detour; code that does not, fails. For reasoning models the cap also bounds the reasoning tokens:
    `max_completion_tokens` is "an upper bound ... including visible output tokens and reasoning tokens".

    ## Example

    ## Use instead

    ## Fix safety
    Safe: the fix renames the keyword written in the call to `max_completion_tokens`, the documented
    replacement, with the same value. The request as written is rejected, so no working behaviour changes:
    the call starts to succeed, capped as the author asked (reasoning tokens included). Not offered when
    the call also passes `max_completion_tokens`, or when `max_tokens` arrives through a `**mapping`.

    ## Savings
    None: the request fails, so there is no spend to reduce. The finding is about correctness of the cap.
    """

    code = "LLM204"
    name = "legacy-limit-param"
    summary = "`max_tokens` on Chat Completions for a reasoning model"
    fix_title = "Rename `max_tokens` to `max_completion_tokens`"
    fix_availability = FixAvailability.SOMETIMES

    examples = (
        Invalid(
            r"""
                from openai import OpenAI

                client = OpenAI()


                def plan(messages: list) -> str:
                    response = client.chat.completions.create(model="o4-mini", messages=messages, max_tokens=2000)
                    return response.choices[0].message.content
            """,
            "LLM204",
            line=7,
            column=83,
            expected_fix=r"""
                from openai import OpenAI

                client = OpenAI()


                def plan(messages: list) -> str:
                    response = client.chat.completions.create(model="o4-mini", messages=messages, max_completion_tokens=2000)
                    return response.choices[0].message.content
            """,
        ),
        Valid(
            r"""
                from openai import OpenAI

                client = OpenAI()


                def plan(messages: list) -> str:
                    response = client.chat.completions.create(
                        model="o4-mini", messages=messages, max_completion_tokens=2000
                    )
                    return response.choices[0].message.content
            """,
        ),
    )

    def check(self, call: LLMCall, context: RuleContext) -> Iterable[Finding]:
        if call.provider != "openai" or not call.endpoint.startswith(_CHAT_ENDPOINTS) or call.platform:
            return
        if "max_tokens" not in call.keywords or call.model is None:
            return
        info = context.model_info(call.model)
        if info is None or not info.reasoning or info.provider != "openai":
            return
        name = call.model[len("openai/") :] if call.model.startswith("openai/") else call.model
        if _DATE_SUFFIX.sub("", name) != info.id:
            return  # an alias (``gpt-5-chat-latest``): not known to be a reasoning model
        from promptlint.edits import find_keyword_arg

        arg = find_keyword_arg(call.node, "max_tokens") if call.node is not None else None
        message = (
            f"`max_tokens` is not supported by the reasoning model `{call.model}` on Chat Completions: "
            "the request is rejected"
        )
        node = arg.keyword if arg is not None else call.argument_nodes.get("max_tokens", call.node)
        yield Finding(node, message, fix=self._fix(call, arg))

    def _fix(self, call: LLMCall, arg) -> Optional[Fix]:
        if arg is None or "max_completion_tokens" in call.keywords:
            return None
        from promptlint.edits import renamed

        replacement = Replacement(arg, renamed(arg, "max_completion_tokens"))
        return Fix("Rename to `max_completion_tokens`", Applicability.SAFE, (replacement,))
