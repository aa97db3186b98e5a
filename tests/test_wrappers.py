"""The project's own wrappers: a request whose cap is the caller's to pass is reported at the caller that
passes none, with the wrapper's SDK call as a related location in every output format."""

from __future__ import annotations

import json
from pathlib import Path

from tests.test_fixtures import run_cli

APP = """\
from openai import OpenAI

client = OpenAI()


def ask(prompt, max_tokens=None, model="gpt-4o"):
    reply = client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": prompt}], max_tokens=max_tokens
    )
    return reply.choices[0].message.content


ask("Hello")
ask("Hello", 64)
ask("Hello", model="gpt-4o-mini")  # noqa: LLM201
"""


def _app(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text(APP, encoding="utf-8")
    return tmp_path


def test_json_lists_the_wrapper_as_related(tmp_path: Path) -> None:
    result = run_cli("check", "--output-format", "json", "--select", "LLM201", "app.py", cwd=_app(tmp_path))
    assert result.returncode == 1, result.stderr
    (diagnostic,) = json.loads(result.stdout)["diagnostics"]
    assert (diagnostic["line"], diagnostic["column"], diagnostic["end_line"], diagnostic["end_column"]) == (
        13,
        1,
        13,
        13,
    )
    assert diagnostic["message"] == (
        "`ask()` is called without `max_tokens`: the request it sends sets no output limit and is bounded"
        " only by the model maximum (16,384 tokens for `gpt-4o`)"
    )
    assert diagnostic["related"] == [
        {"path": "app.py", "line": 7, "column": 13, "message": "sent through `ask()`"}
    ]
    assert diagnostic["fix"]["edits"] == [
        {"line": 13, "column": 12, "end_line": 13, "end_column": 12, "content": ", max_tokens=1024"}
    ]


def test_sarif_gives_related_locations(tmp_path: Path) -> None:
    result = run_cli("check", "--output-format", "sarif", "--select", "LLM201", "app.py", cwd=_app(tmp_path))
    (sarif_result,) = json.loads(result.stdout)["runs"][0]["results"]
    assert sarif_result["relatedLocations"] == [
        {
            "id": 0,
            "physicalLocation": {
                "artifactLocation": {"uri": "app.py"},
                "region": {"startLine": 7, "startColumn": 13},
            },
            "message": {"text": "sent through `ask()`"},
        }
    ]


def test_text_shows_a_via_line(tmp_path: Path) -> None:
    result = run_cli("check", "--quiet", "--select", "LLM201", "app.py", cwd=_app(tmp_path))
    lines = result.stdout.splitlines()
    assert lines[0].startswith("app.py:13:1: LLM201 `ask()` is called without `max_tokens`")
    assert lines[4] == "   = via: sent through `ask()` (app.py:7:13)"


def test_a_request_made_in_place_has_no_related_field(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        'from openai import OpenAI\n\nOpenAI().chat.completions.create(model="gpt-4o", messages=[])\n',
        encoding="utf-8",
    )
    result = run_cli("check", "--output-format", "json", "app.py", cwd=tmp_path)
    (diagnostic,) = json.loads(result.stdout)["diagnostics"]
    assert "related" not in diagnostic


def test_a_function_that_builds_a_langchain_model_is_a_factory_not_a_wrapper(tmp_path: Path) -> None:
    """Seen in langchain-anthropic's own unit tests: ``model()`` returns a chat model and sends nothing, so
    its callers are not requests; the constructor's ``**kwargs`` may carry the cap, so it is silent too."""
    (tmp_path / "app.py").write_text(
        "from langchain_anthropic import ChatAnthropic\n\n\n"
        "def model(**kwargs):\n"
        '    return ChatAnthropic(model="claude-sonnet-4-5", **kwargs)\n\n\n'
        "llm = model()\n",
        encoding="utf-8",
    )
    result = run_cli("check", "--output-format", "json", "--select", "LLM201", "app.py", cwd=tmp_path)
    assert json.loads(result.stdout)["diagnostics"] == []
