"""Fixes: choose non-overlapping edits, re-lint to a fixpoint, write only when the result parses.

Files are written through a temporary file in the same directory and an atomic rename, keeping their
encoding, byte-order mark, line endings and permission bits, so an interrupted run never loses a file.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, List, Optional, Sequence, Tuple

from promptlint.diagnostics import Diagnostic, Edit
from promptlint.source import SourceFile

if TYPE_CHECKING:
    from promptlint.engine import FileResult
    from promptlint.narrow import FileNarrowing

MAX_ROUNDS = 10  # fixes re-lint the file; a rule whose fix keeps producing new fixes stops here


@dataclass
class FixOutcome:
    original: str
    text: str  # the text after every applied fix
    applied: int = 0
    error: Optional[str] = None  # why nothing was written, when something was to be written
    internal: bool = False  # the error is promptlint's own failure (exit 2), not the file's
    rounds: int = 0
    remaining: List[Diagnostic] = field(default_factory=list)  # every finding left in the fixed text
    reported: List[Diagnostic] = field(default_factory=list)  # those of them the run reports

    @property
    def changed(self) -> bool:
        return self.text != self.original


def applicable(diagnostic: Diagnostic, unsafe: bool) -> bool:
    fix = diagnostic.fix
    return bool(fix and fix.edits and (fix.applicability == "safe" or unsafe))


def apply_edits(text: str, edits: Sequence[Edit]) -> str:
    """Apply edits given in (1-based line, 1-based column) coordinates of ``text``; they must not overlap."""
    from promptlint.lines import LineIndex

    index = LineIndex(text)

    def offset(line: int, column: int) -> int:
        return index.offset(line, column - 1)

    spans = sorted((offset(e.line, e.column), offset(e.end_line, e.end_column), e.content) for e in edits)
    pieces: List[str] = []
    cursor = 0
    for begin, finish, content in spans:
        if begin < cursor:
            raise ValueError("overlapping edits")
        pieces.append(text[cursor:begin])
        pieces.append(content)
        cursor = finish
    pieces.append(text[cursor:])
    return "".join(pieces)


def choose_non_overlapping(diagnostics: Sequence[Diagnostic], unsafe: bool) -> Tuple[List[Diagnostic], int]:
    """The fixes to apply in one round (first come, first served by position) and how many had to wait."""
    chosen: List[Diagnostic] = []
    taken: List[Tuple[Tuple[int, int], Tuple[int, int]]] = []
    deferred = 0
    for diagnostic in sorted(diagnostics, key=lambda d: d.sort_key):
        if not applicable(diagnostic, unsafe):
            continue
        ranges = [((e.line, e.column), (e.end_line, e.end_column)) for e in diagnostic.fix.edits]
        if any(
            start < other_end and other_start < end or start == other_start
            for start, end in ranges
            for other_start, other_end in taken
        ):
            deferred += 1
            continue
        taken.extend(ranges)
        chosen.append(diagnostic)
    return chosen, deferred


def fix_text(
    text: str,
    diagnostics: List[Diagnostic],
    lint: Callable[[str], List[Diagnostic]],
    unsafe: bool,
    parses: Callable[[str], bool],
    narrowing: Optional[FileNarrowing] = None,
) -> FixOutcome:
    """Apply fixes round by round until none is left to apply (or ``MAX_ROUNDS``); keep only parsing results.

    ``diagnostics`` are those of ``text`` as it is; ``lint`` re-lints a fixed text. Only the findings the run
    reports are fixed: ``narrowing`` (a baseline, changed lines) is applied in every round, following the
    lines through the edits already made.
    """

    def reported(found: List[Diagnostic]) -> List[Diagnostic]:
        return narrowing.reported(found) if narrowing is not None else list(found)

    outcome = FixOutcome(original=text, text=text)
    original_diagnostics = list(diagnostics)
    initial = narrowing
    for _ in range(MAX_ROUNDS):
        chosen, _deferred = choose_non_overlapping(reported(diagnostics), unsafe)
        if not chosen:
            break
        candidate = apply_edits(outcome.text, [edit for d in chosen for edit in d.fix.edits])
        if candidate == outcome.text:
            break
        if not parses(candidate):
            outcome.error = "the fixed source would not parse; file left unchanged"
            outcome.text = text
            outcome.applied = 0
            outcome.remaining = original_diagnostics
            outcome.reported = initial.reported(original_diagnostics) if initial else original_diagnostics
            return outcome
        if narrowing is not None:
            narrowing = narrowing.after_edit(outcome.text, candidate)
        outcome.text = candidate
        outcome.applied += len(chosen)
        outcome.rounds += 1
        diagnostics = lint(candidate)
    outcome.remaining = diagnostics
    outcome.reported = reported(diagnostics)
    return outcome


def encode_like(source: SourceFile, text: str) -> bytes:
    """The bytes to write for ``text`` so that the file keeps its encoding and byte-order mark."""
    data = text.encode(source.encoding)
    return (b"\xef\xbb\xbf" + data) if source.has_bom else data


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one rename; the original is untouched if anything fails."""
    directory = path.parent
    mode = os.stat(path).st_mode & 0o7777
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".promptlint", dir=directory)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def unified_diff(display: str, before: str, after: str) -> str:
    """A patch between two texts, line by line as Python reads them.

    Lines keep their own endings (``\\r\\n`` stays in the patch); a line that ends with a lone ``\\r`` is
    printed with a ``\\n`` after it, so that each source line is one line of the patch.
    """
    import difflib

    from promptlint.lines import line_ending, split_lines

    lines = difflib.unified_diff(
        split_lines(before, keepends=True),
        split_lines(after, keepends=True),
        fromfile=f"a/{display}",
        tofile=f"b/{display}",
    )
    out = []
    for line in lines:
        ending = line_ending(line)
        if ending == "\r":
            out.append(line + "\n")
        elif ending:
            out.append(line)
        else:
            out.append(line + "\n\\ No newline at end of file\n")
    return "".join(out)


