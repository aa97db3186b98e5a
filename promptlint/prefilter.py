"""The byte-level gate in front of libcst: skip files that never import an LLM SDK.

Parsing is the expensive step, and most files in a repository never talk to a model. One precompiled
bytes regex looks for import statements of the SDK modules the extractors understand; a false positive
(an import in a comment or a docstring) only costs a parse, a false negative hides findings, so the
pattern leans permissive.

Recognised: ``import X``, ``import X.sub as Y``, ``import a, X``, ``from X import ...`` (X one of
``FROM_MODULES``: a package, or a submodule that defines a client class) and, for dotted modules, ``from parent import child`` (also parenthesised and
spread over lines), at any indentation, whatever the line endings (``\\n``, ``\\r\\n`` or a lone ``\\r``).
Not recognised: an import after ``;`` or ``:`` on the same line, backslash continuations inside the module
list, ``__import__``/``importlib``, an import after a lone ``\\r`` in a file whose first ``\\r`` begins a
``\\r\\n``.
"""

from __future__ import annotations

import re
from typing import BinaryIO, Iterable, Optional, Tuple

SDK_MODULES: Tuple[str, ...] = (
    "openai",
    "anthropic",
    "google.genai",
    "google.generativeai",
    "litellm",
    "langchain_openai",
    "langchain_anthropic",
    "langchain_google_genai",
    "langchain_community.chat_models",
    "langchain.chat_models",
    "mistralai",
    "cohere",
    "groq",
    "together",
    "boto3",
    "vertexai",
)


# ``from <module> import ...`` is a gate only for modules that export something the extractors trace: the
# packages themselves and the few submodules that define a client class. ``from openai.types.chat import
# ChatCompletionMessageParam`` imports nothing that can make a call, so such a file is never parsed.
FROM_MODULES: Tuple[str, ...] = SDK_MODULES + (
    "langchain_openai.chat_models",
    "langchain_anthropic.chat_models",
    "google.genai.client",
    "mistralai.client",
    "boto3.session",
    "vertexai.generative_models",
    "vertexai.preview.generative_models",
    "langfuse.openai",  # an observability drop-in for the ``openai`` module and its client classes
)


def _alternation(words: Iterable[str]) -> str:
    """Longest first, so that the alternation never settles for a shorter name."""
    escaped = sorted({re.escape(w) for w in words}, key=lambda w: (-len(w), w))
    return "(?:" + "|".join(escaped) + ")"


def _build() -> re.Pattern[bytes]:
    """Compile the gate.

    The pattern begins with a literal newline so that ``re`` can skip from line start to line start
    instead of trying every byte; ``may_call_llm`` prepends one so that line 1 is covered too.
    """
    sp = r"[ \t\f]"  # horizontal whitespace
    gap = r"(?:\s|#[^\n]*\n)*"  # inside parentheses: whitespace and whole comment lines
    module = _alternation(SDK_MODULES) + r"(?!\w)"
    # `import` up to the name looked for: `import a, b as c, <name>` or `import (a,\n    <name>)`.
    name = rf"\w+(?:{sp}+as{sp}+\w+)?"
    paren_name = r"\w+(?:\s+as\s+\w+)?"
    import_before = rf"import(?:{sp}*\({gap}(?:{paren_name}{gap},{gap})*|{sp}+(?:{name}{sp}*,{sp}*)*)"
    # `from google import genai` for the dotted `google.genai`.
    children: dict[str, list[str]] = {}
    for dotted in SDK_MODULES:
        if "." in dotted:
            parent, child = dotted.rsplit(".", 1)
            children.setdefault(parent, []).append(child)
    from_parent = "".join(
        rf"|{re.escape(parent)}{sp}+{import_before}{_alternation(kids)}(?!\w)"
        for parent, kids in sorted(children.items())
    )
    dotted_before = rf"(?:[\w.]+(?:{sp}+as{sp}+\w+)?{sp}*,{sp}*)*"
    from_module = _alternation(FROM_MODULES) + rf"(?={sp}+import(?!\w))"
    pattern = rf"\n{sp}*(?:from{sp}+(?:{from_module}{from_parent})|import{sp}+{dotted_before}{module})"
    return re.compile(pattern.encode("ascii"))


