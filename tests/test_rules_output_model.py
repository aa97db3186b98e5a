"""LLM202 excessive-output-limit, LLM203 multiple-choices, LLM204 legacy-limit-param, LLM401 retired-model
and LLM402 overpowered-model: exact codes, positions, messages, savings and fixed source; the model data
they use (reasoning flags, tiers, dated retirements); the price difference between two models;
``promptlint models``; the extraction facts they read."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import List, Optional

import pytest

from promptlint.cli import main
from promptlint.models import ModelDataError, Retirement, load_model_table, shipped_retirement
from promptlint.rule import SavingsBasis
from promptlint.savings import price

# -- harness ----------------------------------------------------------------------------------------------


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

# -- LLM202 excessive-output-limit ------------------------------------------------------------------------

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


# -- LLM203 multiple-choices ------------------------------------------------------------------------------

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


# -- LLM204 legacy-limit-param ----------------------------------------------------------------------------

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


# -- LLM401 retired-model ---------------------------------------------------------------------------------

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


# -- LLM402 overpowered-model -----------------------------------------------------------------------------

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


# -- the price of moving a request to another model -------------------------------------------------------


def test_compare_model_prices_the_difference() -> None:
    table = load_model_table()
    basis = SavingsBasis(model="gpt-4.1", compare_model="gpt-4.1-mini", input_tokens=1000, output_tokens=100)
    s = price(basis, table, calls_per_month=None)
    # 1,000 x ($2.00 - $0.40) + 100 x ($8.00 - $1.60) per 1M tokens
    assert (s.tokens_per_call, s.usd_per_call, s.usd_per_1k_calls) == (1100, 0.00224, 2.24)
    assert s.assumptions[-1] == "prices: `gpt-4.1` and `gpt-4.1-mini` from the model table of 2026-11-28"


def test_compare_model_can_cost_more_and_can_be_unpriced() -> None:
    table = load_model_table()
    dearer = price(
        SavingsBasis(model="gpt-4.1-mini", compare_model="gpt-4.1", input_tokens=1000), table, None
    )
    assert dearer.usd_per_call == -0.0016
    assert "`gpt-4.1` costs more for this request: a cost increase, not a saving" in dearer.assumptions
    assert (dearer.kind, dearer.compare_model, dearer.unpriced_reason) == ("cost_increase", "gpt-4.1", None)
    unknown = price(SavingsBasis(model="gpt-4.1", compare_model="gpt-7", input_tokens=10), table, None)
    assert unknown.usd_per_call is None
    assert unknown.assumptions[-1] == "`gpt-7` is not in the model table: unpriced"
    lacking = price(
        SavingsBasis(model="gpt-4.1", compare_model="claude-mythos-preview", input_tokens=10), table, None
    )
    assert lacking.usd_per_call is None
    assert lacking.assumptions[-1] == "`claude-mythos-preview` lacks a price this saving needs: unpriced"


def test_savings_without_compare_model_are_unchanged() -> None:
    s = price(SavingsBasis(model="gpt-4o-mini", output_tokens=15360), load_model_table(), None)
    assert (s.usd_per_call, s.assumptions) == (
        0.009216,
        ("prices: `gpt-4o-mini` from the model table of 2026-11-28",),
    )


# -- the model data ---------------------------------------------------------------------------------------


def test_reasoning_flags_and_tiers() -> None:
    table = load_model_table()
    for model in ("o1", "o3", "o3-mini", "o4-mini", "gpt-5", "gpt-5-mini", "gpt-5.1", "gpt-5.6-luna"):
        assert table.lookup(model).reasoning, model
    for model in ("gpt-4o", "gpt-4.1-mini", "claude-sonnet-4-5", "gemini-2.5-flash-lite", "deepseek-chat"):
        assert not table.lookup(model).reasoning, model
    assert (table.lookup("claude-opus-4-5").tier, table.lookup("claude-opus-4-5").small_alternative) == (
        "frontier",
        "claude-haiku-4-5",
    )
    assert table.lookup("claude-sonnet-4-5").tier == "standard"
    assert table.lookup("gpt-5.6-luna").tier == "small"
    for info in table.all():
        if info.small_alternative is not None:
            assert info.tier == "frontier", info.id
            alternative = table.lookup(info.small_alternative)
            assert alternative is not None and alternative.provider == info.provider, info.id
            assert alternative.tier == "small" or info.provider == "google", info.id


@pytest.mark.parametrize(
    ("name", "row", "shutdown", "successor"),
    [
        ("gpt-3.5-turbo", "gpt-3.5-turbo", "2026-10-23", "gpt-5.6-terra"),
        ("openai/gpt-4-0613", "gpt-4-0613", "2026-10-23", "gpt-5.6-sol"),
        ("o1-2024-12-17", "o1", "2026-10-23", "gpt-5.6-sol"),  # a retired alias takes its snapshots
        ("gpt-4o-2024-05-13", "gpt-4o-2024-05-13", "2026-10-23", "gpt-5.6-sol"),  # its own row wins
        ("gpt-4o-2024-08-06", "gpt-4o", "2027-01-14", "gpt-6-luna"),
        ("claude-3-5-haiku-latest", "claude-3-5-haiku-latest", "2026-02-19", "claude-haiku-4-5"),
        ("anthropic/claude-opus-4-1-20250805", "claude-opus-4-1-20250805", "2026-08-05", None),
        ("models/gemini-3-pro-preview", "gemini-3-pro-preview", "2026-03-09", "gemini-3.1-pro-preview"),
    ],
)
def test_retirement_lookup(name: str, row: str, shutdown: str, successor: Optional[str]) -> None:
    found = shipped_retirement(name)
    assert found is not None
    assert (found.id, found.shutdown, found.successor) == (row, shutdown, successor)


@pytest.mark.parametrize(
    "name",
    [
        "gpt-4.1-nano",
        "gpt-5",
        "azure/gpt-4",
        "vertex_ai/gemini-3-pro-preview",
        "gemini-2.5-pro",
        "gpt-4o-foo",
    ],
)
def test_no_retirement(name: str) -> None:
    assert shipped_retirement(name) is None


def test_retired_is_decided_by_the_table_date_not_the_clock() -> None:
    row = Retirement("m", "openai", "2026-11-28", None, "s", as_of="2026-11-28")
    assert row.retired and row.days_after_table() == 0
    later = Retirement("m", "openai", "2027-01-14", None, "s", as_of="2026-11-28")
    assert not later.retired and later.days_after_table() == 47
    table = load_model_table()
    assert all(r.as_of == table.as_of for r in table.retirements())
    chained = {"gpt-5.3-chat-latest", "gpt-5.1-chat-latest"}  # named, then retired: LLM401 follows them
    for r in table.retirements():
        successor = shipped_retirement(r.successor) if r.successor else None
        assert successor is None or not successor.retired or r.successor in chained, r.id


def _shipped(**extra):
    data = {
        "as_of": "2026-01-01",
        "sources": {"s": "somewhere"},
        "models": {"m": {"provider": "openai", "source": "s"}},
    }
    data.update(extra)
    return data


def test_retirement_rows_are_validated() -> None:
    from promptlint import models

    ok = models._parse(
        _shipped(retirements={"m": {"provider": "openai", "shutdown": "2025-12-31", "source": "s"}})
    )
    assert ok.table.retirement("m").retired
    with pytest.raises(ModelDataError, match=r"retirements\.m\.shutdown: expected a date"):
        models._parse(_shipped(retirements={"m": {"provider": "openai", "shutdown": "soon", "source": "s"}}))
    with pytest.raises(ModelDataError, match=r"retirements\.m: unknown key `replacement`"):
        models._parse(
            _shipped(
                retirements={
                    "m": {"provider": "o", "shutdown": "2025-01-01", "source": "s", "replacement": "x"}
                }
            )
        )
    with pytest.raises(ModelDataError, match=r"retirements\.m: missing key `source`"):
        models._parse(_shipped(retirements={"m": {"provider": "openai", "shutdown": "2025-01-01"}}))
    with pytest.raises(ModelDataError, match=r"models\.m\.small-alternative: `x` is not a model id"):
        models._parse(_shipped(models={"m": {"provider": "openai", "source": "s", "small-alternative": "x"}}))
    with pytest.raises(ModelDataError, match=r"models\.m\.tier: expected one of"):
        models._parse(_shipped(models={"m": {"provider": "openai", "source": "s", "tier": "huge"}}))
    with pytest.raises(ModelDataError, match=r"models\.m\.reasoning: expected true or false"):
        models._parse(_shipped(models={"m": {"provider": "openai", "source": "s", "reasoning": "yes"}}))


def test_package_only_keys_cannot_be_overridden() -> None:
    with pytest.raises(ModelDataError, match="unknown key `tier`"):
        load_model_table({"gpt-4o": {"tier": "small"}})


def test_models_command_shows_tiers_and_retirements(project: Path, capsys) -> None:
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Model table as of 2026-11-28 (")
    header = out.splitlines()[2].split()
    assert header[-3:] == ["tier", "reasoning", "small-alternative"]
    assert "\nRetirements on the providers' own APIs (status as of 2026-11-28)\n" in out
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line.strip()}
    assert rows["gpt-3.5-turbo-0125"][1:] == ["openai", "2026-10-23", "retired", "gpt-5.6-terra"]
    assert rows["gpt-4o-mini"][-3:] == ["2027-01-14", "scheduled", "gpt-6-luna"]
    assert rows["claude-opus-4-5"][-3:] == ["frontier", "-", "claude-haiku-4-5"]


# -- extraction facts the rules read ----------------------------------------------------------------------


def _calls(source: str):
    import libcst as cst

    from promptlint.extract import extract_calls

    calls, _ = extract_calls(cst.parse_module(textwrap.dedent(source)))
    return calls


def test_literal_arguments_resolve_constants_and_containers() -> None:
    (call,) = _calls(
        """\
        from openai import OpenAI

        CHOICES = 2
        FORMAT = {"type": "json_object"}
        OpenAI().chat.completions.create(model="m", n=CHOICES, response_format=FORMAT, temperature=-0.5, user=u)
        """
    )
    assert call.literal_arguments == {
        "model": "m",
        "n": 2,
        "response_format": {"type": "json_object"},
        "temperature": -0.5,
    }
    assert set(call.argument_nodes) == {"model", "n", "response_format", "temperature", "user"}


def test_a_mutated_container_is_not_a_literal() -> None:
    (call,) = _calls(
        """\
        from openai import OpenAI

        def ask(extra):
            fmt = {"type": "json_object"}
            fmt.update(extra)
            OpenAI().chat.completions.create(model="m", response_format=fmt)
        """
    )
    assert "response_format" not in call.literal_arguments


GENAI = "from google import genai\nfrom google.genai import types\ngenai.Client({}).models.generate_content(model='m')"


@pytest.mark.parametrize(
    ("source", "platform"),
    [
        ("from openai import OpenAI\nOpenAI().chat.completions.create(model='m')", ""),
        ("from openai import AzureOpenAI\nAzureOpenAI().chat.completions.create(model='m')", "azure"),
        (
            "from openai import OpenAI\nOpenAI(base_url='http://x').chat.completions.create(model='m')",
            "custom",
        ),
        ("from openai import OpenAI\nOpenAI(**settings).chat.completions.create(model='m')", "unknown"),
        (
            "from anthropic import AnthropicVertex\nAnthropicVertex().messages.create(model='m', max_tokens=1)",
            "vertex",
        ),
        (
            "from google import genai\ngenai.Client(vertexai=True).models.generate_content(model='m', contents='x')",
            "vertex",
        ),
        ("import litellm\nlitellm.completion(model='bedrock/anthropic.claude', messages=[])", "bedrock"),
        ("import litellm\nlitellm.completion(model='openrouter/openai/gpt-4o', messages=[])", "custom"),
        ("import litellm\nlitellm.completion(model='anthropic/claude-2.1', messages=[])", ""),
        (
            "import openai\nopenai.api_type = 'azure'\nopenai.ChatCompletion.create(model='m', messages=[])",
            "azure",
        ),
        ("from langchain_openai import AzureChatOpenAI\nAzureChatOpenAI(model='m')", "azure"),
        (GENAI.format("http_options=types.HttpOptions(api_version='v1alpha')"), ""),
        (GENAI.format("http_options={'base_url': 'https://proxy.example'}"), "custom"),
    ],
)
def test_platform(source: str, platform: str) -> None:
    (call,) = _calls(source)
    assert call.platform == platform


@pytest.mark.parametrize(
    ("body", "first_only"),
    [
        ("r = create(n=2)\nreturn r.choices[0].message.content", True),
        ("r = create(n=2)\nlog(r.usage)\nreturn r.choices[0].message.content", True),
        ("return create(n=2).choices[0].message.content", True),
        ("r = create(n=2)\nreturn [c.message for c in r.choices]", False),
        ("r = create(n=2)\nreturn r", False),
        ("r = create(n=2)\nself.last = r\nreturn r.choices[0]", False),
        ("r = create(n=1)\nreturn r.choices[0]", False),  # one choice: not looked at
    ],
)
def test_reads_first_choice_only(body: str, first_only: bool) -> None:
    source = (
        "from openai import OpenAI\ncreate = OpenAI().chat.completions.create\ndef f(self):\n"
        + textwrap.indent(body, "    ")
    )
    (call,) = _calls(source)
    assert call.reads_first_choice_only is first_only


def test_output_cap_node_and_constant_value() -> None:
    (call,) = _calls(
        "from openai import OpenAI\nCAP = 300\nOpenAI().chat.completions.create(model='m', max_tokens=CAP)"
    )
    assert call.output_limit.value == 300
    assert call.output_limit.node is call.argument_nodes["max_tokens"]
