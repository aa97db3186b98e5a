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


BATCH_MESSAGE = (
    "`{callee}` sends one request at a time in a {loop}{via}, in code that runs unattended ({why})"
)


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
