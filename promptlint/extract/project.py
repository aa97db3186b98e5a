"""The project's own modules: what a name imported from another module of the project is bound to there.

A linted file that imports ``POLICY`` (``from .prompts import POLICY``, ``from pkg import prompts`` then
``prompts.POLICY``, ``import pkg.prompts as p`` then ``p.POLICY``, a name re-exported by an ``__init__.py``)
gets the expression ``POLICY`` is assigned in that module, with the module's scope, so that the prompt
resolver evaluates it there as it evaluates a constant of its own module.

Modules are found lazily on the filesystem, never by walking the repository: a module name is looked up
only when a prompt position needs a name imported from it, and a module is parsed only when a name is read
from it (once per process, while its file is unchanged). The code is never imported or run.

Where a module is looked for, and which files are never read (environments, build output, caches, paths
the configuration excludes), is ``promptlint.modules``' business, shared with the cheap pass in front of the
parser; package folders a ``pyproject.toml`` maps are followed (``promptlint.layout``). A module installed in
site-packages, excluded, or not found, is unknown. A name bound
more than once in its module, bound by ``*`` or by anything but an assignment of a value, is unknown too.

Later parts of the whole-program analysis (helpers, wrappers, classes across modules) reach other modules
through ``Project.load`` and ``ProjectImports.lookup`` the same way; ``ProjectImports.definition`` gives the
class or function an imported name stands for (a base class, a client factory).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import libcst as cst

from promptlint import trees
from promptlint.extract.scopes import Binding, Scope, build_scopes, only_assignment
from promptlint.modules import Excluded, Module, ModuleFinder, Package, Ref
from promptlint.modules import search_roots as search_roots

_MAX_HOPS = 8  # imports followed from one name: re-exports of re-exports, and no cycle runs forever
_MAX_MODULE_SIZE = 2 * 1024 * 1024
_MEMO_SIZE = 64  # parsed modules kept per process (their trees also stay in ``trees`` while it has room)


@dataclass(frozen=True)
class ProjectModule:
    """One parsed module of the project: its file, tree and module scope."""

    path: Path
    module: cst.Module
    scope: Scope


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
        _parsed[path] = _parsed.pop(path)  # the least recently used goes first
        if known[1] is None or not trees.in_use(known[1].module):
            return known[1]
        return _parse(path, raw)  # the linted file reaching itself: a tree of its own (see ``trees``)
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
        path_key = trees.key(path)
        module = trees.recall(path_key, text)  # kept, its text passed the guards below
        if module is not None and trees.in_use(module):
            module = parse_module(text)  # the linted file's own tree is not shared (see ``trees``)
        elif module is None:
            # The guards the linted file passes before it is parsed: nesting no Python accepts is no module.
            brackets = raw.count(b"(") + raw.count(b"[") + raw.count(b"{")
            if brackets > MAX_BRACKET_DEPTH and bracket_depth(raw) > MAX_BRACKET_DEPTH:
                return None
            if expression_depth(text) > MAX_EXPRESSION_DEPTH:
                return None
            module = parse_module(text)
            trees.keep(path_key, text, module)
        scope = build_scopes(module).module_scope
    except (SourceError, cst.ParserSyntaxError, RecursionError, MemoryError, ValueError):
        return None
    return ProjectModule(path, module, scope)


# -- following imports --------------------------------------------------------------------------------------


class ProjectImports:
    """What names imported into the modules of one lint run stand for in the project's other modules.
    ``read`` lists every module file used so far: the result's dependencies for the cache."""

    def __init__(self, root: Path, excluded: Optional[Excluded] = None) -> None:
        """``excluded``: the paths the configuration excludes, never read (see ``modules``)."""
        self.finder = ModuleFinder(root, excluded)
        self.root = self.finder.root
        self.read: List[Path] = []
        self.files_read: List[Path] = []  # prompt files, shared by the resolvers of every module
        self._gated: List[Path] = []  # module files not read because their bytes failed a gate
        self._resolvers: Dict[Path, Any] = {}
        # The modules read so far, by ``id`` of their module scope (the module is kept, so the id stays its
        # own): which file a scope met while following a class or a client belongs to.
        self._homes: Dict[int, ProjectModule] = {}
        self._loaded: Dict[Tuple[Path, Optional[Gate]], Optional[ProjectModule]] = {}

    @property
    def absent(self) -> List[Path]:
        """Module files looked for and not found, those not read because their bytes failed a gate, and the
        ``pyproject.toml`` files consulted for package folders: cache dependencies too (adding a module,
        an SDK import or a mapping must invalidate what was resolved without it)."""
        return self.finder.absent + self._gated + self.finder.layouts

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

    def module(self, path: Path) -> Optional[ProjectModule]:
        """The project module at ``path`` parsed (None when it cannot be), listed in ``read``."""
        return self._load(path)

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
        started = self.finder.start(importer, dots, names)
        if started is None:
            return None
        start, parts = started
        return self._lookup(start, parts + rest, hops + 1, definitions, gate)

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
        return self.finder.child(directory, name)

    def _load(self, path: Path, gate: Optional[Gate] = None) -> Optional[ProjectModule]:
        key = (path, gate)
        if key in self._loaded:  # read once per linted file: a lineage is walked for many attributes
            return self._loaded[key]
        module = load(path, gate)
        self._loaded[key] = module
        if module is None and gate is not None and path not in self._gated and path.is_file():
            self._gated.append(path)
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
