"""Parse a module with libcst without validating every node as the parser builds it.

libcst checks each node it constructs (``CSTNode.__post_init__`` calls ``_validate``), which is how it
catches a tree built by hand that could not be printed back as Python. A tree its own parser built from
source is valid by construction (libcst's comment on ``__post_init__`` says as much), and the checks cost
about a fifth of the parse. So the parse runs with that hook switched off; nodes built in any other way
(fixes, edits) are checked as usual. Should a libcst release give the hook more work than validating, it
is left alone.
"""

from __future__ import annotations

import threading
from typing import Any

_lock = threading.Lock()
_parsing = 0  # parses under way (a timed-out one may still be running on its thread)
_original: Any = None


def _validation_only(hook: Any) -> bool:
    code = getattr(hook, "__code__", None)
    return code is not None and code.co_names == ("_validate",)


def parse_module(text: str) -> Any:
    """``libcst.parse_module(text)``, same tree and same errors, without the per-node validation."""
    global _parsing, _original
    import libcst as cst
    from libcst._nodes.base import CSTNode

    with _lock:
        if _parsing == 0:
            hook = CSTNode.__dict__.get("__post_init__")
            if not _validation_only(hook):
                _original = None
            else:
                _original = hook
                CSTNode.__post_init__ = _skip  # type: ignore[method-assign]
        _parsing += 1
    try:
        return cst.parse_module(text)
    finally:
        with _lock:
            _parsing -= 1
            if _parsing == 0 and _original is not None:
                CSTNode.__post_init__ = _original  # type: ignore[method-assign]
                _original = None


def _skip(self: Any) -> None:
    pass
