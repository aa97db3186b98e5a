"""A failure of promptlint's own on one file is that file's one-line error: exit 2 (even with --exit-zero),
every other file still reported, no traceback, nothing cached; in this process or in a worker process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import libcst
import pytest

import promptlint.engine as engine
import promptlint.extract as extract
import promptlint.fixes as fixes
from promptlint.cache import Cache
from promptlint.cli import main
from promptlint.diagnostics import Diagnostic
from promptlint.rule import SavingsBasis

CALL = 'r = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])\n'
MARKER = "# b-file"


def module(marker: str = "") -> str:
    return f"from openai import OpenAI\n{marker}\nclient = OpenAI()\n{CALL}"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    for name in ("a", "b", "c", "d"):
        (tmp_path / f"{name}.py").write_text(module(MARKER if name == "b" else ""))
    return tmp_path


def is_b(value) -> bool:
    if isinstance(value, str):
        return MARKER in value
    if isinstance(value, Path):
        return value.name == "b.py"
    return False


def failing_on_b(function):
    def wrapper(*args, **kwargs):
        if any(is_b(argument) for argument in args):
            raise IndexError("list index out of range")
        return function(*args, **kwargs)

    return wrapper


def run_json(capsys, *args: str):
    code = main(["check", "--output-format", "json", *args])
    captured = capsys.readouterr()
    return code, json.loads(captured.out), captured.err


def reported(document) -> list:
    return [(d["path"], d["code"], d["line"]) for d in document["diagnostics"]]


@pytest.mark.parametrize(
    "where, name",
    [
        (libcst, "parse_module"),  # parsing
        (extract, "extract_calls"),  # extraction
        (engine, "_place"),  # placing findings
        (fixes, "lower_fix"),  # fix lowering
    ],
)
def test_a_failure_in_any_stage_is_that_files_error(project: Path, capsys, monkeypatch, where, name) -> None:
    original = getattr(where, name)
    monkeypatch.setattr(where, name, failing_on_b(original))
    code, document, err = run_json(capsys, "--exit-zero", "--jobs", "1", ".")
    assert code == 2
    assert reported(document) == [("a.py", "LLM201", 4), ("c.py", "LLM201", 4), ("d.py", "LLM201", 4)]
    assert document["errors"] == [
        {"path": "b.py", "reason": "internal error: IndexError: list index out of range"}
    ]
    assert err == "promptlint: error: b.py: internal error: IndexError: list index out of range\n"
    monkeypatch.setattr(where, name, original)
    # Nothing was cached for b.py: once the failure is gone, its finding is there.
    code, document, err = run_json(capsys, "--jobs", "1", ".")
    assert (code, err, document["errors"]) == (1, "", [])
    assert reported(document) == [(f"{n}.py", "LLM201", 4) for n in "abcd"]


def test_a_failure_in_the_fix_loop_leaves_that_file_unchanged(project: Path, capsys, monkeypatch) -> None:
    monkeypatch.setattr(fixes, "apply_edits", failing_on_b(fixes.apply_edits))
    code, document, err = run_json(capsys, "--fix", "--unsafe-fixes", "--exit-zero", "--jobs", "1", ".")
    assert code == 2
    assert reported(document) == [("b.py", "LLM201", 4)]
    assert document["errors"] == [
        {"path": "b.py", "reason": "internal error: IndexError: list index out of range"}
    ]
    assert err == "promptlint: error: b.py: internal error: IndexError: list index out of range\n"
    assert (project / "b.py").read_text() == module(MARKER)
    fixed = module().replace('"hi"}])', '"hi"}], max_completion_tokens=1024)')
    assert [(project / f"{n}.py").read_text() for n in "acd"] == [fixed] * 3


WORKER_FAILURES = {
    # An exception inside the worker, while placing the findings of b.py.
    "raises": """
        import multiprocessing
        import promptlint.engine as engine

        original = engine._place

        def _place(findings, module, text, display):
            if multiprocessing.parent_process() is not None and "# b-file" in text:
                raise IndexError("list index out of range")
            return original(findings, module, text, display)

        engine._place = _place
    """,
    # A result that cannot travel back from the worker.
    "unpicklable": """
        import multiprocessing
        import promptlint.runner as runner

        original = runner._work

        class Unpicklable:
            def __reduce__(self):
                raise TypeError("cannot cross processes")

        def _work(task, source):
            result = original(task, source)
            if multiprocessing.parent_process() is not None and task.display == "b.py":
                result.dependencies = [Unpicklable()]
            return result

        runner._work = _work
    """,
}


@pytest.mark.parametrize(
    "failure, reason",
    [
        ("raises", "internal error: IndexError: list index out of range"),
        ("unpicklable", "internal error: TypeError: cannot cross processes"),
    ],
)
def test_a_failure_in_a_worker_process_is_that_files_error(project: Path, failure: str, reason: str) -> None:
    injected = project.parent / f"inject-{failure}"
    injected.mkdir()
    (injected / "sitecustomize.py").write_text(textwrap.dedent(WORKER_FAILURES[failure]))
    environment = {**os.environ, "PYTHONPATH": str(injected)}
    command = [sys.executable, "-m", "promptlint", "check", "--output-format", "json", "--exit-zero"]
    result = subprocess.run(
        [*command, "--jobs", "2", "."], cwd=project, env=environment, capture_output=True, text=True
    )
    assert result.returncode == 2
    assert result.stderr == f"promptlint: error: b.py: {reason}\n"
    document = json.loads(result.stdout)
    assert reported(document) == [("a.py", "LLM201", 4), ("c.py", "LLM201", 4), ("d.py", "LLM201", 4)]
    assert document["errors"] == [{"path": "b.py", "reason": reason}]
    # Run in this process instead, the same files are fine: the failure was the worker's, and not cached.
    result = subprocess.run(
        [*command, "--jobs", "1", "."], cwd=project, env=environment, capture_output=True, text=True
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert reported(json.loads(result.stdout)) == [(f"{n}.py", "LLM201", 4) for n in "abcd"]


def test_a_codec_that_is_not_a_text_encoding_is_the_files_error(project: Path, capsys) -> None:
    (project / "b.py").write_text("# coding: rot13\nimport openai\n")
    (project / "c.py").write_text("# -*- coding: hex -*-\nimport openai\n")
    code, document, err = run_json(capsys, "--no-cache", ".")
    assert code == 1
    assert reported(document) == [("a.py", "LLM201", 4), ("d.py", "LLM201", 4)]
    assert document["errors"] == [
        {"path": "b.py", "reason": "not a text encoding: rot13"},
        {"path": "c.py", "reason": "not a text encoding: hex"},
    ]


def test_a_result_json_cannot_hold_is_not_cached_and_does_not_fail(tmp_path: Path) -> None:
    cache = Cache(tmp_path, "settings")
    basis = SavingsBasis(model="gpt-4o", assumptions=(object(),))  # type: ignore[arg-type]
    diagnostic = Diagnostic("X001", "x", "warning", "a.py", 1, 1, 1, 2, "m", None, basis)
    key = cache.key(b"raw", tmp_path / "a.py", "a.py", ("X001",))
    cache.put(key, [diagnostic], [], [])
    assert cache.get(key) is None
    assert list(tmp_path.rglob("*.tmp")) == []
