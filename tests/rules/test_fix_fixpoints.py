"""Moved from tests/test_rules_hygiene.py (batch file dissolved into one file per rule or concern)."""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path
from typing import List, Optional

import cli_in_process
import pytest

from promptlint.diagnostics import Edit
from promptlint.fixes import apply_edits

ROOT = Path(__file__).resolve().parents[2]


CODES = "LLM104,LLM601,LLM602"


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return cli_in_process.run(*args, cwd=cwd)


def diagnostics(*paths: str, cwd: Path = ROOT, select: str = CODES) -> List[dict]:
    result = run("check", "--no-cache", "--output-format", "json", "--select", select, *paths, cwd=cwd)
    assert result.returncode in (0, 1), result.stderr
    document = json.loads(result.stdout)
    assert document["errors"] == []
    return document["diagnostics"]


def lint(tmp_path: Path, source: str, config: Optional[str] = None, select: str = CODES) -> List[dict]:
    (tmp_path / "app.py").write_text(textwrap.dedent(source).lstrip("\n"), encoding="utf-8")
    if config is not None:
        (tmp_path / "pyproject.toml").write_text(textwrap.dedent(config), encoding="utf-8")
    return diagnostics("app.py", cwd=tmp_path, select=select)


def fixed(source: str, diagnostic: dict) -> str:
    edits = [Edit(**edit) for edit in diagnostic["fix"]["edits"]]
    return apply_edits(source, edits)


def brief(items: List[dict]) -> List[tuple]:
    return [(d["code"], d["line"], d["column"]) for d in items]


@pytest.mark.parametrize("code", ["LLM104", "LLM601", "LLM602"])
def test_fix_all_reaches_a_fixpoint_on_the_fixtures(tmp_path: Path, code: str) -> None:
    """`--fix --unsafe-fixes` on a copy of each positive fixture leaves no finding of the rule behind."""
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "pyproject.toml").write_text("[tool.promptlint]\n", encoding="utf-8")
    for path in (ROOT / "fixtures" / code).rglob("*"):
        target = folder / path.relative_to(ROOT / "fixtures" / code)
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    result = run("check", "--select", code, "--fix", "--unsafe-fixes", ".", cwd=folder)
    assert result.returncode in (0, 1), result.stderr
    remaining = [d for d in diagnostics(".", cwd=folder, select=code) if d["fix"] is not None]
    assert remaining == []
