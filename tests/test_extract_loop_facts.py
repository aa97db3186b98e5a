"""Moved from tests/test_rules_context_loops.py (batch file dissolved into one file per rule or concern)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import List, Optional

import libcst as cst
import pytest

from promptlint.cli import main
from promptlint.extract import extract_calls
from promptlint.ir import Dynamic, LLMCall

ROOT = Path(__file__).resolve().parent.parent


GROUP = "LLM302,LLM303,LLM501,LLM502"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


def lint(
    project: Path, source: str, capsys, select: str = GROUP, config: str = "", name: str = "app.py"
) -> List[dict]:
    path = project / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    if config:
        (project / "pyproject.toml").write_text(textwrap.dedent(config), encoding="utf-8")
    main(["check", "--no-cache", "--output-format", "json", "--select", select, name])
    document = json.loads(capsys.readouterr().out)
    assert document["errors"] == []
    return document["diagnostics"]


def found(diagnostics: List[dict]) -> List[tuple]:
    return [(d["code"], d["line"], d["column"], d["message"]) for d in diagnostics]


def savings(diagnostic: dict) -> Optional[tuple]:
    saving = diagnostic["savings"]
    if saving is None:
        return None
    return saving["model"], saving["tokens_per_call"], saving["usd_per_1k_calls"]


AGENT_HEADER = """\
import json
import itertools
from openai import OpenAI

client = OpenAI()

