"""Together AI: ``Together``/``AsyncTogether`` clients, OpenAI-shaped Chat Completions capped by
``max_tokens``."""

from __future__ import annotations

from typing import Optional

from promptlint.extract.adapters.common import Request, chat_completion
from promptlint.extract.provenance import Instance
from promptlint.ir import LLMCall

_PATH = ("chat", "completions", "create")


def recognise(request: Request) -> Optional[LLMCall]:
    origin = request.origin
    if not (isinstance(origin, Instance) and origin.family == "together" and origin.path == _PATH):
        return None
    caps = ("max_tokens", "max_completion_tokens")
    return chat_completion(request, "together", ".".join(_PATH), caps, "max_tokens", "Async" in origin.cls)
