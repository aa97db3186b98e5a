"""The fixtures, end to end: every diagnostic `promptlint check fixtures/` reports is announced in the fixture.

Each line where a diagnostic is expected carries a trailing comment ``# expect: CODE:COLUMN`` (several
separated by spaces). The set is closed: a diagnostic without a marker, or a marker without a diagnostic,
fails the file's test. ``# ok: why`` comments document look-alikes for readers and are not parsed.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import tokenize
from pathlib import Path
from typing import Dict, List, Set, Tuple

import pytest

from promptlint.registry import load_registry

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"

_EXPECT = re.compile(r"#\s*expect:\s*(?P<items>.*)$")
_ITEM = re.compile(r"(?P<code>[A-Z]+[0-9]+):(?P<column>[0-9]+)")

Key = Tuple[str, int, str, int]  # (path relative to the repository, line, code, column)


def fixture_files() -> List[str]:
    return sorted(p.relative_to(ROOT).as_posix() for p in FIXTURES.rglob("*.py"))


def markers(relative: str) -> Set[Key]:
    """The ``# expect:`` markers of one fixture, read from real comments (tokenized: the encoding cookie
    is honoured and a marker-like text inside a string is not a marker)."""
    data = (ROOT / relative).read_bytes()
    expected: Set[Key] = set()
    for token in tokenize.tokenize(io.BytesIO(data).readline):
        if token.type != tokenize.COMMENT:
            continue
        match = _EXPECT.search(token.string)
        if match is None:
            continue
        items = match.group("items").split()
        assert items, f"{relative}:{token.start[0]}: empty `# expect:` marker"
        for item in items:
            parsed = _ITEM.fullmatch(item)
            assert parsed is not None, f"{relative}:{token.start[0]}: malformed marker item {item!r}"
            expected.add((relative, token.start[0], parsed.group("code"), int(parsed.group("column"))))
    return expected


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """The CLI in a subprocess, never touching a result cache (the checkout's own least of all)."""
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "120"}
    return subprocess.run(
        [sys.executable, "-m", "promptlint", *args, "--no-cache"],
        cwd=str(cwd),
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
    )


def reported(fixtures_report: dict) -> Dict[str, Set[Key]]:
    by_file: Dict[str, Set[Key]] = {}
    for item in fixtures_report["diagnostics"]:
        path = Path(item["path"]).as_posix()
        by_file.setdefault(path, set()).add((path, item["line"], item["code"], item["column"]))
    return by_file


def _describe(keys: Set[Key], document: dict) -> List[str]:
    messages = {(d["path"], d["line"], d["code"], d["column"]): d["message"] for d in document["diagnostics"]}
    lines = []
    for key in sorted(keys):
        path, line, code, column = key
        detail = messages.get(key)
        lines.append(f"  {path}:{line}:{column} {code}" + (f"  {detail}" if detail else ""))
    return lines


def test_fixture_tree_is_laid_out_as_documented() -> None:
    for folder in ("LLM101", "LLM201", "LLM301", "lookalikes", "real_world", "project"):
        assert (FIXTURES / folder).is_dir(), folder
    # Only the multi-module project has packages: its modules import each other.
    packages = {p.parent.relative_to(FIXTURES).as_posix() for p in FIXTURES.rglob("__init__.py")}
    assert packages == {"project/helpdesk", "project/src/acme_bot", "project/translators"}
    assert len(fixture_files()) >= 20
    # One folder per rule of the registry, plus the look-alikes, the real-world files and the multi-module
    # project; none is empty.
    folders = {path.name for path in FIXTURES.iterdir() if path.is_dir()}
    assert folders == {rule.code for rule in load_registry().rules} | {"lookalikes", "real_world", "project"}
    assert all(list((FIXTURES / folder).glob("*.py")) for folder in folders)


def test_the_run_reports_no_errors(fixtures_report: dict) -> None:
    document = fixtures_report
    assert document["errors"] == []
    known = set(fixture_files())
    stray = {d["path"] for d in document["diagnostics"]} - known
    assert not stray, f"diagnostics outside the fixture files: {sorted(stray)}"


@pytest.mark.parametrize("relative", fixture_files())
def test_fixture_matches_its_markers(relative: str, fixtures_report: dict) -> None:
    expected = markers(relative)
    found = reported(fixtures_report).get(relative, set())
    if relative.startswith("fixtures/lookalikes/"):
        assert not expected, "look-alike fixtures expect nothing: they carry no markers"
    missing = expected - found
    unexpected = found - expected
    if missing or unexpected:
        report = [f"{relative}: the diagnostics differ from the `# expect:` markers"]
        if missing:
            report += ["expected but not reported:"] + _describe(missing, fixtures_report)
        if unexpected:
            report += ["reported but not expected:"] + _describe(unexpected, fixtures_report)
        pytest.fail("\n".join(report), pytrace=False)


def test_every_rule_fires_somewhere_in_the_fixtures(fixtures_report: dict) -> None:
    codes = {d["code"] for d in fixtures_report["diagnostics"]}
    assert {"LLM101", "LLM201", "LLM301"} <= codes
    assert codes == {rule.code for rule in load_registry().rules}


