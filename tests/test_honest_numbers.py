"""Numbers a user can believe (issue 10, section 5): an unpriced finding says why, a dearer model is a cost
change, worst-case bounds are never added to expected savings, and a retired model's price is flagged."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import List

import pytest

from promptlint.cli import main
from promptlint.extract.endpoint import local_host

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SUPPORT_CHAT = str(FIXTURES / "LLM101" / "support_chat_fstring.py")
TICKET_SUMMARY = str(FIXTURES / "LLM201" / "ticket_summary.py")
LEGACY_BOT = str(FIXTURES / "LLM401" / "legacy_support_bot.py")

UNPRICED_APP = """\
import os

from openai import OpenAI

client = OpenAI()
local = OpenAI(base_url="http://localhost:11434/v1", api_key="ollama")
lan = OpenAI(base_url="http://10.0.0.5:8000/v1")
MODEL = os.environ["CHAT_MODEL"]


def ask(question: str) -> list:
    messages = [{"role": "user", "content": question}]
    return [
        client.chat.completions.create(model=MODEL, messages=messages),
        client.chat.completions.create(model="my-finetune-v3", messages=messages),
        client.chat.completions.create(model="house-model", messages=messages),
        local.chat.completions.create(model="llama3.1:8b", messages=messages),
        lan.chat.completions.create(model="gpt-4o", messages=messages),
    ]
