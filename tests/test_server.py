"""``promptlint server`` driven as an editor drives it: a subprocess spoken to in JSON-RPC over its stdin and
stdout (initialize, didOpen, didChange, didSave, codeAction, hover, executeCommand and the server's
workspace/applyEdit, shutdown), asserting the exact diagnostics and the exact edited text."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("pygls")

from lsp_client import Client  # noqa: E402

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
LINK = "https://pypi.org/project/promptlint-cost/#"

APP = """\
from openai import OpenAI

client = OpenAI()


def ask(question):
    r = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": question}])
    return r.choices[0].message.content


def think(question):
    content = "😀 " + question
    return client.chat.completions.create(messages=[{"role": "user", "content": "😀"}], model="gpt-5-mini", max_tokens=500)
"""

LLM201_MESSAGE = (
    "`client.chat.completions.create` sets no output limit: output is bounded only by the model maximum"
    " (16,384 tokens for `gpt-4o`) (saving: up to $153.60 per 1k calls, worst case)"
)
LLM204_MESSAGE = (
    "`max_tokens` is not supported by the reasoning model `gpt-5-mini` on Chat Completions: the request is"
    " rejected"
)


def span(line: int, start: int, end: int) -> dict:
    return {"start": {"line": line, "character": start}, "end": {"line": line, "character": end}}


def llm201(line: int = 6) -> dict:
    return {
        "range": span(line, 8, 104),
        "message": LLM201_MESSAGE,
        "severity": 2,
        "code": "LLM201",
        "codeDescription": {"href": LINK + "llm201-missing-output-limit"},
        "source": "promptlint",
    }


def llm204(line: int = 12) -> dict:
    # Column 108 in code points; the 😀 before it is two UTF-16 code units.
    return {
        "range": span(line, 108, 118),
        "message": LLM204_MESSAGE,
        "severity": 2,
        "code": "LLM204",
        "codeDescription": {"href": LINK + "llm204-legacy-limit-param"},
        "source": "promptlint",
    }


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.promptlint]\n")
    (tmp_path / "app.py").write_text(APP)
    return tmp_path


@pytest.fixture
def client(project: Path):
    client = Client(project)
    client.initialize(project)
    yield client
    assert client.close() == 0


def titles(actions: list) -> list:
    return [action["title"] for action in actions]


def apply(client: Client, action: dict) -> None:
    client.apply_workspace_edit(action["edit"])


def test_open_reports_each_finding_with_its_link_saving_and_utf16_range(
    client: Client, project: Path
) -> None:
    uri = client.open(project / "app.py", APP)
    assert client.diagnostics(uri, 1) == [llm201(), llm204()]


def test_columns_are_counted_in_the_encoding_the_client_chose(project: Path) -> None:
    client = Client(project)
    try:
        capabilities = {"general": {"positionEncodings": ["utf-8", "utf-16"]}}
        assert client.initialize(project, capabilities)["capabilities"]["positionEncoding"] == "utf-8"
        uri = client.open(project / "app.py", APP)
        # In UTF-8 the 😀 before `max_tokens` is four code units, not two.
        assert client.diagnostics(uri, 1) == [llm201(), dict(llm204(), range=span(12, 110, 120))]
    finally:
        assert client.close() == 0


def test_change_lints_the_unsaved_buffer_and_a_broken_one_keeps_the_last_good_findings(
    client: Client, project: Path
) -> None:
    uri = client.open(project / "app.py", APP)
    client.diagnostics(uri, 1)
    shifted = "# a comment\n" + APP
    assert client.change(uri, shifted) == 2
    assert client.diagnostics(uri, 2) == [llm201(7), llm204(13)]

    broken = shifted.replace("def think(question):", "def think(question:")
    client.change(uri, broken)
    failure = {
        "range": span(0, 0, 0),
        "message": "promptlint could not check this version: syntax error at 14:1: invalid syntax",
        "severity": 2,
        "source": "promptlint",
    }
    assert client.diagnostics(uri, 3) == [llm201(7), llm204(13), failure]
    client.change(uri, broken.replace("# a comment", "# still broken"))
    assert client.diagnostics(uri, 4) == [llm201(7), llm204(13), failure]
    client.save(uri)  # the file on disk is not what is linted: the buffer is
    assert client.diagnostics(uri, 4) == [llm201(7), llm204(13), failure]
    assert client.log_messages() == [f"promptlint: {uri}: syntax error at 14:1: invalid syntax"]

    client.change(uri, APP)
    assert client.diagnostics(uri, 5) == [llm201(), llm204()]


def test_quick_fix_and_noqa_edit_the_version_they_were_asked_for(client: Client, project: Path) -> None:
    uri = client.open(project / "app.py", APP)
    client.diagnostics(uri, 1)
    on_line_13 = client.code_actions(uri, (12, 0), (12, 140))
    assert titles(on_line_13) == [
        "LLM204: Rename to `max_completion_tokens`",
        "Disable LLM204 for this line",
        "Fix all promptlint issues",
    ]
    assert on_line_13[0]["isPreferred"] is True
    assert on_line_13[0]["diagnostics"] == [llm204()]
    assert on_line_13[0]["edit"]["documentChanges"] == [
        {
            "textDocument": {"uri": uri, "version": 1},
            "edits": [{"range": span(12, 112, 112), "newText": "completion_"}],
        }
    ]
    apply(client, on_line_13[0])
    fixed = APP.replace("max_tokens=500", "max_completion_tokens=500")
    assert client.documents[uri]["text"] == fixed
    client.change(uri, fixed)
    assert client.diagnostics(uri, 2) == [llm201()]

    disable = client.code_actions(uri, (6, 10), (6, 10))
    assert titles(disable) == ["Disable LLM201 for this line"]  # its fix is unsafe, and not enabled
    with pytest.raises(AssertionError, match="edit for version 2"):
        client.change(uri, fixed + "\n")
        apply(client, disable[0])  # the editor refuses an edit of a version it no longer has
    disable = client.code_actions(uri, (6, 10), (6, 10))
    apply(client, disable[0])
    line = '    r = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": question}])'
    assert client.documents[uri]["text"] == fixed.replace(line, line + "  # noqa: LLM201") + "\n"
    client.change(uri, client.documents[uri]["text"])
    assert client.diagnostics(uri, 4) == []


def test_an_existing_noqa_gets_the_code_added(client: Client, project: Path) -> None:
    text = APP.replace("max_tokens=500)", "max_tokens=500)  # noqa: E501")
    uri = client.open(project / "app.py", text)
    client.diagnostics(uri, 1)
    # As Neovim asks: the cursor at the start of the line, the line's diagnostics in the context.
    actions = client.code_actions(uri, (12, 0), (12, 0), diagnostics=[llm204()])
    assert titles(actions) == [
        "LLM204: Rename to `max_completion_tokens`",
        "Disable LLM204 for this line",
        "Fix all promptlint issues",
    ]
    disable = actions[1]
    apply(client, disable)
    assert client.documents[uri]["text"] == APP.replace(
        "max_tokens=500)", "max_tokens=500)  # noqa: E501, LLM204"
    )


def test_a_suppression_naming_no_rule_is_flagged_where_it_is_written(client: Client, project: Path) -> None:
    text = APP.replace("max_tokens=500)", "max_tokens=500)  # noqa: LLM999")
    uri = client.open(project / "app.py", text)
    assert client.diagnostics(uri, 1) == [
        llm201(),
        llm204(),
        {
            "range": span(12, 133, 139),
            "message": "unknown rule `LLM999` in a suppression comment; it suppresses nothing",
            "severity": 2,
            "source": "promptlint",
        },
    ]


def test_fix_all_as_a_source_action_and_as_a_command(client: Client, project: Path) -> None:
    uri = client.open(project / "app.py", APP)
    client.diagnostics(uri, 1)
    [fix_all] = client.code_actions(uri, (0, 0), (0, 0), only=["source.fixAll"])
    assert fix_all["title"] == "Fix all promptlint issues"
    assert fix_all["kind"] == "source.fixAll.promptlint"
    apply(client, fix_all)
    fixed = APP.replace("max_tokens=500", "max_completion_tokens=500")
    assert client.documents[uri]["text"] == fixed

    client.change(uri, APP)
    stale = client.request(
        "workspace/executeCommand",
        {"command": "promptlint.applyAutofix", "arguments": [{"uri": uri, "version": 1}]},
    )
    assert stale == {"applied": False, "reason": "stale version 1; the document is at 2"}
    assert client.applied == []
    done = client.request(
        "workspace/executeCommand",
        {"command": "promptlint.applyAutofix", "arguments": [{"uri": uri, "version": 2}]},
    )
    assert done == {"applied": True}
    assert [params["label"] for params in client.applied] == ["promptlint: fix all"]
    assert client.documents[uri]["text"] == fixed


def test_unsafe_fixes_follow_the_configuration_which_reloads_without_a_restart(
    client: Client, project: Path
) -> None:
    uri = client.open(project / "app.py", APP)
    client.diagnostics(uri, 1)
    before = ["Disable LLM201 for this line", "Fix all promptlint issues"]  # fix-all: LLM204's safe fix
    assert titles(client.code_actions(uri, (6, 10), (6, 10))) == before
    assert [r["method"] for r in client.registrations] == ["workspace/didChangeWatchedFiles"]
    assert client.registrations[0]["registerOptions"] == {"watchers": [{"globPattern": "**/pyproject.toml"}]}

    (project / "pyproject.toml").write_text("[tool.promptlint]\nunsafe-fixes = true\n")
    client.notify(
        "workspace/didChangeWatchedFiles",
        {"changes": [{"uri": (project / "pyproject.toml").as_uri(), "type": 2}]},
    )
    assert client.diagnostics(uri, 1) == [llm201(), llm204()]  # linted again: the settings changed
    actions = client.code_actions(uri, (6, 10), (6, 10))
    assert titles(actions) == [
        "LLM201: Add `max_completion_tokens=1024` (unsafe fix)",
        "Disable LLM201 for this line",
        "Fix all promptlint issues",
    ]
    assert "isPreferred" not in actions[0] or actions[0]["isPreferred"] is False
    apply(client, actions[0])
    assert client.documents[uri]["text"] == APP.replace(
        "question}])\n", "question}], max_completion_tokens=1024)\n"
    )
    [fix_all] = client.code_actions(uri, (0, 0), (0, 0), only=["source.fixAll.promptlint"])
    client.documents[uri]["text"] = APP
    apply(client, fix_all)  # fix-all was computed for version 1, which the client still holds
    assert client.documents[uri]["text"] == APP.replace(
        "question}])\n", "question}], max_completion_tokens=1024)\n"
    ).replace("max_tokens=500", "max_completion_tokens=500")


def test_hover_gives_the_saving_its_assumptions_and_the_tables_date(client: Client, project: Path) -> None:
    uri = client.open(project / "app.py", APP)
    client.diagnostics(uri, 1)
    hover = client.request(
        "textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 6, "character": 40}}
    )
    assert hover == {
        "contents": {
            "kind": "markdown",
            "value": "\n".join(
                [
                    "**LLM201** `missing-output-limit`: `client.chat.completions.create` sets no output limit:"
                    " output is bounded only by the model maximum (16,384 tokens for `gpt-4o`)",
                    "",
                    "**Saving**: up to $153.60 per 1k calls, worst case",
                    "model `gpt-4o` · 15,360 tokens per call",
                    "",
                    "Assumptions:",
                    "- worst case: the answer runs to the model maximum of 16,384 output tokens",
                    "- after the fix: capped at 1,024 tokens",
                    "- prices: `gpt-4o` from the model table of 2026-11-28",
                    "",
                    "Fix (unsafe): Add `max_completion_tokens=1024`",
                    "",
                    "Model table of 2026-11-28.",
                ]
            ),
        },
        "range": span(6, 8, 104),
    }
    outside = client.request(
        "textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 2, "character": 0}}
    )
    assert outside is None


def test_a_wrapper_in_another_file_is_read_from_disk_and_related(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "project", tmp_path / "project")
    (tmp_path / "pyproject.toml").write_text('[tool.promptlint]\nselect = ["LLM201"]\n')
    caller = tmp_path / "project/helpdesk/wrapped_chat.py"
    client = Client(tmp_path)
    try:
        client.initialize(tmp_path)
        uri = client.open(caller, caller.read_text())
        found = client.diagnostics(uri, 1)
        assert [(d["range"]["start"], d["code"]) for d in found] == [
            ({"line": 12, "character": 16}, "LLM201"),
            ({"line": 15, "character": 13}, "LLM201"),
            ({"line": 16, "character": 4}, "LLM201"),
        ]
        wrapper = (tmp_path / "project/helpdesk/llm.py").as_uri()
        assert [d["relatedInformation"] for d in found] == [
            [
                {
                    "location": {"uri": wrapper, "range": span(line, 15, 15)},
                    "message": f"sent through `{name}()`",
                }
            ]
            for line, name in ((11, "ask"), (11, "ask"), (20, "forward"))
        ]
    finally:
        assert client.close() == 0


def test_excluded_files_other_languages_and_files_without_llm_calls_get_no_diagnostics(
    client: Client, project: Path
) -> None:
    (project / "pyproject.toml").write_text('[tool.promptlint]\nextend-exclude = ["generated"]\n')
    (project / "generated").mkdir()
    (project / "generated/app.py").write_text(APP)
    uri = client.open(project / "generated/app.py", APP)
    assert client.diagnostics(uri, 1) == []
    toml = project.as_uri() + "/pyproject.toml"
    client.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": toml, "languageId": "toml", "version": 1, "text": "[x]\ny = 'openai'\n"}},
    )
    plain = client.open(project / "plain.py", "import os\n")
    assert client.diagnostics(plain, 1) == []
    client.drain()
    assert [m for m in client.seen if m.get("params", {}).get("uri") == toml] == []  # only Python is linted


def test_without_a_configuration_the_defaults_apply_and_closing_clears(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(APP)
    client = Client(tmp_path)
    try:
        client.initialize(tmp_path)
        uri = client.open(tmp_path / "app.py", APP)
        assert client.diagnostics(uri, 1) == [llm201(), llm204()]
        client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
        assert client.diagnostics(uri, None) == []
    finally:
        assert client.close() == 0


def test_a_broken_configuration_is_reported_in_the_document(client: Client, project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.promptlint]\nselect = ["LLM999"]\n')
    uri = client.open(project / "app.py", APP)
    assert client.diagnostics(uri, 1) == [
        {
            "range": span(0, 0, 0),
            "message": "promptlint could not check this version: "
            f"{project / 'pyproject.toml'}: `tool.promptlint.select` names an unknown rule or prefix `LLM999`",
            "severity": 2,
            "source": "promptlint",
        }
    ]


CRASHING_PACK = textwrap.dedent(
    '''\
    """Rules that fail on purpose: one raises, one outlives the file-timeout."""

    import time

    from promptlint.rule import Rule


    class Crashing(Rule):
        """
        ## What it does
        Crashes on files that say CRASH.
        """

        code = "XCR001"
        name = "crashing"
        summary = "Crashes"

        def check(self, call, context):
            if "CRASH" in context.module.code:
                raise RuntimeError("boom")
            if "SLOW" in context.module.code:
                time.sleep(30)
            return ()


    RULES = (Crashing,)
    '''
)


def test_a_crashing_or_slow_rule_never_takes_the_server_down(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "crashing_pack.py").write_text(CRASHING_PACK)
    dist_info = site / "crashing_pack-0.1.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: crashing-pack\nVersion: 0.1\n")
    (dist_info / "entry_points.txt").write_text("[promptlint.rules]\nXCR = crashing_pack:RULES\n")
    project = tmp_path / "project"
    (project / "slow").mkdir(parents=True)
    (project / "pyproject.toml").write_text('[tool.promptlint]\nextend-select = ["XCR"]\n')
    (project / "slow/pyproject.toml").write_text(
        '[tool.promptlint]\nextend-select = ["XCR"]\nfile-timeout = 2\n'
    )
    client = Client(project, env={"PYTHONPATH": str(site)})
    try:
        client.initialize(project)
        uri = client.open(project / "app.py", APP)
        assert client.diagnostics(uri, 1) == [llm201(), llm204()]
        crash = client.open(project / "crash.py", "# CRASH\n" + APP)
        assert client.diagnostics(crash, 1) == [
            llm201(7),
            llm204(13),
            {
                "range": span(0, 0, 0),
                "message": "promptlint could not check this version: rule XCR001 crashed: RuntimeError: boom",
                "severity": 2,
                "source": "promptlint",
            },
        ]
        slow = client.open(project / "slow/app.py", "# SLOW\n" + APP)
        assert client.diagnostics(slow, 1) == [
            {
                "range": span(0, 0, 0),
                "message": "promptlint could not check this version: not checked: took longer than the"
                " file-timeout of 2 s",
                "severity": 2,
                "source": "promptlint",
            }
        ]
        client.change(uri, "# after\n" + APP)
        assert client.diagnostics(uri, 2) == [llm201(7), llm204(13)]
    finally:
        assert client.close() == 0


def test_without_pygls_the_server_says_how_to_install_it(tmp_path: Path) -> None:
    blocked = (
        "import sys; sys.modules['pygls'] = None; from promptlint.cli import main; sys.exit(main(['server']))"
    )
    result = subprocess.run([sys.executable, "-c", blocked], capture_output=True, text=True, cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (
        2,
        "",
        'promptlint: error: the language server needs pygls: pip install "promptlint-cost[server]"\n',
    )


def test_check_never_imports_the_server_libraries(project: Path) -> None:
    probe = (
        "import json, sys; from promptlint.cli import main; code = main(['check', '--no-cache', '.']); "
        "print(json.dumps([code, sorted(m for m in ('pygls', 'lsprotocol', 'mcp') if m in sys.modules)]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        cwd=project,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert json.loads(result.stdout.splitlines()[-1]) == [1, []]


def test_server_help() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "promptlint", "server", "--help"], capture_output=True, text=True
    )
    assert result.returncode == 0
    assert result.stdout.startswith("usage: promptlint server [-h]\n")
    assert 'pip install "promptlint-cost[server]"' in " ".join(result.stdout.split())
