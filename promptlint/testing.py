"""Test a rule in-process on a small source: ``Valid`` and ``Invalid`` cases, checked exactly.

A rule carries its own cases as a class attribute, and ``promptlint rule CODE`` renders its ``## Example``
and ``## Use instead`` code from the first ``Invalid`` and the first ``Valid`` of them, so a rule's
documentation is code that the test suite runs::

    from promptlint.rule import Rule
    from promptlint.testing import Invalid, Valid


    class NoFoo(Rule):
        code = "ACME101"
        ...
        examples = (
            Invalid('''
                from openai import OpenAI

                OpenAI().responses.create(model="gpt-4.1", input="foo")
            ''', "ACME101", line=3, column=1),
            Valid('''
                from openai import OpenAI

                OpenAI().responses.create(model="gpt-4.1", input="bar")
            '''),
        )

and the pack's own test module checks them all (one pytest case per example)::

    import pytest
    from promptlint.testing import check_case, example_cases
    from acme_rules import RULES

    @pytest.mark.parametrize(("rule", "case"), example_cases(RULES))
    def test_example(rule, case):
        check_case(rule, case)

What a case sees is fixed by the case alone, so that it gives the same answer on every machine:

- the rule under test runs alone, through the engine (``promptlint.engine.lint_source``), on the case's
  source held in memory: no subprocess, no cache, no file discovery;
- its options are its defaults updated with the case's ``options``; no ``pyproject.toml`` or other user
  configuration is read, and the only model overrides are the case's own ``models`` (usually none);
- the model table is the shipped one, which carries its own date (``promptlint models`` prints it):
  retirements are decided by that date, never by the machine's clock;
- the source is placed as ``app.py`` in a fresh temporary project directory that holds only the case's
  ``files`` (prompt files the source reads), so no file of the machine can change the result.

Sources are dedented and a leading newline dropped, so that a case can be written indented in the class
body; lines and columns (1-based, as in every report) count in that dedented text.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, List, Mapping, Optional, Sequence, Tuple, Type

if TYPE_CHECKING:  # pragma: no cover
    from promptlint.diagnostics import Diagnostic
    from promptlint.engine import FileResult
    from promptlint.rule import Rule

from promptlint.examples import Case, Invalid, Valid, first_pair, normalise

__all__ = [
    "Invalid",
    "Valid",
    "check_case",
    "check_examples",
    "example_cases",
    "first_pair",
    "lint",
    "normalise",
]

_PATH = "app.py"


def lint(
    source: str,
    rules: Sequence[Type[Rule]],
    *,
    options: Optional[Mapping[str, Mapping[str, Any]]] = None,
    default_model: Optional[str] = None,
    files: Optional[Mapping[str, str]] = None,
    models: Optional[Mapping[str, Mapping[str, Any]]] = None,
) -> FileResult:
    """Lint ``source`` (taken as written: not dedented) with ``rules`` only, in-process and isolated.

    ``options`` maps a rule code to its options. Returns the engine's result: ``diagnostics`` in report
    order (positions, messages, fixes as text edits) and ``errors``.
    """
    import tempfile

    from promptlint.engine import LintOptions, lint_source
    from promptlint.models import ModelData
    from promptlint.source import decode_file

    with tempfile.TemporaryDirectory(prefix="promptlint-case-") as directory:
        root = Path(directory).resolve()
        (root / "pyproject.toml").write_text("", encoding="utf-8")  # the project ends here
        for relative, text in (files or {}).items():
            target = root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(normalise(text), encoding="utf-8")
        lint_options = LintOptions(
            rules=tuple(rules),
            rule_options=dict(options or {}),
            default_model=default_model,
            project_root=root,
            models=dict(models or {}),
        )
        source_file = decode_file(root / _PATH, source.encode("utf-8"))
        return lint_source(source_file, _PATH, lint_options, ModelData(lint_options.models))


def _brief(diagnostics: Iterable[Diagnostic]) -> List[Tuple[str, int, int, str]]:
    return [(d.code, d.line, d.column, d.message) for d in diagnostics]


def check_case(rule: Type[Rule], case: Case) -> None:
    """Raise AssertionError, saying what differs, unless ``rule`` behaves on ``case`` as the case says."""
    text = case.text
    result = lint(
        text,
        [rule],
        options={rule.code: case.options},
        default_model=case.default_model,
        files=case.files,
        models=case.models,
    )
    if result.errors:
        raise AssertionError(f"{rule.code}: errors on the case: {[e.reason for e in result.errors]}")
    found = result.diagnostics
    if isinstance(case, Valid):
        if found:
            raise AssertionError(f"{rule.code}: expected no finding on a Valid case, got {_brief(found)}")
        return
    expected = (case.code, case.line, case.column)
    if [(d.code, d.line, d.column) for d in found] != [expected]:
        raise AssertionError(f"{rule.code}: expected exactly {expected}, got {_brief(found)}")
    diagnostic = found[0]
    if case.message is not None and diagnostic.message != case.message:
        raise AssertionError(f"{rule.code}: message {diagnostic.message!r}, expected {case.message!r}")
    if case.has_fix is not None and bool(diagnostic.fix) != case.has_fix:
        raise AssertionError(f"{rule.code}: has_fix is {bool(diagnostic.fix)}, expected {case.has_fix}")
    if case.expected_fix is not None:
        if diagnostic.fix is None:
            raise AssertionError(f"{rule.code}: expected a fix, the finding has none")
        from promptlint.fixes import apply_edits

        fixed = apply_edits(text, diagnostic.fix.edits)
        if fixed != normalise(case.expected_fix):
            raise AssertionError(
                f"{rule.code}: fixed source differs.\n--- got\n{fixed}\n--- expected\n"
                f"{normalise(case.expected_fix)}"
            )


def check_examples(rule: Type[Rule]) -> None:
    """Check every case of ``rule.examples``."""
    for case in getattr(rule, "examples", ()):
        check_case(rule, case)


def example_cases(rules: Iterable[Type[Rule]]) -> List[Any]:
    """``(rule, case)`` for every example of ``rules``, as ``pytest.param`` with an id such as
    ``LLM303-invalid-0`` (so that ``pytest -k LLM303`` selects them) when pytest is importable."""
    pairs = []
    for rule in rules:
        counts = {"valid": 0, "invalid": 0}
        for case in getattr(rule, "examples", ()):
            kind = "invalid" if isinstance(case, Invalid) else "valid"
            pairs.append(((rule, case), f"{rule.code}-{kind}-{counts[kind]}"))
            counts[kind] += 1
    try:
        import pytest
    except ImportError:  # pragma: no cover
        return [pair for pair, _ in pairs]
    return [pytest.param(*pair, id=name) for pair, name in pairs]
