"""LLM601 prompt-whitespace."""

from __future__ import annotations

import os
import re
import textwrap
from dataclasses import dataclass
from typing import Any, Callable, Iterable, List, Optional, Sequence, Set, Tuple

from promptlint.ir import Dynamic, LLMCall, PromptLiteral, PromptPart, Static
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
from promptlint_rules._wording import PART_LABELS

_HOLE = PromptLiteral.HOLE
_WHITESPACE = re.compile(r"\s+")
_MAX_FACTOR = 2  # see dynamic_prefix: text under minimum / 2 bytes is never tokenized


class PromptWhitespace(Rule):
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

    Sent through the project's own wrapper (a function or a method of a known instance whose request takes
    the prompt from its parameters, also a wrapper of a wrapper, in the module or imported from the
    project): the caller's arguments are bound into the request, and the finding is reported where the
    caller writes the text, where the literal is passed, with each wrapper as a related location (`= via:
    sent through `ask()``); the wrapper's own request reports only what is written inside it. The fix
    rewrites the literal where it is written.

    Sent by several requests: a finding placed on a constant (of the module, a class or another module of
    the project) or on a helper's call, reported the same way by two requests or more, is reported once at
    the definition, "...; prompt `X` is sent by N requests", with each request as a related location, the
    saving of one call of each request added up, and the fix once (when the constant is in the file being
    fixed); a suppression on the definition's first or last line holds for every request. Only when the
    run checks the definition's file: a run on one request's file reports that request's finding there.

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
    fix_availability = FixAvailability.ALWAYS
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

    def __init__(self) -> None:
        # The literals reported in this file (one rule instance per file); a literal a module or class
        # constant holds, per request that names the constant (one finding at the constant, for the run).
        self._seen: Set[Tuple[int, int]] = set()

    def check(self, call: LLMCall, context: RuleContext) -> Iterable[Finding]:
        minimum = int(context.options["min-tokens"])
        model = context.model_for(call)
        varied_before = False
        for part in call.prompt:
            finding = self._check_part(call, part, context, model, minimum, varied_before)
            if finding is not None:
                yield finding
            if part.text.first_varying() is not None:
                varied_before = True

    # -- one prompt part ---------------------------------------------------------------------------------
    def _check_part(self, call, part, context, model, minimum, varied_before):
        segments = part.text.segments
        literal = part.literal
        if literal is None:
            return None
        seen = _seen_key(literal, part, call)
        if seen in self._seen:
            return None
        relations = _relations(literal, segments)
        if relations is None:
            return None
        margin_allowed = _first_line_blank(literal) or _layout_margin(literal)
        rewrite = _rewrite(literal, remove_margin=True, margin_allowed=margin_allowed)
        if rewrite is None or not rewrite.details():
            return None
        after_pieces = self._after_pieces(literal, rewrite, None)
        if after_pieces is None:
            return None
        before = sum(context.count_tokens(r(u), model) for r, u in zip(relations, literal.values) if u)
        after = sum(context.count_tokens(r(u), model) for r, u in zip(relations, after_pieces) if u)
        saving = before - after
        if saving < minimum or saving <= 0:
            return None
        # Reported: a module that imports ``textwrap`` gets the wrapper instead of a rewritten literal, when
        # it gives the model exactly the same text.
        wrapper = _wrapper(literal)
        if wrapper is not None:
            wrapped = _rewrite(literal, remove_margin=False, margin_allowed=margin_allowed)
            if wrapped is not None and self._after_pieces(literal, wrapped, wrapper) == after_pieces:
                rewrite = wrapped
            else:
                wrapper = None
        self._seen.add(seen)
        new_node = rewrite.node
        if wrapper is not None:
            import libcst as cst  # building the fix: rule packs load before any file is parsed

            new_node = cst.Call(func=cst.parse_expression(wrapper), args=[cst.Arg(value=rewrite.node)])
            description = f"Wrap the string in `{wrapper}(...)`"
            if rewrite.changed:
                description += " and drop its trailing spaces and extra blank lines"
        else:
            description = "Rewrite the string without the layout whitespace"
        applicability = Applicability.SAFE if literal.place.local else Applicability.UNSAFE
        fix = Fix(description, applicability, (Replacement(literal.node, new_node),))
        where = PART_LABELS.get(part.role, "prompt")
        message = f"Prompt text `{_snippet(literal.values)}` ({where}) spends {_plural(saving, 'token')} on "
        message += "whitespace: " + ", ".join(rewrite.details())
        savings = self._savings(call, context, model, saving, varied_before)
        node = context.anchor((part.node, call.node))
        return Finding(node or literal.node, message, fix=fix, savings=savings)

    def _savings(self, call, context, model, saving, varied_before) -> SavingsBasis:
        cached = False
        if not varied_before and call.prefix_cached:
            info = context.model_info(model)
            minimum = info.min_cacheable if info is not None and info.min_cacheable else 1024
            prefix = _static_prefix(call.prompt)
            if len(prefix.encode("utf-8")) * _MAX_FACTOR >= minimum:
                cached = context.count_tokens(prefix, model) >= minimum
        if cached:
            return SavingsBasis(
                model=model,
                removed_cached_tokens=saving,
                assumptions=(
                    f"{saving:,} whitespace tokens removed; they sit in a cached prefix (cache-read price)",
                ),
            )
        return SavingsBasis(
            model=model,
            input_tokens=saving,
            assumptions=(f"{saving:,} whitespace tokens removed, billed at the input price",),
        )

    def _after_pieces(
        self, literal: PromptLiteral, rewrite: _Rewrite, wrapper: Optional[str]
    ) -> Optional[List[str]]:
        """The text of each piece after the fix, checked to differ from the original only in whitespace."""
        pieces = rewrite.values
        if pieces is None:
            return None
        if wrapper is not None:
            pieces = [textwrap.dedent(pieces[0])]
        if len(pieces) != len(literal.values):
            return None
        for old, new in zip(literal.values, pieces):
            if _WHITESPACE.sub("", old) != _WHITESPACE.sub("", new):
                return None
        if pieces == list(literal.values):
            return None
        return pieces


