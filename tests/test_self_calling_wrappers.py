"""Wrappers that call themselves: a retry (``except RateLimitError: return self.ask(...)``) passes its
prompt and cap on unchanged, so its callers are analysed as for any wrapper and it is no loop; a
continuation on a cut answer or a call after a tool call is a loop only the model's output ends, and a
cap passed on through the recursion (``max_tokens=max_tokens``) is not a depth cap."""

from __future__ import annotations

import json
from pathlib import Path

from tests.test_fixtures import run_cli

POLICY = "You are the support assistant of Acme. Follow the refund policy in every answer.\n" * 150

APP = f"""\
import time

from openai import OpenAI, RateLimitError

client = OpenAI()
POLICY = {POLICY!r}


class Bot:
    def __init__(self):
        self.client = OpenAI()

    def ask(self, system, question, max_tokens=None, retries=3):
        try:
            reply = self.client.chat.completions.create(
                model="gpt-4o",
                messages=[{{"role": "system", "content": system}}, {{"role": "user", "content": question}}],
                max_tokens=max_tokens,
            )
        except RateLimitError:
            time.sleep(1)
            return self.ask(system, question, max_tokens=max_tokens, retries=retries - 1)
        return reply.choices[0].message.content


def longer(messages, max_tokens=4096):
    reply = client.chat.completions.create(model="gpt-4o", messages=messages, max_tokens=max_tokens)
    text = reply.choices[0].message.content
    if reply.choices[0].finish_reason == "length":
        messages.append({{"role": "assistant", "content": text}})
        return text + longer(messages=messages, max_tokens=max_tokens)
    return text


def agent(messages, tools, run_tools, max_tokens=None):
    reply = client.chat.completions.create(model="gpt-4o", messages=messages, tools=tools, max_tokens=max_tokens)
    message = reply.choices[0].message
    if message.tool_calls:
        messages.append(message)
        messages.extend(run_tools(message.tool_calls))
        return agent(messages, tools, run_tools, max_tokens=max_tokens)
    return message.content


def forgetful(question, max_tokens=None, tries=2):
    try:
        return client.chat.completions.create(
            model="gpt-4o", messages=[{{"role": "user", "content": question}}], max_tokens=max_tokens
        )
    except RateLimitError:
        return forgetful(question, tries=tries - 1)


def main(user, question):
    bot = Bot()
    bot.ask(f"The user is {{user.name}}.\\n" + POLICY, question)
    bot.ask("Be brief.", question, max_tokens=200)
    bot.ask("Be brief.", question, 200)
    agent([{{"role": "user", "content": question}}], [], print, 300)
    forgetful(question, 300)
"""


def _diagnostics(tmp_path: Path) -> list:
    (tmp_path / "app.py").write_text(APP, encoding="utf-8")
    result = run_cli("check", "--output-format", "json", "app.py", cwd=tmp_path)
    return json.loads(result.stdout)["diagnostics"]


def test_each_shape_reports_exactly_this(tmp_path: Path) -> None:
    found = [(d["code"], d["line"], d["column"]) for d in _diagnostics(tmp_path)]
    assert found == [
        ("LLM502", 27, 13),  # continuation on a cut answer: max_tokens passed on is no depth cap
        ("LLM502", 36, 13),  # the agent calls itself after its tool calls
        ("LLM201", 51, 16),  # the retry of ``forgetful()`` drops the cap its caller passed
        ("LLM201", 56, 5),  # the retrying method called without a cap (no loop: an error path)
        ("LLM101", 56, 28),  # through the retrying method: its prompt is the caller's
    ]


def test_the_retrying_methods_caller_is_reported_with_the_method_as_related(tmp_path: Path) -> None:
    by_code = {(d["code"], d["line"]): d for d in _diagnostics(tmp_path)}
    related = [{"path": "app.py", "line": 15, "column": 21, "message": "sent through `Bot.ask()`"}]
    assert by_code["LLM101", 56]["related"] == related
    assert by_code["LLM201", 56]["related"] == related
    assert by_code["LLM201", 56]["message"] == (
        "`Bot.ask()` is called without `max_tokens`: the request it sends sets no output limit and is bounded"
        " only by the model maximum (16,384 tokens for `gpt-4o`)"
    )


def test_a_retry_that_drops_the_cap_is_reported_at_its_call_of_itself(tmp_path: Path) -> None:
    (forgetful,) = [d for d in _diagnostics(tmp_path) if d["line"] == 51]
    assert forgetful["message"].startswith("`forgetful()` is called without `max_tokens`")
    assert forgetful["related"] == [
        {"path": "app.py", "line": 47, "column": 16, "message": "sent through `forgetful()`"}
    ]
