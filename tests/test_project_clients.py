"""Clients that come from another module of the project: a base class's ``__init__`` (imported by name, through
its module, two modules away) and a factory function; what stays unknown (a base outside the project or in an
environment, an HTTP client, a module that cannot be parsed, a module that imports no SDK); and the cache
dependencies of the file that uses them."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path
from typing import Dict, List, Tuple

import libcst as cst
import pytest

from promptlint.cli import main
from promptlint.extract import extract_calls

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

CHILD = """
import openai
{imports}


class Child({base}):
    def translate(self, text):
        return self.client.chat.completions.create(
            model="gpt-4.1-mini", messages=[{{"role": "user", "content": text}}]
        )
"""


def write(root: Path, files: Dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


def extracted(root: Path, relative: str) -> Tuple[List[Tuple[str, str, str]], List[str]]:
    """The requests recognised by where their client comes from (provider, endpoint, callee), without the
    signature fallback, and the files the result depends on, relative to ``root``."""
    path = root / relative
    module = cst.parse_module(path.read_text(encoding="utf-8"))
    calls, resolver = extract_calls(module, path, root, signatures=False)
    lines = [(call.provider, call.endpoint, call.callee) for call in calls]
    dependencies = sorted(p.relative_to(root.resolve()).as_posix() for p in set(resolver.files_read))
    return lines, dependencies


def child(root: Path, base_module: Dict[str, str], imports: str, base: str) -> Tuple[list, list]:
    write(root, {"pyproject.toml": "", "pkg/__init__.py": "", **base_module})
    write(root, {"pkg/child.py": CHILD.format(imports=imports, base=base)})
    return extracted(root, "pkg/child.py")


OPENAI_BASE = {
    "pkg/base.py": """
        from openai import OpenAI


        class Base:
            def __init__(self):
                self.client = OpenAI()
        """
}


def test_a_base_class_imported_by_name_gives_its_client(tmp_path: Path) -> None:
    calls, dependencies = child(tmp_path, OPENAI_BASE, "from .base import Base", "Base")
    assert calls == [("openai", "chat.completions.create", "self.client.chat.completions.create")]
    assert dependencies == ["pkg/__init__.py", "pkg/base.py"]


def test_a_base_class_read_through_its_module_absolutely(tmp_path: Path) -> None:
    calls, dependencies = child(tmp_path, OPENAI_BASE, "import pkg.base", "pkg.base.Base")
    assert [provider for provider, _, _ in calls] == ["openai"]
    assert dependencies == ["pkg/__init__.py", "pkg/base.py"]


def test_a_base_of_a_base_in_a_third_module_is_a_dependency_too(tmp_path: Path) -> None:
    modules = {
        **OPENAI_BASE,
        "pkg/middle.py": "from .base import Base\n\n\nclass Middle(Base):\n    pass\n",
    }
    calls, dependencies = child(tmp_path, modules, "from .middle import Middle", "Middle")
    assert [provider for provider, _, _ in calls] == ["openai"]
    assert dependencies == ["pkg/__init__.py", "pkg/base.py", "pkg/middle.py"]


@pytest.mark.parametrize(
    "modules, imports, base",
    [
        pytest.param(
            {
                "pkg/base.py": "import httpx\n\n\nclass Base:\n    def __init__(self):\n        self.client = httpx.Client()\n"
            },
            "from .base import Base",
            "Base",
            id="an-http-client",
        ),
        pytest.param(
            {"pkg/base.py": "class Base:\n    def __init__(self):\n        self.client = (\n"},
            "from .base import Base",
            "Base",
            id="a-module-that-cannot-be-parsed",
        ),
        pytest.param(
            {".venv/lib/python3.12/site-packages/vendor/base.py": OPENAI_BASE["pkg/base.py"]},
            "from vendor.base import Base",
            "Base",
            id="an-installed-package",
        ),
        pytest.param({}, "from .missing import Base", "Base", id="a-missing-module"),
        pytest.param(
            {"pkg/base.py": OPENAI_BASE["pkg/base.py"] + "\n\nclass Base:  # bound twice\n    pass\n"},
            "from .base import Base",
            "Base",
            id="a-class-bound-twice",
        ),
        pytest.param(
            {"pkg/base.py": "class Base:\n    def __init__(self, client):\n        self.client = client\n"},
            "from .base import Base",
            "Base",
            id="a-client-handed-in",
        ),
    ],
)
def test_a_client_that_cannot_be_traced_stays_unknown(
    tmp_path: Path, modules: Dict[str, str], imports: str, base: str
) -> None:
    calls, _ = child(tmp_path, modules, imports, base)
    assert calls == []


def test_a_module_outside_the_project_root_is_not_read(tmp_path: Path) -> None:
    write(tmp_path / "outside", {"shared/__init__.py": "", **{"shared/base.py": OPENAI_BASE["pkg/base.py"]}})
    root = tmp_path / "project"
    root.mkdir()
    (root / "shared").symlink_to(tmp_path / "outside" / "shared", target_is_directory=True)
    calls, dependencies = child(root, {}, "from shared.base import Base", "Base")
    assert calls == []
    assert dependencies == []


FACTORY = """
from openai import OpenAI
{imports}


