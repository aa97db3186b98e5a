"""LangChain chains (issue 13, item 5): running ``prompt | llm`` is a request whose prompt is the template's
messages, each ``{var}`` bound to the value the run passes, and whose model is the chat model's; templates
that promptlint cannot render, and chains whose model it cannot see, are not requests."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import List, Tuple

import libcst as cst

from promptlint.extract import extract_calls
from promptlint.ir import LimitStatus, LLMCall
from tests.test_extract import flatten

_PRELUDE = (
    "from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder, PromptTemplate\n"
    "from langchain_core.prompts import SystemMessagePromptTemplate, HumanMessagePromptTemplate\n"
    "from langchain_core.messages import SystemMessage\n"
    "from langchain_anthropic import ChatAnthropic\n"
    "from langchain_openai import ChatOpenAI\n"
    'llm = ChatOpenAI(model="gpt-4o-mini", max_tokens=100)\n'
)


def chains(tmp_path: Path, body: str) -> List[LLMCall]:
    """The chain requests ``tmp_path/app.py`` (the prelude, then ``body``) makes."""
    path = tmp_path / "app.py"
    path.write_text(_PRELUDE + textwrap.dedent(body))
    found, _ = extract_calls(cst.parse_module(path.read_text()), path, tmp_path)
    return [call for call in found if "." in call.endpoint and call.endpoint.startswith("Chat")]


def prompt_of(call: LLMCall) -> List[Tuple[str, list]]:
    return [(part.role, flatten(part.text)) for part in call.prompt]


def test_chat_template_run_through_a_chain_is_a_request_with_its_placeholders_bound(tmp_path: Path) -> None:
    body = """
        prompt = ChatPromptTemplate.from_messages(
            [("system", "Hi {name}, plan {plan}. Policy {{v2}}."), ("human", "{question}")]
        )
        chain = prompt | llm

        def handler(name, question):
            return chain.invoke({"name": name, "plan": "gold", "question": question})
    """
    [call] = chains(tmp_path, body)
    assert (call.provider, call.endpoint, call.callee, call.model) == (
        "openai",
        "ChatOpenAI.invoke",
        "chain.invoke",
        "gpt-4o-mini",
    )
    assert call.output_limit.status is LimitStatus.UNKNOWN  # reported once, at ``ChatOpenAI(...)``
    assert call.model_node is None and call.prompt_complete
    assert prompt_of(call) == [
        (
            "system",
            [
                ("static", "Hi "),
                ("dynamic", "name", "per-request"),
                ("static", ", plan gold. Policy {v2}."),
            ],
        ),
        ("user", [("static", ""), ("dynamic", "question", "per-request")]),
    ]
    assert [related.message for related in call.related] == ["sent to the chat model `ChatOpenAI()`"]


def test_message_classes_placeholders_and_a_parser_after_the_model(tmp_path: Path) -> None:
    body = """
        prompt = ChatPromptTemplate.from_messages(
            [
                SystemMessage(content="Fixed {not a field}."),
                SystemMessagePromptTemplate.from_template("Rules for {team}."),
                MessagesPlaceholder("history"),
                MessagesPlaceholder(variable_name="notes", optional=True),
                HumanMessagePromptTemplate.from_template("{q}"),
            ]
        )
        claude = ChatAnthropic(model="claude-haiku-4-5", max_tokens=50)

        async def handler(history, q, parser):
            chain = prompt | claude.bind(temperature=0) | parser
            return await chain.ainvoke({"team": "ops", "history": history, "q": q})
    """
    [call] = chains(tmp_path, body)
    assert (call.provider, call.endpoint, call.model, call.is_async) == (
        "anthropic",
        "ChatAnthropic.ainvoke",
        "claude-haiku-4-5",
        True,
    )
    assert prompt_of(call) == [
        ("system", [("static", "Fixed {not a field}.")]),
        ("system", [("static", "Rules for ops.")]),
        ("unknown", [("dynamic", "history", "per-request")]),
        ("user", [("static", ""), ("dynamic", "q", "per-request")]),
    ]


def test_string_templates_and_chat_from_template_are_one_user_message(tmp_path: Path) -> None:
    body = """
        summary = PromptTemplate(template="Summarise for {who}:", input_variables=["who"])
        short = ChatPromptTemplate.from_template("Say {what}.")

        class Bot:
            def __init__(self):
                self.chain = short | llm

            def run(self, what):
                return self.chain.invoke({"what": what})

        def handler(who):
            return (summary | llm).stream({"who": who})
    """
    first, second = chains(tmp_path, body)
    assert (first.endpoint, prompt_of(first)) == (
        "ChatOpenAI.invoke",
        [("user", [("static", "Say "), ("dynamic", "what", "per-request"), ("static", ".")])],
    )
    assert (second.endpoint, second.streams) == ("ChatOpenAI.stream", True)
    assert prompt_of(second) == [
        ("user", [("static", "Summarise for "), ("dynamic", "who", "per-request"), ("static", ":")])
    ]


def test_values_not_seen_are_unknown_and_a_missing_one_means_no_request(tmp_path: Path) -> None:
    body = """
        prompt = ChatPromptTemplate.from_messages([("system", "Hi {name}."), ("human", "{q}")])

        def opaque(payload):
            return (prompt | llm).invoke(payload)

        def spread(extra, q):
            return (prompt | llm).invoke({"q": q, **extra})

        def missing(q):
            return (prompt | llm).invoke({"q": q})
    """
    first, second = chains(tmp_path, body)
    assert prompt_of(first) == [
        ("system", [("static", "Hi "), ("dynamic", "{name}", "unknown"), ("static", ".")]),
        ("user", [("static", ""), ("dynamic", "{q}", "unknown")]),
    ]
    assert prompt_of(second)[0] == (
        "system",
        [("static", "Hi "), ("dynamic", "{name}", "unknown"), ("static", ".")],
    )


def test_templates_and_chains_that_are_not_requests(tmp_path: Path) -> None:
    body = """
        jinja = ChatPromptTemplate.from_messages([("human", "{{ q }}")], template_format="jinja2")
        partial = PromptTemplate(template="{a} {q}", input_variables=["q"], partial_variables={"a": "x"})
        plain = ChatPromptTemplate.from_messages([("human", "{q}")])
        from elsewhere import other_llm

        def handler(q, model):
            (jinja | llm).invoke({"q": q})
            (partial | llm).invoke({"q": q})
            (plain | model).invoke({"q": q})
            (plain | other_llm).invoke({"q": q})
            ({"q": lambda x: x} | plain | llm).invoke(q)
            (plain | llm).batch([{"q": q}])
            return plain.format_messages(q=q)
    """
    assert chains(tmp_path, body) == []


def test_template_imported_from_another_module_is_placed_where_it_is_used(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "desk").mkdir()
    (tmp_path / "desk" / "__init__.py").write_text("")
    (tmp_path / "desk" / "prompts.py").write_text(
        "from langchain_core.prompts import ChatPromptTemplate\n"
        'POLICY = "Refunds within 30 days."\n'
        'SUPPORT = ChatPromptTemplate.from_messages([("system", "For {customer}. " + POLICY)])\n'
        'FIXED = ChatPromptTemplate.from_messages([SystemMessage(content="x")])\n'
    )
    path = tmp_path / "desk" / "app.py"
    source = (
        _PRELUDE
        + "from . import prompts\nfrom .prompts import SUPPORT\n"
        + 'def handler(c):\n    (SUPPORT | llm).invoke({"customer": c})\n'
        + '    (prompts.SUPPORT | llm).invoke({"customer": "x"})\n'
        + "    (prompts.FIXED | llm).invoke({})\n"
    )
    path.write_text(source)
    module = cst.parse_module(source)
    found, _ = extract_calls(module, path, tmp_path)
    first, second = [call for call in found if call.endpoint == "ChatOpenAI.invoke"]
    assert prompt_of(first) == [
        (
            "system",
            [("static", "For "), ("dynamic", "c", "per-request"), ("static", ". Refunds within 30 days.")],
        )
    ]
    assert prompt_of(second) == [("system", [("static", "For x. Refunds within 30 days.")])]
    assert module.code_for_node(first.prompt[0].node) == "SUPPORT"
    template = first.related[1]
    assert (template.message, Path(template.path).name) == ("prompt template `SUPPORT`", "prompts.py")


def test_a_chat_model_invoked_with_messages_is_a_request(tmp_path: Path) -> None:
    body = """
        prompt = ChatPromptTemplate.from_messages([("system", "Hi {name}."), ("human", "{q}")])

        def listed(name, q):
            return llm.invoke([SystemMessage(content=f"Hi {name}."), ("human", q), {"role": "user", "content": "ok"}])

        def formatted(name, q):
            return llm.invoke(prompt.format_messages(name=name, q="fixed"))

        def chat(first):
            messages = [SystemMessage(content="Be brief.")]
            while True:
                messages.append(("human", input()))
                messages.append(llm.invoke(messages))

        def text(q):
            return llm.stream(q)
    """
    listed, formatted, chat, text = chains(tmp_path, body)
    assert prompt_of(listed) == [
        ("system", [("static", "Hi "), ("dynamic", "name", "per-request"), ("static", ".")]),
        ("user", [("dynamic", "q", "per-request")]),
        ("user", [("static", "ok")]),
    ]
    assert prompt_of(formatted) == [
        ("system", [("static", "Hi "), ("dynamic", "name", "per-request"), ("static", ".")]),
        ("user", [("static", "fixed")]),
    ]
    assert prompt_of(chat) == [
        ("system", [("static", "Be brief.")]),
        ("unknown", [("dynamic", "…", "per-request")]),
        ("unknown", [("dynamic", "…", "per-request")]),
    ]
    assert [(loop.kind, loop.history) for loop in chat.loops] == [("while-true", "messages")]
    # a parameter may be a text or a list of messages
    assert (text.endpoint, prompt_of(text)) == (
        "ChatOpenAI.stream",
        [("unknown", [("dynamic", "q", "per-request")])],
    )


def test_model_invocations_that_are_not_known_requests(tmp_path: Path) -> None:
    body = """
        from elsewhere import other_llm, make

        def handler(q, model, history):
            other_llm.invoke(q)
            model.invoke(q)
            make().invoke(q)
            llm.batch([q])
            llm.invoke([object()])
    """
    assert chains(tmp_path, body) == []
