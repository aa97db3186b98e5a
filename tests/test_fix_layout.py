"""Fixes that add or remove an argument read as if a careful person had typed them, in the call's own style:
exact fixed source for every layout a call can have."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from promptlint.cli import main

HEADER = 'from openai import OpenAI\n\nclient = OpenAI()\nOPTIONS = {"temperature": 0}\n\n\ndef ask(messages, *rest):\n'


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


def fixed(project: Path, body: str, select: str) -> str:
    """The function body after ``--fix --unsafe-fixes`` with one rule selected."""
    path = project / "app.py"
    path.write_text(HEADER + textwrap.indent(textwrap.dedent(body), "    "))
    main(["check", "--select", select, "--fix", "--unsafe-fixes", "app.py"])
    text = path.read_text()
    assert text.startswith(HEADER)
    return textwrap.dedent(text[len(HEADER) :])


ADDED = [
    pytest.param(
        'return client.chat.completions.create(model="gpt-4o", messages=messages)\n',
        'return client.chat.completions.create(model="gpt-4o", messages=messages, max_completion_tokens=1024)\n',
        id="one-line",
    ),
    pytest.param(
        'return client.chat.completions.create(\n    model="gpt-4o",\n    messages=messages,\n)\n',
        'return client.chat.completions.create(\n    model="gpt-4o",\n    messages=messages,\n'
        "    max_completion_tokens=1024,\n)\n",
        id="one-per-line-trailing-comma",
    ),
    pytest.param(
        'return client.chat.completions.create(\n    model="gpt-4o",\n    messages=messages\n)\n',
        'return client.chat.completions.create(\n    model="gpt-4o",\n    messages=messages,\n'
        "    max_completion_tokens=1024\n)\n",
        id="one-per-line-no-trailing-comma",
    ),
    pytest.param(
        'return client.responses.create(\n    model="gpt-4o"\n)\n',
        'return client.responses.create(\n    model="gpt-4o",\n    max_output_tokens=1024\n)\n',
        id="one-argument-on-its-own-line",
    ),
    pytest.param(
        'return client.chat.completions.create(\n    model="gpt-4o", messages=messages\n)\n',
        'return client.chat.completions.create(\n    model="gpt-4o", messages=messages, max_completion_tokens=1024\n)\n',
        id="arguments-on-one-inner-line",
    ),
    pytest.param(
        'return client.chat.completions.create(model="gpt-4o",\n'
        "                                      messages=messages)\n",
        'return client.chat.completions.create(model="gpt-4o",\n'
        "                                      messages=messages,\n"
        "                                      max_completion_tokens=1024)\n",
        id="hanging-indent",
    ),
    pytest.param(
        'return client.chat.completions.create(model="gpt-4o",\n'
        "                                      messages=messages,\n"
        "                                      )\n",
        'return client.chat.completions.create(model="gpt-4o",\n'
        "                                      messages=messages,\n"
        "                                      max_completion_tokens=1024,\n"
        "                                      )\n",
        id="hanging-indent-trailing-comma",
    ),
    pytest.param(
        'return client.chat.completions.create(\n    model="gpt-4o",  # the model\n'
        "    messages=messages  # the chat\n)\n",
        'return client.chat.completions.create(\n    model="gpt-4o",  # the model\n'
        "    messages=messages,  # the chat\n    max_completion_tokens=1024\n)\n",
        id="comment-after-last-argument",
    ),
    pytest.param(
        'return client.chat.completions.create(\n    model="gpt-4o",\n    messages=messages,  # the chat\n'
        "    # temperature=0,\n)\n",
        'return client.chat.completions.create(\n    model="gpt-4o",\n    messages=messages,  # the chat\n'
        "    max_completion_tokens=1024,\n    # temperature=0,\n)\n",
        id="comment-line-before-closing-parenthesis",
    ),
    pytest.param(
        'return client.chat.completions.create(model="gpt-4o", messages=messages, **OPTIONS)\n',
        'return client.chat.completions.create(model="gpt-4o", messages=messages, max_completion_tokens=1024, '
        "**OPTIONS)\n",
        id="before-kwargs",
    ),
    pytest.param(
        'return client.chat.completions.create(\n    model="gpt-4o",\n    messages=messages,  # the chat\n'
        "    **OPTIONS,\n)\n",
        'return client.chat.completions.create(\n    model="gpt-4o",\n    messages=messages,  # the chat\n'
        "    max_completion_tokens=1024,\n    **OPTIONS,\n)\n",
        id="before-kwargs-one-per-line",
    ),
    pytest.param(
        'return client.chat.completions.create(**{"model": "gpt-4o", "messages": messages})\n',
        'return client.chat.completions.create(max_completion_tokens=1024, **{"model": "gpt-4o", '
        '"messages": messages})\n',
        id="only-kwargs",
    ),
    pytest.param(
        'return client.chat.completions.create(*rest, model="gpt-4o", messages=messages)\n',
        'return client.chat.completions.create(*rest, model="gpt-4o", messages=messages, '
        "max_completion_tokens=1024)\n",
        id="after-star-args",
    ),
    pytest.param(
        'if messages:\n\treturn client.chat.completions.create(\n\t\tmodel="gpt-4o",\n\t\tmessages=messages\n\t)\n',
        'if messages:\n\treturn client.chat.completions.create(\n\t\tmodel="gpt-4o",\n\t\tmessages=messages,\n'
        "\t\tmax_completion_tokens=1024\n\t)\n",
        id="tabs",
    ),
]


@pytest.mark.parametrize(("before", "after"), ADDED)
def test_an_added_keyword_follows_the_call_layout(project: Path, before: str, after: str, capsys) -> None:
    assert fixed(project, before, "LLM201") == after
    assert "Fixed 1 issue" in capsys.readouterr().out


REMOVED = [
    pytest.param(
        'r = client.chat.completions.create(\n    model="gpt-4o",\n    messages=messages,\n'
        "    max_completion_tokens=100,  # the cap\n    n=3\n)\n",
        'r = client.chat.completions.create(\n    model="gpt-4o",\n    messages=messages,\n'
        "    max_completion_tokens=100  # the cap\n)\n",
        id="last-without-trailing-comma",
    ),
    pytest.param(
        'r = client.chat.completions.create(\n    model="gpt-4o",\n    messages=messages,\n'
        "    max_completion_tokens=100,\n    n=3,  # three\n)\n",
        'r = client.chat.completions.create(\n    model="gpt-4o",\n    messages=messages,\n'
        "    max_completion_tokens=100,\n)\n",
        id="last-with-trailing-comma",
    ),
    pytest.param(
        'r = client.chat.completions.create(model="gpt-4o", messages=messages, max_completion_tokens=100, n=3)\n',
        'r = client.chat.completions.create(model="gpt-4o", messages=messages, max_completion_tokens=100)\n',
        id="one-line",
    ),
]


@pytest.mark.parametrize(("before", "after"), REMOVED)
def test_a_removed_keyword_leaves_the_call_layout(project: Path, before: str, after: str, capsys) -> None:
    tail = "return r.choices[0].message.content\n"
    assert fixed(project, before + tail, "LLM203") == after + tail
    assert "Fixed 1 issue" in capsys.readouterr().out
