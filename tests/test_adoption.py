"""Adopting promptlint on a large code base: baselines and changed-lines mode, against a real git repository."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from promptlint.cli import main

CALL = 'client.chat.completions.create(model="gpt-4o", messages=[{{"role": "user", "content": {arg}}}])'


def module(*args: str) -> str:
    body = "".join(f"\n\ndef ask_{arg}({arg}):\n    return {CALL.format(arg=arg)}\n" for arg in args)
    return "from openai import OpenAI\n\nclient = OpenAI()\n" + body


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


def findings(capsys, *args: str):
    code = main(["check", "--output-format", "json", *args])
    document = json.loads(capsys.readouterr().out)
    return code, [(d["path"], d["line"]) for d in document["diagnostics"]]


def test_baseline_round_trip(project: Path, capsys) -> None:
    (project / "app.py").write_text(module("question", "topic"))
    assert main(["check", "--write-baseline", "baseline.json", "."]) == 0
    captured = capsys.readouterr()
    assert captured.err == "Wrote a baseline of 2 findings to baseline.json.\n"
    document = json.loads((project / "baseline.json").read_text())
    assert document["version"] == 1
    assert [(e["path"], e["code"]) for e in document["findings"]] == [
        ("app.py", "LLM201"),
        ("app.py", "LLM201"),
    ]

    assert findings(capsys, "--baseline", "baseline.json", ".") == (0, [])
    # Moving code does not bring known findings back; a new call is reported, and only it.
    (project / "app.py").write_text("# moved down\n\n" + module("question", "topic", "summary"))
    assert findings(capsys, "--baseline", "baseline.json", ".") == (1, [("app.py", 17)])


def test_identical_new_finding_is_not_hidden_by_one_baseline_entry(project: Path, capsys) -> None:
    (project / "a.py").write_text(module("question"))
    main(["check", "--write-baseline", "baseline.json", "."])
    capsys.readouterr()
    (project / "a.py").write_text(
        module("question") + "\n\ndef again(question):\n    return " + CALL.format(arg="question") + "\n"
    )
    assert findings(capsys, "--baseline", "baseline.json", ".") == (1, [("a.py", 11)])


def test_bad_baseline_is_a_usage_error(project: Path, capsys) -> None:
    (project / "app.py").write_text(module("question"))
    (project / "broken.json").write_text("{not json")
    assert main(["check", "--baseline", "broken.json", "."]) == 2
    assert capsys.readouterr().err.startswith("promptlint: error: broken.json: not a promptlint baseline")
    assert main(["check", "--baseline", "missing.json", "."]) == 2
    assert capsys.readouterr().err == "promptlint: error: missing.json: baseline file not found\n"


def git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def test_changed_since_reports_only_changed_lines_and_untracked_files(project: Path, capsys) -> None:
    git(project, "init", "-q")
    (project / "app.py").write_text(module("question"))
    (project / "old.py").write_text(module("topic"))
    git(project, "add", ".")
    git(project, "commit", "-qm", "initial")
    (project / "app.py").write_text(module("question", "summary"))
    (project / "new.py").write_text(module("draft"))
    assert findings(capsys, ".") == (1, [("app.py", 7), ("app.py", 11), ("new.py", 7), ("old.py", 7)])
    assert findings(capsys, "--changed-since", "HEAD", ".") == (1, [("app.py", 11), ("new.py", 7)])


def test_changed_since_a_deleted_cap(project: Path, capsys) -> None:
    git(project, "init", "-q")
    capped = module("question").replace("}])", "}],\n        max_tokens=100,\n    )")
    (project / "app.py").write_text(capped)
    git(project, "add", ".")
    git(project, "commit", "-qm", "initial")
    (project / "app.py").write_text(module("question"))
    assert findings(capsys, "--changed-since", "HEAD", ".") == (1, [("app.py", 7)])


def test_changed_since_an_unknown_ref(project: Path, capsys) -> None:
    git(project, "init", "-q")
    (project / "app.py").write_text(module("question"))
    assert main(["check", "--changed-since", "no-such-ref", "."]) == 2
    err = capsys.readouterr().err
    assert err.startswith("promptlint: error: git diff: ") and err.count("\n") == 1


def test_changed_since_outside_a_repository(project: Path, capsys) -> None:
    (project / "app.py").write_text(module("question"))
    assert main(["check", "--changed-since", "HEAD", "."]) == 2
    assert capsys.readouterr().err.startswith("promptlint: error: git rev-parse: ")


OLD_CALL = 'client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": q}])'
NEW_CALL = 'client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": q}], n=1)'


def committed_app(project: Path) -> Path:
    """A repository whose committed app.py has one uncapped call, and a new uncapped call appended since."""
    git(project, "init", "-q")
    app = project / "app.py"
    app.write_text(
        f"from openai import OpenAI\n\nclient = OpenAI()\n\n\ndef old(q):\n    return {OLD_CALL}\n"
    )
    git(project, "add", ".")
    git(project, "commit", "-qm", "initial")
    app.write_text(app.read_text() + f"\n\ndef new(q):\n    return {NEW_CALL}\n")
    return app


def test_fix_with_changed_since_fixes_only_the_reported_finding(project: Path, capsys) -> None:
    app = committed_app(project)
    before = app.read_text()
    code = main(
        ["check", "--fix", "--unsafe-fixes", "--changed-since", "HEAD", "--output-format", "json", "app.py"]
    )
    document = json.loads(capsys.readouterr().out)
    assert (code, document["diagnostics"], document["summary"]["diagnostics"]) == (0, [], 0)
    fixed_new = NEW_CALL.replace("n=1)", "n=1, max_completion_tokens=1024)")
    assert app.read_text() == before.replace(NEW_CALL, fixed_new)
    assert OLD_CALL in app.read_text()  # the unreported, unchanged line is left as it was


def test_diff_with_changed_since_shows_only_the_reported_fix(project: Path, capsys) -> None:
    app = committed_app(project)
    before = app.read_text()
    assert main(["check", "--diff", "--unsafe-fixes", "--changed-since", "HEAD", "app.py"]) == 1
    captured = capsys.readouterr()
    assert [line for line in captured.out.splitlines() if line.startswith(("-", "+"))] == [
        "--- a/app.py",
        "+++ b/app.py",
        f"-    return {NEW_CALL}",
        f"+    return {NEW_CALL.replace('n=1)', 'n=1, max_completion_tokens=1024)')}",
    ]
    assert captured.err == "Would fix 1 issue in 1 file.\n"
    assert app.read_text() == before


def test_fix_with_a_baseline_leaves_the_known_findings_alone(project: Path, capsys) -> None:
    app = project / "app.py"
    app.write_text(
        f"from openai import OpenAI\n\nclient = OpenAI()\n\n\ndef old(q):\n    return {OLD_CALL}\n"
    )
    assert main(["check", "--write-baseline", "baseline.json", "."]) == 0
    app.write_text(app.read_text() + f"\n\ndef new(q):\n    return {NEW_CALL}\n")
    before = app.read_text()
    capsys.readouterr()
    assert main(["check", "--fix", "--unsafe-fixes", "--baseline", "baseline.json", "app.py"]) == 0
    assert (
        capsys.readouterr().out
        == "Fixed 1 issue. All checks passed: 1 file checked, no LLM cost issues found.\n"
    )
    assert app.read_text() == before.replace(
        NEW_CALL, NEW_CALL.replace("n=1)", "n=1, max_completion_tokens=1024)")
    )
    # Without the baseline, the remaining (known) finding is still there to see.
    assert findings(capsys, "app.py") == (1, [("app.py", 7)])


def test_changed_since_is_data_not_an_option(project: Path, capsys) -> None:
    git(project, "init", "-q")
    (project / "app.py").write_text(module("question"))
    git(project, "add", ".")
    git(project, "commit", "-qm", "initial")
    assert main(["check", "--changed-since=--output=pwned.txt", "."]) == 2
    assert (
        capsys.readouterr().err == "promptlint: error: git diff: fatal: bad revision '--output=pwned.txt'\n"
    )
    assert not (project / "pwned.txt").exists()


def test_a_baseline_of_one_finding_says_finding(project: Path, capsys) -> None:
    (project / "app.py").write_text(module("question"))
    assert main(["check", "--write-baseline", "baseline.json", "."]) == 0
    assert capsys.readouterr().err == "Wrote a baseline of 1 finding to baseline.json.\n"


def test_fix_leaves_suppressed_and_per_file_ignored_findings_alone(project: Path, capsys) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.promptlint]\nper-file-ignores = { "legacy/*" = ["LLM201"] }\n'
    )
    source = f"from openai import OpenAI\n\nclient = OpenAI()\n\n\ndef old(q):\n    return {OLD_CALL}\n"
    (project / "legacy").mkdir()
    (project / "legacy" / "app.py").write_text(source)
    (project / "noqa.py").write_text(source.replace(OLD_CALL, OLD_CALL + "  # noqa: LLM201"))
    before = {path: path.read_text() for path in (project / "legacy" / "app.py", project / "noqa.py")}
    assert main(["check", "--fix", "--unsafe-fixes", "--no-cache", "."]) == 0
    assert (
        capsys.readouterr().out
        == "Fixed 0 issues. All checks passed: 2 files checked, no LLM cost issues found.\n"
    )
    assert {path: path.read_text() for path in before} == before
