"""LLM201 missing-output-limit."""

from __future__ import annotations

from typing import Iterable, Optional

from promptlint.ir import Confidence, LimitStatus, LLMCall
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


class MissingOutputLimit(Rule):
    """
    ## What it does
    Checks for LLM requests that set no output-token cap on an API where the output is then bounded only by
    the model's maximum: OpenAI Chat Completions (`max_completion_tokens`/`max_tokens`) and Responses
    (`max_output_tokens`), Gemini (`config.max_output_tokens`) and Vertex AI's `GenerativeModel`
    (`generation_config.max_output_tokens`), Mistral's `chat.complete`/`stream` (`max_tokens`), Cohere's
    `chat`/`chat_stream`, v1 and v2 (`max_tokens`), Groq (`max_completion_tokens`, or the deprecated
    `max_tokens`), Together (`max_tokens`), Amazon Bedrock's Converse through boto3
    (`inferenceConfig.maxTokens`), LiteLLM (`max_tokens`), and the LangChain chat models `ChatOpenAI`,
    `AzureChatOpenAI`, `ChatAnthropic` and `ChatGoogleGenerativeAI`.

    Not reported: Anthropic's `messages.create` and Bedrock `invoke_model` with an Anthropic body
    (`max_tokens` is required, leaving it out is an error, not a cost), the legacy text-completions endpoints
    (they default to 16 tokens), embeddings, and calls where a `**mapping`, `extra_body`, `model_kwargs`,
    an `inferenceConfig` or `additionalModelRequestFields` whose keys cannot be known may carry the cap.
    Not recognised at all: a boto3 client of any service but `bedrock-runtime` (or one whose service name
    is not a string literal) and `invoke_model` bodies of other model families. A client reached only
    through an unannotated parameter is recognised by its request signature alone, at low confidence
    (`signature-recognition = false` turns that off), and without a fix: the server behind an unknown client
    may not take the parameter the fix would add.

    Requests sent through the project's own wrapper (a module-level function whose SDK call takes its cap
    from a parameter defaulting to `None`, or forwards `**kwargs` to a call with no cap of its own): reported
    at each call of the wrapper that passes no cap (`ask("...")`, `ask(..., max_tokens=None)`), in the
    wrapper's module or in another module of the project that imports it, with the wrapper's SDK call as
    the related location, and priced with the model the caller passes or the wrapper's default. Not
    reported: a caller that passes `*args`/`**opts`, or through `**kwargs` a keyword that may carry a cap; a
    wrapper whose parameter has another default, or that rebinds it. A method of a known instance
    (`self.llm.ask(...)` after `self.llm = Chat()`, `bot = Chat(); bot.ask(...)`, `llm: Chat`, or `llm` an
    unannotated parameter that every call of its function in the project passes a `Chat(...)`) is a wrapper
    the same way, when its own body makes the request. A function or method (static and class methods
    too) that passes its own parameter on as a wrapper's cap (`def ask(q, max_tokens=None): return
    _complete(q, max_tokens)`, `return self._send(q, max_tokens=max_tokens)`) is a wrapper in turn, up to 4
    levels, each listed as related, whether the wrapper it calls is in its module or imported from another
    module of the project. A wrapper that calls itself (a retry) is one when each of its calls of itself
    passes the cap on unchanged; a call of itself that leaves the cap out is reported there. The wrapper's
    own SDK call reports nothing when its cap comes from a parameter: callers not in the linted files may
    pass one. A LangChain chat model run inside a wrapper (`return self.llm.invoke(messages)`) has its cap
    reported once, at its constructor, never at the wrapper's callers. A function or method forwarding its
    own `**kwargs` to such a wrapper (`return _complete(q, **kwargs)`) is a wrapper too, of the cap those
    keywords reach. Not yet followed: a method called on an object built in the same expression
    (`Llm().ask(...)`).

    ## Why is this bad?
    Output tokens cost 3-5x input tokens. Without a cap, a rambling answer, a reasoning model thinking at
    length, or a generation loop runs to the model maximum and is billed in full. LangChain's `ChatAnthropic`
    fills a missing `max_tokens` with the model's maximum.

    ## Example

    ## Use instead

    Not reported either: requests that answer with an image (`gpt-image-*`, `dall-e-*`, `imagen-*`,
    `gemini-2.5-flash-image` and other `-image` models, or a Gemini `response_modalities` that includes
    `IMAGE`): there is no text answer for a token cap to bound.

    ## Fix safety
    Unsafe: a cap can truncate an answer the caller relies on. The fix suggests the `default-max-tokens`
    cap only where nothing says the answer is long. A chat or a code generator gets no blanket cap:

    - a chat: the request streams its answer; or a loop around it reads a person's input (`input()`, a
      websocket); or it runs in an interactive app (a web route, a UI framework such as Gradio, Streamlit
      or Chainlit, a chat bot) and sends a conversation (an assistant turn, a history spliced into the
      messages, or a message list taken whole from the request);
    - a code generator: the static prompt asks to write code ("Write a Python function", "generate the
      code", "implement", "You are an expert programmer").

    There the fix uses the largest literal cap of the module's other requests to the same API that are a
    chat (or write code) too, and says so in its description; without one, the finding comes without a fix
    and its message says why.

    The parameter is the one the platform takes: `max_tokens` for Chat Completions on an OpenAI client
    whose `base_url` points at an OpenAI-compatible server (DeepSeek, OpenRouter, xAI, Groq, Together,
    Mistral, a local vLLM or Ollama), which do not all know `max_completion_tokens`; `max_tokens` for the
    Mistral, Cohere and Together SDKs; `max_completion_tokens` for the Groq SDK; on Bedrock's Converse, a
    `"maxTokens"` key added to an `inferenceConfig` dict written in the call, or a new
    `inferenceConfig={"maxTokens": N}` when there is none (an `inferenceConfig` bound elsewhere may be
    shared: no fix). Vertex AI's and `google.generativeai`'s `GenerativeModel` get no fix: a call's
    `generation_config` may replace the one the model was built with.

    ## Savings
    Worst case per call: (the model's maximum output - the cap) output tokens at the model's output price.
    The maximum output comes from the model table (`promptlint models`). None when no cap is suggested: the
    saving depends on the cap the author picks.

    ## Options
    - `default-max-tokens` (int, default 1024): the cap the fix suggests for a request with no sign of a
      long answer (not a chat, not a code generator).
    """

    code = "LLM201"
    name = "missing-output-limit"
    summary = "LLM request without an output-token limit"
    fix_title = "Add an output cap"
    fix_availability = FixAvailability.SOMETIMES
    options = {"default-max-tokens": 1024}

    examples = (
        Invalid(
            r"""
                from openai import OpenAI

                client = OpenAI()


                def summarise(text: str) -> str:
                    response = client.chat.completions.create(
                        model="gpt-4o", messages=[{"role": "user", "content": f"Summarise:\n{text}"}]
                    )
                    return response.choices[0].message.content
            """,
            "LLM201",
            line=7,
            column=16,
            expected_fix=r"""
                from openai import OpenAI

                client = OpenAI()


                def summarise(text: str) -> str:
                    response = client.chat.completions.create(
                        model="gpt-4o", messages=[{"role": "user", "content": f"Summarise:\n{text}"}], max_completion_tokens=1024
                    )
                    return response.choices[0].message.content
            """,
        ),
        Valid(
            r"""
                from openai import OpenAI

                client = OpenAI()


                def summarise(text: str) -> str:
                    response = client.chat.completions.create(
                        model="gpt-4o",
                        messages=[{"role": "user", "content": f"Summarise:\n{text}"}],
                        max_completion_tokens=1024,
                    )
                    return response.choices[0].message.content
            """,
        ),
    )

    def check(self, call: LLMCall, context: RuleContext) -> Iterable[Finding]:
        limit = call.output_limit
        if limit.status is not LimitStatus.MISSING:
            return
        from promptlint_rules._cap_choice import module_cap, open_ended, outputs_images

        if outputs_images(call):
            return
        cap = int(context.options["default-max-tokens"])
        model = context.model_for(call)
        info = context.model_info(model)
        maximum = info.max_output if info is not None else None
        bound = f" ({maximum:,} tokens for `{model}`)" if maximum and model else ""
        message = f"`{call.callee}` sets no output limit: output is bounded only by the model maximum{bound}"
        if limit.wrapper_parameter:
            message = (
                f"`{call.callee}()` is called without `{limit.wrapper_parameter}`: the request it sends sets no"
                f" output limit and is bounded only by the model maximum{bound}"
            )
        source = ""
        long_answer = open_ended(call)
        if long_answer is not None:
            project_cap = module_cap(call, context.calls, long_answer.kind)
            if project_cap is None:
                # No cap fits a chat or generated code blindly, and the saving depends on the one chosen.
                yield Finding(
                    call.node, f"{message}; {long_answer.reason}: pick a cap that fits a whole answer"
                )
                return
            cap, source = project_cap, f"the cap of another {long_answer.label} request in this module"
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
        yield Finding(call.node, message, fix=self._fix(call, cap, source), savings=savings)

    def _fix(self, call: LLMCall, cap: int, source: str) -> Optional[Fix]:
        limit = call.output_limit
        target = limit.fix_target
        if call.confidence is Confidence.LOW:
            return None  # the client is unknown: so is the parameter name its server takes
        if target not in ("call", "config-new", "dict-key") or not limit.parameter:
            return None
        from promptlint.edits import add_dict_key, add_keyword
        from promptlint_rules._cap_choice import cap_parameter

        parameter = cap_parameter(call)
        if limit.wrapper_parameter and limit.wrapper_parameter != limit.parameter:
            parameter = limit.wrapper_parameter  # the wrapper's own name for the cap
        notes = [source] if source else []
        if parameter != limit.parameter:
            notes.append(f"the server behind `base_url` takes `{parameter}`")
        if target == "call":
            replacement = Replacement(call.node, add_keyword(call.node, parameter, str(cap)))
            description = f"Add `{parameter}={cap}`"
        elif target == "config-new":
            keyword = limit.container or "config"
            new = add_keyword(call.node, keyword, f'{{"{parameter}": {cap}}}')
            replacement = Replacement(call.node, new)
            description = f'Add `{keyword}={{"{parameter}": {cap}}}`'
        else:
            if limit.container_node is None:
                return None
            replacement = Replacement(
                limit.container_node, add_dict_key(limit.container_node, parameter, str(cap))
            )
            description = f'Add `"{parameter}": {cap}` to `{limit.container}`'
        if notes:
            description += " (" + "; ".join(notes) + ")"
        return Fix(description, Applicability.UNSAFE, (replacement,))
