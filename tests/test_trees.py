"""A file is parsed with libcst once per process, whether it is linted or read as another file's project
module (``promptlint.trees``); the findings are exactly those of a run that parses each time."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List

import pytest

import promptlint.parsing
from promptlint import trees
from promptlint.cli import main

POLICY = "You are the support assistant of Acme. Follow the refund policy in every answer.\n" * 900

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
CALLER = """from .llm import ask


def answer(question: str) -> str:
    return ask(question)
"""
# A module that reaches itself: its package re-exports its constant, and it imports the constant from there.
MOD = f"""from openai import OpenAI

from pkg import SYSTEM as POLICY

SYSTEM = {POLICY!r}

client = OpenAI()


def reply(question: str) -> str:
    response = client.chat.completions.create(
        model="gpt-4o",
        max_tokens=300,
        messages=[{{"role": "system", "content": POLICY}}, {{"role": "user", "content": question}}],
    )
    return response.choices[0].message.content or ""
"""
# Sorted before pkg/mod.py: it reads the module as a project module before the module is linted.
FIRST = """from openai import OpenAI

from pkg.mod import SYSTEM

client = OpenAI()


def ask(question: str) -> str:
    response = client.chat.completions.create(
        model="gpt-4o",
        max_tokens=300,
        messages=[{"role": "system", "content": SYSTEM}, {"role": "user", "content": question}],
    )
    return response.choices[0].message.content or ""
"""
# Both requests send the one constant (by two names): one finding at the constant, with each request.
SELF_FINDINGS = [
    (
        "pkg/mod.py",
        5,
        10,
        "LLM301",
        [
            ("a.py", 12, 49, "sent by `client.chat.completions.create`"),
            ("pkg/mod.py", 14, 49, "sent by `client.chat.completions.create`"),
        ],
    ),
]
# A run on the module alone sees one request: the finding stays at it.
MODULE_FINDINGS = [("pkg/mod.py", 14, 49, "LLM301", [("pkg/mod.py", 5, 10, "prompt `POLICY` defined in")])]


def write(root: Path, files: dict) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def run(capsys, *args: str) -> list:
    main(["check", "--output-format", "json", "--no-cache", "--jobs", "1", "--select", "ALL", *args])
    document = json.loads(capsys.readouterr().out)
    return [
        (
            d["path"],
            d["line"],
            d["column"],
            d["code"],
            [(r["path"], r["line"], r["column"], r["message"]) for r in d.get("related", [])],
        )
        for d in document["diagnostics"]
    ]


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> List[int]:
    """The length of each text libcst parses from now on, with no tree kept from earlier tests."""
    trees.clear()
    seen: List[int] = []
    original = promptlint.parsing.parse_module

    def counted(text: str):
        seen.append(len(text))
        return original(text)

    monkeypatch.setattr(promptlint.parsing, "parse_module", counted)
    return seen


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    (tmp_path / "pyproject.toml").write_text("[tool.promptlint]\n", encoding="utf-8")
    return tmp_path


def test_a_wrapper_module_that_is_linted_is_parsed_once_for_its_callers(project, parses, capsys) -> None:
    write(project, {"app/__init__.py": "", "app/llm.py": LLM, "app/caller.py": CALLER})
    assert run(capsys, ".") == [
        ("app/caller.py", 5, 12, "LLM201", [("app/llm.py", 9, 16, "sent through `ask()`")]),
    ]
    # llm.py once, although linted and read for caller.py; the package's empty __init__.py is read too.
    assert sorted(parses) == sorted([len(LLM), len(CALLER), 0])


def test_a_module_read_before_it_is_linted_is_parsed_once(project, parses, capsys) -> None:
    write(project, {"a.py": FIRST, "pkg/__init__.py": "from .mod import SYSTEM\n", "pkg/mod.py": MOD})
    assert run(capsys, ".") == SELF_FINDINGS
    # a.py; pkg/__init__.py and pkg/mod.py read for a.py, the module then linted from the same tree; the
    # module, reaching itself through its package while it is linted, is read from a tree of its own.
    assert sorted(parses) == sorted([len(FIRST), 24, len(MOD), len(MOD)])


def test_a_module_that_reaches_itself_keeps_its_findings_with_kept_trees(project, parses, capsys) -> None:
    write(project, {"a.py": FIRST, "pkg/__init__.py": "from .mod import SYSTEM\n", "pkg/mod.py": MOD})
    assert run(capsys, "pkg/mod.py") == MODULE_FINDINGS
    assert run(capsys, "pkg/mod.py") == MODULE_FINDINGS  # its tree kept from the first run
    assert run(capsys, ".") == SELF_FINDINGS


def test_an_edited_file_is_parsed_again(project, parses, capsys) -> None:
    write(project, {"app/__init__.py": "", "app/llm.py": LLM, "app/caller.py": CALLER})
    assert run(capsys, ".") == [
        ("app/caller.py", 5, 12, "LLM201", [("app/llm.py", 9, 16, "sent through `ask()`")]),
    ]
    capped = LLM.replace("max_tokens: Optional[int] = None", "max_tokens: int = 400")
    (project / "app" / "llm.py").write_text(capped, encoding="utf-8")
    assert run(capsys, ".") == []
    # The second run parses only the edited module: caller.py and __init__.py are unchanged.
    assert parses == [len(LLM), len(CALLER), 0, len(capped)]


def test_the_least_recently_used_trees_go_first_past_the_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    trees.clear()
    monkeypatch.setattr(trees, "_MAX_CHARACTERS", 100)
    kept = {name: object() for name in "abcde"}
    for name in "abcd":
        trees.keep(f"/{name}.py", name * 25, kept[name])
    assert trees.recall("/a.py", "a" * 25) is kept["a"]  # used: now the most recent
    trees.keep("/e.py", "e" * 25, kept["e"])
    assert trees.recall("/b.py", "b" * 25) is None
    assert [trees.recall(f"/{n}.py", n * 25) is kept[n] for n in "acde"] == [True] * 4
    assert trees.recall("/a.py", "a" * 24) is None  # another text: never served
    trees.keep("/f.py", "f" * 26, object())  # more than a quarter of the bound alone: not kept
    assert trees.recall("/f.py", "f" * 26) is None
    assert trees.recall("/c.py", "c" * 25) is kept["c"]
    trees.clear()
