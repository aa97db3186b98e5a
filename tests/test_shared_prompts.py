"""A prompt several requests send is reported once, at its definition, with how many requests send it
(issue 13, "How findings read"); a run that does not report on the definition's file keeps each request's
own finding."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest

from tests.test_fixtures import run_cli

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CATALOG_MESSAGE = "Static system prompt is 11,436 tokens, above the 8,000-token threshold"

SHARED_CATALOG = {
    "code": "LLM301",
    "name": "oversized-prompt",
    "severity": "warning",
    "path": "project/helpdesk/prompts.py",
    "line": 15,
    "column": 11,
    "end_line": 15,
    "end_column": 62,
    "message": CATALOG_MESSAGE + "; prompt `CATALOG` is sent by 2 requests",
    "fix": None,
    # One call of each request, each priced with its own model: 3,436 cached tokens on gpt-4.1 ($0.50/M
    # cache read) and on gpt-4o-mini ($0.075/M).
    "savings": {
        "model": None,
        "tokens_per_call": 6872,
        "usd_per_call": 0.001976,
        "usd_per_1k_calls": 1.9757,
        "usd_per_month": None,
        "assumptions": [
            "sent by 2 requests: the saving of one call of each, added up",
            "project/helpdesk/chat.py:87: 3,436 tokens/call, $1.72 per 1k calls (`gpt-4.1`)",
            "project/helpdesk/support_desk.py:20: 3,436 tokens/call, $0.26 per 1k calls (`gpt-4o-mini`)",
            "3,436 tokens removed; they sit in a cached prefix (cache-read price)",
            "prices: `gpt-4.1` from the model table of 2026-11-28",
            "prices: `gpt-4o-mini` from the model table of 2026-11-28",
        ],
        "kind": "expected",
        "unpriced_reason": None,
    },
    "confidence": "high",
    "related": [
        {
            "path": "project/helpdesk/chat.py",
            "line": 87,
            "column": 43,
            "message": "sent by `client.chat.completions.create`",
        },
        {
            "path": "project/helpdesk/support_desk.py",
            "line": 20,
            "column": 29,
            "message": "sent by `support_llm.chat()`",
        },
    ],
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURES / "project", tmp_path / "project")
    (tmp_path / "pyproject.toml").write_text("[tool.promptlint]\n")
    return tmp_path


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """The CLI in a subprocess with a result cache in ``cwd`` (``run_cli`` never uses one)."""
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "120"}
    return subprocess.run(
        [sys.executable, "-m", "promptlint", *args],
        cwd=str(cwd),
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
    )


def _json(cwd: Path, *args: str) -> List[dict]:
    result = run_cli("check", "--output-format", "json", *args, cwd=cwd)
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)["diagnostics"]


def _places(diagnostics: List[dict]) -> list:
    return [(d["path"], d["line"], d["column"], d["code"], d["message"]) for d in diagnostics]


# -- across modules ----------------------------------------------------------------------------------------


def test_a_prompt_two_modules_send_is_reported_once_at_its_definition(project: Path) -> None:
    """chat.py sends CATALOG itself, support_desk.py through the wrapper support_llm.chat()."""
    assert _json(project, "--select", "LLM301", "project") == [SHARED_CATALOG]


def test_the_shared_finding_in_text_and_sarif(project: Path) -> None:
    text = run_cli("check", "--select", "LLM301", "project/helpdesk", cwd=project).stdout
    assert text.split("\n\n")[0].splitlines()[:6] == [
        "project/helpdesk/prompts.py:15:11: LLM301 "
        + CATALOG_MESSAGE
        + "; prompt `CATALOG` is sent by 2 requests",
        "   |",
        '15 | CATALOG = (_TEXTS / "catalog.md").read_text(encoding="utf-8")  # expect: LLM301:11',
        "   |           " + "^" * 51,
        "   = via: sent by `client.chat.completions.create` (project/helpdesk/chat.py:87:43)",
        "   = via: sent by `support_llm.chat()` (project/helpdesk/support_desk.py:20:29)",
    ]
    sarif = json.loads(
        run_cli("check", "--output-format", "sarif", "--select", "LLM301", "project", cwd=project).stdout
    )
    (result,) = sarif["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "project/helpdesk/prompts.py"},
        "region": {"startLine": 15, "startColumn": 11, "endLine": 15, "endColumn": 62},
    }
    assert result["relatedLocations"] == [
        {
            "id": 0,
            "physicalLocation": {
                "artifactLocation": {"uri": "project/helpdesk/chat.py"},
                "region": {"startLine": 87, "startColumn": 43},
            },
            "message": {"text": "sent by `client.chat.completions.create`"},
        },
        {
            "id": 1,
            "physicalLocation": {
                "artifactLocation": {"uri": "project/helpdesk/support_desk.py"},
                "region": {"startLine": 20, "startColumn": 29},
            },
            "message": {"text": "sent by `support_llm.chat()`"},
        },
    ]


def test_a_run_on_the_requests_files_only_keeps_each_requests_finding(project: Path) -> None:
    """What pre-commit does when prompts.py has not changed: findings are reported only for the files asked
    about, so each request keeps its own, pointing to the definition."""
    found = _json(
        project, "--select", "LLM301", "project/helpdesk/chat.py", "project/helpdesk/support_desk.py"
    )
    assert [(d["path"], d["line"], d["column"], d["message"]) for d in found] == [
        ("project/helpdesk/chat.py", 87, 43, CATALOG_MESSAGE),
        ("project/helpdesk/support_desk.py", 20, 29, CATALOG_MESSAGE),
    ]
    definition = {"path": "project/helpdesk/prompts.py", "line": 15, "column": 11}
    assert found[0]["related"] == [{**definition, "message": "prompt `CATALOG` defined in"}]
    assert found[1]["related"] == [
        {
            "path": "project/helpdesk/support_llm.py",
            "line": 10,
            "column": 16,
            "message": "sent through `chat()`",
        },
        {**definition, "message": "prompt `CATALOG` defined in"},
    ]
    # With the definition's file among the files asked about, the two become one.
    named = _json(
        project,
        "--select",
        "LLM301",
        "project/helpdesk/chat.py",
        "project/helpdesk/support_desk.py",
        "project/helpdesk/prompts.py",
    )
    assert named == [SHARED_CATALOG]


def test_per_file_ignores_at_the_definition_keep_each_requests_finding(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.promptlint]\n[tool.promptlint.per-file-ignores]\n"project/helpdesk/prompts.py" = ["LLM301"]\n'
    )
    found = _json(project, "--select", "LLM301", "project")
    assert [(d["path"], d["line"], d["message"]) for d in found] == [
        ("project/helpdesk/chat.py", 87, CATALOG_MESSAGE),
        ("project/helpdesk/support_desk.py", 20, CATALOG_MESSAGE),
    ]


def test_output_is_the_same_with_one_or_two_jobs_cold_or_warm(project: Path) -> None:
    args = ("check", "--output-format", "json", "--select", "ALL", "project")
    outputs = [
        _run(project, *args, "--jobs", "2").stdout,  # cold, fills the cache
        _run(project, *args, "--jobs", "1").stdout,  # warm
        _run(project, *args, "--jobs", "2").stdout,  # warm
        _run(project, *args, "--jobs", "1", "--no-cache").stdout,
        _run(project, *args, "--jobs", "2", "--no-cache").stdout,
    ]
    assert (project / ".promptlint_cache").is_dir()
    assert all(output == outputs[0] for output in outputs[1:])
    assert SHARED_CATALOG["message"] in outputs[0]


def test_a_warm_run_sees_a_changed_definition(project: Path) -> None:
    args = ("check", "--output-format", "json", "--select", "LLM301", "project")
    assert json.loads(_run(project, *args).stdout)["diagnostics"] == [SHARED_CATALOG]
    prompts = project / "project" / "helpdesk" / "prompts.py"
    source = prompts.read_text(encoding="utf-8")
    prompts.write_text(source.replace("# expect: LLM301:11", "# noqa: LLM301"), encoding="utf-8")
    assert json.loads(_run(project, *args).stdout)["diagnostics"] == []


def test_a_baseline_of_the_whole_run_accounts_for_a_one_file_run(project: Path) -> None:
    """The baseline holds the finding at the definition; a pre-commit run on one request's file reports that
    request's finding, which the definition's entry accounts for."""
    written = run_cli(
        "check", "--select", "LLM301", "--write-baseline", "baseline.json", "project", cwd=project
    )
    assert written.returncode == 0, written.stderr
    entries = json.loads((project / "baseline.json").read_text())["findings"]
    assert [(e["path"], e["code"]) for e in entries] == [("project/helpdesk/prompts.py", "LLM301")]
    assert (
        _json(project, "--select", "LLM301", "--baseline", "baseline.json", "project/helpdesk/chat.py") == []
    )
    # Another text at the same definition is not accounted for.
    catalog = project / "project" / "helpdesk" / "texts" / "catalog.md"
    catalog.write_text(catalog.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    prompts = project / "project" / "helpdesk" / "prompts.py"
    prompts.write_text(
        prompts.read_text(encoding="utf-8").replace(
            'read_text(encoding="utf-8")  # expect', "read_text()  # expect"
        ),
        encoding="utf-8",
    )
    found = _json(project, "--select", "LLM301", "--baseline", "baseline.json", "project/helpdesk/chat.py")
    assert [(d["line"], d["column"]) for d in found] == [(87, 43)]


# -- suppressions ------------------------------------------------------------------------------------------


def test_a_suppression_at_the_definition_holds_for_every_request(project: Path) -> None:
    prompts = project / "project" / "helpdesk" / "prompts.py"
    source = prompts.read_text(encoding="utf-8")
    prompts.write_text(source.replace("# expect: LLM301:11", "# noqa: LLM301"), encoding="utf-8")
    assert _json(project, "--select", "LLM301", "project") == []
    # A run on one request's file: the text is accepted where it is written, so not reported there either.
    assert _json(project, "--select", "LLM301", "project/helpdesk/chat.py") == []


def test_a_suppression_at_a_request_holds_for_that_request(project: Path) -> None:
    chat = project / "project" / "helpdesk" / "chat.py"
    source = chat.read_text(encoding="utf-8")
    marker = "# ok: reported once at prompts.CATALOG (sent by 2 requests)"
    assert marker in source
    chat.write_text(source.replace(marker, "# noqa: LLM301"), encoding="utf-8")
    assert _json(project, "--select", "LLM301", "project/helpdesk/chat.py") == []
    # The whole run: the other request alone sends the catalog unsuppressed, and keeps its own finding.
    assert _places(_json(project, "--select", "LLM301", "project")) == [
        ("project/helpdesk/support_desk.py", 20, 29, "LLM301", CATALOG_MESSAGE)
    ]


# -- in one module -----------------------------------------------------------------------------------------

SUPPORT = '''\
from openai import OpenAI

client = OpenAI()

SYSTEM = """
    You write replies for the Larkspur Outdoor support team.

    - Greet the customer by name.
    - Answer the question in at most three sentences.
    - Offer one link to the help centre when it helps.
    - Never promise a refund; say that the team will look into it.
    - Sign as "The Larkspur team".


    Tone:
    - Friendly and plain; no jargon.
    - No exclamation marks, no emoji.
"""{suppressed}

NOTE = """
    You summarise a support ticket for the next agent in two sentences.
    Keep order numbers and product names exactly as written.
    Leave out greetings and signatures.
    Mention any promise the team has made, with its date.
    Mention the customer's preferred channel when the ticket names one.
    Write in English whatever the ticket's language.
    Use plain sentences, no lists.
    Keep it under sixty words.
    Name the agent who last answered, when there was one.
    Leave out anything the customer has already been told.
    End with the next step the team has to take.
"""
NOTE_AGAIN = NOTE.replace("two sentences", "two sentences")


def reply(ticket: str) -> str:
    response = client.chat.completions.create(
        model="gpt-4.1-mini",
        max_completion_tokens=300,
        messages=[{{"role": "system", "content": SYSTEM}}, {{"role": "user", "content": ticket}}],
    )
    return response.choices[0].message.content or ""


def follow_up(ticket: str) -> str:
    response = client.chat.completions.create(
        model="gpt-4.1-mini",
        max_completion_tokens=300,
        messages=[{{"role": "system", "content": SYSTEM}}, {{"role": "user", "content": ticket}}],
    )
    return response.choices[0].message.content or ""


def summarise(ticket: str) -> str:
    response = client.chat.completions.create(
        model="gpt-4.1-mini",
        max_completion_tokens=120,
        messages=[{{"role": "system", "content": NOTE}}, {{"role": "user", "content": ticket}}],
    )
    return response.choices[0].message.content or ""
'''

FIXED_SYSTEM = '''\
SYSTEM = """
You write replies for the Larkspur Outdoor support team.

