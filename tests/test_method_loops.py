"""Loops through methods of known objects (issue 13, item 6): a loop that calls a method of an object whose
class is known (``bot.reply(history)``, ``self.assistant.reply(...)``, a parameter every caller passes an
instance for), of the module or of another one, and that method makes the request, is that request's loop:
LLM303 and LLM502 report at the caller, with the SDK call as the related location."""

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
class Bot:
    def reply(self, messages):
        r = client.chat.completions.create(model="gpt-4o", messages=messages, max_tokens=50)
        return r.choices[0].message.content
class Fake:
    def reply(self, messages):
        return messages[-1]
"""

_VIA_REPLY = "5:13 request `client.chat.completions.create` made in `reply()`"


def lint(tmp_path: Path, body: str, capsys: pytest.CaptureFixture) -> List[Tuple[str, int, int, str]]:
    """(code, line, column, related) of the LLM303/LLM501/LLM502 findings on ``app.py`` (the prelude, then
    ``body``)."""
    (tmp_path / "app.py").write_text(_PRELUDE + textwrap.dedent(body), encoding="utf-8")
    main(
        [
            "check",
            "--no-cache",
            "--output-format",
            "json",
            "--select",
            "LLM303,LLM501,LLM502",
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


def test_a_loop_calling_a_method_of_a_constructed_object_is_the_requests_loop(tmp_path: Path, capsys) -> None:
    body = """
        bot = Bot()
        def chat():
            history = []
            while True:
                history.append({"role": "user", "content": input()})
                history.append({"role": "assistant", "content": bot.reply(history)})
        def research(goal):
            notes = [goal]
            while True:
                r = bot.reply(notes)
                if "DONE" in r:
                    return r
                notes.append(r)
    """
    assert lint(tmp_path, body, capsys) == [
        ("LLM303", 16, 67, _VIA_REPLY),
        ("LLM502", 20, 13, _VIA_REPLY),
        ("LLM303", 20, 23, _VIA_REPLY),
    ]


def test_an_attribute_a_parameter_and_a_helper_on_the_way(tmp_path: Path, capsys) -> None:
    body = """
        class Session:
            def __init__(self):
                self.assistant = Bot()
            def loop(self):
                history = []
                while True:
                    history.append(input())
                    history.append(self.assistant.reply(history))
            def _step(self, messages):
                return self.assistant.reply(messages)
            def run(self, goal):
                notes = [goal]
                while True:
                    r = self._step(notes)
                    if "DONE" in r:
                        return r
                    notes.append(r)
        def passed(b):
            history = []
            while True:
                history.append(input())
                history.append(b.reply(history))
                run_script(history[-1], b)  # handed on: still the same object
        def run_script(text, b):
            return text
        passed(Bot())
    """
    assert lint(tmp_path, body, capsys) == [
        ("LLM303", 18, 49, _VIA_REPLY),
        ("LLM502", 24, 17, _VIA_REPLY),
        ("LLM303", 24, 28, _VIA_REPLY),
        ("LLM303", 32, 32, _VIA_REPLY),
    ]


def test_look_alikes_stay_silent(tmp_path: Path, capsys) -> None:
    body = """
        from twilio.rest import Client
        bot = Bot()
        fake = Fake()
        texts = Client()
        def same_name():
            history = []
            while True:
                history.append(input())
                history.append(fake.reply(history))
        def unknown(obj):
            history = []
            while True:
                history.append(input())
                history.append(obj.reply(history))
        def reset():
            while True:
                history = [{"role": "user", "content": input()}]
                print(bot.reply(history))
        def capped(goal):
            notes = [goal]
            for _ in range(5):
                r = bot.reply(notes)
                if "DONE" in r:
                    return r
                notes.append(r)
        def disagreed(b):
            history = []
            while True:
                history.append(input())
                history.append(b.reply(history))
        disagreed(Bot())
        disagreed(Fake())
        def sms(history):
            while True:
                history.append(input())
                texts.messages.create(body=str(history), to="+1555", from_="+1556")
    """
    assert lint(tmp_path, body, capsys) == []


def _project(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.promptlint]\n")
    (tmp_path / "desk").mkdir()
    (tmp_path / "desk" / "__init__.py").write_text("")
    (tmp_path / "desk" / "llm.py").write_text(_PRELUDE)
    (tmp_path / "desk" / "chat.py").write_text(
        textwrap.dedent(
            """\
            from desk.llm import Bot

            def desk(bot):  # named as the package its import names: that name is no use of the function
                history = []
                while True:
                    history.append(input())
                    history.append(bot.reply(history))

            def main():
                bot = Bot()
                desk(bot)
            """
        )
    )


def test_a_class_of_another_module_one_file_run(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    _project(tmp_path)
    monkeypatch.chdir(tmp_path)
    main(["check", "--no-cache", "--output-format", "json", "--select", "LLM303,LLM502", "desk/chat.py"])
    document = json.loads(capsys.readouterr().out)
    found = [(d["code"], d["line"], d["column"], d["related"]) for d in document["diagnostics"]]
    related = [
        {
            "path": str(Path("desk") / "llm.py"),
            "line": 5,
            "column": 13,
            "message": "request `client.chat.completions.create` made in `reply()`",
        }
    ]
    assert found == [("LLM303", 7, 34, related)]


def test_changing_the_class_module_invalidates_the_callers_cached_result(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    _project(tmp_path)
    monkeypatch.chdir(tmp_path)

    def lines() -> List[Tuple[str, int]]:
        main(["check", "--output-format", "json", "--select", "LLM303", "desk/chat.py"])
        return [(d["code"], d["line"]) for d in json.loads(capsys.readouterr().out)["diagnostics"]]

    assert lines() == [("LLM303", 7)]
    assert lines() == [("LLM303", 7)]  # served warm
    llm = tmp_path / "desk" / "llm.py"
    llm.write_text(
        llm.read_text().replace(
            "    def reply(self, messages):\n        r =",
            "    def reply(self, messages):\n        del messages[:-6]\n        r =",
            1,
        )
    )
    assert lines() == []  # the method now trims what it is given
