"""docs/plugins.md is run, not just read: its pack is taken out of the page, installed, tested and used.

The files are the page's code blocks tagged ``file=NAME``; the entry point comes from the page's
``pyproject.toml`` block, so a change to the page that breaks the pack breaks this test.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_plugins import install_pack, run

try:
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python < 3.11
    import tomli as tomllib  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "plugins.md"
FILE_BLOCK = re.compile(r"^```\w+ file=(?P<name>\S+)\n(?P<body>.*?)^```$", re.M | re.S)

APP = 'from openai import OpenAI\n\nOpenAI().responses.create(model="gpt-4o", input="Hello", max_output_tokens=50)\n'


def guide_files() -> dict:
    files = {match["name"]: match["body"] for match in FILE_BLOCK.finditer(GUIDE.read_text("utf-8"))}
    assert set(files) == {"pyproject.toml", "acme_promptlint.py", "test_acme_promptlint.py"}
    return files


@pytest.fixture(scope="module")
def pack(tmp_path_factory) -> Path:
    """The guide's pack, installed the way pip would install it, with the entry point its pyproject names."""
    files = guide_files()
    entry_points = tomllib.loads(files["pyproject.toml"])["project"]["entry-points"]["promptlint.rules"]
    ((prefix, value),) = entry_points.items()
    site = tmp_path_factory.mktemp("site")
    install_pack(site, "acme_promptlint", prefix, value, files["acme_promptlint.py"])
    (site / "test_acme_promptlint.py").write_text(files["test_acme_promptlint.py"])
    return site


def test_the_guides_own_tests_pass(pack: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(pack)}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_acme_promptlint.py"],
        cwd=pack,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 passed" in result.stdout


def test_promptlint_rule_renders_the_packs_examples(pack: Path, tmp_path: Path) -> None:
    result = run(pack, tmp_path, "rule", "ACME001")
    assert result.returncode == 0, result.stderr
    assert "# unapproved-model (ACME001)" in result.stdout
    example, use_instead = result.stdout.split("## Example", 1)[1].split("## Use instead", 1)
    assert 'model="gpt-4o"' in example
    assert 'model="gpt-4.1-mini"' in use_instead.split("## Fix safety", 1)[0]


def test_the_pack_reports_and_fixes_with_promptlint(pack: Path, tmp_path: Path) -> None:
    app = tmp_path / "app.py"
    app.write_text(APP)
    result = run(
        pack, tmp_path, "check", "--select", "ACME", "--no-cache", "--output-format", "json", "app.py"
    )
    assert result.returncode == 1, result.stderr
    findings = json.loads(result.stdout)["diagnostics"]
    assert [(f["code"], f["line"], f["column"], f["message"]) for f in findings] == [
        ("ACME001", 3, 33, "`gpt-4o` is not an approved model (approved: gpt-4.1-mini)")
    ]
    fixed = run(
        pack, tmp_path, "check", "--select", "ACME", "--no-cache", "--fix", "--unsafe-fixes", "app.py"
    )
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert app.read_text() == APP.replace('"gpt-4o"', '"gpt-4.1-mini"')


def test_the_approved_list_is_configured_under_the_rule_name(pack: Path, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.promptlint]\nextend-select = ["ACME"]\n\n'
        '[tool.promptlint.rules.unapproved-model]\napproved = ["gpt-4o"]\n'
    )
    (tmp_path / "app.py").write_text(APP)
    result = run(pack, tmp_path, "check", "--select", "ACME", "--no-cache", "app.py")
    assert result.returncode == 0, result.stdout + result.stderr
