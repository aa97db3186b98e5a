"""How LLM201 chooses the cap it suggests: which requests a blanket default would cut short, the cap the module
already uses for requests like them, the parameter the platform takes, and requests that answer with images.

Every cue is read from what extraction already knows, and each is one a reader can check in the code:

- a chat: the request streams its answer; or a loop around it reads a person's input (``input()``, a
  websocket); or it runs in an interactive app (a web route, a UI framework, a chat bot) and sends a
  conversation (an assistant turn, a history spliced into the messages, or a message list taken whole from
  elsewhere);
- a code generator: the static prompt text asks to write code ("Write a Python function", "generate the
  code", "implement a class", "You are an expert programmer").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Optional

from promptlint.ir import Dynamic, LimitStatus, LLMCall, Static

_LANGUAGES = (
    r"python|javascript|js|typescript|ts|java|kotlin|swift|go|golang|rust|ruby|php|c|c\+\+|c#|scala|bash|shell|"
    r"powershell|sql|html|css|react|vue|node(?:\.js)?|django|flask|terraform|yaml"
)
_CODE_THINGS = (
    r"code|source\s+code|functions?|implementation|snippet|unit\s+tests?|patch|diff|regex|"
    r"regular\s+expression|dockerfile|makefile|computer\s+program|"
    rf"(?:{_LANGUAGES})\s+(?:script|program|file|class|module|component|app|application|query|queries)|"
    r"[\w-]+\.(?:py|js|ts|tsx|jsx|java|go|rs|rb|php|sh|sql|html|css|yaml|yml|toml)\s+file"
)
# A verb that makes something, up to three words that qualify it (never a preposition: "a summary of the
# function" is not code), then a thing made of code.
_ASKS_FOR_CODE = re.compile(
    r"\b(?:write|generate|create|implement|produce|build|complete|refactor|rewrite|fix)"
    r"\s+(?:(?!(?:of|to|into|in|on|about|for|from|with|by|and|or|that|which|what|how)\b)[\w#+.-]+\s+){0,3}?"
    rf"(?:{_CODE_THINGS})\b",
    re.IGNORECASE,
)
_CODER_ROLE = re.compile(
    r"\byou\s+are\s+(?:an?\s+)?(?:(?:expert|senior|experienced|skilled|world-class|professional|helpful)\s+)*"
    rf"(?:(?:{_LANGUAGES})\s+)?(?:programmer|software\s+engineer|software\s+developer|developer|coder|"
    r"coding\s+assistant|code\s+generator)\b",
    re.IGNORECASE,
)
# Model ids whose output is an image: OpenAI's image models, Imagen, Gemini's image-output models.
_IMAGE_MODEL = re.compile(r"(?:^|[/-])(?:image|dall-e|imagen)(?:-|$)")


@dataclass(frozen=True)
class OpenEnded:
    """A request whose answer has no length a default cap could know."""

    kind: str  # "chat" or "code"
    reason: str  # what says so, for messages: "it streams its answer"

    @property
    def label(self) -> str:
        return "chat" if self.kind == "chat" else "code-writing"


def open_ended(call: LLMCall) -> Optional[OpenEnded]:
    """Whether the request answers a chat or writes code, with the evidence; None when neither is clear."""
    chat = _chat(call)
    if chat is not None:
        return OpenEnded("chat", chat)
    asked = _asks_for_code(call)
    if asked is not None:
        return OpenEnded("code", f"its prompt asks for code (`{asked}`)")
    return None


def _chat(call: LLMCall) -> Optional[str]:
    if call.streams:
        return "it streams its answer to a reader"
    if any(loop.reads_input for loop in call.loops):
        return "it answers a person's input in a loop"
    if call.runs_in == "interactive" and _sends_conversation(call):
        return f"it answers a conversation in an interactive app ({call.runs_in_evidence})"
    return None


def _sends_conversation(call: LLMCall) -> bool:
    """An assistant turn, a history of unknown messages spliced in, or a message list taken whole."""
    if not call.prompt and not call.prompt_complete:
        return True
    return any(part.role in ("assistant", "unknown") for part in call.prompt)


def _asks_for_code(call: LLMCall) -> Optional[str]:
    text = " ".join(_static_text(call).split())
    for pattern in (_ASKS_FOR_CODE, _CODER_ROLE):
        match = pattern.search(text)
        if match is not None:
            written = text[match.start() : match.end()]
            return written if len(written) <= 60 else written[:59] + "…"
    return None


def _static_text(call: LLMCall) -> str:
    pieces = []
    for part in call.prompt:
        for segment in part.text.segments:
            if isinstance(segment, Static):
                pieces.append(segment.text)
            elif isinstance(segment, Dynamic):
                pieces.append("\n")
    return "\n".join(pieces)


def module_cap(call: LLMCall, calls: Iterable[LLMCall], kind: str) -> Optional[int]:
    """The largest literal cap among the module's other requests to the same API that are open-ended in the
    same way (another chat, another code writer): the cap the project itself chose for such answers."""
    caps = [
        other.output_limit.value
        for other in calls
        if other is not call
        and other.provider == call.provider
        and other.endpoint == call.endpoint
        and other.output_limit.status is LimitStatus.PRESENT
        and isinstance(other.output_limit.value, int)
        and other.output_limit.value > 0
        and _kind(other) == kind
    ]
    return max(caps) if caps else None


def _kind(call: LLMCall) -> str:
    found = open_ended(call)
    return found.kind if found is not None else ""


def outputs_images(call: LLMCall) -> bool:
    """An image model (``gpt-image-1``, ``dall-e-3``, ``gemini-2.5-flash-image``), or Gemini asked for
    ``response_modalities`` that include ``IMAGE``: no text answer for a token cap to bound."""
    if call.model is not None and _IMAGE_MODEL.search(call.model.lower()):
        return True
    modalities = call.literal_arguments.get("config.response_modalities")
    if isinstance(modalities, str):
        modalities = [modalities]
    return isinstance(modalities, list) and any(
        isinstance(item, str) and item.upper() == "IMAGE" for item in modalities
    )


def cap_parameter(call: LLMCall) -> str:
    """The parameter the cap goes in: OpenAI-compatible servers reached through a ``base_url`` (DeepSeek,
    OpenRouter, Groq, a local vLLM or Ollama) take Chat Completions' ``max_tokens``, not OpenAI's newer
    ``max_completion_tokens``."""
    parameter = call.output_limit.parameter
    if call.provider == "openai" and parameter == "max_completion_tokens" and call.platform == "custom":
        return "max_tokens"
    return parameter
