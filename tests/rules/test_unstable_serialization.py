"""Moved from tests/test_rules_hygiene.py (batch file dissolved into one file per rule or concern)."""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path
from typing import List, Optional

import cli_in_process

from promptlint.diagnostics import Edit
from promptlint.fixes import apply_edits

ROOT = Path(__file__).resolve().parents[2]


CODES = "LLM104,LLM601,LLM602"


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return cli_in_process.run(*args, cwd=cwd)


def diagnostics(*paths: str, cwd: Path = ROOT, select: str = CODES) -> List[dict]:
    result = run("check", "--no-cache", "--output-format", "json", "--select", select, *paths, cwd=cwd)
    assert result.returncode in (0, 1), result.stderr
    document = json.loads(result.stdout)
    assert document["errors"] == []
    return document["diagnostics"]


def lint(tmp_path: Path, source: str, config: Optional[str] = None, select: str = CODES) -> List[dict]:
    (tmp_path / "app.py").write_text(textwrap.dedent(source).lstrip("\n"), encoding="utf-8")
    if config is not None:
        (tmp_path / "pyproject.toml").write_text(textwrap.dedent(config), encoding="utf-8")
    return diagnostics("app.py", cwd=tmp_path, select=select)


def fixed(source: str, diagnostic: dict) -> str:
    edits = [Edit(**edit) for edit in diagnostic["fix"]["edits"]]
    return apply_edits(source, edits)


def brief(items: List[dict]) -> List[tuple]:
    return [(d["code"], d["line"], d["column"]) for d in items]


def test_llm104_fixture_findings_are_pinned() -> None:
    found = diagnostics("fixtures/LLM104")
    assert [(d["path"], d["line"], d["column"]) for d in found] == [
        ("fixtures/LLM104/structured_triage.py", 14, 50),
        ("fixtures/LLM104/ticket_router.py", 33, 55),
        ("fixtures/LLM104/ticket_router.py", 44, 21),
        ("fixtures/LLM104/ticket_router.py", 59, 47),
    ]
    tail = "in an order that differs from process to process: "
    assert [d["message"] for d in found] == [
        f"`list(LABELS)` lists a set {tail}the response schema built from it is not the same text in every process",
        f"`CATEGORIES` is a set iterated {tail}the system prompt built from it is not the same text in every process",
        f"`CATEGORIES` is a set iterated {tail}the system prompt built from it is not the same text in every process",
        f"`enabled_tools` is a set iterated {tail}the tool definitions built from it are not the same text in "
        "every process",
    ]
    assert [d["savings"] and (d["savings"]["model"], d["savings"]["tokens_per_call"]) for d in found] == [
        None,  # no static prompt to cache after the schema: unpriced
        ("gpt-4.1-mini", 1697),
        ("gpt-4.1-mini", 1697),
        ("claude-sonnet-4-5", 1781),
    ]
    assert [(d["fix"]["description"], d["fix"]["applicability"]) for d in found] == [
        ("Replace `list(LABELS)` with `sorted(...)`", "safe"),
        ("Wrap `CATEGORIES` in `sorted(...)`", "safe"),
        ("Wrap `CATEGORIES` in `sorted(...)`", "safe"),
        ("Wrap `enabled_tools` in `sorted(...)`", "safe"),
    ]
    sources = {
        path: (ROOT / path).read_text(encoding="utf-8")
        for path in ("fixtures/LLM104/structured_triage.py", "fixtures/LLM104/ticket_router.py")
    }
    lines = [fixed(sources[d["path"]], d).splitlines()[d["line"] - 1] for d in found]
    assert lines == [
        '            "action": {"type": "string", "enum": sorted(LABELS)},  # expect: LLM104:50',
        "    system = f\"Route the ticket to one of: {', '.join(sorted(CATEGORIES))}.\\n\\n{GUIDELINES}\""
        "  # expect: LLM104:55",
        "    for category in sorted(CATEGORIES):  # expect: LLM104:21",
        "        tools=[TOOL_SCHEMAS[name] for name in sorted(enabled_tools)],  # expect: LLM104:47",
    ]


def test_llm104_unknown_elements_get_an_unsafe_fix_and_renders_get_none(tmp_path: Path) -> None:
    source = '''
        from openai import OpenAI

        client = OpenAI()

        GUIDELINES = """Route tickets carefully."""
        REGIONS = set()


        def register(region) -> None:
            REGIONS.add(region)


        def route(ticket: str) -> str:
            listing = "\\n".join(f"- {region}" for region in REGIONS)
            response = client.chat.completions.create(
                model="gpt-4.1-mini",
                max_completion_tokens=5,
                messages=[
                    {"role": "system", "content": f"Regions:\\n{listing}\\nAlso: {REGIONS}\\n{GUIDELINES}"},
                    {"role": "user", "content": ticket},
                ],
            )
            return response.choices[0].message.content or ""
        '''
    found = lint(tmp_path, source)
    assert brief(found) == [("LLM104", 14, 53), ("LLM104", 19, 73)]
    assert found[0]["fix"]["applicability"] == "unsafe"  # elements of unknown type may not be comparable
    assert found[0]["fix"]["description"] == "Wrap `REGIONS` in `sorted(...)`"
    assert found[1]["message"].startswith("`REGIONS` renders a set in an order that differs")
    assert found[1]["fix"] is None
    assert found[0]["savings"] is None  # the static prompt is far below any minimum cacheable length


def test_llm104_unsorted_dumps_is_opt_in(tmp_path: Path) -> None:
    source = """
        import json

        from openai import OpenAI

        client = OpenAI()
        SETTINGS = {"currency": "EUR", "max_refund": 500}


        def load_catalog() -> dict:
            with open("catalog.json") as handle:
                return json.load(handle)


        def answer(question: str) -> str:
            system = "Catalog: " + json.dumps(load_catalog()) + "\\nSettings: " + json.dumps(SETTINGS)
            response = client.chat.completions.create(
                model="gpt-4.1-mini",
                max_completion_tokens=300,
                messages=[{"role": "system", "content": system}, {"role": "user", "content": question}],
            )
            return response.choices[0].message.content or ""
        """
    assert lint(tmp_path, source) == []
    config = """
        [tool.promptlint.rules.unstable-serialization]
        flag-unsorted-dumps = true
        """
    found = lint(tmp_path, source, config)
    assert brief(found) == [("LLM104", 15, 28)]
    assert found[0]["message"] == (
        "`json.dumps(load_catalog())` writes keys in whatever order the data has: the system prompt built from "
        "it is the same text in every request only if that order never changes"
    )
    assert found[0]["fix"]["description"] == "Add `sort_keys=True`"
    text = (tmp_path / "app.py").read_text(encoding="utf-8")
    assert fixed(text, found[0]).splitlines()[14] == (
        '    system = "Catalog: " + json.dumps(load_catalog(), sort_keys=True) + "\\nSettings: " '
        "+ json.dumps(SETTINGS)"
    )


def test_llm104_look_alikes_stay_silent() -> None:
    assert diagnostics("fixtures/LLM104/negative_stable_orders.py") == []
