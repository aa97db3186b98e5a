"""The command line as users drive it: exit codes, selection, configuration errors, suppression, output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from promptlint.cli import main

OPENAI_CALL = textwrap.dedent(
    """\
    from openai import OpenAI

    client = OpenAI()


    def answer(question: str) -> str:
        reply = client.chat.completions.create(
            model="gpt-4o",
            messages=[{"role": "user", "content": question}],
        )
        return reply.choices[0].message.content
    """
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project directory that is also the working directory."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding=encoding)
    return path


def run_json(capsys: pytest.CaptureFixture, *args: str):
    code = main(["check", "--output-format", "json", *args])
    captured = capsys.readouterr()
    return code, json.loads(captured.out), captured.err


def test_finding_exits_1_and_reports_code_line_column(project: Path, capsys) -> None:
    write(project / "app.py", OPENAI_CALL)
    code, document, err = run_json(capsys, "app.py")
    assert code == 1
    assert err == ""
    [diagnostic] = document["diagnostics"]
    assert (diagnostic["code"], diagnostic["name"], diagnostic["path"]) == (
        "LLM201",
        "missing-output-limit",
        "app.py",
    )
    assert (diagnostic["line"], diagnostic["column"], diagnostic["end_line"], diagnostic["end_column"]) == (
        7,
        13,
        10,
        6,
    )
    assert diagnostic["fix"] == {
        "description": "Add `max_completion_tokens=1024`",
        "applicability": "unsafe",
        "edits": [
            {
                "line": 10,
                "column": 5,
                "end_line": 10,
                "end_column": 5,
                "content": "    max_completion_tokens=1024,\n    ",
            }
        ],
    }
    assert diagnostic["savings"]["tokens_per_call"] == 16384 - 1024
    assert diagnostic["savings"]["usd_per_1k_calls"] == 153.6
    assert diagnostic["savings"]["usd_per_month"] is None
    assert document["summary"]["by_code"] == {"LLM201": 1}
    assert document["errors"] == []


def test_clean_file_exits_0_with_one_line(project: Path, capsys) -> None:
    write(project / "util.py", "import os\n\nprint(os.name)\n")
    assert main(["check", "."]) == 0
    out = capsys.readouterr().out
    assert out == "All checks passed: 1 file checked, no LLM cost issues found.\n"


def test_bare_command_means_check_dot(project: Path, capsys) -> None:
    write(project / "app.py", OPENAI_CALL)
    assert main([]) == 1
    assert "app.py:7:13: LLM201" in capsys.readouterr().out


def test_path_without_subcommand_is_checked(project: Path, capsys) -> None:
    write(project / "src" / "app.py", OPENAI_CALL)
    assert main(["src"]) == 1
    assert f"src{os.sep}app.py:7:13: LLM201" in capsys.readouterr().out


def test_text_output_shows_source_fix_and_saving(project: Path, capsys) -> None:
    write(project / "app.py", OPENAI_CALL)
    main(["check", "app.py"])
    out = capsys.readouterr().out
    assert out.splitlines()[:10] == [
        "app.py:7:13: LLM201 `client.chat.completions.create` sets no output limit: output is bounded only by "
        "the model maximum (16,384 tokens for `gpt-4o`)",
        "  |",
        "7 |     reply = client.chat.completions.create(",
        "  |             ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
        '8 |         model="gpt-4o",',
        '9 |         messages=[{"role": "user", "content": question}],',
        "  = fix (unsafe): Add `max_completion_tokens=1024`",
        "  |   -     )",
        "  |   +         max_completion_tokens=1024,",
        "  |   +     )",
    ]
    assert "  = saving: 15,360 tokens/call · $0.153600/call · $153.60 per 1k calls (gpt-4o)" in out
    # One worst-case bound: labelled as such, never called an estimated saving.
    assert out.rstrip().endswith(
        "\nWorst case, if answers run to their output limit: up to $153.60 per 1k calls of each call site."
    )
    assert "Estimated savings" not in out


def test_exit_zero(project: Path, capsys) -> None:
    write(project / "app.py", OPENAI_CALL)
    assert main(["check", "--exit-zero", "app.py"]) == 0


def test_quiet_prints_nothing_when_clean(project: Path, capsys) -> None:
    write(project / "util.py", "x = 1\n")
    assert main(["check", "--quiet", "."]) == 0
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(
    "selection, expected",
    [
        (["--select", "LLM2"], 1),
        (["--select", "LLM1,LLM3"], 0),
        (["--ignore", "LLM201"], 0),
        (["--ignore", "missing-output-limit"], 0),
        (["--select", "ALL", "--ignore", "LLM"], 0),
        (["--select", "LLM101", "--extend-select", "LLM201"], 1),
    ],
)
def test_selection(project: Path, capsys, selection, expected) -> None:
    write(project / "app.py", OPENAI_CALL)
    assert main(["check", *selection, "app.py"]) == expected


def test_unknown_selector_is_a_usage_error(project: Path, capsys) -> None:
    write(project / "app.py", OPENAI_CALL)
    assert main(["check", "--select", "LLM999", "app.py"]) == 2
    assert capsys.readouterr().err == "promptlint: error: unknown rule selector `LLM999`\n"


@pytest.mark.parametrize(
    "table, message",
    [
        ("selct = ['LLM']", "`tool.promptlint.selct` is not a promptlint setting"),
        ("select = 'LLM'", "`tool.promptlint.select` must be a list of strings, got a string"),
        ("ignore = ['XYZ1']", "`tool.promptlint.ignore` names an unknown rule or prefix `XYZ1`"),
        (
            "calls-per-month = -5",
            "`tool.promptlint.calls-per-month` must be a positive integer, got an integer -5",
        ),
        ("default-model = 4", "`tool.promptlint.default-model` must be a string, got an integer"),
        (
            "[tool.promptlint.rules.LLM301]\nthreshhold = 10",
            "`tool.promptlint.rules.LLM301.threshhold` is not an option of LLM301 (options: `threshold`)",
        ),
        (
            "[tool.promptlint.rules.oversized-prompt]\nthreshold = 'big'",
            "`tool.promptlint.rules.oversized-prompt.threshold` must be an integer, got a string",
        ),
        ("[tool.promptlint.rules.LLM999]\nx = 1", "`tool.promptlint.rules.LLM999` names an unknown rule"),
        (
            '[tool.promptlint.models."my-model"]\ninptu = 1.0',
            '`tool.promptlint.models."my-model".inptu` is not a model field',
        ),
        ("per-file-ignores = { 'tests/*' = 'LLM1' }", "must be a list of strings, got a string"),
        (
            "signature-recognition = 'no'",
            "`tool.promptlint.signature-recognition` must be true or false, got a string",
        ),
    ],
)
def test_configuration_errors_name_file_and_key(project: Path, capsys, table: str, message: str) -> None:
    write(project / "pyproject.toml", "[tool.promptlint]\n" + table + "\n")
    write(project / "app.py", OPENAI_CALL)
    assert main(["check", "app.py"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"promptlint: error: {project / 'pyproject.toml'}: ")
    assert message in err
    assert err.count("\n") == 1


def test_invalid_toml_is_a_configuration_error(project: Path, capsys) -> None:
    write(project / "pyproject.toml", "[tool.promptlint\nselect = \n")
    write(project / "app.py", OPENAI_CALL)
    assert main(["check", "app.py"]) == 2
    assert "invalid TOML" in capsys.readouterr().err


def test_nearest_pyproject_up_from_cwd(project: Path, capsys, monkeypatch) -> None:
    write(project / "pyproject.toml", "[tool.promptlint]\nignore = ['LLM201']\n")
    write(project / "pkg" / "app.py", OPENAI_CALL)
    monkeypatch.chdir(project / "pkg")
    assert main(["check", "app.py"]) == 0


def test_config_option_and_rule_options(project: Path, capsys) -> None:
    write(
        project / "custom.toml",
        "[tool.promptlint]\ncalls-per-month = 100000\n[tool.promptlint.rules.missing-output-limit]\n"
        "default-max-tokens = 256\n",
    )
    write(project / "app.py", OPENAI_CALL)
    code, document, _ = run_json(capsys, "--config", "custom.toml", "app.py")
    assert code == 1
    [diagnostic] = document["diagnostics"]
    assert diagnostic["fix"]["description"] == "Add `max_completion_tokens=256`"
    assert diagnostic["savings"]["tokens_per_call"] == 16384 - 256
    assert diagnostic["savings"]["usd_per_month"] == pytest.approx(16128 * 10 / 1e6 * 100000)
    assert document["summary"]["calls_per_month"] == 100000


def test_missing_config_file(project: Path, capsys) -> None:
    assert main(["check", "--config", "nope.toml", "."]) == 2
    assert capsys.readouterr().err == "promptlint: error: nope.toml: configuration file not found\n"


def test_default_model_prices_calls_without_a_literal_model(project: Path, capsys) -> None:
    write(project / "app.py", OPENAI_CALL.replace('model="gpt-4o"', "model=settings.MODEL"))
    code, document, _ = run_json(capsys, "app.py")
    savings = document["diagnostics"][0]["savings"]
    assert savings["usd_per_call"] is None
    assert "model not known statically: set `default-model` to price it" in savings["assumptions"]
    code, document, _ = run_json(capsys, "--default-model", "gpt-4o-mini", "app.py")
    assert document["diagnostics"][0]["savings"]["model"] == "gpt-4o-mini"
    assert document["diagnostics"][0]["savings"]["usd_per_1k_calls"] == pytest.approx(15.36 * 0.6, abs=1e-6)


def test_unknown_model_is_unpriced_never_guessed(project: Path, capsys) -> None:
    write(project / "app.py", OPENAI_CALL.replace("gpt-4o", "my-finetune-v3"))
    _, document, _ = run_json(capsys, "app.py")
    savings = document["diagnostics"][0]["savings"]
    assert savings["usd_per_call"] is None and savings["usd_per_1k_calls"] is None
    assert document["diagnostics"][0]["message"].endswith("bounded only by the model maximum")


def test_price_override_in_config(project: Path, capsys) -> None:
    write(
        project / "pyproject.toml",
        '[tool.promptlint.models."my-finetune-v3"]\nprovider = "openai"\ninput = 1.0\noutput = 4.0\n'
        "max-output = 8192\n",
    )
    write(project / "app.py", OPENAI_CALL.replace("gpt-4o", "my-finetune-v3"))
    _, document, _ = run_json(capsys, "app.py")
    savings = document["diagnostics"][0]["savings"]
    assert savings["tokens_per_call"] == 8192 - 1024
    assert savings["usd_per_1k_calls"] == pytest.approx(7168 * 4.0 / 1000)


@pytest.mark.parametrize(
    "comment, expected",
    [
        ("  # noqa: LLM201", 0),
        ("  # noqa", 0),
        ("  # promptlint: ignore[LLM201]", 0),
        ("  # promptlint: ignore[missing-output-limit]", 0),
        ("  # noqa: LLM101", 1),
        ("  # promptlint: ignore[LLM301]", 1),
    ],
)
def test_suppression_on_the_reported_line(project: Path, capsys, comment: str, expected: int) -> None:
    source = OPENAI_CALL.replace(
        "reply = client.chat.completions.create(", "reply = client.chat.completions.create(" + comment
    )
    write(project / "app.py", source)
    assert main(["check", "app.py"]) == expected


def test_per_file_ignores(project: Path, capsys) -> None:
    write(project / "pyproject.toml", "[tool.promptlint]\nper-file-ignores = { 'scripts/*' = ['LLM2'] }\n")
    write(project / "scripts" / "job.py", OPENAI_CALL)
    write(project / "app.py", OPENAI_CALL)
    _, document, _ = run_json(capsys, ".")
    assert [d["path"] for d in document["diagnostics"]] == ["app.py"]


def test_exclude_and_explicit_paths(project: Path, capsys) -> None:
    write(project / "pyproject.toml", "[tool.promptlint]\nextend-exclude = ['legacy']\n")
    write(project / "legacy" / "old.py", OPENAI_CALL)
    assert main(["check", "."]) == 0
    capsys.readouterr()
    # Named explicitly (as pre-commit does), an excluded file is linted unless --force-exclude.
    assert main(["check", "legacy/old.py"]) == 1
    capsys.readouterr()
    assert main(["check", "--force-exclude", "legacy/old.py"]) == 0


def test_bad_files_get_one_line_each_and_the_rest_is_linted(project: Path, capsys) -> None:
    write(project / "a_good.py", OPENAI_CALL)
    write(project / "b_syntax.py", "import openai\ndef broken(:\n")
    (project / "c_binary.py").write_bytes(b"import openai\n\xff\xfe\x00garbage")
    write(
        project / "d_latin1.py",
        "# -*- coding: latin-1 -*-\n" + OPENAI_CALL.replace("question", "qüestion"),
        "latin-1",
    )
    code, document, err = run_json(capsys, ".")
    assert code == 1
    assert [(d["path"], d["code"], d["line"]) for d in document["diagnostics"]] == [
        ("a_good.py", "LLM201", 7),
        ("d_latin1.py", "LLM201", 8),
    ]
    assert [e["path"] for e in document["errors"]] == ["b_syntax.py", "c_binary.py"]
    assert document["errors"][0]["reason"].startswith("syntax error at 2:")
    assert "utf-8" in document["errors"][1]["reason"]
    lines = err.splitlines()
    assert len(lines) == 2 and all(line.startswith("promptlint: error: ") for line in lines)
    assert "Traceback" not in err


def test_missing_path(project: Path, capsys) -> None:
    assert main(["check", "nowhere.py"]) == 2
    assert capsys.readouterr().err == "promptlint: error: nowhere.py: No such file or directory\n"


def test_directory_without_python_files(project: Path, capsys) -> None:
    (project / "empty").mkdir()
    assert main(["check", "empty"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "All checks passed: 0 files checked, no LLM cost issues found.\n"
    assert captured.err == "promptlint: warning: no Python files found\n"


def test_rule_command(project: Path, capsys) -> None:
    assert main(["rule", "LLM201"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# missing-output-limit (LLM201)\n\nLLM request without an output-token limit.\n")
    for section in (
        "## What it does",
        "## Why is this bad?",
        "## Example",
        "## Use instead",
        "## Fix safety",
        "## Savings",
    ):
        assert f"\n{section}\n" in out
    assert main(["rule", "dynamic-prefix"]) == 0
    assert capsys.readouterr().out.startswith("# dynamic-prefix (LLM101)")
    assert main(["rule", "LLM000"]) == 2


def test_rule_all_lists_the_registry(project: Path, capsys) -> None:
    assert main(["rule", "--all"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["code", "name", "default", "summary"]
    from promptlint_rules import RULES

    assert [line.split()[0] for line in out[1:]] == sorted(rule.code for rule in RULES)


def test_models_command(project: Path, capsys) -> None:
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Model table as of 20")
    assert "\ngpt-4o " in out and "\nclaude-sonnet-4-5 " in out


def test_version_in_a_subprocess() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "promptlint", "--version"], capture_output=True, text=True, check=False
    )
    from promptlint import __version__

    assert (result.returncode, result.stdout, result.stderr) == (0, f"promptlint {__version__}\n", "")


def test_usage_error_exit_code() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "promptlint", "check", "--output-format", "xml", "."],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "invalid choice: 'xml'" in result.stderr


def test_deep_valid_code_is_analysed_and_absurd_nesting_is_refused(project: Path, capsys) -> None:
    call = 'OpenAI().chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": q}])'
    chain = " + ".join(['"a"'] * 3000)
    write(project / "chain.py", f"from openai import OpenAI\nPROMPT = {chain}\n\n\ndef ask(q):\n    {call}\n")
    nested = "[" * 150 + "]" * 150
    write(
        project / "literal.py", f"from openai import OpenAI\nDATA = {nested}\n\n\ndef ask(q):\n    {call}\n"
    )
    write(project / "parens.py", "import openai\nx = " + "(" * 5000 + "1" + ")" * 5000 + "\n")
    write(project / "python2.py", 'import openai\nprint "hello"\n')
    code, document, err = run_json(capsys, ".")
    assert code == 1
    assert [(d["path"], d["code"], d["line"]) for d in document["diagnostics"]] == [
        ("chain.py", "LLM201", 6),
        ("literal.py", "LLM201", 6),
    ]
    assert document["errors"] == [
        {"path": "parens.py", "reason": "brackets nested 5000 deep: more than Python accepts"},
        {"path": "python2.py", "reason": "syntax error at 2:1: invalid syntax"},
    ]


def test_oversized_file_is_refused_with_its_reason(project: Path, capsys) -> None:
    write(project / "generated.py", "import openai\n" + "x = 1\n" * 2_000_000)
    code, document, _ = run_json(capsys, ".")
    assert code == 1
    assert document["errors"] == [{"path": "generated.py", "reason": "file is larger than 10 MiB"}]


def test_output_is_identical_across_runs(project: Path, capsys) -> None:
    write(project / "b.py", OPENAI_CALL)
    write(project / "a" / "c.py", OPENAI_CALL.replace("gpt-4o", "gpt-4.1"))
    first = run_json(capsys, ".")[1]
    second = run_json(capsys, ".")[1]
    assert first == second
    assert [d["path"] for d in first["diagnostics"]] == [os.path.join("a", "c.py"), "b.py"]


def test_prompt_files_resolve_from_outside_the_project(project: Path, capsys) -> None:
    fixtures = Path(__file__).resolve().parent.parent / "fixtures" / "LLM301"
    _, document, _ = run_json(capsys, "--select", "LLM301", str(fixtures))
    assert sorted(Path(d["path"]).name for d in document["diagnostics"]) == [
        "catalog_from_helper.py",
        "catalog_in_system_prompt.py",
        "catalog_open_relative.py",
        "sent_through_wrapper.py",
        "shared_catalog.py",
        "shared_catalog.py",
        "shared_catalog.py",
    ]


def test_prompt_files_outside_the_project_are_never_read(tmp_path: Path, monkeypatch, capsys) -> None:
    outside = tmp_path / "shared_prompts"
    write(outside / "huge.md", "word " * 20000)
    project = tmp_path / "app"
    write(project / "pyproject.toml", "[tool.promptlint]\n")
    write(
        project / "bot.py",
        "from openai import OpenAI\nSYSTEM = open('../shared_prompts/huge.md').read()\n"
        "OpenAI().chat.completions.create(model='gpt-4o', max_tokens=5, "
        "messages=[{'role': 'system', 'content': SYSTEM}])\n",
    )
    monkeypatch.chdir(project)
    assert main(["check", "--select", "LLM301", "."]) == 0


def test_prompt_paths_without_any_project_stay_in_the_linted_files_directory(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    """With no pyproject.toml or .git anywhere, the working directory is no project: a prompt path that
    leaves the linted file's own directory is not read, even when it stays under the working directory."""
    write(tmp_path / "elsewhere" / "huge.md", "word " * 20000)
    prompt = (tmp_path / "elsewhere" / "huge.md").as_posix()
    write(
        tmp_path / "app" / "bot.py",
        f"from openai import OpenAI\nSYSTEM = open({prompt!r}).read()\n"
        "OpenAI().chat.completions.create(model='gpt-4o', max_tokens=5, "
        "messages=[{'role': 'system', 'content': SYSTEM}])\n",
    )
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--no-cache", "--select", "LLM301", "app/bot.py"]) == 0
    # Made a project, the same working directory is the root, and the prompt is read.
    write(tmp_path / "pyproject.toml", "[tool.promptlint]\n")
    assert main(["check", "--no-cache", "--select", "LLM301", "app/bot.py"]) == 1


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--select", ""], "argument --select: empty rule selector in ''"),
        (["--ignore", "LLM201,,LLM301"], "argument --ignore: empty rule selector in 'LLM201,,LLM301'"),
        (["--jobs", "0"], "argument --jobs/-j: must be at least 1, got 0"),
        (["--jobs", "-3"], "argument --jobs/-j: must be at least 1, got -3"),
        (["--jobs", "two"], "argument --jobs/-j: not an integer: 'two'"),
        (["--calls-per-month", "0"], "argument --calls-per-month: must be at least 1, got 0"),
    ],
)
def test_bad_option_values_are_usage_errors(project: Path, capsys, arguments, message) -> None:
    write(project / "app.py", OPENAI_CALL)
    assert main(["check", *arguments, "app.py"]) == 2
    assert capsys.readouterr().err.splitlines()[-1] == f"promptlint check: error: {message}"


