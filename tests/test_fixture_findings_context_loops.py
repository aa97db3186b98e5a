"""Moved from tests/test_rules_context_loops.py (batch file dissolved into one file per rule or concern)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import List, Optional

import pytest
from conftest import fixture_diagnostics

from promptlint.cli import main

ROOT = Path(__file__).resolve().parent.parent


GROUP = "LLM302,LLM303,LLM501,LLM502"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


def lint(
    project: Path, source: str, capsys, select: str = GROUP, config: str = "", name: str = "app.py"
) -> List[dict]:
    path = project / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    if config:
        (project / "pyproject.toml").write_text(textwrap.dedent(config), encoding="utf-8")
    main(["check", "--no-cache", "--output-format", "json", "--select", select, name])
    document = json.loads(capsys.readouterr().out)
    assert document["errors"] == []
    return document["diagnostics"]


def found(diagnostics: List[dict]) -> List[tuple]:
    return [(d["code"], d["line"], d["column"], d["message"]) for d in diagnostics]


def savings(diagnostic: dict) -> Optional[tuple]:
    saving = diagnostic["savings"]
    if saving is None:
        return None
    return saving["model"], saving["tokens_per_call"], saving["usd_per_1k_calls"]


LOOP_MESSAGE = (
    "`{callee}` runs in a {loop} that only the model's output can end, with no iteration or budget cap"
)


RECURSION_MESSAGE = (
    "`{callee}` runs in a recursion through `{via}` that only the model's output can end, "
    "with no depth or budget cap"
)

KEPT_MESSAGE = (
    "`{name}` grows across calls (`{grown_in}` adds to it) and `{callee}` re-sends all of it, never trimmed: "
    "input tokens grow with the square of the turns"
)

HISTORY_MESSAGE = (
    "`{name}` grows on every iteration of a {loop} and `{callee}` re-sends all of it: "
    "input tokens grow with the square of the turns"
)


BATCH_MESSAGE = (
    "`{callee}` sends one request at a time in a {loop}{via}, in code that runs unattended ({why})"
)


DOCUMENT_MESSAGE = "`{source}` puts {what} into the prompt of `{callee}`, with nothing to bound its size"


FIXTURE_FINDINGS = [
    (
        "LLM302",
        "fixtures/LLM302/page_digest.py",
        12,
        12,
        DOCUMENT_MESSAGE.format(
            source='BeautifulSoup(html, "html.parser").get_text(" ", strip=True)',
            what="a whole web page",
            callee="claude.messages.create",
        ),
        ("claude-haiku-4-5", 8000, 8.0),
    ),
    (
        "LLM302",
        "fixtures/LLM302/page_digest.py",
        28,
        87,
        DOCUMENT_MESSAGE.format(
            source="response.text", what="a whole web page", callee="claude.messages.create"
        ),
        ("claude-haiku-4-5", 8000, 8.0),
    ),
    (
        "LLM302",
        "fixtures/LLM302/sent_through_wrapper.py",
        28,
        12,
        DOCUMENT_MESSAGE.format(
            source='Path(args.path).read_text(encoding="utf-8")',
            what="a whole file",
            callee="client.chat.completions.create",
        ),
        ("gpt-5.4-mini", 8000, 6.0),
    ),
    (
        "LLM302",
        "fixtures/LLM302/summarise_file.py",
        18,
        12,
        DOCUMENT_MESSAGE.format(
            source='Path(args.path).read_text(encoding="utf-8")',
            what="a whole file",
            callee="client.chat.completions.create",
        ),
        ("gpt-5.4-mini", 8000, 6.0),
    ),
    (
        "LLM302",
        "fixtures/LLM302/weekly_sales_report.py",
        18,
        41,
        DOCUMENT_MESSAGE.format(
            source="json.dumps(orders, sort_keys=True)", what="every row of a query", callee="completion"
        ),
        ("gpt-5.4-mini", 8000, 6.0),
    ),
    (
        "LLM302",
        "fixtures/LLM302/weekly_sales_report.py",
        28,
        17,
        DOCUMENT_MESSAGE.format(
            source='"\\n".join(f"{name} ({category}): {price}" for name, categor…',
            what="every row of a query",
            callee="completion",
        ),
        ("gpt-5.4-mini", 8000, 6.0),
    ),
    (
        "LLM303",
        "fixtures/LLM303/interview_practice.py",
        22,
        22,
        HISTORY_MESSAGE.format(
            name="history", loop="`for` loop over `questions`", callee="claude.messages.create"
        ),
        ("claude-haiku-4-5", 1170, 1.17),
    ),
    (
        "LLM303",
        "fixtures/LLM303/langchain_chat_history.py",
        26,
        43,
        HISTORY_MESSAGE.format(name="history", loop="`while True:` loop", callee="chain.invoke"),
        ("claude-sonnet-4-5", 1170, 3.51),
    ),
    (
        "LLM303",
        "fixtures/LLM303/langchain_chat_history.py",
        46,
        35,
        HISTORY_MESSAGE.format(name="messages", loop="`while True:` loop", callee="chat_model.invoke"),
        ("claude-sonnet-4-5", 1170, 3.51),
    ),
    (
        "LLM303",
        "fixtures/LLM303/support_websocket.py",
        21,
        44,
        HISTORY_MESSAGE.format(
            name="transcript", loop="`while True:` loop", callee="client.chat.completions.create"
        ),
        ("gpt-5.4-mini", 1170, None),
    ),
    (
        "LLM303",
        "fixtures/LLM303/terminal_chat.py",
        22,
        22,
        HISTORY_MESSAGE.format(
            name="messages", loop="`while True:` loop", callee="client.chat.completions.create"
        ),
        ("gpt-5.6-luna", 1170, 0.234),
    ),
    (
        "LLM501",
        "fixtures/LLM501/jobs/ticket_digest.py",
        13,
        13,
        BATCH_MESSAGE.format(
            callee="claude.messages.create",
            loop="comprehension over `closed_yesterday(db)`",
            via=" (through `summarise(ticket)`)",
            why="a module under `jobs/`",
        ),
        ("claude-haiku-4-5", 70, 0.31),
    ),
    (
        "LLM501",
        "fixtures/LLM501/review_tagging_tasks.py",
        23,
        20,
        BATCH_MESSAGE.format(
            callee="client.models.generate_content",
            loop="`for` loop over `Review.objects.filter(id__in=review_ids)`",
            via="",
            why="`@shared_task`",
        ),
        ("gemini-3-flash-preview", 40, 0.095),
    ),
    (
        "LLM501",
        "fixtures/LLM501/translate_catalog.py",
        18,
        20,
        BATCH_MESSAGE.format(
            callee="client.responses.create",
            loop="`for` loop over `products`",
            via="",
            why='`if __name__ == "__main__":`',
        ),
        ("gpt-5.4-mini", 312, 1.359),
    ),
    (
        "LLM303",
        "fixtures/LLM303/history_through_helper.py",
        24,
        22,
        HISTORY_MESSAGE.format(name="history", loop="`while True:` loop", callee="ask"),
        ("gpt-5.4-mini", 1170, None),
    ),
    (
        "LLM502",
        "fixtures/LLM502/agent_loop_through_wrapper.py",
        33,
        21,
        LOOP_MESSAGE.format(callee="self._step", loop="`while True:` loop"),
        None,
    ),
    (
        "LLM303",
        "fixtures/LLM502/agent_loop_through_wrapper.py",
        33,
        32,
        HISTORY_MESSAGE.format(name="transcript", loop="`while True:` loop", callee="self._step"),
        ("claude-haiku-4-5", 1170, 1.17),
    ),
    (
        "LLM502",
        "fixtures/LLM502/recursive_agent_through_helper.py",
        24,
        19,
        RECURSION_MESSAGE.format(callee="complete", via="self.run"),
        None,
    ),
    (
        "LLM502",
        "fixtures/LLM502/research_until_done.py",
        20,
        20,
        LOOP_MESSAGE.format(callee="client.models.generate_content", loop="`while not finished:` loop"),
        ("gemini-3-flash-preview", 622, 1.811),
    ),
    (
        "LLM502",
        "fixtures/LLM502/returns_agent.py",
        28,
        20,
        LOOP_MESSAGE.format(callee="client.chat.completions.create", loop="`while True:` loop"),
        ("gpt-5.4-mini", 817, 3.61275),
    ),
    (
        "LLM303",
        "fixtures/LLM502/returns_agent.py",
        30,
        22,
        HISTORY_MESSAGE.format(
            name="messages", loop="`while True:` loop", callee="client.chat.completions.create"
        ),
        ("gpt-5.4-mini", 1170, None),
    ),
    (
        "LLM502",
        "fixtures/LLM502/structured_extraction_retry.py",
        21,
        17,
        LOOP_MESSAGE.format(callee="claude.messages.create", loop="`while True:` loop"),
        ("claude-haiku-4-5", 442, 2.042),
    ),
    (
        "LLM502",
        "fixtures/LLM502/tool_rounds_after_first_call.py",
        24,
        20,
        LOOP_MESSAGE.format(
            callee="client.chat.completions.create",
            loop='`while response.choices[0].finish_reason == "tool_calls":` loop',
        ),
        ("gpt-5.4-mini", 514, 2.2605),
    ),
    (
        "LLM303",
        "fixtures/LLM502/tool_rounds_after_first_call.py",
        25,
        44,
        HISTORY_MESSAGE.format(
            name="messages",
            loop='`while response.choices[0].finish_reason == "tool_calls":` loop',
            callee="client.chat.completions.create",
        ),
        ("gpt-5.4-mini", 1170, None),
    ),
    (
        "LLM502",
        "fixtures/LLM502/recursive_tool_calls.py",
        22,
        20,
        RECURSION_MESSAGE.format(callee="self.client.messages.create", via="self.ask"),
        ("claude-sonnet-4-5", 814, 12.042),
    ),
    (
        "LLM502",
        "fixtures/LLM502/recursive_tool_calls.py",
        34,
        18,
        RECURSION_MESSAGE.format(callee="client.chat.completions.create", via="answer"),
        ("gpt-5.4-mini", 600, 2.7),
    ),
    (
        "LLM502",
        "fixtures/LLM502/recursive_tool_calls.py",
        48,
        12,
        RECURSION_MESSAGE.format(callee="client.chat.completions.create", via="converse"),
        ("gpt-5.4-mini", 600, 2.7),
    ),
    (
        "LLM502",
        "fixtures/LLM502/recursive_tool_calls.py",
        67,
        20,
        RECURSION_MESSAGE.format(callee="client.chat.completions.create", via="self.stream"),
        ("gpt-5.4-mini", 600, 2.7),
    ),
    (
        "LLM303",
        "fixtures/LLM303/history_on_the_instance.py",
        20,
        44,
        KEPT_MESSAGE.format(
            name="self.messages", grown_in="ask", callee="self.client.chat.completions.create"
        ),
        ("gpt-5.4-mini", 1170, None),
    ),
    (
        "LLM303",
        "fixtures/LLM303/history_on_the_instance.py",
        38,
        79,
        KEPT_MESSAGE.format(
            name="self.history", grown_in="add_message", callee="self.client.messages.create"
        ),
        ("claude-haiku-4-5", 1170, 1.17),
    ),
    (
        "LLM303",
        "fixtures/LLM303/history_on_the_instance.py",
        53,
        63,
        KEPT_MESSAGE.format(
            name="self.turns", grown_in="narrate", callee="self.client.chat.completions.create"
        ),
        ("gpt-5.4-mini", 1170, None),
    ),
    (
        "LLM303",
        "fixtures/LLM303/negative_bounded_histories.py",
        103,
        44,
        KEPT_MESSAGE.format(name="self.history", grown_in="ask", callee="client.chat.completions.create"),
        ("gpt-5.4-mini", 1170, None),
    ),
    (
        "LLM501",
        "fixtures/real_world/batch_enrichment.py",
        18,
        16,
        BATCH_MESSAGE.format(
            callee="completion",
            loop="`for` loop over `reader`",
            via=" (through `blurb(row)`)",
            why='`if __name__ == "__main__":`',
        ),
        ("gpt-4o-mini", 10, 0.0015),
    ),
]


CONTEXT_FIXTURES = (
    "fixtures/LLM302",
    "fixtures/LLM303",
    "fixtures/LLM501",
    "fixtures/LLM502",
    "fixtures/real_world/batch_enrichment.py",
)


@pytest.fixture
def fixture_report(fixtures_report: dict) -> dict:
    """What `--select GROUP` over the context and loop fixtures reports, from the session's one run."""
    assert fixtures_report["errors"] == []
    return {
        "errors": [],
        "diagnostics": fixture_diagnostics(fixtures_report, CONTEXT_FIXTURES, GROUP.split(",")),
    }