def _seen_key(literal: PromptLiteral, part, call: LLMCall) -> Tuple[int, int]:
    """A literal is reported once per file, except one a constant holds: once per request that names the
    constant, so that the run can report it once at the constant with how many requests send it."""
    if any(node is part.node for node, _ in call.origins):
        return id(literal.node), id(call.node)
    return id(literal.node), 0


def _first_line_blank(literal: PromptLiteral) -> bool:
    source = _lines_of(literal)
    return source is not None and _blank(source[0].split("\n", 1)[0])


def _lines_of(literal: PromptLiteral) -> Optional[Tuple[str, str]]:
    """The literal's template with ``\\n`` line ends, as Python reads the source, and the line end it is
    written with: ``\\r\\n`` when every line of it ends so (a file saved with Windows line ends).

    None for a lone ``\\r`` or mixed line ends: a rewrite could not keep them as written.
    """
    template = literal.template
    if "\r" not in template:
        return template, "\n"
    crlf = template.count("\r\n")
    if template.count("\r") != crlf or template.count("\n") != crlf:
        return None
    return template.replace("\r\n", "\n"), "\r\n"


def _layout_margin(literal: PromptLiteral) -> Callable[[str], bool]:
    """For a string whose first line has text: its other lines' common indentation is layout when it is no
    deeper than the indentation of the statement that holds the string (inside a block). Asked only when
    there is such an indentation."""

    def allowed(margin: str) -> bool:
        indent = literal.place.indent
        return bool(margin) and bool(indent) and indent.startswith(margin)

    return allowed


def _wrapper(literal: PromptLiteral) -> Optional[str]:
    """``textwrap.dedent`` (or ``dedent``) when the module imports it and a plain string can be wrapped."""
    if literal.is_fstring or not _first_line_blank(literal) or not literal.dedent:
        return None
    if literal.place.concatenated:
        return None
    return literal.dedent


# -- the string literal ----------------------------------------------------------------------------------


def _relations(literal: PromptLiteral, segments: Sequence[object]) -> Optional[List[Callable[[str], str]]]:
    """How each piece of the string reaches the prompt: as is, followed by more text, or stripped.

    None when a piece cannot be found in the prompt as it was resolved (it was transformed on the way).
    """
    by_node = {id(s.node): s for s in segments if isinstance(s, Static) and s.node is not None}
    relations: List[Callable[[str], str]] = []
    last = len(literal.values) - 1
    for index, (node, value) in enumerate(zip(literal.texts, literal.values)):
        if not value:
            relations.append(lambda x: x)
            continue
        segment = by_node.get(id(node)) if node is not None else None
        if segment is None:
            return None
        relation = _relation(segment.text, value, first=index == 0, last=index == last)
        if relation is None:
            return None
        relations.append(relation)
    return relations


def _relation(text: str, value: str, first: bool, last: bool) -> Optional[Callable[[str], str]]:
    if text.startswith(value):
        rest = text[len(value) :]
        return lambda x: x + rest
    if first and value.lstrip() and text.startswith(value.lstrip()):
        rest = text[len(value.lstrip()) :]
        return lambda x: x.lstrip() + rest
    if last and first and text == value.strip():
        return lambda x: x.strip()
    if last and text == value.rstrip():
        return lambda x: x.rstrip()
    return None


# -- the rewrite -----------------------------------------------------------------------------------------


