"""A rule's examples: the source cases it carries, which the harness (``promptlint.testing``) runs and the
documentation (``promptlint rule``, SARIF rule help) shows. Data only, so that documentation does not
need the engine.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping, Optional, Tuple, Type, Union

if TYPE_CHECKING:  # pragma: no cover
    from promptlint.rule import Rule


def normalise(source: str) -> str:
    """The text a case lints (and the docs show): dedented, without the leading newline."""
    return textwrap.dedent(source).lstrip("\n")


@dataclass(frozen=True)
class Valid:
    """A source on which the rule reports nothing (and on which promptlint reports no error)."""

    source: str
    options: Mapping[str, Any] = field(default_factory=dict)  # the rule's options (kebab-case keys)
    default_model: Optional[str] = None  # the `default-model` setting
    files: Mapping[str, str] = field(default_factory=dict)  # relative path -> text, beside the source
    models: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # `[tool.promptlint.models]`

    @property
    def text(self) -> str:
        return normalise(self.source)


@dataclass(frozen=True)
class Invalid:
    """A source on which the rule reports exactly one finding: ``code`` at ``line``:``column``.

    When given, ``message`` is the finding's exact message, and ``expected_fix`` the exact source after
    its fix (safe or unsafe) is applied once; ``expected_fix=None`` checks nothing about the fix, and
    ``has_fix=False`` checks that the finding has none.
    """

    source: str
    code: str
    line: int
    column: int
    expected_fix: Optional[str] = None
    message: Optional[str] = None
    has_fix: Optional[bool] = None
    options: Mapping[str, Any] = field(default_factory=dict)
    default_model: Optional[str] = None
    files: Mapping[str, str] = field(default_factory=dict)
    models: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return normalise(self.source)


Case = Union[Valid, Invalid]


def first_pair(rule: Type[Rule]) -> Tuple[Optional[Invalid], Optional[Valid]]:
    """The first Invalid and the first Valid of ``rule.examples``: what the documentation shows."""
    examples = tuple(getattr(rule, "examples", ()))
    invalid = next((case for case in examples if isinstance(case, Invalid)), None)
    valid = next((case for case in examples if isinstance(case, Valid)), None)
    return invalid, valid
