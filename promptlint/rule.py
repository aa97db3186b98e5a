"""The plugin interface: what a rule declares and what it reports.

A rule pack is any distribution that exposes, under the ``promptlint.rules`` entry-point group, a sequence of
``Rule`` subclasses. The entry-point name is the code prefix the pack owns (the built-ins own ``LLM``).
Rules stay pure: they read an ``LLMCall`` and a ``RuleContext`` and return findings in tokens; the savings
stage turns tokens into money, and the engine turns nodes into positions.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Iterable, Mapping, Optional, Tuple

from promptlint.ir import StrCode

if TYPE_CHECKING:  # pragma: no cover
    from promptlint.ir import LLMCall
    from promptlint.models import ModelInfo


class Severity(StrCode):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class FixAvailability(StrCode):
    """Whether a rule's findings carry an automatic fix."""

    NONE = "none"
    SOMETIMES = "sometimes"
    ALWAYS = "always"


class Applicability(enum.Enum):
    """Safe fixes keep what the model receives equivalent; unsafe ones may change its answer."""

    SAFE = "safe"
    UNSAFE = "unsafe"


@dataclass(frozen=True)
class Replacement:
    """Replace one libcst node by another; the engine lowers it to a text edit."""

    old: Any
    new: Any


@dataclass(frozen=True)
class Fix:
    description: str
    applicability: Applicability
    replacements: Tuple[Replacement, ...]


@dataclass(frozen=True)
class SavingsBasis:
    """What a fix saves per call, in tokens; priced later with the model table.

    ``input_tokens`` are no longer sent at all; ``cached_tokens`` are still sent but billed at the cache-read
    price instead of the input price; ``output_tokens`` are no longer generated; ``cache_write_tokens`` are
    still sent but billed at the cache-write price instead of the input price (a cost, subtracted from the
    saving, where writes cost more than input). ``tokens_per_call`` in the report is their sum.

    With ``compare_model`` set, the tokens are not removed but moved to another model: the saving is their
    price on ``model`` minus their price on ``compare_model`` (negative when the other model costs more: a
    cost increase, reported apart from savings), and unpriced when either model lacks a price it needs.

    ``worst_case`` marks an upper bound (output priced at a cap or the model maximum), which reports keep
    apart from expected savings and never add to them. ``unpriced`` is a reason code (see
    ``promptlint.savings.UNPRICED``) a rule gives when it cannot size the saving. ``platform`` and
    ``self_hosted`` say where the request is served (the call's ``platform``; the local or private host of
    its ``base_url``); the engine fills them in from the call.
    """

    model: Optional[str]
    input_tokens: int = 0
    removed_cached_tokens: int = 0  # no longer sent, and they would have been billed at the cache-read price
    cached_tokens: int = 0
    output_tokens: int = 0
    assumptions: Tuple[str, ...] = ()
    cache_write_tokens: int = 0
    compare_model: Optional[str] = None
    worst_case: bool = False
    unpriced: Optional[str] = None
    platform: str = ""
    self_hosted: str = ""


@dataclass(frozen=True)
class Finding:
    node: Any  # the libcst node the diagnostic points at
    message: str
    fix: Optional[Fix] = None
    savings: Optional[SavingsBasis] = None


def _first_given(candidates: Iterable[Any]) -> Any:
    return next((node for node in candidates if node is not None), None)


