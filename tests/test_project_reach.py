"""The cheap pass behind the byte prefilter (``promptlint.reach``): a file that imports no SDK but calls a
wrapper of the project, or subclasses a project class that builds a client, is linted; one that imports only
project modules without LLM code is not. Package folders a ``pyproject.toml`` maps are followed, configured
excludes are no source of facts, and the decision follows the wrapper module's edits in a cached run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from promptlint.cli import main

LLM = """from typing import Optional

from openai import OpenAI

client = OpenAI()


def ask(question: str, max_tokens: Optional[int] = None) -> str:
    response = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": question}],
        max_tokens=max_tokens,
    )
    return response.choices[0].message.content or ""
"""
TOOLS = """def ask(question: str, max_tokens: int = 0) -> str:
    return question[:max_tokens]
"""
CALLER = """from {module} import ask


def answer(question: str) -> str:
    return ask(question)
"""
BASE = """import openai


class Base:
    def __init__(self) -> None:
        self.client = openai.OpenAI()
"""
CHILD = """from .base import Base


class Child(Base):
    def reply(self, text: str) -> str:
        response = self.client.chat.completions.create(
            model="gpt-4o",
            messages=[{"role": "user", "content": text}],
        )
        return response.choices[0].message.content or ""
"""


def write(root: Path, files: dict) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def run(capsys, *args: str) -> list:
    main(["check", "--output-format", "json", "--select", "LLM201", *args])
    document = json.loads(capsys.readouterr().out)
    return [(d["path"], d["line"], d["column"]) for d in document["diagnostics"]]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write(
        tmp_path,
        {
            "pyproject.toml": "[tool.promptlint]\n",
            "app/__init__.py": "",
            "app/llm.py": LLM,
            "app/tools.py": TOOLS,
            "app/caller.py": CALLER.format(module=".llm"),
            "app/lookalike.py": CALLER.format(module=".tools"),
            "app/base.py": BASE,
            "app/child.py": CHILD,
        },
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


def test_a_caller_that_imports_only_a_project_wrapper_is_linted(project: Path, capsys) -> None:
    assert run(capsys, "--no-cache", "app/caller.py") == [("app/caller.py", 5, 12)]
    assert run(capsys, "--no-cache", ".") == [("app/caller.py", 5, 12), ("app/child.py", 6, 20)]
    assert run(capsys, "--no-cache", "--jobs", "2", ".") == [
        ("app/caller.py", 5, 12),
        ("app/child.py", 6, 20),
    ]


def test_a_caller_of_a_project_module_without_llm_code_stays_skipped(project: Path, capsys) -> None:
    assert run(capsys, "--no-cache", "app/lookalike.py") == []


def test_a_subclass_of_a_project_class_that_builds_the_client_is_linted(project: Path, capsys) -> None:
    assert run(capsys, "--no-cache", "app/child.py") == [("app/child.py", 6, 20)]


def test_editing_the_wrapper_module_invalidates_the_cached_decision(project: Path, capsys) -> None:
    assert run(capsys, "app/caller.py") == [("app/caller.py", 5, 12)]
    assert run(capsys, "app/caller.py") == [("app/caller.py", 5, 12)]  # served warm
    llm = project / "app" / "llm.py"
    llm.write_text(TOOLS, encoding="utf-8")  # no SDK any more: the caller cannot matter
    assert run(capsys, "app/caller.py") == []
    llm.write_text(LLM, encoding="utf-8")
    assert run(capsys, "app/caller.py") == [("app/caller.py", 5, 12)]
    llm.write_text(LLM.replace("max_tokens: Optional[int] = None", "max_tokens: int = 400"), encoding="utf-8")
    assert run(capsys, "app/caller.py") == []


def test_a_package_folder_mapped_by_setuptools_is_found(tmp_path: Path, monkeypatch, capsys) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": '[tool.promptlint]\n\n[tool.setuptools]\npackage-dir = {"Acme" = "."}\n',
            "__init__.py": "",
            "llm.py": LLM,
            "screens/__init__.py": "",
            "screens/caller.py": CALLER.format(module="Acme.llm"),
        },
    )
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "--no-cache", "screens/caller.py") == [("screens/caller.py", 5, 12)]
    (tmp_path / "pyproject.toml").write_text("[tool.promptlint]\n", encoding="utf-8")
    assert run(capsys, "--no-cache", "screens/caller.py") == []


def test_an_excluded_module_is_no_source_of_facts(tmp_path: Path, monkeypatch, capsys) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": '[tool.promptlint]\nextend-exclude = ["vendor"]\n',
            "vendor/__init__.py": "",
            "vendor/llm.py": LLM,
            "app/__init__.py": "",
            "app/caller.py": CALLER.format(module="vendor.llm"),
            "app/direct.py": "import openai\n\n" + CALLER.format(module="vendor.llm"),
        },
    )
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "--no-cache", "app") == []
    assert run(capsys, "--no-cache", "vendor/llm.py") == []  # named, so linted; its own caps are passed
    (tmp_path / "pyproject.toml").write_text("[tool.promptlint]\n", encoding="utf-8")
    assert run(capsys, "--no-cache", "app") == [("app/caller.py", 5, 12), ("app/direct.py", 7, 12)]


def test_the_outcome_is_the_same_in_a_whole_run_a_partial_run_and_a_warm_run(project: Path, capsys) -> None:
    """The whole-project run puts files aside and looks only near request-sending modules; a run on a
    folder (more files than a pre-commit call) reads the project once; both agree with a file-by-file run."""
    write(project, {f"app/screen_{n}.py": CALLER.format(module=".tools") for n in range(70)})
    expected = [("app/caller.py", 5, 12), ("app/child.py", 6, 20)]
    assert run(capsys, "--no-cache", ".") == expected
    assert run(capsys, "--no-cache", "app") == expected
    assert run(capsys, ".") == expected
    assert run(capsys, ".") == expected  # served warm
    assert run(capsys, "--jobs", "2", "--no-cache", "app") == expected


def test_a_module_importing_an_sdk_only_for_its_types_lets_no_importer_through(project: Path, capsys) -> None:
    write(
        project,
        {
            "app/types.py": "from openai import NOT_GIVEN\n\n\ndef ask(question, max_tokens=NOT_GIVEN):\n"
            "    return question\n",
            "app/typed.py": CALLER.format(module=".types"),
        },
    )
    assert run(capsys, "--no-cache", "app/typed.py") == []


def test_a_part_of_a_repository_its_llm_code_cannot_reach_is_not_read(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    """``web-site/`` cannot import ``bot-service/app/llm.py`` by a dotted name (a folder name with a dash is
    no package): in a run over the repository its files are never looked at again."""
    import promptlint.reach as reach

    write(
        tmp_path,
        {
            "pyproject.toml": "[tool.promptlint]\n",
            "bot-service/app/__init__.py": "",
            "bot-service/app/llm.py": LLM,
            "bot-service/app/caller.py": CALLER.format(module=".llm"),
            "web-site/shop/__init__.py": "",
            "web-site/shop/tools.py": TOOLS,
            "web-site/shop/views.py": CALLER.format(module=".tools"),
        },
    )
    monkeypatch.chdir(tmp_path)
    looked: list = []
    original = reach.Reach.through

    def spy(self, path, raw, excluded=None):
        looked.append(Path(path).relative_to(tmp_path.resolve()).as_posix())
        return original(self, path, raw, excluded)

    monkeypatch.setattr(reach.Reach, "through", spy)
    assert run(capsys, "--no-cache", "--jobs", "1", ".") == [("bot-service/app/caller.py", 5, 12)]
    assert looked == ["bot-service/app/caller.py"]
    looked.clear()
    assert run(capsys, "--no-cache", "--jobs", "1", "web-site/shop/views.py") == []
    assert looked == ["web-site/shop/views.py"]  # a pre-commit call: looked at, and skipped


def test_a_file_named_inside_an_excluded_folder_reads_its_neighbours_there(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": '[tool.promptlint]\nextend-exclude = ["generated"]\n',
            "generated/__init__.py": "",
            "generated/llm.py": LLM,
            "generated/caller.py": CALLER.format(module=".llm"),
        },
    )
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "--no-cache", "generated/caller.py") == [("generated/caller.py", 5, 12)]
    assert run(capsys, "--no-cache", ".") == []  # the folder is excluded from the walk
    assert run(capsys, "--no-cache", ".", "generated/caller.py") == [("generated/caller.py", 5, 12)]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_project_named_through_a_symlink_is_read_as_through_its_real_path(
    project: Path,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    capsys,
    jobs: str,
) -> None:
    # An editor or a script names files through a symlinked folder (`--config link/pyproject.toml link`).
    # The project root is resolved; the files used to be compared with it unresolved, so the census and the
    # package folder mapping missed them and the callers of the project's wrapper went unlinted.
    write(
        project,
        {
            "pyproject.toml": '[tool.promptlint]\n\n[tool.setuptools]\npackage-dir = {"Acme" = "app"}\n',
            "screens/__init__.py": "",
            "screens/caller.py": CALLER.format(module="Acme.llm"),
        },
    )
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (elsewhere / "link").symlink_to(project, target_is_directory=True)
    monkeypatch.chdir(elsewhere)
    expected = [("app/caller.py", 5, 12), ("app/child.py", 6, 20), ("screens/caller.py", 5, 12)]
    for named in ("link", str(elsewhere / "link")):
        found = run(capsys, "--no-cache", "--jobs", jobs, "--config", f"{named}/pyproject.toml", named)
        assert found == [(f"link/{path}", line, column) for path, line, column in expected]
