"""Moved from tests/test_rules_output_model.py (batch file dissolved into one file per rule or concern)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import List

import pytest

from promptlint.cli import main


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


def lint(project: Path, capsys, source: str, select: str, config: str = "") -> List[dict]:
    """The JSON diagnostics of ``source`` (dedented) with only ``select`` enabled."""
    (project / "app.py").write_text(textwrap.dedent(source), encoding="utf-8")
    if config:
        (project / "pyproject.toml").write_text("[tool.promptlint]\n" + textwrap.dedent(config))
    main(["check", "--no-cache", "--output-format", "json", "--select", select, "app.py"])
    return json.loads(capsys.readouterr().out)["diagnostics"]


def one(project: Path, capsys, source: str, select: str, config: str = "") -> dict:
    found = lint(project, capsys, source, select, config)
    assert len(found) == 1, found
    return found[0]


def fixed(source: str, diagnostic: dict) -> str:
    """``source`` (dedented) with the diagnostic's edits applied, 1-based and end-exclusive."""
    text = textwrap.dedent(source)
    starts = [0] + [i + 1 for i, char in enumerate(text) if char == "\n"]
    edits = sorted(diagnostic["fix"]["edits"], key=lambda e: (e["line"], e["column"]), reverse=True)
    for edit in edits:
        begin = starts[edit["line"] - 1] + edit["column"] - 1
        end = starts[edit["end_line"] - 1] + edit["end_column"] - 1
        text = text[:begin] + edit["content"] + text[end:]
    return text


def where(diagnostic: dict) -> tuple:
    return diagnostic["code"], diagnostic["line"], diagnostic["column"]


ROUTING = """\
    from anthropic import Anthropic

    claude = Anthropic()


    def route(email: str) -> str:
        message = claude.messages.create(
            model="claude-opus-4-5",
            max_tokens=10,
            system="Classify the email as one of: billing, shipping, returns.",
            messages=[{"role": "user", "content": email}],
        )
        return message.content[0].text
    """


def test_llm402_is_opt_in() -> None:
    from promptlint_rules.overpowered_model import OverpoweredModel

    assert OverpoweredModel.default_enabled is False


def test_llm402_frontier_model_on_a_label(project: Path, capsys) -> None:
    d = one(project, capsys, ROUTING, "LLM402")
    assert where(d) == ("LLM402", 8, 15)
    assert d["message"] == (
        "Frontier model `claude-opus-4-5` is used for one of 3 options "
        "(`Classify the email as one of: billing, shipping, returns.`)"
    )
    savings = d["savings"]
    assert savings["model"] == "claude-opus-4-5"
    assert savings["assumptions"][0] == "the same request on `claude-haiku-4-5`, the provider's small model"
    static = savings["tokens_per_call"] - 500 - 10
    # (static + 500) input tokens at $5 - $1 and 10 output tokens at $25 - $5, per 1k calls.
    assert savings["usd_per_1k_calls"] == pytest.approx(((static + 500) * 4 + 10 * 20) / 1000)
    assert (d["fix"]["description"], d["fix"]["applicability"]) == (
        "Replace with `claude-haiku-4-5`",
        "unsafe",
    )
    assert fixed(ROUTING, d) == textwrap.dedent(ROUTING).replace("claude-opus-4-5", "claude-haiku-4-5")


def test_llm402_tiny_cap_without_a_cue(project: Path, capsys) -> None:
    source = ROUTING.replace("Classify the email as one of: billing, shipping, returns.", "Tag this email.")
    d = one(project, capsys, source, "LLM402")
    assert (
        d["message"]
        == "Frontier model `claude-opus-4-5` is used for at most 10 output tokens (`max_tokens=10`)"
    )


@pytest.mark.parametrize(
    "replacement",
    [
        ("claude-opus-4-5", "claude-haiku-4-5"),  # already small
        ("claude-opus-4-5", "claude-sonnet-4-5"),  # standard tier
        ("Classify the email as one of: billing, shipping, returns.", "Draft a reply."),  # ...
        ("max_tokens=10,", 'max_tokens=2000, thinking={"type": "enabled", "budget_tokens": 1024},'),
        ('model="claude-opus-4-5"', "model=model"),
    ],
    ids=["small", "standard", "long-answer", "thinking", "dynamic"],
)
def test_llm402_look_alikes(project: Path, capsys, replacement) -> None:
    source = ROUTING.replace(*replacement).replace("email: str", "email: str, model: str = 'x'")
    if replacement[1] == "Draft a reply.":
        source = source.replace("max_tokens=10", "max_tokens=800")
    assert lint(project, capsys, source, "LLM402") == []
