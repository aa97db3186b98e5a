"""Prompts sent through the project's own wrappers: the caller's arguments are bound into the wrapper's
request, and a prompt defect is reported where the caller writes the text, with the wrapper's SDK call as
the related place, never also at the wrapper."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from promptlint.cli import main
from tests.test_fixtures import run_cli

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
POLICY = "You are the support assistant of Acme. Follow the refund policy in every answer.\n" * 150

APP = f"""\
from openai import OpenAI

client = OpenAI()
POLICY = {POLICY!r}


def ask(system: str, question: str, model: str = "gpt-4o") -> str:
    reply = client.chat.completions.create(
        model=model,
        max_tokens=512,
        messages=[{{"role": "system", "content": system}}, {{"role": "user", "content": question}}],
    )
    return reply.choices[0].message.content


def answer(user, question: str) -> str:
    return ask(f"The user is {{user.name}}.\\n" + POLICY, question, "gpt-4o-mini")


def persona(name: str, question: str) -> str:
    reply = client.chat.completions.create(
        model="gpt-4o",
        max_tokens=512,
        messages=[{{"role": "system", "content": f"{{name}}\\n" + POLICY}}, {{"role": "user", "content": question}}],
    )
    return reply.choices[0].message.content


def personas(user, question: str) -> None:
    persona("Acme support", question)
    persona(user.name, question)
"""


def _app(tmp_path: Path, text: str = APP) -> Path:
    (tmp_path / "app.py").write_text(text, encoding="utf-8")
    return tmp_path


def _diagnostics(tmp_path: Path, *args: str) -> list:
    result = run_cli("check", "--output-format", "json", *args, "app.py", cwd=tmp_path)
    return json.loads(result.stdout)["diagnostics"]


def test_the_dynamic_part_is_reported_at_the_caller_with_the_wrapper_as_related(tmp_path: Path) -> None:
    diagnostics = _diagnostics(_app(tmp_path), "--select", "LLM101")
    assert [(d["code"], d["line"], d["column"], d["related"]) for d in diagnostics] == [
        ("LLM101", 17, 31, [{"path": "app.py", "line": 8, "column": 13, "message": "sent through `ask()`"}]),
        (
            "LLM101",
            31,
            13,
            [{"path": "app.py", "line": 21, "column": 13, "message": "sent through `persona()`"}],
        ),
    ]
    assert diagnostics[0]["message"] == (
        "`user.name` varies per request but comes before 2,551 tokens of static prompt: they are never served"
        " from the prompt cache"
    )


def test_the_wrapper_no_longer_reports_the_parameter_a_caller_reports(tmp_path: Path) -> None:
    """Before: LLM101 at `name` in ``persona()`` (line 24); now only at the caller that passes a
    per-request value (line 31), and not at the caller that passes a fixed text (line 30)."""
    lines = [d["line"] for d in _diagnostics(_app(tmp_path), "--select", "LLM101")]
    assert lines == [17, 31]


def test_the_savings_are_priced_with_the_model_the_caller_passes(tmp_path: Path) -> None:
    (diagnostic, _) = _diagnostics(_app(tmp_path), "--select", "LLM101")
    assert diagnostic["savings"]["model"] == "gpt-4o-mini"


def test_text_shows_the_wrapper_on_a_via_line(tmp_path: Path) -> None:
    result = run_cli("check", "--quiet", "--select", "LLM101", "app.py", cwd=_app(tmp_path))
    lines = result.stdout.splitlines()
    assert lines[0].startswith("app.py:17:31: LLM101 `user.name` varies per request")
    assert lines[4] == "   = via: sent through `ask()` (app.py:8:13)"


def test_noqa_at_the_caller_suppresses_it(tmp_path: Path) -> None:
    text = APP.replace('question, "gpt-4o-mini")\n', 'question, "gpt-4o-mini")  # noqa: LLM101\n')
    lines = [d["line"] for d in _diagnostics(_app(tmp_path, text), "--select", "LLM101")]
    assert lines == [31]


def test_noqa_on_the_wrappers_sdk_call_does_not_hide_what_its_callers_write(tmp_path: Path) -> None:
    text = APP.replace(
        "    reply = client.chat.completions.create(\n        model=model,",
        "    reply = client.chat.completions.create(  # noqa: LLM101\n        model=model,",
    )
    lines = [d["line"] for d in _diagnostics(_app(tmp_path, text), "--select", "LLM101")]
    assert lines == [17, 31]


def test_a_call_passing_star_args_is_not_followed(tmp_path: Path) -> None:
    text = APP.replace('question, "gpt-4o-mini")', "*[question])")
    lines = [d["line"] for d in _diagnostics(_app(tmp_path, text), "--select", "LLM101")]
    assert lines == [31]


def test_a_fix_that_changes_the_type_of_the_callers_argument_is_not_offered() -> None:
    result = run_cli(
        "check",
        "--output-format",
        "json",
        "--select",
        "LLM103,LLM301",
        "fixtures/LLM301/sent_through_wrapper.py",
    )
    diagnostics = json.loads(result.stdout)["diagnostics"]
    assert [(d["code"], d["line"], d["column"], d["fix"]) for d in diagnostics] == [
        ("LLM103", 26, 19, None),
        ("LLM301", 26, 19, None),
    ]


def test_a_literal_passed_to_the_wrapper_is_rewritten_where_it_is_written() -> None:
    result = run_cli(
        "check", "--output-format", "json", "--select", "LLM601", "fixtures/LLM601/sent_through_wrapper.py"
    )
    (diagnostic,) = json.loads(result.stdout)["diagnostics"]
    assert (diagnostic["line"], diagnostic["column"]) == (19, 12)
    assert diagnostic["related"] == [
        {
            "path": "fixtures/LLM601/sent_through_wrapper.py",
            "line": 10,
            "column": 16,
            "message": "sent through `draft()`",
        }
    ]
    (edit,) = diagnostic["fix"]["edits"]
    assert (edit["line"], edit["column"], edit["end_line"], edit["end_column"]) == (21, 1, 34, 9)


@pytest.fixture
def copied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(FIXTURES / "project", tmp_path / "project")
    (tmp_path / "pyproject.toml").write_text("[tool.promptlint]\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


def test_an_imported_wrapper_reports_at_the_caller_pointing_into_the_wrappers_file(
    copied: Path, capsys
) -> None:
    main(
        ["check", "--output-format", "json", "--select", "LLM101,LLM301", "project/helpdesk/support_desk.py"]
    )
    diagnostics = json.loads(capsys.readouterr().out)["diagnostics"]
    related = [
        {
            "path": "project/helpdesk/support_llm.py",
            "line": 10,
            "column": 16,
            "message": "sent through `chat()`",
        }
    ]
    # The catalogue the LLM301 finding is about is imported: it also says where it is written.
    catalog = {
        "path": "project/helpdesk/prompts.py",
        "line": 15,
        "column": 11,
        "message": "prompt `CATALOG` defined in",
    }
    assert [(d["code"], d["line"], d["column"], d["related"]) for d in diagnostics] == [
        ("LLM101", 14, 40, related),
        ("LLM301", 20, 29, related + [catalog]),
    ]
    assert diagnostics[1]["savings"]["model"] == "gpt-4o-mini"


MODELS = """\
from openai import OpenAI

