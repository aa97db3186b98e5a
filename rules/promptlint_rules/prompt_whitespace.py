"""LLM601 prompt-whitespace."""

from __future__ import annotations

from promptlint.rule import LazyCheckerRule
from promptlint.testing import Invalid, Valid


class PromptWhitespace(LazyCheckerRule):
    """
    ## What it does
    Checks for prompt text written as an indented triple-quoted string (`\"""` or `'''`, plain or f-string)
    whose source layout reaches the model: the indentation every line shares, spaces at the ends of lines,
    and runs of more than one blank line. The saving is counted exactly with the tokenizer, comparing the
    text the model receives now with the text it receives after the fix, and reported when it reaches
    `min-tokens`.

    Only what is layout, never structure, is counted:
    - only the indentation *common* to all non-blank lines is removed, so nested lists, indented code and
      Markdown code blocks inside the text keep their relative indentation;
    - a string that starts on the line of its opening quotes (`\"""You are…`) shares no indentation with
      that first line: its other lines count as layout only when they are not indented deeper than the
      code around the string (inside a function or class body), never at module level;
    - the string must begin its message (or system prompt): text placed after other text could sit inside
      a Markdown block that needs its indentation;
    - indentation written with escapes in ordinary strings (`"\\n    - item"`) is intended and not read.

    Not reported (not known statically): `str.format`/`%` templates, strings already passed through
    `textwrap.dedent` or `inspect.cleandoc`, bytes, and prompt text from files.

    ## Why is this bad?
    A prompt written inside an indented function keeps the code's indentation: every line starts with
    4, 8 or 12 spaces that the model never needed. Each indented line costs about one token more than the
    same line without indentation, on every call. Trailing spaces and stacked blank lines cost tokens too.

    ## Example

    ## Use instead

    ## Fix safety
    The fix removes the common indentation, the trailing spaces and the extra blank lines, and is checked to
    change nothing but whitespace: the model receives the same words, line breaks and relative indentation.
    When the module already imports `textwrap` (or `dedent` from it), a plain string is wrapped in
    `textwrap.dedent(...)`; otherwise, and always for f-strings, the string literal is rewritten without the
    whitespace (wrapping an f-string in `dedent` is not equivalent: an interpolated value spanning several
    lines changes the common indentation, and `dedent` then removes nothing).

    The fix is safe when the string is written in the function that makes the call (or in the call
    itself): nothing else reads it. It is unsafe when the string is a module or class constant: other code
    may read it too (another prompt that places it after other text, a test comparing it).

    ## Savings
    Exactly `tokens(text now) - tokens(text after the fix)` per call, counted with the `o200k_base`
    tokenizer (scaled by the model's documented factor). They are priced at the cache-read price when the
    text sits in a prefix the provider caches (nothing changes before it, the prefix reaches the model's
    minimum cacheable length, and the provider caches it: OpenAI and Gemini automatically, Anthropic with
    `cache_control`), else at the input price.

    ## Options
    - `min-tokens` (int, default 10): the smallest saving per call, in tokens, that is reported.
    """

    code = "LLM601"
    name = "prompt-whitespace"
    summary = "Source-code indentation and blank lines sent as prompt tokens"
    fix_title = "Remove the layout whitespace from the prompt text"
    fix_availability = "always"
    options = {"min-tokens": 10}

    examples = (
        Invalid(
            r'''
                from openai import OpenAI

                client = OpenAI()


                def triage(ticket: str) -> str:
                    system = """
                        You are the triage assistant for Acme's help desk.
                        Read the whole ticket, including any quoted earlier messages.
                        Classify the ticket as billing, shipping or technical.
                        Billing: invoices, refunds, charges and payment methods.
                        Shipping: delivery dates, lost parcels, returns and addresses.
                        Technical: errors, crashes, log-in problems and the mobile app.
                        When a ticket fits two labels, choose the one it asks about first.
                        When it fits none, choose technical.
                        Never answer the customer.
                        Answer with the label only.
                    """
                    response = client.chat.completions.create(
                        model="gpt-4.1-mini",
                        messages=[{"role": "system", "content": system}, {"role": "user", "content": ticket}],
                        max_completion_tokens=5,
                    )
                    return response.choices[0].message.content
            ''',
            "LLM601",
            line=21,
            column=49,
            expected_fix=r'''
                from openai import OpenAI

                client = OpenAI()


                def triage(ticket: str) -> str:
                    system = """
                You are the triage assistant for Acme's help desk.
                Read the whole ticket, including any quoted earlier messages.
                Classify the ticket as billing, shipping or technical.
                Billing: invoices, refunds, charges and payment methods.
                Shipping: delivery dates, lost parcels, returns and addresses.
                Technical: errors, crashes, log-in problems and the mobile app.
                When a ticket fits two labels, choose the one it asks about first.
                When it fits none, choose technical.
                Never answer the customer.
                Answer with the label only.
                """
                    response = client.chat.completions.create(
                        model="gpt-4.1-mini",
                        messages=[{"role": "system", "content": system}, {"role": "user", "content": ticket}],
                        max_completion_tokens=5,
                    )
                    return response.choices[0].message.content
            ''',
        ),
        Valid(
            r'''
                import textwrap

                from openai import OpenAI

                client = OpenAI()


                def triage(ticket: str) -> str:
                    system = textwrap.dedent("""
                        You are the triage assistant for Acme's help desk.
                        Read the whole ticket, including any quoted earlier messages.
                        Classify the ticket as billing, shipping or technical.
                        Billing: invoices, refunds, charges and payment methods.
                        Shipping: delivery dates, lost parcels, returns and addresses.
                        Technical: errors, crashes, log-in problems and the mobile app.
                        When a ticket fits two labels, choose the one it asks about first.
                        When it fits none, choose technical.
                        Never answer the customer.
                        Answer with the label only.
                    """)
                    response = client.chat.completions.create(
                        model="gpt-4.1-mini",
                        messages=[{"role": "system", "content": system}, {"role": "user", "content": ticket}],
                        max_completion_tokens=5,
                    )
                    return response.choices[0].message.content
            ''',
        ),
    )

    checker = "promptlint_rules._prompt_whitespace:Checker"