def fix_file(
    result: FileResult,
    display: str,
    lint: Callable[[str], List[Diagnostic]],
    *,
    unsafe: bool,
    diff_only: bool,
    narrowing: FileNarrowing,
) -> Tuple[FixOutcome, Optional[str]]:
    """Fix one file's reported findings to a fixpoint and write it atomically (or, with ``diff_only``,
    return the patch instead): the outcome and the patch.

    A failure of promptlint's own while fixing leaves the file unchanged and is this file's error.
    """
    try:
        return _fix_file(result, display, lint, unsafe, diff_only, narrowing)
    except Exception as error:
        from promptlint.engine import internal_error

        text = result.source.text
        remaining = list(result.diagnostics)
        outcome = FixOutcome(
            text,
            text,
            error=internal_error(display, error).reason,
            internal=True,
            remaining=remaining,
            reported=narrowing.reported(remaining),
        )
        return outcome, None


def _fix_file(result, display, lint, unsafe, diff_only, narrowing) -> Tuple[FixOutcome, Optional[str]]:
    from promptlint.engine import parses

    source = result.source
    outcome = fix_text(source.text, result.diagnostics, lint, unsafe, parses, narrowing)
    if outcome.error or not outcome.changed:
        return outcome, None
    if diff_only:
        return outcome, unified_diff(display, source.text, outcome.text)
    try:
        write_atomically(source.path, encode_like(source, outcome.text))
    except UnicodeEncodeError:
        outcome.error = (
            f"the fix cannot be written in the file's encoding ({source.encoding}); file left unchanged"
        )
    except OSError as error:
        outcome.error = f"cannot write the fix: {error.strerror or error}; file left unchanged"
    if outcome.error:
        outcome.remaining = list(result.diagnostics)
        outcome.reported = narrowing.reported(result.diagnostics)
    return outcome, None
