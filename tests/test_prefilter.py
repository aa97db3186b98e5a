from __future__ import annotations

import io

import pytest

from promptlint.prefilter import SDK_MODULES, may_call_llm, stream_may_call_llm

POSITIVE = [
    "import openai",
    "import openai as oa",
    "import openai.types.chat",
    "from openai import OpenAI",
    "import os, openai",
    "import os.path as p, json, anthropic as a",
    "import anthropic",
    "from anthropic import Anthropic, AsyncAnthropic",
    "from google import genai",
    "from google import auth, genai as g",
    "from google import generativeai as genai",
    "from google import (\n    auth,  # credentials\n    genai,\n)",
    "from google.genai import types",
    "import google.generativeai as genai",
    "import litellm",
    "from litellm import completion",
    "from langchain_openai import ChatOpenAI",
    "from langchain_anthropic import ChatAnthropic",
    "from langchain_google_genai import ChatGoogleGenerativeAI",
    "from langchain_community.chat_models import ChatOllama",
    "from langchain.chat_models import init_chat_model",
    "from langchain import chat_models",
    "from langchain_community import chat_models",
    "def f():\n    import openai\n",
    "try:\n\tfrom anthropic import Anthropic\nexcept ImportError:\n    pass\n",
    "x = 1\r\nimport openai\r\n",
    "x = 1\rimport openai\r",
    "# lone carriage returns end lines too\rfrom google import (\r    genai,\r)\r",
    "from   openai   import   OpenAI",
]

NEGATIVE = [
    "",
    "import openaix",
    "import openai_helpers",
    "from myopenai import x",
    "from openai_helpers import x",
    "from .openai import x",
    "from . import openai",
    "import my.openai",
    "import twilio",
    "from twilio.rest import Client",
    "import google",
    "from google.cloud import storage",
    "from google import auth",
    "from google import genai_tools",
    "from langchain import hub",
    "import langchain",
    "openai = None",
    "client = openai.OpenAI()",
    "s = 'talks to openai'",
    "importopenai",
    "fromopenai import x",
    "x.import openai",
]


@pytest.mark.parametrize("text", POSITIVE)
def test_positive(text: str) -> None:
    assert may_call_llm(text.encode()) is True
    assert may_call_llm(b"'''doc'''\nimport json\n\n" + text.encode() + b"\nx = 1\n") is True


@pytest.mark.parametrize("text", NEGATIVE)
def test_negative(text: str) -> None:
    assert may_call_llm(text.encode()) is False
    assert may_call_llm(b"import json\n" + text.encode() + b"\n") is False


def test_sdk_modules() -> None:
    assert SDK_MODULES == (
        "openai",
        "anthropic",
        "google.genai",
        "google.generativeai",
        "litellm",
        "langchain_openai",
        "langchain_anthropic",
        "langchain_google_genai",
        "langchain_community.chat_models",
        "langchain.chat_models",
        "mistralai",
        "cohere",
        "groq",
        "together",
        "boto3",
        "vertexai",
    )


@pytest.mark.parametrize("module", SDK_MODULES)
def test_every_module_in_every_form(module: str) -> None:
    assert may_call_llm(f"import {module}".encode()) is True
    assert may_call_llm(f"import json, {module} as m".encode()) is True
    assert may_call_llm(f"from {module} import x".encode()) is True
    # A submodule import binds nothing the extractors can trace (types, helpers): not worth a parse.
    assert may_call_llm(f"from {module}.sub import x".encode()) is False
    assert may_call_llm(f"import {module}x".encode()) is False


@pytest.mark.parametrize(
    "line",
    [
        "from openai.types.chat import ChatCompletionMessageParam",
        "from anthropic.types import MessageParam",
        "from google.genai.types import GenerateContentConfig",
        "from langchain.chat_models.base import init_chat_model",
        "from langfuse import observe",
    ],
)
def test_type_only_submodule_imports_are_not_gates(line: str) -> None:
    assert may_call_llm(line.encode()) is False


