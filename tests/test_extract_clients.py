"""Clients wherever the class gets them: every candidate followed, one provider (or a compatible family)
required, and what the candidates disagree on left unknown."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import List, Tuple

import libcst as cst
import pytest

from promptlint.extract import extract_calls
from promptlint.extract.reaching import reaching_at_end
from promptlint.ir import LimitStatus, LLMCall


def calls(source: str, signatures: bool = True) -> List[LLMCall]:
    root = Path("/nonexistent-project")
    module = cst.parse_module(textwrap.dedent(source))
    found, _ = extract_calls(module, root / "app.py", root, signatures=signatures)
    return found


def summary(source: str) -> List[Tuple[str, str, str, str, bool, str]]:
    return [
        (c.provider, c.endpoint, c.callee, str(c.platform), c.is_async, c.output_limit.status.value)
        for c in calls(source)
    ]


def test_branches_of_one_family_are_one_request_on_an_unknown_platform() -> None:
    source = """
        from openai import AzureOpenAI, OpenAI
        class Bot:
            def __init__(self, azure):
                if azure:
                    self.client = AzureOpenAI()
                else:
                    self.client = OpenAI()
            def ask(self, q):
                return self.client.chat.completions.create(model="gpt-4o", messages=[q])
        """
    assert summary(source) == [
        (
            "openai",
            "chat.completions.create",
            "self.client.chat.completions.create",
            "unknown",
            False,
            "missing",
        )
    ]


def test_branches_that_agree_on_the_platform_keep_it() -> None:
    source = """
        from openai import AsyncOpenAI, OpenAI
        def pick(streaming):
            client = AsyncOpenAI() if streaming else OpenAI()
            return client.chat.completions.create(model="gpt-4o", messages=[])
        """
    # A sync and an async candidate: async only when every candidate is (or the call is awaited).
    assert summary(source) == [
        ("openai", "chat.completions.create", "client.chat.completions.create", "", False, "missing")
    ]


def test_every_async_candidate_makes_an_async_call() -> None:
    source = """
        from openai import AsyncAzureOpenAI, AsyncOpenAI
        def pick(azure):
            client = AsyncAzureOpenAI() if azure else AsyncOpenAI()
            return client.chat.completions.create(model="gpt-4o", messages=[])
        """
    assert [c.is_async for c in calls(source)] == [True]


@pytest.mark.parametrize(
    "other",
    ["Anthropic()", "httpx.Client()", "make_gateway()", "None if x else Anthropic()"],
)
def test_a_candidate_of_another_kind_silences_the_call(other: str) -> None:
    source = f"""
        import httpx
        from anthropic import Anthropic
        from openai import OpenAI
        from .gateway import make_gateway
        class Bot:
            def __init__(self, flag, x):
                if flag:
                    self.client = {other}
                else:
                    self.client = OpenAI()
            def ask(self, q):
                return self.client.chat.completions.create(model="gpt-4o", messages=[q])
        """
    assert summary(source) == []


def test_parent_class_in_the_module_sets_the_client() -> None:
    source = """
        from anthropic import Anthropic
        class Base:
            def __init__(self):
                self.client = Anthropic()
        class Middle(Base):
            pass
        class Child(Middle):
            def ask(self, q):
                return self.client.messages.create(model="claude-sonnet-4-5", max_tokens=100, messages=[q])
        """
    assert summary(source) == [
        ("anthropic", "messages.create", "self.client.messages.create", "", False, "not-applicable")
    ]


def test_parent_and_child_bindings_are_both_candidates() -> None:
    source = """
        import redis
        from openai import OpenAI
        class Base:
            def __init__(self):
                self.client = OpenAI()
        class Child(Base):
            def __init__(self):
                self.client = redis.Redis()
            def ask(self, q):
                return self.client.chat.completions.create(model="gpt-4o", messages=[q])
        """
    assert summary(source) == []


def test_a_parent_from_another_module_is_unknown() -> None:
    source = """
        import openai
        from .base import Base
        class Child(Base):
            def ask(self, q):
                return self.client.chat.completions.create(model="gpt-4o", messages=[q])
        """
    # Only the request's signature says what it is.
    assert [str(c.confidence) for c in calls(source)] == ["low"]
    assert calls(source, signatures=False) == []


@pytest.mark.parametrize(
    "getter, read",
    [
        ("def get(self):\n        return OpenAI()", "self.get()"),
        ("@property\n    def get(self):\n        return OpenAI()", "self.get"),
        ("@functools.cached_property\n    def get(self):\n        return OpenAI()", "self.get"),
        ("@cached_property\n    def get(self):\n        return OpenAI()", "self.get"),
        ("@property\n    def get(self) -> OpenAI:\n        return self._made", "self.get"),
    ],
)
def test_getters_and_properties(getter: str, read: str) -> None:
    source = (
        "import functools\nfrom functools import cached_property\nfrom openai import OpenAI\n"
        f"class Bot:\n    {getter}\n"
        f"    def ask(self, q):\n        return {read}.chat.completions.create(model='gpt-4o', messages=[q])\n"
    )
    assert [c.callee for c in calls(source)] == [f"{read}.chat.completions.create"]


@pytest.mark.parametrize(
    "getter, read",
    [
        ("@staticmethod\n    def get():\n        return OpenAI()", "self.get()"),
        ("@retry\n    def get(self):\n        return OpenAI()", "self.get()"),
        ("def get(self):\n        return OpenAI()", "self.get"),  # the method itself, not what it gives
        ("@property\n    def get(self):\n        return OpenAI()", "self.get()"),  # calls the client
        ("def get(self):\n        yield OpenAI()", "self.get()"),
    ],
)
def test_getters_that_do_not_give_a_client(getter: str, read: str) -> None:
    source = (
        "from openai import OpenAI\nfrom .tools import retry\n"
        f"class Bot:\n    {getter}\n"
        f"    def ask(self, q):\n        return {read}.chat.completions.create(model='gpt-4o', messages=[q])\n"
    )
    assert calls(source) == []


def test_factory_without_annotation_follows_every_return() -> None:
    source = """
        from google import genai
        from openai import OpenAI
        def same(vertex):
            if vertex:
                return genai.Client(vertexai=True)
            return genai.Client()
        def mixed(flag):
            if flag:
                return OpenAI()
            return genai.Client()
        def ask(q):
            same(True).models.generate_content(model="gemini-2.5-flash", contents=q)
            mixed(True).models.generate_content(model="gemini-2.5-flash", contents=q)
        """
    assert summary(source) == [
        (
            "google",
            "models.generate_content",
            "same(True).models.generate_content",
            "unknown",
            False,
            "missing",
        )
    ]


@pytest.mark.parametrize(
    "params, body, found",
    [
        ("client=OpenAI()", "", ["high"]),
        ("client=None", "client = client or OpenAI()", ["high"]),
        ("client=None", "if client is None:\n        client = OpenAI()", ["high"]),
        ("client: 'OpenAI | None' = None", "", ["high"]),
        ("client", "client = client or OpenAI()", []),  # a bare parameter: the caller passes anything
        ("client=None", "", ["low"]),  # nothing says what it is but the request's signature
        ("client=make()", "", []),  # the default says it is something the module cannot see
    ],
)
def test_parameters_with_a_default_or_an_annotation(params: str, body: str, found: List[str]) -> None:
    source = (
        "from openai import OpenAI\nfrom .factory import make\n"
        f"def ask(q, {params}):\n    {body or 'pass'}\n"
        "    return client.chat.completions.create(model='gpt-4o', messages=[q])\n"
    )
    assert [str(c.confidence) for c in calls(source)] == found


def test_module_alias_bound_in_both_branches_reads_as_the_openai_request() -> None:
    source = """
        import os
        completion = lambda **kwargs: None
        if os.environ.get("LITELLM"):
            import litellm
            completion = litellm.completion
        else:
            from openai import OpenAI
            completion = OpenAI().chat.completions.create
        def ask(q):
            return completion(model="gpt-4o", messages=[q])
        """
    assert summary(source) == [("openai", "chat.completions.create", "completion", "", False, "missing")]


def test_module_alias_read_at_import_time_sees_every_binding() -> None:
    source = """
        import os
        import litellm
        completion = lambda **kwargs: None
        if os.environ.get("LITELLM"):
            completion = litellm.completion
        else:
            completion = litellm.acompletion
        completion(model="gpt-4o", messages=[])
        """
    assert summary(source) == []


def test_module_alias_with_a_branch_that_may_not_rebind_it() -> None:
    source = """
        import os
        import litellm
        completion = lambda **kwargs: None
        if os.environ.get("LITELLM"):
            completion = litellm.completion
        def ask(q):
            return completion(model="gpt-4o", messages=[q])
        """
    assert summary(source) == []


def test_a_limit_the_candidates_disagree_on_is_unknown() -> None:
    source = """
        import os
        import litellm
        from openai import OpenAI
        if os.environ.get("LITELLM"):
            completion = litellm.completion
        else:
            completion = OpenAI().chat.completions.create
        def ask(q, *rest):
            return completion(*rest, model="gpt-4o", messages=[q])
        """
    # LiteLLM's ``*args`` may carry the cap, OpenAI's keyword-only API cannot: the candidates disagree.
    assert [c.output_limit.status for c in calls(source)] == [LimitStatus.UNKNOWN]


def test_reaching_assignments_at_the_end_of_the_module() -> None:
    module = cst.parse_module(
        textwrap.dedent(
            """
            a = 1
            if x:
                a = 2
            else:
                a = 3
            b = 1
            for _ in y:
                b = 2
            c = 1
            try:
                c = 2
            except E:
                pass
            d = 1
            import d
            """
        )
    )
    values = {
        name: sorted(_value_text(module, index) for index in ids)
        for name, ids in reaching_at_end(module).items()
    }
    assert values == {"a": ["2", "3"], "b": ["1", "2"], "c": ["1", "2"], "d": []}


def _value_text(module: cst.Module, node_id: int) -> str:
    found = []

    class Finder(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            if id(node) == node_id:
                found.append(module.code_for_node(node))
            return True

    module.visit(Finder())
    return found[0]


@pytest.mark.parametrize(
    "wrapped, read, expected",
    [
        ("instructor.from_openai(OpenAI(), mode=instructor.Mode.JSON)", "chat.completions.create", 1),
        ("instructor.patch(client=AsyncOpenAI())", "chat.completions.create", 1),
        ("instructor.from_anthropic(Anthropic())", "messages.create", 1),
        # instructor also answers ``chat.completions.create`` for Anthropic: not the SDK's path, not followed
        ("instructor.from_anthropic(Anthropic())", "chat.completions.create", 0),
        ("wrap_openai(OpenAI())", "chat.completions.create", 1),
        ("track_openai(openai_client=OpenAI())", "responses.create", 1),
        ("track_openai(project_name='x')", "responses.create", 0),
        ("instructor.from_provider('openai/gpt-4o')", "chat.completions.create", 0),
        ("OpenAI().with_options(timeout=5)", "chat.completions.create", 1),
    ],
)
def test_wrapped_clients(wrapped: str, read: str, expected: int) -> None:
    source = (
        "import instructor\nfrom anthropic import Anthropic\nfrom openai import AsyncOpenAI, OpenAI\n"
        "from langsmith.wrappers import wrap_openai\nfrom opik.integrations.openai import track_openai\n"
        f"client = {wrapped}\n"
        f"client.{read}(model='m', max_tokens=10, messages=[], input='x')\n"
    )
    assert len(calls(source)) == expected


@pytest.mark.parametrize(
    "imports, expression",
    [
        ("from langfuse.openai import openai", "openai.chat.completions.create"),
        ("from langfuse.openai import OpenAI", "OpenAI().chat.completions.create"),
        ("import langfuse.openai", "langfuse.openai.AzureOpenAI().chat.completions.create"),
    ],
)
def test_observability_drop_ins(imports: str, expression: str) -> None:
    source = f"{imports}\n{expression}(model='gpt-4o', messages=[])\n"
    assert [(c.provider, c.endpoint) for c in calls(source)] == [("openai", "chat.completions.create")]


# -- recognition by request signature ------------------------------------------------------------------------

SIGNATURES = {
    "chat completions on a bare parameter": (
        "def f(client, q):\n    client.chat.completions.create(model='gpt-4o', messages=[q])\n",
        [("openai", "chat.completions.create", "unknown", "missing")],
    ),
    "responses": (
        "def f(client, q):\n    client.responses.create(model='gpt-4o', input=q)\n",
        [("openai", "responses.create", "unknown", "missing")],
    ),
    "messages with the Messages API's keywords": (
        "def f(client, q):\n    client.messages.create(model='claude-sonnet-4-5', max_tokens=9, messages=[q])\n",
        [("anthropic", "messages.create", "unknown", "not-applicable")],
    ),
    "generate_content": (
        "def f(client, q):\n    client.models.generate_content(model='gemini-2.5-flash', contents=q)\n",
        [("google", "models.generate_content", "unknown", "missing")],
    ),
    "a parameter annotated Any, and a **mapping besides": (
        "from typing import Any\n"
        "def f(client: Any, q, extra):\n"
        "    client.chat.completions.create(model='gpt-4o', messages=[q], **extra)\n",
        [("openai", "chat.completions.create", "unknown", "unknown")],
    ),
    "self.client handed to the constructor": (
        "class T:\n    def __init__(self, client):\n        self.client = client\n"
        "    def f(self, q):\n        self.client.chat.completions.create(model='gpt-4o', messages=[q])\n",
        [("openai", "chat.completions.create", "unknown", "missing")],
    ),
    "self.client set by nobody in the module": (
        "class T:\n    def f(self, q):\n        self.client.chat.completions.create(model='gpt-4o', messages=[q])\n",
        [("openai", "chat.completions.create", "unknown", "missing")],
    ),
    "twilio": (
        "def f(client):\n    client.messages.create(to='+1', from_='+2', body='hi')\n",
        [],
    ),
    "messages.create without max_tokens": (
        "def f(client, q):\n    client.messages.create(model='m', messages=[q])\n",
        [],
    ),
    "a local class's create(**data)": (
        "def f(store, data):\n    store.messages.create(**data)\n",
        [],
    ),
    "a positional argument": (
        "def f(client, q):\n    client.chat.completions.create('gpt-4o', messages=[q])\n",
        [],
    ),
    "messages as a string": (
        "def f(client):\n    client.chat.completions.create(model='gpt-4o', messages='hello')\n",
        [],
    ),
    "a mock's assertion": (
        "def test(client):\n"
        "    client.chat.completions.create.assert_called_once_with(model='gpt-4o', messages=[])\n",
        [],
    ),
    "a receiver the module builds": (
        "from unittest.mock import MagicMock\nimport httpx\n"
        "def f(q):\n    client = MagicMock()\n    client.chat.completions.create(model='gpt-4o', messages=[q])\n"
        "    http = httpx.Client()\n    http.chat.completions.create(model='gpt-4o', messages=[q])\n",
        [],
    ),
    "a parameter with a project type": (
        "from .llm import Gateway\n"
        "def f(client: Gateway, q):\n    client.chat.completions.create(model='gpt-4o', messages=[q])\n",
        [],
    ),
    "a parameter with a default the module cannot see": (
        "from .llm import default_client\n"
        "def f(q, client=default_client):\n    client.chat.completions.create(model='gpt-4o', messages=[q])\n",
        [],
    ),
    "self.client that the class sets to a project object": (
        "from .llm import Gateway\n"
        "class T:\n    def __init__(self):\n        self.client = Gateway()\n"
        "    def f(self, q):\n        self.client.chat.completions.create(model='gpt-4o', messages=[q])\n",
        [],
    ),
    "self.client that is a property": (
        "class T:\n    @property\n    def client(self):\n        return make()\n"
        "    def f(self, q):\n        self.client.chat.completions.create(model='gpt-4o', messages=[q])\n",
        [],
    ),
    "an attribute of another object": (
        "def f(app, q):\n    app.client.chat.completions.create(model='gpt-4o', messages=[q])\n",
        [],
    ),
}


@pytest.mark.parametrize("label", sorted(SIGNATURES))
def test_recognition_by_signature(label: str) -> None:
    source, expected = SIGNATURES[label]
    found = calls(source)
    assert [(c.provider, c.endpoint, str(c.platform), c.output_limit.status.value) for c in found] == expected
    assert all(str(c.confidence) == "low" for c in found)
    assert calls(source, signatures=False) == []


def test_a_traced_client_is_high_confidence() -> None:
    source = "from openai import OpenAI\nOpenAI().chat.completions.create(model='gpt-4o', messages=[])\n"
    assert [str(c.confidence) for c in calls(source)] == ["high"]
