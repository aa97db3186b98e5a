"""`promptlint check --stdin-filename PATH -`: what editors and formatters-on-save call. The source comes from
stdin and is reported as PATH, with PATH's configuration; with --fix the whole source goes to stdout."""

from __future__ import annotations

import io
import json
import re
import shutil
import sys
import textwrap
from pathlib import Path
from typing import Tuple

import pytest
from conftest import ROOT, fixture_diagnostics

from promptlint.cli import main

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

# LLM204 with a safe fix, and nothing else.
LEGACY = textwrap.dedent(
    """\
    from openai import OpenAI

    client = OpenAI()


    def plan(messages: list) -> str:
        response = client.chat.completions.create(model="gpt-5", messages=messages, max_tokens=2000)
        return response.choices[0].message.content
    """
)
FIXED = LEGACY.replace("max_tokens=2000", "max_completion_tokens=2000")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


def run(monkeypatch: pytest.MonkeyPatch, capsysbinary, data: bytes, *args: str) -> Tuple[int, bytes, str]:
    """Exit code, stdout bytes and stderr text of `promptlint check ARGS` with ``data`` on stdin."""
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    code = main(["check", *args])
    captured = capsysbinary.readouterr()
    return code, captured.out, captured.err.decode("utf-8")


def findings(out: bytes) -> list:
    document = json.loads(out)
    return [(d["path"], d["line"], d["column"], d["code"]) for d in document["diagnostics"]]


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_stdin_is_reported_as_the_filename(project: Path, monkeypatch, capsysbinary) -> None:
    data = LEGACY.encode()
    code, out, err = run(
        monkeypatch, capsysbinary, data, "--output-format", "json", "--stdin-filename", "src/app.py", "-"
    )
    assert (code, err) == (1, "")
    assert findings(out) == [("src/app.py", 7, 81, "LLM204")]
    assert json.loads(out)["summary"]["files_checked"] == 1
    # Without `-`, --stdin-filename alone reads stdin too, as with ruff.
    code, again, _ = run(
        monkeypatch, capsysbinary, data, "--output-format", "json", "--stdin-filename", "src/app.py"
    )
    assert (code, again) == (1, out)


def test_a_dash_without_a_filename_is_reported_as_a_dash(project: Path, monkeypatch, capsysbinary) -> None:
    code, out, err = run(monkeypatch, capsysbinary, LEGACY.encode(), "--output-format", "json", "-")
    assert (code, err) == (1, "")
    assert findings(out) == [("-", 7, 81, "LLM204")]


def test_the_text_report_names_the_path_and_the_file_on_disk_is_not_read(
    project: Path, monkeypatch, capsysbinary
) -> None:
    write(project / "app.py", "print('what is on disk')\n")
    code, out, err = run(monkeypatch, capsysbinary, LEGACY.encode(), "--stdin-filename", "app.py", "-")
    assert (code, err) == (1, "")
    lines = out.decode().splitlines()
    assert lines[0] == (
        "app.py:7:81: LLM204 `max_tokens` is not supported by the reasoning model `gpt-5` on Chat "
        "Completions: the request is rejected"
    )
    assert lines[-1] == "Found 1 issue in 1 file (1 file checked); 1 fixable with `--fix`."


def test_configuration_is_found_from_the_paths_directory(project: Path, monkeypatch, capsysbinary) -> None:
    write(project / "service" / "pyproject.toml", '[tool.promptlint]\nignore = ["LLM204"]\n')
    data = LEGACY.encode()
    args = ("--output-format", "json", "--stdin-filename")
    code, out, _ = run(monkeypatch, capsysbinary, data, *args, "service/app.py", "-")
    assert (code, findings(out)) == (0, [])
    code, out, _ = run(monkeypatch, capsysbinary, data, *args, "other/app.py", "-")
    assert (code, findings(out)) == (1, [("other/app.py", 7, 81, "LLM204")])


def test_per_file_ignores_apply_to_the_path(project: Path, monkeypatch, capsysbinary) -> None:
    write(project / "pyproject.toml", '[tool.promptlint.per-file-ignores]\n"legacy/*.py" = ["LLM204"]\n')
    data = LEGACY.encode()
    args = ("--output-format", "json", "--stdin-filename")
    code, out, _ = run(monkeypatch, capsysbinary, data, *args, "legacy/app.py", "-")
    assert (code, findings(out)) == (0, [])
    code, out, _ = run(monkeypatch, capsysbinary, data, *args, "current/app.py", "-")
    assert (code, findings(out)) == (1, [("current/app.py", 7, 81, "LLM204")])


def test_an_excluded_path_reports_nothing_only_with_force_exclude(
    project: Path, monkeypatch, capsysbinary
) -> None:
    write(project / "pyproject.toml", '[tool.promptlint]\nextend-exclude = ["generated"]\n')
    data = LEGACY.encode()
    named = ("--stdin-filename", "generated/client/app.py", "-")
    # Like a file named on the command line, an excluded path is linted unless force-exclude is on.
    code, out, _ = run(monkeypatch, capsysbinary, data, "--output-format", "json", *named)
    assert (code, findings(out)) == (1, [("generated/client/app.py", 7, 81, "LLM204")])
    code, out, err = run(
        monkeypatch, capsysbinary, data, "--output-format", "json", "--force-exclude", *named
    )
    assert (code, err) == (0, "")
    assert findings(out) == [] and json.loads(out)["summary"]["files_checked"] == 0
    # With --fix, an editor gets its buffer back unchanged.
    code, out, err = run(monkeypatch, capsysbinary, data, "--fix", "--force-exclude", *named)
    assert (code, out) == (0, data)
    assert err == "Fixed 0 issues. All checks passed: 0 files checked, no LLM cost issues found.\n"


def test_fix_writes_the_fixed_source_to_stdout_and_the_report_to_stderr(
    project: Path, monkeypatch, capsysbinary
) -> None:
    write(project / "app.py", LEGACY)
    code, out, err = run(
        monkeypatch, capsysbinary, LEGACY.encode(), "--fix", "--stdin-filename", "app.py", "-"
    )
    assert (code, out) == (0, FIXED.encode())
    assert err == "Fixed 1 issue. All checks passed: 1 file checked, no LLM cost issues found.\n"
    assert (project / "app.py").read_text(encoding="utf-8") == LEGACY  # never written


def test_fix_keeps_the_byte_order_mark_and_crlf(project: Path, monkeypatch, capsysbinary) -> None:
    data = b"\xef\xbb\xbf" + LEGACY.replace("\n", "\r\n").encode()
    code, out, err = run(monkeypatch, capsysbinary, data, "--fix", "--stdin-filename", "app.py", "-")
    assert (code, out) == (0, b"\xef\xbb\xbf" + FIXED.replace("\n", "\r\n").encode())


def test_fix_reports_what_remains_on_stderr_in_the_format_asked(
    project: Path, monkeypatch, capsysbinary
) -> None:
    uncapped = '\n\ndef chat(messages: list) -> str:\n    return client.chat.completions.create(model="gpt-4o", messages=messages)\n'
    code, out, err = run(
        monkeypatch,
        capsysbinary,
        (LEGACY + uncapped).encode(),
        "--fix",
        "--output-format",
        "json",
        "--stdin-filename",
        "app.py",
        "-",
    )
    assert (code, out) == (1, (FIXED + uncapped).encode())
    assert [(d["line"], d["column"], d["code"]) for d in json.loads(err)["diagnostics"]] == [
        (12, 12, "LLM201")
    ]


def test_fix_with_nothing_to_fix_echoes_the_source(project: Path, monkeypatch, capsysbinary) -> None:
    data = b"import os\r\nprint(os.getcwd())"
    code, out, err = run(monkeypatch, capsysbinary, data, "--fix", "--stdin-filename", "tool.py", "-")
    assert (code, out) == (0, data)
    unsafe_only = LEGACY.replace("max_tokens=2000", "max_completion_tokens=2000").replace(
        '"gpt-5"', '"gpt-4o"'
    )
    code, out, err = run(
        monkeypatch, capsysbinary, unsafe_only.encode(), "--fix", "--stdin-filename", "tool.py", "-"
    )
    assert (code, out) == (0, unsafe_only.encode())


def test_diff_prints_the_patch_for_the_path(project: Path, monkeypatch, capsysbinary) -> None:
    code, out, err = run(
        monkeypatch, capsysbinary, LEGACY.encode(), "--diff", "--stdin-filename", "src/app.py", "-"
    )
    assert code == 1
    assert out.decode() == (
        "--- a/src/app.py\n"
        "+++ b/src/app.py\n"
        "@@ -4,5 +4,5 @@\n"
        " \n"
        " \n"
        " def plan(messages: list) -> str:\n"
        '-    response = client.chat.completions.create(model="gpt-5", messages=messages, max_tokens=2000)\n'
        '+    response = client.chat.completions.create(model="gpt-5", messages=messages, '
        "max_completion_tokens=2000)\n"
        "     return response.choices[0].message.content\n"
    )
    assert err == "Would fix 1 issue in 1 file.\n"


def test_a_source_that_does_not_decode_is_one_error_naming_the_path(
    project: Path, monkeypatch, capsysbinary
) -> None:
    data = b"import openai\nx = '\xff'\n"
    code, out, err = run(monkeypatch, capsysbinary, data, "--stdin-filename", "pkg/mod.py", "-")
    assert code == 1
    assert err == "promptlint: error: pkg/mod.py: cannot decode as utf-8 (byte 0xff at offset 19)\n"
    assert out == b"No LLM cost issues found in 1 file checked; 1 file could not be checked.\n"
    code, out, err = run(monkeypatch, capsysbinary, data, "--fix", "--stdin-filename", "pkg/mod.py", "-")
    assert (code, out) == (1, data)  # the buffer comes back as it was
    assert (
        err.splitlines()[0]
        == "promptlint: error: pkg/mod.py: cannot decode as utf-8 (byte 0xff at offset 19)"
    )