@pytest.mark.parametrize(
    "line",
    [
        "from langchain_openai.chat_models import ChatOpenAI",
        "from langchain_anthropic.chat_models import ChatAnthropic",
        "from google.genai.client import Client",
        "from openai import (\n    OpenAI,\n)",
        "from langfuse.openai import openai",
        "from langfuse.openai import AsyncOpenAI as Traced",
    ],
)
def test_client_submodules_are_gates(line: str) -> None:
    assert may_call_llm(line.encode()) is True


def test_pathological_input_stays_linear() -> None:
    raw = b"from google import (" + b"  # # # # # # # # # # # # # # # # # # # # # # # # # # #\n" * 2000
    assert may_call_llm(raw) is False
    assert may_call_llm(b"import " + b"a, " * 20000 + b"b\n") is False


def test_byte_order_mark_before_the_first_import() -> None:
    assert may_call_llm(b"\xef\xbb\xbfimport openai\n")
    assert may_call_llm(b"\xef\xbb\xbffrom anthropic import Anthropic\r\n")


@pytest.mark.parametrize("text", POSITIVE + NEGATIVE + ["import openai_tools", "from openai.types import X"])
def test_the_streamed_gate_agrees_wherever_a_chunk_ends(text: str) -> None:
    for padding in range(12):
        raw = b"x = 1\n" * padding + text.encode() + b"\ny = 2\n"
        expected = may_call_llm(raw)
        for chunk_size in (1, 2, 3, 7, 64, 1 << 20):
            streamed = stream_may_call_llm(io.BytesIO(raw), chunk_size=chunk_size, overlap=128)
            assert (padding, chunk_size, streamed) == (padding, chunk_size, expected)


def test_the_streamed_gate_skips_a_byte_order_mark_and_finds_late_imports() -> None:
    assert stream_may_call_llm(io.BytesIO(b"\xef\xbb\xbfimport openai\n"), chunk_size=4)
    late = b"# generated\n" * 300_000 + b"import anthropic\n"
    assert stream_may_call_llm(io.BytesIO(late))
    assert not stream_may_call_llm(io.BytesIO(late.replace(b"anthropic", b"anthropix")))


def test_every_module_the_gate_looks_for_contains_a_word_looked_for_first() -> None:
    from promptlint import prefilter

    words = list(prefilter.SDK_MODULES) + list(prefilter.FROM_MODULES)
    words += [dotted.rsplit(".", 1)[0] for dotted in prefilter.SDK_MODULES if "." in dotted]
    assert [w for w in words if not any(needle.decode() in w for needle in prefilter._NEEDLES)] == []


@pytest.mark.parametrize("text", POSITIVE + NEGATIVE + ["import openai_tools", "from openai.types import X"])
def test_the_word_check_answers_as_the_gate_alone_does(text: str) -> None:
    from promptlint import prefilter

    for raw in (text.encode(), b"\xef\xbb\xbf" + text.encode(), text.replace("\n", "\r").encode()):
        body = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
        alone = prefilter._the_gate().search(b"\n" + prefilter._unify_breaks(body)) is not None
        assert may_call_llm(raw) is alone


def test_a_module_name_off_an_import_line_does_not_compile_the_gate() -> None:
    import subprocess
    import sys

    probe = "import sys, promptlint.prefilter as p; print(p.may_call_llm(sys.argv[1].encode()), p._gate)"
    text = 'def f():\n    """Put them together (see the openai docs)."""\n    import os\n'
    result = subprocess.run([sys.executable, "-c", probe, text], capture_output=True, text=True, check=True)
    assert result.stdout == "False None\n"


@pytest.mark.parametrize(
    "text",
    [
        "from google import (\n    # the client\n    genai,\n)\n",
        "x = 1\r\n  \timport os, openai as o\r\n",
        "x = 1\rfrom langchain.chat_models import init_chat_model\r",
        "if True:\n\f from litellm import completion\n",
        'print("import openai")\n',
        "# from openai import OpenAI\n",
        "import os; import openai\n",
    ],
)
def test_the_import_line_check_answers_as_the_gate_alone_does(text: str) -> None:
    from promptlint import prefilter

    raw = text.encode()
    assert may_call_llm(raw) is (
        prefilter._the_gate().search(b"\n" + prefilter._unify_breaks(raw)) is not None
    )
