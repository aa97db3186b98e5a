"""The language server on pygls: documents in, diagnostics, code actions and hovers out.

Every lint runs on one worker thread, so that buffers are linted one at a time and the event loop keeps
answering; a change waits ``DEBOUNCE`` seconds for the next keystroke before it is linted. Results are kept
per document version: a code action, a hover or a command is answered from the lint of the version it
names (or the current one), and edits carry that version, so that a client never applies them to a
changed buffer. A lint that fails (a crashing rule, a file-timeout, a broken configuration) is reported
in the document and the log; the server goes on.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

import promptlint.lsp.actions as actions
from promptlint import __version__
from promptlint.diagnostics import Diagnostic, Edit
from promptlint.lines import split_lines
from promptlint.lsp.positions import from_client, to_client
from promptlint.lsp.session import BufferLinter, BufferResult

DEBOUNCE = 0.3  # seconds of quiet after a change before the buffer is linted
FIX_ALL_KIND = "source.fixAll.promptlint"
APPLY_AUTOFIX = "promptlint.applyAutofix"
SOURCE = "promptlint"
_SEVERITY = {
    "error": lsp.DiagnosticSeverity.Error,
    "warning": lsp.DiagnosticSeverity.Warning,
    "info": lsp.DiagnosticSeverity.Information,
}


@dataclass
class _Document:
    """What the server knows of one open document: its latest lint, and the last one that was complete."""

    linted: Optional[BufferResult] = None
    version: Optional[int] = None  # the version ``linted`` is of
    last_good: List[Diagnostic] = field(default_factory=list)
    last_good_text: str = ""
    pending: Optional[asyncio.Task] = None
    reported_error: Optional[str] = None  # the failure last written to the log, so it is logged once


class PromptlintServer(LanguageServer):
    def __init__(self, registry) -> None:
        super().__init__("promptlint", __version__, text_document_sync_kind=lsp.TextDocumentSyncKind.Full)
        self.linter = BufferLinter(registry)
        self.documents: Dict[str, _Document] = {}
        self.lint_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="promptlint-lint")
        self.lock = asyncio.Lock()

    # --- linting -------------------------------------------------------------------------------------

    def fallback_root(self, path: Path) -> Path:
        """Settings are rooted at the config file's directory; without one, at the workspace folder that
        holds the document (else the document's own directory)."""
        folders = [Path(to_fs_path(f.uri) or "") for f in self.workspace.folders.values()]
        if self.workspace.root_path:
            folders.append(Path(self.workspace.root_path))
        holding = [folder for folder in folders if folder == path.parent or folder in path.parents]
        return max(holding, key=lambda folder: len(folder.parts)) if holding else path.parent

    async def lint(self, uri: str) -> Optional[BufferResult]:
        """Lint the document's current text unless that version is linted already; publish the result."""
        state = self.documents.get(uri)
        path = _path(uri)
        if state is None or path is None:
            return None
        async with self.lock:
            document = self.workspace.get_text_document(uri)
            version, text = document.version, document.source
            if state.linted is not None and state.version == version and state.linted.text == text:
                return state.linted
            loop = asyncio.get_running_loop()
            result = await loop.run_in_executor(
                self.lint_thread, self.linter.lint, text, path, self.fallback_root(path)
            )
            if self.documents.get(uri) is not state:  # closed meanwhile
                return result
            result.version = version
            state.linted, state.version = result, version
            self.publish(uri, state, result, version)
            return result

    def publish(self, uri: str, state: _Document, result: BufferResult, version: Optional[int]) -> None:
        encoding = self.encoding()
        if result.complete:
            state.last_good, state.last_good_text = result.diagnostics, result.text
            state.reported_error = None
            shown = [self.diagnostic(uri, d, result.text, encoding) for d in result.diagnostics]
            shown += _unknown_suppressions(result, encoding)
        else:
            # Keep what the last complete lint found (at its positions) and say once why it is not new.
            kept, kept_text = (
                (result.diagnostics, result.text)
                if result.diagnostics
                else (state.last_good, state.last_good_text)
            )
            shown = [self.diagnostic(uri, d, kept_text, encoding) for d in kept]
            reason = result.config_error or result.errors[0].reason
            shown.append(_failure(reason))
            if reason != state.reported_error:
                state.reported_error = reason
                self.window_log_message(
                    lsp.LogMessageParams(type=lsp.MessageType.Warning, message=f"promptlint: {uri}: {reason}")
                )
        self.text_document_publish_diagnostics(
            lsp.PublishDiagnosticsParams(uri=uri, diagnostics=shown, version=version)
        )

    def encoding(self) -> str:
        """The negotiated position encoding: "utf-8", "utf-16" (the protocol's default) or "utf-32"."""
        chosen = self.workspace.position_encoding or "utf-16"
        return str(getattr(chosen, "value", chosen))

    def diagnostic(self, uri: str, d: Diagnostic, text: str, encoding: str) -> lsp.Diagnostic:
        lines = split_lines(text)
        related = []
        for place in d.related:
            place_uri = uri if place.path == d.path else Path(place.path).resolve().as_uri()
            place_lines = lines if place_uri == uri else _lines_on_disk(place.path)
            start = _position(place_lines, place.line, place.column, encoding)
            related.append(
                lsp.DiagnosticRelatedInformation(
                    location=lsp.Location(uri=place_uri, range=lsp.Range(start=start, end=start)),
                    message=place.message,
                )
            )
        return lsp.Diagnostic(
            range=_range(lines, d.line, d.column, d.end_line, d.end_column, encoding),
            message=actions.message(d),
            severity=_SEVERITY.get(d.severity, lsp.DiagnosticSeverity.Warning),
            code=d.code,
            code_description=lsp.CodeDescription(href=actions.rule_link(d.code, d.name)),
            source=SOURCE,
            related_information=related or None,
        )

    def schedule(self, uri: str, delay: float) -> None:
        state = self.documents.get(uri)
        if state is None:
            return
        if state.pending is not None:
            state.pending.cancel()

        async def later() -> None:
            if delay:
                await asyncio.sleep(delay)
            await self.lint(uri)

        state.pending = asyncio.ensure_future(later())

    def relint_all(self) -> None:
        for uri, state in self.documents.items():
            state.version = None  # the configuration may have changed: lint again even if the text did not
            self.schedule(uri, 0)

    # --- edits ---------------------------------------------------------------------------------------

    async def current(self, uri: str) -> Optional[BufferResult]:
        """The lint of the document's current version (linting it now if a change is still pending)."""
        state = self.documents.get(uri)
        if state is None:
            return None
        return await self.lint(uri)  # a lint still to come finds this version done

    def workspace_edit(
        self, uri: str, version: Optional[int], text: str, edits: List[Edit]
    ) -> lsp.WorkspaceEdit:
        """Edits of ``text`` (the buffer at ``version``); with the version when the client takes document
        changes, so that it refuses them if the buffer has changed since."""
        lines = split_lines(text)
        encoding = self.encoding()
        text_edits = [
            lsp.TextEdit(
                range=_range(lines, e.line, e.column, e.end_line, e.end_column, encoding), new_text=e.content
            )
            for e in sorted(edits, key=lambda e: (e.line, e.column))
        ]
        capabilities = self.client_capabilities.workspace
        document_changes = bool(
            capabilities and capabilities.workspace_edit and capabilities.workspace_edit.document_changes
        )
        if document_changes:
            identifier = lsp.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version)
            return lsp.WorkspaceEdit(
                document_changes=[lsp.TextDocumentEdit(text_document=identifier, edits=text_edits)]
            )
        return lsp.WorkspaceEdit(changes={uri: text_edits})

    async def fix_all_edit(self, uri: str, result: BufferResult) -> Optional[lsp.WorkspaceEdit]:
        path = _path(uri)
        state = self.documents.get(uri)
        if path is None or state is None or not result.complete:
            return None
        loop = asyncio.get_running_loop()
        fixed = await loop.run_in_executor(
            self.lint_thread, self.linter.fix_all, result, path, self.fallback_root(path)
        )
        if fixed is None:
            return None
        return self.workspace_edit(uri, result.version, result.text, [actions.whole_edit(result.text, fixed)])


