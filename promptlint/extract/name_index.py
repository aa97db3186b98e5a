"""A module's calls by the plain name they call, and how often each name is written in it.

Deciding that a module-level function is used only by being called, and where (loops one call away, an
object every call hands in), needs both: its calls (``f(...)``) and the count of every ``f`` in the module,
which is the ``def`` plus those calls when nothing else refers to it. Both are built on first use, once per
module.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence

import libcst as cst

from promptlint.extract.scopes import CallSite
from promptlint.extract.tree import nodes_under


class NameIndex:
    """The call sites of one module by the plain name they call, and the module's name counts."""

    def __init__(self, module: cst.CSTNode, sites: Sequence[CallSite]) -> None:
        self._module = module
        self._sites = sites
        self._calls: Optional[Dict[str, List[CallSite]]] = None
        self._counts: Optional[Dict[str, int]] = None
        self._in_import_paths: Dict[str, int] = {}

    def calls_to(self, name: str) -> List[CallSite]:
        """The module's call sites that call the plain name ``name``."""
        if self._calls is None:
            self._calls = {}
            for site in self._sites:
                if isinstance(site.node.func, cst.Name):
                    self._calls.setdefault(site.node.func.value, []).append(site)
        return self._calls.get(name, [])

    def count(self, name: str, import_paths: bool = True) -> int:
        """How often ``name`` is written in the module; with ``import_paths=False``, not counting the
        package names of ``from a.b import x`` (``a`` there names a package, not a function ``a``)."""
        if self._counts is None:
            self._counts = {}
            for node in nodes_under(self._module, enter_nested_scopes=True):
                if isinstance(node, cst.Name):
                    self._counts[node.value] = self._counts.get(node.value, 0) + 1
                elif isinstance(node, cst.ImportFrom) and node.module is not None:
                    for part in nodes_under(node.module, enter_nested_scopes=True):
                        if isinstance(part, cst.Name):
                            self._in_import_paths[part.value] = self._in_import_paths.get(part.value, 0) + 1
        found = self._counts.get(name, 0)
        return found if import_paths else found - self._in_import_paths.get(name, 0)
