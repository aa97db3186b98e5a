"""LLM201 suggests a cap that fits the request: none for a chat or a code generator (unless the module caps
such requests itself), the parameter the platform takes, and no finding for image output."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import List

import pytest

from promptlint.cli import main


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


BOUND = "`client.chat.completions.create` sets no output limit: output is bounded only by the model maximum"

CHAT_CLI = """\
    from openai import OpenAI

    client = OpenAI()
    history = []


    def main() -> None:
        while True:
            history.append({"role": "user", "content": input("> ")})
            reply = client.chat.completions.create(model="gpt-4o", messages=history)
            history.append({"role": "assistant", "content": reply.choices[0].message.content})
"""

STREAMING = """\
    from openai import OpenAI

    client = OpenAI()


    def answer(question: str) -> None:
        for chunk in client.chat.completions.create(model="gpt-4o", messages=question, stream=True):
            print(chunk.choices[0].delta.content or "", end="")
"""

FASTAPI_CHAT = """\
    from fastapi import FastAPI
    from openai import OpenAI

    app = FastAPI()
    client = OpenAI()


    @app.post("/chat")
    def chat(request: dict) -> dict:
        reply = client.chat.completions.create(model="gpt-4o", messages=request["messages"])
        return {"answer": reply.choices[0].message.content}
"""

CODE_GENERATOR = """\
    from openai import OpenAI

    client = OpenAI()


    def generate(task: str) -> str:
        prompt = f"Write a Python function that {task}."
        reply = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": prompt}])
        return reply.choices[0].message.content
"""


@pytest.mark.parametrize(
    ("source", "line", "column", "reason"),
    [
        (CHAT_CLI, 10, 17, "it answers a person's input in a loop"),
        (STREAMING, 7, 18, "it streams its answer to a reader"),
        (FASTAPI_CHAT, 10, 13, "it answers a conversation in an interactive app (`@app.post`)"),
        (CODE_GENERATOR, 8, 13, "its prompt asks for code (`Write a Python function`)"),
    ],
    ids=["chat-cli", "streaming", "fastapi-chat", "code-generator"],
)
def test_a_chat_or_a_code_generator_gets_no_blanket_cap(
    project: Path, capsys, source: str, line: int, column: int, reason: str
) -> None:
    [diagnostic] = lint(project, capsys, source)
    assert (diagnostic["code"], diagnostic["line"], diagnostic["column"]) == ("LLM201", line, column)
    assert diagnostic["message"] == (
        f"{BOUND} (16,384 tokens for `gpt-4o`); {reason}: pick a cap that fits a whole answer"
    )
    assert diagnostic["fix"] is None
    assert diagnostic["savings"] is None


def test_a_fastapi_route_that_is_not_a_chat_keeps_the_default_fix(project: Path, capsys) -> None:
    source = FASTAPI_CHAT.replace(
        'messages=request["messages"]',
        'messages=[{"role": "user", "content": "Is this spam? " + request["text"]}]',
    )
    [diagnostic] = lint(project, capsys, source)
    assert diagnostic["message"] == f"{BOUND} (16,384 tokens for `gpt-4o`)"
    assert diagnostic["fix"]["description"] == "Add `max_completion_tokens=1024`"


def test_a_chat_takes_the_cap_of_another_chat_request_of_the_module(project: Path, capsys) -> None:
    source = """\
        from openai import OpenAI

        client = OpenAI()


        def stream(question: str):
            return client.chat.completions.create(
                model="gpt-4o", messages=question, stream=True, max_completion_tokens=3000
            )


        def classify(question: str) -> str:
            reply = client.chat.completions.create(
                model="gpt-4o", messages=[{"role": "user", "content": question}], max_completion_tokens=5
            )
            return reply.choices[0].message.content


        def answer(question: str):
            return client.chat.completions.create(model="gpt-4o", messages=question, stream=True)
    """
    [diagnostic] = lint(project, capsys, source)
    assert diagnostic["line"] == 20
    assert diagnostic["fix"]["description"] == (
        "Add `max_completion_tokens=3000` (the cap of another chat request in this module)"
    )
    assert diagnostic["savings"]["tokens_per_call"] == 16384 - 3000
    assert fixed(project, capsys, source) == textwrap.dedent(source).replace(
        "stream=True)\n", "stream=True, max_completion_tokens=3000)\n"
    )


def test_a_code_generator_takes_the_cap_of_another_code_generator(project: Path, capsys) -> None:
    source = CODE_GENERATOR + textwrap.indent(
        textwrap.dedent(
            """\


            def refactor(code: str) -> str:
                reply = client.chat.completions.create(
                    model="gpt-4o",
                    messages=[{"role": "user", "content": "Refactor this code:\\n" + code}],
                    max_completion_tokens=6000,
                )
                return reply.choices[0].message.content
            """
        ),
        "    ",
    )
    [diagnostic] = lint(project, capsys, source)
    assert diagnostic["line"] == 8
    assert diagnostic["fix"]["description"] == (
        "Add `max_completion_tokens=6000` (the cap of another code-writing request in this module)"
    )


OPENAI_COMPATIBLE = """\
    from openai import OpenAI

    client = OpenAI(base_url="{url}")


    def tag(text: str) -> str:
        reply = client.chat.completions.create(model="{model}", messages=[{{"role": "user", "content": text}}])
        return reply.choices[0].message.content