"""
# A model the user prices but whose maximum output nobody told promptlint.
HOUSE_MODEL = '[tool.promptlint.models."house-model"]\nprovider = "openai"\ninput = 1.0\noutput = 4.0\n'


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


def text_of(capsys: pytest.CaptureFixture, *args: str) -> str:
    assert main(["check", "--no-cache", *args]) == 1
    return capsys.readouterr().out


def json_of(capsys: pytest.CaptureFixture, *args: str) -> dict:
    assert main(["check", "--no-cache", "--output-format", "json", *args]) == 1
    return json.loads(capsys.readouterr().out)


def saving_lines(out: str) -> List[str]:
    return [
        line
        for line in out.splitlines()
        if line.startswith(("   = saving", "   = cost change", "  = saving"))
    ]


# -- unpriced says why --------------------------------------------------------------------------------------


def test_unpriced_findings_say_why_never_zero_dollars(project: Path, capsys) -> None:
    (project / "pyproject.toml").write_text(HOUSE_MODEL)
    (project / "app.py").write_text(UNPRICED_APP)
    out = text_of(capsys, "app.py")
    assert "$0.000000" not in out and "saving: 0 tokens/call" not in out
    assert saving_lines(out) == [
        "   = saving: unpriced: model unknown",
        "   = saving: unpriced: model not in the table (my-finetune-v3)",
        "   = saving: unpriced: model maximum unknown (house-model)",
        "   = saving: unpriced: self-hosted (llama3.1:8b)",
        "   = saving: 15,360 tokens/call · unpriced: self-hosted (gpt-4o)",
    ]
    assert "       · served by `localhost:11434`, a local or private server: no list price applies" in out
    assert "       · served by `10.0.0.5:8000`, a local or private server: no list price applies" in out
    assert out.splitlines()[-2:] == [
        "Found 5 issues in 1 file (1 file checked); 5 fixable with `--fix --unsafe-fixes`.",
        "5 findings unpriced: model maximum unknown (1), model not in the table (1), model unknown (1), "
        "self-hosted (2).",
    ]


def test_unpriced_reasons_in_json(project: Path, capsys) -> None:
    (project / "pyproject.toml").write_text(HOUSE_MODEL)
    (project / "app.py").write_text(UNPRICED_APP)
    document = json_of(capsys, "app.py")
    found = [
        (d["line"], d["savings"]["model"], d["savings"]["tokens_per_call"], d["savings"]["usd_per_call"])
        + (d["savings"]["kind"], d["savings"]["unpriced_reason"])
        for d in document["diagnostics"]
    ]
    assert found == [
        (14, None, 0, None, "worst_case", "model-unknown"),
        (15, "my-finetune-v3", 0, None, "worst_case", "model-not-in-table"),
        (16, "house-model", 0, None, "worst_case", "max-output-unknown"),
        (17, "llama3.1:8b", 0, None, "worst_case", "self-hosted"),
        (18, "gpt-4o", 15360, None, "worst_case", "self-hosted"),
    ]
    assert document["summary"]["savings"] == {
        "usd_per_1k_calls": None,
        "usd_per_month": None,
        "priced": 0,
        "unpriced": 5,
        "expected_usd_per_1k_calls": None,
        "expected_usd_per_month": None,
        "worst_case_usd_per_1k_calls": None,
        "worst_case_usd_per_month": None,
        "cost_increase_usd_per_1k_calls": None,
        "cost_increase_usd_per_month": None,
        "unpriced_reasons": {
            "max-output-unknown": 1,
            "model-not-in-table": 1,
            "model-unknown": 1,
            "self-hosted": 2,
        },
    }


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("http://localhost:11434/v1", "localhost:11434"),
        ("http://127.0.0.1:8000/v1", "127.0.0.1:8000"),
        ("http://192.168.1.20/v1", "192.168.1.20"),
        ("http://172.16.4.2:8080", "172.16.4.2:8080"),
        ("http://[::1]:8080/v1", "[::1]:8080"),
        ("http://host.docker.internal:11434/v1", "host.docker.internal:11434"),
        ("http://vllm.localhost/v1", "vllm.localhost"),
        ("localhost:1234/v1", "localhost:1234"),
        ("https://api.deepseek.com", ""),
        ("https://openrouter.ai/api/v1", ""),
        ("https://8.8.8.8/v1", ""),
        ("http://localhost:notaport/v1", ""),
        ("", ""),
    ],
)
def test_local_host(url: str, host: str) -> None:
    assert local_host(url) == host


def test_self_hosted_through_litellm_and_langchain_and_not_a_remote_base_url(project: Path, capsys) -> None:
    (project / "app.py").write_text(
        textwrap.dedent(
            """\
            import os

            import litellm
            from langchain_openai import ChatOpenAI
            from openai import OpenAI

            LOCAL = "http://127.0.0.1:4000"
            proxy = OpenAI(base_url=os.environ["OPENAI_BASE_URL"])
            chat = ChatOpenAI(model="gpt-4o-mini", base_url="http://192.168.1.20:8000/v1")


            def ask(question: str):
                messages = [{"role": "user", "content": question}]
                litellm.completion(model="gpt-4o-mini", messages=messages, api_base=LOCAL)
                return proxy.chat.completions.create(model="gpt-4o-mini", messages=messages)
            """
        )
    )
    document = json_of(capsys, "app.py", "--select", "LLM201")
    found = [
        (d["line"], d["savings"]["usd_per_1k_calls"], d["savings"]["unpriced_reason"])
        for d in document["diagnostics"]
    ]
    # The base_url read from the environment may be anything: priced at the table's prices, as before.
    assert found == [(9, None, "self-hosted"), (14, None, "self-hosted"), (15, 9.216, None)]


# -- a dearer model is a cost change; totals never mix kinds --------------------------------------------------


def test_llm401_dearer_successor_is_a_cost_change(project: Path, capsys) -> None:
    out = text_of(capsys, LEGACY_BOT)
    assert saving_lines(out) == [
        "   = saving: 900 tokens/call · $0.002500/call · $2.50 per 1k calls (gpt-4-turbo)",
        "   = cost change: 811 tokens/call · +$0.003916/call · +$3.92 per 1k calls (gpt-3.5-turbo → gpt-5.6-terra)",
        "   = saving: 2,509 tokens/call · $0.065090/call · $65.09 per 1k calls (o1)",
        "   = saving: 715 tokens/call · $0.015150/call · $15.15 per 1k calls (claude-3-opus)",
        "   = saving: 1,103 tokens/call · $0.030575/call · $30.57 per 1k calls (gpt-4)",
        "   = saving: 1,008 tokens/call · $0.000000/call · $0.00 per 1k calls (gemini-3-pro-preview)",
        "   = cost change: 1,200 tokens/call · +$0.015875/call · +$15.88 per 1k calls (gpt-5 → gpt-5.5)",
    ]
    assert "       · `gpt-5.5` costs more for this request: a cost increase, not a saving" in out
    assert "-$" not in out
    # 2.50 + 65.09 + 15.15 + 30.575 + 0 = 113.31 (all priced at their output caps); 3.916 + 15.875 = 19.79.
    assert out.splitlines()[-3:] == [
        "Found 7 issues in 1 file (1 file checked); 6 fixable with `--fix --unsafe-fixes`.",
        "Worst case, if answers run to their output limit: up to $113.31 per 1k calls of each call site.",
        "Model changes that cost more, not counted as savings: +$19.79 per 1k calls of each call site.",
    ]


def test_headline_keeps_expected_worst_case_and_cost_increase_apart_per_month(project: Path, capsys) -> None:
    """Before: one "Estimated savings" line summed an LLM101 cache saving, LLM201's worst case and the
    LLM401 differences (dearer successors subtracted)."""
    out = text_of(capsys, SUPPORT_CHAT, TICKET_SUMMARY, LEGACY_BOT, "--calls-per-month", "200000")
    assert out.splitlines()[-4:] == [
        "Found 9 issues in 3 files (3 files checked); 7 fixable with `--fix --unsafe-fixes`.",
        "Estimated savings if fixed: $0.48 per 1k calls of each call site · $96.18 per month at 200,000 "
        "calls/month.",
        "Worst case, if answers run to their output limit: up to $122.53 per 1k calls of each call site · "
        "up to $24,506.20 per month at 200,000 calls/month.",
        "Model changes that cost more, not counted as savings: +$19.79 per 1k calls of each call site · "
        "+$3,958.30 per month at 200,000 calls/month.",
    ]
    summary = json_of(capsys, SUPPORT_CHAT, TICKET_SUMMARY, LEGACY_BOT, "--calls-per-month", "200000")[
        "summary"
    ]
    assert summary["savings"] == {
        "usd_per_1k_calls": 0.4809,
        "usd_per_month": 96.18,
        "priced": 9,
        "unpriced": 0,
        "expected_usd_per_1k_calls": 0.4809,
        "expected_usd_per_month": 96.18,
        "worst_case_usd_per_1k_calls": 122.531,
        "worst_case_usd_per_month": 24506.2,
        "cost_increase_usd_per_1k_calls": 19.7915,
        "cost_increase_usd_per_month": 3958.3,
        "unpriced_reasons": {},
    }


def test_three_uncapped_calls_per_month_are_a_labelled_worst_case(project: Path, capsys) -> None:
    """The "$220,672 per month" of a 3-call file: LLM201 bounds (the answer running to the model maximum)
    times the monthly volume, summed and shown as the estimated saving."""
    (project / "app.py").write_text(
        textwrap.dedent(
            """\
            from openai import OpenAI

            client = OpenAI()


            def plan(goal: str):
                return client.chat.completions.create(model="o3", messages=[{"role": "user", "content": goal}])


            def draft(topic: str):
                return client.chat.completions.create(model="gpt-5", messages=[{"role": "user", "content": topic}])


            def label(text: str):
                return client.chat.completions.create(
                    model="gpt-4.1-nano", messages=[{"role": "user", "content": text}], max_completion_tokens=5
                )
            """
        )
    )
    out = text_of(capsys, "app.py", "--calls-per-month", "100000")
    # (100,000 - 1,024) x $8/M on o3 + (128,000 - 1,024) x $10/M on gpt-5 = $2.061568 a call.
    assert out.splitlines()[-2:] == [
        "Found 2 issues in 1 file (1 file checked); 2 fixable with `--fix --unsafe-fixes`.",
        "Worst case, if answers run to their output limit: up to $2,061.57 per 1k calls of each call site · "
        "up to $206,156.80 per month at 100,000 calls/month.",
    ]
    assert "Estimated savings" not in out


def test_statistics_markdown_and_github_label_each_kind(project: Path, capsys) -> None:
    args = (SUPPORT_CHAT, TICKET_SUMMARY, LEGACY_BOT, "--calls-per-month", "200000")
    assert text_of(capsys, "--statistics", *args) == (
        "7\tLLM401\t[*] retired-model       \tup to $113.31 per 1k calls (worst case) · "
        "+$19.79 per 1k calls (cost increase)\n"
        "1\tLLM101\t    dynamic-prefix      \t$0.48 per 1k calls\n"
        "1\tLLM201\t[*] missing-output-limit\tup to $9.22 per 1k calls (worst case)\n"
    )
    markdown = text_of(capsys, "--output-format", "markdown", *args).splitlines()
    assert markdown[2] == (
        "**9 issues** in 3 files (3 checked) · estimated savings **$0.48 per 1k calls** of each site · "
        "**$96.18 per month** · worst case **up to $122.53 per 1k calls** · **up to $24,506.20 per month** · "
        "model changes that cost more **+$19.79 per 1k calls** · **+$3,958.30 per month**"
    )
    assert markdown[6:9] == [
        "| LLM101 `dynamic-prefix` | 1 | $0.48 | $96.18 |",
        "| LLM201 `missing-output-limit` | 1 | up to $9.22 (worst case) | up to $1,843.20 (worst case) |",
        "| LLM401 `retired-model` | 7 | up to $113.31 (worst case); +$19.79 (cost increase) | "
        "up to $22,663.00 (worst case); +$3,958.30 (cost increase) |",
    ]
    largest = [line for line in markdown if line.startswith("| `")]
    assert len(largest) == 7  # the two dearer successors are not savings
    assert largest[0].endswith("| up to $65.09 (worst case) |")
    assert not any("-$" in line for line in markdown)
    github = text_of(capsys, "--output-format", "github", LEGACY_BOT).splitlines()
    assert github[1].endswith("%0Acost change: +$3.92 per 1k calls (gpt-3.5-turbo → gpt-5.6-terra)")
    assert github[0].endswith("%0Asaving: up to $2.50 per 1k calls, worst case (gpt-4-turbo)")


def test_github_and_markdown_say_why_a_finding_is_unpriced(project: Path, capsys) -> None:
    (project / "pyproject.toml").write_text(HOUSE_MODEL)
    (project / "app.py").write_text(UNPRICED_APP)
    github = text_of(capsys, "--output-format", "github", "app.py").splitlines()
    assert [line.rsplit("%0A", 1)[1] for line in github] == [
        "saving: unpriced: model unknown",
        "saving: unpriced: model not in the table (my-finetune-v3)",
        "saving: unpriced: model maximum unknown (house-model)",
        "saving: unpriced: self-hosted (llama3.1:8b)",
        "saving: unpriced: self-hosted (gpt-4o)",
    ]
    markdown = text_of(capsys, "--output-format", "markdown", "app.py").splitlines()
    assert markdown[-1] == (
        "5 findings unpriced: model maximum unknown (1), model not in the table (1), model unknown (1), "
        "self-hosted (2)."
    )
    assert "| LLM201 `missing-output-limit` | 5 | unpriced | – |" in markdown


# -- a retired model's price is flagged ---------------------------------------------------------------------


def test_llm201_on_a_retired_model_says_so(project: Path, capsys) -> None:
    (project / "app.py").write_text(
        textwrap.dedent(
            """\
            from openai import AzureOpenAI, OpenAI

            client = OpenAI()
            azure = AzureOpenAI()


            def summarize(text: str):
                client.chat.completions.create(model="gpt-4-0613", messages=[{"role": "user", "content": text}])
                return azure.chat.completions.create(model="gpt-4-0613", messages=[{"role": "user", "content": text}])
            """
        )
    )
    out = text_of(capsys, "app.py", "--select", "LLM201")
    first, second = out.split("\n\n")[:2]
    assert first.splitlines()[-5:] == [
        "  = saving: 7,168 tokens/call · $0.430080/call · $430.08 per 1k calls (gpt-4)",
        "      · worst case: the answer runs to the model maximum of 8,192 output tokens",
        "      · after the fix: capped at 1,024 tokens",
        "      · `gpt-4-0613` was retired on 2026-10-23: priced at its last list price",
        "      · prices: `gpt-4` from the model table of 2026-11-28",
    ]
    # Azure keeps its own schedule: LLM401 does not report the deployment, and its price is not flagged.
    assert "retired" not in second
