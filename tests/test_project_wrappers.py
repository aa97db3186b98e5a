"""Wrappers imported from the project's other modules: a caller that passes no output cap is reported where
it calls the wrapper, the related location points into the wrapper's file, a run on the caller alone reads
the wrapper's module from disk, and changing that module invalidates the caller's cached result."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from promptlint.cli import main

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CALLER = "project/helpdesk/wrapped_chat.py"


def run(capsys, *args: str) -> dict:
    main(["check", "--output-format", "json", "--select", "LLM201", *args])
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def copied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(FIXTURES / "project", tmp_path / "project")
    (tmp_path / "pyproject.toml").write_text("[tool.promptlint]\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


def placed(document: dict) -> list:
    return [
        (d["path"], d["line"], d["column"], d["end_column"], d["related"]) for d in document["diagnostics"]
    ]


def related(line: int, name: str) -> list:
    return [
        {"path": "project/helpdesk/llm.py", "line": line, "column": 16, "message": f"sent through `{name}()`"}
    ]


def test_a_run_on_the_caller_alone_reports_there_with_the_wrapper_as_related(copied: Path, capsys) -> None:
    """What pre-commit does: only the caller is named; the wrapper's module is read from disk."""
    alone = run(capsys, "--no-cache", CALLER)
    assert alone["summary"]["files_checked"] == 1
    assert placed(alone) == [
        (CALLER, 13, 17, 30, related(12, "ask")),
        (CALLER, 16, 14, 52, related(12, "ask")),
        (CALLER, 17, 5, 37, related(21, "forward")),
    ]
    messages = [d["message"] for d in alone["diagnostics"]]
    assert messages[1] == (
        "`ask()` is called without `max_tokens`: the request it sends sets no output limit and is bounded"
        " only by the model maximum (16,384 tokens for `gpt-4o-mini`)"
    )
    assert alone["diagnostics"][1]["fix"]["edits"] == [
        {"line": 16, "column": 51, "end_line": 16, "end_column": 51, "content": ", max_tokens=1024"}
    ]
    whole = run(capsys, "--no-cache", "project/helpdesk")
    assert [d for d in whole["diagnostics"] if d["path"] == CALLER] == alone["diagnostics"]


def test_the_related_path_is_shown_as_the_findings_own(copied: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(copied / "project")
    inside = run(capsys, "--no-cache", str(copied / CALLER))
    assert {(d["path"], d["related"][0]["path"]) for d in inside["diagnostics"]} == {
        ("helpdesk/wrapped_chat.py", "helpdesk/llm.py")
    }
    monkeypatch.chdir(copied / "project" / "helpdesk")
    here = run(capsys, "--no-cache", "wrapped_chat.py")
    assert {(d["path"], d["related"][0]["path"]) for d in here["diagnostics"]} == {
        ("wrapped_chat.py", "llm.py")
    }


def test_sarif_points_into_the_wrappers_file(copied: Path, capsys) -> None:
    main(["check", "--output-format", "sarif", "--select", "LLM201", "--no-cache", CALLER])
    results = json.loads(capsys.readouterr().out)["runs"][0]["results"]
    assert [r["relatedLocations"][0]["physicalLocation"] for r in results] == [
        {
            "artifactLocation": {"uri": "project/helpdesk/llm.py"},
            "region": {"startLine": line, "startColumn": 16},
        }
        for line in (12, 12, 21)
    ]


def test_a_module_that_imports_no_sdk_is_no_wrapper(copied: Path, capsys) -> None:
    """``text_tools.ask`` takes ``max_tokens`` too, but its module makes no request."""
    caller = copied / CALLER
    caller.write_text(
        caller.read_text(encoding="utf-8").replace(
            "from .llm import ask, capped", "from .text_tools import ask\nfrom .llm import capped"
        ),
        encoding="utf-8",
    )
    assert [(d["line"], d["column"]) for d in run(capsys, "--no-cache", CALLER)["diagnostics"]] == [
        (17, 14),
        (18, 5),
    ]


def test_changing_the_wrappers_module_invalidates_the_callers_cached_result(copied: Path, capsys) -> None:
    first = run(capsys, CALLER)
    assert [d["line"] for d in first["diagnostics"]] == [13, 16, 17]
    assert run(capsys, CALLER) == first  # served warm
    llm = copied / "project" / "helpdesk" / "llm.py"
    llm.write_text(
        llm.read_text(encoding="utf-8").replace("max_tokens: Optional[int] = None", "max_tokens: int = 400"),
        encoding="utf-8",
    )
    after = run(capsys, CALLER)
    assert [d["line"] for d in after["diagnostics"]] == [17]
