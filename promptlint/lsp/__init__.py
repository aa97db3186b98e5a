"""``promptlint server``: the language server, for editors.

The server itself (``promptlint.lsp.server``) needs pygls and lsprotocol, installed by the ``server`` extra;
the rest of this package (linting a buffer, its code actions and hover text) is plain promptlint, so that
it can be tested and reused without them. Nothing here is imported by ``promptlint check``.
"""

from __future__ import annotations

import sys

INSTALL_HINT = 'promptlint: error: the language server needs pygls: pip install "promptlint-cost[server]"'


def run() -> int:
    """Serve over stdin/stdout until the client says exit; 2 with one line when pygls is missing."""
    try:
        import lsprotocol  # noqa: F401
        import pygls  # noqa: F401
    except ImportError:
        print(INSTALL_HINT, file=sys.stderr)
        return 2
    from promptlint.lsp.server import serve

    return serve()