"""


def calls(source: str, name: str = "app.py", root: Optional[Path] = None) -> List[LLMCall]:
    root = root if root is not None else Path("/nonexistent-project")
    module = cst.parse_module(textwrap.dedent(source))
    found_calls, _resolver = extract_calls(module, root / name, root)
    return found_calls


def one(source: str, **kwargs) -> LLMCall:
    [call] = calls(source, **kwargs)
    return call


LOOP_HEADER = """\
from openai import OpenAI
client = OpenAI()
"""


def loop_of(body: str):
    return one(LOOP_HEADER + textwrap.dedent(body)).loops


def test_loop_facts_for_a_for_loop_over_data() -> None:
    [loop] = loop_of(
        """\
        def run(rows):
            for row in sorted(rows):
                r = client.chat.completions.create(model="m", messages=[row])
                print(r)
        """
    )
    assert (loop.kind, loop.iterable, loop.items, loop.over_collection, loop.capped) == (
        "for",
        "sorted(rows)",
        None,
        True,
        False,
    )
    assert not (loop.early_exit or loop.result_feeds_prompt or loop.reads_input or loop.yields)


@pytest.mark.parametrize(
    ("iterable", "items", "over_collection", "cap"),
    [
        ("range(12)", 12, False, "range(12)"),
        ("range(len(ROWS))", 3, True, ""),
        ("enumerate(ROWS)", 3, True, ""),
        ("zip(ROWS, ROWS)", 3, True, ""),
        ("TABLE.items()", 2, True, ""),
        ("itertools.islice(stream, 5)", None, True, "itertools.islice(stream, 5)"),
        ("tenacity.Retrying()", None, False, "tenacity.Retrying()"),
    ],
)
def test_loop_items_and_caps(iterable: str, items, over_collection: bool, cap: str) -> None:
    [loop] = loop_of(
        f"""\
        import itertools
        import tenacity
        ROWS = ["a", "b", "c"]
        TABLE = {{"x": 1, "y": 2}}
        def run(stream):
            for item in {iterable}:
                client.chat.completions.create(model="m", messages=[])
        """
    )
    assert (loop.items, loop.over_collection, loop.cap) == (items, over_collection, cap)


def test_loop_facts_for_the_underscore_target_and_retry_names() -> None:
    [repeat] = loop_of("for _ in rows:\n    client.chat.completions.create(model='m', messages=[])\n")
    [retry] = loop_of(
        "for attempt in attempts:\n    client.chat.completions.create(model='m', messages=[])\n"
    )
    assert not repeat.over_collection and not retry.over_collection


def test_loop_facts_follow_the_result_into_the_next_request() -> None:
    [loop] = loop_of(
        """\
        def run(chunks):
            summary = ""
            for chunk in chunks:
                r = client.chat.completions.create(model="m", messages=[{"role": "user", "content": summary + chunk}])
                text = r.choices[0].message.content
                summary = text.strip()
        """
    )
    assert loop.result_feeds_prompt


def test_loop_facts_of_nested_loops_innermost_first() -> None:
    inner, outer = loop_of(
        """\
        def run(batches):
            while True:
                for item in batches.get():
                    client.chat.completions.create(model="m", messages=[item])
        """
    )
    assert (inner.kind, outer.kind) == ("for", "while-true")
    assert not outer.exits_on_output  # no exit at all: a worker


def test_calls_in_a_for_loop_iterable_run_once() -> None:
    call = one(
        LOOP_HEADER
        + "for choice in client.chat.completions.create(model='m', messages=[]).choices:\n    print(choice)\n"
    )
    assert call.loops == ()


def test_caller_loops_of_a_helper_called_once_in_a_loop() -> None:
    call = one(
        LOOP_HEADER
        + textwrap.dedent(
            """\
            def label(row):
                return client.chat.completions.create(model="m", messages=[row])
            def main(rows):
                return {row["id"]: label(row) for row in rows}
            """
        )
    )
    assert call.loops == ()
    [loop] = call.caller_loops
    assert (loop.kind, loop.iterable, loop.via) == ("comprehension", "rows", "label(row)")


def test_recursion_facts_of_a_method_that_calls_itself() -> None:
    call = one(
        LOOP_HEADER
        + textwrap.dedent(
            """\
            class Agent:
                def ask(self, messages, depth=0):
                    reply = client.chat.completions.create(model="m", messages=messages)
                    if reply.choices[0].message.tool_calls:
                        return self.ask(messages, depth=depth + 1)
                    return reply
            """
        )
    )
    assert call.loops == () and call.caller_loops == ()
    loop = call.recursion
    assert loop is not None
    assert (loop.kind, loop.via, loop.capped, loop.cap, loop.exits_on_output) == (
        "recursion",
        "self.ask",
        True,
        "depth=depth + 1",
        False,
    )
    assert isinstance(loop.node, cst.Call) and loop.node.func.attr.value == "ask"


def test_no_recursion_fact_without_a_call_to_itself_after_the_request() -> None:
    # The wrapper's own request; the two it sends for ``ask_twice`` (prompts through the wrapper) follow.
    call, *_through = calls(
        LOOP_HEADER
        + textwrap.dedent(
            """\
            def ask(messages):
                return client.chat.completions.create(model="m", messages=messages)
            def ask_twice(messages):
                return [ask(messages), ask(messages)]
            """
        )
    )
    assert call.recursion is None


@pytest.mark.parametrize(
    ("source", "name", "expected"),
    [
        ("import argparse\n", "app.py", ("batch", "`argparse`")),
        ('if __name__ == "__main__":\n    pass\n', "app.py", ("batch", '`if __name__ == "__main__":`')),
        ("# %%\nx = 1\n# %%\n", "app.py", ("batch", "notebook cells (`# %%`)")),
        ("", "jobs/nightly.py", ("batch", "a module under `jobs/`")),
        ("", "app/management/commands/tag.py", ("batch", "a Django management command")),
        ("import gradio as gr\nimport argparse\n", "app.py", ("interactive", "`gradio`")),
        ("from fastapi import APIRouter\n", "scripts/app.py", ("interactive", "`fastapi.APIRouter`")),
        ("", "app.py", ("unknown", "")),
    ],
)
def test_where_a_call_runs(source: str, name: str, expected: tuple) -> None:
    root = Path("/nonexistent-project")
    call = one(
        source + LOOP_HEADER + "client.chat.completions.create(model='m', messages=[])\n",
        name=name,
        root=root,
    )
    assert (call.runs_in, call.runs_in_evidence) == expected


def test_route_decorators_make_a_call_interactive() -> None:
    call = one(
        LOOP_HEADER
        + textwrap.dedent(
            """\
            import argparse
            @router.post("/summaries")
            def summaries(rows):
                return [client.chat.completions.create(model="m", messages=[r]) for r in rows]
            """
        )
    )
    assert (call.runs_in, call.runs_in_evidence) == ("interactive", "`@router.post`")


def test_streaming_and_async_facts() -> None:
    streamed, maybe, plain = calls(
        LOOP_HEADER
        + textwrap.dedent(
            """\
            async def run(flag):
                client.chat.completions.create(model="m", messages=[], stream=True)
                client.chat.completions.create(model="m", messages=[], stream=flag)
                client.chat.completions.create(model="m", messages=[], stream=False)
            """
        )
    )
    assert (streamed.streams, maybe.streams, plain.streams) == (True, True, False)
    assert streamed.in_async_function


def _documents(call: LLMCall) -> List[tuple]:
    return [
        (segment.document, cst.Module([]).code_for_node(segment.document_node))
        for part in call.prompt
        for segment in part.text.segments
        if isinstance(segment, Dynamic) and segment.document
    ]


def test_documents_are_followed_through_names_and_templates() -> None:
    call = one(
        LOOP_HEADER
        + textwrap.dedent(
            """\
            import requests
            def digest(url, question):
                page = requests.get(url).text
                prompt = "Page:\\n{}\\n\\nQuestion: {}".format(page, question)
                return client.chat.completions.create(model="m", messages=[{"role": "user", "content": prompt}])
            """
        )
    )
    assert _documents(call) == [("web page", "requests.get(url).text")]


def test_documents_from_command_line_arguments() -> None:
    call = one(
        LOOP_HEADER
        + textwrap.dedent(
            """\
            import argparse, sys
            args = argparse.ArgumentParser().parse_args()
            NOTES = open(sys.argv[1]).read()
            def run():
                with open(args.input) as handle:
                    body = handle.read()
                return client.chat.completions.create(
                    model="m", messages=[{"role": "system", "content": NOTES}, {"role": "user", "content": body}]
                )
            """
        )
    )
    assert _documents(call) == [("file", "open(sys.argv[1]).read()"), ("file", "handle.read()")]


def test_a_loop_with_two_requests_is_reported_once(project: Path, capsys) -> None:
    """A self-refining loop: the critique ends it, and each draft feeds the next critique."""
    source = AGENT_HEADER + textwrap.dedent(
        """\
        def refine(messages):
            draft = ""
            while True:
                critique = client.chat.completions.create(
                    model="gpt-5.6-luna", messages=messages + [draft], max_completion_tokens=200
                )
                if "no issues" in critique.choices[0].message.content:
                    return draft
                draft = client.chat.completions.create(
                    model="gpt-5.6-luna", messages=messages + [critique], max_completion_tokens=200
                )
                messages.append(draft)
        """
    )
    assert [(d["code"], d["line"], d["column"]) for d in lint(project, source, capsys)] == [
        ("LLM502", 10, 20),
        ("LLM303", 11, 44),
    ]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "import requests\nfrom markdownify import markdownify\ndef f(url):\n"
            "    text = markdownify(requests.get(url).text)\n",
            [("web page", "markdownify(requests.get(url).text)")],
        ),
        (
            "from pypdf import PdfReader\ndef f(path):\n    reader = PdfReader(path)\n"
            "    text = '\\n'.join(page.extract_text() for page in reader.pages)\n",
            [("file", "'\\n'.join(page.extract_text() for page in reader.pages)")],
        ),
        (
            "import pandas as pd\ndef f(path):\n    frame = pd.read_csv(path)\n    text = frame.to_string()\n",
            [("data frame", "frame.to_string()")],
        ),
        (
            "import pandas as pd\ndef f(path):\n    frame = pd.read_csv(path)\n    text = frame.head(20).to_string()\n",
            [],
        ),
        (
            "def f(path):\n    with open(path) as handle:\n        lines = handle.readlines()\n"
            "    text = ''.join(lines)\n",
            [("file", "''.join(lines)")],
        ),
        (
            "import json\nfrom notes.models import Note\ndef f():\n"
            "    text = json.dumps(list(Note.objects.all().values('title')))\n",
            [("query results", "json.dumps(list(Note.objects.all().values('title')))")],
        ),
        (
            "import os\ndef f(folder):\n    text = '\\n'.join(os.listdir(folder))\n",
            [("collection", "'\\n'.join(os.listdir(folder))")],
        ),
        (
            "from pathlib import Path\ndef f(folder):\n    for path in Path(folder).glob('*.md'):\n"
            "        text = path.read_text()\n",
            [("file", "path.read_text()")],
        ),
        (
            "from pathlib import Path\ndef f():\n    for path in Path('prompts').glob('*.md'):\n"
            "        text = path.read_text()\n",
            [],
        ),
        ("import os\ndef f():\n    text = open(os.environ['NOTES_FILE']).read()\n", []),
    ],
)
def test_document_kinds(body: str, expected: list) -> None:
    indent = "        " if "for path" in body else "    "
    send = (
        indent + "client.chat.completions.create(model='m', messages=[{'role': 'user', 'content': text}])\n"
    )
    assert _documents(one(LOOP_HEADER + body + send)) == expected
