"""``promptlint mcp``: a Model Context Protocol server over stdio, on the official ``mcp`` SDK (the ``mcp``
extra; Python 3.10 or later), so that a coding agent can ask promptlint before it commits LLM code.

The tools are ``promptlint.agent_tools``; this module only describes and registers them.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

INSTALL_HINT = (
    'promptlint: error: the MCP server needs the mcp SDK (Python 3.10+): pip install "promptlint-cost[mcp]"'
)

INSTRUCTIONS = (
    "promptlint finds what makes LLM calls expensive in Python source (missing output caps, prompts that "
    "defeat caching, retired models, unbounded loops) and prices each fix from a dated model table. Check "
    "code that calls an LLM before committing it; findings come with fixes (text edits) and savings."
)


def run() -> int:
    """Serve over stdin/stdout until the client closes; 2 with one line when the SDK is missing."""
    try:
        from mcp.server.mcpserver import MCPServer
    except ImportError:
        print(INSTALL_HINT, file=sys.stderr)
        return 2
    build(MCPServer).run("stdio")
    return 0


def build(server_class):
    """The server with promptlint's tools; every answer is computed in the working directory it starts in.

    Tools run one at a time (the SDK calls them on worker threads): the analysis is CPU-bound, and its
    time limit (``file-timeout``) is kept per file."""
    import threading

    from mcp.server.mcpserver.exceptions import ToolError

    from promptlint import __version__, agent_tools

    cwd = Path.cwd()
    server = server_class("promptlint", version=__version__, instructions=INSTRUCTIONS, log_level="WARNING")
    one_at_a_time = threading.Lock()

    def answer(function, *args):
        with one_at_a_time:
            try:
                return function(*args)
            except agent_tools.ToolFailure as failure:
                raise ToolError(str(failure)) from None

    @server.tool(structured_output=False)
    def check_file(path: str) -> str:
        """Lint a Python file or a directory (relative to the server's working directory) as
        `promptlint check --output-format json` does: findings with their fixes (text edits, 1-based
        lines and columns) and priced savings, a summary and errors, as JSON."""
        return answer(agent_tools.check_file, path, cwd)

    @server.tool(structured_output=False)
    def check_source(source: str, path: str = "snippet.py") -> str:
        """Lint Python source text as if it were the file at `path` (for its configuration and the
        modules it imports, which are read from disk); nothing is written. Same JSON as check_file."""
        return answer(agent_tools.check_source, source, path, cwd)

    @server.tool(structured_output=False)
    def explain_rule(rule: str) -> str:
        """A rule's documentation (Markdown) by code (LLM201) or name (missing-output-limit): what it
        finds, why it costs money, an example and the fix."""
        return answer(agent_tools.explain_rule, rule)

    @server.tool(structured_output=False)
    def price_request(
        model: str,
        prompt_tokens: int,
        max_output_tokens: Optional[int] = None,
        calls_per_month: Optional[int] = None,
    ) -> str:
        """The most one request can cost: the prompt at the input price plus the output up to the cap
        (the model's maximum when no cap is given), per call, per 1,000 calls and per month, as JSON."""
        return answer(
            agent_tools.price_request, model, prompt_tokens, max_output_tokens, calls_per_month, cwd
        )

    return server
