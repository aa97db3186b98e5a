"""The JSON contract: ``{"diagnostics": [...], "summary": {...}, "errors": [...]}``.

Field names and meanings are documented in the README and are stable: fields may be added, never renamed
or removed.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, Dict, Optional

from promptlint.diagnostics import Diagnostic, Savings
from promptlint.reporters import RenderOptions, Report, totals

SCHEMA_VERSION = 1


def render(report: Report, options: RenderOptions) -> str:
    document = {
        "version": SCHEMA_VERSION,
        "diagnostics": [_diagnostic(d) for d in report.diagnostics],
        "summary": {
            "files_checked": report.files_checked,
            "diagnostics": len(report.diagnostics),
            "fixable": report.fixable,
            "errors": len(report.errors),
            "by_code": dict(sorted(Counter(d.code for d in report.diagnostics).items())),
            "savings": totals(report.diagnostics),
            "calls_per_month": report.calls_per_month,
        },
        "errors": [{"path": e.path, "reason": e.reason} for e in report.errors],
    }
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def _diagnostic(d: Diagnostic) -> Dict[str, Any]:
    plain = _fields(d)
    if d.related:  # only where there is one: the diagnostics of a request made in place stay as they were
        plain["related"] = [
            {"path": p.path, "line": p.line, "column": p.column, "message": p.message} for p in d.related
        ]
    return plain


def _fields(d: Diagnostic) -> Dict[str, Any]:
    return {
        "code": d.code,
        "name": d.name,
        "severity": d.severity,
        "path": d.path,
        "line": d.line,
        "column": d.column,
        "end_line": d.end_line,
        "end_column": d.end_column,
        "message": d.message,
        "fix": None
        if d.fix is None
        else {
            "description": d.fix.description,
            "applicability": d.fix.applicability,
            "edits": [
                {
                    "line": e.line,
                    "column": e.column,
                    "end_line": e.end_line,
                    "end_column": e.end_column,
                    "content": e.content,
                }
                for e in d.fix.edits
            ],
        },
        "savings": _savings(d.savings),
        "confidence": d.confidence,
    }


def _savings(s: Optional[Savings]) -> Optional[Dict[str, Any]]:
    if s is None:
        return None
    return {
        "model": s.model,
        "tokens_per_call": s.tokens_per_call,
        "usd_per_call": s.usd_per_call,
        "usd_per_1k_calls": s.usd_per_1k_calls,
        "usd_per_month": s.usd_per_month,
        "assumptions": list(s.assumptions),
        "kind": s.kind,
        "unpriced_reason": s.unpriced_reason,
    }
