"""Moved from tests/test_rules_context_loops.py (batch file dissolved into one file per rule or concern)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import List, Optional

import pytest

from promptlint.cli import main

ROOT = Path(__file__).resolve().parents[2]


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


RECURSION_MESSAGE = (
    "`{callee}` runs in a recursion through `{via}` that only the model's output can end, "
    "with no depth or budget cap"
)


def test_llm502_method_that_calls_itself_after_tool_calls(project: Path, capsys) -> None:
    diagnostics = lint(
        project,
        agent(
            """\
            class Agent:
                def ask(self, messages, tools):
                    response = client.chat.completions.create(
                        model="gpt-5.6-luna", messages=messages, tools=tools, max_completion_tokens=256
                    )
                    message = response.choices[0].message
                    if message.tool_calls:
                        messages.append(message)
                        return self.ask(messages, tools)
                    return message.content
            """
        ),
        capsys,
        select="LLM502",
    )
    assert found(diagnostics) == [
        ("LLM502", 9, 20, RECURSION_MESSAGE.format(callee="client.chat.completions.create", via="self.ask"))
    ]
    assert savings(diagnostics[0]) == ("gpt-5.6-luna", 256, 0.3072)


def test_llm502_recursion_through_the_caller_of_the_request(project: Path, capsys) -> None:
    diagnostics = lint(
        project,
        agent(
            """\
            def send(messages):
                return client.chat.completions.create(
                    model="gpt-5.6-luna", messages=messages, max_completion_tokens=256
                )


            def run(messages):
                reply = send(messages)
                if not reply.choices[0].message.tool_calls:
                    return reply.choices[0].message.content
                messages.append(reply.choices[0].message)
                return run(messages)
            """
        ),
        capsys,
        select="LLM502",
    )
    assert found(diagnostics) == [
        ("LLM502", 8, 12, RECURSION_MESSAGE.format(callee="client.chat.completions.create", via="run"))
    ]


@pytest.mark.parametrize(
    "body",
    [
        # a depth parameter counted up and checked
        """\
        def run(messages, depth=0):
            if depth > 4:
                raise RuntimeError("too deep")
            reply = client.chat.completions.create(model="gpt-5.6-luna", messages=messages, max_completion_tokens=9)
            if reply.choices[0].message.tool_calls:
                return run(messages, depth + 1)
            return reply
        """,
        # a counter argument without a checked guard here
        """\
        def run(messages, left):
            reply = client.chat.completions.create(model="gpt-5.6-luna", messages=messages, max_completion_tokens=9)
            if reply.choices[0].message.tool_calls:
                return run(messages, left - 1)
            return reply
        """,
        # a condition that is not the model's
        """\
        def run(messages, auto):
            reply = client.chat.completions.create(model="gpt-5.6-luna", messages=messages, max_completion_tokens=9)
            if auto and reply.choices[0].message.tool_calls:
                return run(messages, auto)
            return reply
        """,
        # recursion unconditionally, with no exit between the request and it
        """\
        def run(messages):
            reply = client.chat.completions.create(model="gpt-5.6-luna", messages=messages, max_completion_tokens=9)
            messages.append(reply.choices[0].message)
            return run(messages)
        """,
        # the recursive call comes before the request
        """\
        def run(node):
            parts = [run(child) for child in node.children]
            return client.chat.completions.create(
                model="gpt-5.6-luna", messages=[{"role": "user", "content": str(parts)}], max_completion_tokens=9
            )
        """,
        # a person answers between turns
        """\
        def run(messages):
            reply = client.chat.completions.create(model="gpt-5.6-luna", messages=messages, max_completion_tokens=9)
            messages.append({"role": "user", "content": input("> ")})
            if reply.choices[0].finish_reason == "stop":
                return run(messages)
            return reply
        """,
        # another object's method of the same name
        """\
        class Agent:
            def ask(self, messages, other):
                reply = client.chat.completions.create(model="gpt-5.6-luna", messages=messages, max_completion_tokens=9)
                if reply.choices[0].message.tool_calls:
                    return other.ask(messages, self)
                return reply
        """,
    ],
)
def test_llm502_silent_on_bounded_or_driven_recursion(project: Path, capsys, body: str) -> None:
    assert lint(project, agent(body), capsys, select="LLM502") == []
