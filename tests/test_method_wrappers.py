"""Methods of the project's classes as wrappers: a call on an instance whose class is known (built in
``__init__``, locally, or annotated), or of a static method on the class, is the request the method sends,
reported at the caller; a method of a class that is not known, or that a subclass may redefine, is not."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from promptlint.cli import main
from tests.test_fixtures import run_cli

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def _report(*paths: str, select: str = "LLM101") -> list:
    result = run_cli("check", "--output-format", "json", "--select", select, *paths)
    return json.loads(result.stdout)["diagnostics"]


def test_each_way_of_knowing_the_instance_reports_at_its_caller() -> None:
    diagnostics = _report("fixtures/LLM101/wrapper_methods.py")
    assert [(d["line"], d["column"], [r["line"] for r in d["related"]]) for d in diagnostics] == [
        (46, 44, [18]),
        (54, 28, [18]),
        (55, 28, [18]),
        (56, 30, [28]),
    ]
    assert diagnostics[0]["related"] == [
        {
            "path": "fixtures/LLM101/wrapper_methods.py",
            "line": 18,
            "column": 19,
            "message": "sent through `Claude.reply()`",
        }
    ]


def test_look_alike_methods_send_nothing() -> None:
    assert _report("fixtures/LLM101/negative_wrapper_methods.py", select="ALL") == []


APP = """\
from openai import OpenAI


class Chat:
    def __init__(self):
        self.client = OpenAI()

    def ask(self, prompt, max_tokens=None):
        reply = self.client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": prompt}], max_tokens=max_tokens
        )
        return reply.choices[0].message.content


class Screen:
    def __init__(self):
        self.chat = Chat()

    def show(self):
        return self.chat.ask("Hello") + self.chat.ask("Hello", 64)
"""


def test_a_method_that_takes_the_cap_is_reported_at_the_caller_that_passes_none(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(APP, encoding="utf-8")
    result = run_cli("check", "--output-format", "json", "--select", "LLM201", "app.py", cwd=tmp_path)
    (diagnostic,) = json.loads(result.stdout)["diagnostics"]
    assert (diagnostic["line"], diagnostic["column"]) == (20, 16)
    assert diagnostic["message"] == (
        "`Chat.ask()` is called without `max_tokens`: the request it sends sets no output limit and is bounded"
        " only by the model maximum (16,384 tokens for `gpt-4o`)"
    )
    assert diagnostic["related"] == [
        {"path": "app.py", "line": 9, "column": 17, "message": "sent through `Chat.ask()`"}
    ]


@pytest.fixture
def copied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(FIXTURES / "project", tmp_path / "project")
    (tmp_path / "pyproject.toml").write_text("[tool.promptlint]\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


def test_a_class_of_another_module_kept_on_the_instance(copied: Path, capsys) -> None:
    main(["check", "--output-format", "json", "--select", "LLM101", "project/helpdesk/assistant_desk.py"])
    (diagnostic,) = json.loads(capsys.readouterr().out)["diagnostics"]
    assert (diagnostic["line"], diagnostic["column"]) == (16, 54)
    assert diagnostic["related"] == [
        {
            "path": "project/helpdesk/assistant.py",
            "line": 13,
            "column": 20,
            "message": "sent through `Assistant.reply()`",
        }
    ]


def test_changing_the_class_module_invalidates_the_callers_cached_result(copied: Path, capsys) -> None:
    def lines() -> list:
        main(["check", "--output-format", "json", "--select", "LLM101", "project/helpdesk/assistant_desk.py"])
        return [d["line"] for d in json.loads(capsys.readouterr().out)["diagnostics"]]

    assert lines() == [16]
    assert lines() == [16]  # served warm
    assistant = copied / "project" / "helpdesk" / "assistant.py"
    assistant.write_text(
        assistant.read_text(encoding="utf-8").replace('"content": system}', '"content": "Be brief."}'),
        encoding="utf-8",
    )
    assert lines() == []
