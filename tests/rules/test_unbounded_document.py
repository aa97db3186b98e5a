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


DOCUMENT_MESSAGE = "`{source}` puts {what} into the prompt of `{callee}`, with nothing to bound its size"


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
