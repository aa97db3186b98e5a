"""The extraction context: everything extraction holds for the one module it is extracting.

Per-module state (the prompt resolver and the prompt files it read, the caller index, what the module as a
whole says about where it runs) lives here and nowhere else, so nothing carries over from one module to
the next and no module-global cache needs an identity check.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Sequence

import libcst as cst

from promptlint.extract.caller_loops import CallerLoops
from promptlint.extract.project import ProjectImports
from promptlint.extract.project_classes import ProjectClasses
from promptlint.extract.recursion import Recursions
from promptlint.extract.runs_in import RunsIn
from promptlint.extract.scopes import CallSite, Scope
from promptlint.extract.text import TextResolver
from promptlint.modules import Excluded


class ModuleContext:
    """The per-module objects of one extraction, built once by ``extract_calls``."""

    def __init__(
        self,
        module: cst.Module,
        sites: Sequence[CallSite],
        source_dir: Optional[Path],
        project_root: Optional[Path],
        source_path: Optional[Path] = None,
        module_scope: Optional[Scope] = None,
        excluded: Optional[Excluded] = None,
    ) -> None:
        """``module_scope``: given, its classes' bases and its imported factories are also looked for in
        the project's other modules (see ``project_classes``)."""
        imports = None
        if source_path is not None and project_root is not None:
            imports = ProjectImports(project_root, excluded)
            source_path = source_path.resolve()
            if module_scope is not None:
                module_scope.class_table = ProjectClasses(imports, source_path, module_scope)
        self.resolver = TextResolver(source_dir, project_root, source_path, imports)
        self.caller_loops = CallerLoops(module, sites)
        self.recursions = Recursions(sites)
        self.runs_in = RunsIn(self.resolver.source_dir, self.resolver.project_root)
