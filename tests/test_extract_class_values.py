"""Request keywords that come from the class (``**self.options``, class constants, dataclass and pydantic
fields) or from a helper of the module: a cap in any of them is present, a mapping whose every key is known
and none a cap is missing, and anything a caller may replace is unknown."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from promptlint.extract import extract_calls
from promptlint.ir import LimitStatus

HEADER = """\
from dataclasses import dataclass, field
from typing import Any, Dict
import attr
from openai import OpenAI
from pydantic import BaseModel, Field
client = OpenAI()
"""

CASES = {
    "options set in __init__, no cap": (
        """
        class T:
            def __init__(self):
                self.options = {"temperature": 0}
            def run(self, text):
                return client.chat.completions.create(model="m", messages=[], **self.options)
        """,
        LimitStatus.MISSING,
    ),
    "options with the cap": (
        """
        class T:
            def __init__(self):
                self.options = {"temperature": 0, "max_tokens": 50}
            def run(self, text):
                return client.chat.completions.create(model="m", messages=[], **self.options)
        """,
        LimitStatus.PRESENT,
    ),
    "cap added in place in another method": (
        """
        class T:
            def __init__(self):
                self.options = {"temperature": 0}
            def cap(self, n):
                self.options["max_tokens"] = n
            def run(self, text):
                return client.chat.completions.create(model="m", messages=[], **self.options)
        """,
        LimitStatus.PRESENT,
    ),
    "options handed to a helper": (
        """
        class T:
            def __init__(self):
                self.options = {"temperature": 0}
                tune(self.options)
            def run(self, text):
                return client.chat.completions.create(model="m", messages=[], **self.options)
        """,
        LimitStatus.UNKNOWN,
    ),
    "options grown with +=": (
        """
        class T:
            def __init__(self, more):
                self.options = {"temperature": 0}
                self.options |= more
            def run(self, text):
                return client.chat.completions.create(model="m", messages=[], **self.options)
        """,
        LimitStatus.UNKNOWN,
    ),
    "options from a parameter": (
        """
        class T:
            def __init__(self, options):
                self.options = options
            def run(self, text):
                return client.chat.completions.create(model="m", messages=[], **self.options)
        """,
        LimitStatus.UNKNOWN,
    ),
    "options on a parent defined elsewhere only": (
        """
        class T(SomeBase):
            def run(self, text):
                return client.chat.completions.create(model="m", messages=[], **self.options)
        """,
        LimitStatus.UNKNOWN,
    ),
    "class-body options, subclass overrides with a cap": (
        """
        class T:
            OPTIONS = {"temperature": 0}
            def run(self, text):
                return client.chat.completions.create(model="m", messages=[], **self.OPTIONS)
        class U(T):
            OPTIONS = {"max_tokens": 10}
        """,
        LimitStatus.PRESENT,
    ),
    "class-body options read through the class name": (
        """
        class T:
            OPTIONS = {"temperature": 0}
        def run(text):
            return client.chat.completions.create(model="m", messages=[], **T.OPTIONS)
        """,
        LimitStatus.MISSING,
    ),
    "class options read through cls": (
        """
        class T:
            OPTIONS = {"temperature": 0}
            @classmethod
            def run(cls, text):
                return client.chat.completions.create(model="m", messages=[], **cls.OPTIONS)
        """,
        LimitStatus.MISSING,
    ),
    "a property": (
        """
        class T:
            @property
            def options(self):
                return {"temperature": 0}
            def run(self, text):
                return client.chat.completions.create(model="m", messages=[], **self.options)
        """,
        LimitStatus.UNKNOWN,
    ),
    "dataclass field default without a cap": (
        """
        @dataclass
        class T:
            options: Dict[str, Any] = field(default_factory=dict)
            def run(self, text):
                return client.chat.completions.create(model="m", messages=[], **self.options)
        """,
        LimitStatus.UNKNOWN,
    ),
    "dataclass class variable": (
        """
        from typing import ClassVar
        @dataclass
        class T:
            OPTIONS: ClassVar[Dict[str, Any]] = {"temperature": 0}
            def run(self, text):
                return client.chat.completions.create(model="m", messages=[], **self.OPTIONS)
        """,
        LimitStatus.MISSING,
    ),
    "attrs field default with a cap": (
        """
        @attr.s
        class T:
            options = attr.ib(factory=lambda: {"max_tokens": 64})
            def run(self, text):
                return client.chat.completions.create(model="m", messages=[], **self.options)
        """,
        LimitStatus.PRESENT,
    ),
    "pydantic Field default, overridden in a subclass with a cap": (
        """
        class T(BaseModel):
            options: Dict[str, Any] = Field(default_factory=dict)
            def run(self, text):
                return client.chat.completions.create(model="m", messages=[], **self.options)
        class U(T):
            options: Dict[str, Any] = {"max_completion_tokens": 64}
        """,
        LimitStatus.PRESENT,
    ),
    "helper returning dicts without a cap": (
        """
        def opts(fast):
            if fast:
                return {"temperature": 0}
            return dict(temperature=1, top_p=0.9)
        def run(text):
            return client.chat.completions.create(model="m", messages=[], **opts(True))
        """,
        LimitStatus.MISSING,
    ),
    "helper with one return that is unknown": (
        """
        def opts(fast, settings):
            if fast:
                return {"temperature": 0}
            return settings.options
        def run(text):
            return client.chat.completions.create(model="m", messages=[], **opts(True, None))
        """,
        LimitStatus.UNKNOWN,
    ),
    "generator helper": (
        """
        def opts():
            yield {"temperature": 0}
            return {}
        def run(text):
            return client.chat.completions.create(model="m", messages=[], **opts())
        """,
        LimitStatus.UNKNOWN,
    ),
    "method helper redefined by a subclass": (
        """
        class T:
            def opts(self):
                return {"temperature": 0}
            def run(self, text):
                return client.chat.completions.create(model="m", messages=[], **self.opts())
        class U(T):
            def opts(self):
                return {"max_tokens": 5}
        """,
        LimitStatus.UNKNOWN,
    ),
    "decorated helper": (
        """
        def wrap(f):
            return f
        @wrap
        def opts():
            return {"temperature": 0}
        def run(text):
            return client.chat.completions.create(model="m", messages=[], **opts())
        """,
        LimitStatus.UNKNOWN,
    ),
}


@pytest.mark.parametrize("label", sorted(CASES))
def test_output_limit_from_class_and_helpers(label: str) -> None:
    body, expected = CASES[label]
    source = HEADER + textwrap.dedent(body)
    found, _ = extract_calls(cst.parse_module(source))
    assert [call.output_limit.status for call in found] == [expected]
