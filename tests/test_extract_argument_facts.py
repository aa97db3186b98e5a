"""Moved from tests/test_rules_output_model.py (batch file dissolved into one file per rule or concern)."""

from __future__ import annotations

import textwrap

import pytest


def _calls(source: str):
    import libcst as cst

    from promptlint.extract import extract_calls

    calls, _ = extract_calls(cst.parse_module(textwrap.dedent(source)))
    return calls


def test_literal_arguments_resolve_constants_and_containers() -> None:
    (call,) = _calls(
        """\
        from openai import OpenAI

        CHOICES = 2
        FORMAT = {"type": "json_object"}
        OpenAI().chat.completions.create(model="m", n=CHOICES, response_format=FORMAT, temperature=-0.5, user=u)
        """
    )
    assert call.literal_arguments == {
        "model": "m",
        "n": 2,
        "response_format": {"type": "json_object"},
        "temperature": -0.5,
    }
    assert set(call.argument_nodes) == {"model", "n", "response_format", "temperature", "user"}


def test_a_mutated_container_is_not_a_literal() -> None:
    (call,) = _calls(
        """\
        from openai import OpenAI

        def ask(extra):
            fmt = {"type": "json_object"}
            fmt.update(extra)
            OpenAI().chat.completions.create(model="m", response_format=fmt)
        """
    )
    assert "response_format" not in call.literal_arguments


GENAI = "from google import genai\nfrom google.genai import types\ngenai.Client({}).models.generate_content(model='m')"


@pytest.mark.parametrize(
    ("source", "platform"),
    [
        ("from openai import OpenAI\nOpenAI().chat.completions.create(model='m')", ""),
        ("from openai import AzureOpenAI\nAzureOpenAI().chat.completions.create(model='m')", "azure"),
        (
            "from openai import OpenAI\nOpenAI(base_url='http://x').chat.completions.create(model='m')",
            "custom",
        ),
        ("from openai import OpenAI\nOpenAI(**settings).chat.completions.create(model='m')", "unknown"),
        (
            "from anthropic import AnthropicVertex\nAnthropicVertex().messages.create(model='m', max_tokens=1)",
            "vertex",
        ),
        (
            "from google import genai\ngenai.Client(vertexai=True).models.generate_content(model='m', contents='x')",
            "vertex",
        ),
        ("import litellm\nlitellm.completion(model='bedrock/anthropic.claude', messages=[])", "bedrock"),
        ("import litellm\nlitellm.completion(model='openrouter/openai/gpt-4o', messages=[])", "custom"),
        ("import litellm\nlitellm.completion(model='anthropic/claude-2.1', messages=[])", ""),
        (
            "import openai\nopenai.api_type = 'azure'\nopenai.ChatCompletion.create(model='m', messages=[])",
            "azure",
        ),
        ("from langchain_openai import AzureChatOpenAI\nAzureChatOpenAI(model='m')", "azure"),
        (GENAI.format("http_options=types.HttpOptions(api_version='v1alpha')"), ""),
        (GENAI.format("http_options={'base_url': 'https://proxy.example'}"), "custom"),
    ],
)
def test_platform(source: str, platform: str) -> None:
    (call,) = _calls(source)
    assert call.platform == platform


@pytest.mark.parametrize(
    ("body", "first_only"),
    [
        ("r = create(n=2)\nreturn r.choices[0].message.content", True),
        ("r = create(n=2)\nlog(r.usage)\nreturn r.choices[0].message.content", True),
        ("return create(n=2).choices[0].message.content", True),
        ("r = create(n=2)\nreturn [c.message for c in r.choices]", False),
        ("r = create(n=2)\nreturn r", False),
        ("r = create(n=2)\nself.last = r\nreturn r.choices[0]", False),
        ("r = create(n=1)\nreturn r.choices[0]", False),  # one choice: not looked at
    ],
)
def test_reads_first_choice_only(body: str, first_only: bool) -> None:
    source = (
        "from openai import OpenAI\ncreate = OpenAI().chat.completions.create\ndef f(self):\n"
        + textwrap.indent(body, "    ")
    )
    (call,) = _calls(source)
    assert call.reads_first_choice_only is first_only


def test_output_cap_node_and_constant_value() -> None:
    (call,) = _calls(
        "from openai import OpenAI\nCAP = 300\nOpenAI().chat.completions.create(model='m', max_tokens=CAP)"
    )
    assert call.output_limit.value == 300
    assert call.output_limit.node is call.argument_nodes["max_tokens"]