def _needles() -> Tuple[bytes, ...]:
    """Words of which every match of the gate contains one: each module it looks for after ``import`` or
    ``from`` (and the parent of a dotted one, for ``from parent import child``), without those that
    contain a shorter one (``langchain_openai`` contains ``openai``)."""
    words = set(SDK_MODULES) | set(FROM_MODULES) | {dotted.rsplit(".", 1)[0] for dotted in SDK_MODULES}
    kept = [w for w in words if not any(other != w and other in w for other in words)]
    return tuple(sorted(w.encode("ascii") for w in kept))


_NEEDLES = _needles()
_gate: Optional[re.Pattern[bytes]] = None


def _the_gate() -> re.Pattern[bytes]:
    """The compiled gate, built for the first file that names an SDK module: compiling it costs more than
    looking for the words in a file, and most runs of a few files never need it."""
    global _gate
    if _gate is None:
        _gate = _build()
    return _gate


def may_call_llm(raw: bytes) -> bool:
    """True when ``raw`` contains an import statement of a module in ``SDK_MODULES``."""
    if raw.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte-order mark before the first import
        raw = raw[3:]
    if not _on_an_import_line(raw):
        return False
    return _the_gate().search(b"\n" + _unify_breaks(raw)) is not None


def _on_an_import_line(raw: bytes) -> bool:
    """Whether one of ``_NEEDLES`` stands on a line that starts with ``from`` or ``import``: every match of
    the gate has one there (the module after ``import``, or after ``from``, or the parent package of
    ``from parent import (child)``, is on the keyword's line, with only spaces, names, dots, commas and
    ``as`` between them, never a line break). Most files name no SDK module at all, and a word such as
    "together" in a docstring no longer costs compiling the gate."""
    for needle in _NEEDLES:
        start = raw.find(needle)
        while start >= 0:
            line = max(raw.rfind(b"\n", 0, start), raw.rfind(b"\r", 0, start)) + 1
            head = raw[line:start].lstrip(b" \t\f")
            if head.startswith(b"from") or head.startswith(b"import"):
                return True
            start = raw.find(needle, start + 1)
    return False


def stream_may_call_llm(handle: BinaryIO, chunk_size: int = 1 << 20, overlap: int = 1 << 16) -> bool:
    """``may_call_llm`` over a file read chunk by chunk, in bounded memory (for files too large to read).

    Each chunk is searched after the last ``overlap`` bytes of the text before it (from a line start), so
    that an import statement cut by a chunk boundary is still seen unless it is longer than ``overlap``.
    A match that reaches the end of what has been read may be the start of a longer name
    (``import openai`` of ``import openai_tools``): it is decided once the next chunk is there.
    """
    pending = b"\n"  # the start of the file is a line start
    first = True
    while True:
        chunk = handle.read(chunk_size)
        if not chunk:
            return _the_gate().search(pending) is not None
        if first and chunk.startswith(b"\xef\xbb\xbf"):
            chunk = chunk[3:]
        first = False
        data = pending + _unify_breaks(chunk)
        match = _the_gate().search(data)
        if match is not None and match.end() < len(data):
            return True
        line_start = data.find(b"\n", max(0, len(data) - overlap))
        pending = data[line_start:] if line_start >= 0 else b""


def _unify_breaks(raw: bytes) -> bytes:
    """A lone ``\\r`` ends a line too, and the gate only looks for ``\\n``. The first ``\\r`` decides, so
    that ``\\n`` and ``\\r\\n`` files cost no extra pass (a ``\\r\\n`` file with stray lone ``\\r`` later on
    is read as a ``\\r\\n`` file)."""
    first = raw.find(b"\r")
    if first < 0 or raw[first + 1 : first + 2] == b"\n":
        return raw
    return raw.replace(b"\r", b"\n")  # any \r\n left becomes a blank line more, which the gate allows
