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


OPENAI = "from openai import OpenAI\n\nclient = OpenAI()\n"


LABEL = """\
    from openai import OpenAI

    client = OpenAI()


    def route(ticket: str) -> str:
        response = client.chat.completions.create(
            model="gpt-4.1-mini",
            messages=[
                {"role": "system", "content": "Queues: billing, shipping. Return only the label."},
                {"role": "user", "content": ticket},
            ],
            max_completion_tokens=2000,
        )
        return response.choices[0].message.content
    """


def test_llm202_label_cap_far_above_the_answer(project: Path, capsys) -> None:
    d = one(project, capsys, LABEL, "LLM202")
    assert where(d) == ("LLM202", 13, 31)
    assert d["message"] == (
        "`max_completion_tokens=2000` allows 2,000 output tokens for a label (`Return only the label`)"
    )
    # 1,936 output tokens at gpt-4.1-mini's $1.60/M.
    assert saving(d) == ("gpt-4.1-mini", 1936, 3.0976)
    assert d["savings"]["assumptions"][:2] == [
        "worst case: the answer runs to the cap of 2,000 output tokens",
        "after the fix: capped at 64 tokens (the answer is a label)",
    ]
    assert d["fix"]["applicability"] == "unsafe"
    assert d["fix"]["description"] == "Lower `max_completion_tokens` to 64"
    assert fixed(LABEL, d) == textwrap.dedent(LABEL).replace(
        "max_completion_tokens=2000", "max_completion_tokens=64"
    )


def test_llm202_yes_no_through_a_constant_has_no_fix(project: Path, capsys) -> None:
    source = """\
        from anthropic import Anthropic

        claude = Anthropic()
        CAP = 4096


        def is_spam(text: str) -> bool:
            message = claude.messages.create(
                model="claude-haiku-4-5",
                max_tokens=CAP,
                system="Is this message spam? Answer with yes or no.",
                messages=[{"role": "user", "content": text}],
            )
            return message.content[0].text == "yes"
        """
    d = one(project, capsys, source, "LLM202")
    assert where(d) == ("LLM202", 10, 20)
    assert d["message"] == (
        "`max_tokens=4096` allows 4,096 output tokens for a yes-or-no answer (`Answer with yes or no`)"
    )
    assert saving(d) == ("claude-haiku-4-5", 4032, 20.16)
    assert d["fix"] is None


def test_llm202_gemini_config_one_word(project: Path, capsys) -> None:
    source = """\
        from google import genai

        client = genai.Client()


        def language(text: str) -> str:
            response = client.models.generate_content(
                model="gemini-2.5-flash-lite",
                contents=["Respond with one word: the language of this text.", text],
                config={"max_output_tokens": 1024},
            )
            return response.text
        """
    d = one(project, capsys, source, "LLM202")
    assert where(d) == ("LLM202", 10, 38)
    assert d["message"] == (
        "`max_output_tokens=1024` allows 1,024 output tokens for a one-word answer (`Respond with one word`)"
    )
    assert saving(d) == ("gemini-2.5-flash-lite", 960, 0.384)
    assert fixed(source, d) == textwrap.dedent(source).replace(
        '"max_output_tokens": 1024', '"max_output_tokens": 64'
    )


def test_llm202_enum_only_json_schema(project: Path, capsys) -> None:
    source = """\
        from openai import OpenAI

        client = OpenAI()
        FORMAT = {
            "type": "json_schema",
            "json_schema": {
                "name": "verdict",
                "schema": {
                    "type": "object",
                    "properties": {"verdict": {"enum": ["publish", "hold"]}, "flagged": {"type": "boolean"}},
                },
            },
        }


        def moderate(review: str) -> str:
            r = client.chat.completions.create(
                model="gpt-4.1-mini",
                messages=[{"role": "user", "content": review}],
                response_format=FORMAT,
                max_completion_tokens=600,
            )
            return r.choices[0].message.content
        """
    d = one(project, capsys, source, "LLM202")
    assert where(d) == ("LLM202", 21, 31)
    assert d["message"] == (
        "`max_completion_tokens=600` allows 600 output tokens for a JSON object of enumerated values "
        "(fields `flagged`, `verdict`)"
    )
    assert saving(d)[:2] == ("gpt-4.1-mini", 536)


