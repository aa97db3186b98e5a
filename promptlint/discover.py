"""Expand the paths given on the command line into the Python files to lint.

Ruff's rules, so that a project configured for one behaves the same under the other:

* Directories are walked recursively and keep ``*.py`` files (not ``.pyi``). Directory symlinks are
  followed; one that points back at a directory being walked (or an ancestor of it) is reported once
  as a ``symlink loop`` and not entered.
* ``exclude`` (``None`` means ``DEFAULT_EXCLUDE``) and ``extend_exclude`` hold gitignore-like globs. A
  pattern without ``/`` matches the name of any file or directory at any depth (``fixtures``); one with
  ``/`` is anchored at ``root`` (``tests/data/*.py``, ``/build``, ``./build``). ``*``, ``?`` and ``[...]``
  stay within one path component, ``**`` spans components, a trailing ``/`` matches directories only.
  Paths outside ``root`` are matched by name only: their own name, and the names of what is found
  below them when walked.
* A path named on the command line is never excluded, by ``exclude`` or ``.gitignore``, unless
  ``force_exclude`` is set, in which case ``exclude`` (not ``.gitignore``) applies to it and to its
  directories up to ``root``: pre-commit passes every staged file explicitly, and tracked files are
  linted even if they match a ``.gitignore``, as git itself would.
* With ``respect_gitignore``, ``.gitignore`` files apply the way git applies them: those of the
  repository's directories from the top of the work tree (the nearest directory holding ``.git``, else
  ``root``) down to each walked directory, deeper files overriding shallower ones, then
  ``.git/info/exclude``. git is never run; the global excludes file and ``core.ignorecase`` are not read.

Problems with a path (missing, unreadable, a loop) become ``DiscoveryError`` lines and the rest is
linted. Files come back as the user expects to see them: relative to the working directory when under
it, else absolute, sorted by path components, each real file once.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Set, Tuple

from promptlint.record import Frozen
from promptlint.source import PathProblem, os_problem, problem_reason

DEFAULT_EXCLUDE: Tuple[str, ...] = (
    ".bzr",
    ".direnv",
    ".eggs",
    ".git",
    ".git-rewrite",
    ".hg",
    ".ipynb_checkpoints",
    ".mypy_cache",
    ".nox",
    ".pants.d",
    ".promptlint_cache",
    ".pyenv",
    ".pytest_cache",
    ".pytype",
    ".ruff_cache",
    ".svn",
    ".tox",
    ".venv",
    ".vscode",
    "__pycache__",
    "__pypackages__",
    "_build",
    "buck-out",
    "build",
    "dist",
    "node_modules",
    "site-packages",
    "venv",
    "*.egg-info",
)


class DiscoveryError(Frozen):
    """A path problem, reported as one line while linting goes on."""

    __slots__ = ("path", "kind", "detail")

    def __init__(self, path: str, kind: PathProblem, detail: str = "") -> None:
        self.path = path  # as the user wrote it, or as displayed for paths found by walking
        self.kind = kind
        self.detail = detail  # the system's own words, for a problem of no known kind

    @property
    def reason(self) -> str:
        return self.detail if self.kind is PathProblem.OTHER else problem_reason(self.kind)


class Discovered(Frozen):
    """The files to lint and the path problems met; ``walked`` and ``hidden`` are for the cheap pass in
    front of the parser (``promptlint.reach``): the directories walked (real paths), and the Python files
    and directories inside them a ``.gitignore`` hid (absolute paths). Equality looks at the files and
    errors alone."""

    __slots__ = ("files", "errors", "walked", "hidden")
    _compared = ("files", "errors")

    def __init__(
        self,
        files: Tuple[Path, ...],
        errors: Tuple[DiscoveryError, ...],
        walked: Tuple[str, ...] = (),
        hidden: Tuple[str, ...] = (),
    ) -> None:
        self.files = files
        self.errors = errors
        self.walked = walked
        self.hidden = hidden


def discover(
    paths: Sequence[str],
    *,
    root: Path,
    exclude: Optional[Sequence[str]] = None,
    extend_exclude: Sequence[str] = (),
    force_exclude: bool = False,
    respect_gitignore: bool = True,
) -> Discovered:
    """Expand ``paths`` into the Python files to lint; see the module docstring for the rules."""
    patterns = list(DEFAULT_EXCLUDE if exclude is None else exclude) + list(extend_exclude)
    excludes = _PatternSet([p for p in map(_exclude_pattern, patterns) if p is not None])
    walker = _Walker(root, excludes, force_exclude, respect_gitignore)
    for arg in paths:
        walker.add(arg)
    return walker.result()


def discover_recorded(
    paths: Sequence[str],
    *,
    root: Path,
    exclude: Optional[Sequence[str]] = None,
    extend_exclude: Sequence[str] = (),
    force_exclude: bool = False,
    respect_gitignore: bool = True,
) -> Tuple[Discovered, List[Tuple[str, bool]]]:
    """``discover``, and what its answer was made from (for ``promptlint.walk_cache``): (path, follow
    symlinks) for every path named, directory scanned, symlink met in one, ignore file looked for and
    ``.git`` looked for. A file created, removed or renamed in a scanned directory changes that
    directory's times; the other paths are compared by their own."""
    patterns = list(DEFAULT_EXCLUDE if exclude is None else exclude) + list(extend_exclude)
    excludes = _PatternSet([p for p in map(_exclude_pattern, patterns) if p is not None])
    walker = _Walker(root, excludes, force_exclude, respect_gitignore)
    walker.scanned = []
    for arg in paths:
        walker.add(arg)
    deps = [(os.path.abspath(arg), True) for arg in paths]
    deps += [(path, True) for path in walker.scanned]
    deps += [(path, True) for path in walker._ignore_files]
    deps += [(os.path.join(start, ".git"), False) for start in walker._git_tops]
    return walker.result(), deps


