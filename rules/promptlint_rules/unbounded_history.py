"""LLM303 unbounded-history."""

from __future__ import annotations

from typing import Iterable, Optional

from promptlint.ir import LLMCall
from promptlint.rule import Finding, Rule, RuleContext, SavingsBasis
from promptlint.testing import Invalid, Valid
from promptlint_rules._loops import SeenLoops, describe

# Providers that cache a repeated prefix without being asked (PROVIDER_FACTS §2.2-2.4); Anthropic caches only
# what ``cache_control`` marks, and OpenAI's gpt-5.6 and later only at breakpoints (below).
_AUTOMATIC_CACHING = ("openai", "google", "deepseek")


class UnboundedHistory(Rule):
    """
    ## What it does
    Checks for a message list that a loop appends to on every iteration and re-sends whole with each
    request (`messages.append(...)` and `client.chat.completions.create(messages=messages)` in the same
    loop, or `[system, *history]`, `history + [turn]`), when nothing bounds it: the loop has no visible cap
    (`while True:`, a loop over an unbounded collection) and the list is never trimmed in its function (no
    `messages = messages[-20:]`, `del messages[...]`, `messages.pop(0)`, slice assignment, or hand-off to a
    helper such as `trim_history(messages)`, which may shorten it in place).

    A history kept on the instance counts too, with no loop in sight: a method re-sends `self.messages`
    (or `[system, *self.history]`, `self.messages.copy()`, a local bound to one of those) and the class adds
    to it across calls (`self.messages.append(...)` or `self.history += [...]`, in that method or another,
    outside `__init__`), while nothing in the class, its bases or its subclasses in the module trims it:
    slice or item assignment, `del self.messages[...]`, `pop`/`remove`/`clear`, a rebinding that reads the
    old list (`self.messages = self.messages[-20:]`, a summary), a length check (`len(self.messages) > N`),
    or the list handed to a helper that may change it (helpers named for logging, printing or saving only
    read it) all keep the rule quiet, as does the sending method rebuilding it on every call.

    Across functions and modules: a loop that calls a function of its module or a method of its own class
    (`reply = ask(history)`, `self._send(history)`) which makes the request outside any loop of its own is
    that request's loop, followed up to three calls deep, and so is a loop calling a function imported from
    another module of the project (`from .llm import ask`, one call), or a method, making the request
    itself, of an object whose class of the project is known (`bot = Bot()`, `self.llm = Claude()` in
    `__init__`, an annotation, or a parameter every caller passes an instance of one class for), whatever
    its module, called in the loop or in a helper the loop reaches. The history is the caller's argument
    for the parameter the request re-sends (`messages=messages`); the finding is reported at that argument,
    with the SDK call as its related location. A LangChain chain's `MessagesPlaceholder` filled with a list
    the loop grows (`chain.invoke({"history": history, ...})`) counts too. Not followed: a helper that may
    shorten the list it is given (a slice, `del`, `pop`, a rebinding, a hand-off to another function), a
    function bound more than once or decorated, a method that another class of the module also defines, a
    call with `*args`/`**kwargs`, methods of objects whose class is not known, a method that reaches the
    request through another call (`self.assistant.complete_chat(...)` calling a provider's method), and a
    history kept on another object (`self.assistant.reply(self.messages)`). A wrapper that
    calls itself to retry (`except RateLimitError: return self.ask(messages, retries - 1)`) re-sends the
    same messages and is no loop here.

    Not reported: loops capped by `range(n)`, a counter or a literal collection; lists rebuilt on each
    iteration; module-level lists shared across functions; an instance history when a base class of another
    module may trim it, or when it is grown or sent through the project's other modules.

    ## Why is this bad?
    Each request re-sends every earlier turn, so the input of turn t is about t turns long and a
    conversation of T turns bills about T²/2 turns of input in total: cost grows quadratically with the
    length of the session (anomalyco/opencode#26184: "$15 vs $0.05"). Prompt caching softens the price of
    the repeated prefix but not the growth.

    ## Example

    ## Use instead

    ## Fix safety
    No automatic fix: what to keep (a window of recent turns, a running summary, retrieval over the
    transcript) depends on what the conversation needs to remember.

    ## Savings
    A model, not a measurement: a session of `assumed-turns` turns, each adding `tokens-per-turn` tokens to
    the history, against the same session keeping only the last `keep-turns` turns. The saving per call is
    the difference in re-sent history averaged over the session's calls: with the defaults (20 turns of 300
    tokens, keeping 8) 1,170 tokens per call. They are priced at the cache-read price on providers that
    cache a repeated prefix automatically (OpenAI before gpt-5.6, Gemini, DeepSeek) or when the request
    marks `cache_control`, else at the input price: Anthropic caches only marked prefixes, and gpt-5.6 and
    later cache at the latest message with no fallback to a shorter prefix, so a history growing by a
    message per turn is never read back. Cache writes caused by a moving window are not counted.

    ## Options
    - `assumed-turns` (int, default 20): the turns of a session, for the saving.
    - `tokens-per-turn` (int, default 300): the tokens each turn adds to the history, for the saving.
    - `keep-turns` (int, default 8): the turns a trimmed history keeps, for the saving.
    """

    code = "LLM303"
    name = "unbounded-history"
    summary = "Message list that grows in a loop and is re-sent whole with every request"
    fix_title = "Trim or summarise the history before each request"
    options = {"assumed-turns": 20, "tokens-per-turn": 300, "keep-turns": 8}

    examples = (
        Invalid(
            r"""
                from openai import OpenAI

                client = OpenAI()
                SYSTEM = "You are Acme's support assistant."


                def chat() -> None:
                    messages = [{"role": "system", "content": SYSTEM}]
                    while True:
                        messages.append({"role": "user", "content": input("> ")})
                        reply = client.chat.completions.create(
                            model="gpt-4.1-mini", messages=messages, max_completion_tokens=500
                        )
                        messages.append(reply.choices[0].message)
            """,
            "LLM303",
            line=12,
            column=44,
        ),
        Valid(
            r"""
                from openai import OpenAI

                client = OpenAI()
                SYSTEM = "You are Acme's support assistant."
                KEEP_MESSAGES = 16


                def chat() -> None:
                    messages = [{"role": "system", "content": SYSTEM}]
                    while True:
                        messages.append({"role": "user", "content": input("> ")})
                        messages = messages[:1] + messages[1:][-KEEP_MESSAGES:]
                        reply = client.chat.completions.create(
                            model="gpt-4.1-mini", messages=messages, max_completion_tokens=500
                        )
                        messages.append(reply.choices[0].message)
            """,
        ),
    )

    def __init__(self) -> None:
        self._reported = SeenLoops()

    def check(self, call: LLMCall, context: RuleContext) -> Iterable[Finding]:
        for loop in call.loops:
            if not loop.history:
                continue
            if loop.capped or loop.items is not None:
                return
            if not self._reported.first(loop.node, loop.history):
                return  # another request of this loop re-sends the same list: reported there
            node = loop.history_node if loop.history_node is not None else call.node
            message = (
                f"`{loop.history}` grows on every iteration of a {describe(loop)} and `{call.callee}` "
                "re-sends all of it: input tokens grow with the square of the turns"
            )
            yield Finding(node, message, savings=self._savings(call, context))
            return
        kept = call.kept_history
        if kept is not None:
            message = (
                f"`{kept.attribute}` grows across calls (`{kept.grown_in}` adds to it) and `{call.callee}` "
                "re-sends all of it, never trimmed: input tokens grow with the square of the turns"
            )
            node = kept.node if kept.node is not None else call.node
            yield Finding(node, message, savings=self._savings(call, context))

    def _savings(self, call: LLMCall, context: RuleContext) -> Optional[SavingsBasis]:
        turns = int(context.options["assumed-turns"])
        per_turn = int(context.options["tokens-per-turn"])
        keep = int(context.options["keep-turns"])
        if turns <= 0 or per_turn <= 0 or keep < 0 or keep >= turns:
            return None
        whole = turns * (turns + 1) // 2
        windowed = keep * (keep + 1) // 2 + (turns - keep) * keep
        tokens = round(per_turn * (whole - windowed) / turns)
        model = context.model_for(call)
        info = context.model_info(model)
        provider = info.provider if info is not None else call.provider
        assumptions = [
            f"assumption: sessions of {turns:,} turns (`assumed-turns`), each adding {per_turn:,} tokens "
            "(`tokens-per-turn`)",
            f"after the fix: the last {keep:,} turns are kept (`keep-turns`); averaged over the session's calls",
        ]
        if (
            provider in _AUTOMATIC_CACHING and not (info is not None and info.caches_at_breakpoints_only)
        ) or call.marks_cache:
            assumptions.append(
                "the history is a cached prefix: the removed tokens are priced at the cache-read price"
            )
            return SavingsBasis(model=model, removed_cached_tokens=tokens, assumptions=tuple(assumptions))
        assumptions.append(
            "the removed tokens are priced at the input price: the history is not cached without breakpoints"
        )
        return SavingsBasis(model=model, input_tokens=tokens, assumptions=tuple(assumptions))
