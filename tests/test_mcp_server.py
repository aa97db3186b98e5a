"""``promptlint mcp`` used as a coding agent uses it: the official SDK's client starts the server as a
subprocess and calls its tools over stdio. The answers are the command line's own (same JSON, same rule
documentation), and a request that cannot be answered is the tool's one-line error."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

APP = """\
from openai import OpenAI

client = OpenAI()


def ask(question):
    r = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": question}])
    return r.choices[0].message.content
"""


def call(cwd: Path, *calls: Tuple[str, Dict[str, Any]]) -> List[Tuple[bool, str]]:
    """(is_error, text) of each tool call, in one session with a server started in ``cwd``."""
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters

    async def session() -> List[Tuple[bool, str]]:
        params = StdioServerParameters(command=sys.executable, args=["-m", "promptlint", "mcp"], cwd=str(cwd))
        async with Client(params, read_timeout_seconds=120) as client:
            answers = []
            for name, arguments in calls:
                if name == "$list":
                    listed = await client.list_tools()
                    answers.append((False, json.dumps([tool.name for tool in listed.tools])))
                    continue
                result = await client.call_tool(name, arguments)
                answers.append((bool(result.is_error), "".join(part.text for part in result.content)))
            return answers

    return asyncio.run(session())


def cli(cwd: Path, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "promptlint", *args], cwd=cwd, capture_output=True, text=True, check=False
    )
    return result.stdout


@pytest.fixture
def project(tmp_path: Path) -> Path:
    pytest.importorskip("mcp", reason="the mcp SDK needs Python 3.10 or later")
    (tmp_path / "pyproject.toml").write_text("[tool.promptlint]\ncalls-per-month = 1000\n")
    (tmp_path / "app.py").write_text(APP)
    return tmp_path


def test_the_tools_answer_as_the_command_line_does(project: Path) -> None:
    unsaved = APP.replace("question}])", "question}], max_tokens=256)")
    listed, from_file, from_source, changed, explained = call(
        project,
        ("$list", {}),
        ("check_file", {"path": "app.py"}),
        ("check_source", {"source": APP, "path": "app.py"}),
        ("check_source", {"source": unsaved, "path": "app.py"}),
        ("explain_rule", {"rule": "missing-output-limit"}),
    )
    assert listed == (False, '["check_file", "check_source", "explain_rule", "price_request"]')
    assert from_file == (False, cli(project, "check", "--output-format", "json", "--no-cache", "app.py"))
    assert from_source == from_file
    document = json.loads(from_file[1])
    assert [(d["code"], d["line"], d["column"], d["fix"]["edits"]) for d in document["diagnostics"]] == [
        (
            "LLM201",
            7,
            9,
            [
                {
                    "line": 7,
                    "column": 104,
                    "end_line": 7,
                    "end_column": 104,
                    "content": ", max_completion_tokens=1024",
                }
            ],
        )
    ]
    assert document["diagnostics"][0]["savings"]["usd_per_month"] == 153.6
    assert json.loads(changed[1])["diagnostics"] == []
    assert explained == (False, cli(project, "rule", "LLM201"))


def test_price_a_request_with_and_without_a_cap(project: Path) -> None:
    capped, uncapped, unknown = call(
        project,
        ("price_request", {"model": "gpt-4o", "prompt_tokens": 1000, "max_output_tokens": 500}),
        ("price_request", {"model": "gpt-4o", "prompt_tokens": 1000, "calls_per_month": 1000}),
        ("price_request", {"model": "no-such-model", "prompt_tokens": 1}),
    )
    prices = {"input": 2.5, "output": 10.0, "cache_read": 1.25}
    source = (
        "the model table of 2026-11-28 (pydantic/genai-prices prices/providers/*.yml @ 47df840 (2026-08-21))"
    )
    assert capped[0] is False
    assert json.loads(capped[1]) == {
        "model": "gpt-4o",
        "provider": "openai",
        "prompt_tokens": 1000,
        "max_output_tokens": 500,
        "max_output_tokens_from": "request",
        "usd_per_million": prices,
        "input_usd_per_call": 0.0025,
        "max_output_usd_per_call": 0.005,
        "max_usd_per_call": 0.0075,
        "max_usd_per_1k_calls": 7.5,
        "max_usd_per_month": None,
        "calls_per_month": None,
        "notes": [],
        "prices_from": source,
    }
    assert json.loads(uncapped[1]) == {
        "model": "gpt-4o",
        "provider": "openai",
        "prompt_tokens": 1000,
        "max_output_tokens": 16384,
        "max_output_tokens_from": "model maximum",
        "usd_per_million": prices,
        "input_usd_per_call": 0.0025,
        "max_output_usd_per_call": 0.16384,
        "max_usd_per_call": 0.16634,
        "max_usd_per_1k_calls": 166.34,
        "max_usd_per_month": 166.34,
        "calls_per_month": 1000,
        "notes": [],
        "prices_from": source,
    }
    assert unknown == (
        True,
        "Error executing tool price_request: `no-such-model` is not in the model table of 2026-11-28",
    )


def test_a_request_that_cannot_be_answered_is_the_tools_error(project: Path) -> None:
    missing, rule = call(
        project, ("check_file", {"path": "nowhere.py"}), ("explain_rule", {"rule": "LLM999"})
    )
    assert missing == (True, "Error executing tool check_file: nowhere.py: No such file or directory")
    assert rule[0] is True
    assert rule[1].startswith(
        "Error executing tool explain_rule: unknown rule `LLM999`; the rules are:\ncode "
    )


def test_without_the_sdk_the_command_says_how_to_install_it(tmp_path: Path) -> None:
    blocked = (
        "import sys; sys.modules['mcp'] = None; from promptlint.cli import main; sys.exit(main(['mcp']))"
    )
    result = subprocess.run([sys.executable, "-c", blocked], capture_output=True, text=True, cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (
        2,
        "",
        'promptlint: error: the MCP server needs the mcp SDK (Python 3.10+): pip install "promptlint-cost[mcp]"\n',
    )


def test_mcp_help() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "promptlint", "mcp", "--help"], capture_output=True, text=True
    )
    assert result.returncode == 0
    assert result.stdout.startswith("usage: promptlint mcp [-h]\n")
    assert 'pip install "promptlint-cost[mcp]"' in " ".join(result.stdout.split())
