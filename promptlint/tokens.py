"""Exact o200k_base token counts, offline.

tiktoken normally downloads its BPE ranks at run time and keeps a copy in a cache directory; a linter must
work without network and must not write outside the project. So the ranks ship inside the package
(``data/o200k_base.tiktoken``, MIT-licensed data from openai/tiktoken) and the ``Encoding`` is built here
from that file. tiktoken is imported only on the first count, because most linted files have no finding
that needs a token count.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import threading
from pathlib import Path
from typing import Any, Dict, Optional

__all__ = ["ENCODING_SHA256", "TokenizerError", "count_tokens"]

# The sha256 that tiktoken itself pins for o200k_base.tiktoken.
ENCODING_SHA256 = "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"

_ENCODING_PATH = Path(__file__).parent / "data" / "o200k_base.tiktoken"

# The o200k_base split pattern and special tokens, as tiktoken_ext.openai_public defines them for
# "o200k_base". They must match exactly, or counts drift from the provider's.
_PAT_STR = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)
_SPECIAL_TOKENS = {"<|endoftext|>": 199999, "<|endofprompt|>": 200018}


class TokenizerError(RuntimeError):
    """The shipped encoding file is missing or corrupt, or tiktoken is unusable."""


_lock = threading.Lock()
_encoding: Optional[Any] = None
_failure: Optional[TokenizerError] = None  # a failed load is remembered: the check runs once per process


def _read_ranks(path: Path) -> Dict[bytes, int]:
    """Read and hash-check a ``.tiktoken`` file.

    Parsed here rather than with ``tiktoken.load.load_tiktoken_bpe``: that helper routes every path through
    its download cache (it reads and writes ``$TIKTOKEN_CACHE_DIR`` or ``<tmp>/data-gym-cache``).
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TokenizerError(f"cannot read the token encoding file {path}: {exc}") from exc
    actual = hashlib.sha256(data).hexdigest()
    if actual != ENCODING_SHA256:
        raise TokenizerError(
            f"the token encoding file {path} is corrupt: sha256 {actual}, expected {ENCODING_SHA256}; "
            "reinstall promptlint"
        )
    ranks: Dict[bytes, int] = {}
    for line in data.splitlines():
        if not line:
            continue
        token, _, rank = line.partition(b" ")
        ranks[base64.b64decode(token)] = int(rank)
    return ranks


def _build_encoding(path: Path) -> Any:
    """Build the o200k_base ``Encoding`` from ``path`` (injectable so tests can feed a corrupt copy)."""
    ranks = _read_ranks(path)
    try:
        import tiktoken
    except ImportError as exc:  # pragma: no cover - tiktoken is a hard dependency
        raise TokenizerError("tiktoken is not installed; it is needed to count tokens") from exc
    return tiktoken.Encoding(
        name="o200k_base",
        pat_str=_PAT_STR,
        mergeable_ranks=ranks,
        special_tokens=_SPECIAL_TOKENS,
    )


def _get_encoding() -> Any:
    """The process-wide encoding; the file is read and hash-checked once, on first use."""
    global _encoding, _failure
    if _encoding is None:
        with _lock:
            if _failure is not None:
                raise _failure
            if _encoding is None:
                try:
                    _encoding = _build_encoding(_ENCODING_PATH)
                except TokenizerError as exc:
                    _failure = exc
                    raise
    return _encoding


@functools.lru_cache(maxsize=4096)
def count_tokens(text: str) -> int:
    """Exact o200k_base token count of ``text``; special-token strings count as ordinary text."""
    return len(_get_encoding().encode(text, disallowed_special=()))
