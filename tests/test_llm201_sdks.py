"""LLM201 on the SDKs beyond OpenAI, Anthropic and Gemini: Mistral, Cohere (v1 and v2), Groq, Together,
Amazon Bedrock through boto3 and Vertex AI's GenerativeModel. Each is recognised by where its client comes
from, and a fix adds the cap under the name that platform documents."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import List

import libcst as cst
import pytest

from promptlint.cli import main
from promptlint.extract import extract_calls
from promptlint.ir import LimitStatus
from promptlint.prefilter import may_call_llm


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


def lint(project: Path, capsys, source: str) -> List[dict]:
    (project / "app.py").write_text(textwrap.dedent(source), encoding="utf-8")
    main(["check", "--no-cache", "--output-format", "json", "--select", "LLM201", "app.py"])
    return json.loads(capsys.readouterr().out)["diagnostics"]


def fixed(project: Path, capsys, source: str) -> str:
    (project / "app.py").write_text(textwrap.dedent(source), encoding="utf-8")
    main(["check", "--no-cache", "--select", "LLM201", "--fix", "--unsafe-fixes", "app.py"])
    capsys.readouterr()
    return (project / "app.py").read_text(encoding="utf-8")


def calls(source: str):
    return extract_calls(cst.parse_module(textwrap.dedent(source)))[0]


# -- fixes: the cap under each platform's own name ------------------------------------------------------------


def test_mistral_fix_adds_max_tokens(project: Path, capsys) -> None:
    source = """\
        from mistralai import Mistral

        client = Mistral(api_key="k")
        reply = client.chat.complete(model="mistral-small-2603", messages=[{"role": "user", "content": "hi"}])
    """
    assert fixed(project, capsys, source) == textwrap.dedent(
        """\
        from mistralai import Mistral

        client = Mistral(api_key="k")
        reply = client.chat.complete(model="mistral-small-2603", messages=[{"role": "user", "content": "hi"}], max_tokens=1024)
        """
    )


def test_cohere_v2_and_v1_fixes_add_max_tokens(project: Path, capsys) -> None:
    source = """\
        import cohere

        co = cohere.ClientV2()
        legacy = cohere.Client()
        a = co.chat(model="command-a-03-2025", messages=[{"role": "user", "content": "hi"}])
        b = legacy.chat(model="command-r", message="hi", preamble="Be brief.")
    """
    assert fixed(project, capsys, source) == textwrap.dedent(
        """\
        import cohere

        co = cohere.ClientV2()
        legacy = cohere.Client()
        a = co.chat(model="command-a-03-2025", messages=[{"role": "user", "content": "hi"}], max_tokens=1024)
        b = legacy.chat(model="command-r", message="hi", preamble="Be brief.", max_tokens=1024)
        """
    )


def test_groq_fix_adds_max_completion_tokens_and_together_max_tokens(project: Path, capsys) -> None:
    source = """\
        from groq import Groq
        from together import Together

        a = Groq().chat.completions.create(model="llama-3.1-8b-instant", messages=[])
        b = Together().chat.completions.create(model="meta-llama/Llama-3.3-70B-Instruct-Turbo", messages=[])
    """
    assert fixed(project, capsys, source) == textwrap.dedent(
        """\
        from groq import Groq
        from together import Together

        a = Groq().chat.completions.create(model="llama-3.1-8b-instant", messages=[], max_completion_tokens=1024)
        b = Together().chat.completions.create(model="meta-llama/Llama-3.3-70B-Instruct-Turbo", messages=[], max_tokens=1024)
        """
    )


BEDROCK = """\
    import boto3

    runtime = boto3.client("bedrock-runtime")
