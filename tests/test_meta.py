"""Every registered rule is complete: documented, configurable, and covered by fixtures."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from promptlint.docs import rule_document
from promptlint.registry import load_registry

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = [
    "## What it does",
    "## Why is this bad?",
    "## Example",
    "## Use instead",
    "## Fix safety",
    "## Savings",
]
RULES = load_registry().rules


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_documentation_has_every_section_in_order(rule) -> None:
    doc = inspect.cleandoc(rule.__doc__ or "")
    positions = [
        doc.find("\n" + section + "\n") if not doc.startswith(section) else 0 for section in SECTIONS
    ]
    assert all(position >= 0 for position in positions), f"{rule.code} lacks {SECTIONS[positions.index(-1)]}"
    assert positions == sorted(positions)
    assert rule_document(rule).startswith(f"# {rule.name} ({rule.code})\n")


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_every_option_is_documented_with_its_default(rule) -> None:
    doc = inspect.cleandoc(rule.__doc__ or "")
    for option, default in rule.options.items():
        match = re.search(rf"- `{re.escape(option)}` \((\w+), default ([^)]+)\)", doc)
        assert match, f"{rule.code}: option `{option}` is not documented"
        assert match.group(2).replace(",", "") == str(default)


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_every_rule_has_positive_and_negative_fixtures(rule) -> None:
    directory = ROOT / "fixtures" / rule.code
    files = sorted(directory.glob("*.py"))
    marked = [f for f in files if f"# expect: {rule.code}" in f.read_text(encoding="utf-8", errors="replace")]
    unmarked = [f for f in files if f not in marked]
    assert marked, f"{rule.code} has no positive fixture"
    assert unmarked, f"{rule.code} has no negative fixture"


def test_codes_and_names_are_unique_and_sorted() -> None:
    codes = [rule.code for rule in RULES]
    names = [rule.name for rule in RULES]
    assert codes == sorted(set(codes))
    assert len(set(names)) == len(names)


def test_readme_rule_table_matches_the_registry() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (LLM\d{3}) \| `([a-z-]+)` \| (yes|no) \|", readme, flags=re.MULTILINE)
    assert rows == [(rule.code, rule.name, "yes" if rule.default_enabled else "no") for rule in RULES]


def test_readme_example_is_real_output() -> None:
    import subprocess
    import sys

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("```console\n", 1)[1].split("\n```", 1)[0]
    command, expected = block.split("\n", 1)
    arguments = command.removeprefix("$ promptlint ").split()
    result = subprocess.run(
        [sys.executable, "-m", "promptlint", *arguments, "--no-cache"],  # not the checkout's cache
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"NO_COLOR": "1", "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert result.stdout.rstrip("\n") == expected


def test_every_rule_module_is_registered() -> None:
    """A rule module whose class is missing from ``RULES`` would silently never run."""
    import importlib
    import pkgutil

    import promptlint_rules

    from promptlint.rule import Rule

    declared = set()
    for module_info in pkgutil.iter_modules(promptlint_rules.__path__):
        if module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"promptlint_rules.{module_info.name}")
        declared |= {
            value
            for value in vars(module).values()
            if isinstance(value, type) and issubclass(value, Rule) and value.__module__ == module.__name__
        }
    assert declared == set(promptlint_rules.RULES)
