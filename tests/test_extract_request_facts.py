"""Moved from tests/test_rules_caching.py (batch file dissolved into one file per rule or concern)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Dict, List, Optional

import libcst as cst
import pytest

from promptlint.cli import main
from promptlint.extract import extract_calls
from promptlint.ir import LLMCall, Volatility

ROOT = Path(__file__).resolve().parent.parent


MANUAL = (ROOT / "fixtures" / "LLM103" / "prompts" / "claims_manual.md").read_text(encoding="utf-8")


REFERENCE = (ROOT / "fixtures" / "LLM105" / "prompts" / "tax_reference.md").read_text(encoding="utf-8")


CACHING = "LLM101,LLM102,LLM103,LLM105"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "manual.md").write_text(MANUAL, encoding="utf-8")
    (tmp_path / "prompts" / "reference.md").write_text(REFERENCE, encoding="utf-8")
    return tmp_path


def lint(project: Path, source: str, capsys, select: str = CACHING, config: str = "") -> List[dict]:
    (project / "app.py").write_text(textwrap.dedent(source), encoding="utf-8")
    if config:
        (project / "pyproject.toml").write_text(textwrap.dedent(config), encoding="utf-8")
    main(["check", "--output-format", "json", "--select", select, "app.py"])
    document = json.loads(capsys.readouterr().out)
    assert document["errors"] == []
    return document["diagnostics"]


def found(diagnostics: List[dict]) -> List[tuple]:
    return [(d["code"], d["line"], d["column"], d["message"]) for d in diagnostics]


def savings(diagnostic: dict) -> Optional[tuple]:
    saving = diagnostic["savings"]
    if saving is None:
        return None
    return saving["model"], saving["tokens_per_call"], saving["usd_per_1k_calls"]


def apply_fix(source: str, diagnostic: dict) -> str:
    """Apply the edits of a diagnostic's fix, as an editor or `--fix` would (1-based, end exclusive)."""
    lines = textwrap.dedent(source).splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    text = "".join(lines)
    for edit in sorted(diagnostic["fix"]["edits"], key=lambda e: (e["line"], e["column"]), reverse=True):
        begin = starts[edit["line"] - 1] + edit["column"] - 1
        end = starts[edit["end_line"] - 1] + edit["end_column"] - 1
        text = text[:begin] + edit["content"] + text[end:]
    return text


HEADER = """\
from datetime import date, datetime
from pathlib import Path

from anthropic import Anthropic
from openai import OpenAI

MANUAL = (Path(__file__).parent / "prompts" / "manual.md").read_text()
REFERENCE = (Path(__file__).parent / "prompts" / "reference.md").read_text()
client = OpenAI()
claude = Anthropic()
"""


def extract(source: str) -> List[LLMCall]:
    calls, _ = extract_calls(cst.parse_module(textwrap.dedent(source)))
    return calls


def test_breakpoints_are_recorded_in_order_with_their_prefix() -> None:
    [call] = extract(
        """
        import anthropic
        c = anthropic.Anthropic()
        c.messages.create(
            model="m",
            max_tokens=5,
            system=[
                {"type": "text", "text": "A", "cache_control": {"type": "ephemeral"}},
                {"type": "image", "source": {}},
                {"type": "text", "text": "B", "cache_control": {"type": "ephemeral"}},
            ],
            messages=[{"role": "user", "content": "q", "cache_control": {"type": "ephemeral"}}],
        )
        """
    )
    system, user = call.prompt
    assert [(m.marker, m.prefix.static_text, m.counted) for m in system.breakpoints] == [
        ("cache_control", "A", True),
        ("cache_control", "AB", False),
    ]
    assert (system.marks_known, system.uncounted) == (True, True)
    assert [(m.marker, m.prefix.static_text) for m in user.breakpoints] == [("cache_control", "q")]


def test_marks_are_known_only_where_every_block_is_seen() -> None:
    calls = extract(
        """
        import anthropic
        c = anthropic.Anthropic()
        def run(question: str, blocks, extra, history):
            c.messages.create(model="m", max_tokens=5, system=f"Rules {question}", messages=[
                {"role": "user", "content": question},
                {"role": "user", "content": blocks},
                {"role": "user", "content": [extra, {"type": "text", "text": "x"}]},
                *history,
            ])
        """
    )
    assert [part.marks_known for part in calls[0].prompt] == [True, True, False, False, False]


def test_tool_definitions_keep_their_values_markers_and_volatility() -> None:
    [call] = extract(
        """
        import time
        import anthropic
        c = anthropic.Anthropic()
        SEARCH = {"name": "search", "description": "Search the catalogue.", "input_schema": {"type": "object"}}
        def run(q):
            c.messages.create(model="m", max_tokens=5, messages=[{"role": "user", "content": q}], tools=[
                SEARCH,
                {"name": "clock", "description": f"Now {time.time()}", "cache_control": {"type": "ephemeral"}},
            ])
        """
    )
    tools = call.tools
    assert tools is not None and tools.role == "tools" and tools.marks_known
    assert "description: Search the catalogue." in tools.text.static_text
    [mark] = tools.breakpoints
    assert mark.marker == "cache_control"
    assert tools.text.segments[tools.text.first_varying()].volatility is Volatility.PER_CALL


@pytest.mark.parametrize(
    "expression, expected",
    [
        ("request_id", Volatility.PER_CALL),
        ("ctx.trace_id", Volatility.PER_CALL),
        ('headers["X-Request-ID"]', Volatility.PER_CALL),
        ('event.get("correlationId")', Volatility.PER_CALL),
        ("REQUEST_ID", Volatility.PER_PROCESS),
        ("session_id", Volatility.PER_REQUEST),
    ],
)
def test_values_named_as_request_ids_change_on_every_call(expression: str, expected: Volatility) -> None:
    [call] = extract(
        f"""
        import uuid
        import openai
        c = openai.OpenAI()
        REQUEST_ID = str(uuid.uuid4())
        def run(request_id, ctx, headers, event, session_id):
            c.chat.completions.create(model="m", max_tokens=5, messages=[
                {{"role": "system", "content": f"{{{expression}}}"}},
            ])
        """
    )
    [segment] = call.prompt[0].text.segments
    assert segment.volatility is expected


def test_a_change_inside_a_message_list_makes_it_unknown() -> None:
    calls: Dict[str, LLMCall] = {}
    for name, change in (
        ("nested", 'messages[0]["content"] = "other"'),
        ("nested-append", 'messages[0]["content"].append("x")'),
    ):
        [calls[name]] = extract(
            f"""
            import openai
            c = openai.OpenAI()
            def run():
                messages = [{{"role": "user", "content": ["a"]}}]
                {change}
                c.chat.completions.create(model="m", max_tokens=5, messages=messages)
            """
        )
    assert all(call.prompt == () and not call.prompt_complete for call in calls.values())
