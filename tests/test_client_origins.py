"""Where a client comes from when it is not built where it is used (issue 13 item 6): a client handed to a
class's constructor by the project's other modules, a client set to None in ``__init__`` and built later by a
helper method and read in a function nested in a method, and a project object handed to a function whose
every call passes an instance of one class. Each with the look-alikes that must stay silent, the cache
dependencies, and a run on one file."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Dict, List, Tuple

import libcst as cst
import pytest

from promptlint.cli import main
from promptlint.extract import extract_calls

Finding = Tuple[str, int, int, str, str]


def write(root: Path, files: Dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write(tmp_path, {"pyproject.toml": "[tool.promptlint]\n", "pkg/__init__.py": ""})
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


def run(capsys, *args: str) -> List[Finding]:
    main(["check", "--output-format", "json", "--select", "LLM201", *args])
    document = json.loads(capsys.readouterr().out)
    return [(d["path"], d["line"], d["column"], d["code"], d["confidence"]) for d in document["diagnostics"]]


def dependencies(root: Path, relative: str) -> List[str]:
    path = (root / relative).resolve()
    module = cst.parse_module(path.read_text(encoding="utf-8"))
    _, resolver = extract_calls(module, path, root.resolve(), signatures=False)
    return sorted(p.relative_to(root.resolve()).as_posix() for p in set(resolver.files_read))


# -- a client handed to the constructor by another module -----------------------------------------------------

BOT = """
import openai


class Bot:
    def __init__(self, client, model="gpt-4o"):
        self.client = client
        self.model = model

    def ask(self, text):
        return self.client.chat.completions.create(
            model=self.model, messages=[{"role": "user", "content": text}]
        )
