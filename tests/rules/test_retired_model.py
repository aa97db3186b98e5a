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


RETIRED = """\
    from openai import OpenAI

    client = OpenAI()


    def answer(question: str) -> str:
        response = client.chat.completions.create(
            model="gpt-3.5-turbo",
            messages=[{"role": "user", "content": question}],
            max_tokens=300,
        )
        return response.choices[0].message.content
    """


def test_llm401_retired_model_with_successor_and_price_difference(project: Path, capsys) -> None:
    d = one(project, capsys, RETIRED, "LLM401")
    assert where(d) == ("LLM401", 8, 15)
    assert d["message"] == (
        "`gpt-3.5-turbo` was retired on 2026-10-23: requests to it fail (successor: `gpt-5.6-terra`)"
    )
    # 500 assumed input tokens and the 300-token cap: on gpt-3.5-turbo 500 x $0.50 + 300 x $1.50 = $0.0007 per
    # call, on gpt-5.6-terra 500 x $2 + 300 x $12 = $0.0046: the move costs $3.90 more per 1k calls.
    assert saving(d) == ("gpt-3.5-turbo", 800, -3.9)
    assert d["savings"]["assumptions"] == [
        "the same request on `gpt-5.6-terra`",
        "the prompt is only known at run time: 500 tokens assumed (`dynamic-input-tokens`)",
        "worst case: the answer runs to the output cap of 300 tokens",
        "input at the full input price (no cache reads)",
        "`gpt-5.6-terra` costs more for this request: a cost increase, not a saving",
        "prices: `gpt-3.5-turbo` and `gpt-5.6-terra` from the model table of 2026-11-28",
    ]
    assert (d["fix"]["description"], d["fix"]["applicability"]) == ("Replace with `gpt-5.6-terra`", "unsafe")
    assert fixed(RETIRED, d) == textwrap.dedent(RETIRED).replace('"gpt-3.5-turbo"', '"gpt-5.6-terra"')


def test_llm401_router_prefix_is_kept_and_successor_chains_are_followed(project: Path, capsys) -> None:
    source = """\
        import litellm

        a = litellm.completion(model='openai/gpt-4-0613', messages=[{"role": "user", "content": "Hi"}], max_tokens=9)
        b = litellm.completion(model="gpt-5-chat-latest", messages=[{"role": "user", "content": "Hi"}], max_tokens=9)
        """
    first, second = lint(project, capsys, source, "LLM401")
    assert first["message"] == (
        "`openai/gpt-4-0613` was retired on 2026-10-23: requests to it fail (successor: `gpt-5.6-sol`)"
    )
    assert (
        fixed(source, first).splitlines()[2].startswith("a = litellm.completion(model='openai/gpt-5.6-sol',")
    )
    # gpt-5-chat-latest -> gpt-5.3-chat-latest (itself shut down 2026-08-10) -> gpt-5.5
    assert second["message"] == (
        "`gpt-5-chat-latest` was retired on 2026-07-23: requests to it fail (successor: `gpt-5.5`)"
    )


def test_llm401_without_successor_or_literal(project: Path, capsys) -> None:
    source = """\
        from anthropic import Anthropic

        claude = Anthropic()
        LEGACY = "claude-3-opus-20240229"
        a = claude.completions.create(model="claude-2.1", max_tokens_to_sample=200, prompt="Human: hi")
        b = claude.messages.create(model=LEGACY, max_tokens=200, messages=[{"role": "user", "content": "hi"}])
        """
    first, second = lint(project, capsys, source, "LLM401")
    assert where(first) == ("LLM401", 5, 37)
    assert first["message"] == "`claude-2.1` was retired on 2025-07-21: requests to it fail"
    assert (first["fix"], first["savings"]) == (None, None)
    assert where(second) == ("LLM401", 6, 34)
    assert second["message"] == (
        "`claude-3-opus-20240229` was retired on 2026-01-05: requests to it fail (successor: `claude-opus-4-5`)"
    )
    assert second["fix"] is None  # the model is a constant
    assert second["savings"]["usd_per_1k_calls"] is not None


def test_llm401_scheduled_retirements_need_notice_days(project: Path, capsys) -> None:
    source = RETIRED.replace("gpt-3.5-turbo", "gpt-4o-mini-2024-07-18")
    assert lint(project, capsys, source, "LLM401") == []
    config = "[tool.promptlint.rules.retired-model]\nnotice-days = 60\n"
    d = one(project, capsys, source, "LLM401", config)
    assert d["message"] == (
        "`gpt-4o-mini-2024-07-18` is scheduled for retirement on 2027-01-14 (successor: `gpt-6-luna`)"
    )
    assert d["savings"]["usd_per_1k_calls"] is None
    assert "`gpt-6-luna` is not in the model table: unpriced" in d["savings"]["assumptions"]
    assert (
        lint(project, capsys, source, "LLM401", "[tool.promptlint.rules.retired-model]\nnotice-days = 30\n")
        == []
    )