def test_llm202_cap_at_and_near_the_model_maximum(project: Path, capsys) -> None:
    at_max = one(
        project,
        capsys,
        """\
        from anthropic import Anthropic

        claude = Anthropic()


        def describe(notes: str) -> str:
            message = claude.messages.create(
                model="claude-sonnet-4-5",
                max_tokens=64000,
                system="Write the product page from these notes.",
                messages=[{"role": "user", "content": notes}],
            )
            return message.content[0].text
        """,
        "LLM202",
    )
    assert where(at_max) == ("LLM202", 9, 20)
    assert (
        at_max["message"]
        == "`max_tokens=64000` is the maximum output of `claude-sonnet-4-5`: the cap bounds nothing"
    )
    # (64,000 - 1,024) output tokens at claude-sonnet-4-5's $15/M.
    assert saving(at_max) == ("claude-sonnet-4-5", 62976, 944.64)
    assert at_max["fix"]["description"] == "Lower `max_tokens` to 1,024"
    near = one(
        project,
        capsys,
        OPENAI
        + 'r = client.chat.completions.create(model="gpt-4.1", messages=[{"role": "user", "content": "Write a FAQ"}],'
        " max_completion_tokens=30_000)\n",
        "LLM202",
    )
    assert where(near) == ("LLM202", 4, 130)
    assert near["message"] == (
        "`max_completion_tokens=30000` is 91% of the maximum output of `gpt-4.1` (32,768 tokens): "
        "the cap barely bounds the answer"
    )
    assert saving(near) == ("gpt-4.1", 28976, 231.808)


def test_llm202_options(project: Path, capsys) -> None:
    source = OPENAI + (
        'r = client.chat.completions.create(model="gpt-4.1", messages=[{"role": "user", "content": "Write a FAQ"}],'
        " max_completion_tokens=20000)\n"
    )
    assert lint(project, capsys, source, "LLM202") == []  # 61% of the maximum
    config = "[tool.promptlint.rules.excessive-output-limit]\nnear-max-ratio = 0.5\nsuggested-cap = 4000\n"
    d = one(project, capsys, source, "LLM202", config)
    assert saving(d)[:2] == ("gpt-4.1", 16000)
    assert d["fix"]["description"] == "Lower `max_completion_tokens` to 4,000"
    label = textwrap.dedent(LABEL).replace("2000", "500")
    (project / "pyproject.toml").unlink()
    assert lint(project, capsys, label, "LLM202") == []  # 500 < 8 x 64
    config = "[tool.promptlint.rules.excessive-output-limit]\nshort-answer-cap = 16\nfar-above-factor = 4\n"
    d = one(project, capsys, label, "LLM202", config)
    assert saving(d)[:2] == ("gpt-4.1-mini", 484)


@pytest.mark.parametrize(
    "source",
    [
        # the prompt asks for more than the label
        LABEL.replace("Return only the label.", "Return only the label, then explain why."),
        # a conditional instruction, and one that asks for more
        LABEL.replace("Return only the label.", "If the ticket is about an order, answer with yes or no."),
        LABEL.replace("Return only the label.", "Answer with yes or no and quote the policy."),
        # 256 tokens for a label: generous, not 8x the 64 a short answer gets
        LABEL.replace("2000", "256"),
        # a reasoning model: its cap holds reasoning tokens too
        LABEL.replace("gpt-4.1-mini", "gpt-5-mini"),
        # reasoning configured on the request
        LABEL.replace("max_completion_tokens=2000,", 'max_completion_tokens=2000, reasoning_effort="low",'),
        # the model is not known statically
        LABEL.replace('model="gpt-4.1-mini"', "model=settings.model"),
        # the cap is a parameter
        LABEL.replace("2000", "limit").replace("ticket: str", "ticket: str, limit: int"),
        # above the model's maximum: an API error, not a cost
        LABEL.replace("Return only the label.", "Write a report.").replace("2000", "40000"),
        # an Azure deployment name says nothing about the model's maximum
        LABEL.replace("OpenAI", "AzureOpenAI").replace(
            "AzureOpenAI()", "AzureOpenAI(api_version='2024-10-21')"
        ),
    ],
    ids=[
        "explain",
        "conditional",
        "asks-more",
        "generous",
        "reasoning-model",
        "reasoning-effort",
        "dynamic-model",
        "param",
        "above-max",
        "azure",
    ],
)
def test_llm202_look_alikes(project: Path, capsys, source: str) -> None:
    assert lint(project, capsys, source, "LLM202") == []


def test_llm202_anthropic_thinking_is_not_reported(project: Path, capsys) -> None:
    source = """\
        from anthropic import Anthropic

        claude = Anthropic()
        message = claude.messages.create(
            model="claude-sonnet-4-5",
            max_tokens=64000,
            thinking={"type": "enabled", "budget_tokens": 32000},
            messages=[{"role": "user", "content": "Plan the migration."}],
        )
        """
    assert lint(project, capsys, source, "LLM202") == []


def test_llm202_do_not_explain_is_still_a_short_answer(project: Path, capsys) -> None:
    source = LABEL.replace("Return only the label.", "Return only the label. Do not explain.")
    assert where(one(project, capsys, source, "LLM202")) == ("LLM202", 13, 31)


def test_llm202_one_of_a_bulleted_list(project: Path, capsys) -> None:
    prompt = "Classify the ticket as one of the following categories:\\n- billing: payments\\n- shipping\\n- returns"
    source = LABEL.replace("Queues: billing, shipping. Return only the label.", prompt)
    d = one(project, capsys, source, "LLM202")
    assert d["message"] == (
        "`max_completion_tokens=2000` allows 2,000 output tokens for one of 3 options "
        "(`Classify the ticket as one of the following categories:…`)"
    )
