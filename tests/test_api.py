"""``promptlint.api`` is the one surface a rule pack imports, and ``docs/ir.md`` is generated from the IR."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import promptlint.api as api
from promptlint import ir_reference

ROOT = Path(__file__).resolve().parents[1]


def test_every_public_name_resolves() -> None:
    missing = [name for name in api.__all__ if getattr(api, name, None) is None]
    assert missing == []
    assert len(set(api.__all__)) == len(api.__all__)


def test_edits_and_testing_are_the_real_modules() -> None:
    import promptlint.edits
    import promptlint.testing

    assert api.edits is promptlint.edits
    assert api.testing is promptlint.testing


def test_importing_the_api_does_not_import_libcst() -> None:
    probe = "import sys, promptlint.api; print(sorted(m for m in ('libcst', 'tiktoken', 'rich') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_an_unknown_name_is_an_attribute_error() -> None:
    try:
        api.no_such_name  # noqa: B018
    except AttributeError as error:
        assert "no_such_name" in str(error)
    else:  # pragma: no cover - the assertion below explains the failure
        raise AssertionError("promptlint.api.no_such_name resolved")


def test_the_ir_reference_is_generated_from_the_ir() -> None:
    assert (ROOT / "docs" / "ir.md").read_text(encoding="utf-8") == ir_reference.render(), (
        "docs/ir.md is stale: run `python -m promptlint.ir_reference > docs/ir.md`"
    )


def test_the_ir_reference_lists_every_public_ir_class() -> None:
    from promptlint import ir

    reference = ir_reference.render()
    for name in (
        "LLMCall",
        "PromptPart",
        "Static",
        "Dynamic",
        "LoopInfo",
        "OutputLimit",
        "RunsIn",
        "Platform",
    ):
        assert f"## `{name}`" in reference, name
    assert f"version {ir.IR_VERSION}" in reference.splitlines()[0]
