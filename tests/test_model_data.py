"""Moved from tests/test_rules_output_model.py (batch file dissolved into one file per rule or concern)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import pytest

from promptlint.cli import main
from promptlint.models import ModelDataError, Retirement, load_model_table, shipped_retirement


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


def test_reasoning_flags_and_tiers() -> None:
    table = load_model_table()
    for model in ("o1", "o3", "o3-mini", "o4-mini", "gpt-5", "gpt-5-mini", "gpt-5.1", "gpt-5.6-luna"):
        assert table.lookup(model).reasoning, model
    for model in ("gpt-4o", "gpt-4.1-mini", "claude-sonnet-4-5", "gemini-2.5-flash-lite", "deepseek-chat"):
        assert not table.lookup(model).reasoning, model
    assert (table.lookup("claude-opus-4-5").tier, table.lookup("claude-opus-4-5").small_alternative) == (
        "frontier",
        "claude-haiku-4-5",
    )
    assert table.lookup("claude-sonnet-4-5").tier == "standard"
    assert table.lookup("gpt-5.6-luna").tier == "small"
    for info in table.all():
        if info.small_alternative is not None:
            assert info.tier == "frontier", info.id
            alternative = table.lookup(info.small_alternative)
            assert alternative is not None and alternative.provider == info.provider, info.id
            assert alternative.tier == "small" or info.provider == "google", info.id


@pytest.mark.parametrize(
    ("name", "row", "shutdown", "successor"),
    [
        ("gpt-3.5-turbo", "gpt-3.5-turbo", "2026-10-23", "gpt-5.6-terra"),
        ("openai/gpt-4-0613", "gpt-4-0613", "2026-10-23", "gpt-5.6-sol"),
        ("o1-2024-12-17", "o1", "2026-10-23", "gpt-5.6-sol"),  # a retired alias takes its snapshots
        ("gpt-4o-2024-05-13", "gpt-4o-2024-05-13", "2026-10-23", "gpt-5.6-sol"),  # its own row wins
        ("gpt-4o-2024-08-06", "gpt-4o", "2027-01-14", "gpt-6-luna"),
        ("claude-3-5-haiku-latest", "claude-3-5-haiku-latest", "2026-02-19", "claude-haiku-4-5"),
        ("anthropic/claude-opus-4-1-20250805", "claude-opus-4-1-20250805", "2026-08-05", None),
        ("models/gemini-3-pro-preview", "gemini-3-pro-preview", "2026-03-09", "gemini-3.1-pro-preview"),
    ],
)
def test_retirement_lookup(name: str, row: str, shutdown: str, successor: Optional[str]) -> None:
    found = shipped_retirement(name)
    assert found is not None
    assert (found.id, found.shutdown, found.successor) == (row, shutdown, successor)


@pytest.mark.parametrize(
    "name",
    [
        "gpt-4.1-nano",
        "gpt-5",
        "azure/gpt-4",
        "vertex_ai/gemini-3-pro-preview",
        "gemini-2.5-pro",
        "gpt-4o-foo",
    ],
)
def test_no_retirement(name: str) -> None:
    assert shipped_retirement(name) is None


def test_retired_is_decided_by_the_table_date_not_the_clock() -> None:
    row = Retirement("m", "openai", "2026-11-28", None, "s", as_of="2026-11-28")
    assert row.retired and row.days_after_table() == 0
    later = Retirement("m", "openai", "2027-01-14", None, "s", as_of="2026-11-28")
    assert not later.retired and later.days_after_table() == 47
    table = load_model_table()
    assert all(r.as_of == table.as_of for r in table.retirements())
    chained = {"gpt-5.3-chat-latest", "gpt-5.1-chat-latest"}  # named, then retired: LLM401 follows them
    for r in table.retirements():
        successor = shipped_retirement(r.successor) if r.successor else None
        assert successor is None or not successor.retired or r.successor in chained, r.id


def _shipped(**extra):
    data = {
        "as_of": "2026-01-01",
        "sources": {"s": "somewhere"},
        "models": {"m": {"provider": "openai", "source": "s"}},
    }
    data.update(extra)
    return data


def test_retirement_rows_are_validated() -> None:
    from promptlint import models

    ok = models._parse(
        _shipped(retirements={"m": {"provider": "openai", "shutdown": "2025-12-31", "source": "s"}})
    )
    assert ok.table.retirement("m").retired
    with pytest.raises(ModelDataError, match=r"retirements\.m\.shutdown: expected a date"):
        models._parse(_shipped(retirements={"m": {"provider": "openai", "shutdown": "soon", "source": "s"}}))
    with pytest.raises(ModelDataError, match=r"retirements\.m: unknown key `replacement`"):
        models._parse(
            _shipped(
                retirements={
                    "m": {"provider": "o", "shutdown": "2025-01-01", "source": "s", "replacement": "x"}
                }
            )
        )
    with pytest.raises(ModelDataError, match=r"retirements\.m: missing key `source`"):
        models._parse(_shipped(retirements={"m": {"provider": "openai", "shutdown": "2025-01-01"}}))
    with pytest.raises(ModelDataError, match=r"models\.m\.small-alternative: `x` is not a model id"):
        models._parse(_shipped(models={"m": {"provider": "openai", "source": "s", "small-alternative": "x"}}))
    with pytest.raises(ModelDataError, match=r"models\.m\.tier: expected one of"):
        models._parse(_shipped(models={"m": {"provider": "openai", "source": "s", "tier": "huge"}}))
    with pytest.raises(ModelDataError, match=r"models\.m\.reasoning: expected true or false"):
        models._parse(_shipped(models={"m": {"provider": "openai", "source": "s", "reasoning": "yes"}}))


def test_package_only_keys_cannot_be_overridden() -> None:
    with pytest.raises(ModelDataError, match="unknown key `tier`"):
        load_model_table({"gpt-4o": {"tier": "small"}})


def test_models_command_shows_tiers_and_retirements(project: Path, capsys) -> None:
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Model table as of 2026-11-28 (")
    header = out.splitlines()[2].split()
    assert header[-3:] == ["tier", "reasoning", "small-alternative"]
    assert "\nRetirements on the providers' own APIs (status as of 2026-11-28)\n" in out
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line.strip()}
    assert rows["gpt-3.5-turbo-0125"][1:] == ["openai", "2026-10-23", "retired", "gpt-5.6-terra"]
    assert rows["gpt-4o-mini"][-3:] == ["2027-01-14", "scheduled", "gpt-6-luna"]
    assert rows["claude-opus-4-5"][-3:] == ["frontier", "-", "claude-haiku-4-5"]
