"""Classes and functions imported from the project's other modules, for recognising clients across modules.

``class OpenAITranslator(BaseTranslator)`` with ``from .base import BaseTranslator``: the base class is read
from ``base.py`` so that ``self.client`` set in its ``__init__`` is known in the subclass; ``from .clients
import make_client``: calling it gives what the factory returns there. Provenance reaches this table through
the linted module's scope (``Scope.class_table``) and walks a class's whole lineage with it, so a base of a
base in a third module is found too.

Parsed modules are shared by every file of a run (``project.load``); this table belongs to one linted file,
and every module it reads is listed in that file's ``ProjectImports.read``, the cache dependencies of its
result. A module outside the project, one that cannot be parsed, a name bound more than once or anything but
a ``class``/``def`` is unknown.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Callable, Dict, Optional, Tuple

import libcst as cst

from promptlint.extract.project import Defined, ProjectImports
from promptlint.extract.provenance import CLIENT_CLASSES
from promptlint.extract.scopes import Binding, ClassTable, Scope, module_of
from promptlint.extract.tree import attribute_chain
from promptlint.prefilter import may_call_llm

# The names a module must mention to build a client (``OpenAI(...)``, ``-> Anthropic``, ``boto3.client(...)``):
# a client class's own name, or boto3 (whose clients are built by service name).
_CLIENT_NAMES = re.compile(
    rb"\b(?:boto3|"
    + b"|".join(
        sorted({re.escape(name.rsplit(".", 1)[-1]).encode() for name in CLIENT_CLASSES if "(" not in name})
    )
    + rb")\b"
)


def may_build_client(raw: bytes, function: str) -> bool:
    """Whether a module's bytes could hold the client factory ``function``: the module imports an LLM SDK,
    and the text from ``def function`` to the next top-level statement names a client class. Many modules
    of an LLM application import an SDK (for its types, its errors) and name its clients somewhere; the
    module is parsed for what the function returns only when the function itself may build one."""
    if not may_call_llm(raw):
        return False
    start = re.search(rb"(?m)^(?:async[ \t]+)?def[ \t]+" + re.escape(function.encode()) + rb"\b", raw)
    if start is None:
        return False
    end = re.compile(rb"(?m)^[^\s#]").search(raw, start.end())
    return _CLIENT_NAMES.search(raw, start.end(), end.start() if end else len(raw)) is not None


@lru_cache(maxsize=256)
def _factory_gate(function: str) -> Callable[[bytes], bool]:
    """One gate per function name, so that a module read through it is read once per linted file."""
    return lambda raw: may_build_client(raw, function)


class ProjectClasses(ClassTable):
    """The class table of one linted module: its own classes, then classes imported from the project."""

    def __init__(self, imports: ProjectImports, path: Path, module_scope: Scope) -> None:
        self.imports = imports
        self.path = path
        self.module_scope = module_scope
        self._bases: Dict[int, Tuple[cst.BaseExpression, Optional[Scope]]] = {}  # by ``id`` of the base

    def resolve(self, base: cst.BaseExpression, scope: Scope) -> Optional[Scope]:
        local = super().resolve(base, scope)
        if local is not None:
            return local
        known = self._bases.get(id(base))
        if known is not None and known[0] is base:
            return known[1]
        defined = self.imported(base, scope)
        body = defined.binding.body if defined is not None and defined.binding.kind == "class" else None
        self._bases[id(base)] = (base, body)
        return body

    def imported(self, expr: cst.BaseExpression, scope: Scope) -> Optional[Defined]:
        """The class or function ``expr`` (``Base``, ``base.Base``, ``pkg.base.Base``) names through an
        import of the module ``scope`` is in, when that module is this one or one read from the project."""
        chain = attribute_chain(expr)
        if chain is None:
            return None
        name, attributes = chain
        owner, bindings = scope.lookup(name)
        if owner is None or len(bindings) != 1 or bindings[0].imported is None:
            return None
        importer = self._file_of(module_of(owner))
        if importer is None:
            return None
        return self.imports.definition(importer, bindings[0], attributes)

    def function(self, binding: Binding) -> Optional[Binding]:
        """The function an import binding of this module names (a client factory), when it is one. Only
        modules that may build a client are read for it (``may_build_client``): a call to any imported
        helper whose result is used asks."""
        if binding.imported is None or module_of(binding.scope) is not self.module_scope:
            return None
        defined = self.imports.definition(
            self.path, binding, gate=_factory_gate(binding.imported.rsplit(".", 1)[-1])
        )
        return defined.binding if defined is not None and defined.binding.kind == "def" else None

    def _file_of(self, module_scope: Scope) -> Optional[Path]:
        if module_scope is self.module_scope:
            return self.path
        return self.imports.home(module_scope)
