"""Expressions nested deeper than CPython compiles are refused at once, as that file's one-line error; every
kind of nesting counts, not only brackets, and what CPython compiles is still linted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from promptlint.cli import main
from promptlint.depth import MAX_EXPRESSION_DEPTH, expression_depth

HEADER = "from openai import OpenAI\nclient = OpenAI()\n"
CALL = 'r = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])\n'
REFUSED = "expressions nested more than 3000 deep: more than Python accepts"


def chain(operator: str, terms: int) -> str:
    return f" {operator} ".join(["a"] * terms)


DEEP = {
    "unary-minus": "x = " + "-" * 100_000 + "1\n",
    "binary-plus": "x = " + chain("+", 8_000) + "\n",
    "multiply": "x = " + chain("*", 3_500) + "\n",
    "bit-or": "x = " + chain("|", 3_500) + "\n",
    "power": "x = " + chain("**", 3_500) + "\n",
    "not": "x = " + "not " * 3_500 + "a\n",
    "invert": "x = " + "~" * 3_500 + "a\n",
    "await": "async def f():\n    return " + "-await " * 1_750 + "a\n",
    "lambda": "f = " + "lambda: " * 3_500 + "1\n",
    "conditional": "x = " + "a if b else " * 3_500 + "c\n",
    "attribute": "x = a" + ".b" * 3_500 + "\n",
    "call": "x = f" + "()" * 3_500 + "\n",
    "subscript": "x = a" + "[0]" * 3_500 + "\n",
    "chains-in-brackets": "x = " + "-(" * 150 + chain("+", 2_900) + ")" * 150 + "\n",
    "nested-groups": "x = " + "(" * 150 + ("a + " * 25 + "a) + ") * 149 + "a + " * 25 + "a)\n",
}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    (tmp_path / "app.py").write_text(HEADER + CALL)
    return tmp_path


def run_json(capsys, *args: str):
    code = main(["check", "--output-format", "json", "--no-cache", "--jobs", "1", *args])
    captured = capsys.readouterr()
    return code, json.loads(captured.out), captured.err


@pytest.mark.parametrize("body", DEEP.values(), ids=DEEP.keys())
def test_too_deep_for_cpython_is_refused(project: Path, capsys, body: str) -> None:
    (project / "deep.py").write_text(HEADER + body + CALL)
    code, document, err = run_json(capsys, ".")
    assert code == 1
    assert document["errors"] == [{"path": "deep.py", "reason": REFUSED}]
    assert err == f"promptlint: error: deep.py: {REFUSED}\n"
    assert [(d["path"], d["line"]) for d in document["diagnostics"]] == [("app.py", 3)]


SHALLOW = {
    "binary-plus": "x = " + chain("+", 1_000) + "\n",
    "unary-minus": "x = " + "-" * 2_000 + "1\n",
    "or": "x = " + chain("or", 5_000) + "\n",
    "and": "x = " + chain("and", 5_000) + "\n",
    "compare": "x = " + chain("<", 5_000) + "\n",
    "tuple": "x = " + ", ".join(["-a"] * 5_000) + "\n",
    "strings": "x = (" + " ".join(["'a'"] * 2_000) + ")\n",
    "alternating": "x = " + " or ".join(["-a + b"] * 4_000) + "\n",
    "dict": "x = {" + ", ".join(f"'k{i}': -{i} * 2" for i in range(4_000)) + "}\n",
}


@pytest.mark.parametrize("body", SHALLOW.values(), ids=SHALLOW.keys())
def test_what_cpython_compiles_is_linted(project: Path, capsys, body: str) -> None:
    (project / "shallow.py").write_text(HEADER + body + CALL)
    code, document, err = run_json(capsys, "shallow.py")
    assert (code, err, document["errors"]) == (1, "", [])
    line = 3 + body.count("\n")
    assert [(d["path"], d["code"], d["line"]) for d in document["diagnostics"]] == [
        ("shallow.py", "LLM201", line)
    ]


COMPILES = """
import sys
for path in sys.argv[1:]:
    try:
        compile(open(path).read(), path, "exec")
        print("compiles")
    except (SyntaxError, RecursionError, MemoryError):
        print("refused")
"""


def cpython_verdicts(directory: Path, bodies) -> list:
    """What a fresh interpreter (its default recursion limit, which scales the compiler's) says."""
    paths = []
    for index, body in enumerate(bodies):
        paths.append(directory / f"case{index}.py")
        paths[-1].write_text(body)
    result = subprocess.run(
        [sys.executable, "-c", COMPILES, *map(str, paths)], capture_output=True, text=True, check=True
    )
    return result.stdout.split()


def test_cpython_refuses_the_deep_ones_and_compiles_the_others(tmp_path: Path) -> None:
    assert cpython_verdicts(tmp_path, DEEP.values()) == ["refused"] * len(DEEP)
    assert cpython_verdicts(tmp_path, SHALLOW.values()) == ["compiles"] * len(SHALLOW)


def test_the_depth_is_a_lower_bound_of_what_cpython_builds() -> None:
    """The bound counts the operators a syntax tree nests; it never counts separators, flat chains or the
    words of statements."""
    cases = {
        "x = " + chain("+", 1_000) + "\n": 999,
        "x = " + "-" * 500 + "1\n": 500,
        "x = -a ** -b\n": 3,
        "x = a.b.c(d)[e]\n": 4,
        "x = f(" + chain("+", 10) + ")\n": 10,
        "x = (" + chain("+", 10) + ") + a\n": 10,
        "from a.b.c import d\nclass C(a.b):\n    def f(self, a=-1) -> x.y:\n        pass\n": 1,
        "x = [a for a in b if c if d]\n": 0,
        "x = a if b else c if d else e\n": 2,
        "x = a not in b or c is not d\n": 2,
        "s = '-' + '- - -' # - - - -\n": 1,
        "x = " + chain("or", 100) + "\n": 1,
    }
    assert {text[:40]: expression_depth(text) for text in cases} == {
        text[:40]: depth for text, depth in cases.items()
    }


def test_the_scan_stops_past_the_limit() -> None:
    assert expression_depth("x = " + "-" * 100_000 + "1\n") == MAX_EXPRESSION_DEPTH + 1
