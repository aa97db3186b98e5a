"""Loops through helpers (issue 13, item 6): a loop that calls a function or method of the module making the
request is that request's loop, read at the caller with the caller's argument for the history it re-sends;
findings are placed at the caller, with the SDK call as their related location."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import List, Tuple

import pytest

from promptlint.cli import main

_PRELUDE = """\
from openai import OpenAI
client = OpenAI()
def ask(messages):
    r = client.chat.completions.create(model="gpt-4o", messages=messages, max_tokens=50)
    return r.choices[0].message.content
"""


def lint(tmp_path: Path, body: str, capsys: pytest.CaptureFixture) -> List[Tuple[str, int, int, str]]:
    """(code, line, column, related) of the LLM303/LLM502 findings on ``app.py`` (the prelude, then ``body``)."""
    (tmp_path / "app.py").write_text(_PRELUDE + textwrap.dedent(body), encoding="utf-8")
    main(
        [
            "check",
            "--no-cache",
            "--output-format",
            "json",
            "--select",
            "LLM303,LLM502",
            str(tmp_path / "app.py"),
        ]
    )
    document = json.loads(capsys.readouterr().out)
    assert document["errors"] == []
    found = []
    for item in document["diagnostics"]:
        related = "; ".join(f"{r['line']}:{r['column']} {r['message']}" for r in item.get("related", []))
        found.append((item["code"], item["line"], item["column"], related))
    return found


_VIA_ASK = "4:9 request `client.chat.completions.create` made in `ask()`"


def test_history_grown_in_the_callers_loop_is_reported_at_the_argument(tmp_path: Path, capsys) -> None:
    body = """
        def chat():
            history = []
            while True:
                history.append({"role": "user", "content": input()})
                history.append({"role": "assistant", "content": ask(history)})
    """
    assert lint(tmp_path, body, capsys) == [("LLM303", 11, 61, _VIA_ASK)]


def test_agent_loop_through_a_method_and_a_function(tmp_path: Path, capsys) -> None:
    body = """
        class Agent:
            def _send(self, convo, *, tag=""):
                return ask(convo)

            def run(self, task):
                convo = [{"role": "user", "content": task}]
                while True:
                    answer = self._send(convo, tag="x")
                    if answer.endswith("FINAL"):
                        return answer
                    convo.append({"role": "assistant", "content": answer})
    """
    assert lint(tmp_path, body, capsys) == [
        ("LLM502", 14, 22, _VIA_ASK),
        ("LLM303", 14, 33, _VIA_ASK),
    ]


def test_three_calls_away_is_followed_and_four_is_not(tmp_path: Path, capsys) -> None:
    body = """
        def one(m):
            return ask(m)
        def two(m):
            return one(m)
        def three(m):
            return two(m)
        def loop_two(notes):
            while True:
                notes.append(two(notes))
        def loop_three(notes):
            while True:
                notes.append(three(notes))
    """
    assert lint(tmp_path, body, capsys) == [("LLM303", 15, 26, _VIA_ASK)]


@pytest.mark.parametrize(
    "body",
    [
        # the helper shortens what it is given
        "def trim(m):\n    del m[:-4]\n    return ask(m)\n",
        "def trim(m):\n    m.pop(0)\n    return ask(m)\n",
        "def trim(m):\n    m = m[-4:]\n    return ask(m)\n",
        "def trim(m):\n    return ask(m[-4:])\n",
        "def trim(m):\n    keep(m)\n    return ask(m)\n",
        # which function runs is not known
        "def trim(m):\n    return ask(m)\ntrim = lambda m: m\n",
        "import functools\n@functools.cache\ndef trim(m):\n    return ask(m)\n",
    ],
)
def test_helpers_that_may_trim_or_may_not_run_are_not_followed(tmp_path: Path, capsys, body: str) -> None:
    loop = """
        def chat():
            history = []
            while True:
                history.append({"role": "user", "content": input()})
                history.append({"role": "assistant", "content": trim(history)})
    """
    assert lint(tmp_path, body + textwrap.dedent(loop), capsys) == []


def test_methods_that_an_override_or_star_arguments_hide_are_not_followed(tmp_path: Path, capsys) -> None:
    body = """
        class Base:
            def send(self, convo):
                return ask(convo)

            def run(self, convo, extra):
                while True:
                    convo.append(self.send(convo))
                    convo.append(self.send(*extra))

        class Echo(Base):
            def send(self, convo):
                return convo[-1]

        def capped(notes):
            for _ in range(3):
                notes.append(ask(notes))

        def again(notes):
            while True:
                notes.append(again(notes))
                ask(notes)
    """
    assert lint(tmp_path, body, capsys) == []


def test_a_function_imported_from_another_module_is_followed_one_call_away(tmp_path: Path, capsys) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "desk").mkdir()
    (tmp_path / "desk" / "__init__.py").write_text("")
    llm = _PRELUDE.replace("def ask(messages)", 'def ask(messages, model="gpt-4o")')
    (tmp_path / "desk" / "llm.py").write_text(
        llm.replace('model="gpt-4o", messages', "model=model, messages")
    )
    (tmp_path / "desk" / "fake.py").write_text("def ask(messages):\n    return messages[-1]\n")
    (tmp_path / "desk" / "app.py").write_text(
        textwrap.dedent(
            """\
            import openai
            from . import llm
            from .fake import ask as fake_ask
            from .llm import ask

            def research(goal):
                notes = [goal]
                while True:
                    reply = ask(notes, model="gpt-4o-mini")
                    if "DONE" in reply:
                        return reply
                    notes.append(reply)

            def chat(history):
                while True:
                    history.append(input())
                    history.append(llm.ask(history))
                    print(fake_ask(history[-1:]))
            """
        )
    )
    main(
        [
            "check",
            "--no-cache",
            "--output-format",
            "json",
            "--select",
            "LLM303,LLM502",
            str(tmp_path / "desk" / "app.py"),
        ]
    )
    document = json.loads(capsys.readouterr().out)
    found = [
        (d["code"], d["line"], d["column"], d["savings"]["model"] if d["savings"] else None, d["related"])
        for d in document["diagnostics"]
    ]
    related = [
        {
            "path": str(tmp_path / "desk" / "llm.py"),
            "line": 4,
            "column": 9,
            "message": "request `client.chat.completions.create` made in `ask()`",
        }
    ]
    assert found == [
        ("LLM502", 9, 17, None, related),
        ("LLM303", 9, 21, "gpt-4o-mini", related),
        ("LLM303", 17, 32, "gpt-4o", related),
    ]


def test_recursion_around_a_helper_with_several_callers(tmp_path: Path, capsys) -> None:
    body = """
        class Agent:
            def run(self, messages):
                reply = ask(messages)
                if reply.startswith("TOOL"):
                    messages.append(reply)
                    return self.run(messages)
                return reply

            def capped(self, messages, depth=0):
                reply = ask(messages)
                if reply.startswith("TOOL") and depth < 3:
                    return self.capped(messages, depth + 1)
                return reply

        def once(text):
            return ask([text])
    """
    assert lint(tmp_path, body, capsys) == [("LLM502", 9, 17, _VIA_ASK)]


def test_changing_the_helpers_module_invalidates_the_callers_cached_result(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.promptlint]\n")
    (tmp_path / "desk").mkdir()
    (tmp_path / "desk" / "__init__.py").write_text("")
    (tmp_path / "desk" / "llm.py").write_text(_PRELUDE)
    (tmp_path / "desk" / "chat.py").write_text(
        "import openai\nfrom .llm import ask\n"
        "def chat(history):\n    while True:\n        history.append(input())\n"
        "        history.append(ask(history))\n"
    )
    monkeypatch.chdir(tmp_path)

    def lines() -> List[Tuple[str, int]]:
        main(["check", "--output-format", "json", "--select", "LLM303", "desk/chat.py"])
        return [(d["code"], d["line"]) for d in json.loads(capsys.readouterr().out)["diagnostics"]]

    assert lines() == [("LLM303", 6)]
    assert lines() == [("LLM303", 6)]  # served warm
    llm = tmp_path / "desk" / "llm.py"
    llm.write_text(
        llm.read_text().replace("def ask(messages):\n", "def ask(messages):\n    del messages[:-6]\n")
    )
    assert lines() == []  # the helper now trims what it is given
