"""Lint one file: read, prefilter, parse, extract, run the rules, place the findings.

Heavy imports (libcst, the tokenizer, the model table) happen only once a file passes the prefilter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Sequence, Tuple, Type

from promptlint.diagnostics import Diagnostic, FileError, RelatedLocation, SharedText, internal_error
from promptlint.lines import LineIndex, split_lines
from promptlint.modules import excluded_paths, prompt_root
from promptlint.prefilter import may_call_llm
from promptlint.results import FileResult
from promptlint.rule import Finding, Rule, RuleContext
from promptlint.savings import served_as
from promptlint.source import SourceError, SourceFile, read_source
from promptlint.suppress import file_ignores, is_suppressed, suppressions

if TYPE_CHECKING:
    from promptlint.models import ModelData

_CONTEXT_LINES = 3  # reported lines kept for the text reporter


@dataclass
class LintOptions:
    rules: Sequence[Type[Rule]]
    rule_options: Mapping[str, Mapping[str, Any]]
    default_model: Optional[str]
    project_root: Path
    models: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    signature_recognition: bool = True  # recognise requests by their signature when the client is unknown
    timeout: Optional[float] = None  # seconds for one file's analysis; None: no limit
    exclude: Tuple[str, ...] = ()  # exclude and extend-exclude: project modules there are never read


def lint_file(
    path: Path, display: str, options: LintOptions, models: Optional[ModelData] = None
) -> FileResult:
    try:
        source = read_source(path)
    except SourceError as error:
        return FileResult(errors=[FileError(display, error.reason)])
    result = lint_source(source, display, options, models)
    result.source = source
    return result


def lint_source(
    source: SourceFile,
    display: str,
    options: LintOptions,
    models: Optional[ModelData] = None,
    through: Tuple[Path, ...] = (),
) -> FileResult:
    """Lint a file that has been read. A failure of promptlint's own on this file (in the parser, the
    extraction, a rule, placing findings or lowering fixes) becomes this file's one error. ``through``:
    the project modules through which a file that imports no SDK may send requests (``reach``), found by
    the caller; such a file is linted, and its result depends on them."""
    from promptlint.deep import DeepTimeout

    try:
        result = _lint_source(source, display, options, models, bool(through))
        if through and result.parsed:
            result.dependencies = sorted(set(result.dependencies) | set(through))
        return result
    except DeepTimeout:
        return FileResult(errors=[timeout_error(display, options.timeout or 0)], parsed=True)
    except Exception as error:
        return FileResult(errors=[internal_error(display, error)], parsed=True)


def timeout_error(display: str, seconds: float) -> FileError:
    """A file whose analysis ran past ``file-timeout``: exit code 2 like promptlint's own failures, and never
    cached (another run may well finish it), but not a bug to report."""
    return FileError(
        display, f"not checked: took longer than the file-timeout of {seconds:g} s", internal=True
    )


def _lint_source(
    source: SourceFile, display: str, options: LintOptions, models: Optional[ModelData], reached: bool = False
) -> FileResult:
    result = FileResult()
    if not reached and not may_call_llm(source.raw):
        return result
    result.parsed = True
    from promptlint import trees
    from promptlint.deep import run_deep

    path_key = trees.key(source.path)
    # A text parsed already passed the guards then; any other is checked before libcst sees it.
    if trees.recall(path_key, source.text) is None:
        refused = _too_deep(source)
        if refused is not None:
            result.errors.append(FileError(display, refused))
            return result
    return run_deep(
        _analyse,
        source.text,
        source.path,
        display,
        options,
        models,
        result,
        path_key,
        timeout=options.timeout,
    )


def _too_deep(source: SourceFile) -> Optional[str]:
    """Why Python itself would refuse the source as too deeply nested, or None: libcst would recurse past
    the interpreter's stack on it."""
    from promptlint.deep import MAX_BRACKET_DEPTH, bracket_depth

    if source.raw.count(b"(") + source.raw.count(b"[") + source.raw.count(b"{") > MAX_BRACKET_DEPTH:
        depth = bracket_depth(source.raw)
        if depth > MAX_BRACKET_DEPTH:
            return f"brackets nested {depth} deep: more than Python accepts"
    from promptlint.depth import MAX_EXPRESSION_DEPTH, expression_depth

    if expression_depth(source.text) > MAX_EXPRESSION_DEPTH:
        return f"expressions nested more than {MAX_EXPRESSION_DEPTH} deep: more than Python accepts"
    return None


def lint_text(
    text: str, path: Path, display: str, options: LintOptions, models: Optional[ModelData] = None
) -> FileResult:
    """Lint source text that is not (or no longer) what is on disk: a file being fixed."""
    from promptlint.deep import run_deep

    return run_deep(_analyse, text, path, display, options, models, FileResult(parsed=True))


