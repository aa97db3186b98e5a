"""The check run without the command line: what an editor or a service gets from ``pipeline.check``."""

from __future__ import annotations

from pathlib import Path

import pytest

from promptlint.config import load_settings
from promptlint.pipeline import CheckError, CheckRequest, FixMode, check
from promptlint.registry import load_registry

APP = 'from openai import OpenAI\n\nOpenAI().chat.completions.create(model="gpt-4o-mini", messages=[])\n'
FIXED = APP.replace("messages=[])", "messages=[], max_completion_tokens=1024)")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.promptlint]\n")
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "plain.py").write_text("import os\n")
    return tmp_path


def request(project: Path, *paths: str, **options) -> CheckRequest:
    registry = load_registry()
    settings = load_settings(project / "pyproject.toml", registry, project)
    selected = registry.select(["LLM201"], [], [])
    return CheckRequest(
        [str(project / p) for p in paths], settings, registry, selected, project, use_cache=False, **options
    )


def test_a_report_run_finds_and_prices_and_changes_nothing(project: Path) -> None:
    outcome = check(request(project, "app.py", "plain.py"))
    [finding] = outcome.reported
    assert (finding.code, finding.line, finding.column) == ("LLM201", 3, 1)
    assert finding.savings is not None and finding.savings.usd_per_1k_calls is not None
    # ``found`` (what --write-baseline records) is every finding, before narrowing and pricing
    assert [(d.code, d.line, d.column, d.savings) for d in outcome.found] == [("LLM201", 3, 1, None)]
    assert (outcome.files_checked, outcome.fixed, outcome.diffs, outcome.errors) == (2, 0, [], [])
    assert not outcome.internal_error
    assert (project / "app.py").read_text() == APP


def test_diff_mode_returns_the_patch_and_writes_nothing(project: Path) -> None:
    outcome = check(request(project, "app.py", fix=FixMode.DIFF, unsafe_fixes=True))
    [patch] = outcome.diffs
    assert (
        '+OpenAI().chat.completions.create(model="gpt-4o-mini", messages=[], max_completion_tokens=1024)'
        in patch
    )
    assert outcome.fixed == 1 and outcome.reported == []
    assert (project / "app.py").read_text() == APP


def test_write_mode_fixes_the_file(project: Path) -> None:
    outcome = check(request(project, "app.py", fix=FixMode.WRITE, unsafe_fixes=True))
    assert (outcome.fixed, outcome.reported, outcome.diffs) == (1, [], [])
    assert (project / "app.py").read_text() == FIXED


def test_safe_only_leaves_an_unsafe_fix_alone(project: Path) -> None:
    outcome = check(request(project, "app.py", fix=FixMode.WRITE))
    assert outcome.fixed == 0 and len(outcome.reported) == 1
    assert (project / "app.py").read_text() == APP


def test_a_missing_named_path_is_reported_apart_and_stops_when_alone(project: Path) -> None:
    outcome = check(request(project, "nope.py"))
    assert [(e.path.endswith("nope.py"), e.reason) for e in outcome.missing] == [
        (True, "No such file or directory")
    ]
    assert outcome.internal_error and outcome.files_checked == 0
    outcome = check(request(project, "nope.py", "app.py"))
    assert len(outcome.missing) == 1 and len(outcome.reported) == 1 and outcome.internal_error


def test_a_bad_baseline_is_a_check_error(project: Path) -> None:
    (project / "baseline.json").write_text("not json")
    with pytest.raises(CheckError):
        check(request(project, "app.py", baseline=project / "baseline.json"))


def test_progress_is_reported_per_parsed_file(project: Path) -> None:
    seen = []
    check(request(project, "app.py", "plain.py"), on_progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 1)]  # plain.py cannot call an LLM: never parsed, never counted
