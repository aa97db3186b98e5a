"""Finding the project's module files on disk for an import statement, without importing or parsing anything.

Shared by the cheap pass in front of the parser (``reach``) and by the whole-program analysis
(``extract.project``), so that both see the same module for the same import.

Where a module is looked for: a relative import from the importing file's package; an absolute one first in
the package folders the importer's ``pyproject.toml`` files map (``layout``), then from the directory above
the file's top-level package (the directory Python runs it from), then each directory from the file's own
up to the project root, each with its ``src/`` directory, then the folders those ``pyproject.toml`` files
name. Only files inside the project root are read, never in directories that hold environments, build
output or caches (``DEFAULT_EXCLUDE``) nor in paths the configuration excludes (``exclude`` and
``extend-exclude``, see ``Excluded``): such a module, like one in site-packages or not found, is unknown.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

from promptlint.layout import Layout, layout_of
from promptlint.record import Frozen


class Package(Frozen):
    """A package directory, with its ``__init__.py`` when it has one (a namespace package has none)."""

    __slots__ = ("directory", "init")

    def __init__(self, directory: Path, init: Optional[Path]) -> None:
        self.directory = directory
        self.init = init


class Module(Frozen):
    """A module file that is not a package."""

    __slots__ = ("path",)

    def __init__(self, path: Path) -> None:
        self.path = path


Ref = Union[Package, Module]
# Whether a path under the project root is excluded by the configuration (the path, and whether it is a
# directory); None excludes nothing beyond ``DEFAULT_EXCLUDE``.
Excluded = Callable[[Path, bool], bool]


def never_source(relative: Sequence[str]) -> bool:
    """A path (relative to the project root) inside an environment, build output or cache directory."""
    from promptlint.discover import default_excluded

    return any(default_excluded(part) for part in relative)


def inside(ref: Ref, root: Path, excluded: Optional[Excluded] = None) -> Optional[Ref]:
    """``ref`` when it is a source of facts: inside ``root``, and excluded neither by default nor by the
    configuration."""
    where = ref.directory if isinstance(ref, Package) else ref.path
    return ref if _source(str(where), str(root), isinstance(ref, Package), excluded) else None


@lru_cache(maxsize=8192)
def _source(where: str, root: str, is_dir: bool, excluded: Optional[Excluded]) -> bool:
    """Whether the file or directory ``where`` is inside ``root`` (symlinks resolved) and excluded neither
    by default nor by ``excluded``; remembered per process, as the directory tree does not move during a
    run (a new file is looked for by ``child``, which is not remembered across runs)."""
    parent, name = os.path.split(where)
    if where != root and parent != where and parent != root and not _source(parent, root, True, excluded):
        return False
    real = os.path.realpath(where)
    root_prefix = root if root.endswith(os.sep) else root + os.sep
    if real != root and not real.startswith(root_prefix):
        return False  # outside the project (a symlink out of it included)
    relative = real[len(root_prefix) :].split(os.sep) if real != root else []
    if never_source(relative):
        return False
    return not (excluded is not None and excluded(Path(root, *relative), is_dir))


def child(directory: Path, name: str, root: Path, excluded: Optional[Excluded] = None) -> Optional[Ref]:
    """The module or package ``name`` in ``directory``, in the order Python's path finder prefers: a
    regular package, a module file, a namespace package."""
    if not name.isidentifier():
        return None
    package = directory / name
    module = directory / f"{name}.py"
    if package.is_dir():
        init = package / "__init__.py"
        if init.is_file():
            return inside(Package(package, init), root, excluded)
    if module.is_file():
        return inside(Module(module), root, excluded)
    if package.is_dir():
        return inside(Package(package, None), root, excluded)
    return None


def search_roots(directory: Path, root: Path) -> Tuple[Path, ...]:
    """Where an absolute import in a file of ``directory`` is looked for, first match wins (before the
    folders a ``pyproject.toml`` names)."""
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


class ModuleFinder:
    """The module files of one project, looked up lazily and remembered for one run (or one linted file).

    ``absent`` lists the files looked for and not found, and ``layouts`` the ``pyproject.toml`` files
    consulted for package folders: a result resolved without a module depends on its staying absent, and
    one resolved through a mapping on the mapping.
    """

    def __init__(self, root: Path, excluded: Optional[Excluded] = None) -> None:
        self.root = root.resolve()
        self.excluded = excluded
        self.absent: List[Path] = []
        self.layouts: List[Path] = []
        self._children: Dict[Tuple[str, str], Optional[Ref]] = {}
        self._roots: Dict[Path, Tuple[Path, ...]] = {}
        self._layouts: Dict[Path, Tuple[Tuple[Path, Layout], ...]] = {}
        self._listings: Dict[str, frozenset] = {}
        self._starts: Dict[Tuple[str, int, Tuple[str, ...]], Optional[Tuple[Ref, Tuple[str, ...]]]] = {}

    def child(self, directory: Path, name: str) -> Optional[Ref]:
        key = (str(directory), name)
        if key not in self._children:
            # Most names looked for are not there (the standard library, installed packages): one listing
            # of the directory answers them all without a ``stat`` each.
            entries = self._listing(key[0])
            if name in entries or f"{name}.py" in entries:
                found = child(directory, name, self.root, self.excluded)
            else:
                found = None
            self._children[key] = found
            if found is None and name.isidentifier():
                # Looked for and not there: creating it later must invalidate what was resolved without it.
                self.absent.extend((directory / f"{name}.py", directory / name / "__init__.py"))
        return self._children[key]

    def start(
        self, importer: Path, dots: int, names: Tuple[str, ...]
    ) -> Optional[Tuple[Ref, Tuple[str, ...]]]:
        """Where the module path of an import in the file ``importer`` starts (``from ..a.b``: ``dots`` 2,
        ``names`` (a, b)), and the names left to follow from there."""
        key = (os.path.dirname(importer), dots, names)
        found = self._starts.get(key, False)
        if found is False:
            found = self._starts[key] = self._start(importer, dots, names)
        return found  # type: ignore[return-value]

    def _start(
        self, importer: Path, dots: int, names: Tuple[str, ...]
    ) -> Optional[Tuple[Ref, Tuple[str, ...]]]:
        if dots:
            base = importer.parent
            for _ in range(dots - 1):
                base = base.parent
            init = base / "__init__.py"
            ref = inside(Package(base, init if init.is_file() else None), self.root, self.excluded)
            return (ref, names) if ref is not None else None
        if not names:
            return None
        layouts = self._layouts_of(importer.parent)
        for _, layout in layouts:
            for dotted, folder in layout.packages:
                mapped = tuple(dotted.split("."))
                if names[: len(mapped)] == mapped and folder.is_dir():
                    init = folder / "__init__.py"
                    ref = inside(Package(folder, init if init.is_file() else None), self.root, self.excluded)
                    if ref is not None:
                        return ref, names[len(mapped) :]
        folders = [folder for _, layout in layouts for folder in layout.folders]
        for directory in (*self._search_roots(importer.parent), *folders):
            found = self.child(directory, names[0])
            if found is not None:
                return found, names[1:]
        return None

    def consulted(self) -> List[str]:
        """The directories whose listings answered lookups, the ``pyproject.toml`` files consulted and the
        package folders they map: what a result resolved by this finder depends on besides the files read."""
        found = list(self._listings)
        found += (str(pyproject) for pyproject in self.layouts)
        for layouts in self._layouts.values():
            for _, layout in layouts:
                found += (str(folder) for folder in layout.folders)
                found += (str(folder) for _, folder in layout.packages)
        return found

    def _listing(self, directory: str) -> frozenset:
        entries = self._listings.get(directory)
        if entries is None:
            try:
                entries = frozenset(os.listdir(directory))
            except OSError:
                entries = frozenset()
            self._listings[directory] = entries
        return entries

    def _search_roots(self, directory: Path) -> Tuple[Path, ...]:
        if directory not in self._roots:
            self._roots[directory] = search_roots(directory, self.root)
        return self._roots[directory]

    def _layouts_of(self, directory: Path) -> Tuple[Tuple[Path, Layout], ...]:
        """The package folders the ``pyproject.toml`` files from ``directory`` up to the root declare,
        nearest first (each consulted file is recorded in ``layouts``)."""
        if directory in self._layouts:
            return self._layouts[directory]
        if directory == self.root or self.root not in directory.parents:
            above: Tuple[Tuple[Path, Layout], ...] = ()
        else:
            above = self._layouts_of(directory.parent)
        pyproject = directory / "pyproject.toml"
        found = above
        if (directory == self.root or self.root in directory.parents) and pyproject.is_file():
            if pyproject not in self.layouts:
                self.layouts.append(pyproject)
            layout = layout_of(pyproject)
            if layout.folders or layout.packages:
                found = ((pyproject, layout), *above)
        self._layouts[directory] = found
        return found


@lru_cache(maxsize=256)
def excluded_paths(root: Path, patterns: Tuple[str, ...], within: str = ""):
    """The configured excludes as a predicate on the project modules a file in the directory ``within``
    reads (None when there are none)."""
    if not patterns:
        return None
    from promptlint.discover import ExcludedPaths

    return ExcludedPaths(root, patterns, within)


def _is_project(directory: Path) -> bool:
    return (directory / "pyproject.toml").is_file() or (directory / ".git").exists()


@lru_cache(maxsize=256)
def _project_of(directory: Path) -> Path:
    for candidate in (directory, *directory.parents):
        if _is_project(candidate):
            return candidate
    return directory


def prompt_root(path: Path, configured_root: Path) -> Path:
    """The tree a file's prompt files may be read from: the configured project when the file is inside
    it, else the file's own project (the nearest directory with a pyproject.toml or .git), never more.

    A root that is only the working directory (no configuration, no repository there) is no project: run
    from ``/``, it would let a prompt path reach anywhere on the machine.
    """
    inside = configured_root == path.parent or configured_root in path.parents
    if inside and _is_project(configured_root):
        return configured_root
    return _project_of(path.parent)
