"""The pre-commit hook end to end: a real repository, the real ``pre-commit``, this checkout as the hook repo."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

FLAGGED = """\
from openai import OpenAI

client = OpenAI()


def summarise(text: str) -> str:
    reply = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": text}])
    return reply.choices[0].message.content
"""


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def head_of_checkout() -> str:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs this project as a git checkout")
    return git(ROOT, "rev-parse", "HEAD")


def pre_commit(repo: Path, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1", "PRE_COMMIT_COLOR": "never"}
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--all-files"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.slow
def test_hook_fails_on_a_finding_and_passes_once_fixed(tmp_path: Path) -> None:
    rev = head_of_checkout()
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {ROOT.as_uri()}\n    rev: {rev}\n    hooks:\n      - id: promptlint\n"
    )
    (repo / "summarise.py").write_text(FLAGGED)
    (repo / "notes.txt").write_text("not python\n")
    git(repo, "add", ".")

    failed = pre_commit(repo, tmp_path / "cache")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "summarise.py:7:13: LLM201" in failed.stdout
    assert "Failed" in failed.stdout

    (repo / "summarise.py").write_text(FLAGGED.replace("}])", "}], max_completion_tokens=512)"))
    git(repo, "add", ".")
    passed = pre_commit(repo, tmp_path / "cache")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout
