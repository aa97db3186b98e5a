"""A prompt finding whose text is written in another definition (an imported or class constant, a helper
that builds the prompt or the message list) says where, as a related place of that finding only."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.test_fixtures import run_cli

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
POLICY = "You are the support assistant of Acme. Follow the refund policy in every answer.\n" * 150

PROMPTS = f"""\
POLICY = {POLICY!r}


def build(name: str) -> str:
    return f"Customer: {{name}}\\n" + POLICY
"""

APP = """\
from openai import OpenAI

from prompts import build

client = OpenAI()


class Desk:
    def reply(self, name: str, question: str) -> str:
        response = client.chat.completions.create(
            model="gpt-4o",
            messages=[
                {"role": "system", "content": build(name)},
                {"role": "user", "content": question},
            ],
        )
        return response.choices[0].message.content or ""

"""


def _json(cwd: Path, *args: str) -> list:
    result = run_cli("check", "--output-format", "json", *args, cwd=cwd)
    return json.loads(result.stdout)["diagnostics"]


@pytest.fixture
def app(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.promptlint]\n")
    (tmp_path / "prompts.py").write_text(PROMPTS)
    (tmp_path / "app.py").write_text(APP)
    return tmp_path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURES / "project", tmp_path / "project")
    (tmp_path / "pyproject.toml").write_text("[tool.promptlint]\n")
    return tmp_path


def test_an_imported_constant_points_to_its_assignment(project: Path) -> None:
    (diagnostic,) = _json(project, "--select", "LLM301", "project/helpdesk/chat.py")
    assert (diagnostic["line"], diagnostic["column"]) == (87, 43)
    assert diagnostic["related"] == [
        {
            "path": "project/helpdesk/prompts.py",
            "line": 15,
            "column": 11,
            "message": "prompt `CATALOG` defined in",
        }
    ]


def test_an_imported_helper_points_to_its_def(project: Path) -> None:
    diagnostics = _json(project, "--select", "LLM101", "project/helpdesk/helper_chat.py")
    assert [(d["line"], d["column"], d["related"]) for d in diagnostics[:2]] == [
        (
            20,
            57,
            [
                {
                    "path": "project/helpdesk/prompts.py",
                    "line": 47,
                    "column": 5,
                    "message": "prompt built in `build_persona()`",
                }
            ],
        ),
        (
            32,
            56,
            [
                {
                    "path": "project/helpdesk/prompts.py",
                    "line": 56,
                    "column": 5,
                    "message": "prompt built in `build_tiered()`",
                }
            ],
        ),
    ]


def test_a_helper_of_the_same_module_points_to_its_def() -> None:
    diagnostics = _json(FIXTURES.parent, "--select", "LLM101", "fixtures/LLM101/system_prompt_helpers.py")
    path = "fixtures/LLM101/system_prompt_helpers.py"
    assert [(d["line"], d["column"], d["related"]) for d in diagnostics] == [
        (27, 56, [{"path": path, "line": 18, "column": 5, "message": "prompt built in `build_system()`"}]),
        (51, 55, [{"path": path, "line": 42, "column": 5, "message": "prompt built in `_system_for()`"}]),
        (75, 60, [{"path": path, "line": 59, "column": 9, "message": "prompt built in `_system()`"}]),
        (86, 61, [{"path": path, "line": 63, "column": 9, "message": "prompt built in `_opening()`"}]),
        (97, 60, [{"path": path, "line": 67, "column": 9, "message": "prompt built in `_shared()`"}]),
        (
            115,
            33,
            [{"path": path, "line": 104, "column": 5, "message": "messages built in `build_messages()`"}],
        ),
    ]


def test_only_the_finding_on_the_prompt_part_gets_the_origin(app: Path) -> None:
    """LLM201 on the same request is about the call, not the text: no origin."""
    diagnostics = _json(app, "--select", "LLM101,LLM201", "app.py")
    assert [(d["code"], d["line"], d["column"], d.get("related")) for d in diagnostics] == [
        ("LLM201", 10, 20, None),
        (
            "LLM101",
            13,
            53,
            [{"path": "prompts.py", "line": 4, "column": 5, "message": "prompt built in `build()`"}],
        ),
    ]


def test_text_shows_the_origin_on_a_via_line(app: Path) -> None:
    result = run_cli("check", "--quiet", "--select", "LLM101", "app.py", cwd=app)
    lines = result.stdout.splitlines()
    assert lines[0].startswith("app.py:13:53: LLM101 `name` varies per request")
    assert lines[4] == "   = via: prompt built in `build()` (prompts.py:4:5)"


def test_a_class_constant_points_to_its_value() -> None:
    path = "fixtures/LLM601/release_notes_writer.py"
    diagnostics = _json(FIXTURES.parent, "--select", "LLM601", path)
    assert [(d["line"], d["column"], d.get("related")) for d in diagnostics] == [
        (42, 20, [{"path": path, "line": 15, "column": 14, "message": "prompt `self.SYSTEM` defined in"}]),
        (67, 47, None),
    ]


def test_sarif_carries_the_origin_as_a_related_location(project: Path) -> None:
    result = run_cli(
        "check", "--output-format", "sarif", "--select", "LLM301", "project/helpdesk/chat.py", cwd=project
    )
    (finding,) = json.loads(result.stdout)["runs"][0]["results"]
    (place,) = finding["relatedLocations"]
    assert place["message"]["text"] == "prompt `CATALOG` defined in"
    assert place["physicalLocation"]["artifactLocation"]["uri"] == "project/helpdesk/prompts.py"
    assert place["physicalLocation"]["region"] == {"startLine": 15, "startColumn": 11}