def force_excluded(
    path: str,
    *,
    root: Path,
    exclude: Optional[Sequence[str]] = None,
    extend_exclude: Sequence[str] = (),
) -> bool:
    """Whether ``force-exclude`` keeps ``path`` (a file, which need not exist: a buffer read from stdin)
    from being linted: ``exclude`` matches it or one of its directories up to ``root``."""
    patterns = list(DEFAULT_EXCLUDE if exclude is None else exclude) + list(extend_exclude)
    excludes = _PatternSet([p for p in map(_exclude_pattern, patterns) if p is not None])
    walker = _Walker(root, excludes, True, False)
    abs_path = os.path.abspath(path)
    return walker.force_excluded(abs_path, walker.relative(abs_path), False)


def display_path(path: str) -> str:
    """``path`` as files found on the command line are shown: relative to the working directory when under
    it, else absolute."""
    return _Walker(Path.cwd(), _PatternSet([]), False, False).display(os.path.abspath(path))


class ExcludedPaths:
    """``exclude`` and ``extend-exclude`` as a predicate on paths, for files that are not walked: the
    project modules an import reaches (see ``promptlint.modules``). A path is excluded when it or one of
    its directories below ``root`` matches, as ``force-exclude`` decides for a named file; outside
    ``root``, by its own name. A match on a directory that also holds the linted file (``within``) does not
    count: excluded code is no source of facts for code outside it, but a file linted there (named on the
    command line) still reads its neighbours. Picklable (plain strings), so it crosses to worker
    processes."""

    def __init__(self, root: Path, patterns: Sequence[str], within: str = "") -> None:
        self.root = str(root.resolve())
        self.patterns = tuple(patterns)
        self.within = within
        self._set: Optional[_PatternSet] = None

    def __getstate__(self):
        return (self.root, self.patterns, self.within)

    def __setstate__(self, state) -> None:
        self.root, self.patterns, self.within = state
        self._set = None

    def __call__(self, path: Path, is_dir: bool) -> bool:
        if self._set is None:
            self._set = _PatternSet([p for p in map(_exclude_pattern, self.patterns) if p is not None])
        if self._set.empty:
            return False
        text = str(path)
        prefix = _prefix(self.root)
        if not text.startswith(prefix):
            return bool(self._set.decide(None, os.path.basename(text), is_dir))
        parts = text[len(prefix) :].replace(os.sep, "/").split("/")
        within = _prefix(self.within) if self.within else ""
        return any(
            self._set.decide("/".join(parts[:end]), parts[end - 1], is_dir or end < len(parts))
            for end in range(1, len(parts) + 1)
            if not (within and within.startswith(prefix + os.sep.join(parts[:end]) + os.sep))
        )