"""
AT_BOT = ("pkg/bot.py", 10, 16, "LLM201", "high")
# A client nothing traces: recognised by its signature alone (low confidence, platform unknown).
BY_SIGNATURE = ("pkg/bot.py", 10, 16, "LLM201", "low")


@pytest.mark.parametrize(
    "main_py",
    [
        pytest.param(
            "from openai import OpenAI\nfrom .bot import Bot\n\nbot = Bot(OpenAI())\n", id="by-name"
        ),
        pytest.param(
            "from openai import OpenAI\nfrom pkg import bot\n\nhelper = bot.Bot(client=OpenAI())\n",
            id="through-its-module",
        ),
        pytest.param(
            "import openai\nfrom .bot import Bot as Assistant\n\n\ndef make():\n"
            "    client = openai.OpenAI()\n    return Assistant(client)\n",
            id="an-alias-in-a-function",
        ),
        pytest.param(
            "from openai import AzureOpenAI, OpenAI\nfrom .bot import Bot\n\n"
            "a = Bot(OpenAI())\nb = Bot(AzureOpenAI(), model='gpt-4o-mini')\n",
            id="two-sites-two-openai-clients",
        ),
    ],
)
def test_a_client_every_other_module_passes_is_known(project: Path, capsys, main_py: str) -> None:
    write(project, {"pkg/bot.py": BOT, "pkg/main.py": main_py})
    assert run(capsys, "--no-cache", "pkg") == [AT_BOT]


@pytest.mark.parametrize(
    "files",
    [
        pytest.param({}, id="never-built"),
        pytest.param(
            {"pkg/main.py": "import httpx\nfrom .bot import Bot\n\nbot = Bot(httpx.Client())\n"},
            id="a-site-passes-an-http-client",
        ),
        pytest.param(
            {
                "pkg/main.py": "from openai import OpenAI\nfrom .bot import Bot\n\nbot = Bot(OpenAI())\n",
                "pkg/other.py": "from .bot import Bot\n\n\ndef make(client):\n    return Bot(client)\n",
            },
            id="two-sites-disagree",
        ),
        pytest.param(
            {"pkg/main.py": "from openai import OpenAI\nfrom .bot import Bot\n\nbot = Bot(model='x')\n"},
            id="a-site-leaves-the-client-out",
        ),
        pytest.param(
            {"pkg/main.py": "from openai import OpenAI\nfrom .bot import Bot\n\nbot = Bot(*[OpenAI()])\n"},
            id="a-site-passes-star-args",
        ),
        pytest.param(
            {
                "pkg/main.py": "from openai import OpenAI\nfrom .bot import Bot\n\nbot = Bot(OpenAI())\n",
                "pkg/sub.py": "from .bot import Bot\n\n\nclass Sub(Bot):\n    pass\n",
            },
            id="a-subclass-in-another-module",
        ),
        pytest.param(
            {
                "pkg/main.py": "from openai import OpenAI\nfrom .bot import Bot\n\nbot = Bot(OpenAI())\n",
                "pkg/broken.py": "from .bot import Bot\n\nBot(\n",
            },
            id="a-module-naming-it-cannot-be-parsed",
        ),
        pytest.param(
            {
                "pkg/main.py": "from openai import OpenAI\nfrom .bot import Bot\n\nbot = Bot(OpenAI())\n",
                "pkg/registry.py": "from .bot import Bot\n\nFACTORIES = {'bot': Bot}\n",
            },
            id="another-module-puts-the-class-in-a-table",
        ),
    ],
)
def test_a_client_the_other_modules_do_not_agree_on_stays_unknown(
    project: Path, capsys, files: Dict[str, str]
) -> None:
    write(project, {"pkg/bot.py": BOT, **files})
    assert run(capsys, "--no-cache", "pkg/bot.py") == [BY_SIGNATURE]


def test_annotations_isinstance_and_reexports_elsewhere_do_not_hide_the_client(project: Path, capsys) -> None:
    write(
        project,
        {
            "pkg/bot.py": BOT,
            "pkg/__init__.py": "from .bot import Bot\n",
            "pkg/main.py": "from openai import OpenAI\nfrom .bot import Bot\n\nbot = Bot(OpenAI())\n",
            "pkg/use.py": "from .bot import Bot\n\n\ndef f(bot: Bot) -> bool:\n    return isinstance(bot, Bot)\n",
        },
    )
    assert run(capsys, "--no-cache", "pkg/bot.py") == [AT_BOT]


def test_a_test_module_passing_a_mock_does_not_decide(project: Path, capsys) -> None:
    write(
        project,
        {
            "pkg/bot.py": BOT,
            "pkg/main.py": "from openai import OpenAI\nfrom .bot import Bot\n\nbot = Bot(OpenAI())\n",
            "tests/test_bot.py": "from unittest.mock import MagicMock\nfrom pkg.bot import Bot\n\nBot(MagicMock())\n",
            "pkg/conftest.py": "from .bot import Bot\n\nBot(None)\n",
        },
    )
    assert run(capsys, "--no-cache", "pkg/bot.py") == [AT_BOT]


@pytest.mark.parametrize(
    "lookalike",
    [
        pytest.param(
            """
            import openai


            class Notifier:
                def __init__(self, client):
                    self.client = client

                def send(self, text):
                    return self.client.messages.create(to="+1", from_="+2", body=text)
            """,
            id="a-twilio-client",
        ),
        pytest.param(
            """
            import openai


            class Notifier:
                def __init__(self, client):
                    self.client = client

                def send(self, text):
                    return self.client.create(model="gpt-4o", messages=[text])
            """,
            id="a-create-method-of-a-local-class",
        ),
    ],
)
def test_a_non_llm_object_handed_in_stays_silent(project: Path, capsys, lookalike: str) -> None:
    write(
        project,
        {
            "pkg/notify.py": lookalike,
            "pkg/local.py": """
                class Completions:
                    def create(self, **fields):
                        return fields


                class Chat:
                    completions = Completions()


                class Store(Completions):
                    chat = Chat()
                    messages = Completions()
                """,
            "pkg/main.py": """
                from twilio.rest import Client

                from .local import Store
                from .notify import Notifier

                a = Notifier(Client())
                b = Notifier(Store())
                """,
        },
    )
    assert run(capsys, "--no-cache", "pkg") == []


def test_the_modules_holding_the_sites_are_dependencies(project: Path) -> None:
    write(
        project,
        {
            "pkg/bot.py": BOT,
            "pkg/main.py": "from openai import OpenAI\nfrom .bot import Bot\n\nbot = Bot(OpenAI())\n",
            "pkg/unrelated.py": "import openai\n\nX = 1\n",
        },
    )
    assert dependencies(project, "pkg/bot.py") == ["pkg/__init__.py", "pkg/bot.py", "pkg/main.py"]


def test_editing_a_construction_site_invalidates_the_cached_result(project: Path, capsys) -> None:
    main_py = project / "pkg" / "main.py"
    write(project, {"pkg/bot.py": BOT})
    main_py.write_text("from openai import OpenAI\nfrom .bot import Bot\n\nbot = Bot(OpenAI())\n")
    assert run(capsys, "pkg/bot.py") == [AT_BOT]
    assert run(capsys, "pkg/bot.py") == [AT_BOT]  # served warm
    main_py.write_text("import httpx\nfrom .bot import Bot\n\nbot = Bot(httpx.Client())\n")
    assert run(capsys, "pkg/bot.py") == [BY_SIGNATURE]
    main_py.write_text("from openai import OpenAI\nfrom .bot import Bot\n\nbot = Bot(OpenAI())\n")
    assert run(capsys, "pkg/bot.py") == [AT_BOT]


# -- ``self.client = None``, built later, read in a nested function --------------------------------------------

ANALYZER = """
from openai import OpenAI
import httpx


class Analyzer:
    def __init__(self):
        self.client = None

    def _connect(self):
        if self.client is None:
            self.client = {built}

    def analyze(self, batches):
        self._connect()

        def process(batch):
            return self.client.chat.completions.create(
                model="gpt-4o", messages=[{{"role": "user", "content": batch}}]
            )

        return [process(b) for b in batches]

    def shadowed(self, items):
        def process(self):
            return self.client.chat.completions.create(model="gpt-4o", messages=[])

        return [process(item) for item in items]