def ask(text):
    client = {factory}()
    return client.chat.completions.create(model="gpt-4.1-mini", messages=[{{"role": "user", "content": text}}])
"""


def factory(root: Path, clients: str, imports: str = "from .clients import make", name: str = "make"):
    write(root, {"pyproject.toml": "", "pkg/__init__.py": "", "pkg/clients.py": clients})
    write(root, {"pkg/ask.py": FACTORY.format(imports=imports, factory=name)})
    return extracted(root, "pkg/ask.py")


def test_a_factory_of_another_module_gives_the_client_it_returns(tmp_path: Path) -> None:
    calls, dependencies = factory(
        tmp_path, "import anthropic\n\n\ndef make():\n    return anthropic.Anthropic()\n"
    )
    assert calls == []  # ``chat.completions.create`` is no Anthropic request
    write(tmp_path, {"pkg/ask.py": FACTORY.format(imports="from .clients import make", factory="make")})
    calls, dependencies = factory(tmp_path, "import openai\n\n\ndef make():\n    return openai.OpenAI()\n")
    assert calls == [("openai", "chat.completions.create", "client.chat.completions.create")]
    assert dependencies == ["pkg/__init__.py", "pkg/clients.py"]


def test_a_factory_in_a_module_without_an_sdk_import_is_not_read(tmp_path: Path) -> None:
    """No other module can build a client: the file is not parsed, and is no dependency."""
    calls, dependencies = factory(tmp_path, "from .real import build\n\n\ndef make():\n    return build()\n")
    assert calls == []
    assert dependencies == ["pkg/__init__.py"]


def test_a_factory_in_a_module_that_names_no_client_class_is_not_read(tmp_path: Path) -> None:
    """It imports the SDK for its errors only: it cannot build a client, so it is not parsed."""
    clients = "import openai\n\n\ndef make():\n    try:\n        return build()\n    except openai.APIError:\n        return None\n"
    calls, dependencies = factory(tmp_path, clients)
    assert calls == []
    assert dependencies == ["pkg/__init__.py"]


def test_a_factory_that_names_no_client_class_is_not_read_even_beside_one_that_does(tmp_path: Path) -> None:
    clients = "from openai import OpenAI\n\n\ndef make():\n    return build()\n\n\ndef other():\n    return OpenAI()\n"
    calls, dependencies = factory(tmp_path, clients)
    assert calls == []
    assert dependencies == ["pkg/__init__.py"]
    calls, dependencies = factory(tmp_path, clients, "from .clients import other", "other")
    assert [provider for provider, _, _ in calls] == ["openai"]
    assert dependencies == ["pkg/__init__.py", "pkg/clients.py"]


def test_a_project_function_called_for_itself_is_not_read(tmp_path: Path) -> None:
    """``helper(x)`` is never a request because of what ``helper`` returns: its module is not parsed."""
    write(
        tmp_path,
        {
            "pyproject.toml": "",
            "pkg/__init__.py": "",
            "pkg/helpers.py": "import openai\n\n\ndef tidy(text):\n    return text.strip()\n",
            "pkg/main.py": "import openai\nfrom .helpers import tidy\n\ntidy(' x ')\n",
        },
    )
    calls, dependencies = extracted(tmp_path, "pkg/main.py")
    assert calls == []
    # The package is read to follow the import (``tidy`` could be a wrapper of its), the module is not.
    assert dependencies == ["pkg/__init__.py"]


# -- whole runs -----------------------------------------------------------------------------------------------


def run(capsys, *args: str) -> List[Tuple[str, int, int, str, str]]:
    main(["check", "--output-format", "json", "--select", "LLM201", *args])
    document = json.loads(capsys.readouterr().out)
    return [(d["path"], d["line"], d["column"], d["code"], d["confidence"]) for d in document["diagnostics"]]


@pytest.fixture
def copied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(FIXTURES / "project", tmp_path / "project")
    (tmp_path / "pyproject.toml").write_text("[tool.promptlint]\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


TRANSLATORS = "project/translators/openai_translators.py"


def test_a_run_on_one_file_reads_the_base_classes_and_factories(copied: Path, capsys) -> None:
    assert run(capsys, "--no-cache", TRANSLATORS) == [
        (TRANSLATORS, 14, 24, "LLM201", "high"),
        (TRANSLATORS, 25, 20, "LLM201", "high"),
        (TRANSLATORS, 34, 20, "LLM201", "high"),
        (TRANSLATORS, 53, 16, "LLM201", "high"),
        (TRANSLATORS, 61, 16, "LLM201", "high"),
    ]


def test_changing_a_base_module_invalidates_the_cached_result(copied: Path, capsys) -> None:
    first = run(capsys, TRANSLATORS)
    assert (TRANSLATORS, 34, 20, "LLM201", "high") in first
    assert run(capsys, TRANSLATORS) == first  # served warm
    root = copied / "project" / "translators" / "root.py"  # two modules away from the linted file
    root.write_text(
        root.read_text(encoding="utf-8")
        .replace("import openai", "import httpx")
        .replace("openai.OpenAI()", "httpx.Client()"),
        encoding="utf-8",
    )
    after = run(capsys, TRANSLATORS)
    assert [finding for finding in after if finding[1] == 34] == []
    assert [finding for finding in first if finding[1] != 34] == after


# -- a client handed to the constructor (issue 13 item 6, in one module) ------------------------------------

HANDED = """
import httpx
from openai import AzureOpenAI, OpenAI


