"""The stat index (``promptlint.stat_index``): a warm run of a project reads only the files that can matter,
and still reports exactly what a cold run reports after an edit of a module a caller reaches, a touch, a
rewrite that keeps size and modification time, a corrupt index, a deleted or a created file."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import List

import pytest

import promptlint.runner as runner
import promptlint.stat_index as stat_index
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
FOUND = [("app/caller.py", 5, 12), ("app/child.py", 6, 20)]
OLD = 1_600_000_000_000_000_000  # 2020-09-13, in nanoseconds


def write(root: Path, files: dict) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def run(capsys, *args: str) -> list:
    main(["check", "--output-format", "json", "--select", "LLM201", *args])
    document = json.loads(capsys.readouterr().out)
    return [(d["path"], d["line"], d["column"]) for d in document["diagnostics"]]


def age(root: Path) -> None:
    """Set every file and folder of the project back in time (only ``ctime`` stays recent)."""
    for path in [root, *root.rglob("*")]:
        if ".promptlint_cache" not in path.parts:
            os.utime(path, ns=(OLD, OLD))


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The reach fixture's package, and enough files that cannot matter for the index to be used."""
    files = {
        "pyproject.toml": "[tool.promptlint]\n",
        "app/__init__.py": "",
        "app/llm.py": LLM,
        "app/tools.py": TOOLS,
        "app/caller.py": CALLER.format(module=".llm"),
        "app/lookalike.py": CALLER.format(module=".tools"),
        "app/base.py": BASE,
        "app/child.py": CHILD,
    }
    for number in range(runner.INDEX_MIN_FILES):
        files[f"lib/plain_{number}.py"] = "import os\n\nHOME = os.getcwd()\n" if number % 2 else "X = 1\n"
    write(tmp_path, files)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    # A file is trusted by its ``stat`` only once older than this: the files here were written just now.
    monkeypatch.setattr(stat_index, "RACY_NS", 0)
    return tmp_path


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> List[str]:
    """The run's files read by the runner (the project pass reads modules on its own)."""
    seen: List[str] = []
    original = runner.read_raw

    def read_raw(path: Path, **kwargs) -> bytes:
        seen.append(Path(path).as_posix())
        return original(path, **kwargs)

    monkeypatch.setattr(runner, "read_raw", read_raw)
    return seen


def index_files(root: Path) -> List[Path]:
    return sorted((root / ".promptlint_cache").rglob("index-*.json"))


def test_a_warm_run_reads_only_the_files_that_can_matter(project: Path, capsys, reads: List[str]) -> None:
    assert run(capsys, ".") == FOUND
    assert len(set(reads)) == 7 + runner.INDEX_MIN_FILES  # every file
    reads.clear()
    assert run(capsys, ".") == FOUND
    assert sorted(reads) == ["app/base.py", "app/caller.py", "app/child.py", "app/llm.py"]
    assert len(index_files(project)) == 1


def test_warm_output_is_byte_identical_to_cold_whatever_the_jobs(project: Path, capsys) -> None:
    def output(*args: str) -> str:
        main(["check", "--output-format", "json", *args, "."])
        return capsys.readouterr().out

    cold = output("--no-cache")
    assert output("--jobs", "2") == cold
    assert output("--jobs", "2") == cold
    assert output("--jobs", "1") == cold


def test_editing_a_module_the_caller_reaches_changes_its_findings_on_a_warm_run(
    project: Path, capsys
) -> None:
    assert run(capsys, ".") == FOUND
    assert run(capsys, ".") == FOUND
    llm = project / "app" / "llm.py"
    llm.write_text(TOOLS, encoding="utf-8")  # no SDK any more: the caller cannot matter
    assert run(capsys, ".") == [("app/child.py", 6, 20)]
    assert run(capsys, ".") == [("app/child.py", 6, 20)]
    llm.write_text(LLM, encoding="utf-8")
    assert run(capsys, ".") == FOUND
    # Still an SDK module, now with an output cap: the caller's cached result depends on it.
    llm.write_text(LLM.replace("max_tokens: Optional[int] = None", "max_tokens: int = 400"), encoding="utf-8")
    assert run(capsys, ".") == [("app/child.py", 6, 20)]
    (project / "app" / "base.py").write_text("class Base:\n    client = None\n", encoding="utf-8")
    assert run(capsys, ".") == []