def test_a_source_that_does_not_parse_is_one_error_naming_the_path(
    project: Path, monkeypatch, capsysbinary
) -> None:
    code, out, err = run(
        monkeypatch, capsysbinary, b"import openai\nx = (\n", "--stdin-filename", "pkg/mod.py", "-"
    )
    assert code == 1
    assert err == "promptlint: error: pkg/mod.py: syntax error at 2:1: invalid syntax\n"


def test_project_modules_are_read_from_beside_the_path(tmp_path: Path, monkeypatch, capsysbinary) -> None:
    """The prompt comes from prompts.py on disk next to PATH: the same finding as a run on the file."""
    shutil.copytree(FIXTURES / "project", tmp_path / "project")
    write(tmp_path / "pyproject.toml", "[tool.promptlint]\n")
    monkeypatch.chdir(tmp_path)
    chat = tmp_path / "project" / "helpdesk" / "chat.py"
    data = chat.read_bytes()
    args = ("--no-cache", "--output-format", "json", "--select", "LLM301")
    code, on_disk, _ = run(monkeypatch, capsysbinary, b"", *args, "project/helpdesk/chat.py")
    expected = findings(on_disk)
    assert expected == [("project/helpdesk/chat.py", 87, 43, "LLM301")]
    code, out, _ = run(monkeypatch, capsysbinary, data, *args, "--stdin-filename", "project/helpdesk/chat.py")
    assert findings(out) == expected
    # The same source beside no prompts module: the imported prompt is unknown, nothing to report.
    code, out, _ = run(monkeypatch, capsysbinary, data, *args, "--stdin-filename", "elsewhere/chat.py")
    assert findings(out) == []


@pytest.mark.parametrize(
    "args, message",
    [
        (("-", "app.py"), "standard input is linted alone; remove the other paths (app.py)"),
        (
            ("--stdin-filename", "a.py", "b.py"),
            "standard input is linted alone; remove the other paths (b.py)",
        ),
        (
            ("--stdin-filename", "a.py", "--changed-since", "HEAD"),
            "--changed-since does not apply to standard input",
        ),
        (
            ("--stdin-filename", "a.py", "--write-baseline", "b.json"),
            "--write-baseline does not apply to standard input",
        ),
    ],
)
def test_usage_errors(project: Path, monkeypatch, capsysbinary, args, message) -> None:
    code, out, err = run(monkeypatch, capsysbinary, LEGACY.encode(), *args)
    assert (code, out, err) == (2, b"", f"promptlint: error: {message}\n")


def test_fix_with_an_output_file_writes_the_report_there(project: Path, monkeypatch, capsysbinary) -> None:
    code, out, err = run(
        monkeypatch,
        capsysbinary,
        LEGACY.encode(),
        "--fix",
        "--output-file",
        "report.txt",
        "--stdin-filename",
        "app.py",
        "-",
    )
    assert (code, out, err) == (0, FIXED.encode(), "")
    assert (project / "report.txt").read_text(encoding="utf-8") == (
        "Fixed 1 issue. All checks passed: 1 file checked, no LLM cost issues found.\n"
    )


def test_every_fixture_read_from_stdin_gives_the_findings_of_the_file(
    fixtures_report: dict, monkeypatch, capsysbinary
) -> None:
    """The same engine: a buffer reported as PATH gets exactly the findings (positions, fixes, savings) the
    whole-fixture run reports for the file PATH. Except for a prompt several requests send, which the whole
    run reports once at its definition: a run on one file reports each of its requests' own finding, with
    the message of the definition's finding without its count."""
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("NO_COLOR", "1")
    codes = {d["code"] for d in fixtures_report["diagnostics"]}
    shared = [
        d for d in fixtures_report["diagnostics"] if re.search(r"; .* is sent by \d+ requests$", d["message"])
    ]
    assert shared, "the fixtures have a prompt several requests send"
    # A group whose requests are all in its definition's file is reported as the whole run reports it; one
    # whose requests are (also) in other files gives each request its own finding in a run on its file.
    whole = [d for d in shared if {place["path"] for place in d["related"]} == {d["path"]}]
    files = sorted((ROOT / "fixtures").rglob("*.py"))
    assert len(files) > 100
    for path in files:
        name = path.relative_to(ROOT).as_posix()
        args = ("--no-cache", "--select", "ALL", "--output-format", "json", "--stdin-filename", name, "-")
        _, out, _ = run(monkeypatch, capsysbinary, path.read_bytes(), *args)
        found = json.loads(out)["diagnostics"]
        members = {
            (place["path"], place["line"], place["column"], d["code"]): d["message"].rsplit("; ", 1)[0]
            for d in shared
            if d not in whole
            for place in d["related"]
            if place["path"] == name
        }
        own = {(d["path"], d["line"], d["column"], d["code"]): d["message"] for d in found}
        assert {key: own.get(key) for key in members} == members, name
        found = [d for d in found if (d["path"], d["line"], d["column"], d["code"]) not in members]
        expected = [
            d for d in fixture_diagnostics(fixtures_report, [name], codes) if d not in shared or d in whole
        ]
        assert found == expected, name