@dataclass
class RuleContext:
    """What a rule may consult besides the call: its options, the model data and the tokenizer."""

    options: Mapping[str, Any]
    default_model: Optional[str]
    model_info: Callable[[Optional[str]], Optional[ModelInfo]]
    # Tokens of ``text`` for ``model``: exact o200k_base counts, scaled by the model's documented factor.
    count_tokens: Callable[[str, Optional[str]], int]
    module: Any = field(default=None, repr=False)  # the libcst Module, for rules that build fixes
    # Every request of the module, in source order, for rules that compare a call with its neighbours.
    calls: Tuple[LLMCall, ...] = field(default=(), repr=False)
    # Where to report a finding: the first of the candidate nodes whose line can carry a suppression comment
    # (it does not open, and is not inside, a string literal that continues on the next line), else the
    # first one given; None when every candidate is None. The engine answers it from the parsed module.
    anchor: Callable[[Iterable[Any]], Any] = field(default=_first_given, repr=False)

    def model_for(self, call: LLMCall) -> Optional[str]:
        """The call's literal model, else the configured ``default-model``."""
        return call.model or self.default_model


_CODE = re.compile(r"^[A-Z]{1,5}[0-9]{3}$")  # ruff-like: a prefix such as LLM, ACME or ASYNC
_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


class Rule:
    """Base class of every rule. Subclasses set the class attributes and implement ``check``.

    The class docstring is the rule's documentation (Markdown, ruff's sections: ``## What it does``,
    ``## Why is this bad?``, ``## Example``, ``## Use instead``, ``## Fix safety``, ``## Savings``).

    Lifecycle: the engine makes one instance of a rule per linted file and calls ``check`` once for each LLM
    call of that file, in source order; state kept on ``self`` therefore lives for one file (LLM104 uses it
    to report a shared set once). ``check`` must not keep nodes beyond the file, write files, read the
    network, or import the code being linted; an exception it raises becomes that file's error (exit 2).
    """

    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]
    severity: ClassVar[Severity] = Severity.WARNING
    default_enabled: ClassVar[bool] = True
    fix_title: ClassVar[Optional[str]] = None  # an imperative, shown as the suggestion
    fix_availability: ClassVar[FixAvailability] = FixAvailability.NONE
    # Option name (kebab-case, as written in pyproject.toml) -> default; the default's type is the type.
    options: ClassVar[Mapping[str, Any]] = {}

    def check(self, call: LLMCall, context: RuleContext) -> Iterable[Finding]:  # pragma: no cover
        raise NotImplementedError

    @classmethod
    def validate_declaration(cls) -> None:
        """Raise ValueError when the class does not declare a usable rule."""
        for attribute in ("code", "name", "summary"):
            if not isinstance(getattr(cls, attribute, None), str):
                raise ValueError(f"{cls.__qualname__} does not declare `{attribute}`")
        if not _CODE.match(cls.code):
            raise ValueError(f"{cls.__qualname__}: code `{cls.code}` is not 1-5 capitals and 3 digits")
        if not _NAME.match(cls.name):
            raise ValueError(f"{cls.__qualname__}: name `{cls.name}` is not kebab-case")
        if cls.fix_availability not in ("none", "sometimes", "always"):
            raise ValueError(f"{cls.__qualname__}: fix_availability must be none|sometimes|always")
        if cls.severity not in ("error", "warning", "info"):
            raise ValueError(f"{cls.__qualname__}: severity `{cls.severity}` is not error|warning|info")
        # A pack may declare the string codes; the registry hands out the enum members.
        cls.fix_availability = FixAvailability(cls.fix_availability)
        cls.severity = Severity(cls.severity)


class LazyCheckerRule(Rule):
    """A rule that delegates ``check`` to ``checker`` ("module:Class"), imported on first use.

    Rule packs are imported at start-up, before anything is known about the files; a rule whose work needs
    heavy imports (libcst, say) keeps that work in the checker module, so a run over files without LLM
    calls never pays for it. Kept for rule packs; the built-ins import libcst inside the functions that
    build fixes instead.
    """

    checker: ClassVar[str]

    def __init__(self) -> None:
        self._checker: Any = None

    def check(self, call: LLMCall, context: RuleContext) -> Iterable[Finding]:
        if self._checker is None:
            import importlib

            module, _, name = self.checker.partition(":")
            self._checker = getattr(importlib.import_module(module), name)()
        return self._checker.check(call, context)