"""


def test_a_client_built_later_is_known_in_a_nested_function(project: Path, capsys) -> None:
    write(project, {"pkg/analyzer.py": ANALYZER.format(built="OpenAI(api_key='k')")})
    # Not the nested function that names its own parameter ``self`` (line 25).
    assert run(capsys, "--no-cache", "pkg") == [("pkg/analyzer.py", 17, 20, "LLM201", "high")]


def test_a_non_llm_object_built_later_stays_silent(project: Path, capsys) -> None:
    write(project, {"pkg/analyzer.py": ANALYZER.format(built="httpx.Client()")})
    assert run(capsys, "--no-cache", "pkg") == []


# -- a project object handed to a function ----------------------------------------------------------------

LLM = """
from openai import OpenAI


class Bot:
    def __init__(self):
        self.client = OpenAI()

    def ask(self, text, **kwargs):
        return self.client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": text}], **kwargs
        )


class Echo:
    def ask(self, text, **kwargs):
        return text
"""


@pytest.mark.parametrize(
    "flow",
    [
        pytest.param(
            "from .llm import Bot\n\n\ndef run(prompt, bot):\n    return bot.ask(prompt)\n\n\n"
            "def main():\n    bot = Bot()\n    run('hi', bot)\n",
            id="a-name-bound-to-the-instance",
        ),
        pytest.param(
            "from . import llm\n\n\ndef run(prompt, bot):\n    return bot.ask(prompt)\n\n\n"
            "run('hi', llm.Bot())\nrun(bot=llm.Bot(), prompt='again')\n",
            id="constructed-in-the-call",
        ),
    ],
)
def test_every_call_passing_one_class_makes_its_methods_known(project: Path, capsys, flow: str) -> None:
    write(project, {"pkg/llm.py": LLM, "pkg/flow.py": flow})
    assert run(capsys, "--no-cache", "pkg") == [("pkg/flow.py", 5, 12, "LLM201", "high")]


def test_calls_from_another_module_decide_too(project: Path, capsys) -> None:
    # A module that calls nothing it imports from the LLM module is not linted at all (``reach``): this one
    # builds a Bot too.
    flow = "from .llm import Bot\n\n\ndef run(prompt, bot):\n    return bot.ask(prompt)\n\n\nfresh = Bot()\n"
    write(project, {"pkg/llm.py": LLM, "pkg/flow.py": flow})
    write(project, {"pkg/main.py": "from .flow import run\nfrom .llm import Bot\n\nrun('hi', Bot())\n"})
    assert run(capsys, "--no-cache", "pkg") == [("pkg/flow.py", 5, 12, "LLM201", "high")]
    write(project, {"pkg/other.py": "from .flow import run\nfrom .llm import Echo\n\nrun('hi', Echo())\n"})
    assert run(capsys, "--no-cache", "pkg") == []
    assert run(capsys, "pkg/flow.py") == []
    (project / "pkg" / "other.py").unlink()
    assert run(capsys, "pkg/flow.py") == [("pkg/flow.py", 5, 12, "LLM201", "high")]
    # Handed on in a new module: other callers. (A new module is no dependency of the cached result.)
    write(project, {"pkg/other.py": "from .flow import run\n\nSTEPS = [run]\n"})
    assert run(capsys, "--no-cache", "pkg/flow.py") == []


@pytest.mark.parametrize(
    "flow",
    [
        pytest.param(
            "from .llm import Echo\n\n\ndef run(prompt, bot):\n    return bot.ask(prompt)\n\n\nrun('hi', Echo())\n",
            id="another-class-passed",
        ),
        pytest.param(
            "from .llm import Bot, Echo\n\n\ndef run(prompt, bot):\n    return bot.ask(prompt)\n\n\n"
            "run('hi', Bot())\nrun('hi', Echo())\n",
            id="two-calls-disagree",
        ),
        pytest.param(
            "from .llm import Bot, Echo\n\n\ndef run(prompt, bot=Echo()):\n    return bot.ask(prompt)\n\n\n"
            "run('hi', Bot())\nrun('hi')\n",
            id="a-call-leaves-it-to-a-default-of-another-class",
        ),
        pytest.param(
            "from .llm import Bot\n\n\ndef run(prompt, bot):\n    return bot.ask(prompt)\n\n\n"
            "run('hi', Bot())\nhandlers = [run]\n",
            id="the-function-handed-on",
        ),
        pytest.param(
            "from .llm import Bot\n\n\ndef run(prompt, bot):\n    return bot.ask(prompt)\n",
            id="never-called",
        ),
        pytest.param(
            "from .llm import Bot\n\n\ndef run(prompt, bot):\n    return bot.ask(prompt)\n\n\n"
            "bot = Bot()\nbot = object()\nrun('hi', bot)\n",
            id="a-name-bound-twice",
        ),
    ],
)
def test_a_parameter_not_every_call_agrees_on_stays_unknown(project: Path, capsys, flow: str) -> None:
    write(project, {"pkg/llm.py": LLM, "pkg/flow.py": flow})
    assert run(capsys, "--no-cache", "pkg") == []
