"""Parallel runs and the result cache: identical output whatever the worker count or cache state."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict

import pytest

from promptlint.cli import main

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(FIXTURES, tmp_path / "fixtures")
    (tmp_path / "pyproject.toml").write_text("[tool.promptlint]\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


def output(capsys, *args: str, select: str = "ALL", path: str = "fixtures") -> str:
    main(["check", "--select", select, *args, path])
    return capsys.readouterr().out


def rendered(project: Path, **request) -> Dict[str, str]:
    """One run through the pipeline, rendered in JSON, text and SARIF (as the CLI renders them)."""
    from promptlint.config import load_settings
    from promptlint.pipeline import CheckRequest, check
    from promptlint.registry import load_registry
    from promptlint.reporters import RenderOptions, Report, renderer

    registry = load_registry()
    settings = load_settings(project / "pyproject.toml", registry, project)
    selected = registry.select(["ALL"], [], [])
    outcome = check(CheckRequest(["fixtures"], settings, registry, selected, project, **request))
    report = Report(outcome.reported, outcome.errors, outcome.files_checked, None)
    options = RenderOptions(rules=selected)
    return {name: renderer(name)(report, options) for name in ("json", "text", "sarif")}


def test_output_is_byte_identical_across_jobs_and_cache_states(project: Path, capsys) -> None:
    """JSON, text and SARIF from fresh results with one and two workers, from a cold and from a warm cache
    (where a field lost in the cache would show), and the command's own output."""
    reference = rendered(project, jobs=1, use_cache=False)
    assert json.loads(reference["json"])["diagnostics"] and json.loads(reference["sarif"])
    headers = re.findall(r"^fixtures/\S+:\d+:\d+: LLM\d{3} ", reference["text"], re.M)
    assert len(headers) == len(json.loads(reference["json"])["diagnostics"])
    assert rendered(project, jobs=2, use_cache=False) == reference
    shutil.rmtree(project / ".promptlint_cache", ignore_errors=True)
    assert rendered(project, jobs=2) == reference  # cold cache
    assert rendered(project, jobs=2) == reference  # warm cache
    assert rendered(project, jobs=1) == reference  # warm cache, in-process
    assert output(capsys, "--output-format", "json", "--jobs", "2") == reference["json"]


PROBE = """
import sys
from promptlint.cli import main
main(sys.argv[1:])
sys.stderr.write("\\nPROBE " + str(sorted(m for m in ("libcst", "tiktoken") if m in sys.modules)) + "\\n")
"""


def probe(cwd: Path, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args], cwd=cwd, capture_output=True, text=True, check=False
    )
    return result.stderr.rsplit("PROBE ", 1)[1].strip()


def test_a_warm_cache_does_not_parse(project: Path) -> None:
    assert probe(project, "check", "--jobs", "1", "fixtures/LLM201") == "['libcst']"
    assert probe(project, "check", "--jobs", "1", "fixtures/LLM201") == "[]"


def test_a_changed_prompt_file_invalidates_the_cached_result(project: Path, capsys) -> None:
    before = output(capsys, "--output-format", "json", select="LLM301")
    assert json.loads(before)["summary"]["by_code"] == {"LLM301": 8}
    (project / "fixtures" / "LLM301" / "prompts" / "product_catalog.md").write_text("A short catalog.\n")
    after = json.loads(output(capsys, "--output-format", "json", select="LLM301"))
    # The multi-module project reads its own copy of the catalog, which two of its requests send: reported
    # once, where it is defined.
    assert [d["path"] for d in after["diagnostics"]] == ["fixtures/project/helpdesk/prompts.py"]


def test_changed_options_and_corrupt_entries_are_not_served(project: Path, capsys) -> None:
    first = json.loads(output(capsys, "--output-format", "json", select="LLM201"))
    (project / "pyproject.toml").write_text(
        "[tool.promptlint]\n[tool.promptlint.rules.missing-output-limit]\ndefault-max-tokens = 77\n"
    )
    second = json.loads(output(capsys, "--output-format", "json", select="LLM201"))
    assert second["diagnostics"][0]["fix"]["description"].endswith("=77`")
    assert first["diagnostics"][0]["fix"]["description"].endswith("=1024`")
    for entry in (project / ".promptlint_cache").rglob("*.json"):
        entry.write_text("{broken")
    third = json.loads(output(capsys, "--output-format", "json", select="LLM201"))
    assert third == second


def test_cache_directory_is_marked_and_ignored_by_git(project: Path, capsys) -> None:
    output(capsys, path="fixtures/LLM201")
    cache = project / ".promptlint_cache"
    assert (cache / ".gitignore").read_text() == "# Created by promptlint.\n*\n"
    assert (cache / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
