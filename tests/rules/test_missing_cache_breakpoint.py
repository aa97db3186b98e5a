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


CLAUDE_TRIAGE = (
    HEADER
    + """
def triage(notice: str) -> str:
    reply = claude.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=600,
        system=MANUAL,
        messages=[{"role": "user", "content": notice}],
    )
    return reply.content[0].text
"""
)


def test_llm103_claude_system_prompt_without_cache_control(project: Path, capsys) -> None:
    diagnostics = lint(project, CLAUDE_TRIAGE, capsys)
    assert found(diagnostics) == [
        (
            "LLM103",
            16,
            16,
            "`claude.messages.create` sends a 1,550-token static prefix with no `cache_control`: it is billed "
            "at the full input price on every call",
        )
    ]
    # 1,395 reads at $3.00 - $0.30 and 155 writes at $3.75 - $3.00 per 1M tokens.
    assert savings(diagnostics[0]) == ("claude-sonnet-4-5", 1550, 3.65025)
    assert diagnostics[0]["savings"]["assumptions"][0] == (
        "90% of calls read the prefix from the cache, the others write it (`hit-rate`)"
    )
    fix = diagnostics[0]["fix"]
    assert (fix["description"], fix["applicability"]) == (
        "Make it a text block with `cache_control`",
        "unsafe",
    )
    assert apply_fix(CLAUDE_TRIAGE, diagnostics[0]) == textwrap.dedent(CLAUDE_TRIAGE).replace(
        "system=MANUAL,",
        'system=[{"type": "text", "text": MANUAL, "cache_control": {"type": "ephemeral"}}],',
    )


def test_llm103_fixed_source_is_clean(project: Path, capsys) -> None:
    diagnostics = lint(project, CLAUDE_TRIAGE, capsys)
    fixed = apply_fix(CLAUDE_TRIAGE, diagnostics[0])
    assert lint(project, fixed, capsys) == []


def test_llm103_hit_rate_is_an_option(project: Path, capsys) -> None:
    config = """\
    [tool.promptlint.rules.missing-cache-breakpoint]
    hit-rate = 0.5
    """
    diagnostics = lint(project, CLAUDE_TRIAGE, capsys, config=config)
    # 775 reads at $2.70 and 775 writes at -$0.75 per 1M tokens.
    assert savings(diagnostics[0]) == ("claude-sonnet-4-5", 1550, 1.51125)
    assert diagnostics[0]["savings"]["assumptions"][0].startswith("50% of calls read the prefix")
    config = """\
    [tool.promptlint.rules.missing-cache-breakpoint]
    hit-rate = 0.2
    """
    assert lint(project, CLAUDE_TRIAGE, capsys, config=config) == []  # caching would cost more


def test_llm103_adds_the_marker_to_the_last_literal_block(project: Path, capsys) -> None:
    source = (
        HEADER
        + """
def triage(notice: str) -> str:
    return claude.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=600,
        system=[
            {"type": "text", "text": "You triage claims."},
            {'type': 'text', 'text': MANUAL},
        ],
        messages=[{"role": "user", "content": notice}],
    )
"""
    )
    diagnostics = lint(project, source, capsys)
    assert [(d["code"], d["line"], d["column"]) for d in diagnostics] == [("LLM103", 16, 16)]
    assert diagnostics[0]["fix"]["description"] == "Add `cache_control` to the last block"
    assert apply_fix(source, diagnostics[0]) == textwrap.dedent(source).replace(
        "{'type': 'text', 'text': MANUAL}",
        "{'type': 'text', 'text': MANUAL, 'cache_control': {'type': 'ephemeral'}}",
    )


def test_llm103_gpt56_needs_an_explicit_breakpoint(project: Path, capsys) -> None:
    source = (
        HEADER
        + """
def triage(notice: str) -> str:
    return client.chat.completions.create(
        model="gpt-5.6-sol",
        max_completion_tokens=600,
        messages=[{"role": "system", "content": MANUAL}, {"role": "user", "content": notice}],
    )


def triage_responses(notice: str) -> str:
    return client.responses.create(
        model="gpt-5.6-sol",
        instructions=MANUAL,
        input=[{"role": "user", "content": notice}],
        max_output_tokens=600,
    )


def triage_old_model(notice: str) -> str:
    return client.chat.completions.create(
        model="gpt-5.5",
        max_completion_tokens=600,
        messages=[{"role": "system", "content": MANUAL}, {"role": "user", "content": notice}],
    )
"""
    )
    diagnostics = lint(project, source, capsys)
    message = (
        "`client.chat.completions.create` sends a 1,476-token static prefix to `gpt-5.6-sol` with no "
        "`prompt_cache_breakpoint`: requests that differ after it never read it from the cache"
    )
    assert found(diagnostics) == [
        ("LLM103", 16, 49, message),
        ("LLM103", 23, 22, message.replace("chat.completions", "responses")),
    ]
    # 1,328 reads at $5.00 - $0.50 and 148 writes at $6.25 - $5.00 per 1M tokens; gpt-5.5 caches on its own.
    assert savings(diagnostics[0]) == ("gpt-5.6-sol", 1476, 5.791)
    assert apply_fix(source, diagnostics[0]) == textwrap.dedent(source).replace(
        '[{"role": "system", "content": MANUAL}, {"role": "user", "content": notice}],\n    )\n\n\ndef triage_r',
        '[{"role": "system", "content": [{"type": "text", "text": MANUAL, "prompt_cache_breakpoint": '
        '{"mode": "explicit"}}]}, {"role": "user", "content": notice}],\n    )\n\n\ndef triage_r',
    )
    assert diagnostics[1]["fix"] is None  # `instructions` cannot carry a breakpoint


