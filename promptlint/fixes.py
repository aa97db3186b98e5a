"""Fixes, from a rule's node replacements to the file on disk: lower them to minimal text edits, choose
non-overlapping ones, re-lint to a fixpoint, and write only when the result parses.

Files are written through a temporary file in the same directory and an atomic rename, keeping their
encoding, byte-order mark, line endings and permission bits, so an interrupted run never loses a file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, List, Optional, Sequence, Tuple

from promptlint.diagnostics import Diagnostic, Edit, FixInfo, internal_error
from promptlint.lines import LineIndex, split_lines
from promptlint.outfile import write_atomically
from promptlint.source import SourceFile

if TYPE_CHECKING:
    from promptlint.narrow import FileNarrowing

MAX_ROUNDS = 10  # fixes re-lint the file; a rule whose fix keeps producing new fixes stops here


@dataclass
class FixOutcome:
    original: str
    text: str  # the text after every applied fix
    applied: int = 0
    applied_rules: List[Tuple[str, str]] = field(default_factory=list)  # (code, name) of each fix applied
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
            outcome.applied_rules = []
            outcome.remaining = original_diagnostics
            outcome.reported = initial.reported(original_diagnostics) if initial else original_diagnostics
            return outcome
        if narrowing is not None:
            narrowing = narrowing.after_edit(outcome.text, candidate)
        outcome.text = candidate
        outcome.applied += len(chosen)
        outcome.applied_rules.extend((d.code, d.name) for d in chosen)
        outcome.rounds += 1
        diagnostics = lint(candidate)
    outcome.remaining = diagnostics
    outcome.reported = reported(diagnostics)
    return outcome


def encode_like(source: SourceFile, text: str) -> bytes:
    """The bytes to write for ``text`` so that the file keeps its encoding and byte-order mark."""
    data = text.encode(source.encoding)
    return (b"\xef\xbb\xbf" + data) if source.has_bom else data


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
    source: SourceFile,
    diagnostics: List[Diagnostic],
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
        return _fix_file(source, diagnostics, display, lint, unsafe, diff_only, narrowing)
    except Exception as error:
        text = source.text
        remaining = list(diagnostics)
        outcome = FixOutcome(
            text,
            text,
            error=internal_error(display, error).reason,
            internal=True,
            remaining=remaining,
            reported=narrowing.reported(remaining),
        )
        return outcome, None


def _fix_file(
    source, diagnostics, display, lint, unsafe, diff_only, narrowing
) -> Tuple[FixOutcome, Optional[str]]:
    outcome = fix_text(source.text, diagnostics, lint, unsafe, parses, narrowing)
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
        outcome.remaining = list(diagnostics)
        outcome.reported = narrowing.reported(diagnostics)
    return outcome, None


# Lowering: a rule's node replacements become one minimal text edit.


def lower_fix(fix, module, text: str, positions, offsets: LineIndex) -> Optional[FixInfo]:
    """Turn node replacements into one minimal text edit, with the changed lines before and after.

    Each replacement is rendered in place: with the indentation of the block it sits in, found by
    rendering the old node until it reproduces the source exactly. Only when that fails is the whole
    module regenerated (correct, but costly on large files with many findings).
    """
    spans = []
    for replacement in fix.replacements:
        where = positions.get(replacement.old)
        if where is None:
            return None
        begin = offsets.offset(where.start.line, where.start.column)
        finish = offsets.offset(where.end.line, where.end.column)
        rendered = _render_in_place(replacement, module, text, begin, finish, where.start.line, offsets)
        if rendered is None:
            return _lower_fix_whole_module(fix, module, text, offsets)
        spans.append((begin, finish, rendered))
    # Only the span from the first to the last replaced node changes: diff that, not the whole file.
    low = min(begin for begin, _, _ in spans)
    high = max(finish for _, finish, _ in spans)
    window = text[low:high]
    for begin, finish, rendered in sorted(spans, reverse=True):
        window = window[: begin - low] + rendered + window[finish - low :]
    return _fix_info(fix, text, low, high, window, offsets)


def _render_in_place(replacement, module, text, begin, finish, line, offsets) -> Optional[str]:
    try:
        from libcst._nodes.internal import CodegenState
    except ImportError:  # pragma: no cover - a libcst without the internal renderer
        return None
    original = text[begin:finish]

    def render(node, indent: str) -> str:
        state = CodegenState(
            default_indent=module.default_indent,
            default_newline=module.default_newline,
            indent_tokens=[indent] if indent else [],
        )
        node._codegen(state)
        return "".join(state.tokens)

    tried = set()
    for candidate_line in range(line, max(0, line - 40), -1):
        content = offsets.line_text(candidate_line)
        indent = content[: len(content) - len(content.lstrip(" \t"))]
        if indent in tried:
            continue
        tried.add(indent)
        if render(replacement.old, indent) == original:
            return render(replacement.new, indent)
    return None


def _lower_fix_whole_module(fix, module, text: str, offsets) -> Optional[FixInfo]:
    new_module = module
    for replacement in fix.replacements:
        new_module = new_module.deep_replace(replacement.old, replacement.new)
    return _fix_info(fix, text, 0, len(text), new_module.code, offsets)


def _fix_info(fix, text: str, low: int, high: int, replacement: str, offsets) -> Optional[FixInfo]:
    """The minimal edit that turns ``text[low:high]`` into ``replacement``, and the lines it touches."""
    old = text[low:high]
    if old == replacement:
        return None
    start = 0
    limit = min(len(old), len(replacement))
    while start < limit and old[start] == replacement[start]:
        start += 1
    end = 0
    while end < limit - start and old[-1 - end] == replacement[-1 - end]:
        end += 1
    line, column = offsets.position(low + start)
    end_line, end_column = offsets.position(low + len(old) - end)
    content = replacement[start : len(replacement) - end]
    edit = Edit(line, column + 1, end_line, end_column + 1, content)
    first = offsets.line_start(line)
    last = offsets.line_end(end_line)
    before = text[first:last]
    after = text[first : low + start] + content + text[low + len(old) - end : last]
    return FixInfo(
        fix.description,
        fix.applicability.value,
        (edit,),
        tuple(split_lines(before)),
        tuple(split_lines(after)),
    )


def parses(text: str) -> bool:
    import libcst as cst

    from promptlint.deep import run_deep

    def attempt() -> bool:
        try:
            cst.parse_module(text)
        except (cst.ParserSyntaxError, RecursionError, MemoryError):
            return False
        return True

    return run_deep(attempt)
