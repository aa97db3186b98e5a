"""The project's own modules: what a name imported from another module of the project is bound to there.

A linted file that imports ``POLICY`` (``from .prompts import POLICY``, ``from pkg import prompts`` then
``prompts.POLICY``, ``import pkg.prompts as p`` then ``p.POLICY``, a name re-exported by an ``__init__.py``)
gets the expression ``POLICY`` is assigned in that module, with the module's scope, so that the prompt
resolver evaluates it there as it evaluates a constant of its own module.

Modules are found lazily on the filesystem, never by walking the repository: a module name is looked up
only when a prompt position needs a name imported from it, and a module is parsed only when a name is read
from it (once per process, while its file is unchanged). The code is never imported or run.

Where a module is looked for (``search_roots``): a relative import from the importing file's package; an
absolute one from the directory above the file's top-level package (the directory Python runs it from),
then each directory from the file's own up to the project root, each with its ``src/`` directory. Only
files inside the project root are read, and never in directories that hold environments, build output or
caches (``DEFAULT_EXCLUDE``): a module installed in site-packages, or not found, is unknown. A name bound
more than once in its module, bound by ``*`` or by anything but an assignment of a value, is unknown too.

Later parts of the whole-program analysis (helpers, wrappers, classes across modules) reach other modules
through ``Project.load`` and ``ProjectImports.lookup`` the same way; ``ProjectImports.definition`` gives the
class or function an imported name stands for (a base class, a client factory).
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import libcst as cst

from promptlint.extract.scopes import Binding, Scope, build_scopes, only_assignment

_MAX_HOPS = 8  # imports followed from one name: re-exports of re-exports, and no cycle runs forever
_MAX_MODULE_SIZE = 2 * 1024 * 1024
_MEMO_SIZE = 64  # parsed modules kept per process


@dataclass(frozen=True)
class ProjectModule:
    """One parsed module of the project: its file, tree and module scope."""

    path: Path
    module: cst.Module
    scope: Scope


@dataclass(frozen=True)
class Package:
    """A package directory, with its ``__init__.py`` when it has one (a namespace package has none)."""

    directory: Path
    init: Optional[Path]


@dataclass(frozen=True)
class Module:
    """A module file that is not a package."""

    path: Path


Ref = Union[Package, Module]
Gate = Callable[[bytes], bool]


@dataclass(frozen=True)
class Found:
    """A constant of another module: the expression it is bound to, the scope to evaluate it in, and the
    module that holds it."""

    value: cst.BaseExpression
    scope: Scope
    module: ProjectModule
    # For ``ProjectImports.function``: the scope of the function the name is bound to by its ``def``.
    function: Optional[Scope] = None


@dataclass(frozen=True)
class Defined:
    """A class or function of another module: its ``class``/``def`` binding and the module that holds it."""

    binding: Binding
    module: ProjectModule


# -- parsed modules, per process --------------------------------------------------------------------------

_parsed: Dict[Path, Tuple[bytes, Optional[ProjectModule]]] = {}


def load(path: Path, gate: Optional[Gate] = None) -> Optional[ProjectModule]:
    """The module at ``path`` parsed, or None when it cannot be read or parsed. Kept while the file's bytes
    stay the same: reading a file costs little next to parsing it, and a later run in the same process (an
    editor, a test) sees an edited module whatever its timestamps say. ``gate``: None too, before any parse,
    when the file's bytes fail it (a module that imports no LLM SDK cannot build a client)."""
    try:
        if path.stat().st_size > _MAX_MODULE_SIZE:
            return None
        raw = path.read_bytes()
    except OSError:
        return None
    if gate is not None and not gate(raw):
        return None
    known = _parsed.get(path)
    if known is not None and known[0] == raw:
        return known[1]
    parsed = _parse(path, raw)
    if len(_parsed) >= _MEMO_SIZE:
        _parsed.pop(next(iter(_parsed)))
    _parsed[path] = (raw, parsed)
    return parsed


def _parse(path: Path, raw: bytes) -> Optional[ProjectModule]:
    from promptlint.deep import MAX_BRACKET_DEPTH, bracket_depth
    from promptlint.depth import MAX_EXPRESSION_DEPTH, expression_depth
    from promptlint.parsing import parse_module
    from promptlint.source import SourceError, decode_file

    try:
        text = decode_file(path, raw).text
        # The guards the linted file passes before it is parsed: nesting no Python accepts is no module.
        brackets = raw.count(b"(") + raw.count(b"[") + raw.count(b"{")
        if brackets > MAX_BRACKET_DEPTH and bracket_depth(raw) > MAX_BRACKET_DEPTH:
            return None
        if expression_depth(text) > MAX_EXPRESSION_DEPTH:
            return None
        module = parse_module(text)
        scope = build_scopes(module).module_scope
    except (SourceError, cst.ParserSyntaxError, RecursionError, MemoryError, ValueError):
        return None
    return ProjectModule(path, module, scope)


