"""Prompt files: text a module reads from a file whose path it names with literals
(``open("p").read()``, ``Path(__file__).parent / "prompts" / "p.txt"``).

Only files inside the project tree are read, so lint results do not depend on the machine; every file read
is logged in ``files_read``, which the cache records as the module's dependencies.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, List, Optional

import libcst as cst

from promptlint.extract.provenance import Qualified, qualify, single_binding
from promptlint.extract.scopes import Scope
from promptlint.ir import PromptText, Static

# The fully static text of an expression, or None: supplied by the prompt resolver.
Literal = Callable[[cst.BaseExpression, Scope], Optional[str]]

_MAX_DEPTH = 12
_MAX_PROMPT_FILE = 1024 * 1024
# ``os.path`` functions that return (a spelling of) the same path.
_OS_PATH_SAME = ("os.path.abspath", "os.path.realpath", "os.path.normpath")
_PATH_CONSTRUCTORS = ("pathlib.Path", "pathlib.PurePath", *_OS_PATH_SAME)


class PromptFiles:
    """Evaluates path expressions and reads the prompt files of one module."""

    def __init__(
        self,
        source_dir: Optional[Path],
        project_root: Optional[Path],
        literal: Literal,
        files_read: Optional[List[Path]] = None,
    ) -> None:
        """``files_read``: a list shared with the resolvers of the project's other modules, if any."""
        self.source_dir = source_dir
        self.project_root = project_root.resolve() if project_root is not None else None
        self.files_read: List[Path] = [] if files_read is None else files_read
        self._literal = literal

    def read(self, call: cst.BaseExpression, scope: Scope) -> Optional[PromptText]:
        """``open("p").read()``, ``Path("p").read_text()``, ``f.read()`` on ``with open("p") as f``."""
        if not isinstance(call, cst.Call) or not isinstance(call.func, cst.Attribute):
            return None
        method = call.func.attr.value
        target = call.func.value
        path: Optional[Path] = None
        if method == "read" and not call.args:
            opener = target
            if isinstance(target, cst.Name):
                binding = single_binding(scope.lookup(target.value)[1])
                if binding is not None and binding.kind in ("with", "assign") and binding.value is not None:
                    opener = binding.value
            path = self._opened_path(opener, scope)
        elif method == "read_text":
            path = self.path(target, scope)
        if path is None:
            return None
        text = self._read(path)
        if text is None:
            return None
        return PromptText((Static(text, call),))

    def _opened_path(self, opener: cst.BaseExpression, scope: Scope) -> Optional[Path]:
        if not isinstance(opener, cst.Call) or not opener.args:
            return None
        origin = qualify(opener.func, scope)
        is_builtin_open = isinstance(opener.func, cst.Name) and opener.func.value == "open" and origin is None
        if not (
            is_builtin_open or (isinstance(origin, Qualified) and origin.name in ("io.open", "codecs.open"))
        ):
            if isinstance(opener.func, cst.Attribute) and opener.func.attr.value == "open":
                return self.path(opener.func.value, scope)
            return None
        mode = opener.args[1].value if len(opener.args) > 1 and opener.args[1].keyword is None else None
        if mode is not None and "b" in (self._literal(mode, scope) or "b"):
            return None
        return self.path(opener.args[0].value, scope)

    def path(self, expr: cst.BaseExpression, scope: Scope, depth: int = 0) -> Optional[Path]:
        """A path the code names with literals: ``"p"``, ``Path("p")``, ``Path(__file__).parent / "p"``,
        ``base.joinpath("a", "b")``, ``Path(__file__).with_name("p")``."""
        if depth > _MAX_DEPTH or self.source_dir is None:
            return None
        if isinstance(expr, cst.Name):
            if expr.value == "__file__":
                return None
            binding = scope.assigned_once(expr.value)
            return self.path(binding.value, binding.scope, depth + 1) if binding is not None else None
        if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString)):
            literal = self._literal(expr, scope)
            if literal is not None:
                return self.source_dir / literal
        if isinstance(expr, cst.Call):
            return self._call_path(expr, scope, depth)
        if isinstance(expr, cst.Attribute) and expr.attr.value == "parent":
            base = self.path(expr.value, scope, depth + 1)
            return base.parent if base is not None else None
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Divide):
            base = self.path(expr.left, scope, depth + 1)
            name = self._literal(expr.right, scope)
            if base is not None and name is not None:
                return base / name
        return None

    def _call_path(self, expr: cst.Call, scope: Scope, depth: int) -> Optional[Path]:
        """``Path(p)``, ``os.path.dirname(p)``, ``os.path.join(p, "a", "b")``, ``p.resolve()``."""
        assert self.source_dir is not None
        if len(expr.args) == 1 and not expr.args[0].star:
            origin = qualify(expr.func, scope)
            if isinstance(origin, Qualified) and origin.name in _PATH_CONSTRUCTORS:
                argument = expr.args[0].value
                if _is_file_name(argument):
                    return self.source_dir / "__file__"
                return self.path(argument, scope, depth + 1)
            if isinstance(origin, Qualified) and origin.name == "os.path.dirname":
                base = self.path(expr.args[0].value, scope, depth + 1)
                if base is None and _is_file_name(expr.args[0].value):
                    base = self.source_dir / "__file__"
                return base.parent if base is not None else None
        if len(expr.args) >= 2 and not any(a.star or a.keyword for a in expr.args):
            origin = qualify(expr.func, scope)
            if isinstance(origin, Qualified) and origin.name == "os.path.join":
                base = self.path(expr.args[0].value, scope, depth + 1)
                names = [self._literal(a.value, scope) for a in expr.args[1:]]
                if base is None or any(name is None for name in names):
                    return None
                for name in names:
                    base = base / name  # type: ignore[operator]
                return base
        if isinstance(expr.func, cst.Attribute) and not expr.args:
            if expr.func.attr.value in ("resolve", "absolute"):
                return self.path(expr.func.value, scope, depth + 1)
        if isinstance(expr.func, cst.Attribute) and expr.func.attr.value in ("joinpath", "with_name"):
            if not expr.args or any(a.star or a.keyword for a in expr.args):
                return None
            if expr.func.attr.value == "with_name" and len(expr.args) != 1:
                return None
            base = self.path(expr.func.value, scope, depth + 1)
            names = [self._literal(a.value, scope) for a in expr.args]
            if base is None or any(name is None for name in names):
                return None
            if expr.func.attr.value == "with_name":
                base = base.parent
            for name in names:
                base = base / name  # type: ignore[operator]
            return base
        return None

    def read_path(self, path: Path) -> Optional[str]:
        """The text of the file at ``path`` (one the code names with literals), when it is in the project."""
        return self._read(path)

    def _read(self, path: Path) -> Optional[str]:
        try:
            resolved = path.resolve()
        except (OSError, RuntimeError):
            return None
        if self.project_root is not None and self.project_root not in resolved.parents:
            return None  # only files inside the project tree: lint results must not depend on the machine
        try:
            if not resolved.is_file() or resolved.stat().st_size > _MAX_PROMPT_FILE:
                return None
            data = resolved.read_bytes()
            text = data.decode("utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        self.files_read.append(resolved)
        return text.replace("\r\n", "\n")


def _is_file_name(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "__file__"
