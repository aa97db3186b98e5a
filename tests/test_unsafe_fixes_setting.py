"""``unsafe-fixes = true`` in ``[tool.promptlint]`` applies unsafe fixes with ``--fix``, as ``--unsafe-fixes``
does (ruff's setting of the same name); the language server offers them only then."""

from __future__ import annotations

from pathlib import Path

import pytest

from promptlint.cli import main

CALL = (
    "from openai import OpenAI\n\nclient = OpenAI()\n"
    'r = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])\n'
)


@pytest.mark.parametrize("setting, fixed", [("", False), ("unsafe-fixes = true\n", True)])
def test_the_setting_applies_unsafe_fixes(
    tmp_path: Path, monkeypatch, capsys, setting: str, fixed: bool
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.promptlint]\n" + setting)
    (tmp_path / "app.py").write_text(CALL)
    main(["check", "--fix", "--no-cache", "-q", "app.py"])
    capsys.readouterr()
    expected = CALL.replace('"hi"}])', '"hi"}], max_completion_tokens=1024)') if fixed else CALL
    assert (tmp_path / "app.py").read_text() == expected


def test_the_setting_must_be_a_boolean(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.promptlint]\nunsafe-fixes = "yes"\n')
    (tmp_path / "app.py").write_text(CALL)
    assert main(["check", "app.py"]) == 2
    assert capsys.readouterr().err == (
        f"promptlint: error: {tmp_path / 'pyproject.toml'}: `tool.promptlint.unsafe-fixes` must be true or"
        " false, got a string\n"
    )
