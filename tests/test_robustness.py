"""Whatever a repository contains, promptlint ends with a documented exit code and either diagnostics or one
line per bad file: generated Python, random bytes, bad encodings, deep nesting, huge literals."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from promptlint.cli import main

HEADER = b"from openai import OpenAI\nclient = OpenAI()\n"
CALL = b'client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": x}])\n'

fragments = st.sampled_from(
    [
        b"x = 1\n",
        b"def f(a, *b, **c):\n    return a\n",
        b"class C:\n    def m(self):\n        self.client = OpenAI()\n",
        b"for i in range(3):\n    " + CALL,
        b"while True:\n    " + CALL + b"    break\n",
        CALL,
        b"kw = {}\nkw['max_tokens'] = 5\nclient.chat.completions.create(**kw)\n",
        b'p = f"{x}" + "y" * 3\n',
        b"async def g():\n    await client.responses.create(model='gpt-4o', input=x)\n",
        b"lambda: (yield)\n",
        b"if x:\n",
        b"\t\tbad indent\n",
        b'"""unterminated\n',
        b"\xff\xfe\x00\x01",
        b"# -*- coding: latin-1 -*-\n",
        b"\xef\xbb\xbf",
        b"\r\n",
        b"(" * 300 + b")" * 300 + b"\n",
        b"x = [" + b"[" * 150 + b"]" * 150 + b"]\n",
        b"s = '" + b"a" * 100_000 + b"'\n",
        b"import openai\nopenai.ChatCompletion.create(model='gpt-4', messages=m)\n",
        b"match x:\n    case 1:\n        pass\n",
        b"type X = int\n",
    ]
)


def check_outcome(code: int, out: str, err: str) -> None:
    """A documented exit code, no traceback, the good file linted, one stderr line per bad-file error."""
    assert code in (0, 1), err
    assert "Traceback" not in err
    document = json.loads(out)
    # The good file is always linted, whatever happened to the other one.
    assert ("good.py", "LLM201", 4) in [(d["path"], d["code"], d["line"]) for d in document["diagnostics"]]
    for error in document["errors"]:
        assert error["path"] == "generated.py" and "\n" not in error["reason"]
    assert len(err.splitlines()) == len(document["errors"])


def write_repository(directory: Path, body: bytes) -> None:
    (directory / "generated.py").write_bytes(HEADER + body)
    (directory / "good.py").write_bytes(HEADER + b"def ask(x):\n    return " + CALL)


# The number of examples comes from the Hypothesis profile (tests/conftest.py): few locally, 60 in CI.
# promptlint raises the recursion limit for deep sources once per process; Hypothesis notes it.
@pytest.mark.filterwarnings("ignore:The recursion limit will not be reset")
@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.lists(st.one_of(fragments, st.binary(max_size=200)), max_size=8))
def test_any_file_gives_a_documented_outcome(tmp_path_factory, capsys, body) -> None:
    """In-process through ``main()``, as the command runs it (deep work on its large-stack thread)."""
    directory = tmp_path_factory.mktemp("repo")
    write_repository(directory, b"".join(body))
    capsys.readouterr()
    previous = os.getcwd()
    os.chdir(directory)
    try:
        code = main(["check", "--output-format", "json", "--no-cache", "."])
    finally:
        os.chdir(previous)
    captured = capsys.readouterr()
    check_outcome(code, captured.out, captured.err)


@pytest.mark.parametrize(
    "body",
    [
        b"(" * 300 + b")" * 300 + b"\n" + b"x = [" + b"[" * 150 + b"]" * 150 + b"]\n",
        b"x = " + b"(" * 5000 + b"1" + b")" * 5000 + b"\n",
    ],
    ids=["deep-but-valid", "bracket-bomb"],
)
def test_deep_nesting_in_a_separate_process(tmp_path: Path, body: bytes) -> None:
    """The command as a user starts it: the stack limits of a fresh interpreter, not of the test run."""
    write_repository(tmp_path, body)
    result = subprocess.run(
        [sys.executable, "-m", "promptlint", "check", "--output-format", "json", "--no-cache", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    check_outcome(result.returncode, result.stdout, result.stderr)


def test_symlink_loop_unreadable_file_and_outside_paths(tmp_path: Path, monkeypatch, capsys) -> None:
    project = tmp_path / "project"
    (project / "pkg").mkdir(parents=True)
    (project / "pkg" / "app.py").write_bytes(HEADER + b"def ask(x):\n    return " + CALL)
    os.symlink(project / "pkg", project / "pkg" / "loop")
    outside = tmp_path / "elsewhere.py"
    outside.write_bytes(HEADER + b"def ask(x):\n    return " + CALL)
    monkeypatch.chdir(project)
    monkeypatch.setenv("NO_COLOR", "1")
    code = main(["check", "--output-format", "json", "--no-cache", ".", str(outside)])
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    assert code == 1
    assert [(d["path"], d["line"]) for d in document["diagnostics"]] == [
        (str(outside), 4),
        (os.path.join("pkg", "app.py"), 4),
    ]
    assert document["errors"] == [{"path": os.path.join("pkg", "loop"), "reason": "symlink loop"}]
    assert captured.err == f"promptlint: error: {os.path.join('pkg', 'loop')}: symlink loop\n"


def test_a_file_that_vanishes_during_the_run(tmp_path: Path, monkeypatch, capsys) -> None:
    import promptlint.runner as runner

    (tmp_path / "a.py").write_bytes(HEADER + CALL)
    (tmp_path / "b.py").write_bytes(HEADER + CALL)
    original = runner.read_raw

    def vanishing(path, **kwargs):
        if path.name == "a.py":
            path.unlink()
        return original(path, **kwargs)

    monkeypatch.setattr(runner, "read_raw", vanishing)
    monkeypatch.chdir(tmp_path)
    code = main(["check", "--output-format", "json", "--no-cache", "."])
    document = json.loads(capsys.readouterr().out)
    assert code == 1
    assert document["errors"] == [{"path": "a.py", "reason": "file vanished"}]
    assert [d["path"] for d in document["diagnostics"]] == ["b.py"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(tmp_path: Path, monkeypatch, capsys) -> None:  # pragma: no cover - not as root
    path = tmp_path / "secret.py"
    path.write_bytes(HEADER + CALL)
    path.chmod(0)
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--output-format", "json", "--no-cache", "."]) == 1
    assert json.loads(capsys.readouterr().out)["errors"] == [
        {"path": "secret.py", "reason": "permission denied"}
    ]