_DEFAULT_SET: Optional[_PatternSet] = None


def default_excluded(name: str) -> bool:
    """Whether a file or directory name matches ``DEFAULT_EXCLUDE`` (as ``fnmatch.fnmatchcase`` does: the
    patterns are names and one ``*suffix``), with set lookups rather than a regex per pattern."""
    global _DEFAULT_SET
    if _DEFAULT_SET is None:
        _DEFAULT_SET = _PatternSet([p for p in map(_exclude_pattern, DEFAULT_EXCLUDE) if p is not None])
    return bool(_DEFAULT_SET.decide(None, name, False))


def configured_excludes(exclude: Optional[Sequence[str]], extend_exclude: Sequence[str]) -> Tuple[str, ...]:
    """The patterns ``discover`` applies: ``exclude`` (``DEFAULT_EXCLUDE`` when unset) and ``extend-exclude``."""
    return tuple(DEFAULT_EXCLUDE if exclude is None else exclude) + tuple(extend_exclude)


# --- glob patterns --------------------------------------------------------------------------------------

_POSIX_CLASSES = {
    "alnum": "a-zA-Z0-9",
    "alpha": "a-zA-Z",
    "blank": " \\t",
    "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9",
    "graph": "!-~",
    "lower": "a-z",
    "print": " -~",
    "punct": "!-/:-@\\[-`{-~",
    "space": " \\t\\n\\r\\f\\v",
    "upper": "A-Z",
    "xdigit": "0-9A-Fa-f",
}
_NEVER = "(?!)"


class _Pattern(Frozen):
    """One glob of ``exclude`` or a ``.gitignore``; ``body`` is translated to a regex only when a pattern
    set needs one (``_PatternSet``)."""

    __slots__ = ("body", "anchored", "dir_only", "negated")

    def __init__(self, body: str, anchored: bool, dir_only: bool, negated: bool = False) -> None:
        self.body = body  # the glob without its leading or trailing `/`: a whole path (anchored) or a name
        self.anchored = anchored
        self.dir_only = dir_only
        self.negated = negated

    @property
    def regex(self) -> str:
        return _translate(self.body)


def _translate(glob: str) -> str:
    """Regex source for a ``/``-separated glob; never fails, malformed parts match literally or never."""
    out: List[str] = []
    i, n = 0, len(glob)
    while i < n:
        c = glob[i]
        if c == "*":
            j = i
            while j < n and glob[j] == "*":
                j += 1
            whole_component = (i == 0 or glob[i - 1] == "/") and (j == n or glob[j] == "/")
            if j - i >= 2 and whole_component:
                if j == n:
                    out.append(".*")  # `a/**`: everything inside a
                else:
                    out.append("(?:.*/)?")  # `**/`: zero or more directories
                    j += 1
            else:
                out.append("[^/]*")
            i = j
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            piece, i = _translate_class(glob, i)
            out.append(piece)
        elif c == "\\" and i + 1 < n:
            out.append(re.escape(glob[i + 1]))
            i += 2
        else:
            out.append(re.escape(c))
            i += 1
    return "".join(out)


