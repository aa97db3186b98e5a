"""Where the project's other modules construct a class: ``Bot(OpenAI())`` in ``main.py`` for ``class Bot`` of the
linted module, whose ``__init__`` keeps the client it is handed.

The repository is not parsed to find them. A module can construct the class only if its text names it (the
import, or the call, writes the name), so the project's source files from which the class's module can be
imported (``project_pass``'s region: the highest folder of importable names above it) are read as bytes and
searched for the name as a word; only the few that name it are parsed, and each is a cache dependency of the
result (``ProjectImports.read``). In those, every call whose callee is an import that resolves to the class
(``from .bot import Bot``, ``from pkg import bot`` then ``bot.Bot(...)``, an alias) is a construction site.

The answer is "unknown" (None), and the client stays unknown, when a module that names the class cannot be
parsed, defines a subclass of it (its ``__init__`` may pass anything), or when there are more files than are
worth reading. Test modules (``test_*.py``, ``*_test.py``, ``conftest.py``, anything under a ``tests``
folder) are not searched: a mock handed to the class there is not what the application sends. A module that
starts to construct the class without having named it before does not invalidate a cached result (only the
modules that named it are dependencies); a change to one that does, does.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Dict, List, Optional, Set, Tuple

import libcst as cst

from promptlint.extract.scopes import Binding, CallSite, Scope
from promptlint.extract.tree import attribute_chain

_MAX_FILES = 2000  # source files searched for one class; more, and the sites are unknown
_MAX_MODULE_SIZE = 2 * 1024 * 1024
_TEST_FOLDERS = frozenset({"tests", "test", "testing"})

# Per process, while a file's size and modification time stay the same: its bytes (an editor, a test run
# in one process see an edited module).
_bytes: Dict[str, Tuple[int, int, bytes]] = {}


def sites_elsewhere(cls: Scope, name: str) -> Optional[List[CallSite]]:
    """The calls constructing ``cls`` (named ``name``, defined at the top of the linted module) in the
    project's other modules; an empty list when there are none, None when they cannot be known. The same
    for a function (``cls`` its scope): the calls of it."""
    from promptlint.extract.scopes import module_of

    table = module_of(cls).class_table
    imports = getattr(table, "imports", None)
    path = getattr(table, "path", None)
    if imports is None or path is None or getattr(table, "module_scope", None) is not module_of(cls):
        return []  # the class is not the linted module's, or there is no project: nothing else is read
    files = _naming(Path(path), name, imports.root, imports.finder.excluded)
    if files is None:
        return None
    sites: List[CallSite] = []
    for file in files:
        module = imports.module(file)
        if module is None:
            return None
        found = _sites_in(module.scope, file, name, Path(path), imports, cls.kind)
        if found is None:
            return None
        sites.extend(found)
    return sites


def _sites_in(
    module: Scope, file: Path, name: str, home: Path, imports, kind: str
) -> Optional[List[CallSite]]:
    """The calls of the module (its scope ``module``) that construct the class (call the function, for
    ``kind`` "function"); None when a class there inherits from it."""
    known: Dict[Tuple[int, Tuple[str, ...]], bool] = {}

    def is_the_class(expr: cst.BaseExpression, scope: Scope) -> bool:
        chain = attribute_chain(expr)
        if chain is None:
            return False
        head, attributes = chain
        binding = _single(scope.lookup(head)[1])
        if binding is None or binding.imported is None:
            return False
        key = (id(binding), tuple(attributes))
        if key not in known:
            known[key] = _resolves_to(imports, file, binding, attributes, home, name, kind)
        return known[key]

    for scope in _class_scopes(module):
        node = scope.node
        if isinstance(node, cst.ClassDef) and any(
            is_the_class(base.value, scope.parent or module) for base in node.bases
        ):
            return None
    sites = [site for site in module.call_sites if is_the_class(site.node.func, site.scope)]
    aliases = {
        local
        for local, bindings in module.bindings.items()
        if len(bindings) == 1 and bindings[0].imported is not None and is_the_class(cst.Name(local), module)
    }
    if aliases and _handed_on(module.node, aliases):
        return None
    return sites


class _Uses(cst.CSTVisitor):
    """Whether a name is used other than called, imported, annotated or tested (``isinstance``): put in a
    table of factories (``{"openai": Bot}``), passed on or stored, it may be called anywhere."""

    def __init__(self, names: Set[str]) -> None:
        self.names = names
        self.called: Set[int] = set()
        self.found = False

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_Annotation(self, node: cst.Annotation) -> bool:
        return False

    def visit_Call(self, node: cst.Call) -> bool:
        if isinstance(node.func, cst.Name):
            if node.func.value in ("isinstance", "issubclass"):
                return False
            self.called.add(id(node.func))
        return True

    def visit_Name(self, node: cst.Name) -> None:
        if node.value in self.names and id(node) not in self.called:
            self.found = True


def _handed_on(module: cst.CSTNode, names: Set[str]) -> bool:
    uses = _Uses(names)
    module.visit(uses)
    return uses.found


def _resolves_to(imports, file: Path, binding: Binding, attributes, home: Path, name: str, kind: str) -> bool:
    spelled = binding.imported or ""
    if name not in spelled.split(".") and name not in attributes:
        return False  # neither the import nor the attribute path names the class (an alias does)
    defined = imports.definition(file, binding, attributes)
    wanted = "class" if kind == "class" else "def"
    if defined is None or defined.binding.kind != wanted or defined.binding.body is None:
        return False
    node = defined.binding.body.node
    return (
        isinstance(node, (cst.ClassDef, cst.FunctionDef))
        and node.name.value == name
        and os.path.realpath(defined.module.path) == os.path.realpath(home)
    )


def _single(bindings: List[Binding]) -> Optional[Binding]:
    return bindings[0] if len(bindings) == 1 else None


def _class_scopes(scope: Scope):
    for child in scope.children:
        if child.kind == "class":
            yield child
        yield from _class_scopes(child)


def _naming(home: Path, name: str, root: Path, excluded) -> Optional[List[Path]]:
    """The source files, other than ``home``, that may import ``home``'s module and name ``name`` as a word;
    None when there are too many files to read."""
    from promptlint.modules import Module, inside
    from promptlint.project_pass import _region

    start = _region(str(home), str(root))
    if start is None or not (start == str(root) or start.startswith(str(root).rstrip(os.sep) + os.sep)):
        return None
    files = _sources(start)
    if files is None:
        return None
    word = re.compile(rb"\b" + re.escape(name.encode()) + rb"\b")
    encoded = name.encode()
    own = str(home)
    found: List[Path] = []
    for path in files:
        if path == own:
            continue
        raw = _read(path)
        if raw is None or encoded not in raw or word.search(raw) is None:
            continue
        if os.path.realpath(path) == os.path.realpath(own):
            continue
        if inside(Module(Path(path)), root, excluded) is None:
            continue
        found.append(Path(path))
    return found


# Per process: the source files under a folder, and the folders walked with their modification times (a
# file added or removed changes its folder's), checked again on each use.
_listings: Dict[str, Tuple[Tuple[Tuple[str, int], ...], Optional[List[str]]]] = {}


def _sources(start: str) -> Optional[List[str]]:
    known = _listings.get(start)
    if known is not None and all(_mtime(folder) == mtime for folder, mtime in known[0]):
        return known[1]
    from promptlint.project_pass import _never_source

    folders_seen: List[Tuple[str, int]] = []
    files_found: Optional[List[str]] = []
    for directory, folders, files in os.walk(start):
        folders[:] = sorted(f for f in folders if not _never_source(f) and f not in _TEST_FOLDERS)
        folders_seen.append((directory, _mtime(directory)))
        for file in sorted(files):
            if file.endswith(".py") and not _is_test(file) and files_found is not None:
                files_found.append(os.path.join(directory, file))
                if len(files_found) > _MAX_FILES:
                    files_found = None
    _listings[start] = (tuple(folders_seen), files_found)
    return files_found


def _mtime(folder: str) -> int:
    try:
        return os.stat(folder).st_mtime_ns
    except OSError:
        return -1


def _is_test(file: str) -> bool:
    return file.startswith("test_") or file.endswith("_test.py") or file == "conftest.py"


def _read(path: str) -> Optional[bytes]:
    try:
        stat = os.stat(path)
        if stat.st_size > _MAX_MODULE_SIZE:
            return None
        known = _bytes.get(path)
        if known is not None and known[0] == stat.st_size and known[1] == stat.st_mtime_ns:
            return known[2]
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError:
        return None
    _bytes[path] = (stat.st_size, stat.st_mtime_ns, raw)
    return raw