@pytest.mark.parametrize(
    "replacement",
    [
        ("client = OpenAI()", 'client = AzureOpenAI(api_version="2024-10-21")'),
        ("client = OpenAI()", 'client = OpenAI(base_url="https://gateway.example/v1")'),
        ('"gpt-3.5-turbo"', '"gpt-5.6-terra"'),
        ('"gpt-3.5-turbo"', '"gemini-2.5-flash"'),  # Google moved the date: no row
        ('"gpt-3.5-turbo"', '"gpt-5-2025-08-07"'),  # scheduled 2026-12-11
        ('"gpt-3.5-turbo"', "question"),
    ],
    ids=["azure", "base-url", "current", "unsettled-date", "scheduled", "dynamic"],
)
def test_llm401_look_alikes(project: Path, capsys, replacement) -> None:
    source = RETIRED.replace(*replacement).replace("import OpenAI", "import AzureOpenAI, OpenAI")
    assert lint(project, capsys, source, "LLM401") == []


def test_llm401_partner_platforms_keep_their_own_schedules(project: Path, capsys) -> None:
    source = """\
        import litellm
        from anthropic import AnthropicBedrock

        bedrock = AnthropicBedrock()
        a = bedrock.messages.create(model="claude-3-opus-20240229", max_tokens=10, messages=[])
        b = litellm.completion(model="azure/gpt-4", messages=[], max_tokens=10)
        c = litellm.completion(model="bedrock/anthropic.claude-3-opus-20240229-v1:0", messages=[], max_tokens=10)
        """
    assert lint(project, capsys, source, "LLM401") == []


BRANCHES = """\
    from openai import OpenAI

    client = OpenAI()
    MODELS = {"fast": "gpt-4.1-mini", "old": "chatgpt-4o-latest"}


    def reply(messages: list, tier: str) -> str:
        response = client.chat.completions.create(
            model=MODEL_CHOICE, messages=messages, max_completion_tokens=300
        )
        return response.choices[0].message.content
    """


def test_llm401_names_the_retired_branch(project: Path, capsys) -> None:
    d = one(project, capsys, BRANCHES.replace("MODEL_CHOICE", "MODELS[tier]"), "LLM401")
    assert where(d) == ("LLM401", 9, 15)
    assert d["message"] == (
        "one of the 2 models this call chooses from: `chatgpt-4o-latest` was retired on 2026-02-17: "
        "requests to it fail (successor: `gpt-5.5`)"
    )
    assert (d["fix"], d["savings"]) == (None, None)


def test_llm401_every_branch_retired(project: Path, capsys) -> None:
    choice = '"gpt-3.5-turbo" if tier == "a" else "chatgpt-4o-latest"'
    d = one(project, capsys, BRANCHES.replace("MODEL_CHOICE", choice), "LLM401")
    assert where(d) == ("LLM401", 9, 15)
    assert d["message"].startswith(
        "every model this call chooses from is retired: `gpt-3.5-turbo` was retired on "
    )
    assert "; `chatgpt-4o-latest` was retired on 2026-02-17" in d["message"]


@pytest.mark.parametrize(
    "choice",
    [
        '"gpt-5.6-terra" if tier == "a" else "gpt-4.1-mini"',  # every branch current
        '"chatgpt-4o-latest" if tier == "a" else tier',  # an unknown branch: the model is unknown
        "MODELS.get(tier)",  # no default: may be None, the SDK's error, not a model
        'MODELS[tier] if tier else messages[0]["model"]',
    ],
    ids=["current", "unknown-branch", "get-without-default", "subscript-of-data"],
)
def test_llm401_branch_look_alikes(project: Path, capsys, choice: str) -> None:
    assert lint(project, capsys, BRANCHES.replace("MODEL_CHOICE", choice), "LLM401") == []


def test_llm401_subclass_overrides_a_class_constant(project: Path, capsys) -> None:
    source = """\
        from openai import OpenAI

        client = OpenAI()


        class Bot:
            MODEL = "gpt-4.1-mini"

            def reply(self, messages: list) -> str:
                response = client.chat.completions.create(
                    model=self.MODEL, messages=messages, max_completion_tokens=300
                )
                return response.choices[0].message.content


        class LegacyBot(Bot):
            MODEL = "chatgpt-4o-latest"
        """
    d = one(project, capsys, source, "LLM401")
    assert where(d) == ("LLM401", 11, 19)
    assert d["message"].startswith(
        "one of the 2 models this call chooses from: `chatgpt-4o-latest` was retired"
    )
    # When the subclass does not override it, ``self.MODEL`` is the one constant, and current.
    assert (
        lint(project, capsys, source.replace('MODEL = "chatgpt-4o-latest"', "TIMEOUT = 30"), "LLM401") == []
    )
