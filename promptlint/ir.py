"""The LLM-call intermediate representation: what rules see instead of SDK syntax.

SDK adapters (``promptlint.extract``) build these; rules only read them. Nodes are kept as opaque libcst
objects so that spans are resolved once, at the end, for the nodes that become findings.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Optional, Tuple


class Volatility(enum.Enum):
    """How often a dynamic prompt segment changes, which decides whether it can break a cache."""

    PER_CALL = "per-call"  # datetime.now(), uuid4(), random: different on every request
    PER_REQUEST = "per-request"  # a parameter, a request field: differs between requests
    PER_PROCESS = "per-process"  # fixed for the life of the process: os.name, a module-level f-string
    UNKNOWN = "unknown"

    @property
    def varies_between_requests(self) -> bool:
        return self in (Volatility.PER_CALL, Volatility.PER_REQUEST)


@dataclass(frozen=True)
class Static:
    """Prompt text known at lint time."""

    text: str
    node: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Dynamic:
    """Prompt text that is only known at run time."""

    source: str
    volatility: Volatility
    node: Any = field(default=None, compare=False, repr=False)


Segment = "Static | Dynamic"


@dataclass(frozen=True)
class PromptText:
    """A prompt as an ordered tuple of static and dynamic segments."""

    segments: Tuple[Any, ...]
    node: Any = field(default=None, compare=False, repr=False)

    @property
    def static_text(self) -> str:
        return "".join(s.text for s in self.segments if isinstance(s, Static))

    @property
    def is_static(self) -> bool:
        return all(isinstance(s, Static) for s in self.segments)

    def first_varying(self) -> Optional[int]:
        """Index of the first segment that changes between requests, or None."""
        for index, segment in enumerate(self.segments):
            if isinstance(segment, Dynamic) and segment.volatility.varies_between_requests:
                return index
        return None


@dataclass(frozen=True)
class PromptPart:
    """One piece of the request in cache order: a system prompt, an instruction, or one message."""

    role: str  # "system", "instructions", "user", "assistant", "tool", "developer", or "unknown"
    text: PromptText
    node: Any = field(default=None, compare=False, repr=False)
    cache_breakpoint: bool = False  # a ``cache_control`` marker on this part or one of its blocks


class LimitStatus(enum.Enum):
    """Whether a call caps its output, as far as the code shows."""

    PRESENT = "present"
    MISSING = "missing"
    UNKNOWN = "unknown"  # a **mapping or an opaque config object may carry it
    NOT_APPLICABLE = "not-applicable"  # the API requires it, defaults it small, or produces no text


@dataclass(frozen=True)
class OutputLimit:
    status: LimitStatus
    value: Optional[int] = None  # the literal cap, when known
    parameter: str = ""  # the parameter a fix would add (e.g. "max_completion_tokens")
    # Where a fix inserts the cap: "call" (a keyword of the call itself), "config-new" (add a
    # ``config={...}`` keyword) or "" when no automatic fix is possible.
    fix_target: str = ""


@dataclass(frozen=True)
class LLMCall:
    """One recognised LLM request (or an LLM client constructed with fixed request settings)."""

    provider: str  # "openai", "anthropic", "google", "litellm", "langchain"
    endpoint: str  # e.g. "chat.completions.create", "messages.create", "ChatAnthropic"
    callee: str  # the callee as written, e.g. "self.client.chat.completions.create"
    model: Optional[str]  # the literal model id, when it can be resolved
    keywords: Tuple[str, ...]  # keyword arguments known to be present (including from resolved mappings)
    has_unresolved_splat: bool  # a ``**mapping`` whose keys cannot be known
    prompt: Tuple[PromptPart, ...]  # the request in cache order, as far as it is known
    prompt_complete: bool  # False when parts of the prompt could not be resolved at all
    output_limit: OutputLimit
    is_async: bool = False
    in_loop: bool = False
    node: Any = field(default=None, compare=False, repr=False)  # the libcst Call node
    model_node: Any = field(default=None, compare=False, repr=False)

    @property
    def marks_cache(self) -> bool:
        """Whether the request asks for prompt caching explicitly (Anthropic-style ``cache_control``)."""
        return "cache_control" in self.keywords or any(part.cache_breakpoint for part in self.prompt)

    def may_have(self, *names: str) -> bool:
        """True when any of ``names`` is passed, or may be passed through an unresolved splat."""
        return self.has_unresolved_splat or any(name in self.keywords for name in names)