"""


@pytest.mark.parametrize(
    ("url", "model"),
    [
        ("https://api.deepseek.com", "deepseek-chat"),
        ("https://api.perplexity.ai", "sonar"),
        ("https://openrouter.ai/api/v1", "openai/gpt-4o"),
        ("http://localhost:8000/v1", "meta-llama/Llama-3.1-8B-Instruct"),
    ],
)
def test_an_openai_compatible_server_gets_max_tokens(project: Path, capsys, url: str, model: str) -> None:
    source = OPENAI_COMPATIBLE.format(url=url, model=model)
    [diagnostic] = lint(project, capsys, source)
    assert diagnostic["fix"]["description"] == (
        "Add `max_tokens=1024` (the server behind `base_url` takes `max_tokens`)"
    )
    assert fixed(project, capsys, source) == textwrap.dedent(source).replace(
        "text}])\n", "text}], max_tokens=1024)\n"
    )


def test_openai_itself_keeps_max_completion_tokens(project: Path, capsys) -> None:
    source = OPENAI_COMPATIBLE.format(url="", model="gpt-4o").replace('base_url=""', "")
    [diagnostic] = lint(project, capsys, source)
    assert diagnostic["fix"]["description"] == "Add `max_completion_tokens=1024`"


@pytest.mark.parametrize(
    "source",
    [
        """\
        from google import genai

        client = genai.Client()
        picture = client.models.generate_content(model="gemini-2.5-flash-image", contents="a trail map")
        """,
        """\
        from google import genai
        from google.genai import types

        client = genai.Client()
        picture = client.models.generate_content(
            model="gemini-2.5-flash",
            contents="a trail map",
            config=types.GenerateContentConfig(response_modalities=["TEXT", "IMAGE"]),
        )
        """,
        """\
        from langchain_google_genai import ChatGoogleGenerativeAI

        painter = ChatGoogleGenerativeAI(model="gemini-3-pro-image-preview")
        """,
        """\
        import litellm

        picture = litellm.completion(model="gemini/gemini-2.5-flash-image", messages=[])
        """,
    ],
    ids=["gemini-image-model", "response-modalities", "langchain-image-model", "litellm-image-model"],
)
def test_image_output_gets_no_token_cap_finding(project: Path, capsys, source: str) -> None:
    assert lint(project, capsys, source) == []


def test_text_modalities_are_still_reported(project: Path, capsys) -> None:
    source = """\
        from google import genai

        client = genai.Client()
        text = client.models.generate_content(
            model="gemini-2.5-flash", contents="a trail guide", config={"response_modalities": ["TEXT"]}
        )
    """
    [diagnostic] = lint(project, capsys, source)
    assert (diagnostic["code"], diagnostic["line"]) == ("LLM201", 4)