@dataclass
class _Rewrite:
    node: Any  # the literal with the whitespace removed (indentation only if asked to)
    values: Optional[List[str]]  # its pieces' text
    changed: bool  # whether the literal itself changed
    margin: str = ""
    indented_lines: int = 0
    trailing_lines: int = 0
    extra_blank_lines: int = 0

    def details(self) -> List[str]:
        found = []
        if self.margin and self.indented_lines:
            found.append(
                f"{_plural(self.indented_lines, 'line')} indented by {_describe_margin(self.margin)}"
            )
        if self.trailing_lines:
            found.append(f"trailing spaces on {_plural(self.trailing_lines, 'line')}")
        if self.extra_blank_lines:
            found.append(_plural(self.extra_blank_lines, "extra blank line"))
        return found


def _rewrite(literal: PromptLiteral, remove_margin: bool, margin_allowed) -> Optional[_Rewrite]:
    source = _lines_of(literal)
    if source is None:
        return None
    template, line_end = source
    if re.search(r"(?<!\\)(?:\\\\)*\\\n", template):
        return None  # line continuations: source lines are not text lines
    lines = template.split("\n")
    body = lines[1:]
    content = [line for line in body[:-1] if not _blank(line)]
    if not _blank(body[-1]):
        content.append(body[-1])
    margin = os.path.commonprefix([_indent(line) for line in content]) if content else ""
    if margin and not (margin_allowed is True or (callable(margin_allowed) and margin_allowed(margin))):
        margin = ""
    result = _Rewrite(node=literal.node, values=None, changed=False, margin=margin)
    out: List[str] = [lines[0]]
    if _blank(lines[0]):
        out[0] = "" if remove_margin else lines[0]
    elif lines[0] != lines[0].rstrip(" \t"):
        out[0] = lines[0].rstrip(" \t")
        result.trailing_lines += 1
    previous_blank = _blank(lines[0])
    for index, line in enumerate(body, start=1):
        is_last = index == len(lines) - 1
        if _blank(line):
            if is_last:
                # The closing quotes' indentation is layout exactly when the lines' indentation is.
                out.append("" if remove_margin and margin else line)
                continue
            if previous_blank and index > 1:
                result.extra_blank_lines += 1
                continue
            if len(line) > len(margin):
                result.trailing_lines += 1  # spaces beyond the indentation on an empty line
            out.append("" if remove_margin else line)  # ``dedent`` empties whitespace-only lines itself
            previous_blank = True
            continue
        previous_blank = False
        text = line
        if margin:
            result.indented_lines += 1
            if remove_margin:
                text = text[len(margin) :]
        if not is_last:
            stripped = text.rstrip(" \t")
            if stripped != text:
                result.trailing_lines += 1
            text = stripped
        out.append(text)
    new_template = "\n".join(out)
    if new_template == template:
        result.values = list(literal.values)
        return result
    result.changed = True
    result.node = _rebuild(literal, new_template.replace("\n", line_end))
    if result.node is None:
        return None
    values = []
    for piece in new_template.split(_HOLE):
        value = literal.evaluate(piece)
        if value is None:
            return None
        values.append(value)
    result.values = values
    return result


def _rebuild(literal: PromptLiteral, template: str) -> Optional[Any]:
    """The literal's node with ``template`` as its source (libcst is imported here: it builds the fix)."""
    import libcst as cst

    node = literal.node
    if isinstance(node, cst.SimpleString):
        rebuilt = node.with_changes(value=node.prefix + node.quote + template + node.quote)
    else:
        assert isinstance(node, cst.FormattedString)
        pieces = iter(template.split(_HOLE))
        parts: List[cst.BaseFormattedStringContent] = []
        current = next(pieces)
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                continue
            if current:
                parts.append(cst.FormattedStringText(current))
            parts.append(part)
            current = next(pieces)
        if current:
            parts.append(cst.FormattedStringText(current))
        rebuilt = node.with_changes(parts=parts)
    try:
        cst.parse_expression(cst.Module([]).code_for_node(rebuilt))
    except cst.ParserSyntaxError:
        return None
    return rebuilt


def _static_prefix(parts: Sequence[PromptPart]) -> str:
    """The static text of the request up to its first segment that changes between requests."""
    pieces: List[str] = []
    for part in parts:
        for segment in part.text.segments:
            if isinstance(segment, Static):
                pieces.append(segment.text)
            elif isinstance(segment, Dynamic) and segment.volatility.varies_between_requests:
                return "".join(pieces)
    return "".join(pieces)


def _blank(line: str) -> bool:
    return line.strip(" \t") == "" and _HOLE not in line


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def _describe_margin(margin: str) -> str:
    if set(margin) == {" "}:
        return _plural(len(margin), "space")
    if set(margin) == {"\t"}:
        return _plural(len(margin), "tab")
    return f"{len(margin)} whitespace characters"


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}" + ("" if count == 1 else "s")


def _snippet(values: Sequence[str], limit: int = 40) -> str:
    text = " ".join(" ".join(values).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
