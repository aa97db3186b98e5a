"""The context and loop rules: LLM302 unbounded-document, LLM303 unbounded-history, LLM501 batchable-loop,
LLM502 unbounded-agent-loop.

The fixtures' findings are pinned exactly (code, position, message, savings); small inline projects pin each
rule's look-alikes and options; the extraction facts the rules rely on (loops, where a call runs, whole
documents) are tested at the end. None of these rules has an automatic fix.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import List, Optional

import libcst as cst
import pytest

from promptlint.cli import main
from promptlint.extract import extract_calls
from promptlint.ir import Dynamic, LLMCall
from promptlint.registry import load_registry

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


# -- the fixtures, pinned ------------------------------------------------------------------------------------

LOOP_MESSAGE = (
    "`{callee}` runs in a {loop} that only the model's output can end, with no iteration or budget cap"
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


@pytest.fixture(scope="module")
def fixture_report() -> dict:
    import os
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "promptlint", "check", "--no-cache", "--output-format", "json"]
        + ["--select", GROUP, "fixtures/LLM302", "fixtures/LLM303", "fixtures/LLM501", "fixtures/LLM502"]
        + ["fixtures/real_world/batch_enrichment.py"],
        cwd=str(ROOT),
        env={**os.environ, "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
    )
    assert result.returncode == 1, result.stderr
    return json.loads(result.stdout)


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


# -- the registry ---------------------------------------------------------------------------------------------


def test_the_rules_are_registered_with_their_defaults() -> None:
    rules = {rule.code: rule for rule in load_registry().rules}
    assert {code: (rules[code].name, rules[code].default_enabled) for code in GROUP.split(",")} == {
        "LLM302": ("unbounded-document", False),
        "LLM303": ("unbounded-history", True),
        "LLM501": ("batchable-loop", False),
        "LLM502": ("unbounded-agent-loop", True),
    }
    assert dict(rules["LLM302"].options) == {"assumed-document-tokens": 10000, "truncate-to-tokens": 2000}
    assert dict(rules["LLM303"].options) == {"assumed-turns": 20, "tokens-per-turn": 300, "keep-turns": 8}
    assert dict(rules["LLM501"].options) == {"min-items": 10}
    assert dict(rules["LLM502"].options) == {}
    assert all(rules[code].fix_availability == "none" for code in GROUP.split(","))


def test_opt_in_rules_stay_silent_by_default(project: Path, capsys) -> None:
    source = """\
        import sys
        from openai import OpenAI

        client = OpenAI()

        def main(paths):
            for path in paths:
                text = open(path).read()
                client.chat.completions.create(
                    model="gpt-5.4-mini",
                    messages=[{"role": "user", "content": text}],
                    max_completion_tokens=100,
                )

        if __name__ == "__main__":
            main(sys.argv[1:])
    """
    (project / "app.py").write_text(textwrap.dedent(source), encoding="utf-8")
    main(["check", "--no-cache", "--output-format", "json", "app.py"])
    by_default = {d["code"] for d in json.loads(capsys.readouterr().out)["diagnostics"]}
    assert not by_default & {"LLM302", "LLM501"}
    assert {d["code"] for d in lint(project, source, capsys)} == {"LLM302", "LLM501"}


# -- LLM502 unbounded-agent-loop ------------------------------------------------------------------------------

AGENT_HEADER = """\
import json
import itertools
from openai import OpenAI

client = OpenAI()

