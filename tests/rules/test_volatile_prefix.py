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

# The saving of a finding where only the conversation history is lost.
HISTORY_UNPRICED = {
    "model": "gpt-4.1-mini",
    "tokens_per_call": 0,
    "usd_per_call": None,
    "usd_per_1k_calls": None,
    "usd_per_month": None,
    "assumptions": [
        "the conversation history after it is billed at the full input price on every turn; its length is "
        "not known statically"
    ],
    "kind": "expected",
    "unpriced_reason": "history-unknown",
}


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
    # Only the history is lost: unpriced, with the reason (its length is not known), never a guess.
    assert diagnostics[0]["savings"] == HISTORY_UNPRICED


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


TURN_LOOP = (
    HEADER
    + """
def agent(task: str) -> str:
    history = [{"role": "user", "content": task}]
    for step in range(10):
        response = client.chat.completions.create(
            model="gpt-4.1-mini",
            max_completion_tokens=300,
            messages=[{"role": "system", "content": SYSTEM}, *history],
        )
        reply = response.choices[0].message.content
        history.append({"role": "assistant", "content": reply})
        history.append({"role": "user", "content": "Continue."})
    return reply
"""
)


def test_llm102_a_loop_counter_ahead_of_the_resent_history_is_unpriced(project: Path, capsys) -> None:
    source = TURN_LOOP.replace("SYSTEM", 'f"Step {step}. Be brief."')
    diagnostics = lint(project, source, capsys)
    assert found(diagnostics) == [
        (
            "LLM102",
            18,
            61,
            "`step` changes on every turn (it is the variable of the loop that re-sends the history) but "
            "sits in the system prompt: the conversation history after it is never served from the prompt "
            "cache",
        )
    ]
    assert diagnostics[0]["savings"] == HISTORY_UNPRICED


def test_llm102_owns_a_turn_value_before_a_long_manual_and_prices_the_manual(project: Path, capsys) -> None:
    # LLM101 would report `len(history)` as a per-request value before the manual; it is LLM102's, once.
    source = TURN_LOOP.replace("SYSTEM", 'f"{len(history)} messages so far.\\n\\n{MANUAL}"')
    diagnostics = lint(project, source, capsys)
    assert [(d["code"], d["line"], d["column"]) for d in diagnostics] == [("LLM102", 18, 56)]
    message = diagnostics[0]["message"]
    assert message.startswith(
        "`len(history)` changes on every turn (it grows with the history re-sent after it) but sits in the "
        "system prompt: "
    )
    assert message.endswith(
        "tokens of static prompt and the conversation history after it are never served from the prompt cache"
    )
    assert diagnostics[0]["savings"]["unpriced_reason"] is None
    assert diagnostics[0]["savings"]["tokens_per_call"] > 1000


@pytest.mark.parametrize(
    "system, last",
    [
        ("SYSTEM_TEXT", '"Continue."'),  # the same system prompt every turn
        ("SYSTEM_TEXT", 'f"Continue (step {step})."'),  # the counter after the history
        ('f"Today is {date.today():%A %d %B %Y}. Be brief."', '"Continue."'),  # changes once a day
    ],
)
def test_llm102_turn_lookalikes_stay_silent(project: Path, capsys, system: str, last: str) -> None:
    source = TURN_LOOP.replace("SYSTEM", system).replace('"Continue."', last)
    source = source.replace("client = OpenAI()", 'client = OpenAI()\nSYSTEM_TEXT = "Be brief."')
    assert found(lint(project, source, capsys)) == []


def test_llm102_a_history_rebuilt_on_every_iteration_is_not_resent(project: Path, capsys) -> None:
    source = (
        HEADER
        + """
def ask_each(questions: list) -> None:
    for number, question in enumerate(questions):
        history = []
        history.append({"role": "user", "content": question})
        client.chat.completions.create(
            model="gpt-4.1-mini",
            max_completion_tokens=300,
            messages=[{"role": "system", "content": f"Question {number}. Be brief."}] + history,
        )
"""
    )
    assert found(lint(project, source, capsys)) == []


def test_llm102_an_attribute_the_method_increments_is_a_turn_value(project: Path, capsys) -> None:
    source = (
        HEADER
        + """
class Tutor:
    def __init__(self, subject: str) -> None:
        self.history = []
        self.subject = subject
        self.turn = 0

    def answer(self, question: str) -> str:
        self.turn += 1
        del self.history[:-20]
        self.history.append({"role": "user", "content": question})
        response = client.chat.completions.create(
            model="gpt-4.1-mini",
            max_completion_tokens=300,
            messages=[{"role": "system", "content": f"{self.subject}, turn {self.turn}."}] + self.history,
        )
        return response.choices[0].message.content
"""
    )
    assert found(lint(project, source, capsys)) == []  # trimmed: not a kept history, nothing is re-sent whole
    grown = source.replace("        del self.history[:-20]\n", "")
    assert [(d["code"], d["line"], d["column"]) for d in lint(project, grown, capsys)] == [("LLM102", 24, 77)]
