"""What linting one file gives back, in a module of its own so that the runner can record a skipped file
without importing the engine (and what the engine imports)."""

from __future__ import annotations

from typing import TYPE_CHECKING, List, Optional

from promptlint.record import Record

if TYPE_CHECKING:
    from pathlib import Path

    from promptlint.diagnostics import Diagnostic, FileError
    from promptlint.source import SourceFile


class FileResult(Record):
    """The findings and errors of one file."""

    __slots__ = ("diagnostics", "errors", "parsed", "source", "dependencies")

    def __init__(
        self,
        diagnostics: Optional[List[Diagnostic]] = None,
        errors: Optional[List[FileError]] = None,
        parsed: bool = False,  # whether the file reached the parser
        source: Optional[SourceFile] = None,  # what was read, for writing fixes back
        dependencies: Optional[List[Path]] = None,  # prompt files the result depends on
    ) -> None:
        self.diagnostics = [] if diagnostics is None else diagnostics
        self.errors = [] if errors is None else errors
        self.parsed = parsed
        self.source = source
        self.dependencies = [] if dependencies is None else dependencies
