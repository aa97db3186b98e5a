"""LLM602 duplicate-instructions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, Tuple

from promptlint.ir import Dynamic, LLMCall, PromptPart, Static
from promptlint.rule import Finding, Rule, RuleContext, SavingsBasis
from promptlint.testing import Invalid, Valid
from promptlint_rules._wording import PART_LABELS

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_LIST_MARKER = re.compile(r"^(?:[-*•+>]|\d{1,3}[.)]|#{1,6})\s+")
_WORD = re.compile(r"[^\W\d_]{2,}")
_SYSTEM_ROLES = frozenset({"system", "instructions", "developer"})
_MIN_WORDS = 4  # a repeated line with fewer words is a label, a separator or a fragment, not an instruction
_MAX_FACTOR = 2


class DuplicateInstructions(Rule):
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

    Sent through the project's own wrapper (a function or a method of a known instance whose request takes
    the prompt from its parameters, also a wrapper of a wrapper, in the module or imported from the
    project): the caller's arguments are bound into the request, and the finding is reported where the
    caller writes the text, with each wrapper as a related location (`= via: sent through `ask()``); the
    wrapper's own request reports only what is written inside it.

    Sent by several requests: a finding placed on a constant (of the module, a class or another module of
    the project) or on a helper's call, reported the same way by two requests or more, is reported once at
    the definition, "...; prompt `X` is sent by N requests", with each request as a related location and
    the saving of one call of each request added up; a suppression on the definition's first or last line
    holds for every request. Only when the run checks the definition's file: a run on one request's file
    reports that request's finding there.

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

    def __init__(self) -> None:
        # What this file has reported, and its string literals' text (one rule instance per file).
        self._seen: Set[Tuple[int, str]] = set()
        self._literals: Optional[List[str]] = None

    def check(self, call: LLMCall, context: RuleContext) -> Iterable[Finding]:
        minimum = int(context.options["min-length"])
        parts = [part for part in call.prompt if part.role != "tools"]
        units = _units(parts)
        if len(units) < 2:
            return
        has_assistant_turns = any(part.role == "assistant" for part in parts)
        reported: List[Tuple[_Unit, List[_Unit]]] = []
        for kind in ("paragraph", "sentence"):
            groups: Dict[Tuple[int, str], List[_Unit]] = {}
            for unit in units:
                if unit.kind != kind or unit.covered or not _long_enough(unit.key, minimum):
                    continue
                groups.setdefault((unit.region, unit.key), []).append(unit)
            for (_region, _key), group in groups.items():
                first = group[0]
                copies = [
                    unit
                    for unit in group[1:]
                    if unit.part == first.part
                    or (
                        not has_assistant_turns
                        and (parts[first.part].role in _SYSTEM_ROLES)
                        != (parts[unit.part].role in _SYSTEM_ROLES)
                    )
                ]
                if len(copies) != 1 or not self._composed(call, first.key):
                    continue
                reported.append((first, copies))
                if kind == "paragraph":
                    for unit in units:
                        if unit.kind == "sentence" and any(
                            unit.part == copy.part and copy.start <= unit.start < copy.start + len(copy.text)
                            for copy in [first, *copies]
                        ):
                            unit.covered = True
        if not reported:
            return
        model = context.model_for(call)
        prefix_end = _first_varying_part(parts)
        cacheable = self._cacheable_prefix(call, parts, context, model)
        for first, copies in sorted(reported, key=lambda item: (item[1][0].part, item[1][0].start)):
            node = _node_for(copies[0].segment, copies[0].start, parts[copies[0].part], call)
            carrier = parts[copies[0].part].node
            # The literal itself when it is written in the message; else the message's expression (a
            # constant's definition is shared by every place that uses it).
            own = node if carrier is not None and _inside(node, carrier) else None
            node = context.anchor((own, carrier, call.node))
            marker = (id(node), first.key)
            if marker in self._seen:
                continue
            self._seen.add(marker)
            count = len(copies) + 1
            places = sorted({parts[first.part].role, *(parts[copy.part].role for copy in copies)})
            where = " and ".join(PART_LABELS.get(role, "prompt") for role in places)
            times = "twice" if count == 2 else f"{count} times"
            message = f"{first.kind.capitalize()} `{_snippet(first.text)}` appears {times} in the {where}"
            tokens = sum(context.count_tokens(copy.text, model) for copy in copies)
            in_cache = cacheable and all(copy.part < prefix_end for copy in copies)
            if in_cache:
                basis = SavingsBasis(
                    model=model,
                    removed_cached_tokens=tokens,
                    assumptions=(
                        f"{tokens:,} repeated tokens removed; they sit in a cached prefix (cache-read price)",
                    ),
                )
            else:
                basis = SavingsBasis(
                    model=model,
                    input_tokens=tokens,
                    assumptions=(f"{tokens:,} repeated tokens removed, billed at the input price",),
                )
            yield Finding(node, message, savings=basis)

    def _composed(self, call: LLMCall, key: str) -> bool:
        """The repetition comes from composing the prompt: the text is written in this module's code, and no
        single string literal (or implicit concatenation) holds it twice. Text repeated where it is written,
        or known only from a file, is left alone: emphasis, examples or data the author sees in one place."""
        if call.module_facts is None:
            return False
        if self._literals is None:
            self._literals = [_flatten(text) for text in call.module_facts.string_literals]
        counts = [text.count(key) for text in self._literals]
        return max(counts, default=0) == 1

    def _cacheable_prefix(
        self, call: LLMCall, parts: Sequence[PromptPart], context: RuleContext, model
    ) -> bool:
        """Whether the static prefix of the request reaches the minimum cacheable length, and the provider
        caches it."""
        if not call.prefix_cached:
            return False
        info = context.model_info(model)
        minimum = info.min_cacheable if info is not None and info.min_cacheable else 1024
        pieces: List[str] = []
        for part in parts:
            varying = part.text.first_varying()
            segments = part.text.segments if varying is None else part.text.segments[:varying]
            pieces.extend(s.text for s in segments if isinstance(s, Static))
            if varying is not None:
                break
        prefix = "".join(pieces)
        if len(prefix.encode("utf-8")) * _MAX_FACTOR < minimum:
            return False
        return context.count_tokens(prefix, model) >= minimum


@dataclass
class _Unit:
    """One sentence or paragraph of static prompt text, where it sits in the request."""

    key: str  # normalised: case-folded, whitespace collapsed, list marker and final punctuation removed
    text: str  # as sent
    kind: str  # "sentence" or "paragraph"
    part: int  # index of the prompt part
    region: int  # static stretches between two dynamic segments are regions: duplicates never cross them
    segment: Static  # the segment it is in
    start: int  # offset in the part's static segment
    covered: bool = False  # inside a repeated paragraph: not reported again as sentences


def _first_varying_part(parts: Sequence[PromptPart]) -> int:
    """Index of the first part with content that changes between requests (len(parts) when none)."""
    for index, part in enumerate(parts):
        if part.text.first_varying() is not None:
            return index
    return len(parts)


def _units(parts: Sequence[PromptPart]) -> List[_Unit]:
    """Every sentence and paragraph of the request's static text. The region changes at every dynamic
    segment, and only there: parts that follow each other with static text on both sides share one."""
    units: List[_Unit] = []
    region = 0
    for index, part in enumerate(parts):
        segments = part.text.segments
        for position, segment in enumerate(segments):
            if isinstance(segment, Dynamic):
                region += 1
                continue
            if not isinstance(segment, Static) or not segment.text:
                continue
            after_hole = position > 0 and isinstance(segments[position - 1], Dynamic)
            before_hole = position + 1 < len(segments) and isinstance(segments[position + 1], Dynamic)
            for unit_text, start, kind in _split(segment.text, after_hole, before_hole):
                key = _normalise(unit_text)
                if key:
                    units.append(_Unit(key, unit_text, kind, index, region, segment, start))
    return units


def _split(text: str, after_hole: bool, before_hole: bool) -> Iterable[Tuple[str, int, str]]:
    """Paragraphs (of two sentences or more) and sentences of ``text``, with their offsets. Fragments that
    touch a dynamic hole, and lines inside fenced code blocks, are left out."""
    paragraphs: List[Tuple[str, int]] = []
    cursor = 0
    for match in _PARAGRAPH_BREAK.finditer(text):
        paragraphs.append((text[cursor : match.start()], cursor))
        cursor = match.end()
    paragraphs.append((text[cursor:], cursor))
    sentences: List[Tuple[str, int, int]] = []  # text, offset, paragraph number
    fenced = False
    for number, (paragraph, offset) in enumerate(paragraphs):
        line_start = offset
        for line in paragraph.split("\n"):
            if line.strip().startswith("```"):
                fenced = not fenced
            elif not fenced:
                cursor = 0
                for match in list(_SENTENCE_END.finditer(line)) + [None]:
                    end = match.start() if match is not None else len(line)
                    piece = line[cursor:end]
                    if piece.strip():
                        lead = len(piece) - len(piece.lstrip())
                        sentences.append((piece.strip(), line_start + cursor + lead, number))
                    if match is not None:
                        cursor = match.end()
            line_start += len(line) + 1
    dropped = set()
    if after_hole and sentences and "\n" not in text[: sentences[0][1]]:
        dropped.add(0)  # continues the dynamic value before it, on the same line
    if before_hole and sentences and "\n" not in text[sentences[-1][1] + len(sentences[-1][0]) :]:
        dropped.add(len(sentences) - 1)  # continues into the dynamic value after it
    for number, (paragraph, offset) in enumerate(paragraphs):
        own = [(i, sentence) for i, sentence in enumerate(sentences) if sentence[2] == number]
        whole = paragraph.strip()
        if len(own) >= 2 and "```" not in paragraph and whole and not any(i in dropped for i, _ in own):
            yield whole, offset + paragraph.index(whole), "paragraph"
        for i, (sentence, start, _number) in own:
            if i not in dropped:
                yield sentence, start, "sentence"


def _flatten(text: str) -> str:
    """Like ``_normalise`` for a whole text: list markers removed per line, whitespace collapsed, case folded."""
    lines = [_LIST_MARKER.sub("", line.strip()) for line in text.split("\n")]
    return " ".join(" ".join(lines).split()).casefold()


def _normalise(text: str) -> str:
    lines = [_LIST_MARKER.sub("", line.strip()) for line in text.split("\n")]
    flat = " ".join(" ".join(lines).split()).casefold()
    return flat.rstrip(".!?:;, ")


def _long_enough(key: str, minimum: int) -> bool:
    return len(key) >= minimum and len(_WORD.findall(key)) >= _MIN_WORDS


def _node_for(segment: Static, start: int, part: PromptPart, call: LLMCall) -> Any:
    """The literal that holds the text at ``start`` of a segment, else the part's expression."""
    import libcst as cst  # a repeat is reported: rule packs load before any file is parsed

    node = segment.node
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        if isinstance(value, str) and segment.text.startswith(value) and start < len(value):
            return node
    elif isinstance(node, cst.Call):  # a prompt file read: the whole text comes from it
        return node
    if part.node is not None:
        return part.node
    return call.node


def _inside(node: Any, container: Any) -> bool:
    """``node`` is a descendant of ``container``."""
    from promptlint.edits import contains

    return node is not container and contains(container, node)


def _snippet(text: str, limit: int = 50) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
