"""Prompts imported from the project's other modules: which imports are followed, what they resolve to,
what stays unknown, and how a run on one file and the result cache depend on the modules it imports."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path
from typing import Dict, Optional

import libcst as cst
import pytest

from promptlint.cli import main
from promptlint.extract import extract_calls

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

CLIENT = """
from openai import OpenAI
{imports}

client = OpenAI()


def answer(question: str) -> str:
    response = client.chat.completions.create(
        model="gpt-4.1-mini",
        max_completion_tokens=100,
        messages=[{{"role": "system", "content": {expression}}}, {{"role": "user", "content": question}}],
    )
    return response.choices[0].message.content
"""


def write(root: Path, files: Dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


def system_text(root: Path, client: str, imports: str, expression: str) -> Optional[str]:
    """The system prompt of the one request in ``client`` (a path under ``root``), when it is all static."""
    path = root / client
    write(root, {client: CLIENT.format(imports=imports, expression=expression)})
    module = cst.parse_module(path.read_text(encoding="utf-8"))
    calls, _ = extract_calls(module, path, root)
    assert len(calls) == 1
    text = calls[0].prompt[0].text
    return text.static_text if text.is_static else None


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write(
        tmp_path,
        {
            "pyproject.toml": "[project]\nname = 'helpdesk'\n",
            "helpdesk/__init__.py": "from .prompts import POLICY as POLICY\nfrom . import prompts\n",
            "helpdesk/prompts.py": """
                import textwrap

                COMPANY = "Acme"
                POLICY = "You are the assistant of " + COMPANY + "."
                FSTRING = f"{COMPANY} support. {POLICY}"
                DEDENTED = textwrap.dedent(
                    '''\\
                        Be brief.
                        Be kind.
                    '''
                )
                JOINED = "\\n".join(["One.", "Two.", POLICY])
                TEMPLATE = "Tier {tier}. " + POLICY
                PERCENT = "Region %s. " + POLICY
                FROM_FILE = open("texts/policy.txt").read()
                TWICE = "a"
                TWICE = "b"

                class Prompts:
                    SYSTEM = "System of " + COMPANY
                    MUTABLE = "x"

                    def reset(self):
                        self.MUTABLE = "y"
            """,
            "helpdesk/texts/policy.txt": "Refunds within 30 days.",
        },
    )
    return tmp_path


@pytest.mark.parametrize(
    "imports, expression, expected",
    [
        ("from .prompts import POLICY", "POLICY", "You are the assistant of Acme."),
        ("from .prompts import FSTRING", "FSTRING", "Acme support. You are the assistant of Acme."),
        ("from .prompts import DEDENTED", "DEDENTED", "Be brief.\nBe kind.\n"),
        ("from .prompts import JOINED", "JOINED", "One.\nTwo.\nYou are the assistant of Acme."),
        (
            "from .prompts import TEMPLATE",
            'TEMPLATE.format(tier="gold")',
            "Tier gold. You are the assistant of Acme.",
        ),
        ("from .prompts import PERCENT", 'PERCENT % "EU"', "Region EU. You are the assistant of Acme."),
        ("from .prompts import FROM_FILE", "FROM_FILE", "Refunds within 30 days."),
        ("from .prompts import Prompts", "Prompts.SYSTEM", "System of Acme"),
        ("from . import prompts", "prompts.POLICY", "You are the assistant of Acme."),
        ("from .prompts import POLICY as P", "P", "You are the assistant of Acme."),
        ("from helpdesk import prompts", "prompts.POLICY", "You are the assistant of Acme."),
        ("from helpdesk.prompts import POLICY", "POLICY", "You are the assistant of Acme."),
        ("import helpdesk.prompts as p", "p.POLICY", "You are the assistant of Acme."),
        ("import helpdesk.prompts", "helpdesk.prompts.POLICY", "You are the assistant of Acme."),
        ("from helpdesk import POLICY", "POLICY", "You are the assistant of Acme."),  # the __init__ re-export
        ("from . import POLICY", "POLICY", "You are the assistant of Acme."),
        ("import helpdesk", "helpdesk.prompts.POLICY", "You are the assistant of Acme."),
    ],
)
def test_imported_constants_resolve_in_their_module(
    project: Path, imports: str, expression: str, expected: str
) -> None:
    assert system_text(project, "helpdesk/client.py", imports, expression) == expected


@pytest.mark.parametrize(
    "imports, expression",
    [
        ("from .prompts import TWICE", "TWICE"),  # bound twice there
        ("from .prompts import Prompts", "Prompts.MUTABLE"),  # assigned on instances too
        ("from .prompts import MISSING", "MISSING"),  # no such name
        ("from .missing import POLICY", "POLICY"),  # no such module
        ("from support_kit.prompts import POLICY", "POLICY"),  # not a module of the project
        ("from .prompts import POLICY\nPOLICY = POLICY.upper()", "POLICY"),  # rebound after the import
        ("from . import prompts\nprompts.POLICY = 'changed'", "prompts.POLICY"),  # replaced after the import
        ("from .prompts import *", "POLICY"),  # a star import binds nothing known
    ],
)
def test_what_is_not_a_constant_of_the_project_stays_unknown(
    project: Path, imports: str, expression: str
) -> None:
    assert system_text(project, "helpdesk/client.py", imports, expression) is None


def test_a_src_layout_and_a_script_outside_the_package(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": "[project]\nname = 'acme'\n",
            "src/acme/__init__.py": "",
            "src/acme/prompts.py": 'SYSTEM = "From src."\n',
        },
    )
    assert (
        system_text(tmp_path, "src/acme/bot.py", "from acme.prompts import SYSTEM", "SYSTEM") == "From src."
    )
    assert system_text(tmp_path, "scripts/run.py", "from acme.prompts import SYSTEM", "SYSTEM") == "From src."
    assert system_text(tmp_path, "run.py", "from acme import prompts", "prompts.SYSTEM") == "From src."


def test_a_namespace_package_and_a_sibling_module_of_a_script(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": "",
            "app/texts/prompts.py": 'SYSTEM = "Namespace."\n',
            "app/local.py": 'X = "Sibling."\n',
        },
    )
    assert system_text(tmp_path, "app/main.py", "from texts.prompts import SYSTEM", "SYSTEM") == "Namespace."
    assert system_text(tmp_path, "app/main.py", "from local import X", "X") == "Sibling."


def test_modules_outside_the_project_or_in_environments_are_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    write(outside, {"shared/__init__.py": "", "shared/prompts.py": 'SYSTEM = "Outside."\n'})
    root = tmp_path / "project"
    write(
        root,
        {
            "pyproject.toml": "",
            ".venv/lib/python3.12/site-packages/vendored/prompts.py": 'SYSTEM = "Installed."\n',
            "build/lib/acme/prompts.py": 'SYSTEM = "Built."\n',
        },
    )
    (root / "shared").symlink_to(outside / "shared", target_is_directory=True)
    assert system_text(root, "app.py", "from shared.prompts import SYSTEM", "SYSTEM") is None
    assert (
        system_text(
            root, ".venv/lib/python3.12/site-packages/app.py", "from vendored.prompts import SYSTEM", "SYSTEM"
        )
        is None
    )
    assert system_text(root, "build/lib/app.py", "from acme.prompts import SYSTEM", "SYSTEM") is None
    assert system_text(root, "app.py", "from ..up import SYSTEM", "SYSTEM") is None


def test_cycles_and_unparsable_modules_are_unknown(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": "",
            "pkg/__init__.py": "",
            "pkg/a.py": "from .b import SYSTEM\n",
            "pkg/b.py": "from .a import SYSTEM\n",
            "pkg/broken.py": "SYSTEM = (\n",
        },
    )
    assert system_text(tmp_path, "pkg/client.py", "from .a import SYSTEM", "SYSTEM") is None
    assert system_text(tmp_path, "pkg/client.py", "from .broken import SYSTEM", "SYSTEM") is None


def test_an_imported_model_name_is_the_requests_model(project: Path) -> None:
    write(project, {"helpdesk/settings.py": 'MODEL = "gpt-4.1-nano"\n'})
    client = CLIENT.format(imports="from .settings import MODEL", expression='"Be brief."')
    path = project / "helpdesk" / "client.py"
    write(project, {"helpdesk/client.py": client.replace('model="gpt-4.1-mini"', "model=MODEL")})
    calls, _ = extract_calls(cst.parse_module(path.read_text()), path, project)
    assert [call.model for call in calls] == ["gpt-4.1-nano"]


def test_the_modules_read_are_the_results_dependencies(project: Path) -> None:
    path = project / "helpdesk" / "client.py"
    write(
        project,
        {"helpdesk/client.py": CLIENT.format(imports="from helpdesk import POLICY", expression="POLICY")},
    )
    _, resolver = extract_calls(cst.parse_module(path.read_text()), path, project)
    helpdesk = (project / "helpdesk").resolve()
    assert sorted(set(resolver.files_read)) == [helpdesk / "__init__.py", helpdesk / "prompts.py"]


# -- whole runs -----------------------------------------------------------------------------------------------


def run(capsys, *args: str, select: str = "ALL") -> dict:
    main(["check", "--output-format", "json", "--select", select, *args])
    return json.loads(capsys.readouterr().out)


def findings(document: dict) -> list:
    return [(d["path"], d["line"], d["column"], d["code"], d["message"]) for d in document["diagnostics"]]


@pytest.fixture
def copied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(FIXTURES / "project", tmp_path / "project")
    (tmp_path / "pyproject.toml").write_text("[tool.promptlint]\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


def test_an_imported_prompt_is_counted_as_the_same_prompt_written_locally(copied: Path, capsys) -> None:
    """Same token count, same message, same savings: only where the text lives differs."""
    imported = run(capsys, "--no-cache", "project/helpdesk/chat.py")
    chat = copied / "project" / "helpdesk" / "chat.py"
    source = chat.read_text(encoding="utf-8")
    local = source.replace(
        "from . import prompts\n",
        'from pathlib import Path\n\nCATALOG = (Path(__file__).parent / "texts" / "catalog.md").read_text(encoding="utf-8")\n',
    )
    local = local.replace(", CATALOG, ", ", ")
    chat.write_text(local, encoding="utf-8")
    written_here = run(capsys, "--no-cache", "project/helpdesk/chat.py")
    before = [d for d in imported["diagnostics"] if d["code"] == "LLM301"]
    after = [d for d in written_here["diagnostics"] if d["code"] == "LLM301"]
    assert len(before) == len(after) == 1
    assert (
        before[0]["message"]
        == after[0]["message"]
        == ("Static system prompt is 11,436 tokens, above the 8,000-token threshold")
    )
    assert before[0]["savings"] == after[0]["savings"]


PINNED_CATALOG = "Static system prompt is 11,436 tokens, above the 8,000-token threshold"
SENT_BY_TWO = "; prompt `CATALOG` is sent by 2 requests"


def test_a_run_on_one_file_still_reads_the_modules_it_imports(copied: Path, capsys) -> None:
    """What pre-commit does: only the changed file is named; its prompts come from prompts.py on disk, and
    findings are reported for that file only."""
    whole = run(capsys, "--no-cache", "project")
    alone = run(capsys, "--no-cache", "project/helpdesk/chat.py")
    assert alone["summary"]["files_checked"] == 1
    # The catalog, which two requests send, is reported once at prompts.py by the whole run; prompts.py is
    # not asked about here, so chat.py's own request keeps its finding.
    catalog = ("project/helpdesk/chat.py", 87, 43, "LLM301", PINNED_CATALOG)
    assert findings(alone) == [f for f in findings(whole) if f[0] == "project/helpdesk/chat.py"] + [catalog]
    assert ("project/helpdesk/prompts.py", 15, 11, "LLM301", PINNED_CATALOG + SENT_BY_TWO) in findings(whole)
    assert [(f[1], f[3]) for f in findings(alone)] == [
        (22, "LLM101"),
        (34, "LLM101"),
        (56, "LLM101"),
        (65, "LLM101"),
        (74, "LLM101"),
        (87, "LLM301"),
    ]


def test_changing_an_imported_module_invalidates_the_cached_result(copied: Path, capsys) -> None:
    first = run(capsys, "project/helpdesk/chat.py", select="LLM301")
    assert [(d["line"], d["code"]) for d in first["diagnostics"]] == [(87, "LLM301")]
    assert run(capsys, "project/helpdesk/chat.py", select="LLM301") == first  # served warm
    prompts = copied / "project" / "helpdesk" / "prompts.py"
    prompts.write_text(
        prompts.read_text(encoding="utf-8").replace(
            'CATALOG = (_TEXTS / "catalog.md").read_text(encoding="utf-8")',
            'CATALOG = "See the online catalog."',
        ),
        encoding="utf-8",
    )
    after = run(capsys, "project/helpdesk/chat.py", select="LLM301")
    assert after["diagnostics"] == []


def test_creating_a_module_that_was_missing_invalidates_the_cached_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """A result resolved while ``prompts.py`` did not exist depends on its absence: once it is written, the
    cached result is not served."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    (tmp_path / "pyproject.toml").write_text("[tool.promptlint]\n")
    write(
        tmp_path,
        {
            "bot/__init__.py": "",
            "bot/chat.py": """
                from openai import OpenAI

                from .prompts import CATALOG

                client = OpenAI()


                def answer(question: str) -> str:
                    messages = [{"role": "system", "content": CATALOG}, {"role": "user", "content": question}]
                    reply = client.chat.completions.create(model="gpt-4o-mini", messages=messages, max_tokens=200)
                    return reply.choices[0].message.content or ""
            """,
        },
    )
    assert run(capsys, "bot/chat.py", select="LLM301")["diagnostics"] == []
    assert run(capsys, "bot/chat.py", select="LLM301")["diagnostics"] == []  # served warm
    (tmp_path / "bot" / "prompts.py").write_text(f"CATALOG = {'Item. ' * 6000!r}\n")
    after = run(capsys, "bot/chat.py", select="LLM301")
    assert [(d["line"], d["code"]) for d in after["diagnostics"]] == [(10, "LLM301")]
