"""The caching rules: LLM102 volatile-prefix, LLM103 missing-cache-breakpoint, LLM105 below-cache-minimum.

Each test lints a small project (a source file and the prompt files it reads) and pins the exact codes,
positions, messages, savings and fixed source; the extraction facts the rules rely on are tested at the end.
"""

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
from promptlint.models import load_model_table
from promptlint.rule import SavingsBasis
from promptlint.savings import price

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


# -- LLM102 volatile-prefix ------------------------------------------------------------------------------------


def test_llm102_clock_before_the_manual_in_a_single_turn_request(project: Path, capsys) -> None:
    diagnostics = lint(
        project,
        HEADER
        + """
def triage(notice: str) -> str:
    system = f"Clock: {datetime.now():%H:%M:%S}\\n\\n{MANUAL}"
    reply = client.chat.completions.create(
        model="gpt-4.1-mini",
        max_completion_tokens=300,
        messages=[{"role": "system", "content": system}, {"role": "user", "content": notice}],
    )
    return reply.choices[0].message.content
""",
        capsys,
    )
    assert found(diagnostics) == [
        (
            "LLM102",
            13,
            24,
            "`datetime.now()` changes on every call but sits in the system prompt: 1,480 tokens of static "
            "prompt are never served from the prompt cache",
        )
    ]
    # 1,480 tokens at gpt-4.1-mini's input price ($0.40/M) instead of its cache-read price ($0.10/M).
    assert savings(diagnostics[0]) == ("gpt-4.1-mini", 1480, 0.444)
    assert diagnostics[0]["fix"] is None


def test_llm102_clock_inside_a_cached_claude_prefix_with_history(project: Path, capsys) -> None:
    diagnostics = lint(
        project,
        HEADER
        + """
def chat(history: list, message: str) -> str:
    stamp = datetime.now().isoformat()
    reply = claude.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=500,
        system=[{"type": "text", "text": f"Now: {stamp}. {MANUAL}", "cache_control": {"type": "ephemeral"}}],
        messages=[*history, {"role": "user", "content": message}],
    )
    return reply.content[0].text
""",
        capsys,
    )
    assert found(diagnostics) == [
        (
            "LLM102",
            17,
            50,
            "`stamp` changes on every call but sits in the system prompt: 1,554 tokens of static prompt and "
            "the conversation history after it are never served from the prompt cache",
        )
    ]
    assert diagnostics[0]["savings"]["assumptions"][:2] == [
        "every call after the first hits the cache (upper bound); cache writes not counted",
        "the conversation history after it is not counted: its length is not known",
    ]


def test_llm102_only_history_after_a_developer_clock_is_not_priced(project: Path, capsys) -> None:
    diagnostics = lint(
        project,
        HEADER
        + """
def chat(history: list, message: str) -> str:
    reply = client.chat.completions.create(
        model="gpt-4.1-mini",
        max_completion_tokens=300,
        messages=[
            {"role": "system", "content": MANUAL},
            {"role": "developer", "content": f"Time: {datetime.now():%H:%M}"},
            *history,
            {"role": "user", "content": message},
        ],
    )
    return reply.choices[0].message.content
""",
        capsys,
    )
    assert found(diagnostics) == [
        (
            "LLM102",
            18,
            55,
            "`datetime.now()` changes on every call but sits in a developer message: the conversation "
            "history after it is never served from the prompt cache",
        )
    ]
    assert diagnostics[0]["savings"] is None


def test_llm102_request_id_from_headers_and_tool_description(project: Path, capsys) -> None:
    diagnostics = lint(
        project,
        HEADER
        + """
def handle(headers: dict, message: str) -> str:
    reply = client.responses.create(
        model="gpt-4.1",
        instructions=f"Request {headers['X-Request-ID']}.\\n{MANUAL}",
        input=message,
        max_output_tokens=300,
    )
    return reply.output_text


def plan(question: str) -> str:
    tools = [{"type": "function", "function": {"name": "departures", "description": f"After {datetime.now():%H:%M}."}}]
    reply = client.chat.completions.create(
        model="gpt-4.1",
        max_completion_tokens=300,
        tools=tools,
        messages=[{"role": "system", "content": MANUAL}, {"role": "user", "content": question}],
    )
    return reply.choices[0].message.content
""",
        capsys,
    )
    assert found(diagnostics) == [
        (
            "LLM102",
            15,
            33,
            "`headers['X-Request-ID']` changes on every call but sits in `instructions`: 1,479 tokens of "
            "static prompt are never served from the prompt cache",
        ),
        (
            "LLM102",
            23,
            94,
            "`datetime.now()` changes on every call but sits in the tool definitions: 1,491 tokens of static "
            "prompt are never served from the prompt cache",
        ),
    ]


@pytest.mark.parametrize(
    "body",
    [
        # at the end of the last user message
        'messages=[{"role": "system", "content": MANUAL}, *history, '
        '{"role": "user", "content": f"{message} ({datetime.now():%H:%M})"}]',
        # the date, not the time
        'messages=[{"role": "system", "content": f"{date.today()}: {MANUAL}"}, *history, '
        '{"role": "user", "content": message}]',
        # closing a single-turn system prompt: only the question follows
        'messages=[{"role": "system", "content": f"{MANUAL} Now: {datetime.now():%H:%M}"}, '
        '{"role": "user", "content": message}]',
        # a short prompt: nothing is cacheable with or without the clock
        'messages=[{"role": "system", "content": f"Now: {datetime.now():%H:%M}. Be brief."}, '
        '{"role": "user", "content": message}]',
    ],
)
def test_llm102_is_silent_where_the_value_costs_nothing(project: Path, capsys, body: str) -> None:
    source = HEADER + (
        "\n\ndef chat(history: list, message: str) -> str:\n"
        f'    return client.chat.completions.create(model="gpt-4.1-mini", max_completion_tokens=9, {body})\n'
    )
    assert lint(project, source, capsys) == []


