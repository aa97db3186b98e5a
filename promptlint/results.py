"""What linting one file gives back, in a module of its own so that the runner can record a skipped file
without importing the engine (and what the engine imports)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, List, Optional

if TYPE_CHECKING:
    from promptlint.diagnostics import Diagnostic, FileError
    from promptlint.source import SourceFile


@dataclass
class FileResult:
    diagnostics: List[Diagnostic] = field(default_factory=list)
    errors: List[FileError] = field(default_factory=list)
    parsed: bool = False  # whether the file reached the parser
    source: Optional[SourceFile] = None  # what was read, for writing fixes back
    dependencies: List[Path] = field(default_factory=list)  # prompt files the result depends on