def test_old_files_are_trusted_by_their_stat_and_an_edit_is_still_seen(project: Path, capsys, reads) -> None:
    age(project)
    assert run(capsys, ".") == FOUND
    assert run(capsys, ".") == FOUND
    llm = project / "app" / "llm.py"
    llm.write_text(TOOLS, encoding="utf-8")
    os.utime(llm, ns=(OLD, OLD))  # an edit that keeps the old modification time: the size tells
    reads.clear()
    assert run(capsys, ".") == [("app/child.py", 6, 20)]
    assert "app/llm.py" in reads


def test_touching_a_file_without_changing_it_keeps_the_findings(project: Path, capsys) -> None:
    assert run(capsys, ".") == FOUND
    for name in ("app/llm.py", "app/caller.py", "lib/plain_1.py"):
        os.utime(project / name, ns=(OLD + 10**9, OLD + 10**9))
    assert run(capsys, ".") == FOUND
    assert run(capsys, ".") == FOUND


def test_a_same_size_rewrite_with_the_same_modification_time_is_seen(
    project: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file changed in the same tick of the clock as it was read keeps size and times; with a file system
    whose change time does not tell either, only the racy rule (a recent file is read again) sees it."""
    monkeypatch.setattr(stat_index, "RACY_NS", 2_000_000_000)
    original = stat_index.signature

    def without_ctime(path: str):
        sig = original(path)
        return None if sig is None else (sig[0], 0, sig[2], sig[3])

    monkeypatch.setattr(stat_index, "signature", without_ctime)
    monkeypatch.setattr(runner, "signature", without_ctime)
    caller = project / "app" / "caller.py"
    assert run(capsys, ".") == FOUND
    assert run(capsys, ".") == FOUND
    before = caller.stat()
    caller.write_text(CALLER.format(module=".xyz"), encoding="utf-8")  # as long as ".llm": nothing to reach
    os.utime(caller, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert caller.stat().st_size == before.st_size
    assert run(capsys, ".") == [("app/child.py", 6, 20)]


def test_a_corrupt_index_costs_one_clean_run(project: Path, capsys) -> None:
    assert run(capsys, ".") == FOUND
    (index,) = index_files(project)
    for garbage in ("{not json", '{"format": 1, "files": [], "snapshots": 3}', '{"format": 1}', "[]", ""):
        index.write_text(garbage, encoding="utf-8")
        assert run(capsys, ".") == FOUND
        assert json.loads(index.read_text(encoding="utf-8"))["format"] == 1
    document = json.loads(index.read_text(encoding="utf-8"))
    for entry in document["files"].values():
        entry[4] = 0  # every file said to import nothing, but with a signature that no longer matches
        entry[0] += 1
    index.write_text(json.dumps(document), encoding="utf-8")
    assert run(capsys, ".") == FOUND


def test_deleted_and_created_files(project: Path, capsys) -> None:
    assert run(capsys, ".") == FOUND
    assert run(capsys, ".") == FOUND
    (project / "lib" / "plain_3.py").unlink()
    (project / "app" / "child.py").unlink()
    assert run(capsys, ".") == [("app/caller.py", 5, 12)]
    (project / "app" / "llm.py").unlink()
    assert run(capsys, ".") == []
    # A module created where the caller looks for it: the caller is linted again.
    (project / "app" / "caller.py").write_text(CALLER.format(module=".helpers"), encoding="utf-8")
    assert run(capsys, ".") == []
    (project / "app" / "helpers.py").write_text(LLM, encoding="utf-8")
    assert run(capsys, ".") == [("app/caller.py", 5, 12)]


def test_no_cache_neither_reads_nor_writes_the_index(project: Path, capsys, reads: List[str]) -> None:
    assert run(capsys, ".") == FOUND
    (index,) = index_files(project)
    index.write_text('{"format": 1, "files": {}, "snapshots": {}}', encoding="utf-8")
    reads.clear()
    assert run(capsys, "--no-cache", ".") == FOUND
    assert len(set(reads)) == 7 + runner.INDEX_MIN_FILES
    assert index.read_text(encoding="utf-8") == '{"format": 1, "files": {}, "snapshots": {}}'
