"""Ctrl-C (SIGINT) and SIGTERM end a run at once, with exit code 130 or 143, no traceback and no worker
process left behind, whatever signal follows; a file that runs past `file-timeout` is that file's one-line
error (exit 2) and the other files are still reported. A rule pack whose rule sleeps stands in for a slow
file."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import List

import pytest

from promptlint.cli import main

SLEEPY_PACK = textwrap.dedent(
    '''\
    """A rule that sleeps on files that ask for it, after saying so in a file named `started`."""

    import os
    import time
    from pathlib import Path

    from promptlint.rule import Rule


    class Sleepy(Rule):
        """
        ## What it does
        Sleeps.
        """

        code = "SLP001"
        name = "sleepy"
        summary = "sleeps"
        options = {}

        def check(self, call, context):
            if "# sleep" in context.module.code:
                Path("started").write_text(str(os.getpid()))
                time.sleep(600)
            if "# die" in context.module.code:
                os._exit(7)
            return ()


    RULES = (Sleepy,)
    '''
)

APP = 'from openai import OpenAI\nclient = OpenAI()\nr = client.chat.completions.create(model="gpt-4o", messages=[])\n'


@pytest.fixture
def site(tmp_path: Path) -> Path:
    directory = tmp_path / "site"
    directory.mkdir()
    (directory / "sleepy.py").write_text(SLEEPY_PACK)
    dist_info = directory / "sleepy-0.1.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: sleepy\nVersion: 0.1\n")
    (dist_info / "entry_points.txt").write_text("[promptlint.rules]\nSLP = sleepy:RULES\n")
    return directory


@pytest.fixture
def project(tmp_path: Path) -> Path:
    directory = tmp_path / "project"
    directory.mkdir()
    for name in "abcde":
        (directory / f"{name}.py").write_text(APP + ("# sleep\n" if name == "c" else ""))
    return directory


def start(site: Path, project: Path, *args: str) -> subprocess.Popen:
    environment = {**os.environ, "PYTHONPATH": str(site), "NO_COLOR": "1"}
    command = [sys.executable, "-m", "promptlint", "check", "--no-cache", "--output-format", "json", *args]
    return subprocess.Popen(
        [*command, "."],
        cwd=project,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def children(pid: int) -> List[int]:
    tasks = Path(f"/proc/{pid}/task")
    found = []
    for task in tasks.iterdir():
        found.extend(int(child) for child in (task / "children").read_text().split())
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def wait_until_sleeping(process: subprocess.Popen, project: Path) -> None:
    deadline = time.monotonic() + 60
    while not (project / "started").exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the slow file never started"
        time.sleep(0.05)


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc")
@pytest.mark.parametrize(
    "jobs, signals, codes",
    [
        ("1", [signal.SIGINT], {130}),
        ("2", [signal.SIGINT], {130}),
        ("1", [signal.SIGTERM], {143}),
        ("2", [signal.SIGTERM], {143}),
        ("2", [signal.SIGINT, signal.SIGTERM, signal.SIGINT], {130}),
        # Sent together, they are handled in signal-number order (SIGINT first) or as they come: either code.
        ("1", [signal.SIGTERM, signal.SIGINT], {130, 143}),
        ("2", [signal.SIGTERM, signal.SIGINT, signal.SIGTERM], {130, 143}),
    ],
)
def test_a_signal_stops_the_run(site: Path, project: Path, jobs: str, signals, codes) -> None:
    (project / "pyproject.toml").write_text("[tool.promptlint]\nfile-timeout = 600\n")
    process = start(site, project, "--jobs", jobs)
    try:
        wait_until_sleeping(process, project)
        workers = children(process.pid)
        assert len(workers) == (0 if jobs == "1" else 2)
        for number in signals:
            process.send_signal(number)
        out, err = process.communicate(timeout=30)  # not a timing assertion: the run used to go on
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode in codes
    assert (out, err) == ("", "")
    assert [pid for pid in workers if alive(pid)] == []


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_file_past_its_time_budget_is_its_error(site: Path, project: Path, jobs: str) -> None:
    # 5 s, not less: on a loaded 2-core machine an ordinary file's first analysis (libcst's import included)
    # took over 2 s, and that file, not only the sleeping one, was reported as past its budget.
    (project / "pyproject.toml").write_text("[tool.promptlint]\nfile-timeout = 5\n")
    process = start(site, project, "--jobs", jobs)
    out, err = process.communicate(timeout=120)
    reason = "not checked: took longer than the file-timeout of 5 s"
    assert (process.returncode, err) == (2, f"promptlint: error: c.py: {reason}\n")
    document = json.loads(out)
    assert document["errors"] == [{"path": "c.py", "reason": reason}]
    assert [(d["path"], d["code"]) for d in document["diagnostics"]] == [
        (f"{name}.py", "LLM201") for name in "abde"
    ]


def test_a_worker_that_dies_is_that_files_error(site: Path, project: Path) -> None:
    (project / "c.py").write_text(APP + "# die\n")
    process = start(site, project, "--jobs", "2")
    out, err = process.communicate(timeout=120)
    reason = "internal error: WorkerDied: the worker process died"
    assert (process.returncode, err) == (2, f"promptlint: error: c.py: {reason}\n")
    document = json.loads(out)
    assert document["errors"] == [{"path": "c.py", "reason": reason}]
    assert [d["path"] for d in document["diagnostics"]] == [f"{name}.py" for name in "abde"]


@pytest.mark.parametrize("value", ["0", "-1", '"60"', "true", "nan", "[1]"])
def test_a_bad_file_timeout_is_a_configuration_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys, value: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text(f"[tool.promptlint]\nfile-timeout = {value}\n")
    assert main(["check", "--no-cache", "."]) == 2
    shown = {'"60"': "'60'", "true": "True"}.get(value, value)
    assert capsys.readouterr().err == (
        f"promptlint: error: {tmp_path / 'pyproject.toml'}: `tool.promptlint.file-timeout` must be a positive "
        f"number of seconds, got {shown}\n"
    )


@pytest.mark.parametrize("value, seconds", [("5", 5.0), ("0.25", 0.25), ("inf", float("inf"))])
def test_file_timeout_values(tmp_path: Path, value: str, seconds: float) -> None:
    from promptlint.config import load_settings
    from promptlint.registry import load_registry

    (tmp_path / "pyproject.toml").write_text(f"[tool.promptlint]\nfile-timeout = {value}\n")
    settings = load_settings(tmp_path / "pyproject.toml", load_registry(), tmp_path)
    assert settings.file_timeout == seconds