"""


def test_bedrock_converse_fix_adds_an_inference_config(project: Path, capsys) -> None:
    source = (
        BEDROCK
        + """\
    reply = runtime.converse(modelId="amazon.nova-lite-v1:0", messages=[])
    """
    )
    assert fixed(project, capsys, source) == textwrap.dedent(
        BEDROCK
        + """\
    reply = runtime.converse(modelId="amazon.nova-lite-v1:0", messages=[], inferenceConfig={"maxTokens": 1024})
    """
    )


def test_bedrock_converse_fix_adds_the_key_to_a_one_line_config(project: Path, capsys) -> None:
    source = (
        BEDROCK
        + """\
    reply = runtime.converse(modelId="amazon.nova-lite-v1:0", messages=[], inferenceConfig={'topP': 0.9})
    """
    )
    assert fixed(project, capsys, source) == textwrap.dedent(
        BEDROCK
        + """\
    reply = runtime.converse(modelId="amazon.nova-lite-v1:0", messages=[], inferenceConfig={'topP': 0.9, 'maxTokens': 1024})
    """
    )


def test_bedrock_converse_fix_adds_the_key_on_its_own_line(project: Path, capsys) -> None:
    source = (
        BEDROCK
        + """\
    reply = runtime.converse(
        modelId="amazon.nova-lite-v1:0",
        messages=[],
        inferenceConfig={
            "temperature": 0.2,
            "topP": 0.9,  # nucleus
        },
    )
    """
    )
    assert fixed(project, capsys, source) == textwrap.dedent(
        BEDROCK
        + """\
    reply = runtime.converse(
        modelId="amazon.nova-lite-v1:0",
        messages=[],
        inferenceConfig={
            "temperature": 0.2,
            "topP": 0.9,  # nucleus
            "maxTokens": 1024,
        },
    )
    """
    )


def test_bedrock_diagnostic_is_exact(project: Path, capsys) -> None:
    source = (
        BEDROCK
        + """\
    SETTINGS = {"temperature": 0.2}
    a = runtime.converse(modelId="anthropic.claude-3-haiku-20240307-v1:0", messages=[], inferenceConfig={})
    b = runtime.converse(modelId="amazon.nova-lite-v1:0", messages=[], inferenceConfig=SETTINGS)
    """
    )
    found = lint(project, capsys, source)
    assert [(d["line"], d["column"], d["message"], (d["fix"] or {}).get("description")) for d in found] == [
        (
            5,
            5,
            "`runtime.converse` sets no output limit: output is bounded only by the model maximum (4,096 tokens "
            "for `anthropic.claude-3-haiku-20240307-v1:0`)",
            'Add `"maxTokens": 1024` to `inferenceConfig`',
        ),
        # A dict bound elsewhere may be shared with other requests: reported without a fix.
        (
            6,
            5,
            "`runtime.converse` sets no output limit: output is bounded only by the model maximum",
            None,
        ),
    ]


# -- what counts as a cap, and what stays silent --------------------------------------------------------------


def test_caps_and_hidden_caps_are_not_reported(project: Path, capsys) -> None:
    source = """\
        import boto3
        import cohere
        from groq import Groq
        from mistralai import Mistral

        runtime = boto3.client("bedrock-runtime")


        def go(options: dict, extra: dict, **kwargs):
            Groq().chat.completions.create(model="m", messages=[], max_tokens=10)
            Mistral().chat.stream(model="m", messages=[], **kwargs)
            cohere.ClientV2().chat_stream(model="m", messages=[], max_tokens=10)
            runtime.converse(modelId="m", messages=[], inferenceConfig=options)
            runtime.converse(modelId="m", messages=[], inferenceConfig={"maxTokens": 5})
            runtime.converse(modelId="m", messages=[], additionalModelRequestFields=extra)
            runtime.converse_stream(modelId="m", messages=[], **kwargs)
    """
    assert lint(project, capsys, source) == []


def test_only_a_bedrock_runtime_client_is_an_llm_client(project: Path, capsys) -> None:
    source = """\
        import boto3

        SERVICE = "bedrock-runtime"
        ce = boto3.client("ce")
        control = boto3.client("bedrock")
        named = boto3.client(SERVICE)
        ce.converse(modelId="m", messages=[])
        control.converse(modelId="m", messages=[])
        named.converse(modelId="m", messages=[])
        boto3.client("s3").invoke_model(modelId="m", body="{}")


        class Bot:
            def converse(self, modelId, messages):
                return messages


        Bot().converse(modelId="m", messages=[])
    """
    assert lint(project, capsys, source) == []


# -- the IR the other rules read ------------------------------------------------------------------------------


def test_providers_platforms_and_endpoints() -> None:
    found = calls(
        """\
        import json

        import boto3
        import cohere
        from groq import AsyncGroq
        from mistralai import Mistral
        from together import Together
        from vertexai.generative_models import GenerativeModel

        runtime = boto3.Session().client(service_name="bedrock-runtime", region_name="us-east-1")


        async def go(q: str):
            await AsyncGroq().chat.completions.create(model="llama-3.3-70b-versatile", messages=[])
            await Mistral().chat.complete_async(model="mistral-small-2603", messages=[])
            Together().chat.completions.create(model="t", messages=[])
            cohere.Client().chat_stream(model="command-r", message=q)
            GenerativeModel("gemini-2.5-flash").generate_content(q)
            runtime.converse_stream(modelId="amazon.nova-lite-v1:0", messages=[])
            runtime.invoke_model(
                modelId="anthropic.claude-3-haiku-20240307-v1:0",
                body=json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 300, "messages": []}),
            )
            runtime.invoke_model(modelId="amazon.titan-text-express-v1", body=json.dumps({"inputText": q}))
        """
    )
    assert [(c.provider, c.endpoint, c.model, c.platform, c.is_async, c.streams) for c in found] == [
        ("groq", "chat.completions.create", "llama-3.3-70b-versatile", "", True, False),
        ("mistral", "chat.complete_async", "mistral-small-2603", "", True, False),
        ("together", "chat.completions.create", "t", "", False, False),
        ("cohere", "chat_stream", "command-r", "", False, True),
        ("google", "GenerativeModel.generate_content", "gemini-2.5-flash", "vertex", False, False),
        ("bedrock", "converse_stream", "amazon.nova-lite-v1:0", "bedrock", False, True),
        ("anthropic", "invoke_model", "anthropic.claude-3-haiku-20240307-v1:0", "bedrock", False, False),
    ]
    invoke = found[-1].output_limit
    assert (invoke.status, invoke.value, invoke.parameter) == (LimitStatus.NOT_APPLICABLE, 300, "max_tokens")


def test_prompt_parts_of_the_new_request_shapes() -> None:
    found = calls(
        """\
        import json

        import boto3
        import cohere

        runtime = boto3.client("bedrock-runtime")


        def go(q: str, history: list):
            cohere.Client().chat(model="command-r", preamble="Be brief.", chat_history=history, message=q)
            runtime.converse(
                modelId="m", system=[{"text": "Translate."}], messages=[{"role": "user", "content": [{"text": q}]}]
            )
            body = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 9, "system": "Explain.", "messages": []}
            runtime.invoke_model(modelId="m", body=json.dumps(body))
        """
    )
    assert [[(part.role, part.text.static_text) for part in call.prompt] for call in found] == [
        [("system", "Be brief."), ("unknown", ""), ("user", "")],
        [("system", "Translate."), ("user", "")],
        [("system", "Explain.")],
    ]


def test_the_prefilter_lets_the_new_sdks_through() -> None:
    for line in (
        "import boto3",
        "from mistralai import Mistral",
        "from mistralai.client import Mistral",
        "import cohere",
        "from groq import Groq",
        "from together import Together",
        "from vertexai.generative_models import GenerativeModel",
        "from vertexai.preview.generative_models import GenerativeModel",
        "from boto3.session import Session",
    ):
        assert may_call_llm(line.encode()) is True, line


def test_openai_compatible_servers_get_max_tokens(project: Path, capsys) -> None:
    source = """\
        from openai import OpenAI

        xai = OpenAI(base_url="https://api.x.ai/v1")
        reply = xai.chat.completions.create(model="grok-4", messages=[])
    """
    [finding] = lint(project, capsys, source)
    assert finding["fix"]["description"] == (
        "Add `max_tokens=1024` (the server behind `base_url` takes `max_tokens`)"
    )


def test_bedrock_key_goes_after_an_entry_without_a_trailing_comma(project: Path, capsys) -> None:
    source = (
        BEDROCK
        + """\
    reply = runtime.converse(
        modelId="amazon.nova-lite-v1:0",
        messages=[],
        inferenceConfig={
            "temperature": 0.2,
            "topP": 0.9  # nucleus
        },
    )
    """
    )
    assert fixed(project, capsys, source) == textwrap.dedent(
        BEDROCK
        + """\
    reply = runtime.converse(
        modelId="amazon.nova-lite-v1:0",
        messages=[],
        inferenceConfig={
            "temperature": 0.2,
            "topP": 0.9,  # nucleus
            "maxTokens": 1024
        },
    )
    """
    )


def test_another_providers_retirement_does_not_apply_to_a_hosting_sdk(project: Path, capsys) -> None:
    """gpt-3.5-turbo's OpenAI shutdown says nothing about an id of that name on Together's own API."""
    (project / "app.py").write_text(
        textwrap.dedent(
            """\
            from openai import OpenAI
            from together import Together

            a = Together().chat.completions.create(model="gpt-3.5-turbo", messages=[], max_tokens=5)
            b = OpenAI().chat.completions.create(model="gpt-3.5-turbo", messages=[], max_tokens=5)
            """
        ),
        encoding="utf-8",
    )
    main(["check", "--no-cache", "--output-format", "json", "--select", "LLM401", "app.py"])
    found = json.loads(capsys.readouterr().out)["diagnostics"]
    assert [(d["line"], d["code"]) for d in found] == [(5, "LLM401")]
