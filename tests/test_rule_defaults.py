"""Moved from tests/test_rules_context_loops.py (batch file dissolved into one file per rule or concern)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import List, Optional

import pytest

from promptlint.cli import main
from promptlint.registry import load_registry

ROOT = Path(__file__).resolve().parent.parent


GROUP = "LLM302,LLM303,LLM501,LLM502"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


def lint(
    project: Path, source: str, capsys, select: str = GROUP, config: str = "", name: str = "app.py"
) -> List[dict]:
    path = project / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    if config:
        (project / "pyproject.toml").write_text(textwrap.dedent(config), encoding="utf-8")
    main(["check", "--no-cache", "--output-format", "json", "--select", select, name])
    document = json.loads(capsys.readouterr().out)
    assert document["errors"] == []
    return document["diagnostics"]


def found(diagnostics: List[dict]) -> List[tuple]:
    return [(d["code"], d["line"], d["column"], d["message"]) for d in diagnostics]


def savings(diagnostic: dict) -> Optional[tuple]:
    saving = diagnostic["savings"]
    if saving is None:
        return None
    return saving["model"], saving["tokens_per_call"], saving["usd_per_1k_calls"]


def test_the_rules_are_registered_with_their_defaults() -> None:
    rules = {rule.code: rule for rule in load_registry().rules}
    assert {code: (rules[code].name, rules[code].default_enabled) for code in GROUP.split(",")} == {
        "LLM302": ("unbounded-document", False),
        "LLM303": ("unbounded-history", True),
        "LLM501": ("batchable-loop", False),
        "LLM502": ("unbounded-agent-loop", True),
    }
    assert dict(rules["LLM302"].options) == {"assumed-document-tokens": 10000, "truncate-to-tokens": 2000}
    assert dict(rules["LLM303"].options) == {"assumed-turns": 20, "tokens-per-turn": 300, "keep-turns": 8}
    assert dict(rules["LLM501"].options) == {"min-items": 10}
    assert dict(rules["LLM502"].options) == {}
    assert all(rules[code].fix_availability == "none" for code in GROUP.split(","))


def test_opt_in_rules_stay_silent_by_default(project: Path, capsys) -> None:
    source = """\
        import sys
        from openai import OpenAI

        client = OpenAI()

        def main(paths):
            for path in paths:
                text = open(path).read()
                client.chat.completions.create(
                    model="gpt-5.4-mini",
                    messages=[{"role": "user", "content": text}],
                    max_completion_tokens=100,
                )

        if __name__ == "__main__":
            main(sys.argv[1:])
    """
    (project / "app.py").write_text(textwrap.dedent(source), encoding="utf-8")
    main(["check", "--no-cache", "--output-format", "json", "app.py"])
    by_default = {d["code"] for d in json.loads(capsys.readouterr().out)["diagnostics"]}
    assert not by_default & {"LLM302", "LLM501"}
    assert {d["code"] for d in lint(project, source, capsys)} == {"LLM302", "LLM501"}
