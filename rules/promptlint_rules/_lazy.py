"""Rules whose work needs libcst keep it in a private module, imported once a file has an LLM call."""

from __future__ import annotations

import importlib
from typing import Any, ClassVar, Iterable

from promptlint.ir import LLMCall
from promptlint.rule import Finding, Rule, RuleContext


class LazyCheckerRule(Rule):
    """A rule that delegates ``check`` to ``checker`` ("module:Class"), loaded on first use.

    The registry imports every rule module at start-up; keeping their heavy imports in the checker module
    keeps a run over files without LLM calls free of libcst.
    """

    checker: ClassVar[str]

    def __init__(self) -> None:
        self._checker: Any = None

    def check(self, call: LLMCall, context: RuleContext) -> Iterable[Finding]:
        if self._checker is None:
            module, _, name = self.checker.partition(":")
            self._checker = getattr(importlib.import_module(module), name)()
        return self._checker.check(call, context)
