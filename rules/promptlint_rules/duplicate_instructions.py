"""LLM602 duplicate-instructions."""

from __future__ import annotations

from promptlint.rule import LazyCheckerRule
from promptlint.testing import Invalid, Valid


class DuplicateInstructions(LazyCheckerRule):
    r"""
    ## What it does
    Checks for a sentence or a paragraph that appears twice in the static text of one request because the
    prompt was composed from pieces that overlap: two constants that state the same rule, or one constant
    inserted both in the system prompt and in a message. Copies count within the system prompt, within one
    message, or in the system prompt (or `instructions`, or a developer message) and again in a message.
    Text is compared after normalising whitespace, case, list markers (`-`, `1.`) and final punctuation;
    sentences shorter than `min-length` characters or four words are ignored, as are lines inside fenced
    code blocks.

    Not reported, because the repetition is deliberate, is data, or cannot be known:
    - text repeated inside one string literal (or one implicit concatenation), where its author sees both
      copies: emphasis, worked examples, or a data listing;
    - text known only from a prompt file or another module (catalogs, documents: data repeats by nature),
      and text that appears three times or more (a template or a listing, not an accident);
    - an instruction repeated on both sides of dynamic content (a document, retrieved passages, the
      conversation history): restating instructions after a long context is a documented prompting
      technique ("ideally place your instructions at both the beginning and end of the provided context",
      OpenAI's GPT-4.1 prompting guide, cookbook.openai.com/examples/gpt4-1_prompting_guide, April 2025);
    - text repeated across user and assistant messages, and across messages of a request that carries
      assistant turns: few-shot examples repeat the shape of the real request on purpose.

    ## Why is this bad?
    Every copy is sent and billed on every call. Duplicates usually come from composing a prompt out of
    constants that overlap (a base prompt and a task prompt that both state the output format) or from
    copying a rule into the user message "to be sure".

    ## Example

    ## Use instead

    ## Fix safety
    No automatic fix: which copy to keep, and whether the repetition was meant as emphasis, is a judgement
    about the prompt.

    ## Savings
    The tokens of every copy after the first, per call, at the input price; at the cache-read price when
    the copy sits in a prefix the provider caches (nothing changes before it, the prefix reaches the model's
    minimum cacheable length, and the provider caches it: OpenAI and Gemini automatically, Anthropic with
    `cache_control`).

    ## Options
    - `min-length` (int, default 40): the shortest sentence, in characters after normalising, that is
      reported when it repeats.
    """

    code = "LLM602"
    name = "duplicate-instructions"
    summary = "The same sentence or paragraph repeated in one request's prompt"
    fix_title = "Keep one copy of the repeated text"
    options = {"min-length": 40}

    examples = (
        Invalid(
            r"""
                from openai import OpenAI

                client = OpenAI()
                BASE = "You are Acme's support assistant. Always answer in the customer's language."
                REFUNDS = BASE + "\n\nRefunds: quote the policy. Always answer in the customer's language."


                def refund_answer(question: str) -> str:
                    response = client.chat.completions.create(
                        model="gpt-4.1-mini",
                        messages=[{"role": "system", "content": REFUNDS}, {"role": "user", "content": question}],
                        max_completion_tokens=400,
                    )
                    return response.choices[0].message.content
            """,
            "LLM602",
            line=11,
            column=49,
        ),
        Valid(
            r"""
                from openai import OpenAI

                client = OpenAI()
                BASE = "You are Acme's support assistant. Always answer in the customer's language."
                REFUNDS = BASE + "\n\nRefunds: quote the policy."


                def refund_answer(question: str) -> str:
                    response = client.chat.completions.create(
                        model="gpt-4.1-mini",
                        messages=[{"role": "system", "content": REFUNDS}, {"role": "user", "content": question}],
                        max_completion_tokens=400,
                    )
                    return response.choices[0].message.content
            """,
        ),
    )

    checker = "promptlint_rules._duplicate_instructions:Checker"
