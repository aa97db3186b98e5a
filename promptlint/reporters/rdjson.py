"""reviewdog's Diagnostic Format, rdjson (``DiagnosticResult``): reviewdog posts each finding as a review
comment on the pull request's diff, and each fix as a suggestion the reviewer applies in one click.

Positions are 1-based lines and columns with exclusive ends, as in reviewdog's ``rdf/reviewdog.proto``;
columns there count UTF-8 bytes, where promptlint counts characters, so each column is converted with the
text of its line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Optional

from promptlint.diagnostics import Diagnostic
from promptlint.lines import LineIndex, line_ending
from promptlint.reporters import RenderOptions, Report
from promptlint.reporters.github import message_of
from promptlint.reporters.sarif import HELP_URI

_SEVERITY = {"error": "ERROR", "warning": "WARNING", "info": "INFO"}


def render(report: Report, options: RenderOptions) -> str:
    lines = _Lines(report.texts or {})
    diagnostics: List[Dict[str, Any]] = [_diagnostic(d, lines) for d in report.diagnostics]
    diagnostics += [
        {"message": error.reason, "location": {"path": error.path}, "severity": "ERROR"}
        for error in report.errors
    ]
    document = {"source": {"name": "promptlint", "url": HELP_URI}, "diagnostics": diagnostics}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _diagnostic(d: Diagnostic, lines: _Lines) -> Dict[str, Any]:
    plain: Dict[str, Any] = {
        "message": message_of(d),
        "location": {
            "path": d.path,
            "range": lines.range(d.path, d.line, d.column, d.end_line, d.end_column),
        },
        "severity": _SEVERITY.get(d.severity, "WARNING"),
        "code": {"value": d.code, "url": f"{HELP_URI}#{d.code.lower()}-{d.name}"},
    }
    if d.fix is not None and d.fix.edits:
        plain["suggestions"] = [
            {"range": lines.range(d.path, e.line, e.column, e.end_line, e.end_column), "text": e.content}
            for e in d.fix.edits
        ]
    return plain


class _Lines:
    """The lines of each reported file, to turn character columns into UTF-8 byte columns."""

    def __init__(self, texts: Dict[str, str]) -> None:
        self._texts = dict(texts)
        self._indexes: Dict[str, Optional[LineIndex]] = {}

    def range(self, path: str, line: int, column: int, end_line: int, end_column: int) -> Dict[str, Any]:
        return {
            "start": {"line": line, "column": self.column(path, line, column)},
            "end": {"line": end_line, "column": self.column(path, end_line, end_column)},
        }

    def column(self, path: str, line: int, column: int) -> int:
        index = self._index(path)
        if index is None or not 1 <= line <= len(index.starts):
            return column  # the text is not known: the column as counted
        text = index.line_text(line)
        text = text[: len(text) - len(line_ending(text))]
        before = text[: column - 1]
        return len(before.encode("utf-8", "surrogatepass")) + (column - 1 - len(before)) + 1

    def _index(self, path: str) -> Optional[LineIndex]:
        if path not in self._indexes:
            text = self._texts.get(path)
            if text is None:
                text = _read(path)
            self._indexes[path] = LineIndex(text) if text is not None else None
        return self._indexes[path]


def _read(path: str) -> Optional[str]:
    from promptlint.source import SourceError, decode_source

    try:
        return decode_source(Path(path).read_bytes())[0]
    except (OSError, SourceError):
        return None
