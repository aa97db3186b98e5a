"""`--output-format rdjson`: reviewdog's DiagnosticResult, with UTF-8 byte columns and each fix as a suggestion,
checked exactly and against a schema written from reviewdog's proto (tests/data/rdjson.schema.json)."""

from __future__ import annotations

import io
import json
import sys
import textwrap
from pathlib import Path

import jsonschema
import pytest

from promptlint.cli import main

SCHEMA = json.loads((Path(__file__).parent / "data" / "rdjson.schema.json").read_text(encoding="utf-8"))
HELP = "https://pypi.org/project/promptlint-cost/"

# "é" is 2 bytes in UTF-8 and "✓" 3: the finding after them starts 3 bytes further right than its character.
LEGACY = textwrap.dedent(
    """\
    from openai import OpenAI

    client = OpenAI()


    def plan(messages: list) -> str:
        response = client.chat.completions.create(model="gpt-5", messages=[{"role": "user", "content": "héllo ✓"}], max_tokens=2000)
        return response.choices[0].message.content
    """
)
UNCAPPED = textwrap.dedent(
    """\
    from openai import OpenAI

    client = OpenAI()


    def answer(question: str) -> str:
        reply = client.chat.completions.create(
            model="gpt-4o",
            messages=[{"role": "user", "content": question}],
        )
        return reply.choices[0].message.content
    """
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "legacy.py").write_text(LEGACY, encoding="utf-8")
    (tmp_path / "uncapped.py").write_text(UNCAPPED, encoding="utf-8")
    return tmp_path


def rdjson(capsys, *args: str):
    code = main(["check", "--no-cache", "--output-format", "rdjson", *args])
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    jsonschema.Draft4Validator(SCHEMA).validate(document)
    return code, document, captured.err


def position(line: int, column: int) -> dict:
    return {"line": line, "column": column}


def test_findings_and_fixes_as_reviewdog_reads_them(project: Path, capsys) -> None:
    code, document, err = rdjson(capsys, ".")
    assert (code, err) == (1, "")
    assert document == {
        "source": {"name": "promptlint", "url": HELP},
        "diagnostics": [
            {
                "message": "`max_tokens` is not supported by the reasoning model `gpt-5` on Chat Completions: the "
                "request is rejected\nfix (safe): Rename to `max_completion_tokens`",
                "location": {
                    "path": "legacy.py",
                    # characters 113..123 on the line; bytes 116..126
                    "range": {"start": position(7, 116), "end": position(7, 126)},
                },
                "severity": "WARNING",
                "code": {"value": "LLM204", "url": f"{HELP}#llm204-legacy-limit-param"},
                "suggestions": [
                    {"range": {"start": position(7, 120), "end": position(7, 120)}, "text": "completion_"}
                ],
            },
            {
                "message": "`client.chat.completions.create` sets no output limit: output is bounded only by the "
                "model maximum (16,384 tokens for `gpt-4o`)\nfix (unsafe): Add `max_completion_tokens=1024`\n"
                "saving: up to $153.60 per 1k calls, worst case (gpt-4o)",
                "location": {
                    "path": "uncapped.py",
                    "range": {"start": position(7, 13), "end": position(10, 6)},
                },
                "severity": "WARNING",
                "code": {"value": "LLM201", "url": f"{HELP}#llm201-missing-output-limit"},
                "suggestions": [
                    {
                        "range": {"start": position(10, 5), "end": position(10, 5)},
                        "text": "    max_completion_tokens=1024,\n    ",
                    }
                ],
            },
        ],
    }


def test_a_suggestion_applied_to_the_lines_gives_the_fixed_source(project: Path, capsys) -> None:
    """What reviewdog does with a suggestion: the start line up to the start column (in bytes), the text,
    then the end line from the end column; the result is exactly what --fix writes."""
    _, document, _ = rdjson(capsys, "legacy.py")
    [suggestion] = document["diagnostics"][0]["suggestions"]
    lines = [line.encode("utf-8") for line in LEGACY.split("\n")]
    start, end = suggestion["range"]["start"], suggestion["range"]["end"]
    new_line = (
        lines[start["line"] - 1][: start["column"] - 1]
        + suggestion["text"].encode("utf-8")
        + lines[end["line"] - 1][end["column"] - 1 :]
    )
    assert main(["check", "--no-cache", "--fix", "legacy.py"]) == 0
    capsys.readouterr()
    assert new_line.decode("utf-8") == (project / "legacy.py").read_text(encoding="utf-8").split("\n")[6]


def test_columns_come_from_the_linted_text_not_the_file_on_disk(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """From stdin, the columns are counted on the buffer: here ASCII, while the file on disk is not."""
    monkeypatch.setattr(
        sys, "stdin", io.TextIOWrapper(io.BytesIO(LEGACY.replace("héllo ✓", "hello v").encode()))
    )
    _, document, _ = rdjson(capsys, "--stdin-filename", "legacy.py", "-")
    assert document["diagnostics"][0]["location"]["range"] == {
        "start": position(7, 113),
        "end": position(7, 123),
    }


def test_files_that_cannot_be_checked_are_errors_without_a_range(project: Path, capsys) -> None:
    (project / "broken.py").write_text("import openai\nx = (\n", encoding="utf-8")
    code, document, err = rdjson(capsys, "broken.py")
    assert code == 1
    assert document == {
        "source": {"name": "promptlint", "url": HELP},
        "diagnostics": [
            {
                "message": "syntax error at 2:1: invalid syntax",
                "location": {"path": "broken.py"},
                "severity": "ERROR",
            }
        ],
    }


def test_nothing_found_is_an_empty_list(project: Path, capsys) -> None:
    (project / "clean.py").write_text("print('hi')\n", encoding="utf-8")
    assert rdjson(capsys, "clean.py")[:2] == (
        0,
        {"source": {"name": "promptlint", "url": HELP}, "diagnostics": []},
    )


def test_the_schema_refuses_what_reviewdog_would_not_read() -> None:
    """The schema can fail: a 0-based column, a misspelled field, a severity reviewdog does not know."""
    validator = jsonschema.Draft4Validator(SCHEMA)
    good = {
        "diagnostics": [{"message": "m", "location": {"path": "a.py", "range": {"start": position(1, 1)}}}]
    }
    assert validator.is_valid(good)
    for bad in (
        {"diagnostics": [{"message": "m", "location": {"path": "a.py", "range": {"start": position(1, 0)}}}]},
        {"diagnostics": [{"message": "m", "location": {"path": "a.py"}, "suggestion": []}]},
        {"diagnostics": [{"message": "m", "location": {"path": "a.py"}, "severity": "NOTE"}]},
    ):
        assert not validator.is_valid(bad)
