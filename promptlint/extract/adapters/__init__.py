"""SDK adapters: each turns a traced call of one provider's SDK into an ``LLMCall``.

Adding a provider means adding one module here and listing it in ``ADAPTERS``.
"""

from __future__ import annotations

from promptlint.extract.adapters import (
    anthropic,
    bedrock,
    cohere,
    google,
    groq,
    langchain,
    litellm,
    mistral,
    openai,
    together,
)

ADAPTERS = (
    openai.recognise,
    anthropic.recognise,
    google.recognise,
    litellm.recognise,
    langchain.recognise,
    mistral.recognise,
    cohere.recognise,
    groq.recognise,
    together.recognise,
    bedrock.recognise,
)
