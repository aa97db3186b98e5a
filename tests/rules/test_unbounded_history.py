"""Moved from tests/test_rules_context_loops.py (batch file dissolved into one file per rule or concern)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import List, Optional

import pytest

from promptlint.cli import main

ROOT = Path(__file__).resolve().parents[2]


GROUP = "LLM302,LLM303,LLM501,LLM502"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


def lint(
    project: Path, source: str, capsys, select: str = GROUP, config: str = "", name: str = "app.py"
) -> List[dict]:
    path = project / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    if config:
        (project / "pyproject.toml").write_text(textwrap.dedent(config), encoding="utf-8")
    main(["check", "--no-cache", "--output-format", "json", "--select", select, name])
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


HISTORY_MESSAGE = (
    "`{name}` grows on every iteration of a {loop} and `{callee}` re-sends all of it: "
    "input tokens grow with the square of the turns"
)


CHAT_HEADER = """\
from anthropic import Anthropic

claude = Anthropic()

"""


def test_llm303_points_at_the_resent_list_and_prices_a_session(project: Path, capsys) -> None:
    diagnostics = lint(
        project,
        CHAT_HEADER
        + textwrap.dedent(
            """\
            def chat():
                history = []
                while True:
                    history.append({"role": "user", "content": input("> ")})
                    reply = claude.messages.create(model="claude-haiku-4-5", max_tokens=300, messages=history)
                    history.append({"role": "assistant", "content": reply.content[0].text})
            """
        ),
        capsys,
        select="LLM303",
    )
    message = HISTORY_MESSAGE.format(
        name="history", loop="`while True:` loop", callee="claude.messages.create"
    )
    assert found(diagnostics) == [("LLM303", 9, 91, message)]
    # 20 turns of 300 tokens against a window of 8: (210 - 132) x 300 / 20 = 1,170 tokens per call at
    # claude-haiku-4-5's input price ($1 per 1M).
    assert savings(diagnostics[0]) == ("claude-haiku-4-5", 1170, 1.17)


def test_llm303_options_change_the_session_model(project: Path, capsys) -> None:
    config = """\
        [tool.promptlint.rules.unbounded-history]
        assumed-turns = 10
        tokens-per-turn = 1000
        keep-turns = 4
    """
    source = CHAT_HEADER + textwrap.dedent(
        """\
        def chat(history):
            for question in iter(input, ""):
                history.append({"role": "user", "content": question})
                reply = claude.messages.create(model="claude-haiku-4-5", max_tokens=300, messages=history)
        """
    )
    [diagnostic] = lint(project, source, capsys, select="LLM303", config=config)
    # (55 - (10 + 6 x 4)) x 1000 / 10 = 2,100 tokens per call.
    assert savings(diagnostic) == ("claude-haiku-4-5", 2100, 2.1)
    assert diagnostic["savings"]["assumptions"][:2] == [
        "assumption: sessions of 10 turns (`assumed-turns`), each adding 1,000 tokens (`tokens-per-turn`)",
        "after the fix: the last 4 turns are kept (`keep-turns`); averaged over the session's calls",
    ]


@pytest.mark.parametrize(
    ("sent", "column"),
    [("messages=history", 91), ("messages=[SYSTEM, *history]", 101), ("messages=history + [NUDGE]", 91)],
)
def test_llm303_recognises_how_the_list_is_sent(project: Path, capsys, sent: str, column: int) -> None:
    source = CHAT_HEADER + textwrap.dedent(
        f"""\
        SYSTEM = {{"role": "user", "content": "Be brief."}}
        NUDGE = {{"role": "user", "content": "Go on."}}

        def chat(history):
            while True:
                history.append({{"role": "user", "content": input("> ")}})
                reply = claude.messages.create(model="claude-haiku-4-5", max_tokens=300, {sent})
        """
    )
    [diagnostic] = lint(project, source, capsys, select="LLM303")
    assert (diagnostic["line"], diagnostic["column"]) == (11, column)


@pytest.mark.parametrize(
    "body",
    [
        "history = history[-8:]",
        "del history[1:3]",
        "history.pop(0)",
        "history.clear()",
        "history[:] = history[-8:]",
        "compact(history)",
        "compact(messages=history)",
    ],
)
def test_llm303_silent_when_the_list_is_trimmed(project: Path, capsys, body: str) -> None:
    source = CHAT_HEADER + textwrap.dedent(
        f"""\
        def chat():
            history = []
            while True:
                history.append({{"role": "user", "content": input("> ")}})
                {body}
                claude.messages.create(model="claude-haiku-4-5", max_tokens=300, messages=history)
        """
    )
    assert lint(project, source, capsys, select="LLM303") == []


@pytest.mark.parametrize(
    "loop",
    ["for _ in range(50):", "for step in ('plan', 'draft', 'review'):", "while len(history) < 40:"],
)
def test_llm303_silent_in_capped_loops(project: Path, capsys, loop: str) -> None:
    source = CHAT_HEADER + textwrap.dedent(
        f"""\
        def chat():
            history = []
            {loop}
                history.append({{"role": "user", "content": "Next step."}})
                claude.messages.create(model="claude-haiku-4-5", max_tokens=300, messages=history)
        """
    )
    assert lint(project, source, capsys, select="LLM303") == []


def test_llm303_silent_when_the_list_is_rebuilt_or_read_only(project: Path, capsys) -> None:
    source = CHAT_HEADER + textwrap.dedent(
        """\
        import logging

        def rebuilt(questions):
            for question in questions:
                history = [{"role": "user", "content": question}]
                history.append({"role": "user", "content": "Answer in one line."})
                claude.messages.create(model="claude-haiku-4-5", max_tokens=30, messages=history)

        def logged_but_growing():
            history = []
            while True:
                history.append({"role": "user", "content": input("> ")})
                logging.info("sending %d messages", len(history))
                claude.messages.create(model="claude-haiku-4-5", max_tokens=30, messages=history)
        """
    )
    # Logging the list's length neither trims nor hands it over: only the second loop grows.
    assert [(d["code"], d["line"]) for d in lint(project, source, capsys, select="LLM303")] == [
        ("LLM303", 18)
    ]


def test_llm303_module_level_history_trimmed_in_a_helper(project: Path, capsys) -> None:
    script = """\
        from openai import OpenAI

        client = OpenAI()
        history = []
        {helper}
        while True:
            history.append({{"role": "user", "content": input("> ")}})
            reply = client.chat.completions.create(model="gpt-5.6-luna", messages=history, max_completion_tokens=9)
            history[-1]["content"] = history[-1]["content"].strip()
    """
    script = textwrap.dedent(script)
    trimmed = script.format(helper="\ndef reset():\n    history.clear()\n")
    assert lint(project, trimmed, capsys, select="LLM303") == []
    growing = script.format(helper="")
    assert [(d["line"], d["column"]) for d in lint(project, growing, capsys, select="LLM303")] == [(8, 75)]


@pytest.mark.parametrize(
    "read",
    [
        "logger.log(logging.DEBUG, history)",
        "print(sorted(history, key=str))",
        "pprint.pprint(history)",
        "print(pprint.pformat(history))",
    ],
)
def test_llm303_calls_that_only_read_the_list_do_not_silence_it(project: Path, capsys, read: str) -> None:
    # One table of non-mutating calls serves both the scope builder (which records a list handed to a
    # helper as "escaped") and the history check: a call in either table only reads the list.
    source = CHAT_HEADER + textwrap.dedent(
        f"""\
        import logging
        import pprint

        logger = logging.getLogger(__name__)

        def chat():
            history = []
            while True:
                history.append({{"role": "user", "content": input("> ")}})
                {read}
                claude.messages.create(model="claude-haiku-4-5", max_tokens=30, messages=history)
        """
    )
    assert [(d["code"], d["line"], d["column"]) for d in lint(project, source, capsys, select="LLM303")] == [
        ("LLM303", 15, 82)
    ]


KEPT_MESSAGE = (
    "`{name}` grows across calls (`{grown_in}` adds to it) and `{callee}` re-sends all of it, never trimmed: "
    "input tokens grow with the square of the turns"
)

CLASS_HEADER = CHAT_HEADER + "SYSTEM = 'You are a help desk.'\n\n\n"


@pytest.mark.parametrize(
    ("grow", "sent", "column", "grown_in"),
    [
        ("self.messages.append({'role': 'user', 'content': q})", "self.messages", 91, "ask"),
        ("self.messages += [{'role': 'user', 'content': q}]", "self.messages.copy()", 91, "ask"),
        (
            "self.messages = self.messages + [{'role': 'user', 'content': q}]",
            "list(self.messages)",
            96,
            "ask",
        ),
        ("self.messages = [*self.messages, {'role': 'user', 'content': q}]", "[*self.messages]", 93, "ask"),
        ("self.note(q)", "self.messages", 91, "note"),
    ],
)
def test_llm303_history_kept_on_the_instance(
    project: Path, capsys, grow: str, sent: str, column: int, grown_in: str
) -> None:
    note = "self.messages.append({'role': 'user', 'content': q})" if grown_in == "note" else "pass"
    source = CLASS_HEADER + textwrap.dedent(
        f"""\
        class Chat:
            def __init__(self):
                self.messages = []

            def note(self, q):
                {note}

            def ask(self, q):
                {grow}
                reply = claude.messages.create(model="claude-haiku-4-5", max_tokens=300, messages={sent})
                return reply.content[0].text
        """
    )
    diagnostics = lint(project, source, capsys, select="LLM303")
    message = KEPT_MESSAGE.format(name="self.messages", grown_in=grown_in, callee="claude.messages.create")
    assert found(diagnostics) == [("LLM303", 17, column, message)]
    assert savings(diagnostics[0]) == ("claude-haiku-4-5", 1170, 1.17)


@pytest.mark.parametrize(
    "elsewhere",
    [
        "self.messages = self.messages[-10:]",
        "del self.messages[1:3]",
        "self.messages.pop(0)",
        "self.messages[:] = []",
        "self.messages = summarise(self.messages)",
        "shrink(self.messages)",
        "if len(self.messages) > 20:\n    self.messages.clear()",
        "history = self.messages\nhistory.remove(history[0])",
    ],
)
def test_llm303_instance_history_trimmed_anywhere_in_the_class(project: Path, capsys, elsewhere: str) -> None:
    source = (
        CLASS_HEADER
        + textwrap.dedent(
            """\
        class Chat:
            def __init__(self):
                self.messages = []

            def ask(self, q):
                self.messages.append({'role': 'user', 'content': q})
                reply = claude.messages.create(model="claude-haiku-4-5", max_tokens=300, messages=self.messages)
                return reply.content[0].text

            def tidy(self):
        """
        )
        + textwrap.indent(elsewhere, " " * 8)
        + "\n"
    )
    assert lint(project, source, capsys, select="LLM303") == []


@pytest.mark.parametrize(
    ("init", "ask"),
    [
        # grown only in __init__
        ("self.messages = []\n        self.messages.append({'role': 'system', 'content': SYSTEM})", ""),
        # rebuilt by the sending method on every call
        (
            "self.messages = []",
            "self.messages = [{'role': 'user', 'content': q}]\n        self.messages.append({})",
        ),
        # another list grows
        ("self.messages = []\n        self.log = []", "self.log.append(q)"),
    ],
)
def test_llm303_instance_lists_that_are_not_kept_histories(
    project: Path, capsys, init: str, ask: str
) -> None:
    source = CLASS_HEADER + textwrap.dedent(
        """\
        class Chat:
            def __init__(self):
                {init}

            def ask(self, q):
                {ask}
                reply = claude.messages.create(model="claude-haiku-4-5", max_tokens=300, messages=self.messages)
                return reply.content[0].text
        """
    ).format(init=init, ask=ask or "pass")
    assert lint(project, source, capsys, select="LLM303") == []


def test_llm303_instance_history_with_a_base_class_of_another_module(project: Path, capsys) -> None:
    source = CLASS_HEADER + textwrap.dedent(
        """\
        from project.base import Base


        class Chat(Base):
            def ask(self, q):
                self.messages.append({'role': 'user', 'content': q})
                reply = claude.messages.create(model="claude-haiku-4-5", max_tokens=300, messages=self.messages)
                return reply.content[0].text
        """
    )
    assert lint(project, source, capsys, select="LLM303") == []
