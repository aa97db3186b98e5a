"""Moved from tests/test_rules_caching.py (batch file dissolved into one file per rule or concern)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import List, Optional

import pytest

from promptlint.cli import main
from promptlint.models import load_model_table
from promptlint.rule import SavingsBasis
from promptlint.savings import price

ROOT = Path(__file__).resolve().parent.parent


MANUAL = (ROOT / "fixtures" / "LLM103" / "prompts" / "claims_manual.md").read_text(encoding="utf-8")


REFERENCE = (ROOT / "fixtures" / "LLM105" / "prompts" / "tax_reference.md").read_text(encoding="utf-8")


CACHING = "LLM101,LLM102,LLM103,LLM105"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "manual.md").write_text(MANUAL, encoding="utf-8")
    (tmp_path / "prompts" / "reference.md").write_text(REFERENCE, encoding="utf-8")
    return tmp_path


def lint(project: Path, source: str, capsys, select: str = CACHING, config: str = "") -> List[dict]:
    (project / "app.py").write_text(textwrap.dedent(source), encoding="utf-8")
    if config:
        (project / "pyproject.toml").write_text(textwrap.dedent(config), encoding="utf-8")
    main(["check", "--output-format", "json", "--select", select, "app.py"])
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


def apply_fix(source: str, diagnostic: dict) -> str:
    """Apply the edits of a diagnostic's fix, as an editor or `--fix` would (1-based, end exclusive)."""
    lines = textwrap.dedent(source).splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    text = "".join(lines)
    for edit in sorted(diagnostic["fix"]["edits"], key=lambda e: (e["line"], e["column"]), reverse=True):
        begin = starts[edit["line"] - 1] + edit["column"] - 1
        end = starts[edit["end_line"] - 1] + edit["end_column"] - 1
        text = text[:begin] + edit["content"] + text[end:]
    return text


HEADER = """\
from datetime import date, datetime
from pathlib import Path

from anthropic import Anthropic
from openai import OpenAI

MANUAL = (Path(__file__).parent / "prompts" / "manual.md").read_text()
REFERENCE = (Path(__file__).parent / "prompts" / "reference.md").read_text()
client = OpenAI()
claude = Anthropic()
"""


def test_cache_write_tokens_are_priced_as_a_premium_over_input() -> None:
    table = load_model_table()
    basis = SavingsBasis(model="claude-sonnet-4-5", cached_tokens=900, cache_write_tokens=100)
    priced = price(basis, table, None)
    # 900 x ($3.00 - $0.30) - 100 x ($3.75 - $3.00), per 1M tokens.
    assert (priced.tokens_per_call, priced.usd_per_call) == (1000, 0.002355)
    # Where writes cost the input price (OpenAI before gpt-5.6), they cost nothing extra.
    basis = SavingsBasis(model="gpt-4.1", cached_tokens=900, cache_write_tokens=100)
    assert price(basis, table, None).usd_per_call == 0.00135
    # A model without a cache-write price is unpriced, never guessed.
    overrides = {"my-model": {"provider": "anthropic", "input": 1.0, "cache-read": 0.1}}
    basis = SavingsBasis(model="my-model", cached_tokens=900, cache_write_tokens=100)
    assert price(basis, load_model_table(overrides), None).usd_per_call is None