def test_the_fixture_findings_are_pinned(fixture_report: dict) -> None:
    assert fixture_report["errors"] == []
    got = [
        (d["code"], d["path"], d["line"], d["column"], d["message"], savings(d))
        for d in fixture_report["diagnostics"]
    ]
    assert sorted(got) == sorted(FIXTURE_FINDINGS)
    assert all(d["fix"] is None for d in fixture_report["diagnostics"])


def _assumptions(report: dict, path: str, code: str) -> List[str]:
    [diagnostic] = [d for d in report["diagnostics"] if d["path"] == path and d["code"] == code]
    return diagnostic["savings"]["assumptions"]


def test_savings_assumptions_of_each_rule_are_pinned(fixture_report: dict) -> None:
    assert _assumptions(fixture_report, "fixtures/LLM302/summarise_file.py", "LLM302") == [
        "assumption: a document of 10,000 tokens (`assumed-document-tokens`); its real size is not known "
        "statically",
        "after the fix: 2,000 tokens of it are sent (`truncate-to-tokens`)",
        "prices: `gpt-5.4-mini` from the model table of 2026-11-28",
    ]
    assert _assumptions(fixture_report, "fixtures/LLM303/interview_practice.py", "LLM303") == [
        "assumption: sessions of 20 turns (`assumed-turns`), each adding 300 tokens (`tokens-per-turn`)",
        "after the fix: the last 8 turns are kept (`keep-turns`); averaged over the session's calls",
        "the removed tokens are priced at the input price: the history is not cached without breakpoints",
        "prices: `claude-haiku-4-5` from the model table of 2026-11-28",
    ]
    # gpt-5.4-mini caches a repeated prefix by itself, but the table has no cache-read price for it.
    assert _assumptions(fixture_report, "fixtures/LLM303/support_websocket.py", "LLM303")[2:] == [
        "the history is a cached prefix: the removed tokens are priced at the cache-read price",
        "`gpt-5.4-mini` lacks a price this saving needs: unpriced",
    ]
    assert _assumptions(fixture_report, "fixtures/LLM501/translate_catalog.py", "LLM501") == [
        "the Batch API takes 50% off input and output (`batch-discount` of `gpt-5.4-mini`)",
        "input: 24 tokens of static prompt text; dynamic content not counted",
        "output: the cap of 600 tokens (at most)",
        "prices: `gpt-5.4-mini` from the model table of 2026-11-28",
    ]
    assert _assumptions(fixture_report, "fixtures/real_world/batch_enrichment.py", "LLM501")[1:3] == [
        "input: 19 tokens of static prompt text; dynamic content not counted",
        "output: not counted (no literal cap)",
    ]
    assert _assumptions(fixture_report, "fixtures/LLM502/returns_agent.py", "LLM502") == [
        "per iteration past a cap: one more request like this one; a runaway loop has no bound",
        "input: 17 tokens of static prompt text; dynamic content not counted",
        "output: the cap of 800 tokens (at most)",
        "prices: `gpt-5.4-mini` from the model table of 2026-11-28",
    ]


def test_the_saving_of_the_batch_rule_is_the_discount_of_what_is_known(fixture_report: dict) -> None:
    """24 static input tokens and a 600-token cap, half off: 12 + 300 tokens at gpt-5.4-mini's prices
    ($0.75 / $4.50 per 1M tokens) = $1.359 per 1k calls."""
    [diagnostic] = [d for d in fixture_report["diagnostics"] if d["path"].endswith("translate_catalog.py")]
    assert diagnostic["savings"]["tokens_per_call"] == 12 + 300
    assert diagnostic["savings"]["usd_per_1k_calls"] == pytest.approx((12 * 0.75 + 300 * 4.5) / 1000)
