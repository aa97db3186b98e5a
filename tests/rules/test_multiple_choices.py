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


def saving(diagnostic: dict) -> tuple:
    s = diagnostic["savings"]
    return s["model"], s["tokens_per_call"], s["usd_per_1k_calls"]


CHOICES = """\
    from openai import OpenAI

    client = OpenAI()


    def suggest(conversation: str) -> str:
        response = client.chat.completions.create(
            model="gpt-4.1-mini",
            messages=[{"role": "user", "content": conversation}],
            n=3,
            max_completion_tokens=300,
        )
        print(response.usage.total_tokens)
        return response.choices[0].message.content
    """


def test_llm203_extra_choices_never_read(project: Path, capsys) -> None:
    d = one(project, capsys, CHOICES, "LLM203")
    assert where(d) == ("LLM203", 10, 11)
    assert (
        d["message"]
        == "`n=3` generates 3 choices but only the first is read: the other 2 are billed for nothing"
    )
    # 2 extra choices x the 300-token cap, at gpt-4.1-mini's $1.60/M output.
    assert saving(d) == ("gpt-4.1-mini", 600, 0.96)
    assert d["savings"]["assumptions"][:2] == [
        "worst case: each extra choice runs to the output cap of 300 tokens",
        "the prompt is billed once, whatever the number of choices",
    ]
    assert (d["fix"]["description"], d["fix"]["applicability"]) == ("Remove `n`", "safe")
    assert fixed(CHOICES, d) == textwrap.dedent(CHOICES).replace("        n=3,\n", "")


def test_llm203_chained_read_and_removing_the_last_argument(project: Path, capsys) -> None:
    source = """\
        import litellm

        text = litellm.completion(model="gpt-4.1-mini", messages=[{"role": "user", "content": "Hi"}], n=2).choices[0]
        """
    d = one(project, capsys, source, "LLM203")
    assert where(d) == ("LLM203", 3, 97)
    assert (
        d["message"]
        == "`n=2` generates 2 choices but only the first is read: the other choice is billed for nothing"
    )
    assert d["savings"]["tokens_per_call"] == 500  # no literal cap: `assumed-output-tokens`
    assert (
        d["savings"]["assumptions"][0]
        == "each extra choice assumed 500 output tokens (`assumed-output-tokens`)"
    )
    assert fixed(source, d) == textwrap.dedent(source).replace(", n=2)", ")")


def test_llm203_removing_the_last_argument_of_a_multi_line_call_drops_its_comment(
    project: Path, capsys
) -> None:
    source = CHOICES.replace("            n=3,\n", "").replace(
        "max_completion_tokens=300,\n",
        "max_completion_tokens=300,  # short drafts\n            n=3,  # three drafts\n",
    )
    d = one(project, capsys, source, "LLM203")
    assert fixed(source, d) == textwrap.dedent(source).replace("        n=3,  # three drafts\n", "")


def test_llm203_gemini_candidate_count(project: Path, capsys) -> None:
    source = """\
        from google import genai

        client = genai.Client()


        async def follow_up(conversation: str) -> str:
            response = await client.aio.models.generate_content(
                model="gemini-2.5-flash",
                contents=conversation,
                config={"candidate_count": 4, "max_output_tokens": 100},
            )
            return response.text
        """
    d = one(project, capsys, source, "LLM203")
    assert where(d) == ("LLM203", 10, 36)
    assert d["message"] == (
        "`candidate_count=4` generates 4 choices but only the first is read: the other 3 are billed for nothing"
    )
    assert saving(d) == ("gemini-2.5-flash", 300, 0.75)
    assert d["fix"] is None


@pytest.mark.parametrize(
    "replacement",
    [
        (
            "return response.choices[0].message.content",
            "return [c.message.content for c in response.choices]",
        ),
        ("return response.choices[0].message.content", "return response"),
        ("return response.choices[0].message.content", "return response.choices[1].message.content"),
        ("print(response.usage.total_tokens)", "print(len(response.choices))"),
        ("n=3", "n=1"),
        ("n=3", "n=count"),
    ],
    ids=["iterated", "returned", "second-read", "len", "one", "param"],
)
def test_llm203_look_alikes(project: Path, capsys, replacement) -> None:
    source = CHOICES.replace(*replacement).replace("conversation: str", "conversation: str, count: int = 2")
    assert lint(project, capsys, source, "LLM203") == []


def test_llm203_litellm_only_for_openai_models(project: Path, capsys) -> None:
    source = (
        "import litellm\nr = litellm.completion(model='claude-haiku-4-5', messages=[], n=2)\nr.choices[0]\n"
    )
    assert lint(project, capsys, source, "LLM203") == []


def test_llm203_report_used_choices(project: Path, capsys) -> None:
    source = CHOICES.replace(
        "return response.choices[0].message.content", "return [c.message.content for c in response.choices]"
    )
    config = "[tool.promptlint.rules.multiple-choices]\nreport-used-choices = true\n"
    d = one(project, capsys, source, "LLM203", config)
    assert d["message"] == "`n=3` generates 3 choices, and the output tokens of each are billed"
    assert d["fix"] is None
