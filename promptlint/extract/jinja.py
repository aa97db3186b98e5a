"""jinja2 templates whose text is known at lint time: ``Template("...").render(...)``,
``env.from_string("...").render(...)`` and ``env.get_template("x.j2").render(...)`` on an environment built
with a ``FileSystemLoader`` over a directory the code names with literals (inside the project only).

Only templates made of text and ``{{ name }}`` placeholders are understood: a statement (``{% ... %}``),
a comment, whitespace control or any setting that changes the syntax makes the template unknown, because
what it renders cannot be known without running it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, List, Optional, Tuple

import libcst as cst

from promptlint.extract.prompt_files import PromptFiles
from promptlint.extract.provenance import Qualified, qualify
from promptlint.extract.scopes import Scope

# One piece of a template: the text before a placeholder, the placeholder's source (None after the last
# one), the variable it reads, and whether it prints that variable as it is (no attribute, no filter).
Piece = Tuple[str, Optional[str], str, bool]
Literal = Callable[[cst.BaseExpression, Scope], Optional[str]]

_MAX_DEPTH = 8
_TEMPLATE = ("jinja2.Template", "jinja2.environment.Template")
_ENVIRONMENT = ("jinja2.Environment", "jinja2.environment.Environment")
_LOADER = ("jinja2.FileSystemLoader", "jinja2.loaders.FileSystemLoader")
# Settings that leave a template without statements rendering as written (``autoescape`` is handled apart).
_HARMLESS = ("trim_blocks", "lstrip_blocks", "undefined", "enable_async", "auto_reload", "cache_size")
_PLACEHOLDER = re.compile(
    r"\{\{\s*(?P<name>[A-Za-z_]\w*)(?P<path>(?:\s*\.\s*\w+|\[[^\]{}]*\])*)\s*"
    r"(?P<filters>(?:\|\s*\w+(?:\([^(){}]*\))?\s*)*)\}\}"
)


@dataclass(frozen=True)
class Jinja:
    """A template's text and how it renders values: escaped (``autoescape``) or as they are."""

    text: str
    escapes: bool


def pieces(template: Jinja) -> Optional[List[Piece]]:
    """The template as text and placeholders, or None when it holds anything else."""
    text = template.text
    if text.endswith("\n"):
        text = text[:-1]  # jinja2 drops one trailing newline unless told to keep it
    found: List[Piece] = []
    cursor = 0
    for match in _PLACEHOLDER.finditer(text):
        found.append((text[cursor : match.start()], match.group(0), match.group("name"), _plain(match)))
        cursor = match.end()
    found.append((text[cursor:], None, "", False))
    for literal, _, _, _ in found:
        if any(mark in literal for mark in ("{{", "}}", "{%", "%}", "{#", "#}")):
            return None
    if template.escapes:
        found = [(literal, source, name, False) for literal, source, name, _ in found]
    return found


def _plain(match: re.Match) -> bool:
    return not match.group("path") and not match.group("filters")


class Templates:
    """Finds the jinja2 template a ``.render(...)`` call renders, in one module."""

    def __init__(self, files: PromptFiles, literal: Literal) -> None:
        self.files = files
        self._literal = literal

    def rendered(self, call: cst.Call, scope: Scope) -> Optional[Jinja]:
        """The template ``call`` (a ``.render(...)``) renders, or None when it is not known."""
        if not isinstance(call.func, cst.Attribute) or call.func.attr.value != "render":
            return None
        return self._template(call.func.value, scope, 0)

    def _template(self, expr: cst.BaseExpression, scope: Scope, depth: int) -> Optional[Jinja]:
        if depth > _MAX_DEPTH:
            return None
        if isinstance(expr, cst.Name):
            binding = scope.assigned_once(expr.value)
            if binding is None or binding.value is None:
                return None
            return self._template(binding.value, binding.scope, depth + 1)
        if not isinstance(expr, cst.Call):
            return None
        origin = qualify(expr.func, scope)
        if isinstance(origin, Qualified) and origin.name in _TEMPLATE:
            source = _only_argument(expr, "source")
            settings = _settings(expr, exclude="source")
            if source is None or settings is None:
                return None
            text = self._literal(source, scope)
            return Jinja(text, settings) if text is not None else None
        if not isinstance(expr.func, cst.Attribute):
            return None
        method = expr.func.attr.value
        if method not in ("from_string", "get_template"):
            return None
        environment = self._environment(expr.func.value, scope, depth + 1)
        argument = _only_argument(expr, "source" if method == "from_string" else "name")
        if environment is None or argument is None:
            return None
        escapes, directory = environment
        name = self._literal(argument, scope)
        if name is None:
            return None
        if method == "from_string":
            return Jinja(name, escapes)
        if directory is None or name.startswith("/") or ".." in name.split("/"):
            return None
        text = self.files.read_path(directory / name)
        return Jinja(text, escapes) if text is not None else None

    def _environment(
        self, expr: cst.BaseExpression, scope: Scope, depth: int
    ) -> Optional[Tuple[bool, Optional[Path]]]:
        """``Environment(loader=FileSystemLoader(dir), ...)``: whether it escapes, and its directory."""
        if depth > _MAX_DEPTH:
            return None
        if isinstance(expr, cst.Name):
            binding = scope.assigned_once(expr.value)
            if binding is None or binding.value is None:
                return None
            return self._environment(binding.value, binding.scope, depth + 1)
        if not isinstance(expr, cst.Call) or any(a.keyword is None for a in expr.args):
            return None
        origin = qualify(expr.func, scope)
        if not (isinstance(origin, Qualified) and origin.name in _ENVIRONMENT):
            return None
        escapes = _settings(expr, exclude="loader")
        if escapes is None:
            return None
        loader = next(
            (a.value for a in expr.args if a.keyword is not None and a.keyword.value == "loader"), None
        )
        if loader is None:
            return escapes, None
        return escapes, self._directory(loader, scope)

    def _directory(self, loader: cst.BaseExpression, scope: Scope) -> Optional[Path]:
        if isinstance(loader, cst.Name):
            binding = scope.assigned_once(loader.value)
            if binding is None or binding.value is None:
                return None
            loader, scope = binding.value, binding.scope
        if not isinstance(loader, cst.Call):
            return None
        origin = qualify(loader.func, scope)
        if not (isinstance(origin, Qualified) and origin.name in _LOADER):
            return None
        searchpath = _only_argument(loader, "searchpath")
        if searchpath is None or len(loader.args) != 1:
            return None
        return self.files.path(searchpath, scope)


def _only_argument(call: cst.Call, keyword: str) -> Optional[cst.BaseExpression]:
    """The first argument, given by position or as ``keyword``."""
    for index, argument in enumerate(call.args):
        if argument.star:
            return None
        if (index == 0 and argument.keyword is None) or (
            argument.keyword is not None and argument.keyword.value == keyword
        ):
            return argument.value
    return None


def _settings(call: cst.Call, exclude: str) -> Optional[bool]:
    """Whether the settings of ``Template(...)``/``Environment(...)`` escape rendered values; None when a
    setting may change the syntax or the text (delimiters, line statements, ``keep_trailing_newline``...)."""
    escapes = False
    for index, argument in enumerate(call.args):
        if argument.star:
            return None
        if argument.keyword is None:
            if index == 0 and exclude == "source":
                continue
            return None
        name = argument.keyword.value
        if name == exclude or name in _HARMLESS:
            continue
        if name != "autoescape":
            return None
        value = argument.value
        escapes = not (isinstance(value, cst.Name) and value.value == "False")
    return escapes
