"""The GitHub Action's script (`python -m promptlint.action`, what action.yml runs) on a fixture repository with
a base and a head commit and a fake event file: the files it writes, the summary, the rdjson, the exit code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, Tuple

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent

OLD_CALL = """\
    reply = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": question}])
    return reply.choices[0].message.content
"""
NEW_CALL = """\
    plan = client.chat.completions.create(model="gpt-5", messages=[{"role": "user", "content": question}], max_tokens=500)
    return plan.choices[0].message.content
"""


def module(*bodies: str) -> str:
    functions = "".join(f"\n\ndef ask_{n}(question: str) -> str:\n{body}" for n, body in enumerate(bodies))
    return "from openai import OpenAI\n\nclient = OpenAI()\n" + functions


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Tuple[Path, str]:
    """A base commit with findings and a file that does not parse; a head commit that adds a call to app.py,
    adds new.py and touches the README. Returns the work tree and the base commit."""
    work = tmp_path / "repo"
    work.mkdir()
    git(work, "init", "-q")
    (work / "app.py").write_text(module(OLD_CALL), encoding="utf-8")
    (work / "old.py").write_text(module(OLD_CALL), encoding="utf-8")
    (work / "broken.py").write_text("import openai\nx = (\n", encoding="utf-8")
    (work / "README.md").write_text("hello\n", encoding="utf-8")
    git(work, "add", ".")
    git(work, "commit", "-qm", "base")
    base = git(work, "rev-parse", "HEAD")
    (work / "app.py").write_text(module(OLD_CALL, NEW_CALL), encoding="utf-8")
    (work / "new.py").write_text(module(OLD_CALL), encoding="utf-8")
    (work / "README.md").write_text("hello again\n", encoding="utf-8")
    git(work, "add", ".")
    git(work, "commit", "-qm", "head")
    return work, base


def run_action(
    tmp_path: Path, work: Path, event_name: str, event: dict, **inputs: str
) -> Tuple[int, str, str, str, Path]:
    """Exit code, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, stderr, and the RUNNER_TEMP directory."""
    runner_temp = tmp_path / "runner"
    runner_temp.mkdir(exist_ok=True)
    event_path = tmp_path / "event.json"
    event_path.write_text(json.dumps(event), encoding="utf-8")
    for name in ("output", "summary"):
        (tmp_path / name).write_text("", encoding="utf-8")
    env: Dict[str, str] = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("GITHUB_", "INPUT_", "RUNNER_"))
    }
    env.update(
        GITHUB_EVENT_NAME=event_name,
        GITHUB_EVENT_PATH=str(event_path),
        GITHUB_OUTPUT=str(tmp_path / "output"),
        GITHUB_STEP_SUMMARY=str(tmp_path / "summary"),
        GITHUB_WORKSPACE=str(work),
        RUNNER_TEMP=str(runner_temp),
        NO_COLOR="1",
    )
    env.update({f"INPUT_{key.upper()}": value for key, value in inputs.items()})
    result = subprocess.run(
        [sys.executable, "-m", "promptlint.action"], cwd=work, env=env, capture_output=True, text=True
    )
    output = (tmp_path / "output").read_text(encoding="utf-8")
    summary = (tmp_path / "summary").read_text(encoding="utf-8")
    return result.returncode, output, summary, result.stderr, runner_temp


def pull_request(base: str) -> dict:
    return {"pull_request": {"number": 7, "base": {"sha": base}, "head": {"sha": "ignored"}}}


def located(rdjson_path: Path) -> list:
    document = json.loads(rdjson_path.read_text(encoding="utf-8"))
    return [
        (
            d["location"]["path"],
            d["location"].get("range", {}).get("start", {}).get("line"),
            d.get("code", {}).get("value"),
        )
        for d in document["diagnostics"]
    ]


def test_a_pull_request_reports_only_the_lines_it_adds(tmp_path: Path, repo) -> None:
    work, base = repo
    code, output, summary, stderr, temp = run_action(tmp_path, work, "pull_request", pull_request(base))
    assert code == 1, stderr
    assert output == (
        f"sarif={temp / 'promptlint.sarif'}\nrdjson={temp / 'promptlint.rdjson'}\ncategory=promptlint-changed-lines\n"
    )
    # The call added to app.py and the new file; not app.py's old call, old.py, or broken.py (unchanged).
    assert located(temp / "promptlint.rdjson") == [("app.py", 12, "LLM204"), ("new.py", 7, "LLM201")]
    sarif = json.loads((temp / "promptlint.sarif").read_text(encoding="utf-8"))
    assert [
        (r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
        for r in sarif["runs"][0]["results"]
    ] == [("LLM204", "app.py"), ("LLM201", "new.py")]
    assert summary == (
        "## promptlint\n"
        "\n"
        "**2 issues** in 2 files (2 checked) · worst case **up to $153.60 per 1k calls**\n"
        "\n"
        "| Rule | Findings | Savings per 1k calls | Savings per month |\n"
        "|---|---:|---:|---:|\n"
        "| LLM201 `missing-output-limit` | 1 | up to $153.60 (worst case) | – |\n"
        "| LLM204 `legacy-limit-param` | 1 | unpriced | – |\n"
        "\n"
        "### Largest savings\n"
        "\n"
        "| Where | Rule | Issue | Per 1k calls |\n"
        "|---|---|---|---:|\n"
        "| `new.py:7` | LLM201 | `client.chat.completions.create` sets no output limit: output is bounded only "
        "by the model maximum (16,384 tokens for `gpt-4o`) | up to $153.60 (worst case) |\n"
        "\n"
        f"Only the lines changed since `{base[:12]}` are reported.\n"
    )


def test_fail_on_never_reports_and_exits_0(tmp_path: Path, repo) -> None:
    work, base = repo
    code, output, summary, _, temp = run_action(
        tmp_path, work, "pull_request", pull_request(base), fail_on="never"
    )
    assert code == 0
    assert located(temp / "promptlint.rdjson") == [("app.py", 12, "LLM204"), ("new.py", 7, "LLM201")]
    assert summary.startswith("## promptlint\n\n**2 issues** in 2 files (2 checked)")


def test_changed_only_false_reports_the_whole_tree(tmp_path: Path, repo) -> None:
    work, base = repo
    code, output, summary, stderr, temp = run_action(
        tmp_path, work, "pull_request", pull_request(base), changed_only="false"
    )
    assert code == 1
    assert located(temp / "promptlint.rdjson") == [
        ("app.py", 7, "LLM201"),
        ("app.py", 12, "LLM204"),
        ("new.py", 7, "LLM201"),
        ("old.py", 7, "LLM201"),
        ("broken.py", None, None),
    ]
    assert "Only the lines changed" not in summary
    assert (
        output
        == f"sarif={temp / 'promptlint.sarif'}\nrdjson={temp / 'promptlint.rdjson'}\ncategory=promptlint\n"
    )
    assert summary.endswith(
        "1 file could not be checked:\n\n- `broken.py`: syntax error at 2:1: invalid syntax\n"
    )


def test_a_push_without_python_changes_lints_nothing(tmp_path: Path, repo) -> None:
    work, _ = repo
    before = git(work, "rev-parse", "HEAD")
    (work / "README.md").write_text("docs only\n", encoding="utf-8")
    git(work, "commit", "-qam", "docs")
    code, output, summary, _, temp = run_action(tmp_path, work, "push", {"before": before})
    assert (code, output) == (0, "sarif=\nrdjson=\ncategory=promptlint-changed-lines\n")
    assert summary == f"## promptlint\n\nNo Python file changed since `{before[:12]}`.\n"
    assert sorted(p.name for p in temp.iterdir()) == []


def test_a_push_reports_the_lines_changed_since_the_previous_head(tmp_path: Path, repo) -> None:
    work, base = repo
    code, _, _, _, temp = run_action(tmp_path, work, "push", {"before": base})
    assert code == 1
    assert located(temp / "promptlint.rdjson") == [("app.py", 12, "LLM204"), ("new.py", 7, "LLM201")]
    # A push that creates the branch has no previous head: the whole tree is reported.
    code, _, summary, _, temp = run_action(tmp_path, work, "push", {"before": "0" * 40})
    assert len(located(temp / "promptlint.rdjson")) == 5


def test_args_and_paths_are_passed_on(tmp_path: Path, repo) -> None:
    work, base = repo
    code, _, _, _, temp = run_action(
        tmp_path,
        work,
        "pull_request",
        pull_request(base),
        args="--select LLM2 --ignore LLM201",
        paths="app.py",
    )
    assert code == 1
    assert located(temp / "promptlint.rdjson") == [("app.py", 12, "LLM204")]


@pytest.mark.parametrize(
    "inputs, message",
    [
        ({"fail_on": "warnings"}, "fail-on must be findings or never, got 'warnings'"),
        ({"changed_only": "yes"}, "changed-only must be true or false, got 'yes'"),
    ],
)
def test_bad_inputs_are_one_line_errors(tmp_path: Path, repo, inputs, message) -> None:
    work, base = repo
    code, output, summary, stderr, _ = run_action(
        tmp_path, work, "pull_request", pull_request(base), **inputs
    )
    assert (code, output, summary, stderr) == (2, "", "", f"promptlint: error: {message}\n")


def test_a_configuration_error_is_exit_2_with_a_summary_that_says_so(tmp_path: Path, repo) -> None:
    work, base = repo
    code, output, summary, stderr, _ = run_action(
        tmp_path, work, "pull_request", pull_request(base), args="--select NOPE"
    )
    assert (code, output) == (2, "sarif=\nrdjson=\ncategory=promptlint-changed-lines\n")
    assert summary == "## promptlint\n\npromptlint could not run (exit code 2): see the step's log.\n"


def test_action_yml_runs_the_script_with_the_inputs_it_declares() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) == {
        "args",
        "paths",
        "version",
        "changed-only",
        "fail-on",
        "upload-sarif",
        "reviewdog",
        "github-token",
    }
    assert (action["inputs"]["changed-only"]["default"], action["inputs"]["fail-on"]["default"]) == (
        "true",
        "findings",
    )
    [run] = [step for step in action["runs"]["steps"] if step.get("id") == "run"]
    assert "-m promptlint.action" in run["run"]
    assert run["env"] == {
        "INPUT_ARGS": "${{ inputs.args }}",
        "INPUT_PATHS": "${{ inputs.paths }}",
        "INPUT_CHANGED_ONLY": "${{ inputs.changed-only }}",
        "INPUT_FAIL_ON": "${{ inputs.fail-on }}",
    }
    uses = [step.get("uses") for step in action["runs"]["steps"] if step.get("uses")]
    assert uses == ["github/codeql-action/upload-sarif@v3", "reviewdog/action-setup@v1"]


def test_the_readme_workflow_runs_the_action_with_inputs_it_declares() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    workflow = yaml.safe_load(readme.split("# .github/workflows/promptlint.yml\n", 1)[1].split("\n```", 1)[0])
    declared = set(yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))["inputs"])
    checkout, action = workflow["jobs"]["promptlint"]["steps"]
    assert checkout == {"uses": "actions/checkout@v4"}
    assert action["uses"].split("@")[0].endswith("/promptlint")
    assert set(action["with"]) <= declared
    assert workflow["permissions"] == {
        "contents": "read",
        "security-events": "write",
        "pull-requests": "write",
    }