class Bot:
    def __init__(self, client, model="gpt-4.1-mini"):
        self.client = client

    def ask(self, text):
        return self.client.chat.completions.create(model="gpt-4.1-mini", messages=[])


{sites}
"""


def handed(tmp_path: Path, sites: str) -> list:
    write(tmp_path, {"bot.py": HANDED.format(sites=sites)})
    return extracted(tmp_path, "bot.py")[0]


@pytest.mark.parametrize(
    "sites",
    [
        "bot = Bot(OpenAI())",
        "client = OpenAI()\nbot = Bot(client)",
        "bot = Bot(client=OpenAI(), model='gpt-4.1')",
        "def make():\n    return Bot(OpenAI())\n\n\nother = Bot(AzureOpenAI())",
        "def f(Bot):\n    return Bot(httpx.Client())  # a parameter, not the class\n\n\nbot = Bot(OpenAI())",
    ],
)
def test_a_client_every_construction_site_passes_is_known(tmp_path: Path, sites: str) -> None:
    assert handed(tmp_path, sites) == [
        ("openai", "chat.completions.create", "self.client.chat.completions.create")
    ]


@pytest.mark.parametrize(
    "sites",
    [
        pytest.param("", id="never-built"),
        pytest.param("a = Bot(OpenAI())\nb = Bot(httpx.Client())", id="a-site-passes-an-http-client"),
        pytest.param("args = [OpenAI()]\nbot = Bot(*args)", id="a-site-passes-star-args"),
        pytest.param("bot = Bot(model='gpt-4.1')", id="a-site-leaves-the-parameter-out"),
        pytest.param("bot = Bot(OpenAI())\n\n\nclass Sub(Bot):\n    pass", id="a-subclass"),
        pytest.param("bot = Bot(OpenAI())\nBot = None", id="the-class-rebound"),
    ],
)
def test_a_client_not_every_site_agrees_on_stays_unknown(tmp_path: Path, sites: str) -> None:
    assert handed(tmp_path, sites) == []