def test_suppressed_lines_of_the_fixture_would_otherwise_be_reported(tmp_path: Path) -> None:
    """The suppression fixture silences real findings, not lines that were clean anyway."""
    source = (FIXTURES / "real_world" / "suppressed_findings.py").read_text(encoding="utf-8")
    lines = source.splitlines()
    suppressed = [n for n, line in enumerate(lines, 1) if "# noqa" in line or "# promptlint: ignore" in line]
    assert len(suppressed) == 2
    stripped = re.sub(r"  # (noqa: LLM201|promptlint: ignore\[dynamic-prefix\])", "", source)
    (tmp_path / "prompts").mkdir()
    guidelines = FIXTURES / "real_world" / "prompts" / "answering_guidelines.md"
    (tmp_path / "prompts" / guidelines.name).write_bytes(guidelines.read_bytes())
    (tmp_path / "app.py").write_text(stripped, encoding="utf-8")
    result = run_cli("check", "--output-format", "json", "app.py", cwd=tmp_path)
    found = {(d["line"], d["code"]) for d in json.loads(result.stdout)["diagnostics"]}
    assert found == {(suppressed[0], "LLM201"), (suppressed[1], "LLM101")}


# -- pinned output --------------------------------------------------------------------------------------------

PINNED_LLM201 = "fixtures/LLM201/ticket_summary.py"


def test_small_llm201_fixture_json_is_pinned() -> None:
    result = run_cli("check", "--output-format", "json", PINNED_LLM201)
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout) == {
        "version": 1,
        "diagnostics": [
            {
                "code": "LLM201",
                "name": "missing-output-limit",
                "severity": "warning",
                "path": PINNED_LLM201,
                "line": 11,
                "column": 16,
                "end_line": 11,
                "end_column": 86,
                "message": (
                    "`client.chat.completions.create` sets no output limit: output is bounded only by the "
                    "model maximum (16,384 tokens for `gpt-4o-mini`)"
                ),
                "fix": {
                    "description": "Add `max_completion_tokens=1024`",
                    "applicability": "unsafe",
                    "edits": [
                        {
                            "line": 11,
                            "column": 85,
                            "end_line": 11,
                            "end_column": 85,
                            "content": ", max_completion_tokens=1024",
                        }
                    ],
                },
                "savings": {
                    "model": "gpt-4o-mini",
                    "tokens_per_call": 15360,
                    "usd_per_call": 0.009216,
                    "usd_per_1k_calls": 9.216,
                    "usd_per_month": None,
                    "assumptions": [
                        "worst case: the answer runs to the model maximum of 16,384 output tokens",
                        "after the fix: capped at 1,024 tokens",
                        "prices: `gpt-4o-mini` from the model table of 2026-11-28",
                    ],
                    "kind": "worst_case",
                    "unpriced_reason": None,
                },
                "confidence": "high",
            }
        ],
        "summary": {
            "files_checked": 1,
            "diagnostics": 1,
            "fixable": 1,
            "errors": 0,
            "by_code": {"LLM201": 1},
            # The one priced figure is a worst-case bound: kept out of the expected total.
            "savings": {
                "usd_per_1k_calls": None,
                "usd_per_month": None,
                "priced": 1,
                "unpriced": 0,
                "expected_usd_per_1k_calls": None,
                "expected_usd_per_month": None,
                "worst_case_usd_per_1k_calls": 9.216,
                "worst_case_usd_per_month": None,
                "cost_increase_usd_per_1k_calls": None,
                "cost_increase_usd_per_month": None,
                "unpriced_reasons": {},
            },
            "calls_per_month": None,
        },
        "errors": [],
    }


PINNED_LLM101_MESSAGE = (
    "`customer_name` varies per request but comes before 1,603 tokens of static prompt: "
    "they are never served from the prompt cache"
)
# 1,603 tokens at gpt-4.1-mini's input price ($0.40/M) instead of its cache-read price ($0.10/M).
PINNED_LLM101_SAVINGS = ("gpt-4.1-mini", 1603, 0.4809)
PINNED_LLM301_MESSAGE = "Static system prompt is 11,436 tokens, above the 8,000-token threshold"
# The 3,436 tokens above the threshold sit in a cached prefix: gpt-4.1's cache-read price ($0.50/M).
PINNED_LLM301_SAVINGS = ("gpt-4.1", 3436, 1.718)


def _savings(diagnostic: dict) -> tuple:
    savings = diagnostic["savings"]
    return savings["model"], savings["tokens_per_call"], savings["usd_per_1k_calls"]


def _diagnostic(fixtures_report: dict, path: str, code: str) -> dict:
    found = [d for d in fixtures_report["diagnostics"] if d["path"] == path and d["code"] == code]
    assert len(found) == 1, found
    return found[0]


def test_llm101_message_and_savings_are_pinned(fixtures_report: dict) -> None:
    diagnostic = _diagnostic(fixtures_report, "fixtures/LLM101/support_chat_fstring.py", "LLM101")
    assert diagnostic["message"] == PINNED_LLM101_MESSAGE
    assert diagnostic["fix"] is None
    assert _savings(diagnostic) == PINNED_LLM101_SAVINGS


def test_llm301_message_and_savings_are_pinned(fixtures_report: dict) -> None:
    diagnostic = _diagnostic(fixtures_report, "fixtures/LLM301/catalog_in_system_prompt.py", "LLM301")
    assert diagnostic["message"] == PINNED_LLM301_MESSAGE
    assert _savings(diagnostic) == PINNED_LLM301_SAVINGS


# -- the README's first command -------------------------------------------------------------------------------


def test_text_output_over_the_fixtures_shows_every_rule() -> None:
    result = run_cli("fixtures/")
    assert result.returncode == 1, result.stderr
    for code in ("LLM101", "LLM201", "LLM301"):
        assert code in result.stdout
    assert "fix" in result.stdout
    assert "saving" in result.stdout
