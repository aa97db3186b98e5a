"""Prompts built by a helper of the same module (issue 13, item 3): the helper's returned text with the
caller's arguments bound, exact segments and the place of each dynamic part; unknown where it cannot be
exact (returns that differ, recursion, unknown decorators, overridden methods, ``*args``)."""

from __future__ import annotations

import textwrap
from typing import List

import libcst as cst
import pytest

from promptlint.extract import extract_calls
from promptlint.ir import Dynamic, LLMCall, Static
from tests.test_extract import Segments, flatten

_PRELUDE = (
    "import functools\nfrom datetime import datetime\nfrom openai import OpenAI\n"
    'client = OpenAI()\nPOLICY = "Follow the policy."\n'
)


def _call(source: str) -> LLMCall:
    module = cst.parse_module(_PRELUDE + textwrap.dedent(source))
    found, _ = extract_calls(module, None, None)
    assert len(found) == 1, found
    return found[0]


def _send(content: str) -> str:
    return (
        '    return client.chat.completions.create(model="gpt-4o", max_tokens=9, '
        f'messages=[{{"role": "system", "content": {content}}}])\n'
    )


def system(helpers: str, content: str, params: str = "name") -> Segments:
    call = _call(textwrap.dedent(helpers) + f"\ndef handler({params}):\n" + _send(content))
    return flatten(call.prompt[0].text)


def test_function_helper_binds_the_callers_argument_per_request() -> None:
    helpers = """
        def build(customer):
            return f"Customer: {customer}\\n{POLICY}"
    """
    assert system(helpers, "build(name)") == [
        ("static", "Customer: "),
        ("dynamic", "name", "per-request"),
        ("static", "\nFollow the policy."),
    ]


def test_dynamic_part_is_placed_at_the_callers_argument() -> None:
    source = """
        def build(customer):
            return f"Customer: {customer.tier}\\n{POLICY}"

        def handler(account):
            return client.chat.completions.create(
                model="gpt-4o", max_tokens=9, messages=[{"role": "system", "content": build(account)}]
            )
    """
    call = _call(source)
    hole = call.prompt[0].text.segments[1]
    assert isinstance(hole, Dynamic)
    assert (hole.source, hole.volatility.value) == ("customer.tier", "per-request")
    assert isinstance(hole.node, cst.Name) and hole.node.value == "account"


def test_constant_argument_and_default_become_static_text() -> None:
    helpers = """
        def build(brand, channel="chat"):
            return "Brand: %s (%s). " % (brand, channel) + POLICY
    """
    assert system(helpers, 'build("Acme")') == [("static", "Brand: Acme (chat). Follow the policy.")]
    assert system(helpers, 'build(channel="mail", brand="Acme")') == [
        ("static", "Brand: Acme (mail). Follow the policy.")
    ]


def test_helpers_calling_helpers_four_deep() -> None:
    helpers = """
        def a(x, channel="web"):
            return "Customer {} on {}.".format(x, channel)

        def b(x):
            return a(x) + "\\n"

        def c(x):
            return b(x) + POLICY

        def d(x):
            return c(x)
    """
    assert system(helpers, "d(name)") == [
        ("static", "Customer "),
        ("dynamic", "name", "per-request"),
        ("static", " on web.\nFollow the policy."),
    ]


def test_value_computed_in_the_helper_keeps_its_own_volatility() -> None:
    helpers = """
        def build():
            return f"Now: {datetime.now()}\\n{POLICY}"
    """
    assert system(helpers, "build()") == [
        ("static", "Now: "),
        ("dynamic", "datetime.now()", "per-call"),
        ("static", "\nFollow the policy."),
    ]


def test_identical_returns_in_every_branch_resolve() -> None:
    helpers = """
        def build(customer, formal):
            if formal:
                return f"{customer}: {POLICY}"
            else:
                return f"{customer}: {POLICY}"
    """
    assert system(helpers, "build(name, True)") == [
        ("dynamic", "name", "per-request"),
        ("static", ": Follow the policy."),
    ]


def test_methods_staticmethods_and_classmethods() -> None:
    source = """
        class Bot:
            def _system(self, customer):
                return f"{customer} {POLICY}"

            @staticmethod
            def _plain(store):
                return f"{store} {POLICY}"

            @classmethod
            def _shared(cls, region):
                return cls._plain(region)

            def answer(self, name, store, region):
                return client.chat.completions.create(
                    model="gpt-4o",
                    max_tokens=9,
                    messages=[
                        {"role": "system", "content": self._system(name)},
                        {"role": "user", "content": self._plain(store) + self._shared(region)},
                    ],
                )
    """
    call = _call(source)
    assert [flatten(part.text) for part in call.prompt] == [
        [("dynamic", "name", "per-request"), ("static", " Follow the policy.")],
        [
            ("dynamic", "store", "per-request"),
            ("static", " Follow the policy."),
            ("dynamic", "region", "per-request"),
            ("static", " Follow the policy."),
        ],
    ]