def _path(uri: str) -> Optional[Path]:
    if not uri.startswith("file:"):
        return None
    path = to_fs_path(uri)
    return Path(path) if path else None


def _lines_on_disk(path: str) -> Optional[List[str]]:
    """Another file's lines, to count a related location's column in the client's encoding."""
    from promptlint.source import SourceError, read_source

    try:
        return split_lines(read_source(Path(path)).text)
    except (SourceError, OSError):
        return None


def _position(lines, line: int, column: int, encoding: str) -> lsp.Position:
    if lines is None:  # a file that cannot be read: columns stay in code points
        return lsp.Position(line=line - 1, character=column - 1)
    number, character = to_client(lines, line, column, encoding)
    return lsp.Position(line=number, character=character)


def _range(lines, line: int, column: int, end_line: int, end_column: int, encoding: str) -> lsp.Range:
    return lsp.Range(
        start=_position(lines, line, column, encoding), end=_position(lines, end_line, end_column, encoding)
    )


def _unknown_suppressions(result: BufferResult, encoding: str) -> List[lsp.Diagnostic]:
    """A suppression comment that names no known rule suppresses nothing: said where it is written."""
    lines = split_lines(result.text)
    found = []
    for line, item in result.unknown_suppressions:
        text = lines[line - 1] if line <= len(lines) else ""
        comment = text.find("#")
        column = text.find(item, comment if comment >= 0 else 0) + 1 or 1
        found.append(
            lsp.Diagnostic(
                range=_range(lines, line, column, line, column + len(item), encoding),
                message=f"unknown rule `{item}` in a suppression comment; it suppresses nothing",
                severity=lsp.DiagnosticSeverity.Warning,
                source=SOURCE,
            )
        )
    return found


