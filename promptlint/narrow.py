"""Which findings a run reports, after a baseline and ``--changed-since`` have narrowed them.

Fixes follow the same narrowing: ``--fix`` and ``--diff`` touch only what the run reports. While a file is
being fixed its lines move, so the narrowing of one file follows the fixer's edits: a line the fixer kept
keeps its old status, and a line the fixer wrote counts as changed (it was written for a reported finding).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Set

from promptlint.record import Frozen

if TYPE_CHECKING:
    from collections import Counter

    from promptlint.diagnostics import Diagnostic

ChangedLines = Dict[Path, Optional[Set[int]]]  # None: the whole file counts as changed


class Narrowing(Frozen):
    """The baseline's known findings and the changed lines per file; either may be absent."""

    __slots__ = ("known", "changed")

    def __init__(self, known: Optional[Counter] = None, changed: Optional[ChangedLines] = None) -> None:
        self.known = known
        self.changed = changed

    @property
    def active(self) -> bool:
        return self.known is not None or self.changed is not None

    def reported(self, diagnostics: Sequence[Diagnostic]) -> List[Diagnostic]:
        kept = list(diagnostics)
        if self.known is not None:
            from promptlint.baseline import new_findings

            kept = new_findings(kept, self.known)
        if self.changed is not None:
            from promptlint.baseline import on_changed_lines

            kept = on_changed_lines(kept, self.changed)
        return kept

    def for_file(self, path: Path) -> FileNarrowing:
        lines: Optional[Set[int]] = None
        whole = True
        if self.changed is not None:
            resolved = path.resolve()
            whole = resolved in self.changed and self.changed[resolved] is None
            lines = set() if whole else set(self.changed.get(resolved) or ())
        return FileNarrowing(self.known, None if self.changed is None or whole else lines)


class FileNarrowing(Frozen):
    """The narrowing of one file's findings, for text that the fixer may have changed.

    ``lines`` is the set of changed lines of the current text, or ``None`` when every line counts.
    """

    __slots__ = ("known", "lines")

    def __init__(self, known: Optional[Counter], lines: Optional[Set[int]]) -> None:
        self.known = known
        self.lines = lines

    def reported(self, diagnostics: Sequence[Diagnostic]) -> List[Diagnostic]:
        kept = list(diagnostics)
        if self.known is not None:
            from promptlint.baseline import new_findings

            kept = new_findings(kept, self.known)
        if self.lines is not None:
            lines = self.lines
            kept = [d for d in kept if any(line in lines for line in range(d.line, d.end_line + 1))]
        return kept

    def after_edit(self, before: str, after: str) -> FileNarrowing:
        """The same narrowing for ``after``, a fixed version of ``before``."""
        if self.lines is None:
            return self
        import difflib

        from promptlint.lines import split_lines

        old, new = split_lines(before, keepends=True), split_lines(after, keepends=True)
        lines: Set[int] = set()
        matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
        for tag, old_start, _old_end, new_start, new_end in matcher.get_opcodes():
            if tag == "equal":
                shift = new_start - old_start
                lines.update(line + shift for line in self.lines if old_start < line <= _old_end)
            else:
                lines.update(range(new_start + 1, new_end + 1))
        return FileNarrowing(self.known, lines)
