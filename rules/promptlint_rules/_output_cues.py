"""What a request's own text says about the length of the answer, shared by LLM202 and LLM402.

Conservative by design: a short answer is recognised only from an explicit instruction in static prompt
text ("Answer with yes or no", "Respond with one word", "Return only the label", "Classify it as one of:
billing, bug, feature") or from a JSON schema whose every field is an enum, a boolean or a number. Any hint
of a longer answer anywhere in the static text (explain, why, summarise, a list, JSON, for each …) and
nothing is recognised.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Callable, List, Mapping, Optional, Tuple

from promptlint.ir import Dynamic, LLMCall, Static

_Q = r"[\"'`]?"
_YES_NO = re.compile(
    r"\b(?:answer|respond|reply|output|return|say)\s+(?:only\s+|just\s+)?(?:with\s+)?(?:only\s+|just\s+)?"
    rf"(?:(?:a\s+single|one)\s+word\s*[:,]?\s*)?{_Q}(?:yes|true){_Q}\s*(?:or|/)\s*{_Q}(?:no|false){_Q}(?![\w-])"
)
_ONE_WORD = re.compile(
    r"\b(?:answer|respond|reply)\s+(?:only\s+)?(?:with|in|using)\s+(?:exactly\s+|only\s+|just\s+)?"
    r"(?:a\s+single|one)\s+word\b"
    r"|\b(?:give|return|output)\s+(?:a|one|only\s+a|just\s+a)\s+(?:one|single)-word\s+(?:answer|response|reply)\b"
)
_THINGS = (
    r"(?:label|category|class|classification|sentiment|intent|tag|language\s+code|department|queue|route|"
    r"team|tool\s+name)"
)
_LABEL = re.compile(
    rf"\b(?:return|output|respond\s+with|reply\s+with|answer\s+with|give)\s+(?:only|just)\s+the\s+{_THINGS}\b"
    rf"|\b(?:return|output|respond\s+with|reply\s+with|answer\s+with)\s+the\s+{_THINGS}\s+"
    r"(?:only|and\s+nothing\s+else)\b"
    rf"|\bonly\s+(?:return|output)\s+the\s+{_THINGS}\b"
)
_ONE_OF = re.compile(
    r"\b(?:classify|categori[sz]e|label|tag|route|respond|answer|reply|return|output|choose|pick|select)\b"
    r"[^.\n]{0,80}?\bone\s+of(?:\s+the\s+following)?(?:\s+(?:labels|categories|values|options|words|classes|"
    r"intents|queues|teams))?\s*:\s*"
)
# Words that announce a longer answer: any of them in the static text and no cue is trusted.
_LONGER = re.compile(
    r"\b(?:explain\w*|explanation|justif\w*|reasons?|reasoning|rationale|step[- ]by[- ]step|summar\w*|"
    r"describe|description|elaborate|essay|paragraphs?|draft|rewrite|translat\w*|bullet\w*|detailed|"
    r"in\s+detail|comments?|feedback|why|json|for\s+each|each\s+of|then\s+(?:write|give|list|provide)|"
    r"followed\s+by|along\s+with|as\s+well\s+as)\b"
)
# "Do not explain", "no explanation", "without comments": a longer-answer word that forbids itself.
_NEGATED = re.compile(
    r"\b(?:do\s+not|don't|never|no|without(?:\s+any)?|nothing\s+else,?\s+no)\s+"
    r"(?:explain\w*|explanations?|reasons?|reasoning|rationale|justif\w*|comments?|commentary|elaborat\w*)\b"
)
# Words that make an instruction conditional (before it) or ask for more (after it, in the same sentence).
_CONDITION = re.compile(r"\b(?:if|when|whenever|unless|otherwise|except|for)\b")
_MORE = re.compile(r"\b(?:and|then|plus|with|followed|along|also|including|for)\b")
_ITEM_SPLIT = re.compile(r"\s*(?:,|\||;|/|\bor\b)\s*")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+(.+?)\s*$")
_MAX_ITEMS = 20
_MAX_ITEM_WORDS = 4
# A schema is "short" when its answer fits in this many properties.
_MAX_PROPERTIES = 6


@dataclass(frozen=True)
class ShortAnswer:
    """A short answer the request asks for."""

    # "a yes-or-no answer", "a one-word answer", "a label", "one of N options",
    # "a JSON object of enumerated values"
    kind: str
    evidence: str  # the instruction as written (shortened), or the schema's field names
    tokens: int  # an estimate of the answer's length in tokens (the longest possible answer)
    fields: Tuple[str, ...] = ()  # the schema's fields, for a JSON answer

    @property
    def cited(self) -> str:
        """Where the request asks for it, for a message: ``(`Answer with yes or no`)``."""
        if self.fields:
            return "(fields " + ", ".join(f"`{name}`" for name in self.fields) + ")"
        return f"(`{self.evidence}`)"


def short_answer(
    call: LLMCall, count_tokens: Callable[[str, Optional[str]], int], model: Optional[str]
) -> Optional[ShortAnswer]:
    """The short answer the request asks for, or None when its text and schema do not say so clearly."""
    schema = _schema(call)
    if schema is not None:
        return _schema_answer(schema, count_tokens, model)
    text = _static_text(call)
    if not text:
        return None
    flat = " ".join(text.replace("\u201c", '"').replace("\u201d", '"').replace("\u2019", "'").split())
    lowered = flat.lower()
    if _LONGER.search(_NEGATED.sub(" ", lowered)):
        return None
    for pattern, kind, tokens in (
        (_YES_NO, "a yes-or-no answer", 2),
        (_ONE_WORD, "a one-word answer", 4),
        (_LABEL, "a label", 8),
    ):
        for match in pattern.finditer(lowered):
            if _unconditional(lowered, match, check_after=True):
                return ShortAnswer(kind, _evidence(flat, match), tokens)
    return _one_of(text, count_tokens, model)


def _unconditional(lowered: str, match: re.Match[str], check_after: bool) -> bool:
    """The instruction applies to every answer and asks for nothing more: no "if/when/for …" before it in
    its sentence, and (``check_after``) no "and/then/with …" after it."""
    start = max(lowered.rfind(mark, 0, match.start()) for mark in ".!?\n") + 1
    ends = [i for i in (lowered.find(mark, match.end()) for mark in ".!?\n") if i >= 0]
    end = min(ends) if ends else len(lowered)
    if _CONDITION.search(lowered[start : match.start()]):
        return False
    return not (check_after and _MORE.search(lowered[match.end() : end]))


def _static_text(call: LLMCall) -> str:
    pieces: List[str] = []
    for part in call.prompt:
        for segment in part.text.segments:
            if isinstance(segment, Static):
                pieces.append(segment.text)
            elif isinstance(segment, Dynamic):
                pieces.append("\n")
    return "".join(pieces)


def _evidence(flat: str, match: re.Match[str], limit: int = 60) -> str:
    text = flat[match.start() : match.end()].strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _one_of(
    text: str, count_tokens: Callable[[str, Optional[str]], int], model: Optional[str]
) -> Optional[ShortAnswer]:
    """ "Classify the ticket as one of: billing, bug, feature." or the same with a bulleted list after it."""
    lowered = text.lower()
    match = next(
        (m for m in _ONE_OF.finditer(lowered) if _unconditional(lowered, m, check_after=False)), None
    )
    if match is None:
        return None
    rest = text[match.end() :].lstrip(" \t")
    line, _, following = rest.partition("\n")
    if not line.strip():
        line, _, following = following.partition("\n")
        bulleted = True
    else:
        bulleted = _BULLET.match(line) is not None
    items: List[str] = []
    if bulleted:
        for row in [line] + following.split("\n"):
            bullet = _BULLET.match(row)
            if bullet is None:
                break
            items.append(_label(bullet.group(1)))
        line = ""
    else:
        sentence = re.split(r"\.(?:\s|$)", line.strip(), maxsplit=1)[0]
        items = [_label(item) for item in _ITEM_SPLIT.split(sentence)]
    items = [item for item in items if item]
    if not 2 <= len(items) <= _MAX_ITEMS:
        return None
    if any(len(item.split()) > _MAX_ITEM_WORDS or len(item) > 40 for item in items):
        return None
    longest = max(count_tokens(item, model) for item in items)
    head = " ".join(text[match.start() : match.end()].split())
    written = f"{head} {' '.join(line.split())}" if line.strip() else f"{head}…"
    evidence = written if len(written) <= 60 else written[:59] + "…"
    return ShortAnswer(f"one of {len(items)} options", evidence, longest + 1)


def _label(item: str) -> str:
    """The label of a list item: ``billing: payment problems`` -> ``billing``."""
    head = re.split(r"\s*(?::|\s-\s|\s—\s|\s–\s|\()", item, maxsplit=1)[0]
    return head.strip().strip("\"'`*[]").strip()


def _schema(call: LLMCall) -> Optional[Mapping[str, Any]]:
    """A JSON schema the request constrains its answer to, when it is a literal."""
    literals = call.literal_arguments
    response_format = literals.get("response_format")
    if isinstance(response_format, dict) and response_format.get("type") == "json_schema":
        inner = response_format.get("json_schema")
        if isinstance(inner, dict) and isinstance(inner.get("schema"), dict):
            return inner["schema"]
    text = literals.get("text")
    if isinstance(text, dict) and isinstance(text.get("format"), dict):
        fmt = text["format"]
        if fmt.get("type") == "json_schema" and isinstance(fmt.get("schema"), dict):
            return fmt["schema"]
    for key in ("config.response_schema", "config.response_json_schema"):
        schema = literals.get(key)
        if isinstance(schema, dict):
            return schema
    return None


def _schema_answer(
    schema: Mapping[str, Any], count_tokens: Callable[[str, Optional[str]], int], model: Optional[str]
) -> Optional[ShortAnswer]:
    """A short answer when every property is an enum, a boolean or a number; None otherwise."""
    if str(schema.get("type", "")).lower() != "object":
        return None
    properties = schema.get("properties")
    if not isinstance(properties, dict) or not 0 < len(properties) <= _MAX_PROPERTIES:
        return None
    longest: dict = {}
    for name, spec in properties.items():
        if not isinstance(spec, dict):
            return None
        kind = str(spec.get("type", "")).lower()
        enum = spec.get("enum")
        if (
            isinstance(enum, list)
            and enum
            and len(enum) <= _MAX_ITEMS
            and all(isinstance(v, str) for v in enum)
        ):
            longest[name] = max(enum, key=lambda value: count_tokens(value, model))
        elif kind == "boolean":
            longest[name] = False
        elif kind in ("integer", "number"):
            longest[name] = -1234567.5 if kind == "number" else -1234567
        else:
            return None
    tokens = count_tokens(json.dumps(longest), model)
    names = tuple(sorted(properties))
    return ShortAnswer("a JSON object of enumerated values", ", ".join(names), tokens, names)
