"""Mistral AI: the ``mistralai`` ``Mistral`` client's ``chat.complete``/``stream`` and their ``_async``
forms, capped by ``max_tokens``."""

from __future__ import annotations

from typing import Optional

from promptlint.extract.adapters.common import Request, chat_completion
from promptlint.extract.provenance import Instance
from promptlint.ir import LLMCall

_PATHS = {
    ("chat", "complete"): False,
    ("chat", "complete_async"): True,
    ("chat", "stream"): False,
    ("chat", "stream_async"): True,
}


def recognise(request: Request) -> Optional[LLMCall]:
    origin = request.origin
    if not (isinstance(origin, Instance) and origin.family == "mistral" and origin.path in _PATHS):
        return None
    endpoint = ".".join(origin.path)
    return chat_completion(request, "mistral", endpoint, ("max_tokens",), "max_tokens", _PATHS[origin.path])