def test_statistics_with_a_format_it_cannot_print_is_a_usage_error(project: Path, capsys) -> None:
    write(project / "app.py", OPENAI_CALL)
    assert main(["check", "--statistics", "--output-format", "sarif", "app.py"]) == 2
    assert capsys.readouterr().err == "promptlint: error: --statistics prints text or json, not sarif\n"


def test_unknown_rules_in_suppressions_are_warned_about(project: Path, capsys) -> None:
    call = 'client.chat.completions.create(model="gpt-4o", messages=[], max_tokens=5)'
    write(
        project / "app.py",
        "from openai import OpenAI\n\nclient = OpenAI()\n"
        f"a = {call}  # promptlint: ignore[LLM999, missing-output-limit, no-such-rule]\n"
        f"b = {call}  # noqa: E501, LLM299\n"
        f"c = {call}  # noqa: LLM201, F401\n",
    )
    assert main(["check", "app.py"]) == 0
    assert capsys.readouterr().err == (
        "promptlint: warning: app.py:4: unknown rule `LLM999` in a suppression comment; it suppresses nothing\n"
        "promptlint: warning: app.py:4: unknown rule `no-such-rule` in a suppression comment; "
        "it suppresses nothing\n"
        "promptlint: warning: app.py:5: unknown rule `LLM299` in a suppression comment; it suppresses nothing\n"
    )


