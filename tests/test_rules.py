"""Every rule's own examples, run through the public harness: one test per example, named by rule code
(``pytest -k LLM303`` selects a rule's examples and its ``tests/rules/`` file together)."""

from __future__ import annotations

import pytest

from promptlint.docs import rule_document
from promptlint.registry import load_registry
from promptlint.testing import Invalid, Valid, check_case, example_cases, first_pair

RULES = load_registry().rules


@pytest.mark.parametrize(("rule", "case"), example_cases(RULES))
def test_example(rule, case) -> None:
    check_case(rule, case)


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_every_rule_has_an_invalid_and_a_valid_example_of_its_own(rule) -> None:
    invalid, valid = first_pair(rule)
    assert isinstance(invalid, Invalid) and isinstance(valid, Valid)
    assert {case.code for case in rule.examples if isinstance(case, Invalid)} == {rule.code}


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_the_documentation_shows_the_first_invalid_and_valid_example(rule) -> None:
    invalid, valid = first_pair(rule)
    document = rule_document(rule)
    example = document.split("\n## Example\n", 1)[1].split("\n## ", 1)[0]
    use_instead = document.split("\n## Use instead\n", 1)[1].split("\n## ", 1)[0]
    assert example.startswith(f"```python\n{invalid.text}```\n")
    assert use_instead.startswith(f"```python\n{valid.text}```\n")
    assert document.count("```python\n") == 2  # no hand-written example that the suite would not run


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_the_first_example_shows_its_fix_exactly_when_the_rule_has_fixes(rule) -> None:
    invalid, _ = first_pair(rule)
    assert (invalid.expected_fix is not None) == (rule.fix_availability != "none")