def _analyse(
    text: str,
    path: Path,
    display: str,
    options: LintOptions,
    models,
    result: FileResult,
    path_key: Optional[str] = None,
) -> FileResult:
    """Parse, extract, check and place, with the cyclic garbage collector off: a parsed module is hundreds
    of thousands of objects without cycles, and the collector's passes over them cost about a third of the
    time on large files. Reference counting still frees them. ``path_key``: the file's key in ``trees``,
    for the text of a file as read (not one being fixed): its tree is taken from there or kept there."""
    import gc

    enabled = gc.isenabled()
    gc.disable()
    try:
        return _analyse_collected(text, path, display, options, models, result, path_key)
    finally:
        if enabled:
            gc.enable()


def _analyse_collected(
    text: str, path: Path, display: str, options: LintOptions, models, result: FileResult, path_key=None
) -> FileResult:

    from promptlint import trees

    module = trees.recall(path_key, text) if path_key is not None else None
    if module is None:
        module = _parsed(text, display, result)
        if module is None:
            return result
        if path_key is not None:
            trees.keep(path_key, text, module)
    with trees.linting(module):
        return _analyse_module(module, text, path, display, options, models, result)


def _parsed(text: str, display: str, result: FileResult):
    """The libcst tree of ``text``, or None with the reason added to ``result``'s errors."""
    import libcst as cst

    from promptlint.parsing import parse_module

    try:
        return parse_module(text)
    except cst.ParserSyntaxError as error:
        reason = _syntax_error(error)
        result.errors.append(FileError(display, reason))
    except RecursionError:
        result.errors.append(FileError(display, "too deeply nested to parse"))
    except MemoryError:
        result.errors.append(FileError(display, "too large to parse"))
    return None


def _analyse_module(
    module, text: str, path: Path, display: str, options: LintOptions, models, result: FileResult
) -> FileResult:
    from promptlint.extract import extract_calls
    from promptlint.extract.module_index import ModuleIndex

    try:
        calls, resolver = extract_calls(
            module,
            path,
            prompt_root(path.resolve(), options.project_root.resolve()),
            signatures=options.signature_recognition,
            excluded=excluded_paths(options.project_root, options.exclude, str(path.resolve().parent)),
        )
    except RecursionError:
        result.errors.append(FileError(display, "too deeply nested to analyse"))
        return result
    result.dependencies = sorted(set(resolver.files_read) | set(resolver.files_absent))
    if not calls:
        return result
    if models is None:
        from promptlint.models import ModelData

        models = ModelData(options.models)
    findings: List[Tuple[Type[Rule], Finding, str, str, tuple, Any]] = []
    owners: List[Any] = []  # the request of each finding
    index = ModuleIndex(module)
    anchor = index.report_node  # one per file: line facts are computed once, on first use
    for rule_class in options.rules:
        rule_options = {**rule_class.options, **options.rule_options.get(rule_class.code, {})}
        context = RuleContext(
            rule_options, options.default_model, models.info, models.count, module, tuple(calls), anchor
        )
        rule = rule_class()
        for call in calls:
            try:
                found = [
                    (
                        rule_class,
                        served_as(finding, call),
                        str(call.confidence),
                        call.self_hosted,
                        _shown_related(call.related + _origins_of(finding, call), path, display),
                        _shared_origin(rule_class.code, finding, call),
                    )
                    for finding in rule.check(call, context)
                ]
                findings.extend(found)
                owners.extend(call for _ in found)
            except Exception as error:  # a crashing rule is reported, and the other rules still run
                result.errors.append(
                    FileError(
                        display,
                        f"rule {rule_class.code} crashed: {type(error).__name__}: {error}",
                        internal=True,
                    )
                )
                break
    if findings:
        findings = _once(findings, owners, index)
        result.diagnostics = _in_file(_place(findings, module, text, display), path)
    return result


def _once(findings: list, owners: List[Any], index: Any) -> list:
    """The findings without those of a wrapper's own request placed on a parameter its prompt is built
    from, when a request through the wrapper reports the same rule where a caller writes the value: one
    defect, reported where it is written (``Related.parameters``)."""
    import libcst as cst

    at_callers = set()
    for (rule_class, finding, *_), call in zip(findings, owners):
        for place in call.related:
            if place.within is None or place.module is not None or index.parent(finding.node) is None:
                continue
            if not index.inside(finding.node, place.within):
                at_callers.add((id(place.node), rule_class.code, place.parameters))
    if not at_callers:
        return findings
    kept = []
    for item, call in zip(findings, owners):
        rule_class, finding = item[0], item[1]
        node = finding.node
        if isinstance(node, cst.Name) and any(
            key == id(call.node) and code == rule_class.code and node.value in parameters
            for key, code, parameters in at_callers
        ):
            continue
        kept.append(item)
    return kept