"""


def agent(body: str) -> str:
    return AGENT_HEADER + textwrap.dedent(body)


def test_llm502_while_true_on_tool_calls(project: Path, capsys) -> None:
    diagnostics = lint(
        project,
        agent(
            """\
            def run(messages, tools):
                while True:
                    response = client.chat.completions.create(
                        model="gpt-5.6-luna", messages=messages, tools=tools, max_completion_tokens=256
                    )
                    message = response.choices[0].message
                    if not message.tool_calls:
                        return message.content
                    messages.append(message)
            """
        ),
        capsys,
        select="LLM502",
    )
    assert found(diagnostics) == [
        (
            "LLM502",
            9,
            20,
            LOOP_MESSAGE.format(callee="client.chat.completions.create", loop="`while True:` loop"),
        )
    ]
    # Nothing static in the prompt: only the output cap is counted.
    assert savings(diagnostics[0]) == ("gpt-5.6-luna", 256, 0.3072)
    assert diagnostics[0]["savings"]["assumptions"][1] == "input: not counted (no static prompt text)"


@pytest.mark.parametrize(
    ("loop", "exit_code", "described"),
    [
        ("for step in itertools.count():", "if reply.choices[0].finish_reason == 'stop':\n    break", None),
        ("while not done:", "done = reply.choices[0].finish_reason == 'stop'", "`while not done:` loop"),
        (
            "while True:",
            "if 'DONE' in (reply.choices[0].message.content or ''):\n    raise StopIteration",
            None,
        ),
    ],
)
def test_llm502_loops_ended_only_by_the_model(project: Path, capsys, loop, exit_code, described) -> None:
    exit_lines = textwrap.indent(exit_code, " " * 8)
    source = (
        AGENT_HEADER
        + "def run(prompt):\n"
        + "    done = False\n"
        + f"    {loop}\n"
        + '        reply = client.chat.completions.create(model="gpt-5.6-luna", max_completion_tokens=50,\n'
        + '                                               messages=[{"role": "user", "content": prompt}])\n'
        + exit_lines
        + "\n"
    )
    diagnostics = lint(project, source, capsys, select="LLM502")
    expected = described or (
        "`for` loop over `itertools.count()`" if "count" in loop else "`while True:` loop"
    )
    assert found(diagnostics) == [
        ("LLM502", 10, 17, LOOP_MESSAGE.format(callee="client.chat.completions.create", loop=expected))
    ]


@pytest.mark.parametrize(
    "body",
    [
        # an iteration cap in the loop statement
        """\
        for _ in range(10):
            reply = ask()
            if reply.choices[0].finish_reason == "stop":
                break
        """,
        # a counter in the condition
        """\
        turn = 0
        while turn < 10:
            turn += 1
            reply = ask()
            if reply.choices[0].finish_reason == "stop":
                break
        """,
        # an exit guarded by a counter compared for equality
        """\
        turn = 0
        while True:
            turn += 1
            reply = ask()
            if reply.choices[0].finish_reason == "stop" or turn == 10:
                break
        """,
        # a budget check in the body
        """\
        while True:
            reply = ask()
            tracker.charge_budget(reply.usage)
            if reply.choices[0].finish_reason == "stop":
                break
        """,
        # a counted retry in an except handler
        """\
        attempts = 0
        while True:
            attempts += 1
            reply = ask()
            try:
                return json.loads(reply.choices[0].message.content)
            except ValueError:
                if attempts > 3:
                    raise
        """,
        # an exit that does not depend on the model: a stop flag
        """\
        while True:
            reply = ask()
            if stop_event.is_set():
                break
        """,
        # one exit on the model, one on something else
        """\
        while True:
            reply = ask()
            if reply.choices[0].finish_reason == "stop" or cancelled():
                break
        """,
        # a retry until the request succeeds, not until the model says something
        """\
        while True:
            try:
                reply = ask()
                break
            except TimeoutError:
                continue
        """,
        # a person answers every turn
        """\
        while True:
            reply = ask()
            if reply.choices[0].finish_reason == "stop" and input("again? ") == "n":
                break
        """,
        # a daemon with no exit: driven by whatever feeds it
        """\
        while True:
            reply = ask()
            publish(reply)
        """,
        # a condition on something the loop does not compute from the reply
        """\
        while queue:
            reply = ask(queue.pop())
        """,
    ],
)
def test_llm502_silent_on_capped_or_externally_driven_loops(project: Path, capsys, body: str) -> None:
    source = AGENT_HEADER + (
        "def ask(*args):\n    return None\n\n"
        "def run():\n"
        + textwrap.indent(textwrap.dedent(body), "    ").replace(
            "ask()",
            'client.chat.completions.create(model="gpt-5.6-luna", messages=[], max_completion_tokens=9)',
        )
    )
    source = source.replace(
        "ask(queue.pop())",
        'client.chat.completions.create(model="gpt-5.6-luna", messages=queue.pop(), max_completion_tokens=9)',
    )
    assert lint(project, source, capsys, select="LLM502") == []


# -- LLM303 unbounded-history ---------------------------------------------------------------------------------

CHAT_HEADER = """\
from anthropic import Anthropic

claude = Anthropic()

