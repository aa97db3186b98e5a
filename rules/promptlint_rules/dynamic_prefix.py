"""LLM101 dynamic-prefix."""

from __future__ import annotations

from typing import Iterable, List, Optional, Tuple

from promptlint.ir import Dynamic, LLMCall, Static, Volatility
from promptlint.rule import Finding, Rule, RuleContext, SavingsBasis
from promptlint.testing import Invalid, Valid
from promptlint_rules._caching import flatten, owned_by_volatile_prefix

# A token is at least one byte, and no documented tokenizer factor reaches 2: text shorter than half the
# threshold in bytes cannot reach it, so it is never tokenized.
_MAX_FACTOR = 2


class DynamicPrefix(Rule):
    r"""
    ## What it does
    Checks for prompts where content that changes between requests (a parameter, the user's question, a
    timestamp) comes before static content that is long enough to be cached: the model's minimum cacheable
    length (1,024 tokens on most models; per model in `promptlint models`).

    Not changes between requests: values fixed for the process (a module-level f-string, `os.name`), the
    calendar date (it changes more slowly than a cache lives), one of a few fixed texts picked per request
    (each variant is cached on its own), and values that cannot be known (`self.x` set from outside the
    class, a prompt imported from an installed package).

    Across functions and modules: a prompt imported from another module of the project, a class constant,
    a prompt file (also a `.format` or jinja2 template), and a prompt built by a helper function or method
    are resolved as if written at the call; a per-request argument passed to a helper is reported where the
    caller writes it.

    A value that changes on every call (a timestamp with the time of day, `uuid4()`, `random`, a request id)
    in the tools, the system prompt or a message before the last user message is reported by LLM102
    `volatile-prefix` instead; this rule reports per-request values, and per-call values in the last user
    message. So is a value that changes on every turn of a conversation the call re-sends (a loop counter,
    the history's length) ahead of that history. The two rules never report the same value.

    Cache order is the request order: Anthropic caches tools, then `system`, then `messages`; OpenAI the
    messages in order, Responses' `instructions` first; Gemini the system instruction, then the contents.

    LangChain: a chat or string prompt template run through a chain (`(prompt | llm).invoke({...})`, the
    template built in this module or imported from another module of the project, the chat model built in
    this module) is a request: each `{var}` is the value the call passes for it, reported there, and the
    model is the chat model's. Templates in jinja2 or mustache syntax or with partial variables, and chains
    whose chat model is built elsewhere or passed in, are not resolved.

    Sent through the project's own wrapper (a function or a method of a known instance whose request takes
    the prompt from its parameters, also a wrapper of a wrapper, in the module or imported from the
    project): the caller's arguments are bound into the request, and the finding is reported where the
    caller writes the text or the changing part, with each wrapper as a related location (`= via: sent
    through `ask()``); the wrapper's own request reports only what is written inside it. A wrapper's finding
    on a parameter that a caller in the module reports is not repeated at the wrapper.

    ## Why is this bad?
    Prompt caches match exact prefixes. Everything after the first changing token is a cache miss on every
    request, so the static instructions behind it are billed at the full input price each time instead of
    the cache-read price (about a tenth of it on current models).

    ## Example

    ## Use instead

    ## Fix safety
    No automatic fix: moving content changes what the model reads in which order. The suggested change is
    to move the dynamic part after the static part, e.g. into the last user message.

    ## Savings
    The static tokens after the dynamic part, billed at the cache-read price instead of the input price, per
    call, assuming every call after the first hits the cache (an upper bound; cache writes are not counted).
    Anthropic caches only prefixes marked with `cache_control`.

    ## Options
    - `min-cacheable-tokens` (int, default 1024): the minimum cacheable length used when the model's own is
      not in the model table.
    """

    code = "LLM101"
    name = "dynamic-prefix"
    summary = "Per-request content before a cacheable static prompt"
    fix_title = "Move the dynamic part after the static part"
    options = {"min-cacheable-tokens": 1024}

    examples = (
        Invalid(
            r"""
                from pathlib import Path

                from openai import OpenAI

                client = OpenAI()
                LONG_INSTRUCTIONS = (Path(__file__).parent / "prompts" / "support.md").read_text(encoding="utf-8")


                def answer(user, question: str) -> str:
                    system = f"The user is {user.name}.\n" + LONG_INSTRUCTIONS
                    response = client.chat.completions.create(
                        model="gpt-4o",
                        messages=[{"role": "system", "content": system}, {"role": "user", "content": question}],
                    )
                    return response.choices[0].message.content
            """,
            "LLM101",
            line=10,
            column=29,
            files={
                "prompts/support.md": "You are the support assistant of Acme. Follow the refund policy in every answer.\n"
                * 150
            },
        ),
        Valid(
            r"""
                from pathlib import Path

                from openai import OpenAI

                client = OpenAI()
                LONG_INSTRUCTIONS = (Path(__file__).parent / "prompts" / "support.md").read_text(encoding="utf-8")


                def answer(user, question: str) -> str:
                    response = client.chat.completions.create(
                        model="gpt-4o",
                        messages=[
                            {"role": "system", "content": LONG_INSTRUCTIONS},
                            {"role": "user", "content": f"The user is {user.name}.\n{question}"},
                        ],
                    )
                    return response.choices[0].message.content
            """,
            files={
                "prompts/support.md": "You are the support assistant of Acme. Follow the refund policy in every answer.\n"
                * 150
            },
        ),
    )

    def check(self, call: LLMCall, context: RuleContext) -> Iterable[Finding]:
        located = flatten(call.prompt)
        segments: List[object] = [segment for _, segment in located]
        first = _first_varying(segments)
        if first is None:
            return
        if owned_by_volatile_prefix(call.prompt, located[first][0], segments[first], call):
            return  # changes on every call or turn, early in the request: LLM102 (volatile-prefix)
        run = _static_run(segments, first + 1)
        model = context.model_for(call)
        info = context.model_info(model)
        minimum = info.min_cacheable if info is not None and info.min_cacheable else None
        minimum = minimum or int(context.options["min-cacheable-tokens"])
        if len(run.encode("utf-8")) * _MAX_FACTOR < minimum:
            return
        tokens = context.count_tokens(run, model)
        if tokens < minimum:
            return
        dynamic = segments[first]
        assert isinstance(dynamic, Dynamic)
        how = "changes on every call" if dynamic.volatility is Volatility.PER_CALL else "varies per request"
        message = (
            f"`{_short(dynamic.source)}` {how} but comes before {tokens:,} tokens of static prompt: "
            "they are never served from the prompt cache"
        )
        assumptions: Tuple[str, ...] = (
            "every call after the first hits the cache (upper bound); cache writes not counted",
        )
        if not call.prefix_cached:
            assumptions += ("Anthropic caches only prefixes marked with `cache_control`",)
        savings = SavingsBasis(model=model, cached_tokens=tokens, assumptions=assumptions)
        yield Finding(dynamic.node if dynamic.node is not None else call.node, message, savings=savings)


def _first_varying(segments: List[object]) -> Optional[int]:
    for index, segment in enumerate(segments):
        if isinstance(segment, Dynamic) and segment.volatility.varies_between_requests:
            return index
    return None


def _static_run(segments: List[object], start: int) -> str:
    """The longest stretch of static text from ``start`` on that no request-varying segment interrupts.

    Everything after the first varying segment misses the cache; the longest uninterrupted static stretch
    behind it is what would be served from cache once the varying parts move after it. (Several short
    labels between per-request values, ``"Plan: {plan}\nQuota: {quota}"``, are not a cacheable block.)
    """
    best = ""
    pieces: List[str] = []
    for segment in segments[start:]:
        if isinstance(segment, Static):
            pieces.append(segment.text)
        elif isinstance(segment, Dynamic) and segment.volatility.varies_between_requests:
            run = "".join(pieces)
            best = run if len(run) > len(best) else best
            pieces = []
    run = "".join(pieces)
    return run if len(run) > len(best) else best


def _short(source: str, limit: int = 40) -> str:
    flat = " ".join(source.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
