"""Lines as Python counts them (\\n, \\r\\n, lone \\r; never form feed, vertical tab, \\x1c, U+0085 or U+2028):
positions, code frames, fixes, suppressions, baselines and changed lines all agree on them."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import pytest

from promptlint.cli import main
from promptlint.lines import LineIndex, split_lines

CALL = 'r = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])'
CAPPED = CALL[:-1] + ", max_completion_tokens=1024)"
# Characters that str.splitlines() breaks at but Python source does not.
NOT_BREAKS = ["\u2028", "\x85", "\f", "\v", "\x1c"]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


def run(capsys, *args: str):
    code = main(["check", "--no-cache", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(
    "text",
    [
        "a\nb\r\nc\rd",
        "a\r\r\nb\n\n",
        "x = 'a\u2028b\x85c\fd\ve\x1cf\u2029g'  # \u2028\nz\r",
        "",
        "\r",
        "no break",
    ],
)
def test_split_lines_and_positions_follow_python(text: str) -> None:
    python_lines = io.StringIO(text, newline="").readlines()  # the io module splits as the tokenizer does
    assert split_lines(text, keepends=True) == python_lines
    assert split_lines(text) == [line.rstrip("\r\n") for line in python_lines]
    index = LineIndex(text)
    offset = 0
    for number, line in enumerate(python_lines, start=1):
        assert index.line_text(number) == line
        assert index.position(offset) == (number, 0)
        assert index.offset(number, 0) == offset
        assert text[index.line_start(number) : index.line_end(number)] == line.rstrip("\r\n")
        offset += len(line)


@pytest.mark.parametrize("char", NOT_BREAKS, ids=["u2028", "u0085", "ff", "vt", "x1c"])
def test_code_frame_shows_the_reported_line(project: Path, capsys, char: str) -> None:
    source = (
        f"from openai import OpenAI\nclient = OpenAI()\nnote = 'a{char}b'  # c{char}d\n{CALL}  # the call\n"
    )
    (project / "app.py").write_text(source, encoding="utf-8")
    code, out, _ = run(capsys, "app.py")
    assert code == 1
    assert out.splitlines()[:7] == [
        "app.py:4:5: LLM201 `client.chat.completions.create` sets no output limit: output is bounded only "
        "by the model maximum (16,384 tokens for `gpt-4o`)",
        "  |",
        f"4 | {CALL}  # the call",
        "  |     " + "^" * (len(CALL) - 4),
        "  = fix (unsafe): Add `max_completion_tokens=1024`",
        f"  |   - {CALL}  # the call",
        f"  |   + {CAPPED}  # the call",
    ]


CR_SOURCE = (
    "from openai import OpenAI\r"
    "client = OpenAI()\r"
    "\r"
    f"{CALL}\r"
    f"{CALL.replace('r = ', 'q = ')}  # noqa: LLM201\r"
)


def test_cr_only_file_is_linted_with_python_positions(project: Path, capsys) -> None:
    (project / "cr.py").write_bytes(CR_SOURCE.encode())
    (project / "lf.py").write_bytes(CR_SOURCE.replace("\r", "\n").encode())
    code, out, err = run(capsys, "--output-format", "json", "--exit-zero", "cr.py", "lf.py")
    assert (code, err) == (0, "")
    document = json.loads(out)
    assert [
        (d["path"], d["line"], d["column"], d["end_line"], d["end_column"]) for d in document["diagnostics"]
    ] == [
        ("cr.py", 4, 5, 4, len(CALL) + 1),
        ("lf.py", 4, 5, 4, len(CALL) + 1),
    ]
    assert document["diagnostics"][0]["fix"]["edits"] == [
        {
            "line": 4,
            "column": len(CALL),
            "end_line": 4,
            "end_column": len(CALL),
            "content": ", max_completion_tokens=1024",
        }
    ]
    assert document["errors"] == []


def test_fix_on_a_cr_only_file_keeps_its_line_endings(project: Path, capsys) -> None:
    (project / "cr.py").write_bytes(CR_SOURCE.encode())
    code, out, err = run(capsys, "--fix", "--unsafe-fixes", "cr.py")
    assert (code, err) == (0, "")
    assert out == "Fixed 1 issue. All checks passed: 1 file checked, no LLM cost issues found.\n"
    assert (project / "cr.py").read_bytes() == CR_SOURCE.replace(CALL + "\r", CAPPED + "\r").encode()


def test_diff_of_a_cr_only_file_has_one_patch_line_per_source_line(project: Path, capsys) -> None:
    (project / "cr.py").write_bytes(CR_SOURCE.encode())
    code, out, err = run(capsys, "--diff", "--unsafe-fixes", "cr.py")
    assert code == 1
    assert err == "Would fix 1 issue in 1 file.\n"
    assert out == (
        "--- a/cr.py\n+++ b/cr.py\n@@ -1,5 +1,5 @@\n"
        " from openai import OpenAI\r\n client = OpenAI()\r\n \r\n"
        f"-{CALL}\r\n+{CAPPED}\r\n"
        f" {CALL.replace('r = ', 'q = ')}  # noqa: LLM201\r\n"
    )
    assert (project / "cr.py").read_bytes() == CR_SOURCE.encode()


def test_diff_keeps_a_form_feed_line_whole(project: Path, capsys) -> None:
    source = f"from openai import OpenAI\nclient = OpenAI()\nnote = 'a\fb'\n{CALL}"
    (project / "app.py").write_text(source, encoding="utf-8")
    code, out, _ = run(capsys, "--diff", "--unsafe-fixes", "app.py")
    assert code == 1
    assert out == (
        "--- a/app.py\n+++ b/app.py\n@@ -1,4 +1,4 @@\n"
        " from openai import OpenAI\n client = OpenAI()\n note = 'a\fb'\n"
        f"-{CALL}\n\\ No newline at end of file\n+{CAPPED}\n\\ No newline at end of file\n"
    )


def test_baseline_keys_on_the_reported_line_not_on_a_fragment_of_an_earlier_one(
    project: Path, capsys
) -> None:
    def write(note: str) -> None:
        source = f"from openai import OpenAI\nclient = OpenAI()\nnote = '{note}'\n{CALL}\n"
        (project / "app.py").write_text(source, encoding="utf-8")

    write("a\u2028b")
    assert main(["check", "--no-cache", "--write-baseline", "baseline.json", "app.py"]) == 0
    write("a\u2028changed")  # an edit elsewhere does not bring the known finding back
    code, out, _ = run(capsys, "--baseline", "baseline.json", "--output-format", "json", "app.py")
    assert (code, json.loads(out)["diagnostics"]) == (0, [])


def git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def test_changed_lines_read_git_lines_not_unicode_lines(project: Path, capsys) -> None:
    old = f"from openai import OpenAI\nclient = OpenAI()\n{CALL}\n"
    (project / "app.py").write_text(old, encoding="utf-8")
    git(project, "init", "-q")
    git(project, "add", "app.py")
    git(project, "commit", "-q", "-m", "old")
    # A new line whose string holds U+2028 and then text that looks like a hunk header.
    (project / "app.py").write_text(old + "s = '\u2028@@ -1 +1,9 @@'\n", encoding="utf-8")
    code, out, _ = run(capsys, "--changed-since", "HEAD", "--output-format", "json", "app.py")
    assert (code, json.loads(out)["diagnostics"]) == (0, [])
