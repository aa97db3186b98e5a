"""LangChain chat models run inside the project's wrapper methods (``self.llm = ChatOpenAI(...)``, then
``def get_review(self, prompt): return self.llm.invoke([HumanMessage(content=prompt)])``): a caller's
prompt is read through the wrapper and reported where the caller writes it; the cap stays reported once,
at the chat model's constructor; a chat model handed in as a parameter is not known."""

from __future__ import annotations

import json
from pathlib import Path

from tests.test_fixtures import run_cli

RULES = "".join(
    f"        Rule {i}: check the code for problem number {i} and report it.\n" for i in range(30)
)

APP = f'''\
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage
from langchain_openai import ChatOpenAI


class Reviewer:
    def __init__(self):
        self.llm = ChatOpenAI(model="gpt-4o")

    def get_review(self, prompt: str) -> str:
        messages = [HumanMessage(content=prompt)]
        return self.llm.invoke(messages).content

    def review(self, name, code):
        prompt = f"""
        Review the code of {{name}}.
{RULES}        """
        return self.get_review(prompt + code)


class Handed:
    def __init__(self, llm: BaseChatModel):
        self.llm = llm

    def get_review(self, prompt: str) -> str:
        return self.llm.invoke([HumanMessage(content=prompt)]).content

    def review(self, name, code):
        prompt = f"""
        Review the code of {{name}}.
{RULES}        """
        return self.get_review(prompt + code)


class Notes:
    def get_review(self, prompt: str) -> str:
        return prompt.strip()

    def review(self, name):
        return self.get_review(f"""
        Notes on {{name}}.
{RULES}        """)
'''


def _diagnostics(tmp_path: Path) -> list:
    (tmp_path / "app.py").write_text(APP, encoding="utf-8")
    result = run_cli("check", "--output-format", "json", "app.py", cwd=tmp_path)
    return json.loads(result.stdout)["diagnostics"]


def test_the_callers_prompt_is_reported_at_the_caller_and_the_cap_at_the_constructor(tmp_path: Path) -> None:
    found = [(d["code"], d["line"], d["column"], d.get("related")) for d in _diagnostics(tmp_path)]
    assert found == [
        ("LLM201", 8, 20, None),  # no "related" key
        (
            "LLM601",
            48,
            32,
            [
                {
                    "path": "app.py",
                    "line": 12,
                    "column": 16,
                    "message": "sent through `Reviewer.get_review()`",
                },
                {
                    "path": "app.py",
                    "line": 8,
                    "column": 20,
                    "message": "sent to the chat model `ChatOpenAI()`",
                },
            ],
        ),
    ]


def test_the_finding_is_priced_with_the_chat_models_model(tmp_path: Path) -> None:
    (whitespace,) = [d for d in _diagnostics(tmp_path) if d["code"] == "LLM601"]
    assert whitespace["savings"]["model"] == "gpt-4o"