@pytest.mark.parametrize(
    "call",
    [
        # top-level automatic caching
        'claude.messages.create(model="claude-sonnet-4-5", max_tokens=9, cache_control={"type": "ephemeral"}, '
        'system=MANUAL, messages=[{"role": "user", "content": notice}])',
        # a marker on a message
        'claude.messages.create(model="claude-sonnet-4-5", max_tokens=9, system=MANUAL, messages=[{"role": '
        '"user", "content": [{"type": "text", "text": notice, "cache_control": {"type": "ephemeral"}}]}])',
        # a minimum of 4,096 tokens
        'claude.messages.create(model="claude-haiku-4-5", max_tokens=9, system=MANUAL, '
        'messages=[{"role": "user", "content": notice}])',
        # the model is not known: the largest minimum is assumed
        "claude.messages.create(model=model, max_tokens=9, system=MANUAL, "
        'messages=[{"role": "user", "content": notice}])',
        # tools from elsewhere may carry a marker
        'claude.messages.create(model="claude-sonnet-4-5", max_tokens=9, tools=TOOLS, system=MANUAL, '
        'messages=[{"role": "user", "content": notice}])',
        # a mapping may carry `cache_control`
        'claude.messages.create(model="claude-sonnet-4-5", max_tokens=9, system=MANUAL, '
        'messages=[{"role": "user", "content": notice}], **options)',
        # OpenAI before gpt-5.6 caches on its own
        'client.chat.completions.create(model="gpt-4.1", max_completion_tokens=9, '
        'messages=[{"role": "system", "content": MANUAL}, {"role": "user", "content": notice}])',
    ],
)
def test_llm103_is_silent_when_a_breakpoint_may_exist_or_caching_is_automatic(
    project: Path, capsys, call: str
) -> None:
    source = HEADER + (
        "from app_tools import TOOLS\n\n\n"
        "def triage(model, notice: str, blocks, **options):\n"
        f"    return {call}\n"
    )
    assert lint(project, source, capsys) == []


def test_llm103_is_silent_when_the_messages_are_marked_elsewhere(project: Path, capsys) -> None:
    source = (
        HEADER
        + """
def helper_marks(notice: str, mark) -> str:
    messages = [{"role": "user", "content": notice}]
    mark(messages)
    return claude.messages.create(model="claude-sonnet-4-5", max_tokens=9, system=MANUAL, messages=messages)


def marked_in_place(notice: str) -> str:
    messages = [{"role": "user", "content": [{"type": "text", "text": notice}]}]
    messages[-1]["content"][-1]["cache_control"] = {"type": "ephemeral"}
    return claude.messages.create(model="claude-sonnet-4-5", max_tokens=9, system=MANUAL, messages=messages)


def marked_in_a_loop(notice: str) -> str:
    messages = [{"role": "user", "content": [{"type": "text", "text": notice}]}]
    for message in messages:
        message["content"][-1]["cache_control"] = {"type": "ephemeral"}
    return claude.messages.create(model="claude-sonnet-4-5", max_tokens=9, system=MANUAL, messages=messages)
"""
    )
    assert lint(project, source, capsys) == []


@pytest.mark.parametrize("parameter", ["notice", "notice: Any", "notice: list"])
def test_llm103_judges_the_prefix_before_an_untyped_user_content_parameter(
    project: Path, capsys, parameter: str
) -> None:
    source = CLAUDE_TRIAGE.replace(
        "def triage(notice: str)", f"from typing import Any\n\n\ndef triage({parameter})"
    )
    diagnostics = lint(project, source, capsys)
    assert [(d["code"], d["line"], d["column"]) for d in diagnostics] == [("LLM103", 19, 16)]
    assert savings(diagnostics[0]) == ("claude-sonnet-4-5", 1550, 3.65025)


@pytest.mark.parametrize(
    "messages",
    [
        '[*history, {"role": "user", "content": notice}]',
        "[notice]",
        '[{"role": "user", "content": notice}, *history]',
        'history + [{"role": "user", "content": notice}]',
    ],
)
def test_llm103_silent_when_the_message_list_may_be_marked_elsewhere(
    project: Path, capsys, messages: str
) -> None:
    source = HEADER + (
        "\n\ndef triage(notice, history):\n"
        "    return claude.messages.create(\n"
        f'        model="claude-sonnet-4-5", max_tokens=600, system=MANUAL, messages={messages}\n'
        "    )\n"
    )
    assert lint(project, source, capsys) == []