UNKNOWN = {
    "returns that differ": (
        """
        def build(customer, vip):
            if vip:
                return f"VIP {customer}. {POLICY}"
            return f"{customer}. {POLICY}"
        """,
        "build(name, True)",
    ),
    "recursion": (
        """
        def build(customer, n):
            if n:
                return build(customer, n - 1)
            return build(customer, n)
        """,
        "build(name, 1)",
    ),
    "mutual recursion": (
        """
        def build(customer):
            return other(customer)

        def other(customer):
            return build(customer)
        """,
        "build(name)",
    ),
    "an unknown decorator": (
        """
        def traced(f):
            return f

        @traced
        def build(customer):
            return f"{customer}. {POLICY}"
        """,
        "build(name)",
    ),
    "a path that falls off the end": (
        """
        def build(customer):
            if customer:
                return f"{customer}. {POLICY}"
        """,
        "build(name)",
    ),
    "a rebound parameter": (
        """
        def build(customer):
            customer = customer.strip()
            return f"{customer}. {POLICY}"
        """,
        "build(name)",
    ),
    "star arguments": (
        """
        def build(*parts):
            return f"{parts}. {POLICY}"
        """,
        "build(name)",
    ),
    "a generator": (
        """
        def build(customer):
            yield customer
            return f"{customer}. {POLICY}"
        """,
        "build(name)",
    ),
}


@pytest.mark.parametrize("label", sorted(UNKNOWN))
def test_unknown_helpers_are_one_opaque_part(label: str) -> None:
    helpers, content = UNKNOWN[label]
    segments = system(helpers, content)
    assert len(segments) == 1 and segments[0][:2] == ("dynamic", content), segments


def test_a_method_a_subclass_overrides_is_unknown() -> None:
    source = """
        class Bot:
            def _system(self, customer):
                return f"{customer} {POLICY}"

            def answer(self, name):
                return client.chat.completions.create(
                    model="gpt-4o", max_tokens=9, messages=[{"role": "system", "content": self._system(name)}]
                )

        class Quiet(Bot):
            def _system(self, customer):
                return POLICY
    """
    segments: List[object] = list(_call(source).prompt[0].text.segments)
    assert len(segments) == 1 and isinstance(segments[0], Dynamic)
    assert not any(isinstance(s, Static) for s in segments)


def test_message_list_returned_by_a_helper() -> None:
    source = """
        def build(customer, question):
            return [{"role": "system", "content": f"{customer}: {POLICY}"}, {"role": "user", "content": question}]

        def handler(name, question):
            return client.chat.completions.create(model="gpt-4o", max_tokens=9, messages=build(name, question))
    """
    call = _call(source)
    assert [(part.role, flatten(part.text)) for part in call.prompt] == [
        ("system", [("dynamic", "name", "per-request"), ("static", ": Follow the policy.")]),
        ("user", [("dynamic", "question", "per-request")]),
    ]


def test_a_helper_of_another_project_module_is_resolved_and_reported_here(tmp_path) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    package = tmp_path / "app"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "prompts.py").write_text(
        'POLICY = "Follow the policy."\n\n'
        "def line(tier):\n    return f'Tier: {tier}.'\n\n"
        "def build(tier, now, channel='chat'):\n"
        "    return line(tier) + f' {channel} {now.time()} ' + POLICY\n\n"
        "def both(tier, vip):\n    if vip:\n        return f'VIP {tier}'\n    return f'{tier}'\n"
    )
    source = textwrap.dedent(
        """\
        from openai import OpenAI
        from .prompts import both, build

        client = OpenAI()

        def handler(account, now, vip):
            client.chat.completions.create(model="gpt-4o", max_tokens=9, messages=[
                {"role": "system", "content": build(account.tier, now)},
                {"role": "user", "content": both(account.tier, vip)},
            ])
        """
    )
    path = package / "chat.py"
    path.write_text(source)
    module = cst.parse_module(source)
    found, _ = extract_calls(module, path, tmp_path)
    system_part, user_part = found[0].prompt
    assert flatten(system_part.text) == [
        ("static", "Tier: "),
        ("dynamic", "account.tier", "per-request"),
        ("static", ". chat "),
        ("dynamic", "now.time()", "per-request"),
        ("static", " Follow the policy."),
    ]
    call = system_part.node
    assert isinstance(call, cst.Call)
    segments = system_part.text.segments
    assert segments[1].node is call.args[0].value  # the caller's argument
    assert segments[3].node is call.args[1].value  # computed there from ``now``: at its argument
    assert all(s.node is call and s.literal is None for s in segments if isinstance(s, Static))
    assert flatten(user_part.text) == [("dynamic", "both(account.tier, vip)", "per-request")]
