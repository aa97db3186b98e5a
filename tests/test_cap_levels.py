"""The output cap through wrappers of wrappers that are methods, static or class methods, or in another
module (``fixtures/project/helpdesk/capped_llm.py``): a call that passes no cap is reported at the caller
with every wrapper it goes through as related; a cap passed by keyword or position, or a ``**mapping``
that may carry one, keeps it silent, and so does a look-alike ``ask()`` that makes no request."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from promptlint.cli import main

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
LLM = "project/helpdesk/capped_llm.py"
DESK = "project/helpdesk/capped_desk.py"


@pytest.fixture
def copied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(FIXTURES / "project", tmp_path / "project")
    (tmp_path / "pyproject.toml").write_text("[tool.promptlint]\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


def _diagnostics(capsys, *paths: str) -> list:
    main(["check", "--output-format", "json", *paths])
    return json.loads(capsys.readouterr().out)["diagnostics"]


def _related(*places: tuple) -> list:
    return [
        {"path": LLM, "line": line, "column": column, "message": f"sent through `{name}()`"}
        for name, line, column in places
    ]


def test_one_changed_file_reports_each_caller_that_passes_no_cap(copied: Path, capsys) -> None:
    """A pre-commit style run on the desk alone: the wrappers' module is read from disk."""
    found = [(d["code"], d["line"], d["column"], d["related"]) for d in _diagnostics(capsys, DESK)]
    send, complete = ("Llm._send", 24, 17), ("_complete", 13, 13)
    quick = ("Llm.quick", 37, 16)
    polite = ("Llm.polite", 41, 16)
    assert found == [
        ("LLM201", 12, 5, _related(("Llm.ask", 31, 20), send)),
        ("LLM201", 16, 5, _related(quick, complete)),
        ("LLM201", 17, 5, _related(polite, quick, complete)),
        ("LLM201", 18, 5, _related(("top", 45, 12), polite, quick, complete)),
    ]


def test_the_message_and_fix_name_the_wrappers_parameter(copied: Path, capsys) -> None:
    first = _diagnostics(capsys, DESK)[0]
    assert first["message"] == (
        "`Llm.ask()` is called without `max_tokens`: the request it sends sets no output limit and is bounded"
        " only by the model maximum (16,384 tokens for `gpt-4o-mini`)"
    )
    assert first["fix"]["edits"] == [
        {"line": 12, "column": 21, "end_line": 12, "end_column": 21, "content": ", max_tokens=1024"}
    ]


def test_the_wrappers_module_reports_nothing_of_its_own(copied: Path, capsys) -> None:
    assert _diagnostics(capsys, LLM) == []


def test_changing_the_wrappers_module_invalidates_the_callers_cached_result(copied: Path, capsys) -> None:
    def lines() -> list:
        return [d["line"] for d in _diagnostics(capsys, DESK)]

    assert lines() == [12, 16, 17, 18]
    assert lines() == [12, 16, 17, 18]  # served warm
    llm = copied / LLM
    llm.write_text(
        llm.read_text(encoding="utf-8").replace(
            "return self._send(prompt, max_tokens=max_tokens)", "return self._send(prompt, max_tokens=300)"
        ),
        encoding="utf-8",
    )
    assert lines() == [16, 17, 18]


def test_in_one_module_a_method_a_static_and_a_class_method_pass_the_cap_on(capsys, monkeypatch) -> None:
    """``fixtures/LLM201/through_method_levels.py``: ``self.ask()`` in a method of the class, a retrying
    ``ask()`` whose call of itself passes the cap on, and the static and class methods."""
    monkeypatch.chdir(FIXTURES)
    found = [
        (d["line"], d["column"], [(r["line"], r["column"], r["message"]) for r in d["related"]])
        for d in _diagnostics(capsys, "--no-cache", "LLM201/through_method_levels.py")
    ]
    ask = [(32, 20, "sent through `Llm.ask()`"), (25, 17, "sent through `Llm._send()`")]
    quick = [(39, 16, "sent through `Llm.quick()`"), (14, 13, "sent through `_complete()`")]
    assert found == [
        (46, 16, ask),
        (57, 5, ask),
        (61, 5, quick),
        (63, 5, [(43, 16, "sent through `Llm.polite()`")] + quick),
        (88, 5, [(78, 16, "sent through `Forwarder.ask()`"), (14, 13, "sent through `_complete()`")]),
        (91, 5, [(81, 16, "sent through `Forwarder.raw()`"), (68, 13, "sent through `_raw()`")]),
    ]


def test_a_method_forwarding_its_kwargs_is_fixed_with_the_cap_they_reach(capsys, monkeypatch) -> None:
    """``Forwarder.ask(**kwargs)`` reaches ``_complete(max_tokens=...)``; ``Forwarder.raw(**kwargs)`` the
    SDK call's own ``max_completion_tokens``."""
    monkeypatch.chdir(FIXTURES)
    diagnostics = _diagnostics(capsys, "--no-cache", "LLM201/through_method_levels.py")
    edits = {d["line"]: d["fix"]["edits"] for d in diagnostics if d["line"] in (88, 91)}
    assert edits == {
        88: [{"line": 88, "column": 21, "end_line": 88, "end_column": 21, "content": ", max_tokens=1024"}],
        91: [
            {
                "line": 91,
                "column": 38,
                "end_line": 91,
                "end_column": 38,
                "content": ", max_completion_tokens=1024",
            }
        ],
    }