def test_llm102_is_silent_after_the_last_claude_breakpoint(project: Path, capsys) -> None:
    source = (
        HEADER
        + """
def chat(history: list, message: str) -> str:
    return claude.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=500,
        system=[
            {"type": "text", "text": MANUAL, "cache_control": {"type": "ephemeral"}},
            {"type": "text", "text": f"Now: {datetime.now():%H:%M:%S}"},
        ],
        messages=[*history, {"role": "user", "content": message}],
    )
"""
    )
    assert lint(project, source, capsys) == []


def test_llm101_keeps_per_request_values_and_per_call_values_in_the_last_message(
    project: Path, capsys
) -> None:
    diagnostics = lint(
        project,
        HEADER
        + """
def first(name: str, message: str) -> str:
    return client.chat.completions.create(
        model="gpt-4.1-mini",
        max_completion_tokens=9,
        messages=[{"role": "system", "content": f"{name} {datetime.now():%H:%M} {MANUAL}"},
                  {"role": "user", "content": message}],
    )


def last(message: str) -> str:
    return client.chat.completions.create(
        model="gpt-4.1-mini",
        max_completion_tokens=9,
        messages=[{"role": "user", "content": f"Sent {datetime.now():%H:%M}. {MANUAL}\\n{message}"}],
    )
""",
        capsys,
    )
    assert [(d["code"], d["line"], d["column"]) for d in diagnostics] == [
        ("LLM101", 16, 52),
        ("LLM101", 25, 55),
    ]


# -- LLM103 missing-cache-breakpoint ---------------------------------------------------------------------------

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
        # the content of the user message may be blocks with a marker
        'claude.messages.create(model="claude-sonnet-4-5", max_tokens=9, system=MANUAL, '
        'messages=[{"role": "user", "content": blocks}])',
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


# -- LLM105 below-cache-minimum --------------------------------------------------------------------------------

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


# -- savings: the cache-write premium --------------------------------------------------------------------------


def test_cache_write_tokens_are_priced_as_a_premium_over_input() -> None:
    table = load_model_table()
    basis = SavingsBasis(model="claude-sonnet-4-5", cached_tokens=900, cache_write_tokens=100)
    priced = price(basis, table, None)
    # 900 x ($3.00 - $0.30) - 100 x ($3.75 - $3.00), per 1M tokens.
    assert (priced.tokens_per_call, priced.usd_per_call) == (1000, 0.002355)
    # Where writes cost the input price (OpenAI before gpt-5.6), they cost nothing extra.
    basis = SavingsBasis(model="gpt-4.1", cached_tokens=900, cache_write_tokens=100)
    assert price(basis, table, None).usd_per_call == 0.00135
    # A model without a cache-write price is unpriced, never guessed.
    overrides = {"my-model": {"provider": "anthropic", "input": 1.0, "cache-read": 0.1}}
    basis = SavingsBasis(model="my-model", cached_tokens=900, cache_write_tokens=100)
    assert price(basis, load_model_table(overrides), None).usd_per_call is None


# -- extraction facts the caching rules rely on ----------------------------------------------------------------


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


def test_llm102_breakpoint_semantics_decide_what_is_lost(project: Path, capsys) -> None:
    source = (
        HEADER
        + """
def chat(history: list, message: str, model: str) -> str:
    return client.chat.completions.create(
        model="gpt-4.1",
        max_completion_tokens=9,
        messages=[
            {"role": "system", "content": f"{MANUAL}\\nNow: {datetime.now():%H:%M:%S}"},
            *history,
            {"role": "user", "content": message},
        ],
    )


def tool_marked(message: str) -> str:
    return claude.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=9,
        tools=[{"name": "lookup", "description": "Find a claim.", "cache_control": {"type": "ephemeral"}}],
        system=f"Now: {datetime.now():%H:%M:%S}\\n{MANUAL}",
        messages=[{"role": "user", "content": message}],
    )
"""
    )
    diagnostics = lint(project, source, capsys)
    # gpt-4.1 caches the manual before the clock on its own: only the history after it is lost.
    assert found(diagnostics) == [
        (
            "LLM102",
            17,
            61,
            "`datetime.now()` changes on every call but sits in the system prompt: the conversation history "
            "after it is never served from the prompt cache",
        )
    ]
    # gpt-5.6 caches only at breakpoints, and its implicit one sits after the clock: the manual is lost too.
    diagnostics = lint(project, source.replace('"gpt-4.1"', '"gpt-5.6-terra"'), capsys)
    assert [d["message"] for d in diagnostics] == [
        "`datetime.now()` changes on every call but sits in the system prompt: 1,479 tokens of static prompt "
        "and the conversation history after it are never served from the prompt cache"
    ]
    # The tool's breakpoint, before the clock, is the only one: nothing after the clock is cached anyway.
    assert [d["line"] for d in diagnostics] == [17]
