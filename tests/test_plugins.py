"""Rule packs load through the ``promptlint.rules`` entry-point group: the built-ins and a third party alike."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from promptlint.registry import load_registry

EXAMPLE_PACK = textwrap.dedent(
    '''\
    """A third-party rule pack: flags every LLM call made inside a loop."""

    from promptlint.rule import Finding, Rule


    class CallInLoop(Rule):
        """
        ## What it does
        Flags LLM calls in loops.
        """

        code = "XMP001"
        name = "call-in-loop"
        summary = "LLM call inside a loop"
        options = {"message": "LLM call inside a loop"}

        def check(self, call, context):
            if call.in_loop:
                yield Finding(call.node, f"{context.options['message']} (`{call.callee}`)")


    RULES = (CallInLoop,)
    '''
)

LOOPING_CALL = textwrap.dedent(
    """\
    import anthropic

    client = anthropic.Anthropic()
    for question in ["a", "b"]:
        client.messages.create(model="claude-haiku-4-5", max_tokens=64, messages=[{"role": "user", "content": question}])
    """
)


def install_pack(site: Path, name: str, prefix: str, value: str, module_source: str) -> None:
    """Make an importable distribution with an entry point, as pip would, without pip."""
    (site / f"{name}.py").write_text(module_source)
    dist_info = site / f"{name}-0.1.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    (dist_info / "entry_points.txt").write_text(f"[promptlint.rules]\n{prefix} = {value}\n")


def run(site: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(site), "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "promptlint", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_builtin_rules_come_from_the_entry_point() -> None:
    from promptlint_rules import RULES

    registry = load_registry()
    assert [rule for rule in registry.rules if rule.code.startswith("LLM")] == sorted(
        RULES, key=lambda r: r.code
    )
    assert {
        ("LLM101", "dynamic-prefix"),
        ("LLM201", "missing-output-limit"),
        ("LLM301", "oversized-prompt"),
    } <= {(rule.code, rule.name) for rule in registry.rules}


def test_third_party_pack_is_loaded_selected_configured_and_documented(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    install_pack(site, "example_pack", "XMP", "example_pack:RULES", EXAMPLE_PACK)
    project = tmp_path / "project"
    project.mkdir()
    (project / "loop.py").write_text(LOOPING_CALL)
    (project / "pyproject.toml").write_text(
        "[tool.promptlint]\nextend-select = ['XMP']\n[tool.promptlint.rules.call-in-loop]\nmessage = 'looped'\n"
    )

    result = run(site, project, "check", "--output-format", "json", ".")
    assert result.returncode == 1, result.stderr
    diagnostics = json.loads(result.stdout)["diagnostics"]
    assert [(d["code"], d["name"], d["line"], d["column"], d["message"]) for d in diagnostics] == [
        ("XMP001", "call-in-loop", 5, 5, "looped (`client.messages.create`)")
    ]

    listing = run(site, project, "rule", "--all")
    assert "XMP001  call-in-loop" in listing.stdout
    assert run(site, project, "rule", "XMP001").stdout.startswith("# call-in-loop (XMP001)")


def test_third_party_pack_is_selected_and_ignored_by_prefix(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    install_pack(site, "example_pack", "XMP", "example_pack:RULES", EXAMPLE_PACK)
    (tmp_path / "loop.py").write_text(LOOPING_CALL)
    result = run(site, tmp_path, "check", ".")
    assert result.returncode == 1
    assert "loop.py:5:5: XMP001 LLM call inside a loop (`client.messages.create`)" in result.stdout
    assert run(site, tmp_path, "check", "--ignore", "XMP", ".").returncode == 0
    assert run(site, tmp_path, "check", "--select", "LLM", ".").returncode == 0


def test_broken_pack_is_a_one_line_error(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    install_pack(site, "broken_pack", "BRK", "broken_pack:RULES", "raise ImportError('missing dependency')\n")
    (tmp_path / "app.py").write_text("x = 1\n")
    result = run(site, tmp_path, "check", ".")
    assert result.returncode == 2
    assert result.stderr == (
        "promptlint: error: cannot load rule pack `BRK = broken_pack:RULES` (from distribution `broken_pack`): "
        "ImportError: missing dependency\n"
    )


def test_pack_with_a_code_outside_its_prefix_is_rejected(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    install_pack(site, "example_pack", "ZZZ", "example_pack:RULES", EXAMPLE_PACK)
    (tmp_path / "app.py").write_text("x = 1\n")
    result = run(site, tmp_path, "check", ".")
    assert result.returncode == 2
    assert "code `XMP001` is outside its prefix `ZZZ`" in result.stderr


CRASHING_PACK = textwrap.dedent(
    '''\
    from promptlint.rule import Rule


    class Crashes(Rule):
        """
        ## What it does
        Crashes.
        """

        code = "CRS001"
        name = "crashes"
        summary = "Crashes on every call"

        def check(self, call, context):
            raise KeyError("boom")


    RULES = (Crashes,)
    '''
)


def test_a_crashing_rule_is_reported_the_others_still_run_and_the_exit_code_is_2(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    install_pack(site, "crashing_pack", "CRS", "crashing_pack:RULES", CRASHING_PACK)
    (tmp_path / "app.py").write_text(
        "from openai import OpenAI\nOpenAI().chat.completions.create(model='gpt-4o', messages=[])\n"
    )
    result = run(site, tmp_path, "check", "--output-format", "json", "--exit-zero", ".")
    assert result.returncode == 2
    document = json.loads(result.stdout)
    assert [d["code"] for d in document["diagnostics"]] == ["LLM201"]
    assert document["errors"] == [{"path": "app.py", "reason": "rule CRS001 crashed: KeyError: 'boom'"}]
    assert result.stderr == "promptlint: error: app.py: rule CRS001 crashed: KeyError: 'boom'\n"
    assert not (tmp_path / ".promptlint_cache").exists() or not list(
        (tmp_path / ".promptlint_cache").rglob("*.json")
    )