client = OpenAI()
DEFAULT = "gpt-4o"
MINI = "gpt-4o-mini"


def ask(prompt, model=DEFAULT, max_tokens=None):
    reply = client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": prompt}], max_tokens=max_tokens
    )
    return reply.choices[0].message.content


ask("Hello")
ask("Hello", MINI)
"""


def test_the_model_is_the_constant_the_caller_passes_or_the_wrappers_default(tmp_path: Path) -> None:
    diagnostics = _diagnostics(_app(tmp_path, MODELS), "--select", "LLM201")
    assert [(d["line"], d["column"], d["savings"]["model"]) for d in diagnostics] == [
        (15, 1, "gpt-4o"),
        (16, 1, "gpt-4o-mini"),
    ]
    assert diagnostics[1]["message"] == (
        "`ask()` is called without `max_tokens`: the request it sends sets no output limit and is bounded"
        " only by the model maximum (16,384 tokens for `gpt-4o-mini`)"
    )


def test_a_retired_model_passed_as_a_constant_is_reported_at_the_caller() -> None:
    result = run_cli(
        "check", "--output-format", "json", "--select", "LLM401", "fixtures/LLM401/model_through_wrapper.py"
    )
    diagnostics = json.loads(result.stdout)["diagnostics"]
    assert [(d["line"], d["column"], d["fix"] is None) for d in diagnostics] == [
        (23, 26, True),
        (27, 32, False),
    ]
    assert diagnostics[0]["related"] == [
        {
            "path": "fixtures/LLM401/model_through_wrapper.py",
            "line": 14,
            "column": 16,
            "message": "sent through `ask()`",
        }
    ]


SETS = 'from openai import OpenAI\n\nclient = OpenAI()\nTAGS = {"billing", "shipping", "returns", "warranty"}\n\n\ndef ask(system: str, question: str) -> str:\n    reply = client.chat.completions.create(\n        model="gpt-4o",\n        max_tokens=512,\n        messages=[{"role": "system", "content": system}, {"role": "user", "content": question}],\n    )\n    return reply.choices[0].message.content\n\n\ndef route(question: str) -> str:\n    return ask("Classify the ticket into one of: " + ", ".join(TAGS) + ".", question)\n'
REPEATS = 'from openai import OpenAI\n\nclient = OpenAI()\n\nBASE = (\n    "You are the assistant of Larkspur Outdoor\'s help centre. "\n    "Always answer in the language the customer writes in. "\n    "Be brief, friendly and concrete."\n)\nRETURNS = (\n    "Returns: customers have 30 days from delivery to return unused items. "\n    "Always answer in the language the customer writes in. "\n    "Link the returns form instead of describing it."\n)\n\n\ndef ask(system: str, question: str) -> str:\n    response = client.chat.completions.create(\n        model="gpt-4.1-mini",\n        max_completion_tokens=300,\n        messages=[{"role": "system", "content": system}, {"role": "user", "content": question}],\n    )\n    return response.choices[0].message.content or ""\n\n\ndef returns_answer(question: str) -> str:\n    return ask(BASE + "\\n\\n" + RETURNS, question)\n'


@pytest.mark.parametrize(
    ("source", "code", "where"),
    [(SETS, "LLM104", (17, 64)), (REPEATS, "LLM602", (27, 16))],
)
def test_order_and_repeats_in_a_prompt_passed_to_a_wrapper_are_reported_at_the_caller(
    tmp_path: Path, source: str, code: str, where: tuple
) -> None:
    diagnostics = _diagnostics(_app(tmp_path, source), "--select", "ALL")
    assert [(d["code"], d["line"], d["column"], d["fix"]) for d in diagnostics] == [(code, *where, None)]
    assert diagnostics[0]["related"][0]["message"] == "sent through `ask()`"