"""


def test_llm303_points_at_the_resent_list_and_prices_a_session(project: Path, capsys) -> None:
    diagnostics = lint(
        project,
        CHAT_HEADER
        + textwrap.dedent(
            """\
            def chat():
                history = []
                while True:
                    history.append({"role": "user", "content": input("> ")})
                    reply = claude.messages.create(model="claude-haiku-4-5", max_tokens=300, messages=history)
                    history.append({"role": "assistant", "content": reply.content[0].text})
            """
        ),
        capsys,
        select="LLM303",
    )
    message = HISTORY_MESSAGE.format(
        name="history", loop="`while True:` loop", callee="claude.messages.create"
    )
    assert found(diagnostics) == [("LLM303", 9, 91, message)]
    # 20 turns of 300 tokens against a window of 8: (210 - 132) x 300 / 20 = 1,170 tokens per call at
    # claude-haiku-4-5's input price ($1 per 1M).
    assert savings(diagnostics[0]) == ("claude-haiku-4-5", 1170, 1.17)


def test_llm303_options_change_the_session_model(project: Path, capsys) -> None:
    config = """\
        [tool.promptlint.rules.unbounded-history]
        assumed-turns = 10
        tokens-per-turn = 1000
        keep-turns = 4
    """
    source = CHAT_HEADER + textwrap.dedent(
        """\
        def chat(history):
            for question in iter(input, ""):
                history.append({"role": "user", "content": question})
                reply = claude.messages.create(model="claude-haiku-4-5", max_tokens=300, messages=history)
        """
    )
    [diagnostic] = lint(project, source, capsys, select="LLM303", config=config)
    # (55 - (10 + 6 x 4)) x 1000 / 10 = 2,100 tokens per call.
    assert savings(diagnostic) == ("claude-haiku-4-5", 2100, 2.1)
    assert diagnostic["savings"]["assumptions"][:2] == [
        "assumption: sessions of 10 turns (`assumed-turns`), each adding 1,000 tokens (`tokens-per-turn`)",
        "after the fix: the last 4 turns are kept (`keep-turns`); averaged over the session's calls",
    ]


@pytest.mark.parametrize(
    ("sent", "column"),
    [("messages=history", 91), ("messages=[SYSTEM, *history]", 101), ("messages=history + [NUDGE]", 91)],
)
def test_llm303_recognises_how_the_list_is_sent(project: Path, capsys, sent: str, column: int) -> None:
    source = CHAT_HEADER + textwrap.dedent(
        f"""\
        SYSTEM = {{"role": "user", "content": "Be brief."}}
        NUDGE = {{"role": "user", "content": "Go on."}}

        def chat(history):
            while True:
                history.append({{"role": "user", "content": input("> ")}})
                reply = claude.messages.create(model="claude-haiku-4-5", max_tokens=300, {sent})
        """
    )
    [diagnostic] = lint(project, source, capsys, select="LLM303")
    assert (diagnostic["line"], diagnostic["column"]) == (11, column)


@pytest.mark.parametrize(
    "body",
    [
        "history = history[-8:]",
        "del history[1:3]",
        "history.pop(0)",
        "history.clear()",
        "history[:] = history[-8:]",
        "compact(history)",
        "compact(messages=history)",
    ],
)
def test_llm303_silent_when_the_list_is_trimmed(project: Path, capsys, body: str) -> None:
    source = CHAT_HEADER + textwrap.dedent(
        f"""\
        def chat():
            history = []
            while True:
                history.append({{"role": "user", "content": input("> ")}})
                {body}
                claude.messages.create(model="claude-haiku-4-5", max_tokens=300, messages=history)
        """
    )
    assert lint(project, source, capsys, select="LLM303") == []


@pytest.mark.parametrize(
    "loop",
    ["for _ in range(50):", "for step in ('plan', 'draft', 'review'):", "while len(history) < 40:"],
)
def test_llm303_silent_in_capped_loops(project: Path, capsys, loop: str) -> None:
    source = CHAT_HEADER + textwrap.dedent(
        f"""\
        def chat():
            history = []
            {loop}
                history.append({{"role": "user", "content": "Next step."}})
                claude.messages.create(model="claude-haiku-4-5", max_tokens=300, messages=history)
        """
    )
    assert lint(project, source, capsys, select="LLM303") == []


def test_llm303_silent_when_the_list_is_rebuilt_or_read_only(project: Path, capsys) -> None:
    source = CHAT_HEADER + textwrap.dedent(
        """\
        import logging

        def rebuilt(questions):
            for question in questions:
                history = [{"role": "user", "content": question}]
                history.append({"role": "user", "content": "Answer in one line."})
                claude.messages.create(model="claude-haiku-4-5", max_tokens=30, messages=history)

        def logged_but_growing():
            history = []
            while True:
                history.append({"role": "user", "content": input("> ")})
                logging.info("sending %d messages", len(history))
                claude.messages.create(model="claude-haiku-4-5", max_tokens=30, messages=history)
        """
    )
    # Logging the list's length neither trims nor hands it over: only the second loop grows.
    assert [(d["code"], d["line"]) for d in lint(project, source, capsys, select="LLM303")] == [
        ("LLM303", 18)
    ]


@pytest.mark.parametrize(
    "read",
    [
        "logger.log(logging.DEBUG, history)",
        "print(sorted(history, key=str))",
        "pprint.pprint(history)",
        "print(pprint.pformat(history))",
    ],
)
def test_llm303_calls_that_only_read_the_list_do_not_silence_it(project: Path, capsys, read: str) -> None:
    # One table of non-mutating calls serves both the scope builder (which records a list handed to a
    # helper as "escaped") and the history check: a call in either table only reads the list.
    source = CHAT_HEADER + textwrap.dedent(
        f"""\
        import logging
        import pprint

        logger = logging.getLogger(__name__)

        def chat():
            history = []
            while True:
                history.append({{"role": "user", "content": input("> ")}})
                {read}
                claude.messages.create(model="claude-haiku-4-5", max_tokens=30, messages=history)
        """
    )
    assert [(d["code"], d["line"], d["column"]) for d in lint(project, source, capsys, select="LLM303")] == [
        ("LLM303", 15, 82)
    ]


# -- LLM501 batchable-loop ------------------------------------------------------------------------------------

SCRIPT_FOOTER = """

