"""LLM104 unstable-serialization."""

from __future__ import annotations

from typing import Any, Iterable, List, Optional, Sequence, Set, Tuple

from promptlint.ir import Dynamic, LLMCall, OrderRisk, PromptPart, Static
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

_MAX_FACTOR = 2  # see dynamic_prefix: text under minimum / 2 bytes is never tokenized


class UnstableSerialization(Rule):
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

    Across functions and modules: the prompt is resolved as LLM101 `dynamic-prefix` describes (prompts
    imported from other modules of the project, class constants, prompt files and their `.format` or jinja2
    templates, helpers that return a prompt or a message list, LangChain templates run through a chain),
    each part placed where the request names it. Not resolved: methods of objects whose class is not
    known (an unannotated parameter, a factory's result), and anything a module outside the project defines.

    Sent through the project's own wrapper (a function or a method of a known instance whose request takes
    the prompt from its parameters, also a wrapper of a wrapper, in the module or imported from the
    project): the caller's arguments are bound into the request, and the finding is reported where the
    caller writes the text, where the set or mapping is rendered, with each wrapper as a related location
    (`= via: sent through `ask()``); the wrapper's own request reports only what is written inside it. No
    fix is offered there: only a rewrite of a string literal is.

    Sent by several requests: a finding placed on a constant (of the module, a class or another module of
    the project) or on a helper's call, reported the same way by two requests or more, is reported once at
    the definition, "...; prompt `X` is sent by N requests", with each request as a related location and
    the saving of one call of each request added up; a suppression on the definition's first or last line
    holds for every request. Only when the run checks the definition's file: a run on one request's file
    reports that request's finding there.

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
    fix_availability = FixAvailability.SOMETIMES
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

    def __init__(self) -> None:
        self._seen: Set[int] = set()  # the order risks reported in this file (one rule instance per file)

    def check(self, call: LLMCall, context: RuleContext) -> Iterable[Finding]:
        dumps = bool(context.options["flag-unsorted-dumps"])
        # (risk, where, index of the first segment after it, the argument or message that carries it)
        found: List[Tuple[OrderRisk, str, int, Any]] = []
        for schema in call.schemas:
            found.extend((risk, schema.kind, 0, schema.node) for risk in schema.order_risks)
        segments = _segments(call.prompt)
        for index, (part, segment) in enumerate(segments):
            if not isinstance(segment, Dynamic):
                continue
            if segment.volatility.varies_between_requests:
                break  # everything after it misses the cache anyway
            where = "system prompt" if part.role in ("system", "instructions", "developer") else "prompt"
            found.extend((risk, where, index + 1, part.node) for risk in segment.order_risks)
        model = context.model_for(call)
        for risk, where, after, carrier in found:
            if (risk.kind == "unsorted-json" and not dumps) or id(risk.node) in self._seen:
                continue
            self._seen.add(id(risk.node))
            yield Finding(
                context.anchor((risk.node, carrier, call.node)),
                _message(risk, where),
                fix=_fix(risk),
                savings=_savings(call, context, model, segments, after, where),
            )


def _segments(parts: Sequence[PromptPart]) -> List[Tuple[PromptPart, object]]:
    """Every segment of the prompt (the tool definitions are not in it), with its part."""
    return [(part, segment) for part in parts for segment in part.text.segments]


def _savings(call, context, model, segments, after, where) -> Optional[SavingsBasis]:
    before_text = "".join(s.text for _, s in segments[: max(after - 1, 0)] if isinstance(s, Static))
    run: List[str] = []
    for _part, segment in segments[after:]:
        if isinstance(segment, Static):
            run.append(segment.text)
        elif segment.volatility.varies_between_requests:
            break
    after_text = "".join(run)
    info = context.model_info(model)
    minimum = info.min_cacheable if info is not None and info.min_cacheable else 1024
    total = before_text + after_text
    if not after_text or len(total.encode("utf-8")) * _MAX_FACTOR < minimum:
        return None
    if context.count_tokens(total, model) < minimum:
        return None
    tokens = context.count_tokens(after_text, model)
    assumptions: Tuple[str, ...] = (
        f"the {tokens:,} static prompt tokens after the unstable {where} are read from cache by every "
        "process (upper bound); cache writes not counted",
    )
    if not call.prefix_cached:
        assumptions += ("Anthropic caches only prefixes marked with `cache_control`",)
    return SavingsBasis(model=model, cached_tokens=tokens, assumptions=assumptions)


def _fix(risk: OrderRisk) -> Optional[Fix]:
    """``sorted(...)`` around the set (or in place of ``list``), or ``sort_keys=True``; none for a set
    rendered as is. libcst is imported here: rule packs load before any file is parsed."""
    if risk.kind == "set-repr":
        return None
    import libcst as cst

    if risk.kind == "unsorted-json":
        from promptlint.edits import add_keyword

        new = add_keyword(risk.node, "sort_keys", "True")
        return Fix("Add `sort_keys=True`", Applicability.SAFE, (Replacement(risk.node, new),))
    if risk.kind == "set-list":
        new = risk.node.with_changes(func=cst.Name("sorted"))
        description = f"Replace `{_short(risk.source)}` with `sorted(...)`"
    else:
        new = cst.Call(func=cst.Name("sorted"), args=[cst.Arg(value=risk.node)])
        description = f"Wrap `{_short(risk.source)}` in `sorted(...)`"
    applicability = Applicability.SAFE if risk.strings else Applicability.UNSAFE
    return Fix(description, applicability, (Replacement(risk.node, new),))


_SUBJECTS = {
    "tools": "the tool definitions built from it are",
    "response schema": "the response schema built from it is",
    "system prompt": "the system prompt built from it is",
    "prompt": "the prompt built from it is",
}


def _message(risk: OrderRisk, where: str) -> str:
    source = _short(risk.source)
    subject = _SUBJECTS[where]
    if risk.kind == "unsorted-json":
        return (
            f"`{source}` writes keys in whatever order the data has: {subject} the same text in every "
            "request only if that order never changes"
        )
    if risk.kind == "set-repr":
        what = f"`{source}` renders a set"
    elif _is_call(risk.node):
        what = f"`{source}` lists a set"
    else:
        what = f"`{source}` is a set iterated"
    return f"{what} in an order that differs from process to process: {subject} not the same text in every process"


def _is_call(node: Any) -> bool:
    import libcst as cst

    return isinstance(node, cst.Call)


def _short(source: str, limit: int = 40) -> str:
    return source if len(source) <= limit else source[: limit - 1] + "…"
