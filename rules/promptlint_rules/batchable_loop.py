"""LLM501 batchable-loop."""

from __future__ import annotations

from typing import Iterable, Optional

from promptlint.ir import LLMCall
from promptlint.rule import Finding, Rule, RuleContext, SavingsBasis
from promptlint.testing import Invalid, Valid
from promptlint_rules._loops import describe, request_size, shorten, size_assumptions

# Providers with a Batch API for the endpoints promptlint recognises (PROVIDER_FACTS §2.5): OpenAI (chat
# completions, responses, completions), Anthropic (Messages), Gemini (generate_content).
_BATCH_PROVIDERS = ("openai", "anthropic", "google")
_NO_BATCH_ENDPOINTS = {("anthropic", "completions.create")}  # legacy Text Completions: Messages only


class BatchableLoop(Rule):
    """
    ## What it does
    Checks for LLM requests sent one at a time in a loop over a collection (a `for` loop or a comprehension
    over rows, files, documents), in code that does not answer a person as they wait: a script
    (`if __name__ == "__main__":`), a command-line tool (`argparse`, `click`, `typer`), a job or task queue
    worker (Celery, Airflow, Prefect, Dagster, a Django management command), a module under `scripts/`,
    `jobs/`, `batch/`, `pipelines/`, `etl/` or `cron/`, or notebook cells (`# %%`).

    Reported only when each request stands alone, so that all of them could be submitted together: not
    streamed, no `**mapping` that may turn streaming on, no result fed into a later request of the loop (an
    agent, a running summary, a growing history), no early `break`/`return`, no `yield`, no `input()`. Loops
    over `range(n)`, retries (`tenacity`, a variable named `attempt`), `for _ in ...` (the same request
    repeated) and literal collections of fewer than `min-items` items are too small or not data.
    Code that imports a web or chat framework (FastAPI, Flask, Django views, Streamlit, Gradio, Slack,
    Discord...) or sits in a route handler is interactive and never reported. Only OpenAI, Anthropic
    (Messages) and Gemini requests are reported (LiteLLM by the model's provider): they have a Batch API.

    Across functions: a request made in a module-level function that the module calls exactly once, from
    inside a loop, is reported at the request, naming the call (`through `blurb(row)``). Loops that reach a
    request through methods (of the class, or of an object whose class is known), through several callers
    or from other modules are not reported by this rule (LLM303 and LLM502 see them at the caller).

    Opt-in (enable with `--select LLM501`): a Batch API returns results within 24 hours rather than at
    once, and whether a script's user can wait that long cannot be seen in the code.

    ## Why is this bad?
    OpenAI, Anthropic and Gemini bill requests sent through their Batch APIs at half price ("50% cost
    discount vs. the synchronous APIs": OpenAI's Batch API FAQ; Anthropic's Message Batches and Gemini's
    Batch Mode documentation). A nightly job that summarises 10,000 rows one request at a time pays double.

    ## Example

    ## Use instead

    ## Fix safety
    No automatic fix: a batch is submitted, polled and collected, which changes the program's structure.

    ## Savings
    The model's `batch-discount` (from the model table: 0.5 for every OpenAI, Anthropic and Gemini model
    there) times the request's cost: the static prompt text known at lint time at the input price, plus the
    literal output cap at the output price (an upper bound on the output). Dynamic content, usually the item
    itself, is not counted, so the input part is a lower bound. Without a known prompt or cap there is
    nothing to price.

    ## Options
    - `min-items` (int, default 10): a loop over a literal collection (or `range`) with fewer items is not
      reported.
    """

    code = "LLM501"
    name = "batchable-loop"
    summary = "Synchronous LLM calls in a loop over a collection in non-interactive code"
    default_enabled = False
    fix_title = "Send the requests through the provider's Batch API"
    options = {"min-items": 10}

    examples = (
        Invalid(
            r"""
                import csv
                import sys

                from openai import OpenAI

                client = OpenAI()


                def main() -> None:
                    with open(sys.argv[1], newline="") as handle:
                        rows = list(csv.DictReader(handle))
                    for row in rows:
                        response = client.chat.completions.create(
                            model="gpt-4o-mini",
                            messages=[{"role": "user", "content": f"Summarise this review: {row['text']}"}],
                            max_completion_tokens=200,
                        )
                        print(row["id"], response.choices[0].message.content)


                if __name__ == "__main__":
                    main()
            """,
            "LLM501",
            line=13,
            column=20,
        ),
        Valid(
            r"""
                import csv
                import json
                import sys

                from openai import OpenAI

                client = OpenAI()


                def main() -> None:
                    with open(sys.argv[1], newline="") as handle:
                        rows = list(csv.DictReader(handle))
                    lines = [
                        json.dumps(
                            {
                                "custom_id": row["id"],
                                "method": "POST",
                                "url": "/v1/chat/completions",
                                "body": {
                                    "model": "gpt-4o-mini",
                                    "messages": [{"role": "user", "content": f"Summarise this review: {row['text']}"}],
                                    "max_completion_tokens": 200,
                                },
                            }
                        )
                        for row in rows
                    ]
                    upload = client.files.create(file=("reviews.jsonl", "\n".join(lines).encode()), purpose="batch")
                    batch = client.batches.create(
                        input_file_id=upload.id, endpoint="/v1/chat/completions", completion_window="24h"
                    )
                    print(batch.id)


                if __name__ == "__main__":
                    main()
            """,
        ),
    )

    def check(self, call: LLMCall, context: RuleContext) -> Iterable[Finding]:
        loops = call.loops or call.caller_loops
        loop = loops[0] if loops else None
        if loop is None or loop.kind not in ("for", "async-for", "comprehension") or not loop.over_collection:
            return
        if loop.items is not None and loop.items < int(context.options["min-items"]):
            return
        if call.runs_in != "batch" or call.streams or call.has_unresolved_splat:
            return
        if loop.early_exit or loop.result_feeds_prompt or loop.yields:
            return
        if any(outer.reads_input or outer.result_feeds_prompt or outer.exits_on_output for outer in loops):
            return
        model = context.model_for(call)
        info = context.model_info(model)
        provider = call.provider
        if provider == "litellm":
            provider = info.provider if info is not None else ""
        if provider not in _BATCH_PROVIDERS or (call.provider, call.endpoint) in _NO_BATCH_ENDPOINTS:
            return
        through = f" (through `{shorten(loop.via)}`)" if loop.via else ""
        message = (
            f"`{call.callee}` sends one request at a time in a {describe(loop)}{through}, in code that runs "
            f"unattended ({call.runs_in_evidence})"
        )
        yield Finding(call.node, message, savings=self._savings(call, context, model, info))

    def _savings(
        self, call: LLMCall, context: RuleContext, model: Optional[str], info
    ) -> Optional[SavingsBasis]:
        if info is None:
            if model is None:
                return SavingsBasis(model=None, assumptions=("the batch discount is per model",))
            return SavingsBasis(model=model)
        discount = info.batch_discount
        if discount is None:
            return None
        static, cap = request_size(call, context, model)
        if not static and cap is None:
            return None
        assumptions = [
            f"the Batch API takes {discount:.0%} off input and output (`batch-discount` of `{info.id}`)"
        ]
        assumptions.extend(size_assumptions(call, static, cap))
        return SavingsBasis(
            model=model,
            input_tokens=round(static * discount),
            output_tokens=round((cap or 0) * discount),
            worst_case=cap is not None,
            assumptions=tuple(assumptions),
        )
