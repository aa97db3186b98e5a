"""The prefilter of one run: which files are worth parsing.

A file that imports an LLM SDK is (the byte gate, ``prefilter``); so is one that imports from the project a
module that sends requests (``reach``). Following a file's imports costs about as much again as the byte
gate, for every file of a large project, so a file that imports no SDK is put aside (``DEFER``) and looked
at again, once every file of the run has been read, only when a module that may send requests lies in a
folder its imports can reach (``_region``): a project without LLM code, or a file in another part of a
repository than its LLM code, costs nothing more than the byte gate.

Which modules may send requests is known from the run's own files when they are all of the project's
files (``Coverage``: discovery walked the project root; files a ``.gitignore`` hid, and files with no rule to
run, count as "may"). Otherwise, a few files put aside (``_FEW``, a pre-commit call) are looked at one by
one; more than that, and the project's other files are read once with the byte gate (``_census``) to
find those modules first. The outcome is the same either way: the regions only spare work.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, List, Optional, Set, Tuple

from promptlint.modules import excluded_paths
from promptlint.prefilter import may_call_llm
from promptlint.record import Frozen

_FEW = 64  # files put aside that are looked at one by one when the run does not cover the project
_MAX_MODULE_SIZE = 2 * 1024 * 1024


class Coverage(Frozen):
    """The directories discovery walked (real paths) and what a ``.gitignore`` hid in them."""

    __slots__ = ("walked", "hidden")

    def __init__(self, walked: Tuple[str, ...], hidden: Tuple[str, ...] = ()) -> None:
        self.walked = walked
        self.hidden = hidden


DEFER: Tuple[Path, ...] = (Path("."),)  # ``ProjectPass.through``: decided once every file has been read


class ProjectPass:
    """The prefilter for the files of one run (see the module docstring)."""

    def __init__(
        self, project_root: Path, exclude: Tuple[str, ...] = (), coverage: Optional[Coverage] = None
    ) -> None:
        """``exclude``: the configured exclude patterns (see ``discover.ExcludedPaths``)."""
        self.root = project_root.resolve()
        # The root as the run names it: files named through a symlinked folder are read as through their
        # real path, which the root, the package mappings and the census use.
        named = os.path.abspath(project_root)
        self._alias = None if named == str(self.root) else named.rstrip(os.sep) + os.sep
        self.exclude = exclude
        root = str(self.root)
        self.covered = coverage is not None and any(
            root == walked or root.startswith(walked.rstrip(os.sep) + os.sep) for walked in coverage.walked
        )
        self._unknown: List[str] = list(coverage.hidden) if coverage is not None else []
        self._reach: Dict[Path, Any] = {}
        self._sdk: Dict[str, bool] = {}  # what the byte gate said of each file read (by absolute path)
        self._calls: Dict[Path, bool] = {}  # of those that import an SDK: whether they build or call
        self._deferred: List[Tuple[int, str]] = []
        self._regions: Optional[Set[str]] = None
        self._under: Dict[str, bool] = {}
        self._excluded: Dict[str, bool] = {}
        self._cwd = os.getcwd()
        self._looked: List[str] = []  # files whose imports or folders the pass consulted

    def known(self, index: int, absolute: str, imports: bool) -> None:
        """A run file (at the ``absolute`` path) that the byte gate said imports no SDK, from the stat index
        rather than its bytes; one with ``imports`` is put aside as ``through`` puts it."""
        self._sdk[absolute] = False
        if imports:
            self._deferred.append((index, absolute))

    def consulted(self) -> Set[str]:
        """What the decisions of ``through`` for deferred files depend on besides the run's own files and the
        settings: the files and directories the pass read, the folders above them and the
        ``pyproject.toml`` files there (which make a folder a project or map package folders)."""
        found: Set[str] = set()
        folders: Set[str] = set()
        root = str(self.root)
        # In a project, nothing above its folder is consulted for its own files (``prompt_root``).
        project = os.path.isfile(os.path.join(root, "pyproject.toml")) or os.path.exists(
            os.path.join(root, ".git")
        )
        for path in [*self._looked, *(p for reach in self._reach.values() for p in reach.consulted())]:
            found.add(path)
            if project and path == root:
                continue
            directory = os.path.dirname(path)
            stop = root if project and path.startswith(root.rstrip(os.sep) + os.sep) else None
            while directory not in folders:
                folders.add(directory)
                found.add(os.path.join(directory, "pyproject.toml"))
                parent = os.path.dirname(directory)
                if parent == directory or directory == stop:
                    break
                directory = parent
        return found | folders

    def through(self, path: Path, raw: bytes, deferred: bool = False) -> Optional[Tuple[Path, ...]]:
        """``()`` for a file that imports an SDK, the project modules it reaches one through otherwise,
        ``DEFER`` for one to look at once every file has been read, and None for a file that cannot
        matter."""
        if not deferred:
            sdk = self._sdk[self._absolute(path)] = may_call_llm(raw)
            if sdk:
                return ()
            return DEFER if b"import" in raw else None
        absolute = Path(self._absolute(path))
        self._looked.append(str(absolute))
        from promptlint.modules import prompt_root
        from promptlint.reach import Reach

        root = prompt_root(absolute, self.root)
        reach = self._reach.get(root)
        if reach is None:
            reach = self._reach[root] = Reach(root)
            reach.sdk, reach.calls = self._sdk, self._calls
        excluded = excluded_paths(self.root, self.exclude, os.path.dirname(absolute))
        return reach.through(absolute, raw, excluded) or None

    def _absolute(self, path: Path) -> str:
        """``os.path.abspath`` without a ``getcwd`` call per file: discovery's paths are normalised."""
        text = str(path)
        text = text if os.path.isabs(text) else os.path.join(self._cwd, text)
        if self._alias is not None and text.startswith(self._alias):
            return str(self.root).rstrip(os.sep) + os.sep + text[len(self._alias) :]
        return text

    def unknown(self, path: Path) -> None:
        """A file of the run not read (no rule to run on it, or too large): it may send requests."""
        self._unknown.append(self._absolute(path))

    def defer(self, index: int, path: Path) -> None:
        self._deferred.append((index, self._absolute(path)))

    def absolute(self, path: Path) -> str:
        return self._absolute(path)

    def put_aside(self) -> List[Tuple[int, str]]:
        """Every file put aside (task index, absolute path), whether or not ``deferred`` looks at it."""
        return list(self._deferred)

    def deferred(self) -> List[int]:
        """The put-aside files whose imports may reach a module that sends requests, by task index."""
        if not self._deferred:
            return []
        if not self.covered and len(self._deferred) <= _FEW:
            return [index for index, _ in self._deferred]
        if not self.covered:
            self._census()
        return [index for index, path in self._deferred if self._near(path)]

    # -- regions ------------------------------------------------------------------------------------------

    def _census(self) -> None:
        """Read, with the byte gate, the project's files the run did not read."""
        for directory, folders, files in os.walk(self.root):
            folders[:] = sorted(f for f in folders if not _never_source(f))
            for name in files:
                if name.endswith(".py"):
                    path = os.path.join(directory, name)
                    if path not in self._sdk:
                        try:
                            raw = b""
                            if os.path.getsize(path) <= _MAX_MODULE_SIZE:
                                with open(path, "rb") as handle:
                                    raw = handle.read()
                        except OSError:
                            raw = b""
                        self._sdk[path] = may_call_llm(raw)

    def _near(self, text: str) -> bool:
        root = str(self.root)
        if not text.startswith(root.rstrip(os.sep) + os.sep):
            return True  # another project: looked at one by one
        if self._regions is None:
            self._regions = self._find_regions(root)
        directory = os.path.dirname(text)
        if self._is_under(directory):
            return True
        # A file named on the command line inside an excluded folder reads its neighbours there, which
        # discovery did not walk: looked at one by one.
        known = self._excluded.get(directory)
        if known is None:
            excluded = excluded_paths(self.root, self.exclude)
            known = self._excluded[directory] = excluded is not None and excluded(Path(directory), True)
        return known

    def _find_regions(self, root: str) -> Set[str]:
        from promptlint.reach import makes_calls

        sources = [p for p, sdk in self._sdk.items() if sdk and makes_calls(Path(p), self._calls)]
        sources += self._unknown
        self._looked += sources
        regions = {_region(source, root) for source in sources}
        # A package folder a ``pyproject.toml`` maps is importable from anywhere below that file.
        regions.update(scope for source in sources for scope in _mapping_scopes(source, root))
        return {region for region in regions if region is not None}

    def _is_under(self, directory: str) -> bool:
        known = self._under.get(directory)
        if known is None:
            assert self._regions is not None
            parent = os.path.dirname(directory)
            known = directory in self._regions or (parent != directory and self._is_under(parent))
            self._under[directory] = known
        return known


def _never_source(name: str) -> bool:
    from promptlint.discover import default_excluded

    return default_excluded(name)


def _mapping_scopes(source: str, root: str) -> List[str]:
    """The folders above ``source``, up to the root, whose ``pyproject.toml`` maps package folders."""
    from promptlint.layout import NO_LAYOUT, layout_of

    found = []
    directory = os.path.dirname(source)
    while True:
        pyproject = os.path.join(directory, "pyproject.toml")
        if os.path.isfile(pyproject) and layout_of(Path(pyproject)) != NO_LAYOUT:
            found.append(directory)
        parent = os.path.dirname(directory)
        if directory == root or parent == directory or not directory.startswith(root):
            return found
        directory = parent


def _region(source: str, root: str) -> Optional[str]:
    """The highest folder from which ``source`` (a module file, or a folder) is importable by a dotted
    name: only a file under it can import it, through its package, a relative import or a re-export."""
    directory, name = os.path.split(source)
    stem = name[:-3] if name.endswith(".py") else name
    if not stem.isidentifier():
        return None
    while directory != root and os.path.basename(directory).isidentifier():
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    return directory