if __name__ == "__main__":
    main()
"""


def test_llm501_unknown_model_is_reported_unpriced(project: Path, capsys) -> None:
    source = (
        textwrap.dedent(
            """\
        from openai import OpenAI

        client = OpenAI()

        def main(model, rows):
            for row in rows:
                client.chat.completions.create(
                    model=model, messages=[{"role": "user", "content": row}], max_completion_tokens=64
                )
        """
        )
        + SCRIPT_FOOTER
    )
    [diagnostic] = lint(project, source, capsys, select="LLM501")
    assert (diagnostic["line"], diagnostic["column"]) == (7, 9)
    assert savings(diagnostic) == (None, 0, None)
    assert diagnostic["savings"]["assumptions"] == [
        "the batch discount is per model",
        "model not known statically: set `default-model` to price it",
    ]


def test_llm501_litellm_is_reported_by_the_model_provider(project: Path, capsys) -> None:
    source = (
        textwrap.dedent(
            """\
        import litellm

        def main(rows):
            for row in rows:
                litellm.completion("claude-haiku-4-5", [{"role": "user", "content": row}], max_tokens=100)
            for row in rows:
                litellm.completion("deepseek-chat", [{"role": "user", "content": row}], max_tokens=100)
        """
        )
        + SCRIPT_FOOTER
    )
    diagnostics = lint(project, source, capsys, select="LLM501")
    assert [(d["line"], d["column"]) for d in diagnostics] == [(5, 9)]  # DeepSeek has no Batch API
    assert savings(diagnostics[0]) == ("claude-haiku-4-5", 50, 0.25)


@pytest.mark.parametrize(("items", "reported"), [(9, False), (10, True)])
def test_llm501_min_items_skips_small_literal_collections(
    project: Path, capsys, items: int, reported
) -> None:
    names = ", ".join(f'"lang{index}"' for index in range(items))
    source = (
        textwrap.dedent(
            f"""\
        from openai import OpenAI

        client = OpenAI()
        LANGUAGES = [{names}]

        def main():
            for language in LANGUAGES:
                client.chat.completions.create(
                    model="gpt-5.6-luna",
                    messages=[{{"role": "user", "content": f"Say hello in {{language}}."}}],
                    max_completion_tokens=20,
                )
        """
        )
        + SCRIPT_FOOTER
    )
    assert bool(lint(project, source, capsys, select="LLM501")) is reported


def test_llm501_min_items_option(project: Path, capsys) -> None:
    source = (
        textwrap.dedent(
            """\
        from openai import OpenAI

        client = OpenAI()

        def main():
            for size in range(5):
                client.chat.completions.create(
                    model="gpt-5.6-luna",
                    messages=[{"role": "user", "content": f"A haiku of {size} lines."}],
                    max_completion_tokens=20,
                )
            for name in ["a", "b", "c"]:
                client.chat.completions.create(
                    model="gpt-5.6-luna",
                    messages=[{"role": "user", "content": f"A haiku about {name}."}],
                    max_completion_tokens=20,
                )
        """
        )
        + SCRIPT_FOOTER
    )
    config = """\
        [tool.promptlint.rules.batchable-loop]
        min-items = 3
    """
    # ``range(5)`` is never data; the three names are enough with min-items = 3.
    assert [d["line"] for d in lint(project, source, capsys, select="LLM501", config=config)] == [13]


@pytest.mark.parametrize(
    ("header", "evidence"),
    [
        ("import argparse\n", "`argparse`"),
        ("import click\n", "`click`"),
        ("from celery import Celery\napp = Celery('jobs')\n", "`celery.Celery`"),
    ],
)
def test_llm501_evidence_of_unattended_code(project: Path, capsys, header: str, evidence: str) -> None:
    source = header + textwrap.dedent(
        """\
        from openai import OpenAI

        client = OpenAI()

        def run(rows):
            for row in rows:
                client.chat.completions.create(
                    model="gpt-5.6-luna", messages=[{"role": "user", "content": row}], max_completion_tokens=20
                )
        """
    )
    [diagnostic] = lint(project, source, capsys, select="LLM501")
    assert diagnostic["message"].endswith(f"in code that runs unattended ({evidence})")


def test_llm501_module_under_a_scripts_directory(project: Path, capsys) -> None:
    source = """\
        from openai import OpenAI

        client = OpenAI()

        def run(rows):
            return [
                client.chat.completions.create(
                    model="gpt-5.6-luna", messages=[{"role": "user", "content": row}], max_completion_tokens=20
                )
                for row in rows
            ]
    """
    (project / "pyproject.toml").write_text("[tool.promptlint]\n", encoding="utf-8")
    [diagnostic] = lint(project, source, capsys, select="LLM501", name="scripts/backfill.py")
    assert diagnostic["message"] == BATCH_MESSAGE.format(
        callee="client.chat.completions.create",
        loop="comprehension over `rows`",
        via="",
        why="a module under `scripts/`",
    )


@pytest.mark.parametrize(
    "source",
    [
        # a route handler, even in a module with a main guard
        """\
        from flask import Flask
        from openai import OpenAI
        app = Flask(__name__)
        client = OpenAI()

        @app.route("/bulk")
        def bulk():
            return [client.chat.completions.create(model="gpt-5.6-luna", messages=[m], max_completion_tokens=9)
                    for m in MESSAGES]

        if __name__ == "__main__":
            app.run()
        """,
        # a Streamlit script
        """\
        import streamlit as st
        from openai import OpenAI
        client = OpenAI()
        for row in st.session_state.rows:
            client.chat.completions.create(model="gpt-5.6-luna", messages=[row], max_completion_tokens=9)
        """,
        # streamed responses
        """\
        from openai import OpenAI
        client = OpenAI()
        def main(rows):
            for row in rows:
                client.chat.completions.create(model="gpt-5.6-luna", messages=[row], stream=True,
                                               max_completion_tokens=9)
        if __name__ == "__main__":
            main([])
        """,
        # a helper called from two places: which loop runs it is not one thing
        """\
        from openai import OpenAI
        client = OpenAI()
        def tag(row):
            return client.chat.completions.create(model="gpt-5.6-luna", messages=[row], max_completion_tokens=9)
        def main(rows):
            for row in rows:
                tag(row)
            tag(None)
        if __name__ == "__main__":
            main([])
        """,
        # a helper handed to an executor
        """\
        from concurrent.futures import ThreadPoolExecutor
        from openai import OpenAI
        client = OpenAI()
        def tag(row):
            return client.chat.completions.create(model="gpt-5.6-luna", messages=[row], max_completion_tokens=9)
        def main(rows):
            with ThreadPoolExecutor() as pool:
                pool.map(tag, rows)
            for row in rows:
                tag(row)
        if __name__ == "__main__":
            main([])
        """,
        # Anthropic's legacy Text Completions have no batch endpoint
        """\
        from anthropic import Anthropic
        claude = Anthropic()
        def main(rows):
            for row in rows:
                claude.completions.create(model="claude-2.1", prompt=row, max_tokens_to_sample=9)
        if __name__ == "__main__":
            main([])
        """,
    ],
)
def test_llm501_silent(project: Path, capsys, source: str) -> None:
    assert lint(project, source, capsys, select="LLM501") == []


# -- LLM302 unbounded-document --------------------------------------------------------------------------------

DOC_HEADER = """\
import json
import sys
import urllib.request
from pathlib import Path