- Greet the customer by name.
- Answer the question in at most three sentences.
- Offer one link to the help centre when it helps.
- Never promise a refund; say that the team will look into it.
- Sign as "The Larkspur team".

Tone:
- Friendly and plain; no jargon.
- No exclamation marks, no emoji.
"""
'''


@pytest.fixture
def support(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.promptlint]\n")
    (tmp_path / "support.py").write_text(SUPPORT.format(suppressed=""), encoding="utf-8")
    return tmp_path


def test_a_module_constant_two_requests_send_is_reported_once_with_one_fix(support: Path) -> None:
    found = _json(support, "--select", "LLM601", "support.py")
    assert _places(found) == [
        (
            "support.py",
            5,
            10,
            "LLM601",
            "Prompt text `You write replies for the Larkspur Outd…` (system prompt) spends 10 tokens on "
            "whitespace: 9 lines indented by 4 spaces, 1 extra blank line; prompt `SYSTEM` is sent by 2 requests",
        ),
        (
            "support.py",
            58,
            49,
            "LLM601",
            "Prompt text `You summarise a support ticket for the …` (system prompt) spends 11 tokens on "
            "whitespace: 11 lines indented by 4 spaces",
        ),
    ]
    shared = found[0]
    assert (shared["end_line"], shared["end_column"]) == (18, 4)
    assert shared["related"] == [
        {
            "path": "support.py",
            "line": 40,
            "column": 49,
            "message": "sent by `client.chat.completions.create`",
        },
        {
            "path": "support.py",
            "line": 49,
            "column": 49,
            "message": "sent by `client.chat.completions.create`",
        },
    ]
    # Each request's fix rewrites the same string in this file: offered once, at the constant.
    assert shared["fix"]["description"] == "Rewrite the string without the layout whitespace"
    assert [(e["line"], e["column"], e["end_line"], e["end_column"]) for e in shared["fix"]["edits"]] == [
        (6, 1, 17, 5)
    ]
    # A prompt sent by one request is reported at that request, as before; NOTE_AGAIN is not sent.
    assert "related" not in found[1]
    # 10 tokens at gpt-4.1-mini's input price ($0.40/M) for each request.
    assert shared["savings"] == {
        "model": "gpt-4.1-mini",
        "tokens_per_call": 20,
        "usd_per_call": 0.000008,
        "usd_per_1k_calls": 0.008,
        "usd_per_month": None,
        "assumptions": [
            "sent by 2 requests: the saving of one call of each, added up",
            "support.py:40: 10 tokens/call, $0.0040 per 1k calls (`gpt-4.1-mini`)",
            "support.py:49: 10 tokens/call, $0.0040 per 1k calls (`gpt-4.1-mini`)",
            "10 whitespace tokens removed, billed at the input price",
            "prices: `gpt-4.1-mini` from the model table of 2026-11-28",
        ],
        "kind": "expected",
        "unpriced_reason": None,
    }


def test_the_fix_of_a_shared_constant_is_applied_once(support: Path) -> None:
    result = run_cli("check", "--select", "LLM601", "--fix", "--unsafe-fixes", "support.py", cwd=support)
    assert result.returncode == 0, result.stdout + result.stderr
    fixed = (support / "support.py").read_text(encoding="utf-8")
    assert (
        fixed.split("\n\nNOTE = ")[0] + "\n"
        == "from openai import OpenAI\n\nclient = OpenAI()\n\n" + FIXED_SYSTEM
    )
    assert result.stdout.startswith("Fixed 2 issues.")


def test_a_suppression_on_the_last_line_of_a_multi_line_definition(support: Path) -> None:
    """A triple-quoted string holds no comment on its first line: as in ruff, one on its last line counts."""
    (support / "support.py").write_text(SUPPORT.format(suppressed="  # noqa: LLM601"), encoding="utf-8")
    assert [d["line"] for d in _json(support, "--select", "LLM601", "support.py")] == [58]


def test_equal_text_in_two_constants_is_two_prompts(tmp_path: Path) -> None:
    """Two definitions with the same text are two origins: each is sent by one request, reported there."""
    (tmp_path / "pyproject.toml").write_text("[tool.promptlint]\n")
    body = "".join(f"    - Rule {n}: answer questions about product line {n} briefly.\n" for n in range(12))
    request = (
        "def {name}(q):\n"
        "    return client.chat.completions.create(\n"
        '        model="gpt-4.1-mini", max_completion_tokens=5,\n'
        '        messages=[{{"role": "system", "content": {constant}}}, {{"role": "user", "content": q}}],\n'
        "    )\n"
    )
    source = (
        "from openai import OpenAI\n\nclient = OpenAI()\n\n"
        f'FIRST = """\n{body}"""\nSECOND = """\n{body}"""\n\n\n'
        + request.format(name="one", constant="FIRST")
        + "\n\n"
        + request.format(name="two", constant="SECOND")
    )
    (tmp_path / "app.py").write_text(source, encoding="utf-8")
    found = _json(tmp_path, "--select", "LLM601", "app.py")
    assert [(d["line"], d["column"], d["message"].endswith("requests")) for d in found] == [
        (38, 49, False),
        (45, 49, False),
    ]