def _failure(reason: str) -> lsp.Diagnostic:
    """One diagnostic at the top of the document saying why its findings are not (all) up to date."""
    start = lsp.Position(line=0, character=0)
    return lsp.Diagnostic(
        range=lsp.Range(start=start, end=start),
        message=f"promptlint could not check this version: {reason}",
        severity=lsp.DiagnosticSeverity.Warning,
        source=SOURCE,
    )


def _overlaps(d: Diagnostic, start: tuple, end: tuple) -> bool:
    return (d.line, d.column) <= end and start <= (d.end_line, d.end_column)


def build(registry) -> PromptlintServer:
    server = PromptlintServer(registry)

    @server.feature(lsp.INITIALIZED)
    async def initialized(ls: PromptlintServer, params: lsp.InitializedParams) -> None:
        workspace = ls.client_capabilities.workspace
        watch = workspace and workspace.did_change_watched_files
        if watch and watch.dynamic_registration:
            options = lsp.DidChangeWatchedFilesRegistrationOptions(
                watchers=[lsp.FileSystemWatcher(glob_pattern="**/pyproject.toml")]
            )
            registration = lsp.Registration(
                id="promptlint-config",
                method=lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=options,
            )
            try:
                await ls.client_register_capability_async(
                    lsp.RegistrationParams(registrations=[registration])
                )
            except Exception as error:  # a client that refuses still gets reloads by modification time
                logging.getLogger(__name__).info("cannot watch pyproject.toml: %s", error)

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: PromptlintServer, params: lsp.DidOpenTextDocumentParams) -> None:
        document = params.text_document
        if document.language_id != "python" and not document.uri.endswith((".py", ".pyi")):
            return  # a client that sends every file: only Python is linted
        ls.documents[document.uri] = _Document()
        ls.schedule(document.uri, 0)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: PromptlintServer, params: lsp.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, DEBOUNCE)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE, lsp.SaveOptions(include_text=False))
    def did_save(ls: PromptlintServer, params: lsp.DidSaveTextDocumentParams) -> None:
        if params.text_document.uri.endswith("/pyproject.toml"):
            ls.relint_all()
        else:
            state = ls.documents.get(params.text_document.uri)
            if state is not None:
                state.version = None
            ls.schedule(params.text_document.uri, 0)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: PromptlintServer, params: lsp.DidCloseTextDocumentParams) -> None:
        state = ls.documents.pop(params.text_document.uri, None)
        if state is not None and state.pending is not None:
            state.pending.cancel()
        ls.text_document_publish_diagnostics(
            lsp.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[])
        )

    @server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched(ls: PromptlintServer, params: lsp.DidChangeWatchedFilesParams) -> None:
        ls.relint_all()

    @server.feature(lsp.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    def folders(ls: PromptlintServer, params: lsp.DidChangeWorkspaceFoldersParams) -> None:
        ls.relint_all()

    @server.feature(
        lsp.TEXT_DOCUMENT_CODE_ACTION,
        lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix, FIX_ALL_KIND]),
    )
    async def code_action(
        ls: PromptlintServer, params: lsp.CodeActionParams
    ) -> Optional[List[lsp.CodeAction]]:
        uri = params.text_document.uri
        result = await ls.current(uri)
        state = ls.documents.get(uri)
        if result is None or state is None:
            return None
        wanted = params.context.only
        lines = split_lines(result.text)
        encoding = ls.encoding()
        start = from_client(lines, params.range.start.line, params.range.start.character, encoding)
        end = from_client(lines, params.range.end.line, params.range.end.character, encoding)
        found: List[lsp.CodeAction] = []
        if wanted is None or any(kind.startswith("quickfix") for kind in wanted):
            named = {_key(d) for d in params.context.diagnostics if d.source == SOURCE}
            found += _quick_fixes(ls, uri, result, start, end, named)
        if wanted is None or any(FIX_ALL_KIND.startswith(kind) for kind in wanted):
            edit = await ls.fix_all_edit(uri, result)
            if edit is not None:
                found.append(lsp.CodeAction(title="Fix all promptlint issues", kind=FIX_ALL_KIND, edit=edit))
        return found

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    async def hover(ls: PromptlintServer, params: lsp.HoverParams) -> Optional[lsp.Hover]:
        result = await ls.current(params.text_document.uri)
        if result is None or not result.diagnostics:
            return None
        lines = split_lines(result.text)
        where = from_client(lines, params.position.line, params.position.character, ls.encoding())
        under = [d for d in result.diagnostics if _overlaps(d, where, where)]
        if not under:
            return None
        text = "\n\n---\n\n".join(actions.hover(d, result.table_date) for d in under)
        first = under[0]
        return lsp.Hover(
            contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=text),
            range=_range(lines, first.line, first.column, first.end_line, first.end_column, ls.encoding()),
        )

    @server.command(APPLY_AUTOFIX)
    async def apply_autofix(ls: PromptlintServer, *arguments: Any) -> Any:
        """``[{"uri": ..., "version": ...}]``: apply every fix to the document at that version."""
        target = arguments[0] if arguments else {}
        uri = target.get("uri") if isinstance(target, dict) else None
        if not uri or uri not in ls.documents:
            return {"applied": False, "reason": "no such open document"}
        result = await ls.current(uri)
        version = target.get("version")
        if result is None or (version is not None and version != result.version):
            current = result.version if result is not None else None
            return {"applied": False, "reason": f"stale version {version}; the document is at {current}"}
        edit = await ls.fix_all_edit(uri, result)
        if edit is None:
            return {"applied": False, "reason": "nothing to fix"}
        response = await ls.workspace_apply_edit_async(
            lsp.ApplyWorkspaceEditParams(edit=edit, label="promptlint: fix all")
        )
        return {"applied": bool(response and response.applied)}

    return server