SELF_HOSTED_CALL = textwrap.dedent(
    """\
    from openai import OpenAI

    local = OpenAI(base_url="http://localhost:11434/v1", api_key="ollama")
    remote = OpenAI()


    def tag(review: str) -> str:
        reply = local.chat.completions.create(model="llama3.1", messages=[{"role": "user", "content": review}])
        return reply.choices[0].message.content or ""
    """
)


def test_self_hosted_findings_are_info_and_exit_0(project: Path, capsys) -> None:
    write(project / "app.py", SELF_HOSTED_CALL)
    assert main(["check", "--no-cache", "--output-format", "json", "app.py"]) == 0
    found = json.loads(capsys.readouterr().out)["diagnostics"]
    assert [(d["code"], d["line"], d["column"], d["severity"]) for d in found] == [("LLM201", 8, 13, "info")]
    assert found[0]["savings"]["unpriced_reason"] == "self-hosted"


def test_self_hosted_findings_fail_when_configured(project: Path, capsys) -> None:
    write(project / "app.py", SELF_HOSTED_CALL)
    write(project / "pyproject.toml", "[tool.promptlint]\nfail-on-self-hosted = true\n")
    assert main(["check", "--no-cache", "--output-format", "json", "app.py"]) == 1
    found = json.loads(capsys.readouterr().out)["diagnostics"]
    assert [(d["code"], d["severity"]) for d in found] == [("LLM201", "warning")]


def test_self_hosted_findings_do_not_hide_others(project: Path, capsys) -> None:
    source = SELF_HOSTED_CALL.replace(
        "reply.choices[0].message.content",
        "remote.chat.completions.create(model='gpt-4.1-mini', messages=[]).choices[0].message.content",
    )
    write(project / "app.py", source)
    assert main(["check", "--no-cache", "--output-format", "json", "--select", "LLM201", "app.py"]) == 1
    found = json.loads(capsys.readouterr().out)["diagnostics"]
    assert [(d["line"], d["severity"]) for d in found] == [(8, "info"), (9, "warning")]


def test_fail_on_self_hosted_must_be_a_boolean(project: Path, capsys) -> None:
    write(project / "app.py", SELF_HOSTED_CALL)
    write(project / "pyproject.toml", "[tool.promptlint]\nfail-on-self-hosted = 1\n")
    assert main(["check", "app.py"]) == 2
    assert capsys.readouterr().err == (
        f"promptlint: error: {project / 'pyproject.toml'}: `tool.promptlint.fail-on-self-hosted` must be true or "
        "false, got an integer\n"
    )
