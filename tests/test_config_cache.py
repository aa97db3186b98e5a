"""The [tool] table of a pyproject.toml read by an earlier run is served again while the file is unchanged,
so that a run need not import a TOML parser; any change to the file is seen, and errors stay the same."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

PROBE = """
import sys
from promptlint.cli import main
code = main(sys.argv[1:])
sys.stderr.write("PROBE" + repr((code, "tomllib" in sys.modules)) + "\\n")
"""


def run(project: Path, cache: Path, *args: str):
    result = subprocess.run(
        [sys.executable, "-c", PROBE, "check", *args],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
        env={"NO_COLOR": "1", "PATH": "/usr/bin:/bin", "PROMPTLINT_CACHE_DIR": str(cache)},
    )
    errors, probe = result.stderr.rsplit("PROBE", 1)
    return result.stdout, errors, probe.strip()


def settle(path: Path) -> None:
    """Wait until the file was last changed more than two seconds ago (its change time cannot be set), as a
    configuration not edited during the run was."""
    status = path.stat()
    changed = max(status.st_mtime_ns, status.st_ctime_ns)
    while time.time_ns() - changed <= 2_100_000_000:
        time.sleep(0.1)


def write(project: Path, text: str) -> Path:
    config = project / "pyproject.toml"
    config.write_text(text)
    settle(config)
    return config


def test_an_unchanged_configuration_is_not_parsed_again(tmp_path: Path) -> None:
    project, cache = tmp_path / "project", tmp_path / "cache"
    project.mkdir()
    write(project, '[tool.promptlint]\nexclude = ["skipped"]\n[tool.other]\nx = 1\n')
    (project / "skipped").mkdir()
    (project / "skipped" / "a.py").write_text("x = 1\n")
    (project / "b.py").write_text("y = 2\n")
    first = run(project, cache, "--force-exclude", "skipped/a.py", "b.py")
    second = run(project, cache, "--force-exclude", "skipped/a.py", "b.py")
    assert first == ("All checks passed: 1 file checked, no LLM cost issues found.\n", "", "(0, True)")
    assert second == (first[0], "", "(0, False)")


def test_any_change_to_the_file_is_seen(tmp_path: Path) -> None:
    project, cache = tmp_path / "project", tmp_path / "cache"
    project.mkdir()
    config = write(project, '[tool.promptlint]\nselect = ["LLM201"]\n')
    (project / "a.py").write_text("x = 1\n")
    assert run(project, cache, "a.py")[2] == "(0, True)"
    assert run(project, cache, "a.py")[2] == "(0, False)"
    config.write_text('[tool.promptlint]\nselect = ["LLM999"]\n')  # same size, another value
    settle(config)
    changed = run(project, cache, "a.py")
    assert changed == (
        "",
        f"promptlint: error: {config}: `tool.promptlint.select` names an unknown rule or prefix `LLM999`\n",
        "(2, True)",
    )


def test_a_configuration_error_is_the_same_one_line_error_every_run(tmp_path: Path) -> None:
    project, cache = tmp_path / "project", tmp_path / "cache"
    project.mkdir()
    config = write(project, '[tool.promptlint]\nselect = "LLM201"\nmax-file-size = "10 MiB"\n')
    (project / "a.py").write_text("x = 1\n")
    error = f"promptlint: error: {config}: `tool.promptlint.select` must be a list of strings, got a string\n"
    assert run(project, cache, "a.py") == ("", error, "(2, True)")
    assert run(project, cache, "a.py") == ("", error, "(2, False)")  # the table is remembered, still invalid


def test_invalid_toml_is_never_remembered(tmp_path: Path) -> None:
    project, cache = tmp_path / "project", tmp_path / "cache"
    project.mkdir()
    config = write(project, "[tool.promptlint\nselect = []\n")
    (project / "a.py").write_text("x = 1\n")
    first = run(project, cache, "a.py")
    assert first[1] == (
        f"promptlint: error: {config}: invalid TOML: Expected ']' at the end of a table declaration "
        "(at line 1, column 17)\n"
    )
    assert run(project, cache, "a.py") == first


def test_a_file_written_just_now_is_parsed_every_run(tmp_path: Path) -> None:
    project, cache = tmp_path / "project", tmp_path / "cache"
    project.mkdir()
    (project / "pyproject.toml").write_text("[tool.promptlint]\n")  # modified within the last 2 seconds
    (project / "a.py").write_text("x = 1\n")
    assert run(project, cache, "a.py")[2] == "(0, True)"
    assert run(project, cache, "a.py")[2] == "(0, True)"
