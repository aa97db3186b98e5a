"""Text for ``promptlint rule`` and ``promptlint models``: generated from the registry and the model table,
so it cannot drift from what runs."""

from __future__ import annotations

import inspect
from typing import Type

from promptlint.rule import Rule


def rule_document(rule: Type[Rule]) -> str:
    """A rule's documentation as Markdown: title, summary, status line, then its docstring sections."""
    enabled = "on by default" if rule.default_enabled else "opt-in (enable with `--select`)"
    fix = {"none": "no automatic fix", "sometimes": "fix sometimes available", "always": "fix available"}[
        rule.fix_availability
    ]
    body = rule_body(rule)
    lines = [
        f"# {rule.name} ({rule.code})",
        "",
        rule.summary + ".",
        "",
        f"Severity: {rule.severity} · {enabled} · {fix}",
        "",
        body,
        "",
    ]
    return "\n".join(lines)


def rule_body(rule: Type[Rule]) -> str:
    """The docstring's sections, with the rule's tested examples in place (also SARIF's rule help)."""
    return _with_examples(inspect.cleandoc(rule.__doc__ or rule.summary), rule)


def _with_examples(body: str, rule: Type[Rule]) -> str:
    """The docstring with the code of the rule's first ``Invalid`` example under ``## Example`` and of its
    first ``Valid`` one under ``## Use instead``: the documentation shows cases the test suite runs."""
    from promptlint.examples import first_pair

    invalid, valid = first_pair(rule)
    for heading, case in (("## Example", invalid), ("## Use instead", valid)):
        if case is None:
            continue
        code = f"```python\n{case.text}```"
        lines = body.split("\n")
        if heading in lines:
            at = lines.index(heading) + 1
            rest = lines[at:]
            lines[at:] = [code] + (
                rest if not rest or rest[0] != "" or len(rest) < 2 or rest[1] else rest[1:]
            )
        else:
            lines += ["", heading, code]
        body = "\n".join(lines)
    return body


def rules_table(registry) -> str:
    rows = [("code", "name", "default", "summary")]
    for rule in registry.rules:
        rows.append((rule.code, rule.name, "on" if rule.default_enabled else "off", rule.summary))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    out = []
    for row in rows:
        out.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3])
    return "\n".join(line.rstrip() for line in out) + "\n"


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def models_table(table) -> str:
    """The model table in use, with its date: prices in USD per 1M tokens, limits in tokens."""
    header = (
        "model",
        "provider",
        "input",
        "output",
        "cache-read",
        "cache-write",
        "batch",
        "context",
        "max-out",
        "min-cache",
        "tier",
        "reasoning",
        "small-alternative",
    )
    rows = [header]
    for info in table.all():
        rows.append(
            (
                info.id,
                info.provider,
                _cell(info.input),
                _cell(info.output),
                _cell(info.cache_read),
                _cell(info.cache_write),
                _cell(info.batch_discount),
                _cell(info.context_window),
                _cell(info.max_output),
                _cell(info.min_cacheable),
                _cell(info.tier),
                "yes" if info.reasoning else "-",
                _cell(info.small_alternative),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [f"Model table as of {table.as_of} (USD per 1M tokens; limits in tokens; '-' = not known)", ""]
    for row in rows:
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
    lines.extend(_retirement_lines(table))
    lines.append("")
    lines.append(
        "Sources are named per model in promptlint/data/models.toml; override in [tool.promptlint.models]."
    )
    return "\n".join(lines) + "\n"


def _retirement_lines(table) -> list:
    """The retirement rows, with their status on the table's date (never the machine's clock)."""
    retirements = table.retirements()
    if not retirements:
        return []
    rows = [("model", "provider", "shutdown", "status", "successor")]
    for row in retirements:
        status = "retired" if row.retired else "scheduled"
        rows.append((row.id, row.provider, row.shutdown, status, _cell(row.successor)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["", f"Retirements on the providers' own APIs (status as of {table.as_of})", ""]
    for r in rows:
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(r)).rstrip())
    return lines