def _translate_class(glob: str, start: int) -> Tuple[str, int]:
    """``[...]``, ``[!...]``, ``[^...]`` with ranges and ``[:name:]``; an unclosed ``[`` is literal."""
    i, n = start + 1, len(glob)
    negate = i < n and glob[i] in "!^"
    if negate:
        i += 1
    items: List[str] = []
    valid = True
    first = True
    while i < n and (glob[i] != "]" or first):
        first = False
        if glob.startswith("[:", i):
            end = glob.find(":]", i + 2)
            if end != -1:
                name = glob[i + 2 : end]
                valid = valid and name in _POSIX_CLASSES
                items.append(_POSIX_CLASSES.get(name, ""))
                i = end + 2
                continue
        low, i = _class_char(glob, i)
        if i + 1 < n and glob[i] == "-" and glob[i + 1] != "]":
            high, i = _class_char(glob, i + 1)
            if low <= high:
                items.append(re.escape(low) + "-" + re.escape(high))
        else:
            items.append(re.escape(low))
    if i >= n:
        return re.escape("["), start + 1
    body = "".join(items)
    if not valid or not body:
        return _NEVER, i + 1
    return ("[^/" + body + "]" if negate else "(?!/)[" + body + "]"), i + 1


def _class_char(glob: str, i: int) -> Tuple[str, int]:
    if glob[i] == "\\" and i + 1 < len(glob):
        return glob[i + 1], i + 2
    return glob[i], i + 1


def _make_pattern(body: str, *, negated: bool = False, anchored: bool = False) -> Optional[_Pattern]:
    dir_only = body.endswith("/")
    body = body.rstrip("/")
    anchored = anchored or "/" in body
    body = body.lstrip("/")
    if not body:
        return None
    return _Pattern(body, anchored, dir_only, negated)


def _exclude_pattern(pattern: str) -> Optional[_Pattern]:
    """An ``exclude`` entry; ``./x`` and ``/x`` are anchored at the root, as in ruff and git."""
    anchored = pattern.startswith("./")
    return _make_pattern(pattern[2:] if anchored else pattern, anchored=anchored)


def _gitignore_patterns(text: str) -> List[_Pattern]:
    """Parse a ``.gitignore``: comments, blanks, ``!``, escapes, unescaped trailing spaces dropped."""
    patterns = []
    for line in text.split("\n"):
        line = line.rstrip("\r")
        while line.endswith(" ") and not line.endswith("\\ "):
            line = line[:-1]
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        pattern = _make_pattern(line[1:] if negated else line, negated=negated)
        if pattern is not None:
            patterns.append(pattern)
    return patterns


class _PatternSet:
    """Patterns compiled into one regex; as in git, the last pattern that matches decides.

    The subject is ``kind + relative path + NUL + name`` (``kind`` is ``d`` or ``f``), so that anchored
    patterns, name patterns and directory-only patterns share one ``fullmatch`` call per path.

    A set of plain names and ``*suffix`` globs with no ``!`` (``DEFAULT_EXCLUDE``, most ``exclude``
    settings) is decided by set lookups instead, with the same answers: a regex is compiled (which costs
    more than the rest of a one-file pre-commit run's discovery) only for a set that needs one.
    """

    def __init__(self, patterns: Sequence[_Pattern]) -> None:
        self.empty = not patterns
        self._patterns = tuple(patterns)
        self._compiled = False
        self._simple = _simple_names(self._patterns)

    def _compile_all(self) -> None:
        patterns = self._patterns
        self._all, self._all_negated = self._compile(patterns)
        self._names, self._names_negated = self._compile([p for p in patterns if not p.anchored])
        self._compiled = True

    @staticmethod
    def _compile(patterns: Sequence[_Pattern]) -> Tuple[Optional[re.Pattern[str]], Tuple[bool, ...]]:
        alternatives = []
        for p in reversed(patterns):  # the first alternative that matches is the last pattern
            kind = "d" if p.dir_only else "[df]"
            where = f"(?:{p.regex})\x00[^\x00]*" if p.anchored else f"[^\x00]*\x00(?:{p.regex})"
            alternatives.append(f"({kind}{where})")
        if not alternatives:
            return None, ()
        regex = re.compile("|".join(alternatives), re.DOTALL)
        return regex, tuple(p.negated for p in reversed(patterns))

    def decide(self, rel: Optional[str], name: str, is_dir: bool) -> Optional[bool]:
        """True if excluded, False if re-included by ``!``, None if no pattern matches.

        ``rel`` is the path relative to the patterns' base; ``None`` (outside it) matches names only.
        """
        if self._simple is not None:
            names, suffixes, dir_names, dir_suffixes = self._simple
            if name in names or (suffixes and name.endswith(suffixes)):
                return True
            if is_dir and (name in dir_names or (dir_suffixes and name.endswith(dir_suffixes))):
                return True
            return None
        if not self._compiled:
            self._compile_all()
        regex, negated = (self._names, self._names_negated) if rel is None else (self._all, self._all_negated)
        if regex is None:
            return None
        match = regex.fullmatch(("d" if is_dir else "f") + (rel or "") + "\x00" + name)
        if match is None:
            return None
        return not negated[match.lastindex - 1]


