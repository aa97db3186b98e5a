"""The output options a ruff user types: `--output-format concise|full`, `--show-fixes`, `--output-file`."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from promptlint.cli import main

LEGACY = textwrap.dedent(
    """\
    from openai import OpenAI

    client = OpenAI()


    def plan(messages: list) -> str:
        response = client.chat.completions.create(model="gpt-5", messages=messages, max_tokens=2000)
        return response.choices[0].message.content
    """
)
UNCAPPED = textwrap.dedent(
    """\
    from openai import OpenAI

    client = OpenAI()


    def answer(question: str) -> str:
        reply = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": question}])
        return reply.choices[0].message.content
    """
)
LLM204 = "`max_tokens` is not supported by the reasoning model `gpt-5` on Chat Completions: the request is rejected"
LLM201 = (
    "`client.chat.completions.create` sets no output limit: output is bounded only by the model maximum "
    "(16,384 tokens for `gpt-4o`)"
)
WORST_CASE = (
    "Worst case, if answers run to their output limit: up to $153.60 per 1k calls of each call site.\n"
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    (tmp_path / "legacy.py").write_text(LEGACY, encoding="utf-8")
    (tmp_path / "uncapped.py").write_text(UNCAPPED, encoding="utf-8")
    return tmp_path


def run(capsys, *args: str):
    code = main(["check", "--no-cache", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_concise_is_one_line_per_finding_with_ruffs_fix_marker(project: Path, capsys) -> None:
    code, out, err = run(capsys, "--output-format", "concise", ".")
    assert (code, err) == (1, "")
    assert out == (
        f"legacy.py:7:81: LLM204 [*] {LLM204}\n"
        f"uncapped.py:7:13: LLM201 {LLM201}\n"
        "Found 2 issues in 2 files (2 files checked); 1 fixable with `--fix`, 1 more with `--fix --unsafe-fixes`.\n"
        + WORST_CASE
    )
    # An unsafe fix is marked once --unsafe-fixes makes it applicable; --quiet keeps the findings alone.
    code, out, _ = run(capsys, "--output-format", "concise", "--unsafe-fixes", "--quiet", ".")
    assert (code, out) == (1, f"legacy.py:7:81: LLM204 [*] {LLM204}\nuncapped.py:7:13: LLM201 [*] {LLM201}\n")


def test_concise_with_nothing_found(project: Path, capsys) -> None:
    (project / "legacy.py").unlink()
    (project / "uncapped.py").unlink()
    (project / "clean.py").write_text("print('hello')\n", encoding="utf-8")
    code, out, _ = run(capsys, "--output-format", "concise", ".")
    assert (code, out) == (0, "All checks passed: 1 file checked, no LLM cost issues found.\n")


def test_full_is_the_text_format(project: Path, capsys) -> None:
    text = run(capsys, "--output-format", "text", ".")
    assert run(capsys, "--output-format", "full", ".") == text
    assert run(capsys, ".") == text
    assert text[1].startswith(f"legacy.py:7:81: LLM204 {LLM204}\n  |\n7 |")


def test_statistics_in_the_concise_and_full_formats(project: Path, capsys) -> None:
    expected = run(capsys, "--statistics", ".")
    assert expected[1].startswith("1\tLLM201\t")
    assert run(capsys, "--statistics", "--output-format", "concise", ".") == expected
    assert run(capsys, "--statistics", "--output-format", "full", ".") == expected


def test_show_fixes_lists_the_fixes_available(project: Path, capsys) -> None:
    code, out, _ = run(capsys, "--output-format", "concise", "--show-fixes", ".")
    assert code == 1
    assert out == (
        f"legacy.py:7:81: LLM204 [*] {LLM204}\n"
        f"uncapped.py:7:13: LLM201 {LLM201}\n"
        "\n"
        "1 fix available with `--fix`:\n"
        "- legacy.py:\n"
        "    1 × LLM204 (legacy-limit-param)\n"
        "\n"
        "Found 2 issues in 2 files (2 files checked); 1 fixable with `--fix`, 1 more with `--fix --unsafe-fixes`.\n"
        + WORST_CASE
    )
    code, out, _ = run(capsys, "--output-format", "concise", "--show-fixes", "--unsafe-fixes", "-q", ".")
    assert out.count("\n") == 2  # --quiet: the findings only


def test_show_fixes_lists_the_fixes_applied(project: Path, capsys) -> None:
    code, out, _ = run(capsys, "--fix", "--unsafe-fixes", "--show-fixes", ".")
    assert code == 0
    assert out == (
        "Fixed 2 issues:\n"
        "- legacy.py:\n"
        "    1 × LLM204 (legacy-limit-param)\n"
        "- uncapped.py:\n"
        "    1 × LLM201 (missing-output-limit)\n"
        "\n"
        "Fixed 2 issues. All checks passed: 2 files checked, no LLM cost issues found.\n"
    )


def test_show_fixes_with_diff_lists_them_on_stderr(project: Path, capsys) -> None:
    code, out, err = run(capsys, "--diff", "--show-fixes", "legacy.py")
    assert code == 1 and out.startswith("--- a/legacy.py\n")
    assert err == (
        "Would fix 1 issue:\n- legacy.py:\n    1 × LLM204 (legacy-limit-param)\n\nWould fix 1 issue in 1 file.\n"
    )


def test_show_fixes_does_not_change_machine_formats(project: Path, capsys) -> None:
    assert run(capsys, "--output-format", "json", "--show-fixes", ".") == run(
        capsys, "--output-format", "json", "."
    )


@pytest.mark.parametrize("output_format", ["text", "concise", "json", "sarif", "markdown", "github"])
def test_output_file_holds_what_stdout_would_and_the_exit_code_is_unchanged(
    project: Path, capsys, output_format: str
) -> None:
    code, out, err = run(capsys, "--output-format", output_format, ".")
    written = run(capsys, "--output-format", output_format, "--output-file", "report.out", ".")
    assert written == (code, "", err) == (1, "", "")
    assert (project / "report.out").read_text(encoding="utf-8") == out


def test_output_file_replaces_a_file_keeping_its_mode_and_leaves_no_temporary(project: Path, capsys) -> None:
    report = project / "reports" / "promptlint.txt"
    report.parent.mkdir()
    report.write_text("an old report that is much longer than the new one\n" * 100, encoding="utf-8")
    os.chmod(report, 0o640)
    code, _, _ = run(capsys, "--output-format", "concise", "--output-file", str(report), "-q", "legacy.py")
    assert code == 1
    assert report.read_text(encoding="utf-8") == f"legacy.py:7:81: LLM204 [*] {LLM204}\n"
    assert os.stat(report).st_mode & 0o777 == 0o640
    assert sorted(p.name for p in report.parent.iterdir()) == ["promptlint.txt"]


def test_output_file_with_diff_holds_the_patch(project: Path, capsys) -> None:
    code, out, err = run(capsys, "--diff", "--output-file", "fix.patch", "legacy.py")
    assert (code, out, err) == (1, "", "Would fix 1 issue in 1 file.\n")
    assert (
        (project / "fix.patch").read_text(encoding="utf-8").startswith("--- a/legacy.py\n+++ b/legacy.py\n")
    )


def test_output_file_in_a_missing_directory_is_a_one_line_error(project: Path, capsys) -> None:
    code, out, err = run(capsys, "--output-file", "missing/report.txt", "legacy.py")
    assert (code, out) == (2, "")
    assert err == "promptlint: error: cannot write missing/report.txt: No such file or directory\n"


def test_the_readme_lists_every_output_format() -> None:
    from promptlint.reporters import FORMATS

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    [line] = [line for line in readme.splitlines() if line.startswith("  --output-format ")]
    assert sorted(line.split()[1].split("|")) == sorted(FORMATS)


def test_configured_unsafe_fixes_are_offered_with_a_plain_fix(project: Path, capsys) -> None:
    # `unsafe-fixes = true` makes `--fix` apply unsafe fixes, so the hints must not ask for the flag.
    (project / "pyproject.toml").write_text("[tool.promptlint]\nunsafe-fixes = true\n", encoding="utf-8")
    code, out, _ = run(capsys, "--output-format", "concise", "--show-fixes", ".")
    assert code == 1
    assert out == (
        f"legacy.py:7:81: LLM204 [*] {LLM204}\n"
        f"uncapped.py:7:13: LLM201 [*] {LLM201}\n"
        "\n"
        "2 fixes available with `--fix`:\n"
        "- legacy.py:\n"
        "    1 × LLM204 (legacy-limit-param)\n"
        "- uncapped.py:\n"
        "    1 × LLM201 (missing-output-limit)\n"
        "\n"
        "Found 2 issues in 2 files (2 files checked); 2 fixable with `--fix`.\n" + WORST_CASE
    )
