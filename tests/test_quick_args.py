"""A plain ``check`` call is read without argparse, and gives exactly the namespace argparse gives."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import List

import pytest
from hypothesis import given
from hypothesis import strategies as st

from promptlint.cli import _parser, main
from promptlint.quick_args import check_arguments
from promptlint.reporters import FORMATS


def parsed(argv: List[str]) -> argparse.Namespace:
    return _parser().parse_args(argv)


@pytest.mark.parametrize(
    "argv",
    [
        ["check"],
        ["check", "--force-exclude", "a.py"],
        ["check", "--force-exclude", "a.py", "b/c.py", "d.py"],
        ["check", "--no-cache", "chat.py"],
        ["check", "a.py", "b.py", "--exit-zero", "-q"],
        [
            "check",
            "--output-format",
            "json",
            "--exit-zero",
            "--no-cache",
            "--config",
            "x/pyproject.toml",
            ".",
        ],
        ["check", "--output-format=sarif", "--config=pyproject.toml", "src"],
        ["check", "--fix", "--diff", "--unsafe-fixes", "--show-fixes", "--statistics", "--quiet", "a.py"],
        ["check", "--force-exclude", "--force-exclude", "a.py"],
        ["check", "check"],
        ["check", ""],
    ],
)
def test_the_calls_it_reads_give_the_parsers_namespace(argv: List[str]) -> None:
    quick = check_arguments(argv, tuple(FORMATS))
    assert quick is not None
    assert vars(quick) == vars(parsed(argv))


@pytest.mark.parametrize(
    "argv",
    [
        ["rule", "LLM201"],
        ["check", "-"],
        ["check", "--", "a.py"],
        ["check", "a.py", "--no-cache", "b.py"],  # argparse: unrecognized arguments: b.py
        ["check", "--select", "LLM201", "a.py"],
        ["check", "--force", "a.py"],  # an abbreviation
        ["check", "--output-format", "yaml"],  # not a choice
        ["check", "--output-format"],  # no value
        ["check", "--config", "--fix"],  # a value that looks like an option
        ["check", "--config="],
        ["check", "-h"],
        ["check", "-qq"],
        ["check", "--jobs", "2"],
    ],
)
def test_anything_else_is_left_to_argparse(argv: List[str]) -> None:
    assert check_arguments(argv, tuple(FORMATS)) is None


TOKENS = st.sampled_from(
    [
        "a.py",
        "dir",
        "-",
        "--",
        "-q",
        "--quiet",
        "--fix",
        "--diff",
        "--no-cache",
        "--force-exclude",
        "--exit-zero",
        "--output-format",
        "--output-format=json",
        "--output-format=bad",
        "json",
        "text",
        "--config",
        "--config=p.toml",
        "--select",
        "LLM",
        "--jobs",
        "2",
        "--forc",
        "-x",
    ]
)


@given(st.lists(TOKENS, max_size=7))
def test_whenever_it_reads_a_call_argparse_reads_it_the_same(tokens: List[str]) -> None:
    argv = ["check", *tokens]
    quick = check_arguments(argv, tuple(FORMATS))
    if quick is None:
        return
    assert vars(quick) == vars(parsed(argv))  # argparse accepts it too (no SystemExit), with the same values


def test_a_usage_error_is_still_the_parsers(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.py").write_text("x = 1\n")
    assert main(["check", "a.py", "--no-cache", "b.py"]) == 2
    assert capsys.readouterr().err.splitlines()[-1] == "promptlint: error: unrecognized arguments: b.py"
    assert main(["check", "--output-format", "yaml", "a.py"]) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "promptlint check: error: argument --output-format: invalid choice: 'yaml' (choose from 'text', "
        "'json', 'sarif', 'github', 'markdown', 'full', 'concise', 'rdjson')"
    )