_GLOB_CHARACTERS = frozenset("*?[\\")


def _simple_names(
    patterns: Sequence[_Pattern],
) -> Optional[Tuple[frozenset, Tuple[str, ...], frozenset, Tuple[str, ...]]]:
    """For patterns that are all names (``build``, ``build/``) or name suffixes (``*.egg-info``), never
    negated nor anchored: the names and suffixes that exclude any entry, and those that exclude only a
    directory. None for any other set (decided by its regex)."""
    names, suffixes, dir_names, dir_suffixes = set(), set(), set(), set()
    for pattern in patterns:
        if pattern.negated or pattern.anchored:
            return None
        body = pattern.body
        suffix = body[1:] if body.startswith("*") else None
        if _GLOB_CHARACTERS.intersection(body if suffix is None else suffix):
            return None
        if suffix is None:
            (dir_names if pattern.dir_only else names).add(body)
        else:
            (dir_suffixes if pattern.dir_only else suffixes).add(suffix)
    return frozenset(names), tuple(sorted(suffixes)), frozenset(dir_names), tuple(sorted(dir_suffixes))


# --- the walk -------------------------------------------------------------------------------------------

_Layer = Tuple[str, _PatternSet]  # (directory prefix ending in os.sep, patterns of its .gitignore)


class _Frame:
    """A directory waiting to be scanned, with what its entries inherit."""

    __slots__ = ("abs", "label", "shown", "rel", "real", "ancestors", "layers", "via_link")

    def __init__(
        self,
        abs: str,  # lexical absolute path
        label: str,  # as the user wrote it, or as displayed
        shown: str,  # prefix that makes an entry's name into its displayed path: "" or "dir/"
        rel: Optional[str],  # relative to root with `/`, None when outside it
        real: str,
        ancestors: frozenset,  # real paths of this directory and those above it
        layers: Tuple[_Layer, ...],
        via_link: bool,
    ) -> None:
        self.abs = abs
        self.label = label
        self.shown = shown
        self.rel = rel
        self.real = real
        self.ancestors = ancestors
        self.layers = layers
        self.via_link = via_link