# -- finding modules ----------------------------------------------------------------------------------------


def _never_source(relative: Sequence[str]) -> bool:
    """A path (relative to the project root) inside an environment, build output or cache directory."""
    from promptlint.discover import DEFAULT_EXCLUDE

    return any(fnmatch.fnmatchcase(part, pattern) for part in relative for pattern in DEFAULT_EXCLUDE)


def _child(directory: Path, name: str, root: Path) -> Optional[Ref]:
    """The module or package ``name`` in ``directory``, in the order Python's path finder prefers: a
    regular package, a module file, a namespace package."""
    if not name.isidentifier():
        return None
    package = directory / name
    module = directory / f"{name}.py"
    if package.is_dir():
        init = package / "__init__.py"
        if init.is_file():
            return _inside(Package(package, init), root)
    if module.is_file():
        return _inside(Module(module), root)
    if package.is_dir():
        return _inside(Package(package, None), root)
    return None


def _inside(ref: Ref, root: Path) -> Optional[Ref]:
    where = ref.directory if isinstance(ref, Package) else ref.path
    try:
        relative = where.resolve().relative_to(root)
    except (OSError, ValueError, RuntimeError):
        return None  # outside the project (a symlink out of it included)
    return None if _never_source(relative.parts) else ref


def search_roots(directory: Path, root: Path) -> Tuple[Path, ...]:
    """Where an absolute import in a file of ``directory`` is looked for, first match wins."""
    top = directory
    while (top / "__init__.py").is_file() and top != root and root in top.parents:
        top = top.parent
    roots: List[Path] = [top]
    current = directory
    while True:
        roots += [current, current / "src"]
        if current == root or root not in current.parents:
            break
        current = current.parent
    unique: List[Path] = []
    for candidate in roots:
        if candidate not in unique and (candidate == root or root in candidate.parents):
            unique.append(candidate)
    return tuple(unique)


# -- following imports --------------------------------------------------------------------------------------


