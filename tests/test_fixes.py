"""--fix, --unsafe-fixes and --diff: exact fixed source, idempotence, encodings, line endings, atomicity."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from promptlint.cli import main
from promptlint.diagnostics import Diagnostic, Edit, FixInfo
from promptlint.fixes import apply_edits, choose_non_overlapping, fix_text, parses

SOURCE = textwrap.dedent(
    """\
    from openai import OpenAI

    client = OpenAI()


    def summarise(text: str) -> str:
        reply = client.chat.completions.create(
            model="gpt-4o",
            messages=[{"role": "user", "content": text}],  # the text to summarise
        )
        other = client.responses.create(model="gpt-4o", input=text)
        return reply.choices[0].message.content + other.output_text
    """
)
FIXED = SOURCE.replace(
    '    )\n    other = client.responses.create(model="gpt-4o", input=text)',
    "        max_completion_tokens=1024,\n    )\n"
    '    other = client.responses.create(model="gpt-4o", input=text, max_output_tokens=1024)',
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


def test_unsafe_fixes_are_not_applied_by_fix_alone(project: Path, capsys) -> None:
    (project / "app.py").write_text(SOURCE)
    assert main(["check", "--fix", "app.py"]) == 1
    assert (project / "app.py").read_text() == SOURCE
    out = capsys.readouterr().out
    assert (
        "Fixed 0 issues. Found 2 issues in 1 file (1 file checked); 2 fixable with `--fix --unsafe-fixes`."
        in out
    )


def test_fix_unsafe_writes_exact_source_and_a_second_run_finds_nothing(project: Path, capsys) -> None:
    (project / "app.py").write_text(SOURCE)
    assert main(["check", "--fix", "--unsafe-fixes", "app.py"]) == 0
    assert (project / "app.py").read_text() == FIXED
    assert "Fixed 2 issues. All checks passed" in capsys.readouterr().out
    assert main(["check", "--fix", "--unsafe-fixes", "app.py"]) == 0
    assert (project / "app.py").read_text() == FIXED


def test_diff_prints_and_changes_nothing(project: Path, capsys) -> None:
    (project / "app.py").write_text(SOURCE)
    assert main(["check", "--diff", "--unsafe-fixes", "app.py"]) == 1
    captured = capsys.readouterr()
    assert (project / "app.py").read_text() == SOURCE
    assert captured.out == (
        "--- a/app.py\n+++ b/app.py\n@@ -7,6 +7,7 @@\n"
        "     reply = client.chat.completions.create(\n"
        '         model="gpt-4o",\n'
        '         messages=[{"role": "user", "content": text}],  # the text to summarise\n'
        "+        max_completion_tokens=1024,\n"
        "     )\n"
        '-    other = client.responses.create(model="gpt-4o", input=text)\n'
        '+    other = client.responses.create(model="gpt-4o", input=text, max_output_tokens=1024)\n'
        "     return reply.choices[0].message.content + other.output_text\n"
    )
    assert captured.err == "Would fix 2 issues in 1 file.\n"
    assert main(["check", "--diff", "app.py"]) == 0  # only unsafe fixes: nothing to diff without the flag


def test_crlf_and_bom_are_kept(project: Path, capsys) -> None:
    data = b"\xef\xbb\xbf" + SOURCE.replace("\n", "\r\n").encode("utf-8")
    (project / "app.py").write_bytes(data)
    assert main(["check", "--fix", "--unsafe-fixes", "app.py"]) == 0
    assert (project / "app.py").read_bytes() == b"\xef\xbb\xbf" + FIXED.replace("\n", "\r\n").encode("utf-8")


def test_latin1_file_stays_latin1(project: Path, capsys) -> None:
    source = "# -*- coding: latin-1 -*-\n" + SOURCE.replace("the text to summarise", "résumé du texte")
    (project / "app.py").write_bytes(source.encode("latin-1"))
    assert main(["check", "--fix", "--unsafe-fixes", "app.py"]) == 0
    expected = "# -*- coding: latin-1 -*-\n" + FIXED.replace("the text to summarise", "résumé du texte")
    assert (project / "app.py").read_bytes() == expected.encode("latin-1")


def test_file_mode_is_kept_and_no_temporary_file_is_left(project: Path, capsys) -> None:
    path = project / "app.py"
    path.write_text(SOURCE)
    path.chmod(0o640)
    main(["check", "--fix", "--unsafe-fixes", "app.py"])
    assert path.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in project.iterdir()) == [".promptlint_cache", "app.py"]


def diagnostic(
    line: int, column: int, end_column: int, content: str, applicability: str = "safe"
) -> Diagnostic:
    edit = Edit(line, column, line, end_column, content)
    return Diagnostic(
        "XMP001",
        "x",
        "warning",
        "f.py",
        line,
        column,
        line,
        end_column,
        "m",
        FixInfo("d", applicability, (edit,)),
        None,
    )


def test_apply_edits_and_overlaps() -> None:
    text = "abc = 1\nxyz = 2\n"
    assert apply_edits(text, [Edit(2, 1, 2, 4, "uvw"), Edit(1, 7, 1, 8, "10")]) == "abc = 10\nuvw = 2\n"
    first, second, unsafe = (
        diagnostic(1, 1, 4, "a"),
        diagnostic(1, 2, 5, "b"),
        diagnostic(2, 1, 2, "c", "unsafe"),
    )
    chosen, deferred = choose_non_overlapping([second, first, unsafe], unsafe=False)
    assert (chosen, deferred) == ([first], 1)


def test_a_fix_that_would_not_parse_leaves_the_text_unchanged() -> None:
    text = "import openai\nx = call(a)\n"
    broken = diagnostic(2, 10, 11, "a,,")
    outcome = fix_text(text, [broken], lambda new_text: [], unsafe=False, parses=parses)
    assert outcome.text == text
    assert outcome.error == "the fixed source would not parse; file left unchanged"
    assert outcome.remaining == [broken]


def test_overlapping_fixes_converge_over_rounds() -> None:
    text = "aaaa\n"
    rounds = []

    def lint(new_text: str):
        rounds.append(new_text)
        index = new_text.find("a")
        return [diagnostic(1, index + 1, index + 2, "b")] if index >= 0 else []

    outcome = fix_text(
        text, [diagnostic(1, 1, 2, "b"), diagnostic(1, 1, 3, "c")], lint, False, lambda _: True
    )
    assert outcome.text == "bbbb\n"
    assert outcome.applied == 4 and outcome.remaining == []
    assert rounds == ["baaa\n", "bbaa\n", "bbba\n", "bbbb\n"]
