"""The start-up path stays light: no libcst, tokenizer, model table or rich unless a file needs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HEAVY = ("libcst", "tiktoken", "rich", "promptlint.models", "promptlint.tokens", "promptlint.extract")

PROBE = """
import json, sys
from promptlint.cli import main
code = main(sys.argv[1:])
heavy = sorted(name for name in {heavy!r} if name in sys.modules)
sys.stderr.write("\\nPROBE" + json.dumps({{"code": code, "heavy": heavy}}) + "\\n")
"""


def probe(cwd: Path, *args: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={"NO_COLOR": "1", "PATH": "/usr/bin:/bin"},
    )
    line = result.stderr.rsplit("PROBE", 1)[1]
    return json.loads(line)


def test_files_without_llm_calls_import_nothing_heavy(tmp_path: Path) -> None:
    for index in range(20):
        (tmp_path / f"module_{index}.py").write_text(f"import os\n\n\ndef f{index}():\n    return os.name\n")
    (tmp_path / "mentions.py").write_text('HELP = "we use openai-compatible servers"\n')
    assert probe(tmp_path, "check", ".") == {"code": 0, "heavy": []}


def test_version_imports_nothing_heavy(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "promptlint", "--version"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines() if "|" in line}
    assert not {name for name in imported if name.split(".")[0] in ("libcst", "tiktoken", "rich")}


def test_a_file_with_a_call_does_load_the_parser(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "import anthropic\nanthropic.Anthropic().messages.create(model='m', max_tokens=5, messages=[])\n"
    )
    result = probe(tmp_path, "check", ".")
    assert result["code"] == 0
    assert "libcst" in result["heavy"]
    assert "tiktoken" not in result["heavy"]  # nothing needed counting


# What a pre-commit call on files without LLM code never needs: argparse (a plain check call is read
# without it), dataclasses (with inspect, and the methods each dataclass compiles), the diagnostics and the
# prefilter's gate (no file names an SDK), nor the cache's entries.
START_UP_ONLY = (
    "argparse",
    "dataclasses",
    "inspect",
    "shutil",
    "promptlint.diagnostics",
    "promptlint.engine",
    "promptlint.rule",
)

LIGHT_PROBE = """
import sys
from promptlint.cli import main
code = main(sys.argv[1:])
import promptlint.prefilter as prefilter
loaded = sorted(name for name in {names!r} if name in sys.modules)
sys.stderr.write("\\nPROBE" + repr((code, loaded, prefilter._gate is not None)) + "\\n")
"""


def test_a_pre_commit_call_on_files_without_llm_code_imports_only_the_start_up_path(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.promptlint]\nexclude = ["build"]\n')
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "util.py").write_text("import os\n\n\ndef name():\n    return os.name\n")
    (tmp_path / "pkg" / "main.py").write_text("from pkg.util import name\n\nprint(name())\n")
    result = subprocess.run(
        [sys.executable, "-c", LIGHT_PROBE.format(names=START_UP_ONLY), "check", "--force-exclude"]
        + ["pkg/main.py", "pkg/util.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={"NO_COLOR": "1", "PATH": "/usr/bin:/bin"},
    )
    assert result.stdout == "All checks passed: 2 files checked, no LLM cost issues found.\n"
    assert result.stderr.rsplit("PROBE", 1)[1] == "(0, [], False)\n"
