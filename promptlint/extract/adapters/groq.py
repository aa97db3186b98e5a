"""Groq: ``Groq``/``AsyncGroq`` clients, OpenAI-shaped Chat Completions.

The groq SDK documents ``max_tokens`` as "Deprecated in favor of `max_completion_tokens`": both count as a
cap, and a fix adds ``max_completion_tokens``.
"""

from __future__ import annotations

from typing import Optional

from promptlint.extract.adapters.common import Request, chat_completion
from promptlint.extract.provenance import Instance
from promptlint.ir import LLMCall

_PATH = ("chat", "completions", "create")


def recognise(request: Request) -> Optional[LLMCall]:
    origin = request.origin
    if not (isinstance(origin, Instance) and origin.family == "groq" and origin.path == _PATH):
        return None
    caps = ("max_completion_tokens", "max_tokens")
    return chat_completion(request, "groq", ".".join(_PATH), caps, caps[0], "Async" in origin.cls)
