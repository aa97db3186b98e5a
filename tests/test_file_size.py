"""The file-size limit applies only to files that may call an LLM, and `max-file-size` sets it."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import pytest

from promptlint.cli import main
from promptlint.runner import Task, _read_if_relevant

CALL = 'r = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])\n'
APP = f"from openai import OpenAI\nclient = OpenAI()\n{CALL}"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    (tmp_path / "app.py").write_text(APP)
    return tmp_path


def configure(project: Path, value: str) -> None:
    (project / "pyproject.toml").write_text(f"[tool.promptlint]\nmax-file-size = {value}\n")


def run_json(capsys, *args: str):
    code = main(["check", "--output-format", "json", "--no-cache", *args])
    captured = capsys.readouterr()
    return code, json.loads(captured.out), captured.err


def test_a_large_generated_file_without_an_sdk_import_is_skipped(project: Path, capsys) -> None:
    (project / "generated.py").write_text("TABLE = [\n" + "    (1, 2, 3),\n" * 1_000_000 + "]\n")
    assert (project / "generated.py").stat().st_size > 10 * 1024 * 1024
    code, document, err = run_json(capsys, ".")
    assert (code, err, document["errors"]) == (1, "", [])
    assert [(d["path"], d["line"]) for d in document["diagnostics"]] == [("app.py", 3)]
    assert document["summary"]["files_checked"] == 2


def test_the_limit_is_configurable(project: Path, capsys) -> None:
    configure(project, '"1KiB"')
    (project / "big.py").write_text(APP + "x = 1\n" * 200)
    (project / "plain.py").write_text("x = 1\n" * 200)
    code, document, err = run_json(capsys, ".")
    assert code == 1
    assert err == "promptlint: error: big.py: file is larger than 1 KiB\n"
    assert document["errors"] == [{"path": "big.py", "reason": "file is larger than 1 KiB"}]
    assert [(d["path"], d["line"]) for d in document["diagnostics"]] == [("app.py", 3)]


def test_an_import_deep_inside_a_large_file_is_found(project: Path, capsys) -> None:
    configure(project, "100_000")
    (project / "late.py").write_text("# generated\n" * 300_000 + APP)  # the import is 3.6 MB in
    code, document, _ = run_json(capsys, "late.py")
    assert code == 1
    assert document["errors"] == [{"path": "late.py", "reason": "file is larger than 100000 bytes"}]


def test_a_large_file_is_looked_through_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "generated.py"
    path.write_bytes(b"VALUES = '" + b"x" * (40 * 1024 * 1024) + b"'\n")
    tracemalloc.start()
    try:
        assert _read_if_relevant(Task(path, "generated.py", ("LLM201",)), 1024 * 1024) is None
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * 1024 * 1024


@pytest.mark.parametrize(
    "value, limit, reason",
    [
        ("4096", 4096, "file is larger than 4 KiB"),
        ('"500KB"', 500_000, "file is larger than 500000 bytes"),
        ('"2 mib"', 2 * 1024 * 1024, "file is larger than 2 MiB"),
        ('"3MiB"', 3 * 1024 * 1024, "file is larger than 3 MiB"),
    ],
)
def test_size_forms(project: Path, capsys, value: str, limit: int, reason: str) -> None:
    configure(project, value)
    (project / "at.py").write_text(APP + "#" * (limit - len(APP) - 1) + "\n")
    (project / "over.py").write_text(APP + "#" * (limit - len(APP)) + "\n")
    code, document, _ = run_json(capsys, "at.py", "over.py")
    assert code == 1
    assert [d["path"] for d in document["diagnostics"]] == ["at.py"]
    assert document["errors"] == [{"path": "over.py", "reason": reason}]


@pytest.mark.parametrize("value", ['"ten"', "0", "-1", "true", "1.5", '"1.5MiB"', '"10 MiBs"', '""', "[1]"])
def test_a_bad_size_is_a_configuration_error(project: Path, capsys, value: str) -> None:
    configure(project, value)
    assert main(["check", "--no-cache", "."]) == 2
    got = value.strip('"') if value.startswith('"') else value
    shown = {"true": "True", "[1]": "[1]"}.get(got, got)
    quoted = repr(got) if value.startswith('"') else shown
    assert capsys.readouterr().err == (
        f"promptlint: error: {project / 'pyproject.toml'}: `tool.promptlint.max-file-size` must be a size "
        f'such as "10MiB" or "500KB", or a number of bytes, got {quoted}\n'
    )
