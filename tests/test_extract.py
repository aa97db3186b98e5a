"""The extraction stage on small inline sources: provenance, arguments and output caps, prompt text."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import List, Optional, Tuple

import libcst as cst
import pytest

from promptlint.extract import extract_calls
from promptlint.ir import Dynamic, LimitStatus, LLMCall, PromptText, Static, Volatility


def calls(source: str, root: Optional[Path] = None, name: str = "app.py") -> List[LLMCall]:
    root = root if root is not None else Path("/nonexistent-project")
    module = cst.parse_module(textwrap.dedent(source))
    found, _resolver = extract_calls(module, root / name, root)
    return found


def one(source: str, root: Optional[Path] = None) -> LLMCall:
    found = calls(source, root)
    assert len(found) == 1, found
    return found[0]


def shape(call: LLMCall) -> Tuple[str, str, Optional[str], LimitStatus]:
    return call.provider, call.endpoint, call.model, call.output_limit.status


MISSING, PRESENT = LimitStatus.MISSING, LimitStatus.PRESENT
UNKNOWN, NOT_APPLICABLE = LimitStatus.UNKNOWN, LimitStatus.NOT_APPLICABLE


# -- provenance: which calls are LLM requests, and of which API ----------------------------------------------

RECOGNISED = {
    "aliased class": (
        """
        from openai import OpenAI as C
        c = C()
        c.chat.completions.create(model="gpt-4o", messages=[])
        """,
        ("openai", "chat.completions.create", "gpt-4o", MISSING),
    ),
    "module attribute": (
        """
        import openai
        client = openai.OpenAI()
        client.chat.completions.create(model="gpt-4o-mini", messages=[], max_tokens=10)
        """,
        ("openai", "chat.completions.create", "gpt-4o-mini", PRESENT),
    ),
    "self.client set in __init__": (
        """
        from anthropic import AsyncAnthropic
        class Bot:
            def __init__(self):
                self.client = AsyncAnthropic()
            async def run(self, q):
                return await self.client.messages.create(model="claude-sonnet-4-5", max_tokens=5, messages=[])
        """,
        ("anthropic", "messages.create", "claude-sonnet-4-5", NOT_APPLICABLE),
    ),
    "parameter annotated with the class": (
        """
        from openai import OpenAI
        def run(client: OpenAI):
            return client.chat.completions.create(model="gpt-4o", messages=[])
        """,
        ("openai", "chat.completions.create", "gpt-4o", MISSING),
    ),
    "parameter annotated Optional": (
        """
        from typing import Optional
        from openai import OpenAI
        def run(client: Optional[OpenAI] = None):
            return client.chat.completions.create(model="gpt-4o", messages=[])
        """,
        ("openai", "chat.completions.create", "gpt-4o", MISSING),
    ),
    "parameter annotated with a string": (
        """
        from openai import OpenAI
        def run(client: "OpenAI"):
            return client.chat.completions.create(model="gpt-4o", messages=[])
        """,
        ("openai", "chat.completions.create", "gpt-4o", MISSING),
    ),
    "parameter annotated X | None": (
        """
        from openai import OpenAI
        def run(client: OpenAI | None = None):
            return client.chat.completions.create(model="gpt-4o", messages=[])
        """,
        ("openai", "chat.completions.create", "gpt-4o", MISSING),
    ),
    "optional parameter defaulted in the body": (
        """
        from typing import Optional
        from openai import OpenAI
        def run(client: Optional[OpenAI] = None):
            if client is None:
                client = OpenAI()
            return client.chat.completions.create(model="gpt-4o", messages=[])
        """,
        ("openai", "chat.completions.create", "gpt-4o", MISSING),
    ),
    "self.client = client or AsyncOpenAI()": (
        """
        from typing import Optional
        from openai import AsyncOpenAI
        class Provider:
            def __init__(self, client: Optional[AsyncOpenAI] = None):
                self.client = client or AsyncOpenAI()
            async def run(self):
                return await self.client.chat.completions.create(model="gpt-4o", messages=[])
        """,
        ("openai", "chat.completions.create", "gpt-4o", MISSING),
    ),
    "class-level annotation": (
        """
        from dataclasses import dataclass
        from openai import OpenAI
        @dataclass
        class Service:
            client: OpenAI
            def run(self):
                return self.client.responses.create(model="gpt-4.1", input="hi")
        """,
        ("openai", "responses.create", "gpt-4.1", MISSING),
    ),
    "class attribute annotated, with a default factory": (
        """
        from dataclasses import dataclass, field
        from openai import OpenAI
        @dataclass
        class Service:
            client: OpenAI = field(default_factory=OpenAI)
            def run(self):
                return self.client.chat.completions.create(model="gpt-4o", messages=[])
        """,
        ("openai", "chat.completions.create", "gpt-4o", MISSING),
    ),
    "with target": (
        """
        from openai import OpenAI
        with OpenAI() as c:
            c.chat.completions.create(model="gpt-4o", messages=[])
        """,
        ("openai", "chat.completions.create", "gpt-4o", MISSING),
    ),
    "factory with a return annotation": (
        """
        from openai import OpenAI
        def make() -> OpenAI:
            return OpenAI()
        make().chat.completions.create(model="gpt-4o", messages=[])
        """,
        ("openai", "chat.completions.create", "gpt-4o", MISSING),
    ),
    "two imports of the same package": (
        """
        import google.genai
        import google.auth
        google.genai.Client().models.generate_content(model="gemini-2.5-flash", contents="x")
        """,
        ("google", "models.generate_content", "gemini-2.5-flash", MISSING),
    ),
    "optional import with a None fallback": (
        """
        try:
            from openai import OpenAI
        except ImportError:
            OpenAI = None
        OpenAI().chat.completions.create(model="gpt-4o", messages=[])
        """,
        ("openai", "chat.completions.create", "gpt-4o", MISSING),
    ),
    "bound method alias": (
        """
        from openai import OpenAI
        client = OpenAI()
        create = client.chat.completions.create
        create(model="gpt-4o", messages=[])
        """,
        ("openai", "chat.completions.create", "gpt-4o", MISSING),
    ),
    "with_options and with_raw_response": (
        """
        from openai import OpenAI
        client = OpenAI()
        client.with_options(timeout=5).chat.completions.with_raw_response.create(model="gpt-4o", messages=[])
        """,
        ("openai", "chat.completions.create", "gpt-4o", MISSING),
    ),
    "beta structured outputs": (
        """
        from openai import OpenAI
        client = OpenAI()
        client.beta.chat.completions.parse(model="gpt-4o", messages=[], response_format=dict)
        """,
        ("openai", "beta.chat.completions.parse", "gpt-4o", MISSING),
    ),
    "responses with instructions": (
        """
        from openai import OpenAI
        OpenAI().responses.create(model="gpt-4.1", instructions="Be brief.", input="hi", max_output_tokens=9)
        """,
        ("openai", "responses.create", "gpt-4.1", PRESENT),
    ),
    "azure": (
        """
        from openai import AzureOpenAI
        azure = AzureOpenAI(api_version="2024-10-21")
        azure.chat.completions.create(model="my-deployment", messages=[])
        """,
        ("openai", "chat.completions.create", "my-deployment", MISSING),
    ),
    "module-level default client (openai>=1)": (
        """
        import openai
        openai.chat.completions.create(model="gpt-4o", messages=[])
        """,
        ("openai", "chat.completions.create", "gpt-4o", MISSING),
    ),
    "legacy ChatCompletion": (
        """
        import openai
        openai.ChatCompletion.create(model="gpt-3.5-turbo", messages=[])
        """,
        ("openai", "ChatCompletion.create", "gpt-3.5-turbo", MISSING),
    ),
    "legacy Completion defaults to 16 tokens": (
        """
        import openai
        openai.Completion.create(engine="davinci-002", prompt="Once")
        """,
        ("openai", "Completion.create", "davinci-002", NOT_APPLICABLE),
    ),
    "anthropic bedrock": (
        """
        from anthropic import AnthropicBedrock
        AnthropicBedrock().messages.create(model="anthropic.claude-3", max_tokens=5, messages=[])
        """,
        ("anthropic", "messages.create", "anthropic.claude-3", NOT_APPLICABLE),
    ),
    "anthropic beta messages alias": (
        """
        import anthropic
        client = anthropic.Anthropic()
        msgs = client.beta.messages
        msgs.stream(model="claude-sonnet-4-5", max_tokens=5, messages=[])
        """,
        ("anthropic", "beta.messages.stream", "claude-sonnet-4-5", NOT_APPLICABLE),
    ),
    "anthropic legacy text completions": (
        """
        from anthropic import Anthropic
        Anthropic().completions.create(model="claude-2.1", max_tokens_to_sample=5, prompt="Human: hi")
        """,
        ("anthropic", "completions.create", "claude-2.1", NOT_APPLICABLE),
    ),
    "google genai with a config": (
        """
        import google.genai
        from google.genai import types
        google.genai.Client().models.generate_content(
            model="gemini-2.5-flash",
            contents="hi",
            config=types.GenerateContentConfig(system_instruction="Be brief."),
        )
        """,
        ("google", "models.generate_content", "gemini-2.5-flash", MISSING),
    ),
    "google genai aio stream": (
        """
        from google import genai
        client = genai.Client()
        client.aio.models.generate_content_stream(model="gemini-2.5-pro", contents="hi")
        """,
        ("google", "aio.models.generate_content_stream", "gemini-2.5-pro", MISSING),
    ),
    "asyncio.to_thread": (
        """
        import asyncio
        from google import genai
        client = genai.Client()
        async def run():
            return await asyncio.to_thread(client.models.generate_content, model="gemini-2.5-flash", contents="x")
        """,
        ("google", "models.generate_content", "gemini-2.5-flash", MISSING),
    ),
    "legacy google.generativeai": (
        """
        import google.generativeai as genai
        model = genai.GenerativeModel("models/gemini-2.5-flash", system_instruction="Label reviews.")
        model.generate_content("great tent")
        """,
        ("google", "GenerativeModel.generate_content", "gemini-2.5-flash", MISSING),
    ),
    "litellm imported function": (
        """
        from litellm import completion
        completion(model="gpt-4o", messages=[])
        """,
        ("litellm", "completion", "gpt-4o", MISSING),
    ),
    "litellm module async": (
        """
        import litellm
        async def run():
            return await litellm.acompletion("claude-sonnet-4-5", [], max_tokens=3)
        """,
        ("litellm", "acompletion", "claude-sonnet-4-5", PRESENT),
    ),
    "ChatOpenAI": (
        """
        from langchain_openai import ChatOpenAI
        ChatOpenAI(model="gpt-4o")
        """,
        ("langchain", "ChatOpenAI", "gpt-4o", MISSING),
    ),
    "AzureChatOpenAI": (
        """
        from langchain_openai import AzureChatOpenAI
        AzureChatOpenAI(azure_deployment="support", max_tokens=300)
        """,
        ("langchain", "AzureChatOpenAI", None, PRESENT),
    ),
    "ChatAnthropic without max_tokens": (
        """
        from langchain_anthropic import ChatAnthropic
        ChatAnthropic(model_name="claude-sonnet-4-5")
        """,
        ("langchain", "ChatAnthropic", "claude-sonnet-4-5", MISSING),
    ),
    "ChatAnthropic legacy alias": (
        """
        from langchain_anthropic import ChatAnthropic
        ChatAnthropic(model="claude-3-5-haiku-latest", max_tokens_to_sample=256)
        """,
        ("langchain", "ChatAnthropic", "claude-3-5-haiku-latest", PRESENT),
    ),
    "ChatGoogleGenerativeAI": (
        """
        from langchain_google_genai import ChatGoogleGenerativeAI
        ChatGoogleGenerativeAI(model="gemini-2.5-flash")
        """,
        ("langchain", "ChatGoogleGenerativeAI", "gemini-2.5-flash", MISSING),
    ),
}


@pytest.mark.parametrize("label", sorted(RECOGNISED))
def test_recognised_shapes(label: str) -> None:
    source, expected = RECOGNISED[label]
    assert shape(one(source)) == expected


def test_async_and_loop_context() -> None:
    call = one(
        """
        from openai import AsyncOpenAI
        client = AsyncOpenAI()
        async def run(items):
            for item in items:
                await client.chat.completions.create(model="gpt-4o", messages=[])
        """
    )
    assert call.is_async and call.in_loop


def test_callee_through_a_trampoline_is_the_traced_function() -> None:
    call = one(
        """
        import asyncio
        from openai import OpenAI
        client = OpenAI()
        asyncio.to_thread(client.chat.completions.create, model="gpt-4o", messages=[])
        """
    )
    assert call.callee == "client.chat.completions.create"


NOT_LLM_CALLS = {
    "twilio messages": """
        import openai
        from twilio.rest import Client
        client = Client("sid", "token")
        client.messages.create(body="Your order shipped", from_="+1555", to="+1666")
    """,
    "local class with create": """
        import openai
        class Completions:
            def create(self, **kw):
                return kw
        Completions().create(model="gpt-4o", messages=[])
    """,
    "proxy object mimicking chat.completions": """
        from types import SimpleNamespace
        import openai
        class Fake:
            def __init__(self):
                self.chat = SimpleNamespace(completions=SimpleNamespace(create=lambda **kw: kw))
        fake = Fake()
        fake.chat.completions.create(model="gpt-4o", messages=[])
    """,
    "own ChatOpenAI class": """
        from openai import OpenAIError
        class ChatOpenAI:
            def __init__(self, model):
                self.model = model
        ChatOpenAI(model="gpt-4o")
    """,
    "OpenAI imported from a project module": """
        import openai
        from .gateway import OpenAI
        OpenAI().chat.completions.create(model="gpt-4o", messages=[])
    """,
    "ChatOpenAI imported from an absolute project module": """
        import openai
        from myapp.llm import ChatOpenAI
        ChatOpenAI(model="gpt-4o")
    """,
    "local function called completion": """
        import litellm
        def completion(model, messages):
            return litellm.completion(model=model, messages=messages, max_tokens=100)
        completion("gpt-4o", [])
    """,
    "embeddings": """
        from openai import OpenAI
        OpenAI().embeddings.create(model="text-embedding-3-small", input=["a"])
    """,
    "a name bound to two different things": """
        from openai import OpenAI
        from twilio.rest import Client
        client = OpenAI()
        client = Client()
        client.chat.completions.create(model="gpt-4o", messages=[])
    """,
}


@pytest.mark.parametrize("label", sorted(NOT_LLM_CALLS))
def test_lookalikes_are_not_llm_calls(label: str) -> None:
    found = calls(NOT_LLM_CALLS[label])
    assert all(call.output_limit.status is not MISSING for call in found), found
    if label != "local function called completion":
        assert found == []


# -- output caps ---------------------------------------------------------------------------------------------

LIMITS = {
    "set through a dict built earlier": (
        """
        kw = {"model": "gpt-4o", "messages": []}
        kw["max_tokens"] = 300
        client.chat.completions.create(**kw)
        """,
        PRESENT,
    ),
    "dict() with the cap": (
        """
        kw = dict(model="gpt-4o", max_completion_tokens=10)
        client.chat.completions.create(messages=[], **kw)
        """,
        PRESENT,
    ),
    "update with a literal": (
        """
        kw = {"model": "gpt-4o"}
        kw.update(max_tokens=5)
        client.chat.completions.create(messages=[], **kw)
        """,
        PRESENT,
    ),
    "setdefault": (
        """
        kw = {"model": "gpt-4o"}
        kw.setdefault("max_tokens", 100)
        client.chat.completions.create(messages=[], **kw)
        """,
        PRESENT,
    ),
    "dict without the cap": (
        """
        kw = {"model": "gpt-4o", "temperature": 0}
        client.chat.completions.create(messages=[], **kw)
        """,
        MISSING,
    ),
    "computed key": (
        """
        key = "max_tokens" if legacy else "max_completion_tokens"
        kw = {"model": "gpt-4o"}
        kw[key] = 100
        client.chat.completions.create(messages=[], **kw)
        """,
        UNKNOWN,
    ),
    "update with an unknown mapping": (
        """
        kw = {"model": "gpt-4o"}
        kw.update(options)
        client.chat.completions.create(messages=[], **kw)
        """,
        UNKNOWN,
    ),
    "dict handed to a helper": (
        """
        kw = {"model": "gpt-4o"}
        apply_defaults(kw)
        client.chat.completions.create(messages=[], **kw)
        """,
        UNKNOWN,
    ),
    "**kwargs parameter": (
        """
        client.chat.completions.create(model="gpt-4o", messages=[], **options)
        """,
        UNKNOWN,
    ),
    "extra_body literal with the cap": (
        """
        client.chat.completions.create(model="gpt-4o", messages=[], extra_body={"max_tokens": 5})
        """,
        PRESENT,
    ),
    "extra_body opaque": (
        """
        client.chat.completions.create(model="gpt-4o", messages=[], extra_body=options)
        """,
        UNKNOWN,
    ),
}


@pytest.mark.parametrize("label", sorted(LIMITS))
def test_output_limit_through_mappings(label: str) -> None:
    body, expected = LIMITS[label]
    source = "from openai import OpenAI\nclient = OpenAI()\ndef run(legacy, options):\n" + textwrap.indent(
        textwrap.dedent(body), "    "
    )
    assert one(source).output_limit.status is expected


def test_output_limit_from_self_kwargs_is_present() -> None:
    call = one(
        """
        from openai import OpenAI
        client = OpenAI()
        class Summarizer:
            def __init__(self, model):
                self.kwargs = {"model": model, "max_tokens": 400}
            def run(self, text):
                return client.chat.completions.create(messages=[], **self.kwargs)
        """
    )
    assert (call.output_limit.status, call.output_limit.parameter) == (PRESENT, "max_tokens")
    assert call.output_limit.value == 400


GEMINI_CONFIGS = {
    "dict config with the cap": ('config={"max_output_tokens": 256}', PRESENT),
    "typed config with the cap": ("config=types.GenerateContentConfig(max_output_tokens=256)", PRESENT),
    "typed config without the cap": ("config=types.GenerateContentConfig(temperature=0)", MISSING),
    "config from a settings object": ("config=settings.generation", UNKNOWN),
    "config from a helper": ("config=make_config(temperature=0)", UNKNOWN),
    "config with a splat": ("config=types.GenerateContentConfig(**options)", UNKNOWN),
}


@pytest.mark.parametrize("label", sorted(GEMINI_CONFIGS))
def test_gemini_config_limit(label: str) -> None:
    argument, expected = GEMINI_CONFIGS[label]
    call = one(
        f"""
        from google import genai
        from google.genai import types
        client = genai.Client()
        def run(settings, make_config, options):
            return client.models.generate_content(model="gemini-2.5-flash", contents="x", {argument})
        """
    )
    assert call.output_limit.status is expected


def test_gemini_config_capped_after_construction() -> None:
    call = one(
        """
        from google import genai
        from google.genai import types
        client = genai.Client()
        def run(budget):
            config = types.GenerateContentConfig(temperature=0.4)
            config.max_output_tokens = budget
            return client.models.generate_content(model="gemini-2.5-flash", contents="x", config=config)
        """
    )
    assert call.output_limit.status is PRESENT


def test_gemini_without_config_gets_a_config_fix_target() -> None:
    call = one(
        """
        from google import genai
        genai.Client().models.generate_content(model="gemini-2.5-flash", contents="x")
        """
    )
    assert (call.output_limit.status, call.output_limit.fix_target) == (MISSING, "config-new")


LANGCHAIN = {
    "model_kwargs literal": ('ChatOpenAI(model="gpt-4o", model_kwargs={"max_tokens": 5})', PRESENT),
    "model_kwargs opaque": ('ChatOpenAI(model="gpt-4o", model_kwargs=extra)', UNKNOWN),
    "splat": ('ChatOpenAI(model="gpt-4o", **settings)', UNKNOWN),
    "bind with a cap": ('ChatOpenAI(model="gpt-4o").bind(max_tokens=200)', UNKNOWN),
    "bind without a cap": ('ChatOpenAI(model="gpt-4o").bind(stop=["\\n"])', MISSING),
}


@pytest.mark.parametrize("label", sorted(LANGCHAIN))
def test_langchain_limits(label: str) -> None:
    expression, expected = LANGCHAIN[label]
    call = one(
        f"""
        from langchain_openai import ChatOpenAI
        def build(extra, settings):
            return {expression}
        """
    )
    assert call.output_limit.status is expected


def test_langchain_model_bound_later_with_a_cap() -> None:
    call = one(
        """
        from langchain_openai import ChatOpenAI
        def build():
            llm = ChatOpenAI(model="gpt-4o")
            return llm.bind(max_tokens=256)
        """
    )
    assert call.output_limit.status is UNKNOWN


def test_legacy_chat_completion_fix_uses_max_tokens() -> None:
    call = one(
        """
        import openai
        openai.ChatCompletion.create(model="gpt-3.5-turbo", messages=[])
        """
    )
    assert (call.output_limit.parameter, call.output_limit.fix_target) == ("max_tokens", "call")


# -- prompt text ---------------------------------------------------------------------------------------------

Segments = List[Tuple[str, ...]]


def flatten(text: PromptText) -> Segments:
    out: Segments = []
    for segment in text.segments:
        if isinstance(segment, Static):
            out.append(("static", segment.text))
        else:
            assert isinstance(segment, Dynamic)
            out.append(("dynamic", segment.source, segment.volatility.value))
    return out


def system_prompt(body: str, prelude: str = "", root: Optional[Path] = None) -> Segments:
    """The system prompt of a chat call in ``handler(user, question)``, whose body assigns ``system``."""
    source = (
        "import os, platform, random, time, uuid, textwrap, inspect\n"
        "from datetime import datetime\nfrom pathlib import Path\nfrom openai import OpenAI\n"
        "client = OpenAI()\n"
        + textwrap.dedent(prelude)
        + "\ndef handler(user, question):\n"
        + textwrap.indent(textwrap.dedent(body).rstrip("\n") + "\n", "    ")
        + '    client.chat.completions.create(model="gpt-4o", max_tokens=9, '
        'messages=[{"role": "system", "content": system}, {"role": "user", "content": question}])\n'
    )
    call = one(source, root)
    assert [part.role for part in call.prompt] == ["system", "user"]
    return flatten(call.prompt[0].text)


def test_fstring_with_a_constant_name_is_static() -> None:
    segments = system_prompt(
        'system = f"{COMPANY} support.\\n{RULES}"', 'COMPANY = "Larkspur"\nRULES = "Be kind."\n'
    )
    assert segments == [("static", "Larkspur support.\nBe kind.")]


def test_fstring_with_a_parameter_is_dynamic_per_request() -> None:
    segments = system_prompt('system = f"Hello {user}!\\n" "Rules."')
    assert segments == [("static", "Hello "), ("dynamic", "user", "per-request"), ("static", "!\nRules.")]


def test_format_with_a_constant_argument_is_static() -> None:
    segments = system_prompt(
        "system = TEMPLATE.format(company=COMPANY, name=user)",
        'COMPANY = "Larkspur"\nTEMPLATE = "{company} bot talking to {name}."\n',
    )
    assert segments == [
        ("static", "Larkspur bot talking to "),
        ("dynamic", "user", "per-request"),
        ("static", "."),
    ]


def test_percent_formatting() -> None:
    segments = system_prompt('system = "Plan %s, %d%% used, for %s" % (PLAN, 40, user)', 'PLAN = "pro"\n')
    assert segments == [
        ("static", "Plan pro, "),
        ("dynamic", "40", "per-process"),
        ("static", "% used, for "),
        ("dynamic", "user", "per-request"),
    ]


def test_plus_concatenation_and_implicit_concatenation() -> None:
    segments = system_prompt('system = "A " "B " + user + (" C" " D")')
    assert segments == [("static", "A B "), ("dynamic", "user", "per-request"), ("static", " C D")]


def test_dedent_keeps_the_hole() -> None:
    body = 'system = textwrap.dedent(f"""\\\n    Customer: {user}\n      Rules follow.\n    """)\n'
    segments = system_prompt(body)
    assert segments == [
        ("static", "Customer: "),
        ("dynamic", "user", "per-request"),
        ("static", "\n  Rules follow.\n"),
    ]


def test_cleandoc() -> None:
    segments = system_prompt('system = inspect.cleandoc("""\n    First\n      second\n    """)\n')
    assert segments == [("static", "First\n  second")]


def test_join_of_a_literal_list() -> None:
    segments = system_prompt('system = "\\n".join(["Rules:", RULE, user])', 'RULE = "Be brief."\n')
    assert segments == [("static", "Rules:\nBe brief.\n"), ("dynamic", "user", "per-request")]


def test_strip_and_class_constant() -> None:
    source = """
        from openai import OpenAI
        client = OpenAI()
        class Bot:
            PERSONA = "  You are Fern.  "
            def run(self, q):
                return client.chat.completions.create(
                    model="gpt-4o", max_tokens=5, messages=[{"role": "system", "content": self.PERSONA.strip()}]
                )
        """
    assert flatten(one(source).prompt[0].text) == [("static", "You are Fern.")]


def test_messages_list_built_before_the_call() -> None:
    call = one(
        """
        from openai import OpenAI
        client = OpenAI()
        RULES = "Rules."
        def run(account, question):
            messages = [{"role": "system", "content": f"Account {account}"}, {"role": "system", "content": RULES}]
            messages.append({"role": "user", "content": question})
            return client.chat.completions.create(model="gpt-4o", max_tokens=5, messages=messages)
        """
    )
    assert [part.role for part in call.prompt] == ["system", "system", "unknown"]
    assert flatten(call.prompt[1].text) == [("static", "Rules.")]
    assert call.prompt_complete


def test_cache_order_of_anthropic_gemini_and_responses() -> None:
    anthropic = one(
        """
        from anthropic import Anthropic
        Anthropic().messages.create(model="claude-sonnet-4-5", max_tokens=5, system="S",
                                    messages=[{"role": "user", "content": "U"}])
        """
    )
    assert [(p.role, p.text.static_text) for p in anthropic.prompt] == [("system", "S"), ("user", "U")]
    gemini = one(
        """
        from google import genai
        from google.genai import types
        genai.Client().models.generate_content(
            model="gemini-2.5-flash", contents="U",
            config=types.GenerateContentConfig(system_instruction="S", max_output_tokens=5),
        )
        """
    )
    assert [(p.role, p.text.static_text) for p in gemini.prompt] == [("system", "S"), ("user", "U")]
    responses = one(
        """
        from openai import OpenAI
        OpenAI().responses.create(model="gpt-4.1", instructions="S", input="U", max_output_tokens=5)
        """
    )
    assert [(p.role, p.text.static_text) for p in responses.prompt] == [("instructions", "S"), ("user", "U")]


# -- prompt files --------------------------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "system.md").write_text("You are the help-centre assistant.\n", encoding="utf-8")
    return tmp_path


PROMPT_FILE_READS = [
    'system = open("prompts/system.md").read()',
    'system = open("prompts/system.md", encoding="utf-8").read()',
    'system = Path("prompts/system.md").read_text()',
    'system = (Path(__file__).parent / "prompts" / "system.md").read_text(encoding="utf-8")',
    'system = (Path(__file__).resolve().parent / "prompts" / "system.md").read_text()',
    'system = open(os.path.join(os.path.dirname(__file__), "prompts", "system.md")).read()',
    'with open("prompts/system.md") as fh:\n    system = fh.read()\n',
]


@pytest.mark.parametrize("body", PROMPT_FILE_READS)
def test_prompt_file_is_read_relative_to_the_source(project: Path, body: str) -> None:
    assert system_prompt(body, root=project) == [("static", "You are the help-centre assistant.\n")]


def test_prompt_file_at_module_level(project: Path) -> None:
    prelude = 'PROMPT = (Path(__file__).parent / "prompts" / "system.md").read_text()\n'
    assert system_prompt("system = PROMPT", prelude, root=project) == [
        ("static", "You are the help-centre assistant.\n")
    ]


def test_missing_prompt_file_is_unknown(project: Path) -> None:
    [(kind, _source, volatility)] = system_prompt('system = open("prompts/other.md").read()', root=project)
    assert (kind, volatility) == ("dynamic", "unknown")


def test_binary_read_is_not_a_prompt(project: Path) -> None:
    [(kind, *_rest)] = system_prompt('system = open("prompts/system.md", "rb").read()', root=project)
    assert kind == "dynamic"


def test_prompt_file_outside_the_project_is_not_read(project: Path) -> None:
    outside = project.parent / "elsewhere.md"
    outside.write_text("secret", encoding="utf-8")
    try:
        [(kind, *_rest)] = system_prompt('system = open("../elsewhere.md").read()', root=project)
    finally:
        outside.unlink()
    assert kind == "dynamic"


# -- volatility ----------------------------------------------------------------------------------------------

VOLATILITY = {
    "datetime.now()": ("datetime.now()", "", "per-call"),
    "uuid4()": ("uuid.uuid4().hex", "", "per-call"),
    "time.time()": ("time.time()", "", "per-call"),
    "random.choice": ("random.choice(GREETINGS)", 'GREETINGS = ["Hi", "Hello"]\n', "per-call"),
    "a timestamp bound to a local": ("now", "", "per-call"),
    "a parameter": ("user", "", "per-request"),
    "an attribute of a parameter": ("user.name", "", "per-request"),
    "a function of a parameter": ("lookup(user)", "def lookup(u):\n    return u\n", "per-request"),
    "os.name": ("os.name", "", "per-process"),
    "platform.system()": ("platform.system()", "", "per-process"),
    "os.getcwd()": ("os.getcwd()", "", "per-process"),
    "a module-level f-string with datetime.now()": (
        "BANNER",
        'BANNER = f"Built {datetime.now()}"\n',
        "per-process",
    ),
    "a time of day": ("now:%H:%M", "", "per-call"),
    "today's date from a clock reading": ("now:%Y-%m-%d", "", "per-process"),
    "strftime of a date": ('now.strftime("%A %d %B")', "", "per-process"),
    "date.today()": ("date.today()", "from datetime import date\n", "per-process"),
    "one of two fixed texts": ('"pro" if user.paid else "free"', "", "unknown"),
    "a fixed text or a per-request one": ('user.name if user.known else "there"', "", "per-request"),
    "an entry of a table of fixed texts": (
        "PERSONAS.get(user.tier, PERSONAS['free'])",
        'PERSONAS = {"free": "Helper.", "pro": "Senior helper."}\n',
        "unknown",
    ),
    "an entry of a table built from parameters": (
        "TABLE[user.tier]",
        "TABLE = {'a': make()}\n",
        "per-request",
    ),
    "a loop over a few fixed texts": ("lang", "", "unknown"),
    "a loop over request data": ("item", "", "per-request"),
    "an opaque call of constants": ("load_persona()", "from personas import load_persona\n", "unknown"),
    "an imported name": ("PERSONA", "from app.prompts import PERSONA\n", "per-process"),
}


@pytest.mark.parametrize("label", sorted(VOLATILITY))
def test_volatility(label: str) -> None:
    expression, prelude, expected = VOLATILITY[label]
    body = (
        "now = datetime.now()\n"
        'for lang in ("en", "fr"):\n    pass\n'
        "for item in user.items:\n    pass\n"
        f'system = f"{{{expression}}} | Rules."\n'
    )
    segments = system_prompt(body, prelude)
    dynamic = [s for s in segments if s[0] == "dynamic"]
    assert len(dynamic) == 1, segments
    assert dynamic[0][2] == expected


def test_module_level_fstring_resolves_to_a_per_process_segment() -> None:
    segments = system_prompt("system = SYSTEM", 'SYSTEM = f"Today is {datetime.now():%d %B}. Be kind."\n')
    assert segments == [
        ("static", "Today is "),
        ("dynamic", "datetime.now()", "per-process"),
        ("static", ". Be kind."),
    ]


def test_self_attribute_is_not_a_per_request_value() -> None:
    call = one(
        """
        from openai import OpenAI
        client = OpenAI()
        class Bot:
            def __init__(self, company):
                self.company = company
            def run(self, q):
                return client.chat.completions.create(
                    model="gpt-4o", max_tokens=5, messages=[{"role": "system", "content": f"{self.company}."}]
                )
        """
    )
    [dynamic, _static] = call.prompt[0].text.segments
    assert dynamic.volatility is Volatility.UNKNOWN


def test_flask_request_proxy_is_per_request() -> None:
    call = one(
        """
        from flask import request
        from openai import OpenAI
        client = OpenAI()
        def view():
            return client.chat.completions.create(
                model="gpt-4o", max_tokens=5, messages=[{"role": "system", "content": f"{request.args['u']}."}]
            )
        """
    )
    assert call.prompt[0].text.segments[0].volatility is Volatility.PER_REQUEST


def test_lazily_created_self_client() -> None:
    call = one(
        """
        from typing import Optional
        from anthropic import AsyncAnthropic
        class Provider:
            def __init__(self):
                self._client: Optional[AsyncAnthropic] = None
            def _ensure(self):
                if self._client is None:
                    self._client = AsyncAnthropic()
            async def run(self):
                return await self._client.messages.create(model="claude-sonnet-4-5", max_tokens=5, messages=[])
        """
    )
    assert shape(call) == ("anthropic", "messages.create", "claude-sonnet-4-5", NOT_APPLICABLE)


def test_self_attribute_also_assigned_something_unknown_is_not_a_client() -> None:
    found = calls(
        """
        from openai import OpenAI
        class Service:
            def __init__(self):
                self.client = OpenAI()
            def use(self, other):
                self.client = other
            def run(self):
                return self.client.chat.completions.create(model="gpt-4o", messages=[])
        """
    )
    assert found == []


def test_messages_passed_to_a_helper_are_still_read() -> None:
    call = one(
        """
        from openai import OpenAI
        client = OpenAI()
        def run(question, count_tokens):
            messages = [{"role": "system", "content": "Rules."}, {"role": "user", "content": question}]
            count_tokens(messages)
            return client.chat.completions.create(model="gpt-4o", max_tokens=5, messages=messages)
        """
    )
    assert [part.role for part in call.prompt] == ["system", "user"]


def test_cache_control_on_a_block_marks_the_request_as_cached() -> None:
    source = (
        "import anthropic\n"
        "c = anthropic.Anthropic()\n"
        "c.messages.create(model='m', max_tokens=5, system=[{'type': 'text', 'text': 'x', "
        "'cache_control': {'type': 'ephemeral'}}], messages=[])\n"
        "c.messages.create(model='m', max_tokens=5, system='x', messages=[])\n"
    )
    import libcst as cst

    from promptlint.extract import extract_calls

    calls, _ = extract_calls(cst.parse_module(source))
    assert [call.marks_cache for call in calls] == [True, False]
    assert calls[0].prompt[0].cache_breakpoint is True
