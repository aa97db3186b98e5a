"""Wrappers of wrappers: a prompt is bound through each level (``top()`` -> ``ask()`` -> ``_complete()``
-> the SDK) and reported where the outermost caller writes it, every wrapper listed as related; recursion,
``*args`` at a caller and a parameter rebound in a wrapper leave it unknown."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from promptlint.cli import main
from tests.test_fixtures import run_cli

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
POLICY = "You are the support assistant of Acme. Follow the refund policy in every answer.\n" * 150

APP = f"""\
from openai import OpenAI

client = OpenAI()
POLICY = {POLICY!r}


def _complete(system: str, question: str, model: str = "gpt-4o") -> str:
    reply = client.chat.completions.create(
        model=model,
        max_tokens=512,
        messages=[{{"role": "system", "content": system}}, {{"role": "user", "content": question}}],
    )
    return reply.choices[0].message.content


def ask(system: str, question: str) -> str:
    return _complete(system, question, "gpt-4o-mini")


def top(system, question):
    return ask(system, question)


def retried(system, question, tries=2):
    if tries:
        return retried(system, question, tries - 1)
    return ask(system, question)


def tidied(system, question):
    system = system.strip()
    return ask(system, question)


def answer(user, question: str, parts: list) -> None:
    top(f"The user is {{user.name}}.\\n" + POLICY, question)
    retried(f"The user is {{user.name}}.\\n" + POLICY, question)
    tidied(f"The user is {{user.name}}.\\n" + POLICY, question)
    top(*parts)
"""


def _diagnostics(tmp_path: Path) -> list:
    (tmp_path / "app.py").write_text(APP, encoding="utf-8")
    result = run_cli("check", "--output-format", "json", "--select", "LLM101", "app.py", cwd=tmp_path)
    return json.loads(result.stdout)["diagnostics"]


def test_a_prompt_is_bound_through_three_levels_and_reported_once_at_the_outermost_caller(
    tmp_path: Path,
) -> None:
    diagnostics = _diagnostics(tmp_path)
    assert [(d["line"], d["column"]) for d in diagnostics] == [(36, 24)]
    (diagnostic,) = diagnostics
    assert diagnostic["related"] == [
        {"path": "app.py", "line": 21, "column": 12, "message": "sent through `top()`"},
        {"path": "app.py", "line": 17, "column": 12, "message": "sent through `ask()`"},
        {"path": "app.py", "line": 8, "column": 13, "message": "sent through `_complete()`"},
    ]
    assert diagnostic["savings"]["model"] == "gpt-4o-mini"


def test_the_text_output_lists_every_wrapper(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(APP, encoding="utf-8")
    result = run_cli("check", "--quiet", "--select", "LLM101", "app.py", cwd=tmp_path)
    lines = result.stdout.splitlines()
    assert lines[0].startswith("app.py:36:24: LLM101 `user.name` varies per request")
    assert lines[4:7] == [
        "   = via: sent through `top()` (app.py:21:12)",
        "   = via: sent through `ask()` (app.py:17:12)",
        "   = via: sent through `_complete()` (app.py:8:13)",
    ]


@pytest.fixture
def copied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(FIXTURES / "project", tmp_path / "project")
    (tmp_path / "pyproject.toml").write_text("[tool.promptlint]\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


def test_two_levels_in_another_module(copied: Path, capsys) -> None:
    main(["check", "--output-format", "json", "--select", "LLM101", "project/helpdesk/layered_desk.py"])
    (diagnostic,) = json.loads(capsys.readouterr().out)["diagnostics"]
    assert (diagnostic["line"], diagnostic["column"]) == (12, 39)
    assert diagnostic["related"] == [
        {
            "path": "project/helpdesk/layered_llm.py",
            "line": 20,
            "column": 12,
            "message": "sent through `ask()`",
        },
        {
            "path": "project/helpdesk/layered_llm.py",
            "line": 11,
            "column": 16,
            "message": "sent through `_complete()`",
        },
    ]