def _origins_of(finding: Finding, call: Any) -> tuple:
    """Where the prompt part a finding is placed on is written, when another definition holds it: the
    origins (``LLMCall.origins``) whose expression at the request is the finding's node or holds it."""
    if not call.origins or finding.node is None:
        return ()
    from promptlint.extract import subtree

    return tuple(
        place
        for node, place in call.origins
        if place.shown and any(inner is finding.node for inner in subtree(node))
    )


def _shared_origin(code: str, finding: Finding, call: Any) -> Any:
    """The definition (``Related``) whose text a finding of a rule about the text itself (``shared``) is
    placed on: the origin whose expression at the request is the finding's node. None otherwise."""
    if not call.origins or finding.node is None:
        return None
    from promptlint.shared import SHARED_RULES

    if code not in SHARED_RULES:
        return None
    place = next((place for node, place in call.origins if node is finding.node), None)
    return None if place is None else (place, _request_label(call))


def _request_label(call: Any) -> str:
    """The request as its call is written: "`client.chat.completions.create`", or "`ask()`" for a request
    sent through the project's wrapper."""
    import libcst as cst

    node = call.node
    written = cst.Module([]).code_for_node(node.func) if isinstance(node, cst.Call) else call.callee
    through = any(place.within is not None for place in call.related)
    return f"`{written}()`" if through else f"`{written}`"


class _Definitions:
    """The definitions findings of one file are placed on (``SharedText``), each module's text, positions
    and suppression comments computed once."""

    def __init__(self, text: str, positions: Any, table: Any) -> None:
        self._own = (text, positions, table)
        self._others: Dict[int, tuple] = {}

    def _module(self, place: Any) -> tuple:
        if place.module is None:
            return self._own
        key = id(place.module)
        if key not in self._others:
            text = place.module.code
            self._others[key] = (text, None, suppressions(text))
        return self._others[key]

    def shared(self, place: Any, request: str) -> Optional[SharedText]:
        text, positions, _ = self._module(place)
        if place.module is None:
            where = positions.get(place.node)
            file = ""  # the linted file's own (``_in_file``)
        else:
            from promptlint.positions import positions_of

            where = positions_of(place.module, [place.node]).get(place.node)
            file = str(Path(place.path).resolve())
        if where is None:
            return None
        line = where.start.line
        lines = split_lines(text)
        return SharedText(
            file=file,
            line=line,
            column=where.start.column + 1,
            end_line=where.end.line,
            end_column=where.end.column + 1,
            label=_label(place.message),
            source=tuple(lines[line - 1 : min(where.end.line, line - 1 + _CONTEXT_LINES)]),
            request=request,
        )

    def suppressed(self, place: Any, shared: SharedText, rule_class: Any) -> bool:
        """A suppression comment on the definition's first or last line (a triple-quoted string can hold
        none on its first line; ruff reads one at its end), or a file-level ignore in its module."""
        text, _, table = self._module(place)
        code, name = rule_class.code, rule_class.name
        if place.module is not None:
            ignored = file_ignores(text)
            if ignored and is_suppressed({0: ignored}, 0, code, name):
                return True
        return any(is_suppressed(table, line, code, name) for line in {shared.line, shared.end_line})


def _in_file(diagnostics: List[Diagnostic], path: Path) -> List[Diagnostic]:
    """The findings with the file of a definition in the linted module itself filled in."""
    if not any(d.shared is not None and not d.shared.file for d in diagnostics):
        return diagnostics
    file = str(path.resolve())
    return [
        replace(d, shared=replace(d.shared, file=file)) if d.shared is not None and not d.shared.file else d
        for d in diagnostics
    ]


def _label(message: str) -> str:
    """What a definition holds, from its related place's message: "prompt `CATALOG` defined in" gives
    "prompt `CATALOG`", "prompt built in `build_system()`" gives "prompt built by `build_system()`"."""
    if message.endswith(" defined in"):
        return message[: -len(" defined in")]
    return message.replace(" built in ", " built by ")


def _shown_related(related: tuple, path: Path, display: str) -> tuple:
    """The related places with another module's file shown as the linted file is."""
    if not any(place.path for place in related):
        return related
    return tuple(replace(p, path=_shown(p.path, path, display)) if p.path else p for p in related)