def _key(d: lsp.Diagnostic) -> tuple:
    r = d.range
    return (str(d.code), r.start.line, r.start.character, r.end.line, r.end.character)


def _quick_fixes(ls, uri, result: BufferResult, start, end, named) -> List[lsp.CodeAction]:
    """Each finding's fix (unsafe ones only when ``unsafe-fixes`` is on) and its noqa, for the findings
    under the range or named in the request's context (as Neovim asks: the cursor, and the line's
    diagnostics) when they are still where the current version has them."""
    found: List[lsp.CodeAction] = []
    titles = set()
    encoding = ls.encoding()
    version = result.version
    for d in result.diagnostics:
        shown = ls.diagnostic(uri, d, result.text, encoding)
        if not _overlaps(d, start, end) and _key(shown) not in named:
            continue
        fix = d.fix
        if fix is not None and (fix.applicability == "safe" or result.unsafe_fixes):
            edits = actions.fix_edits(d, result.text)
            if edits is not None:
                title = f"{d.code}: {fix.description}"
                if fix.applicability != "safe":
                    title += " (unsafe fix)"
                found.append(
                    lsp.CodeAction(
                        title=title,
                        kind=lsp.CodeActionKind.QuickFix,
                        diagnostics=[shown],
                        is_preferred=fix.applicability == "safe",
                        edit=ls.workspace_edit(uri, version, result.text, edits),
                    )
                )
        title = f"Disable {d.code} for this line"
        noqa = None if (d.line, title) in titles else actions.noqa_edit(result.text, d.line, d.code)
        if noqa is not None:
            titles.add((d.line, title))
            found.append(
                lsp.CodeAction(
                    title=title,
                    kind=lsp.CodeActionKind.QuickFix,
                    diagnostics=[shown],
                    edit=ls.workspace_edit(uri, version, result.text, [noqa]),
                )
            )
    return found


def serve() -> int:
    from promptlint.registry import PluginError, load_registry

    try:
        registry = load_registry()
    except PluginError as error:
        import sys

        print(f"promptlint: error: {error}", file=sys.stderr)
        return 2
    build(registry).start_io()
    return 0