class _Walker:
    def __init__(self, root: Path, excludes: _PatternSet, force_exclude: bool, gitignore: bool) -> None:
        self.cwd = os.getcwd()
        self.root = os.path.abspath(root)
        self.root_real = os.path.realpath(self.root)
        self.excludes = excludes
        self.force_exclude = force_exclude
        self.gitignore = gitignore
        self.found: Dict[str, Tuple[bool, List[str], str]] = {}  # real -> (via link, sort key, shown)
        self.errors: List[DiscoveryError] = []
        self._seen_errors: Set[DiscoveryError] = set()
        self._ignore_files: Dict[str, Optional[_PatternSet]] = {}
        self._git_tops: Dict[str, Optional[str]] = {}
        self.walked: List[str] = []
        self.hidden: List[str] = []
        # When set (``discover_recorded``): the directories scanned and the symlinks met in them.
        self.scanned: Optional[List[str]] = None

    def result(self) -> Discovered:
        files = sorted(self.found.values(), key=lambda item: item[1])
        return Discovered(
            tuple(Path(shown) for _, _, shown in files),
            tuple(self.errors),
            tuple(self.walked),
            tuple(self.hidden),
        )

    def error(self, path: str, kind: PathProblem, exc: Optional[OSError] = None) -> None:
        detail = problem_reason(kind, exc) if kind is PathProblem.OTHER else ""
        item = DiscoveryError(path, kind, detail)
        if item not in self._seen_errors:
            self._seen_errors.add(item)
            self.errors.append(item)

    def add(self, arg: str) -> None:
        """One command-line path: a file to lint, a directory to walk, or an error."""
        abs_path = os.path.abspath(arg)
        try:
            mode = os.stat(abs_path).st_mode
        except OSError as exc:
            self.error(arg, os_problem(exc), exc)
            return
        is_dir = stat.S_ISDIR(mode)
        # A file named explicitly is linted whatever its suffix: the user (or pre-commit's type detection,
        # which also passes extension-less scripts with a python shebang) has already chosen it.
        if not is_dir and not stat.S_ISREG(mode):
            self.error(arg, PathProblem.NOT_A_FILE)
            return
        rel = self.relative(abs_path)
        if self.force_exclude and self.force_excluded(abs_path, rel, is_dir):
            return
        real = os.path.realpath(abs_path)
        shown = self.display(abs_path)
        if not is_dir:
            self.keep(real, real != abs_path, shown)
            return
        self.walked.append(real)
        ancestors = set()
        up = real
        while up not in ancestors:
            ancestors.add(up)
            up = os.path.dirname(up)
        layers = self.ignore_chain(abs_path) if self.gitignore else ()
        shown_prefix = "" if shown == "." else _prefix(shown)
        start = _Frame(abs_path, arg, shown_prefix, rel, real, frozenset(ancestors), layers, real != abs_path)
        self.walk(start)

    def walk(self, start: _Frame) -> None:
        stack = [start]
        while stack:
            frame = stack.pop()
            try:
                with os.scandir(frame.abs) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError as exc:
                self.error(frame.label, os_problem(exc), exc)
                continue
            if self.scanned is not None:
                self.scanned.append(frame.abs)
                self.scanned.extend(e.path for e in entries if _is_link(e))
            layers = frame.layers
            if self.gitignore and any(e.name == ".gitignore" for e in entries):
                patterns = self.ignore_file(os.path.join(frame.abs, ".gitignore"))
                if patterns is not None:
                    layers = layers + ((_prefix(frame.abs), patterns),)
            children = []
            abs_prefix, real_prefix = _prefix(frame.abs), _prefix(frame.real)
            for entry in entries:
                child = self.visit(frame, layers, entry, abs_prefix, real_prefix)
                if child is not None:
                    children.append(child)
            stack.extend(reversed(children))

    def visit(
        self, frame: _Frame, layers: Tuple[_Layer, ...], entry: os.DirEntry, abs_prefix: str, real_prefix: str
    ) -> Optional[_Frame]:
        """Keep a Python file, return a directory to scan, or skip the entry."""
        name = entry.name
        abs_path = abs_prefix + name
        shown = frame.shown + name
        try:
            is_dir = entry.is_dir()
            if not is_dir and not (name.endswith(".py") and entry.is_file()):
                return None
            is_link = entry.is_symlink()
        except OSError as exc:  # a symlink that loops on itself, or an entry that vanished
            if exc.errno == errno.ELOOP:
                self.error(shown, PathProblem.LOOP)
            return None
        rel = None if frame.rel is None else (f"{frame.rel}/{name}" if frame.rel else name)
        if self.excludes.decide(rel, name, is_dir):
            return None
        if layers and _gitignored(layers, abs_path, name, is_dir):
            if is_dir or name.endswith(".py"):
                self.hidden.append(abs_path)
            return None
        real = os.path.realpath(abs_path) if is_link else real_prefix + name
        via_link = frame.via_link or is_link
        if not is_dir:
            self.keep(real, via_link, shown)
            return None
        if real in frame.ancestors:
            self.error(shown, PathProblem.LOOP)
            return None
        return _Frame(
            abs_path,
            shown,
            shown + os.sep,
            rel,
            real,
            frame.ancestors | {real},
            layers,
            via_link,
        )

    def keep(self, real: str, via_link: bool, shown: str) -> None:
        """Record a file once per real path, preferring a path that goes through no symlink."""
        candidate = (via_link, shown.split(os.sep), shown)
        current = self.found.get(real)
        if current is None or candidate[:2] < current[:2]:
            self.found[real] = candidate

    def display(self, abs_path: str) -> str:
        if abs_path == self.cwd:
            return "."
        prefix = _prefix(self.cwd)
        return abs_path[len(prefix) :] if abs_path.startswith(prefix) else abs_path

    def relative(self, abs_path: str) -> Optional[str]:
        """``abs_path`` relative to root with ``/`` separators, trying real paths if lexically outside."""
        for base, path in ((self.root, abs_path), (self.root_real, None)):
            path = path if path is not None else os.path.realpath(abs_path)
            if path == base:
                return ""
            prefix = _prefix(base)
            if path.startswith(prefix):
                return path[len(prefix) :].replace(os.sep, "/")
        return None

    def force_excluded(self, abs_path: str, rel: Optional[str], is_dir: bool) -> bool:
        """Whether ``exclude`` matches an explicit path or one of its directories below root."""
        if rel is None:
            return bool(self.excludes.decide(None, os.path.basename(abs_path), is_dir))
        parts = rel.split("/") if rel else []
        for end in range(len(parts), 0, -1):
            if self.excludes.decide("/".join(parts[:end]), parts[end - 1], is_dir or end < len(parts)):
                return True
        return False

    def ignore_chain(self, start: str) -> Tuple[_Layer, ...]:
        """The ignore files that apply above ``start``: info/exclude, then .gitignore top-down."""
        top = self.git_top(start)
        base = top if top is not None else (self.root if self.relative(start) is not None else start)
        dirs = []
        up = start
        while up != base and os.path.dirname(up) != up:
            up = os.path.dirname(up)
            dirs.append(up)
        if not dirs or dirs[-1] != base:  # start is not below base (a real-path match): only its own tree
            dirs = []
        layers: List[_Layer] = []
        files = [(top, os.path.join(top, ".git", "info", "exclude"))] if top is not None else []
        files += [(directory, os.path.join(directory, ".gitignore")) for directory in reversed(dirs)]
        for directory, path in files:
            patterns = self.ignore_file(path)
            if patterns is not None:
                layers.append((_prefix(directory), patterns))
        return tuple(layers)

    def ignore_file(self, path: str) -> Optional[_PatternSet]:
        """The parsed ignore file at ``path``, read once per run."""
        if path not in self._ignore_files:
            self._ignore_files[path] = _read_patterns(path)
        return self._ignore_files[path]

    def git_top(self, start: str) -> Optional[str]:
        """The nearest directory at or above ``start`` holding ``.git`` (a directory or a worktree file)."""
        if start not in self._git_tops:
            parent = os.path.dirname(start)
            if os.path.lexists(os.path.join(start, ".git")):
                self._git_tops[start] = start
            else:
                self._git_tops[start] = None if parent == start else self.git_top(parent)
        return self._git_tops[start]


def _gitignored(layers: Tuple[_Layer, ...], abs_path: str, name: str, is_dir: bool) -> bool:
    """Deeper ignore files first; within one, the last matching pattern wins."""
    for prefix, patterns in reversed(layers):
        verdict = patterns.decide(abs_path[len(prefix) :].replace(os.sep, "/"), name, is_dir)
        if verdict is not None:
            return verdict
    return False


def _read_patterns(path: str) -> Optional[_PatternSet]:
    """The patterns of an ignore file; None when it is missing, unreadable or has no patterns."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            patterns = _gitignore_patterns(handle.read())
    except OSError:
        return None
    return _PatternSet(patterns) if patterns else None


def _is_link(entry: os.DirEntry) -> bool:
    try:
        return entry.is_symlink()
    except OSError:  # cannot tell: compared by its own signature, as a link is
        return True


def _prefix(directory: str) -> str:
    return directory if directory.endswith(os.sep) else directory + os.sep