def _shown(other: str, path: Optional[Path], display: str) -> str:
    """Another module's file (an absolute path) shown as the linted file is: relative to the directory its
    display path is relative to, else absolute."""
    if path is None or Path(display).is_absolute():
        return other
    base = path.resolve()
    for _ in Path(display).parts:
        base = base.parent
    try:
        return str(Path(other).relative_to(base))
    except ValueError:
        return other


def _related(related, positions, display: str) -> Tuple[RelatedLocation, ...]:
    """The related places of a finding with their positions; one whose position is unknown is left out."""
    from promptlint.positions import positions_of

    places = []
    for place in related:
        if place.module is None:
            where = positions.get(place.node)
        else:
            where = positions_of(place.module, [place.node]).get(place.node)
        if where is not None:
            places.append(
                RelatedLocation(
                    place.path or display, where.start.line, where.start.column + 1, place.message
                )
            )
    return tuple(places)


def _written_within(where, related, positions) -> bool:
    """The finding is placed inside the wrapper a request is sent through (``Related.within``): the
    wrapper's own request reports what is written there."""
    for place in related:
        if place.within is None or place.module is not None:
            continue
        span = positions.get(place.within)
        if span is not None and _at(span.start) <= _at(where.start) and _at(where.end) <= _at(span.end):
            return True
    return False


def _rewrites_text_only(fix, related) -> bool:
    """A fix on a prompt sent through a wrapper is kept only when it rewrites string literals where they
    are written: what else the wrapper does with the value (a list of blocks instead of a string) is not
    known."""
    if not any(place.within is not None for place in related):
        return True
    import libcst as cst

    texts = (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)
    return all(isinstance(replacement.old, texts) for replacement in fix.replacements)


def _at(position) -> Tuple[int, int]:
    return position.line, position.column


def _syntax_error(error, limit: int = 100) -> str:
    """One short line: libcst's parser messages can list every token it expected."""
    message = (error.message or "").splitlines()[0] if error.message else ""
    line, column = error.editor_line, error.editor_column
    if re.match(r"parser error: error at \d+:\d+", message):
        message = "invalid syntax"  # the position in the message is less precise than the error's own
    message = message.split(": expected one of")[0] or "invalid syntax"
    if len(message) > limit:
        message = message[: limit - 1] + "…"
    return f"syntax error at {line}:{column}: {message}"


def _place(findings, module, text: str, display: str) -> List[Diagnostic]:
    """Give findings positions, drop suppressed ones, and lower fixes to text edits."""
    from promptlint.positions import positions_of

    wanted = [finding.node for _, finding, *_ in findings]
    wanted += [
        r.old for _, finding, *_ in findings if finding.fix is not None for r in finding.fix.replacements
    ]
    wanted += [r.node for *_, related, _ in findings for r in related if r.module is None]
    wanted += [r.within for *_, related, _ in findings for r in related if r.module is None and r.within]
    wanted += [shared[0].node for *_, shared in findings if shared is not None and shared[0].module is None]
    positions = positions_of(module, wanted)
    lines = split_lines(text)
    table = suppressions(text)
    ignored_file = file_ignores(text)
    placed: Dict[tuple, Diagnostic] = {}
    offsets = LineIndex(text)
    definitions = _Definitions(text, positions, table)
    for rule_class, finding, confidence, self_hosted, related, origin in findings:
        if ignored_file and is_suppressed({0: ignored_file}, 0, rule_class.code, rule_class.name):
            continue
        where = positions.get(finding.node)
        if where is None or _written_within(where, related, positions):
            continue
        line, column = where.start.line, where.start.column + 1
        if is_suppressed(table, line, rule_class.code, rule_class.name):
            continue
        shared = definitions.shared(*origin) if origin is not None else None
        if shared is not None and definitions.suppressed(origin[0], shared, rule_class):
            continue  # suppressed at the definition: the text is accepted for every request that sends it
        fix = None
        if finding.fix is not None and _rewrites_text_only(finding.fix, related):
            from promptlint.fixes import lower_fix

            fix = lower_fix(finding.fix, module, text, positions, offsets)
        diagnostic = Diagnostic(
            code=rule_class.code,
            name=rule_class.name,
            severity=rule_class.severity,
            path=display,
            line=line,
            column=column,
            end_line=where.end.line,
            end_column=where.end.column + 1,
            message=finding.message,
            fix=fix,
            basis=finding.savings,
            source=tuple(lines[line - 1 : min(where.end.line, line - 1 + _CONTEXT_LINES)]),
            help=rule_class.fix_title,
            confidence=confidence,
            self_hosted=self_hosted,
            related=_related(related, positions, display),
            shared=shared,
        )
        placed.setdefault(diagnostic.sort_key, diagnostic)
    return sorted(placed.values(), key=lambda d: d.sort_key)
