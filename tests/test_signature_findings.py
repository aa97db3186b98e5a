"""Findings on requests recognised by their signature alone: marked low confidence in every output, and
switched off by ``signature-recognition = false``."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from promptlint.cli import main

SOURCE = textwrap.dedent(
    """\
    import openai


    def label(client, ticket: str) -> str:
        return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": ticket}])


    def traced(ticket: str) -> str:
        return openai.OpenAI().chat.completions.create(model="gpt-4o", messages=[ticket])
    """
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    (tmp_path / "pyproject.toml").write_text("[tool.promptlint]\n")
    (tmp_path / "app.py").write_text(SOURCE)
    return tmp_path


def run(capsys, *args: str) -> str:
    main(["check", "--no-cache", *args, "app.py"])
    return capsys.readouterr().out


def test_json_carries_the_confidence_of_every_finding(project: Path, capsys) -> None:
    document = json.loads(run(capsys, "--output-format", "json"))
    assert [(d["line"], d["code"], d["confidence"]) for d in document["diagnostics"]] == [
        (5, "LLM201", "low"),
        (9, "LLM201", "high"),
    ]


def test_a_low_confidence_finding_offers_no_fix(project: Path, capsys) -> None:
    document = json.loads(run(capsys, "--output-format", "json"))
    assert [(d["line"], (d["fix"] or {}).get("description")) for d in document["diagnostics"]] == [
        (5, None),
        (9, "Add `max_completion_tokens=1024`"),
    ]


def test_sarif_marks_low_confidence_in_the_result_properties(project: Path, capsys) -> None:
    results = json.loads(run(capsys, "--output-format", "sarif"))["runs"][0]["results"]
    assert [result["properties"].get("confidence") for result in results] == ["low", None]
    assert all("rank" not in result for result in results)


def test_text_marks_low_confidence(project: Path, capsys) -> None:
    out = run(capsys)
    marker = (
        "  = low confidence: recognised by its request signature; where the client comes from is not known"
    )
    assert out.count(marker) == 1
    assert out.index(marker) < out.index("app.py:9:")


def test_signature_recognition_can_be_switched_off(project: Path, capsys) -> None:
    (project / "pyproject.toml").write_text("[tool.promptlint]\nsignature-recognition = false\n")
    document = json.loads(run(capsys, "--output-format", "json"))
    assert [(d["line"], d["confidence"]) for d in document["diagnostics"]] == [(9, "high")]


def test_the_switch_is_part_of_the_cache_key(project: Path, capsys) -> None:
    main(["check", "--output-format", "json", "app.py"])
    first = json.loads(capsys.readouterr().out)["diagnostics"]
    assert [(d["line"], d["confidence"]) for d in first] == [(5, "low"), (9, "high")]
    (project / "pyproject.toml").write_text("[tool.promptlint]\nsignature-recognition = false\n")
    main(["check", "--output-format", "json", "app.py"])
    after = json.loads(capsys.readouterr().out)["diagnostics"]
    assert [(d["line"], d["confidence"]) for d in after] == [(9, "high")]
