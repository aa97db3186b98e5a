"""LLM104 unstable-serialization."""

from __future__ import annotations

from promptlint.rule import LazyCheckerRule
from promptlint.testing import Invalid, Valid


class UnstableSerialization(LazyCheckerRule):
    r"""
    ## What it does
    Checks for prompt content, tool definitions and response schemas whose text depends on the iteration
    order of a `set`: `", ".join(tags)`, `list(tags)`, `[TOOLS[n] for n in enabled]`, a dict built by
    iterating a set, or a set interpolated as is (`f"{tags}"`), where the set is a set literal, `set(...)`,
    a set comprehension, a set operation, or a parameter annotated as a set.

    Only where the order can cost money: in `tools=`, in a response schema (`response_format=`, `text=`,
    Gemini's `config=`), or in a prompt segment that is the same for every request and sits in the
    cacheable prefix (nothing that varies between requests comes before it). A set of numbers is not
    reported: their hashes, and so the order, are the same in every process.

    With the `flag-unsorted-dumps` option, also checks for `json.dumps(...)` without `sort_keys=True` on
    data whose key order the code does not fix by construction (a parameter, an attribute, a call result;
    not a dict or list literal of constants). This is off by default: Python dicts keep insertion order, so
    such data is usually stable, and whether it is cannot be known statically.

    ## Why is this bad?
    Python salts the hashes of `str` and `bytes` with a random value per process: they "remain constant
    within an individual Python process" but "are not predictable between repeated invocations of Python"
    (Python reference, Data model, `object.__hash__`; `PYTHONHASHSEED`). A set of strings therefore
    iterates in a different order in every worker, after every restart and on every serverless instance
    (numbers hash to themselves, so a set of numbers does not). The prompt text built from it differs, and
    prompt caches match exact prefixes: everything after the first differing token is a cache miss,
    including the static instructions behind it. Anthropic documents this failure ("Verify that the keys in
    your `tool_use` content blocks have stable ordering … breaking caches", prompt-caching
    troubleshooting); OpenAI requires tools to be "identical between requests" for cache hits
    (prompt-caching guide).

    ## Example

    ## Use instead

    ## Fix safety
    The fix wraps the iterated set in `sorted(...)` (`list(s)` becomes `sorted(s)`), or adds
    `sort_keys=True` to `json.dumps`. A set has no order to preserve, and JSON object keys carry no order,
    so the model receives the same content. It is safe when the elements are known to be strings (`join`
    needs strings, a set literal of strings, a parameter annotated `set[str]`); otherwise it is unsafe,
    because `sorted` raises `TypeError` when the elements cannot be compared (mixed types, `None`). A set
    interpolated as is (`f"{tags}"`) gets no automatic fix: `sorted` would render it as a list.

    ## Savings
    The static prompt tokens after the unstable point up to the next content that changes between
    requests (for tools and schemas: from the start of the prompt), billed at the cache-read price instead
    of the input price, per call. An upper bound: it assumes every process would otherwise share one
    cached prefix, and cache writes are not counted. Unpriced (no saving shown) when that static prompt,
    together with the static text before the unstable point, stays below the model's minimum cacheable
    length: the unstable value's own size is not known statically.

    ## Options
    - `flag-unsorted-dumps` (bool, default False): also report `json.dumps` without `sort_keys=True` on
      data of unknown key order.
    """

    code = "LLM104"
    name = "unstable-serialization"
    summary = "Set iteration order or unsorted JSON keys in a cacheable prompt, tools or schema"
    fix_title = "Serialise in a fixed order (`sorted(...)`, `sort_keys=True`)"
    fix_availability = "sometimes"
    options = {"flag-unsorted-dumps": False}

    examples = (
        Invalid(
            r"""
                from openai import OpenAI

                client = OpenAI()
                CATEGORIES = {"billing", "shipping", "returns"}
                GUIDELINES = "Read the whole ticket before you answer. " * 60


                def classify(ticket: str) -> str:
                    system = f"Classify the ticket as one of: {', '.join(CATEGORIES)}.\n\n{GUIDELINES}"
                    response = client.chat.completions.create(
                        model="gpt-4.1-mini",
                        messages=[{"role": "system", "content": system}, {"role": "user", "content": ticket}],
                        max_completion_tokens=5,
                    )
                    return response.choices[0].message.content
            """,
            "LLM104",
            line=9,
            column=58,
            expected_fix=r"""
                from openai import OpenAI

                client = OpenAI()
                CATEGORIES = {"billing", "shipping", "returns"}
                GUIDELINES = "Read the whole ticket before you answer. " * 60


                def classify(ticket: str) -> str:
                    system = f"Classify the ticket as one of: {', '.join(sorted(CATEGORIES))}.\n\n{GUIDELINES}"
                    response = client.chat.completions.create(
                        model="gpt-4.1-mini",
                        messages=[{"role": "system", "content": system}, {"role": "user", "content": ticket}],
                        max_completion_tokens=5,
                    )
                    return response.choices[0].message.content
            """,
        ),
        Valid(
            r"""
                from openai import OpenAI

                client = OpenAI()
                CATEGORIES = {"billing", "shipping", "returns"}
                GUIDELINES = "Read the whole ticket before you answer. " * 60


                def classify(ticket: str) -> str:
                    system = f"Classify the ticket as one of: {', '.join(sorted(CATEGORIES))}.\n\n{GUIDELINES}"
                    response = client.chat.completions.create(
                        model="gpt-4.1-mini",
                        messages=[{"role": "system", "content": system}, {"role": "user", "content": ticket}],
                        max_completion_tokens=5,
                    )
                    return response.choices[0].message.content
            """,
        ),
    )

    checker = "promptlint_rules._unstable_serialization:Checker"
