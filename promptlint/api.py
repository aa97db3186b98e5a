"""The public surface for rule packs: everything a third-party rule needs, in one import.

    from promptlint.api import Finding, LLMCall, Rule, RuleContext

Names listed in ``__all__`` follow ``IR_VERSION``'s promise: within a version, fields, members and
functions may be added, none is renamed, removed or changes meaning. Anything else in promptlint
(``promptlint.extract``, the engine, the reporters) is internal and may change in any release.

``edits`` (libcst node edits for fixes) and ``testing`` (the ``Valid``/``Invalid`` harness) are modules,
loaded on first use so that importing this module stays cheap: ``edits`` imports libcst.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from promptlint.ir import (
    IR_VERSION,
    CacheBreakpoint,
    Dynamic,
    FixTarget,
    LimitStatus,
    LiteralPlace,
    LLMCall,
    LoopInfo,
    LoopKind,
    ModuleFacts,
    OrderRisk,
    OutputLimit,
    Platform,
    PromptLiteral,
    PromptPart,
    PromptText,
    RunsIn,
    SchemaArgument,
    Segment,
    Static,
    StrCode,
    Volatility,
)
from promptlint.rule import (
    Applicability,
    Finding,
    Fix,
    FixAvailability,
    LazyCheckerRule,
    Replacement,
    Rule,
    RuleContext,
    SavingsBasis,
    Severity,
)

__all__ = [
    "IR_VERSION",
    # rules
    "Rule",
    "LazyCheckerRule",
    "RuleContext",
    "Finding",
    "Fix",
    "Replacement",
    "Applicability",
    "FixAvailability",
    "Severity",
    "SavingsBasis",
    # the IR
    "LLMCall",
    "PromptPart",
    "PromptText",
    "Segment",
    "Static",
    "Dynamic",
    "Volatility",
    "OrderRisk",
    "PromptLiteral",
    "LiteralPlace",
    "CacheBreakpoint",
    "SchemaArgument",
    "LoopInfo",
    "LoopKind",
    "OutputLimit",
    "LimitStatus",
    "FixTarget",
    "ModuleFacts",
    "RunsIn",
    "Platform",
    "StrCode",
    # modules
    "edits",
    "testing",
]

if TYPE_CHECKING:  # loaded lazily at run time by __getattr__ below
    from promptlint import edits, testing

_MODULES = {"edits": "promptlint.edits", "testing": "promptlint.testing"}


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        return importlib.import_module(_MODULES[name])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