import httpx
from openai import OpenAI

client = OpenAI()

"""


def ask(content: str) -> str:
    """A request that sends ``content`` as the user message (written out, so that it is traced)."""
    return (
        'client.chat.completions.create(model="gpt-5.6-luna", '
        f'messages=[{{"role": "user", "content": {content}}}], max_completion_tokens=100)'
    )


@pytest.mark.parametrize(
    ("code", "what"),
    [
        ("text = open(path, encoding='utf-8').read()", "a whole file"),
        ("text = Path(path).read_text()", "a whole file"),
        ("text = sys.stdin.read()", "a whole file"),
        ("text = urllib.request.urlopen(path).read().decode()", "a whole web page"),
        ("text = httpx.get(path).text", "a whole web page"),
        ("text = '\\n'.join(Path(path).read_text().splitlines())", "a whole file"),
        ("text = '\\n'.join(p.name for p in Path(path).iterdir())", "a whole collection"),
    ],
)
def test_llm302_recognises_whole_documents(project: Path, capsys, code: str, what: str) -> None:
    source = DOC_HEADER + textwrap.dedent(
        f"""\
        def summarise(path):
            {code}
            return client.chat.completions.create(
                model="gpt-5.6-luna",
                messages=[{{"role": "user", "content": "Summarise:\\n" + text}}],
                max_completion_tokens=100,
            )
        """
    )
    [diagnostic] = lint(project, source, capsys, select="LLM302")
    assert (diagnostic["line"], diagnostic["column"]) == (12, 12)
    assert f" puts {what} into the prompt of `client.chat.completions.create`" in diagnostic["message"]
    # 10,000 assumed tokens cut to 2,000: 8,000 tokens at gpt-5.6-luna's input price ($0.20 per 1M).
    assert savings(diagnostic) == ("gpt-5.6-luna", 8000, 1.6)


def test_llm302_options_set_the_assumed_sizes(project: Path, capsys) -> None:
    config = """\
        [tool.promptlint.rules.unbounded-document]
        assumed-document-tokens = 50000
        truncate-to-tokens = 5000
    """
    source = DOC_HEADER + "def review(path):\n    " + ask('f"Review this log:\\n{open(path).read()}"') + "\n"
    [diagnostic] = lint(project, source, capsys, select="LLM302", config=config)
    assert (diagnostic["line"], diagnostic["column"]) == (12, 117)
    assert savings(diagnostic) == ("gpt-5.6-luna", 45000, 9.0)
    assert diagnostic["message"] == DOCUMENT_MESSAGE.format(
        source="open(path).read()", what="a whole file", callee="client.chat.completions.create"
    )


@pytest.mark.parametrize(
    "code",
    [
        "text = open(path).read()[:4000]",
        "text = open(path).read()\n    text = text[:4000]",
        "text = truncate(open(path).read(), 4000)",
        "text = open(path).read()\n    if len(text) > 40_000:\n        raise ValueError(path)",
        "text = open(path, 'rb').read()",
        "text = (Path(__file__).parent / 'prompt.md').read_text()",
        "text = (Path(__file__).parent / path).read_text()",
        "text = open(PROMPTS[path]).read()",
        "text = '\\n'.join(path)",
        "text = json.dumps(path)",
        "text = httpx.get(path).json()['summary']",
    ],
)
def test_llm302_silent_on_bounded_or_unknown_documents(project: Path, capsys, code: str) -> None:
    source = (
        DOC_HEADER + "PROMPTS = {}\n\n" + "def summarise(path):\n    " + code + "\n    " + ask("text") + "\n"
    )
    assert lint(project, source, capsys, select="LLM302") == []


def test_llm302_query_results_need_a_visible_unbounded_query(project: Path, capsys) -> None:
    source = DOC_HEADER + textwrap.dedent(
        f"""\
        def everything(db):
            rows = db.execute("SELECT * FROM notes").fetchall()
            {ask("json.dumps(rows)")}

        def latest(db):
            rows = db.execute("SELECT * FROM notes ORDER BY id DESC LIMIT 10").fetchall()
            {ask("json.dumps(rows)")}

        def unknown(db, query):
            rows = db.execute(query).fetchall()
            {ask("json.dumps(rows)")}

        def orm(session, Note):
            {ask("json.dumps([n.text for n in session.query(Note).all()])")}
            {ask("json.dumps([n.text for n in session.query(Note).limit(5).all()])")}
        """
    )
    positions = [(d["line"], d["column"]) for d in lint(project, source, capsys, select="LLM302")]
    assert positions == [(13, 96), (24, 96)]


# -- extraction facts -----------------------------------------------------------------------------------------


def calls(source: str, name: str = "app.py", root: Optional[Path] = None) -> List[LLMCall]:
    root = root if root is not None else Path("/nonexistent-project")
    module = cst.parse_module(textwrap.dedent(source))
    found_calls, _resolver = extract_calls(module, root / name, root)
    return found_calls


def one(source: str, **kwargs) -> LLMCall:
    [call] = calls(source, **kwargs)
    return call


LOOP_HEADER = """\
from openai import OpenAI
client = OpenAI()
"""


def loop_of(body: str):
    return one(LOOP_HEADER + textwrap.dedent(body)).loops


def test_loop_facts_for_a_for_loop_over_data() -> None:
    [loop] = loop_of(
        """\
        def run(rows):
            for row in sorted(rows):
                r = client.chat.completions.create(model="m", messages=[row])
                print(r)
        """
    )
    assert (loop.kind, loop.iterable, loop.items, loop.over_collection, loop.capped) == (
        "for",
        "sorted(rows)",
        None,
        True,
        False,
    )
    assert not (loop.early_exit or loop.result_feeds_prompt or loop.reads_input or loop.yields)


@pytest.mark.parametrize(
    ("iterable", "items", "over_collection", "cap"),
    [
        ("range(12)", 12, False, "range(12)"),
        ("range(len(ROWS))", 3, True, ""),
        ("enumerate(ROWS)", 3, True, ""),
        ("zip(ROWS, ROWS)", 3, True, ""),
        ("TABLE.items()", 2, True, ""),
        ("itertools.islice(stream, 5)", None, True, "itertools.islice(stream, 5)"),
        ("tenacity.Retrying()", None, False, "tenacity.Retrying()"),
    ],
)
def test_loop_items_and_caps(iterable: str, items, over_collection: bool, cap: str) -> None:
    [loop] = loop_of(
        f"""\
        import itertools
        import tenacity
        ROWS = ["a", "b", "c"]
        TABLE = {{"x": 1, "y": 2}}
        def run(stream):
            for item in {iterable}:
                client.chat.completions.create(model="m", messages=[])
        """
    )
    assert (loop.items, loop.over_collection, loop.cap) == (items, over_collection, cap)


def test_loop_facts_for_the_underscore_target_and_retry_names() -> None:
    [repeat] = loop_of("for _ in rows:\n    client.chat.completions.create(model='m', messages=[])\n")
    [retry] = loop_of(
        "for attempt in attempts:\n    client.chat.completions.create(model='m', messages=[])\n"
    )
    assert not repeat.over_collection and not retry.over_collection


def test_loop_facts_follow_the_result_into_the_next_request() -> None:
    [loop] = loop_of(
        """\
        def run(chunks):
            summary = ""
            for chunk in chunks:
                r = client.chat.completions.create(model="m", messages=[{"role": "user", "content": summary + chunk}])
                text = r.choices[0].message.content
                summary = text.strip()
        """
    )
    assert loop.result_feeds_prompt


def test_loop_facts_of_nested_loops_innermost_first() -> None:
    inner, outer = loop_of(
        """\
        def run(batches):
            while True:
                for item in batches.get():
                    client.chat.completions.create(model="m", messages=[item])
        """
    )
    assert (inner.kind, outer.kind) == ("for", "while-true")
    assert not outer.exits_on_output  # no exit at all: a worker


def test_calls_in_a_for_loop_iterable_run_once() -> None:
    call = one(
        LOOP_HEADER
        + "for choice in client.chat.completions.create(model='m', messages=[]).choices:\n    print(choice)\n"
    )
    assert call.loops == ()


def test_caller_loops_of_a_helper_called_once_in_a_loop() -> None:
    call = one(
        LOOP_HEADER
        + textwrap.dedent(
            """\
            def label(row):
                return client.chat.completions.create(model="m", messages=[row])
            def main(rows):
                return {row["id"]: label(row) for row in rows}
            """
        )
    )
    assert call.loops == ()
    [loop] = call.caller_loops
    assert (loop.kind, loop.iterable, loop.via) == ("comprehension", "rows", "label(row)")


@pytest.mark.parametrize(
    ("source", "name", "expected"),
    [
        ("import argparse\n", "app.py", ("batch", "`argparse`")),
        ('if __name__ == "__main__":\n    pass\n', "app.py", ("batch", '`if __name__ == "__main__":`')),
        ("# %%\nx = 1\n# %%\n", "app.py", ("batch", "notebook cells (`# %%`)")),
        ("", "jobs/nightly.py", ("batch", "a module under `jobs/`")),
        ("", "app/management/commands/tag.py", ("batch", "a Django management command")),
        ("import gradio as gr\nimport argparse\n", "app.py", ("interactive", "`gradio`")),
        ("from fastapi import APIRouter\n", "scripts/app.py", ("interactive", "`fastapi.APIRouter`")),
        ("", "app.py", ("unknown", "")),
    ],
)
def test_where_a_call_runs(source: str, name: str, expected: tuple) -> None:
    root = Path("/nonexistent-project")
    call = one(
        source + LOOP_HEADER + "client.chat.completions.create(model='m', messages=[])\n",
        name=name,
        root=root,
    )
    assert (call.runs_in, call.runs_in_evidence) == expected


def test_route_decorators_make_a_call_interactive() -> None:
    call = one(
        LOOP_HEADER
        + textwrap.dedent(
            """\
            import argparse
            @router.post("/summaries")
            def summaries(rows):
                return [client.chat.completions.create(model="m", messages=[r]) for r in rows]
            """
        )
    )
    assert (call.runs_in, call.runs_in_evidence) == ("interactive", "`@router.post`")


def test_streaming_and_async_facts() -> None:
    streamed, maybe, plain = calls(
        LOOP_HEADER
        + textwrap.dedent(
            """\
            async def run(flag):
                client.chat.completions.create(model="m", messages=[], stream=True)
                client.chat.completions.create(model="m", messages=[], stream=flag)
                client.chat.completions.create(model="m", messages=[], stream=False)
            """
        )
    )
    assert (streamed.streams, maybe.streams, plain.streams) == (True, True, False)
    assert streamed.in_async_function


def _documents(call: LLMCall) -> List[tuple]:
    return [
        (segment.document, cst.Module([]).code_for_node(segment.document_node))
        for part in call.prompt
        for segment in part.text.segments
        if isinstance(segment, Dynamic) and segment.document
    ]


def test_documents_are_followed_through_names_and_templates() -> None:
    call = one(
        LOOP_HEADER
        + textwrap.dedent(
            """\
            import requests
            def digest(url, question):
                page = requests.get(url).text
                prompt = "Page:\\n{}\\n\\nQuestion: {}".format(page, question)
                return client.chat.completions.create(model="m", messages=[{"role": "user", "content": prompt}])
            """
        )
    )
    assert _documents(call) == [("web page", "requests.get(url).text")]


def test_documents_from_command_line_arguments() -> None:
    call = one(
        LOOP_HEADER
        + textwrap.dedent(
            """\
            import argparse, sys
            args = argparse.ArgumentParser().parse_args()
            NOTES = open(sys.argv[1]).read()
            def run():
                with open(args.input) as handle:
                    body = handle.read()
                return client.chat.completions.create(
                    model="m", messages=[{"role": "system", "content": NOTES}, {"role": "user", "content": body}]
                )
            """
        )
    )
    assert _documents(call) == [("file", "open(sys.argv[1]).read()"), ("file", "handle.read()")]


def test_a_loop_with_two_requests_is_reported_once(project: Path, capsys) -> None:
    """A self-refining loop: the critique ends it, and each draft feeds the next critique."""
    source = AGENT_HEADER + textwrap.dedent(
        """\
        def refine(messages):
            draft = ""
            while True:
                critique = client.chat.completions.create(
                    model="gpt-5.6-luna", messages=messages + [draft], max_completion_tokens=200
                )
                if "no issues" in critique.choices[0].message.content:
                    return draft
                draft = client.chat.completions.create(
                    model="gpt-5.6-luna", messages=messages + [critique], max_completion_tokens=200
                )
                messages.append(draft)
        """
    )
    assert [(d["code"], d["line"], d["column"]) for d in lint(project, source, capsys)] == [
        ("LLM502", 10, 20),
        ("LLM303", 11, 44),
    ]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "import requests\nfrom markdownify import markdownify\ndef f(url):\n"
            "    text = markdownify(requests.get(url).text)\n",
            [("web page", "markdownify(requests.get(url).text)")],
        ),
        (
            "from pypdf import PdfReader\ndef f(path):\n    reader = PdfReader(path)\n"
            "    text = '\\n'.join(page.extract_text() for page in reader.pages)\n",
            [("file", "'\\n'.join(page.extract_text() for page in reader.pages)")],
        ),
        (
            "import pandas as pd\ndef f(path):\n    frame = pd.read_csv(path)\n    text = frame.to_string()\n",
            [("data frame", "frame.to_string()")],
        ),
        (
            "import pandas as pd\ndef f(path):\n    frame = pd.read_csv(path)\n    text = frame.head(20).to_string()\n",
            [],
        ),
        (
            "def f(path):\n    with open(path) as handle:\n        lines = handle.readlines()\n"
            "    text = ''.join(lines)\n",
            [("file", "''.join(lines)")],
        ),
        (
            "import json\nfrom notes.models import Note\ndef f():\n"
            "    text = json.dumps(list(Note.objects.all().values('title')))\n",
            [("query results", "json.dumps(list(Note.objects.all().values('title')))")],
        ),
        (
            "import os\ndef f(folder):\n    text = '\\n'.join(os.listdir(folder))\n",
            [("collection", "'\\n'.join(os.listdir(folder))")],
        ),
        (
            "from pathlib import Path\ndef f(folder):\n    for path in Path(folder).glob('*.md'):\n"
            "        text = path.read_text()\n",
            [("file", "path.read_text()")],
        ),
        (
            "from pathlib import Path\ndef f():\n    for path in Path('prompts').glob('*.md'):\n"
            "        text = path.read_text()\n",
            [],
        ),
        ("import os\ndef f():\n    text = open(os.environ['NOTES_FILE']).read()\n", []),
    ],
)
def test_document_kinds(body: str, expected: list) -> None:
    indent = "        " if "for path" in body else "    "
    send = (
        indent + "client.chat.completions.create(model='m', messages=[{'role': 'user', 'content': text}])\n"
    )
    assert _documents(one(LOOP_HEADER + body + send)) == expected


def test_llm303_module_level_history_trimmed_in_a_helper(project: Path, capsys) -> None:
    script = """\
        from openai import OpenAI

        client = OpenAI()
        history = []
        {helper}
        while True:
            history.append({{"role": "user", "content": input("> ")}})
            reply = client.chat.completions.create(model="gpt-5.6-luna", messages=history, max_completion_tokens=9)
            history[-1]["content"] = history[-1]["content"].strip()
    """
    script = textwrap.dedent(script)
    trimmed = script.format(helper="\ndef reset():\n    history.clear()\n")
    assert lint(project, trimmed, capsys, select="LLM303") == []
    growing = script.format(helper="")
    assert [(d["line"], d["column"]) for d in lint(project, growing, capsys, select="LLM303")] == [(8, 75)]
