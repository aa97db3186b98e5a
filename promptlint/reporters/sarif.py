"""SARIF 2.1.0, as GitHub code scanning and other SARIF viewers read it.

Columns are Unicode code points (``columnKind``), paths are relative URIs, each result carries its fix as
an ``artifactChange`` and its saving under ``properties.savings``; ``partialFingerprints`` key a finding by
rule, file and the text of its line, so that it survives unrelated edits.
"""

from __future__ import annotations

import json
from pathlib import PurePath
from typing import Any, Dict, Type

from promptlint import __version__
from promptlint.baseline import fingerprint
from promptlint.diagnostics import Diagnostic
from promptlint.reporters import RenderOptions, Report
from promptlint.reporters.json import _savings
from promptlint.rule import Rule

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
HELP_URI = "https://pypi.org/project/promptlint-cost/"
_LEVELS = {"error": "error", "warning": "warning", "info": "note"}


def render(report: Report, options: RenderOptions) -> str:
    rules = options.rules
    index = {rule.code: position for position, rule in enumerate(rules)}
    run: Dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "promptlint",
                "semanticVersion": __version__,
                "version": __version__,
                "informationUri": HELP_URI,
                "rules": [_rule(rule) for rule in rules],
            }
        },
        "columnKind": "unicodeCodePoints",
        "results": [_result(d, index) for d in report.diagnostics],
        "invocations": [
            {
                "executionSuccessful": True,
                "toolExecutionNotifications": [
                    {
                        "level": "error",
                        "message": {"text": error.reason},
                        "locations": [{"physicalLocation": {"artifactLocation": {"uri": _uri(error.path)}}}],
                    }
                    for error in report.errors
                ],
            }
        ],
    }
    document = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _section(doc: str, title: str) -> str:
    """The body of one ``## title`` section of a rule's documentation."""
    for block in ("\n" + doc).split("\n## ")[1:]:
        heading, _, body = block.partition("\n")
        if heading.strip() == title:
            return " ".join(body.split())
    return ""


def _rule(rule: Type[Rule]) -> Dict[str, Any]:
    from promptlint.docs import rule_body

    doc = rule_body(rule)
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": _section(doc, "What it does") or rule.summary},
        "help": {"text": _section(doc, "Why is this bad?") or rule.summary, "markdown": doc},
        "helpUri": f"{HELP_URI}#{rule.code.lower()}-{rule.name}",
        "defaultConfiguration": {
            "level": _LEVELS.get(rule.severity, "warning"),
            "enabled": rule.default_enabled,
        },
        "properties": {"tags": ["cost", "llm"]},
    }


def _region(line: int, column: int, end_line: int, end_column: int) -> Dict[str, int]:
    return {"startLine": line, "startColumn": column, "endLine": end_line, "endColumn": end_column}


def _uri(path: str) -> str:
    return PurePath(path).as_posix()


def _result(d: Diagnostic, index: Dict[str, int]) -> Dict[str, Any]:
    result: Dict[str, Any] = {
        "ruleId": d.code,
        "level": _LEVELS.get(d.severity, "warning"),
        "message": {"text": d.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": _uri(d.path)},
                    "region": _region(d.line, d.column, d.end_line, d.end_column),
                }
            }
        ],
        "partialFingerprints": {"promptlint/v1": fingerprint(d)},
    }
    if d.related:
        result["relatedLocations"] = [
            {
                "id": number,
                "physicalLocation": {
                    "artifactLocation": {"uri": _uri(place.path)},
                    "region": {"startLine": place.line, "startColumn": place.column},
                },
                "message": {"text": place.message},
            }
            for number, place in enumerate(d.related)
        ]
    if d.code in index:
        result["ruleIndex"] = index[d.code]
    if d.fix is not None and d.fix.edits:
        result["fixes"] = [
            {
                "description": {"text": f"{d.fix.description} ({d.fix.applicability})"},
                "artifactChanges": [
                    {
                        "artifactLocation": {"uri": _uri(d.path)},
                        "replacements": [
                            {
                                "deletedRegion": _region(e.line, e.column, e.end_line, e.end_column),
                                "insertedContent": {"text": e.content},
                            }
                            for e in d.fix.edits
                        ],
                    }
                ],
            }
        ]
    properties: Dict[str, Any] = {}
    if d.savings is not None:
        properties["savings"] = _savings(d.savings)
    if d.confidence != "high":
        # Not ``rank``: SARIF's rank is a result's priority, not how sure the tool is that it applies.
        properties["confidence"] = d.confidence
    if properties:
        result["properties"] = properties
    return result
