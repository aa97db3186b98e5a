"""LLM502 unbounded-agent-loop."""

from __future__ import annotations

from typing import Iterable

from promptlint.ir import LLMCall
from promptlint.rule import Finding, Rule, RuleContext, SavingsBasis
from promptlint.testing import Invalid, Valid
from promptlint_rules._loops import SeenLoops, describe, request_size, size_assumptions


class UnboundedAgentLoop(Rule):
    """
    ## What it does
    Checks for LLM requests made inside a loop that only the model's own output can end, with no iteration
    or budget cap: `while True:` (or `for _ in itertools.count()`) whose every `break`/`return`/`raise`
    depends on the response (`if not message.tool_calls: return ...`), or `while not done:` where `done` is
    set from the response. A function or method that calls itself again after the request is such a loop
    too (`if response.stop_reason == "tool_use": ...; return self.ask(messages)`), as is one that calls
    itself around the one call of a helper of the module that makes the request: reported when the
    recursive call is reached only through conditions on the model's output (or every way out before it
    depends on the output) and nothing counts the depth.

    Across functions and modules: a loop that calls a function of its module or a method of its own class
    which makes the request (`reply = self._step(transcript)`), up to three calls deep, or a function
    imported from another module of the project (one call), or a method making the request of an object
    whose class of the project is known (`llm_client.get_script()`, the client a parameter every caller
    passes an `LLMClient(...)` for), is that request's loop: its exits are read at
    the caller, where the finding is reported, with the SDK call as its related location. So is a function
    that calls itself again after such a call (`reply = complete(messages)` ... `return self.run(messages)`),
    however many other callers the helper has. Not followed: the
    shapes listed for LLM303 (rebound, decorated or overridden functions, `*args` calls, methods of objects
    whose class is not known, methods reaching the request through another call), and a loop whose
    condition is a flag set to a constant under a condition on the output (`if out.endswith("CONTINUE"):
    again = True`).

    Not reported: loops with a visible cap (`for _ in range(max_turns)`, a counter or an ordering comparison
    in the condition, a `break`/`return`/`raise` guarded by one, a budget or limit check in the body); loops
    that wait for a person or a peer on every turn (`input()`, a websocket `receive`); loops with an exit
    that does not depend on the model (a stop flag, a queue running dry); worker loops with no exit at all;
    recursion with a depth parameter counted (`depth + 1`, `remaining=...`) or a cap checked on the way
    (`if depth >= MAX_DEPTH: raise ...`); a parameter passed on unchanged (`max_tokens=max_tokens`) counts
    nothing, so a continuation that calls itself whenever the answer was cut (`finish_reason == "length"`)
    is reported. A retry that calls itself from an `except` handler is an error path, not a loop the model's
    output ends. Recursion through the project's other modules is not seen.
    Exits in `except` handlers are error paths and do not count either way.

    ## Why is this bad?
    A model that keeps asking for tools, never says "done", or repeats itself keeps the loop running, and
    every turn is a full request, usually re-sending a growing history. Runaway agent loops are a recurring
    cause of surprise bills (google-gemini/gemini-cli#2773, anthropics/claude-code#4095).

    ## Example

    ## Use instead

    ## Fix safety
    No automatic fix: the right cap, and what to do when it is reached, depend on the task.

    ## Savings
    A runaway loop has no bounded cost, so the figure is what each iteration past a cap costs: one more
    request, counted as the static prompt text known at lint time (input price) plus the request's literal
    output cap (output price). Dynamic content, such as the growing conversation, is not counted: it is a
    lower bound. Without a known prompt or cap there is nothing to price.
    """

    code = "LLM502"
    name = "unbounded-agent-loop"
    summary = "LLM call in a loop that only the model's output can end"
    fix_title = "Cap the number of iterations or the token budget"

    examples = (
        Invalid(
            r"""
                from openai import OpenAI

                client = OpenAI()


                def agent(messages: list, tools: list, run_tools) -> str:
                    while True:
                        response = client.chat.completions.create(
                            model="gpt-4.1", messages=messages, tools=tools, max_completion_tokens=1000
                        )
                        message = response.choices[0].message
                        if not message.tool_calls:
                            return message.content
                        messages.append(message)
                        messages.extend(run_tools(message))
            """,
            "LLM502",
            line=8,
            column=20,
        ),
        Valid(
            r"""
                from openai import OpenAI

                client = OpenAI()
                MAX_TURNS = 12


                def agent(messages: list, tools: list, run_tools) -> str:
                    for _ in range(MAX_TURNS):
                        response = client.chat.completions.create(
                            model="gpt-4.1", messages=messages, tools=tools, max_completion_tokens=1000
                        )
                        message = response.choices[0].message
                        if not message.tool_calls:
                            return message.content
                        messages.append(message)
                        messages.extend(run_tools(message))
                    raise RuntimeError(f"no answer after {MAX_TURNS} turns")
            """,
        ),
    )

    def __init__(self) -> None:
        self._reported = SeenLoops()

    def check(self, call: LLMCall, context: RuleContext) -> Iterable[Finding]:
        for loop in call.loops:
            if loop.kind not in ("while-true", "while") or not loop.exits_on_output:
                continue
            if loop.capped or loop.reads_input:
                continue
            if not self._reported.first(loop.node):
                return  # another request of this loop carries the finding
            message = (
                f"`{call.callee}` runs in a {describe(loop)} that only the model's output can end, "
                "with no iteration or budget cap"
            )
            yield Finding(call.node, message, savings=self._savings(call, context))
            return
        loop = call.recursion
        if loop is None or not loop.exits_on_output or loop.capped or loop.reads_input:
            return
        if not self._reported.first(loop.node):
            return
        message = (
            f"`{call.callee}` runs in a {describe(loop)} that only the model's output can end, "
            "with no depth or budget cap"
        )
        yield Finding(call.node, message, savings=self._savings(call, context))

    def _savings(self, call: LLMCall, context: RuleContext):
        model = context.model_for(call)
        static, cap = request_size(call, context, model)
        if not static and cap is None:
            return None
        assumptions = [
            "per iteration past a cap: one more request like this one; a runaway loop has no bound"
        ]
        assumptions.extend(size_assumptions(call, static, cap))
        return SavingsBasis(
            model=model,
            input_tokens=static,
            output_tokens=cap or 0,
            assumptions=tuple(assumptions),
            worst_case=cap is not None,
        )
