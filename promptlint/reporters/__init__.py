"""Reporters: pure functions from a run's results to text, registered by format name.

Every reporter is ``render(report, options) -> str``; ``renderer(name)`` imports only the one asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Type

from promptlint.record import Frozen

if TYPE_CHECKING:
    from promptlint.diagnostics import Diagnostic, FileError
    from promptlint.rule import Rule

# format name -> "module:function"; the order is the order `--output-format` lists them in
FORMATS: Dict[str, str] = {
    "text": "promptlint.reporters.text:render",
    "json": "promptlint.reporters.json:render",
    "sarif": "promptlint.reporters.sarif:render",
    "github": "promptlint.reporters.github:render",
    "markdown": "promptlint.reporters.markdown:render",
    "full": "promptlint.reporters.text:render",  # ruff's name for the text format
    "concise": "promptlint.reporters.concise:render",
    "rdjson": "promptlint.reporters.rdjson:render",
}
# `--statistics`, by the output format it honours
STATISTICS_FORMATS: Dict[str, str] = {
    "text": "promptlint.reporters.statistics:render",
    "json": "promptlint.reporters.statistics:render_json",
    "full": "promptlint.reporters.statistics:render",
    "concise": "promptlint.reporters.statistics:render",
}


class RenderOptions(Frozen):
    """What a reporter may need besides the report: the rules that ran, styling and verbosity."""

    __slots__ = ("rules", "color", "quiet", "unsafe_fixes", "unsafe_fixes_configured", "show_fixes")

    def __init__(
        self,
        rules: Sequence[Type[Rule]] = (),
        color: bool = False,
        quiet: bool = False,
        unsafe_fixes: bool = False,  # --unsafe-fixes or `unsafe-fixes = true`: unsafe fixes count as applicable
        # `unsafe-fixes = true` in the configuration: a plain `--fix` applies unsafe fixes, so hints say `--fix`.
        unsafe_fixes_configured: bool = False,
        show_fixes: bool = False,  # --show-fixes: the text formats list the fixes applied or available
    ) -> None:
        self.rules = rules
        self.color = color
        self.quiet = quiet
        self.unsafe_fixes = unsafe_fixes
        self.unsafe_fixes_configured = unsafe_fixes_configured
        self.show_fixes = show_fixes


Renderer = Callable[["Report", RenderOptions], str]


def renderer(output_format: str, *, statistics: bool = False) -> Renderer:
    """The reporter for a format; a ``KeyError`` for a format nobody registered."""
    import importlib

    module_name, function = (STATISTICS_FORMATS if statistics else FORMATS)[output_format].split(":")
    return getattr(importlib.import_module(module_name), function)


class Report(Frozen):
    """What the reporters render: the run's findings, errors and counts."""

    __slots__ = (
        "diagnostics",
        "errors",
        "files_checked",
        "calls_per_month",
        "fixed",
        "fix_mode",
        "fixed_rules",
        "texts",
    )

    def __init__(
        self,
        diagnostics: Sequence[Diagnostic],
        errors: Sequence[FileError],
        files_checked: int,
        calls_per_month: Optional[int],
        fixed: int = 0,  # fixes applied by --fix
        fix_mode: bool = False,
        fixed_rules: Tuple[
            Tuple[str, str, str], ...
        ] = (),  # (path, code, name) of each fix applied (or diffed)
        # The text of each file with findings, as the findings' positions refer to it (after --fix), for the
        # formats that count columns in another unit (rdjson: UTF-8 bytes); files absent are read from disk.
        texts: Optional[Mapping[str, str]] = None,
    ) -> None:
        self.diagnostics = diagnostics
        self.errors = errors
        self.files_checked = files_checked
        self.calls_per_month = calls_per_month
        self.fixed = fixed
        self.fix_mode = fix_mode
        self.fixed_rules = fixed_rules
        self.texts = texts

    def fixable_count(self, unsafe: bool) -> int:
        wanted = ("safe", "unsafe") if unsafe else ("safe",)
        return sum(
            1 for d in self.diagnostics if d.fix is not None and d.fix.edits and d.fix.applicability in wanted
        )

    @property
    def fixable(self) -> int:
        return sum(1 for d in self.diagnostics if d.fix is not None and d.fix.edits)


def totals(diagnostics: Sequence[Diagnostic]) -> dict:
    """Summed savings, one total per kind of figure, each finding priced per call of its own site.

    Expected savings, worst-case bounds and the extra cost of dearer models are summed apart and never added
    together: ``usd_per_1k_calls``/``usd_per_month`` are the expected savings (as
    ``expected_usd_per_1k_calls``/``expected_usd_per_month``), so no headline total mixes a bound with an
    estimate or goes negative.
    """
    from collections import Counter

    from promptlint.savings import COST_INCREASE, EXPECTED, WORST_CASE

    per_1k: Dict[str, List[float]] = {EXPECTED: [], WORST_CASE: [], COST_INCREASE: []}
    per_month: Dict[str, List[float]] = {EXPECTED: [], WORST_CASE: [], COST_INCREASE: []}
    reasons: Counter = Counter()
    for d in diagnostics:
        s = d.savings
        if s is None:
            continue
        if s.usd_per_1k_calls is None:
            reasons[s.unpriced_reason or "unknown"] += 1
            continue
        sign = -1 if s.kind == COST_INCREASE else 1
        per_1k[s.kind].append(sign * s.usd_per_1k_calls)
        if s.usd_per_month is not None:
            per_month[s.kind].append(sign * s.usd_per_month)
    expected = _sum(per_1k[EXPECTED]), _sum(per_month[EXPECTED])
    return {
        "usd_per_1k_calls": expected[0],
        "usd_per_month": expected[1],
        "priced": sum(len(values) for values in per_1k.values()),
        "unpriced": sum(reasons.values()),
        "expected_usd_per_1k_calls": expected[0],
        "expected_usd_per_month": expected[1],
        "worst_case_usd_per_1k_calls": _sum(per_1k[WORST_CASE]),
        "worst_case_usd_per_month": _sum(per_month[WORST_CASE]),
        "cost_increase_usd_per_1k_calls": _sum(per_1k[COST_INCREASE]),
        "cost_increase_usd_per_month": _sum(per_month[COST_INCREASE]),
        "unpriced_reasons": dict(sorted(reasons.items())),
    }


def _sum(values: List[float]) -> Optional[float]:
    return round(sum(values), 6) if values else None
