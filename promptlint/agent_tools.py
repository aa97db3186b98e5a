"""What ``promptlint mcp`` offers a coding agent, as plain functions (the MCP server only registers them):
check a file or a source string, explain a rule, price a request.

Each answers as the command line would in the server's working directory: the configuration of the
nearest ``pyproject.toml`` from there, findings in the JSON contract of ``--output-format json``. A problem
with the request raises ``ToolFailure`` with one line, which the agent sees as the tool's error.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, Optional

from promptlint.savings import _round


class ToolFailure(Exception):
    """The request cannot be answered; the message is one line for the agent."""


def _context(cwd: Path):
    from promptlint.config import ConfigError, find_config, load_settings
    from promptlint.registry import PluginError, load_registry

    try:
        registry = load_registry()
        settings = load_settings(find_config(cwd), registry, cwd)
        selected = registry.select(settings.select, settings.ignore, settings.extend_select)
    except (ConfigError, PluginError, ValueError) as error:
        raise ToolFailure(str(error)) from error
    return registry, settings, selected


def _json(diagnostics, errors, files_checked: int, calls_per_month, selected) -> str:
    from promptlint.reporters import RenderOptions, Report
    from promptlint.reporters.json import render

    report = Report(diagnostics, errors, files_checked, calls_per_month)
    return render(report, RenderOptions(rules=selected))


def check_file(path: str, cwd: Path) -> str:
    """``promptlint check --output-format json --no-cache PATH`` run in ``cwd``: the same document."""
    from promptlint.pipeline import CheckError, CheckRequest, check

    registry, settings, selected = _context(cwd)
    request = CheckRequest(
        paths=[path], settings=settings, registry=registry, selected=selected, cwd=cwd, use_cache=False
    )
    try:
        outcome = check(request)
    except CheckError as error:
        raise ToolFailure(str(error)) from error
    if outcome.missing:
        raise ToolFailure(f"{outcome.missing[0].path}: {outcome.missing[0].reason}")
    return _json(outcome.reported, outcome.errors, outcome.files_checked, settings.calls_per_month, selected)


def check_source(source: str, path: str, cwd: Path) -> str:
    """The JSON document ``check_file`` would give for a file at ``path`` holding ``source`` (nothing is
    written; other files the source imports are read from disk)."""
    from promptlint.lsp.session import BufferLinter

    registry, settings, selected = _context(cwd)
    where = Path(path) if Path(path).is_absolute() else cwd / path
    result = BufferLinter(registry).lint(source, where, cwd, display=path, config_from=cwd, exclude=False)
    if result.config_error is not None:
        raise ToolFailure(result.config_error)
    return _json(result.diagnostics, result.errors, 1, settings.calls_per_month, selected)


def explain_rule(rule: str) -> str:
    """A rule's documentation (by code or name), as ``promptlint rule RULE`` prints it."""
    from promptlint.docs import rule_document, rules_table
    from promptlint.registry import load_registry

    registry = load_registry()
    found = registry.find(rule)
    if found is None:
        raise ToolFailure(f"unknown rule `{rule}`; the rules are:\n{rules_table(registry)}")
    return rule_document(found)


def price_request(
    model: str,
    prompt_tokens: int,
    max_output_tokens: Optional[int],
    calls_per_month: Optional[int],
    cwd: Path,
) -> str:
    """What one request costs at most: its prompt at the input price and its output up to the cap (the
    model's maximum when there is none), from the model table with the project's overrides."""
    from promptlint.models import ModelDataError, load_model_table

    if prompt_tokens < 0 or (max_output_tokens is not None and max_output_tokens < 0):
        raise ToolFailure("token counts must not be negative")
    _registry, settings, _selected = _context(cwd)
    try:
        table = load_model_table(settings.models)
    except ModelDataError as error:
        raise ToolFailure(f"model data: {error}") from error
    info = table.lookup(model)
    if info is None:
        raise ToolFailure(f"`{model}` is not in the model table of {table.as_of}")
    cap, cap_from = max_output_tokens, "request"
    if cap is None:
        cap, cap_from = info.max_output, "model maximum"
    notes = []
    if cap is not None and info.max_output is not None and cap > info.max_output:
        notes.append(f"the cap is above the model maximum of {info.max_output:,} output tokens")
    if info.reasoning:
        notes.append("a reasoning model: its reasoning tokens count against the output cap")
    retirement = table.retirement(model)
    if retirement is not None and retirement.retired:
        notes.append(f"`{retirement.id}` was retired on {retirement.shutdown}: requests to it fail")
    input_usd = None if info.input is None else prompt_tokens * info.input / 1_000_000
    output_usd = None if info.output is None or cap is None else cap * info.output / 1_000_000
    total = None if input_usd is None or output_usd is None else input_usd + output_usd
    document: Dict[str, Any] = {
        "model": info.id,
        "provider": info.provider,
        "prompt_tokens": prompt_tokens,
        "max_output_tokens": cap,
        "max_output_tokens_from": cap_from,
        "usd_per_million": {"input": info.input, "output": info.output, "cache_read": info.cache_read},
        "input_usd_per_call": _round(input_usd),
        "max_output_usd_per_call": _round(output_usd),
        "max_usd_per_call": _round(total),
        "max_usd_per_1k_calls": _round(None if total is None else total * 1000),
        "max_usd_per_month": _round(
            None if total is None or not calls_per_month else total * calls_per_month
        ),
        "calls_per_month": calls_per_month,
        "notes": notes,
        "prices_from": f"the model table of {table.as_of} ({info.source})",
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
