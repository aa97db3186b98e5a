"""Wrappers of wrappers: a prompt is bound through each level (``top()`` -> ``ask()`` -> ``_complete()``
-> the SDK) and reported where the outermost caller writes it, every wrapper listed as related; a wrapper
that calls itself passing the prompt on unchanged (a retry) is followed; recursion that changes it,
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


def reworded(system, question, tries=2):
    if tries:
        return reworded(system + "!", question, tries - 1)
    return ask(system, question)


def answer_again(user, question: str) -> None:
    reworded(f"The user is {{user.name}}.\\n" + POLICY, question)
"""


def _diagnostics(tmp_path: Path) -> list:
    (tmp_path / "app.py").write_text(APP, encoding="utf-8")
    result = run_cli("check", "--output-format", "json", "--select", "LLM101", "app.py", cwd=tmp_path)
    return json.loads(result.stdout)["diagnostics"]


def test_a_prompt_is_bound_through_three_levels_and_reported_once_at_the_outermost_caller(
    tmp_path: Path,
) -> None:
    diagnostics = _diagnostics(tmp_path)
    assert [(d["line"], d["column"]) for d in diagnostics] == [(36, 24), (37, 28)]
    diagnostic = diagnostics[0]
    assert diagnostic["related"] == [
        {"path": "app.py", "line": 21, "column": 12, "message": "sent through `top()`"},
        {"path": "app.py", "line": 17, "column": 12, "message": "sent through `ask()`"},
        {"path": "app.py", "line": 8, "column": 13, "message": "sent through `_complete()`"},
    ]
    assert diagnostic["savings"]["model"] == "gpt-4o-mini"


def test_a_retry_that_passes_the_prompt_on_unchanged_is_followed(tmp_path: Path) -> None:
    """Before: ``retried()`` calls itself, and its prompt was left unknown; ``reworded()``, which calls
    itself with another prompt, still is."""
    retried = _diagnostics(tmp_path)[1]
    assert retried["related"] == [
        {"path": "app.py", "line": 27, "column": 12, "message": "sent through `retried()`"},
        {"path": "app.py", "line": 17, "column": 12, "message": "sent through `ask()`"},
        {"path": "app.py", "line": 8, "column": 13, "message": "sent through `_complete()`"},
    ]


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
    diagnostic, again = json.loads(capsys.readouterr().out)["diagnostics"]
    assert (diagnostic["line"], diagnostic["column"]) == (12, 39)
    # The retry, which calls itself passing its prompt on unchanged; ``ask_reworded()`` changes it: silent.
    assert (again["line"], again["column"]) == (14, 45)
    assert [r["message"] for r in again["related"]] == [
        "sent through `ask_again()`",
        "sent through `_complete()`",
    ]
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


CAPS = 'from typing import Optional\n\nfrom openai import OpenAI\n\nclient = OpenAI()\n\n\ndef _complete(prompt: str, max_tokens: Optional[int] = None, model: str = "gpt-4o") -> str:\n    reply = client.chat.completions.create(\n        model=model, messages=[{"role": "user", "content": prompt}], max_tokens=max_tokens\n    )\n    return reply.choices[0].message.content\n\n\ndef ask(prompt: str, max_tokens: Optional[int] = None) -> str:\n    return _complete(prompt, max_tokens=max_tokens, model="gpt-4o-mini")\n\n\ndef top(prompt, max_tokens=None):\n    return ask(prompt, max_tokens)\n\n\ndef fixed(prompt, max_tokens=256):\n    return ask(prompt, max_tokens)\n\n\nask("Hello")\nask("Hello", 64)\ntop("Hello")\ntop("Hello", max_tokens=64)\nfixed("Hello")\n'


def test_a_cap_passed_on_through_two_levels_is_reported_at_the_caller_that_passes_none(
    tmp_path: Path,
) -> None:
    (tmp_path / "app.py").write_text(CAPS, encoding="utf-8")
    result = run_cli("check", "--output-format", "json", "--select", "LLM201", "app.py", cwd=tmp_path)
    diagnostics = json.loads(result.stdout)["diagnostics"]
    assert [(d["line"], d["column"]) for d in diagnostics] == [(27, 1), (29, 1)]
    assert diagnostics[1]["message"] == (
        "`top()` is called without `max_tokens`: the request it sends sets no output limit and is bounded"
        " only by the model maximum (16,384 tokens for `gpt-4o-mini`)"
    )
    assert diagnostics[1]["related"] == [
        {"path": "app.py", "line": 20, "column": 12, "message": "sent through `top()`"},
        {"path": "app.py", "line": 16, "column": 12, "message": "sent through `ask()`"},
        {"path": "app.py", "line": 9, "column": 13, "message": "sent through `_complete()`"},
    ]
    assert diagnostics[1]["fix"]["edits"] == [
        {"line": 29, "column": 12, "end_line": 29, "end_column": 12, "content": ", max_tokens=1024"}
    ]
