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


REASONING = """\
    from openai import OpenAI

    client = OpenAI()


    def review(contract: str) -> str:
        response = client.chat.completions.create(
            model="o3",
            messages=[{"role": "user", "content": contract}],
            max_tokens=4000,
        )
        return response.choices[0].message.content
    """


def test_llm204_renames_max_tokens(project: Path, capsys) -> None:
    d = one(project, capsys, REASONING, "LLM204")
    assert where(d) == ("LLM204", 10, 9)
    assert (d["end_line"], d["end_column"]) == (10, 19)
    assert d["message"] == (
        "`max_tokens` is not supported by the reasoning model `o3` on Chat Completions: the request is rejected"
    )
    assert d["savings"] is None
    assert (d["fix"]["description"], d["fix"]["applicability"]) == (
        "Rename to `max_completion_tokens`",
        "safe",
    )
    assert fixed(REASONING, d) == textwrap.dedent(REASONING).replace(
        "max_tokens=4000", "max_completion_tokens=4000"
    )


@pytest.mark.parametrize("model", ["gpt-5-mini", "gpt-5.4", "o3-mini-2025-01-31", "gpt-5.1-2025-11-13"])
def test_llm204_reasoning_models_and_snapshots(project: Path, capsys, model: str) -> None:
    d = one(project, capsys, REASONING.replace('"o3"', f'"{model}"'), "LLM204")
    assert where(d) == ("LLM204", 10, 9)


def test_llm204_both_parameters_no_fix(project: Path, capsys) -> None:
    source = REASONING.replace("max_tokens=4000,", "max_tokens=4000,\n        max_completion_tokens=4000,")
    d = one(project, capsys, source, "LLM204")
    assert d["fix"] is None


@pytest.mark.parametrize(
    "replacement",
    [
        ('"o3"', '"gpt-4.1"'),  # not a reasoning model
        ('"o3"', '"gpt-5-chat-latest"'),  # an alias: not known to be a reasoning model
        ("max_tokens=4000", "max_completion_tokens=4000"),
        ("client = OpenAI()", 'client = OpenAI(base_url="http://localhost:8000/v1")'),
        ("client = OpenAI()", 'client = AzureOpenAI(api_version="2024-10-21")'),
        ("client.chat.completions.create", "client.responses.create"),
        ('"o3"', "model_name"),
    ],
    ids=["gpt-4.1", "alias", "migrated", "base-url", "azure", "responses", "dynamic"],
)
def test_llm204_look_alikes(project: Path, capsys, replacement) -> None:
    source = REASONING.replace(*replacement).replace("import OpenAI", "import AzureOpenAI, OpenAI")
    source = source.replace("contract: str", "contract: str, model_name: str = 'o3'")
    assert lint(project, capsys, source, "LLM204") == []


def test_llm204_litellm_and_legacy_sdk_are_not_reported(project: Path, capsys) -> None:
    source = """\
        import litellm
        import openai

        a = litellm.completion(model="o3", messages=[], max_tokens=100)
        b = openai.ChatCompletion.create(model="o3", messages=[], max_tokens=100)
        """
    assert lint(project, capsys, source, "LLM204") == []
