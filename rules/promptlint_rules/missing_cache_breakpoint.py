"""LLM103 missing-cache-breakpoint."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Optional, Tuple

from promptlint.ir import LLMCall, PromptPart
from promptlint.rule import Applicability, Finding, Fix, FixAvailability, Replacement, Rule, RuleContext
from promptlint.testing import Invalid, Valid
from promptlint_rules._caching import (
    breakpoint_savings,
    explicit_breakpoints,
    min_cacheable,
    static_prefix,
    static_text,
)

if TYPE_CHECKING:  # pragma: no cover
    import libcst as cst

# The marker each API takes on a content block, and the block type a plain text becomes.
_ANTHROPIC = ("cache_control", '{"type": "ephemeral"}')
_OPENAI = ("prompt_cache_breakpoint", '{"mode": "explicit"}')


class MissingCacheBreakpoint(Rule):
    """
    ## What it does
    Checks for requests whose static prefix reaches the model's minimum cacheable length but that set no
    cache breakpoint anywhere, on the APIs that cache only at breakpoints:

    - Anthropic Messages (`messages.create`/`stream`/`parse`): no `cache_control` on any tool, system block
      or message, and no top-level `cache_control` (automatic caching);
    - OpenAI gpt-5.6 and later (Chat Completions and Responses), when the model is a literal (or the
      configured `default-model`) that the model table shows billing cache writes: no
      `prompt_cache_breakpoint` on any content block.

    The static prefix is the request in cache order (tools, then the system prompt or `instructions`, then
    the messages) up to the first part that changes between requests, counted in whole parts (a breakpoint
    goes at the end of a block). Tool definitions must not change but are not counted.

    Silent when a breakpoint could be hidden: a `**mapping` or `extra_body`, tools, a system prompt or messages
    that are not literal (a parameter, `*history`, a list passed to a helper or changed in place), or a
    content block that is not a literal dict. A user message written in the call whose content is a
    parameter (`{"role": "user", "content": notice}`, typed or not) does not hide one: the static prefix
    before it is judged on its own. Silent when nothing follows the prefix (a request that is the
    same every time), and when the prefix is within `tokenizer-margin` of the minimum (promptlint's token
    counts for non-OpenAI models are approximations).

    Across functions and modules: the prompt is resolved as LLM101 `dynamic-prefix` describes (prompts
    imported from other modules of the project, class constants, prompt files and their `.format` or jinja2
    templates, helpers that return a prompt or a message list, LangChain templates run through a chain),
    each part placed where the request names it. Not resolved: methods of objects whose class is not
    known (an unannotated parameter, a factory's result), and anything a module outside the project defines.
    A message list or template built in another module counts as not literal (a breakpoint there is not
    seen), so the rule is silent for it; LangChain chains are not checked.

    ## Why is this bad?
    Anthropic caches nothing unless asked: the same instructions are billed at the full input price on every
    call, where a cache read costs a tenth of it (0.025x-0.1x on current models). OpenAI's gpt-5.6 and later
    place only an implicit breakpoint at the latest message and do not fall back to a shorter matching
    prefix (PROVIDER_FACTS 2.2, OpenAI prompt-caching guide, "GPT-5.6 and later"): requests that share
    thousands of static tokens but differ in the last message never read each other's cache.

    ## Example

    ## Use instead
    On gpt-5.6 and later: `{"type": "text", "text": POLICY, "prompt_cache_breakpoint": {"mode": "explicit"}}`
    as the system message's content (Responses: an `input_text` block of a developer or system message;
    `instructions` cannot carry a breakpoint).

    ## Fix safety
    Unsafe: the model receives the same text, but a cache write costs more than plain input (1.25x on
    Anthropic's 5-minute cache and on gpt-5.6): a call site that is not called again within the cache's
    lifetime pays more. The `usage` figures the API returns change shape (cached tokens are reported apart).
    The fix is offered when the prefix ends with the system prompt or a message whose content is written in
    the call; the content becomes a one-block list, or the last block of a literal list gets the marker.

    ## Savings
    Per call, on the prefix tokens: a share `hit-rate` of calls reads them at the cache-read price instead
    of the input price, the others write them at the cache-write price (a cost where writes cost more than
    input), with the model's own prices from the model table. Not reported when that nets to no saving.

    ## Options
    - `hit-rate` (float, default 0.9): the share of calls that read the prefix from the cache; the others
      write it (the first call, and calls after the cache expired).
    - `min-cacheable-tokens` (int, default 4096): the minimum cacheable length assumed when the model is
      not known or has none in the model table (the largest Anthropic minimum, so that no finding depends
      on a guess).
    - `tokenizer-margin` (float, default 0.1): how far above the minimum the counted prefix must be.
    """

    code = "LLM103"
    name = "missing-cache-breakpoint"
    summary = "A cacheable static prefix with no cache breakpoint"
    fix_title = "Add a cache breakpoint at the end of the static prefix"
    fix_availability = FixAvailability.SOMETIMES
    options = {"hit-rate": 0.9, "min-cacheable-tokens": 4096, "tokenizer-margin": 0.1}

    examples = (
        Invalid(
            r"""
                from pathlib import Path

                from anthropic import Anthropic

                client = Anthropic()
                SUPPORT_POLICY = (Path(__file__).parent / "prompts" / "support.md").read_text(encoding="utf-8")


                def answer(question: str) -> str:
                    response = client.messages.create(
                        model="claude-sonnet-4-5",
                        max_tokens=600,
                        system=SUPPORT_POLICY,
                        messages=[{"role": "user", "content": question}],
                    )
                    return response.content[0].text
            """,
            "LLM103",
            line=13,
            column=16,
            files={
                "prompts/support.md": "You are the support assistant of Acme. Follow the refund policy in every answer.\n"
                * 150
            },
            expected_fix=r"""
                from pathlib import Path

                from anthropic import Anthropic

                client = Anthropic()
                SUPPORT_POLICY = (Path(__file__).parent / "prompts" / "support.md").read_text(encoding="utf-8")


                def answer(question: str) -> str:
                    response = client.messages.create(
                        model="claude-sonnet-4-5",
                        max_tokens=600,
                        system=[{"type": "text", "text": SUPPORT_POLICY, "cache_control": {"type": "ephemeral"}}],
                        messages=[{"role": "user", "content": question}],
                    )
                    return response.content[0].text
            """,
        ),
        Valid(
            r"""
                from pathlib import Path

                from anthropic import Anthropic

                client = Anthropic()
                SUPPORT_POLICY = (Path(__file__).parent / "prompts" / "support.md").read_text(encoding="utf-8")


                def answer(question: str) -> str:
                    response = client.messages.create(
                        model="claude-sonnet-4-5",
                        max_tokens=600,
                        system=[{"type": "text", "text": SUPPORT_POLICY, "cache_control": {"type": "ephemeral"}}],
                        messages=[{"role": "user", "content": question}],
                    )
                    return response.content[0].text
            """,
            files={
                "prompts/support.md": "You are the support assistant of Acme. Follow the refund policy in every answer.\n"
                * 150
            },
        ),
    )

    def check(self, call: LLMCall, context: RuleContext) -> Iterable[Finding]:
        model = context.model_for(call)
        marker = _marker(call, context, model)
        if marker is None or call.has_unresolved_splat or "extra_body" in call.keywords:
            return
        if not call.prompt_complete or not _tools_unmarked(call, marker):
            return
        parts = call.prompt
        if not all(part.marks_known or part.content_parameter for part in parts):
            return
        if any(part.breakpoints or part.cache_breakpoint for part in parts):
            return
        prefix = static_prefix(parts)
        if not prefix or len(prefix) == len(parts):
            return
        minimum = min_cacheable(context, model)
        if minimum is None:
            if marker is _OPENAI:
                return
            minimum = int(context.options["min-cacheable-tokens"])
        text = "".join(static_text(part.text.segments) for part in prefix)
        margin = float(context.options["tokenizer-margin"])
        if len(text.encode("utf-8")) * 2 < minimum:
            return  # a token is at least one byte, and no tokenizer factor reaches 2
        tokens = context.count_tokens(text, model)
        if tokens < minimum * (1 + margin):
            return
        extra: Tuple[str, ...] = ()
        if call.tools is not None:
            extra = ("the tool definitions before it are not counted",)
        savings, net = breakpoint_savings(context, model, tokens, float(context.options["hit-rate"]), extra)
        if net is not None and net <= 0:
            return
        if marker is _ANTHROPIC:
            message = (
                f"`{call.callee}` sends a {tokens:,}-token static prefix with no `cache_control`: "
                "it is billed at the full input price on every call"
            )
        else:
            message = (
                f"`{call.callee}` sends a {tokens:,}-token static prefix to `{model}` with no "
                "`prompt_cache_breakpoint`: requests that differ after it never read it from the cache"
            )
        last = prefix[-1]
        node = last.node if last.node is not None else call.node
        yield Finding(node, message, fix=_fix(call, last, marker), savings=savings)


def _marker(call: LLMCall, context: RuleContext, model: Optional[str]) -> Optional[Tuple[str, str]]:
    """The breakpoint marker of the API the call uses, when that API caches only at breakpoints."""
    if call.provider == "anthropic" and call.endpoint.split(".")[-2:-1] == ["messages"]:
        return None if "cache_control" in call.keywords else _ANTHROPIC
    if call.provider == "openai" and call.endpoint.startswith(("chat.", "beta.chat.", "responses.")):
        return _OPENAI if explicit_breakpoints(context, model) else None
    return None


def _tools_unmarked(call: LLMCall, marker: Tuple[str, str]) -> bool:
    """The tool definitions do not change between requests and, on Anthropic, carry no breakpoint that
    could be hidden (OpenAI's breakpoints never sit on tools)."""
    tools = call.tools
    if tools is None:
        return True
    if tools.text.first_varying() is not None:
        return False
    return marker is not _ANTHROPIC or (tools.marks_known and not tools.breakpoints)


def _fix(call: LLMCall, part: PromptPart, marker: Tuple[str, str]) -> Optional[Fix]:
    import libcst as cst

    node = part.node
    if node is None or part.role == "instructions" or not _inside(call.node, node):
        return None
    key, value = marker
    if isinstance(node, (cst.List, cst.Tuple)):
        elements = [e for e in node.elements if isinstance(e, cst.Element)]
        if (
            len(elements) != len(node.elements)
            or not elements
            or not isinstance(elements[-1].value, cst.Dict)
        ):
            return None
        block = elements[-1].value
        new_block = _add_entry(block, key, value)
        return Fix(f"Add `{key}` to the last block", Applicability.UNSAFE, (Replacement(block, new_block),))
    block_type = "input_text" if call.endpoint.startswith("responses.") else "text"
    template = cst.parse_expression(f'[{{"type": "{block_type}", "text": __text__, "{key}": {value}}}]')
    assert isinstance(template, cst.List)
    dict_node = template.elements[0].value
    assert isinstance(dict_node, cst.Dict)
    entries = list(dict_node.elements)
    entries[1] = entries[1].with_changes(value=node)
    new = template.with_changes(
        elements=[template.elements[0].with_changes(value=dict_node.with_changes(elements=entries))]
    )
    description = f"Make it a text block with `{key}`"
    return Fix(description, Applicability.UNSAFE, (Replacement(node, new),))


def _add_entry(block: cst.Dict, key: str, value: str) -> cst.Dict:
    """Append ``"key": value`` to a dict literal, following its one-line or one-entry-per-line layout and
    the quotes of its first key."""
    import libcst as cst

    elements = list(block.elements)
    quote = '"'
    first_key = getattr(elements[0], "key", None) if elements else None
    if isinstance(first_key, cst.SimpleString) and first_key.quote in ("'", '"'):
        quote = first_key.quote
    entry = cst.DictElement(
        cst.SimpleString(f"{quote}{key}{quote}"),
        cst.parse_expression(value.replace('"', quote)),
    )
    if not elements:
        return block.with_changes(elements=[entry])
    last = elements[-1]
    trailing = last.comma
    if len(elements) >= 2 and isinstance(elements[-2].comma, cst.Comma):
        separator = elements[-2].comma
    else:
        separator = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    elements[-1] = last.with_changes(comma=separator)
    elements.append(entry.with_changes(comma=trailing))
    return block.with_changes(elements=elements)


def _inside(root: cst.CSTNode, target: cst.CSTNode) -> bool:
    """Whether ``target`` is ``root`` or one of its descendants (the fix edits only the call itself)."""
    import libcst as cst

    found = False

    class _Finder(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            nonlocal found
            if node is target:
                found = True
            return not found

    root.visit(_Finder())
    return found
