"""The GitHub Action's work (``action.yml`` runs ``python -m promptlint.action``), kept here so that it can be
tested offline on a fixture repository with a fake event file.

It reads the inputs from ``INPUT_*`` variables and the event from ``GITHUB_EVENT_PATH``, works out the commit
the pull request (or push) starts from, and runs ``promptlint check`` three times on the same files (the
result cache makes the second and third runs cheap): SARIF for code scanning, Markdown for the job summary,
rdjson for reviewdog. With ``changed-only`` (the default) only the Python files changed since that commit
are linted, and only the lines changed are reported. It writes the files' paths and the code-scanning
category (``promptlint-changed-lines`` or ``promptlint``) to ``GITHUB_OUTPUT``, appends the summary to
``GITHUB_STEP_SUMMARY`` and exits with the code ``fail-on`` asks for.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence

_NO_COMMIT = "0" * 40  # `before` of a push that created the branch


class ActionError(Exception):
    """An input or a repository state the Action cannot work with: one line, exit 2."""


@dataclass(frozen=True)
class Inputs:
    args: List[str]
    paths: List[str]
    changed_only: bool
    fail_on: str  # "findings" or "never"


def read_inputs(environ: Mapping[str, str]) -> Inputs:
    def get(name: str, default: str) -> str:
        # action.yml passes INPUT_CHANGED_ONLY; GitHub's own convention keeps the hyphen (INPUT_CHANGED-ONLY).
        key = f"INPUT_{name.upper()}"
        value = environ.get(key.replace("-", "_"), environ.get(key, ""))
        return value.strip() or default

    changed_only = get("changed-only", "true").lower()
    if changed_only not in ("true", "false"):
        raise ActionError(f"changed-only must be true or false, got {changed_only!r}")
    fail_on = get("fail-on", "findings").lower()
    if fail_on not in ("findings", "never"):
        raise ActionError(f"fail-on must be findings or never, got {fail_on!r}")
    return Inputs(
        args=shlex.split(get("args", "")),
        paths=shlex.split(get("paths", ".")),
        changed_only=changed_only == "true",
        fail_on=fail_on,
    )


def base_commit(event_name: str, event: Mapping) -> Optional[str]:
    """The commit the change starts from: the pull request's base, the push's previous head, or None (a
    scheduled or manual run, a new branch: the whole tree is reported)."""
    if event_name in ("pull_request", "pull_request_target"):
        return (event.get("pull_request") or {}).get("base", {}).get("sha")
    if event_name == "merge_group":
        return (event.get("merge_group") or {}).get("base_sha")
    if event_name == "push":
        before = event.get("before")
        return before if before and before != _NO_COMMIT else None
    return None


def _git(args: Sequence[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=str(cwd), capture_output=True, text=True, check=False)


def diff_base(base: str, cwd: Path) -> str:
    """Where the changes start: the merge base of ``base`` and HEAD, fetching ``base`` first when a shallow
    checkout lacks it; ``base`` itself when there is no merge base (a shallow history), which is right for
    the merge commit ``actions/checkout`` checks out for a pull request."""
    if _git(["cat-file", "-e", f"{base}^{{commit}}"], cwd).returncode != 0:
        _git(["fetch", "--no-tags", "--depth=1", "origin", base], cwd)
        if _git(["cat-file", "-e", f"{base}^{{commit}}"], cwd).returncode != 0:
            raise ActionError(f"the base commit {base} is not in the checkout and cannot be fetched")
    merge_base = _git(["merge-base", base, "HEAD"], cwd)
    return merge_base.stdout.strip() if merge_base.returncode == 0 and merge_base.stdout.strip() else base


def changed_python_files(base: str, paths: Sequence[str], cwd: Path) -> List[str]:
    """The Python files added, modified, renamed or copied since ``base`` that lie under one of ``paths``."""
    result = _git(["diff", "--name-only", "-z", "--no-renames", "--diff-filter=d", base, "--"], cwd)
    if result.returncode != 0:
        raise ActionError(f"git diff against {base} failed: {result.stderr.strip()}")
    top = Path(_git(["rev-parse", "--show-toplevel"], cwd).stdout.strip() or cwd).resolve()
    roots = [(cwd / path).resolve() for path in paths]
    files = []
    for name in sorted(filter(None, result.stdout.split("\0"))):
        absolute = (top / name).resolve()
        if not name.endswith(".py") or not absolute.is_file():
            continue
        if any(absolute == root or root in absolute.parents for root in roots):
            files.append(os.path.relpath(absolute, cwd))
    return files


@dataclass(frozen=True)
class Plan:
    """What to run: the arguments that choose the files, and what to say about the scope."""

    targets: List[str]
    scope: str
    base: Optional[str] = None


def plan(inputs: Inputs, event_name: str, event: Mapping, cwd: Path) -> Plan:
    base = base_commit(event_name, event) if inputs.changed_only else None
    if base is None:
        return Plan(list(inputs.paths), "")
    start = diff_base(base, cwd)
    files = changed_python_files(start, inputs.paths, cwd)
    scope = f"Only the lines changed since `{start[:12]}` are reported."
    # --force-exclude: the configured exclusions apply to the files named, as under pre-commit.
    targets = ["--changed-since", start, "--force-exclude", "--", *files] if files else []
    return Plan(targets, scope, start)


def run_formats(inputs: Inputs, targets: List[str], out: Path, cwd: Path) -> Dict[str, object]:
    """One run per format; the exit code of the first (promptlint's, 0, 1 or 2)."""
    paths: Dict[str, object] = {}
    code = None
    formats = (("sarif", "promptlint.sarif"), ("markdown", "promptlint.md"), ("rdjson", "promptlint.rdjson"))
    for output_format, name in formats:
        path = out / name
        command = [sys.executable, "-m", "promptlint", "check", *inputs.args]
        command += ["--output-format", output_format, "--output-file", str(path), *targets]
        status = subprocess.run(command, cwd=str(cwd), check=False).returncode
        code = status if code is None else code
        if status == 2:
            break
        paths[output_format] = path
    paths["code"] = code
    return paths


def main(environ: Optional[Mapping[str, str]] = None) -> int:
    environ = os.environ if environ is None else environ
    try:
        return _main(environ)
    except ActionError as error:
        print(f"promptlint: error: {error}", file=sys.stderr)
        return 2


def _main(environ: Mapping[str, str]) -> int:
    inputs = read_inputs(environ)
    cwd = Path(environ.get("GITHUB_WORKSPACE") or os.getcwd())
    event: Mapping = {}
    if environ.get("GITHUB_EVENT_PATH"):
        try:
            event = json.loads(Path(environ["GITHUB_EVENT_PATH"]).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ActionError(
                f"cannot read the event file {environ['GITHUB_EVENT_PATH']}: {error}"
            ) from error
    chosen = plan(inputs, environ.get("GITHUB_EVENT_NAME", ""), event, cwd)
    out = Path(environ.get("RUNNER_TEMP") or tempfile.mkdtemp(prefix="promptlint-"))
    outputs: Dict[str, str] = {"sarif": "", "rdjson": ""}
    # A changed-lines analysis goes to code scanning apart from analyses of the whole tree.
    category = "promptlint-changed-lines" if chosen.base is not None else "promptlint"
    if chosen.base is not None and not chosen.targets:
        summary = f"## promptlint\n\nNo Python file changed since `{chosen.base[:12]}`.\n"
        code = 0
    else:
        results = run_formats(inputs, chosen.targets, out, cwd)
        code = int(results["code"])
        if code == 2:
            summary = "## promptlint\n\npromptlint could not run (exit code 2): see the step's log.\n"
        else:
            outputs = {"sarif": str(results["sarif"]), "rdjson": str(results["rdjson"])}
            summary = Path(str(results["markdown"])).read_text(encoding="utf-8")
            if chosen.scope:
                summary += f"\n{chosen.scope}\n"
    _append(environ.get("GITHUB_STEP_SUMMARY"), summary)
    outputs["category"] = category
    _append(environ.get("GITHUB_OUTPUT"), "".join(f"{key}={value}\n" for key, value in outputs.items()))
    if inputs.fail_on == "never" and code == 1:
        return 0
    return code


def _append(path: Optional[str], text: str) -> None:
    if path:
        with open(path, "a", encoding="utf-8") as stream:
            stream.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