class ProjectImports:
    """What names imported into the modules of one lint run stand for in the project's other modules.
    ``read`` lists every module file used so far: the result's dependencies for the cache."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.read: List[Path] = []
        self.files_read: List[Path] = []  # prompt files, shared by the resolvers of every module
        self.absent: List[Path] = []  # module files looked for and not found (cache dependencies too)
        self._resolvers: Dict[Path, Any] = {}
        self._children: Dict[Tuple[Path, str], Optional[Ref]] = {}
        self._roots: Dict[Path, Tuple[Path, ...]] = {}
        # The modules read so far, by ``id`` of their module scope (the module is kept, so the id stays its
        # own): which file a scope met while following a class or a client belongs to.
        self._homes: Dict[int, ProjectModule] = {}
        self._loaded: Dict[Tuple[Path, Optional[Gate]], Optional[ProjectModule]] = {}

    def resolver(self, path: Path, make: Callable[[], Any]) -> Any:
        """The prompt resolver of the module at ``path``, made once per lint run."""
        if path not in self._resolvers:
            self._resolvers[path] = make()
        return self._resolvers[path]

    def lookup(self, importer: Path, binding: Binding, attributes: Sequence[str] = ()) -> Optional[Found]:
        """The constant ``binding`` (an import in the module at ``importer``) names, followed by the
        attribute path ``attributes`` (``prompts.POLICY``, ``Prompts.SYSTEM``), when it is one."""
        if binding.imported is None:
            return None
        found = self._follow(importer, binding.imported, tuple(attributes), 0)
        return found if isinstance(found, Found) else None

    def function(self, importer: Path, binding: Binding, attributes: Sequence[str] = ()) -> Optional[Found]:
        """The function defined once at module level that ``binding`` (an import) names, for prompt
        helpers imported from another module (``from .prompts import build_system``)."""
        defined = self.definition(importer, binding, attributes)
        if defined is None or defined.binding.kind != "def" or defined.binding.body is None:
            return None
        body = defined.binding.body
        return Found(body.node, defined.binding.scope, defined.module, body)  # type: ignore[arg-type]

    def definition(
        self, importer: Path, binding: Binding, attributes: Sequence[str] = (), gate: Optional[Gate] = None
    ) -> Optional[Defined]:
        """The class or function ``binding`` (an import in the module at ``importer``) names, followed by
        ``attributes`` (``base.BaseTranslator``), when it is one bound once in its module. ``gate``: modules
        other than packages' ``__init__.py`` (which re-export) are read only when their bytes pass it."""
        if binding.imported is None:
            return None
        found = self._follow(importer, binding.imported, tuple(attributes), 0, definitions=True, gate=gate)
        return found if isinstance(found, Defined) else None

    def home(self, module_scope: Scope) -> Optional[Path]:
        """The file of a module scope read by this run (None for one it did not read: the linted module)."""
        module = self._homes.get(id(module_scope))
        return module.path if module is not None and module.scope is module_scope else None

    def _follow(
        self,
        importer: Path,
        spelled: str,
        rest: Tuple[str, ...],
        hops: int,
        definitions: bool = False,
        gate: Optional[Gate] = None,
    ) -> Union[Found, Defined, None]:
        if hops > _MAX_HOPS:
            return None
        dots = len(spelled) - len(spelled.lstrip("."))
        names = tuple(part for part in spelled[dots:].split(".") if part)
        if dots:
            base = importer.parent
            for _ in range(dots - 1):
                base = base.parent
            init = base / "__init__.py"
            start: Optional[Ref] = _inside(Package(base, init if init.is_file() else None), self.root)
            parts = names + rest
        else:
            if not names:
                return None
            start = next(
                (
                    found
                    for directory in self._search_roots(importer.parent)
                    for found in (self._child(directory, names[0]),)
                    if found is not None
                ),
                None,
            )
            parts = names[1:] + rest
        if start is None:
            return None
        return self._lookup(start, parts, hops + 1, definitions, gate)

    def _lookup(
        self,
        ref: Ref,
        parts: Tuple[str, ...],
        hops: int,
        definitions: bool = False,
        gate: Optional[Gate] = None,
    ) -> Union[Found, Defined, None]:
        """``parts`` read from the module or package ``ref``: a name it binds, else a submodule."""
        if not parts or hops > _MAX_HOPS:
            return None  # a module itself is no constant
        head, rest = parts[0], parts[1:]
        source = ref.path if isinstance(ref, Module) else ref.init
        if source is not None:
            module = self._load(source, gate if isinstance(ref, Module) else None)
            if module is None:
                return None
            bindings = module.scope.bindings.get(head)
            if bindings and not (isinstance(ref, Package) and _imports_own_submodule(bindings, head)):
                return self._binding(module, head, bindings, rest, hops, definitions, gate)
        if isinstance(ref, Package):
            submodule = self._child(ref.directory, head)
            if submodule is not None:
                return self._lookup(submodule, rest, hops + 1, definitions, gate)
        return None

    def _binding(
        self,
        module: ProjectModule,
        name: str,
        bindings: List[Binding],
        rest: Tuple[str, ...],
        hops: int,
        definitions: bool = False,
        gate: Optional[Gate] = None,
    ) -> Union[Found, Defined, None]:
        if len(bindings) != 1:
            return None  # bound more than once: which value the importer sees is not known
        binding = bindings[0]
        if binding.imported is not None:
            return self._follow(module.path, binding.imported, rest, hops + 1, definitions, gate)
        if definitions:
            if binding.kind in ("class", "def") and binding.body is not None and not rest:
                return Defined(binding, module)
            return None
        if binding.kind == "assign" and binding.value is not None and not rest:
            if any(m.method != "escape" for m in module.scope.mutations.get(name, [])):
                return None
            return Found(binding.value, binding.scope, module)
        if binding.kind == "class" and binding.body is not None and len(rest) == 1:
            return _class_constant(module, binding.body, rest[0])
        return None

    def _child(self, directory: Path, name: str) -> Optional[Ref]:
        key = (directory, name)
        if key not in self._children:
            found = _child(directory, name, self.root)
            self._children[key] = found
            if found is None and name.isidentifier():
                # Looked for and not there: creating it later must invalidate what was resolved without it.
                self.absent.extend((directory / f"{name}.py", directory / name / "__init__.py"))
        return self._children[key]

    def _search_roots(self, directory: Path) -> Tuple[Path, ...]:
        if directory not in self._roots:
            self._roots[directory] = search_roots(directory, self.root)
        return self._roots[directory]

    def _load(self, path: Path, gate: Optional[Gate] = None) -> Optional[ProjectModule]:
        key = (path, gate)
        if key in self._loaded:  # read once per linted file: a lineage is walked for many attributes
            return self._loaded[key]
        module = load(path, gate)
        self._loaded[key] = module
        if module is not None and path not in self.read:
            self.read.append(path)
        if module is not None:
            self._homes[id(module.scope)] = module
        return module


def _imports_own_submodule(bindings: List[Binding], name: str) -> bool:
    """``from . import prompts`` in a package's ``__init__.py``: the name is the submodule itself."""
    return len(bindings) == 1 and bindings[0].imported == f".{name}"


def _class_constant(module: ProjectModule, body: Scope, attribute: str) -> Optional[Found]:
    """``Class.X`` where the class body binds X once and no method assigns ``self.X``."""
    if body.attribute_bindings.get(attribute):
        return None
    binding = only_assignment(body.bindings.get(attribute, []))
    if binding is None:
        return None
    return Found(binding.value, binding.scope, module)  # type: ignore[arg-type]
