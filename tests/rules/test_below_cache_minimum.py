"""Moved from tests/test_rules_caching.py (batch file dissolved into one file per rule or concern)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import List, Optional

import pytest

from promptlint.cli import main

ROOT = Path(__file__).resolve().parents[2]


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


SHORT = "You are Ledgerline's bookkeeping assistant. Be precise and brief."


def test_llm105_marker_on_a_short_reference(project: Path, capsys) -> None:
    diagnostics = lint(
        project,
        HEADER
        + """
def answer(question: str) -> str:
    return claude.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=500,
        system=[{"type": "text", "text": REFERENCE, "cache_control": {"type": "ephemeral"}}],
        messages=[{"role": "user", "content": question}],
    )
""",
        capsys,
    )
    assert found(diagnostics) == [
        (
            "LLM105",
            16,
            53,
            "`cache_control` ends a prefix of 807 tokens, below the 1,024-token minimum of "
            "`claude-sonnet-4-5`: nothing is cached",
        )
    ]
    assert diagnostics[0]["end_column"] == 91
    assert diagnostics[0]["savings"] is None  # nothing can be cached: nothing to price
    assert diagnostics[0]["fix"] is None


def test_llm105_marker_before_a_static_prefix_that_would_cache(project: Path, capsys) -> None:
    diagnostics = lint(
        project,
        HEADER
        + f"""
SHORT = {SHORT!r}


def answer(question: str) -> str:
    return claude.messages.create(
        model="claude-opus-4-5",
        max_tokens=500,
        system=[
            {{"type": "text", "text": SHORT, "cache_control": {{"type": "ephemeral"}}}},
            {{"type": "text", "text": MANUAL}},
        ],
        messages=[{{"role": "user", "content": question}}],
    )
""",
        capsys,
    )
    # Opus 4.5 caches from 4,096 tokens: the manual is too short even with the marker moved.
    assert [(d["code"], d["line"], d["column"], d["savings"]) for d in diagnostics] == [
        ("LLM105", 20, 45, None)
    ]
    diagnostics = lint(
        project,
        (project / "app.py").read_text().replace("claude-opus-4-5", "claude-sonnet-4-5"),
        capsys,
    )
    assert found(diagnostics) == [
        (
            "LLM105",
            20,
            45,
            "`cache_control` ends a prefix of 14 tokens, below the 1,024-token minimum of `claude-sonnet-4-5`: "
            "nothing is cached",
        )
    ]
    assert savings(diagnostics[0]) == ("claude-sonnet-4-5", 1562, 3.6792)
    assert diagnostics[0]["savings"]["assumptions"][1] == (
        "after moving the breakpoint to the end of the static prefix (1,562 tokens)"
    )


def test_llm105_gpt56_breakpoint(project: Path, capsys) -> None:
    diagnostics = lint(
        project,
        HEADER
        + """
def answer(question: str) -> str:
    return client.chat.completions.create(
        model="gpt-5.6-luna",
        max_completion_tokens=500,
        messages=[
            {"role": "system", "content": [{"type": "text", "text": REFERENCE, "prompt_cache_breakpoint": {"mode": "explicit"}}]},
            {"role": "user", "content": question},
        ],
    )
""",
        capsys,
    )
    assert found(diagnostics) == [
        (
            "LLM105",
            17,
            80,
            "`prompt_cache_breakpoint` ends a prefix of 769 tokens, below the 1,024-token minimum of "
            "`gpt-5.6-luna`: nothing is cached",
        )
    ]


@pytest.mark.parametrize(
    "system, extra",
    [
        pytest.param(
            # above the minimum
            '[{"type": "text", "text": MANUAL, "cache_control": {"type": "ephemeral"}}]',
            "",
            id="above-minimum",
        ),
        pytest.param(
            # a later breakpoint reaches the minimum
            '[{"type": "text", "text": SHORT, "cache_control": {"type": "ephemeral"}}, '
            '{"type": "text", "text": MANUAL, "cache_control": {"type": "ephemeral"}}]',
            "",
            id="later-breakpoint",
        ),
        pytest.param(
            # a value of unknown length before the marker
            '[{"type": "text", "text": profile}, {"type": "text", "text": SHORT, "cache_control": {"type": "ephemeral"}}]',
            "",
            id="dynamic-before",
        ),
        pytest.param(
            # tool definitions are in the prefix
            '[{"type": "text", "text": SHORT, "cache_control": {"type": "ephemeral"}}]',
            "tools=[{'name': 'lookup', 'description': 'Find a receipt.', 'input_schema': {}}],",
            id="tools",
        ),
        pytest.param(
            # top-level automatic caching marks the last block too
            '[{"type": "text", "text": SHORT, "cache_control": {"type": "ephemeral"}}]',
            'cache_control={"type": "ephemeral"},',
            id="automatic",
        ),
        pytest.param(
            # 958 tokens: within the 10% tokenizer margin of the 1,024-token minimum
            '[{"type": "text", "text": REFERENCE + REFERENCE[:700], "cache_control": {"type": "ephemeral"}}]',
            "",
            id="within-margin",
        ),
    ],
)
def test_llm105_is_silent_when_the_breakpoint_caches_or_the_prefix_is_not_known(
    project: Path, capsys, system: str, extra: str
) -> None:
    source = HEADER + (
        f"SHORT = {SHORT!r}\n\n\n"
        "def answer(profile: str, question: str) -> str:\n"
        f'    return claude.messages.create(model="claude-sonnet-4-5", max_tokens=9, {extra} system={system}, '
        'messages=[{"role": "user", "content": question}])\n'
    )
    assert lint(project, source, capsys) == []


def test_llm105_is_silent_for_unknown_models_and_images(project: Path, capsys) -> None:
    source = (
        HEADER
        + f"""
SHORT = {SHORT!r}


def any_model(model: str, question: str) -> str:
    return claude.messages.create(
        model=model,
        max_tokens=9,
        system=[{{"type": "text", "text": SHORT, "cache_control": {{"type": "ephemeral"}}}}],
        messages=[{{"role": "user", "content": question}}],
    )


def photo(image: str, question: str) -> str:
    return claude.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=9,
        messages=[
            {{
                "role": "user",
                "content": [
                    {{"type": "image", "source": {{"type": "base64", "media_type": "image/png", "data": image}}}},
                    {{"type": "text", "text": SHORT, "cache_control": {{"type": "ephemeral"}}}},
                ],
            }},
            {{"role": "user", "content": question}},
        ],
    )
"""
    )
    assert lint(project, source, capsys) == []
