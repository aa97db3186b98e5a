"""Lint an editor's buffer as ``promptlint check`` would lint the file: same configuration (the nearest
``pyproject.toml``, re-read when it changes), same rules, fixes and prices, but from the unsaved text.

Facts from other files (prompts modules, wrappers) come from the files on disk, as they do for the CLI.
No pygls here: the server turns these results into protocol messages.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Type

from promptlint.config import ConfigError, Settings, find_config, load_settings
from promptlint.diagnostics import Diagnostic, FileError, internal_error
from promptlint.registry import Registry
from promptlint.rule import Rule


@dataclass(frozen=True)
class DocumentSettings:
    """What applies to one document: its settings and the rules enabled for it (``per-file-ignores`` done)."""

    settings: Settings
    rules: Tuple[Type[Rule], ...]
    excluded: bool  # excluded by the configuration: the server reports nothing on it, as `check` would not


@dataclass
class BufferResult:
    """One lint of one buffer text."""

    text: str
    diagnostics: List[Diagnostic] = field(default_factory=list)  # priced, sorted
    errors: List[FileError] = field(default_factory=list)
    config_error: Optional[str] = None
    table_date: Optional[str] = None
    unsafe_fixes: bool = False
    version: Optional[int] = None  # the editor's version of the text, set by the server
    calls_per_month: Optional[int] = None
    # (line, item): a rule a suppression comment names that does not exist, as `check` warns of it
    unknown_suppressions: List[Tuple[int, str]] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """Whether every selected rule looked at the whole text (it parsed, nothing crashed or timed out)."""
        return not self.errors and self.config_error is None


class BufferLinter:
    """Lints buffers; keeps parsed configuration files until they change on disk (by mtime and size)."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._settings: Dict[Path, Tuple[Tuple[int, int], Settings]] = {}

    def document_settings(
        self, path: Path, fallback_root: Path, config_from: Optional[Path] = None
    ) -> DocumentSettings:
        """The settings of the nearest configuration above ``config_from`` (default: ``path``'s directory),
        else the defaults rooted at ``fallback_root``.

        Raises ConfigError for a broken configuration, as the CLI reports it.
        """
        config_path = find_config(config_from or path.parent)
        if config_path is None:
            settings = Settings(root=fallback_root)
        else:
            settings = self._load(config_path)
        try:
            rules = self.registry.select(settings.select, settings.ignore, settings.extend_select)
        except ValueError as error:
            raise ConfigError(f"{config_path}: {error}") from error
        ignored = settings.ignored_for(path)
        if ignored:
            off = {rule.code for selector in ignored for rule in self.registry.matching(selector)}
            rules = [rule for rule in rules if rule.code not in off]
        return DocumentSettings(settings, tuple(rules), _excluded(path, settings))

    def _load(self, config_path: Path) -> Settings:
        try:
            status = os.stat(config_path)
        except OSError as error:
            raise ConfigError(f"{config_path}: cannot read: {error.strerror or error}") from error
        stamp = (status.st_mtime_ns, status.st_size)
        cached = self._settings.get(config_path)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        settings = load_settings(config_path, self.registry, config_path.parent)
        self._settings[config_path] = (stamp, settings)
        return settings

    def lint(
        self,
        text: str,
        path: Path,
        fallback_root: Path,
        *,
        display: Optional[str] = None,
        config_from: Optional[Path] = None,
        exclude: bool = True,
    ) -> BufferResult:
        """Lint ``text`` as the content of ``path`` (reported as ``display``, default the absolute path);
        never raises (a failure is the result's error). With ``exclude``, an excluded path gets nothing,
        as with ``check --force-exclude``."""
        display = display or str(path)
        try:
            document = self.document_settings(path, fallback_root, config_from)
        except ConfigError as error:
            return BufferResult(text, config_error=str(error))
        if not exclude:
            document = replace(document, excluded=False)
        try:
            return self._lint(text, path, document, display)
        except Exception as error:  # promptlint's own failure on this buffer: reported, the server lives on
            return BufferResult(text, errors=[internal_error(display, error)])

    def _lint(self, text: str, path: Path, document: DocumentSettings, display: str) -> BufferResult:
        from promptlint.engine import lint_source
        from promptlint.models import ModelData
        from promptlint.source import SourceFile, format_size

        settings = document.settings
        result = BufferResult(
            text, unsafe_fixes=settings.unsafe_fixes, calls_per_month=settings.calls_per_month
        )
        if document.excluded or not document.rules:
            return result
        raw = text.encode("utf-8", "surrogatepass")
        source = SourceFile(path, raw, text, "utf-8", False, "\r\n" if "\r\n" in text[:2000] else "\n")
        from promptlint.prefilter import may_call_llm

        if len(raw) > settings.max_file_size and may_call_llm(raw):
            reason = f"file is larger than {format_size(settings.max_file_size)}"
            result.errors.append(FileError(display, reason))
            return result
        models = ModelData(settings.models)
        linted = lint_source(source, display, self.options(document), models)
        if linted.parsed:
            from promptlint.suppress import unknown_rules

            rules = self.registry.rules
            known = frozenset(rule.code for rule in rules), frozenset(rule.name for rule in rules)
            result.unknown_suppressions = unknown_rules(text, *known)
        result.errors = list(linted.errors)
        result.diagnostics = self._priced(linted.diagnostics, settings, models, result)
        return result

    def options(self, document: DocumentSettings):
        from promptlint.engine import LintOptions

        settings = document.settings
        return LintOptions(
            rules=document.rules,
            rule_options=settings.rule_options,
            default_model=settings.default_model,
            project_root=settings.root,
            models=settings.models,
            signature_recognition=settings.signature_recognition,
            timeout=settings.file_timeout,
        )

    def _priced(self, found: Sequence[Diagnostic], settings: Settings, models, result) -> List[Diagnostic]:
        """Prices as ``check`` gives them (``pipeline._priced``, ``pipeline._informational``)."""
        from promptlint.savings import price

        table = models.table
        result.table_date = table.as_of
        priced = []
        for d in found:
            if d.basis is not None:
                d = replace(d, savings=price(d.basis, table, settings.calls_per_month))
            if d.self_hosted and d.severity != "info" and not settings.fail_on_self_hosted:
                d = replace(d, severity="info")
            priced.append(d)
        return sorted(priced, key=lambda d: d.sort_key)

    def fix_all(self, result: BufferResult, path: Path, fallback_root: Path) -> Optional[str]:
        """The buffer with every applicable fix applied, to a fixpoint, as ``check --fix`` would write it;
        None when nothing changes or the fixed text would not parse."""
        from promptlint.engine import lint_text
        from promptlint.fixes import fix_text, parses
        from promptlint.models import ModelData

        try:
            document = self.document_settings(path, fallback_root)
        except ConfigError:
            return None
        options = self.options(document)
        models = ModelData(document.settings.models)

        def lint(text: str) -> List[Diagnostic]:
            return lint_text(text, path, str(path), options, models).diagnostics

        outcome = fix_text(result.text, list(result.diagnostics), lint, result.unsafe_fixes, parses)
        if outcome.error or not outcome.changed:
            return None
        return outcome.text


def _excluded(path: Path, settings: Settings) -> bool:
    """Whether ``exclude``/``extend-exclude`` leave ``path`` out, as ``check --force-exclude`` decides."""
    from promptlint.discover import discover

    if not path.exists():
        return False
    found = discover(
        [str(path)],
        root=settings.root,
        exclude=settings.exclude,
        extend_exclude=settings.extend_exclude,
        force_exclude=True,
        respect_gitignore=settings.respect_gitignore,
    )
    return not found.files and not found.errors
