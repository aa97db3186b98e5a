"""Every fix of every rule, on every fixture: applied, it parses, and a second run has nothing left to fix."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

from promptlint.cli import main

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@pytest.fixture
def copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    target = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, target)
    (tmp_path / "pyproject.toml").write_text("[tool.promptlint]\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    return target


def snapshot(folder: Path) -> dict:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*") if path.is_file()
    }


def test_all_fixes_apply_parse_and_are_idempotent(copy: Path, capsys) -> None:
    before = snapshot(copy)
    main(["check", "--select", "ALL", "--diff", "--unsafe-fixes", "fixtures"])
    would = capsys.readouterr()
    assert snapshot(copy) == before  # --diff changes nothing on disk
    assert would.out.startswith("--- a/fixtures/"), "the fixtures should exercise at least one fix"

    main(["check", "--select", "ALL", "--fix", "--unsafe-fixes", "fixtures"])
    fixed = capsys.readouterr()
    assert "promptlint: error" not in fixed.err

    for path in copy.rglob("*.py"):
        original = (FIXTURES / path.relative_to(copy)).read_bytes()
        if path.read_bytes() != original:
            encoding = "latin-1" if b"coding: latin-1" in original[:200] else "utf-8"
            ast.parse(path.read_bytes().decode(encoding))

    assert main(["check", "--select", "ALL", "--diff", "--unsafe-fixes", "fixtures"]) == 0
    again = capsys.readouterr()
    assert again.out == ""
    assert again.err == "Would fix 0 issues in 0 files.\n"
    # Nothing changed on disk by --diff.
    assert would.err.startswith("Would fix ")
