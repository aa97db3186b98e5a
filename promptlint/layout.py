"""Where a project's packages live when it says so in its ``pyproject.toml``: package-dir mappings.

``from pkg import x`` finds ``pkg`` next to the importing package, under a ``src/`` folder or in the
project root. Build backends can put it elsewhere, and an import of the installed name must still be found
in the source tree:

- setuptools ``[tool.setuptools.package-dir]``: ``{"" = "lib"}`` makes ``lib`` a folder top-level packages
  are found in; ``{pkg = "."}`` or ``{"pkg.sub" = "code/sub"}`` names the folder of one package;
- setuptools ``[tool.setuptools.packages.find] where = ["lib"]``: folders packages are found in;
- poetry ``[tool.poetry] packages = [{include = "pkg", from = "lib"}]``: ``lib`` is such a folder;
- hatch ``[tool.hatch.build.targets.wheel] packages = ["lib/pkg"]``: ``pkg`` is found in ``lib``;
  ``sources = ["lib"]`` strips ``lib/`` from installed paths (a folder packages are found in), and
  ``sources = {"lib/code" = "pkg"}`` installs ``lib/code`` as ``pkg``.

Read only from bytes that mention one of these keys (most files have none, and TOML is not parsed for
them); a file that does not parse, or a folder outside the file's own directory tree, maps nothing.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Tuple

from promptlint.record import Frozen

_KEYS = (b"package-dir", b"packages", b"sources", b"where")


class Layout(Frozen):
    """``folders``: where top-level packages are looked for; ``packages``: dotted name -> its folder."""

    __slots__ = ("folders", "packages")

    def __init__(self, folders: Tuple[Path, ...] = (), packages: Tuple[Tuple[str, Path], ...] = ()) -> None:
        self.folders = folders
        self.packages = packages


NO_LAYOUT = Layout()


def layout_of(pyproject: Path) -> Layout:
    """The mappings ``pyproject`` declares, with folders resolved against its directory."""
    try:
        raw = pyproject.read_bytes()
        stat = pyproject.stat()
    except OSError:
        return NO_LAYOUT
    if not any(key in raw for key in _KEYS):
        return NO_LAYOUT
    return _parsed(pyproject, stat.st_mtime_ns, stat.st_size, raw)


class _Unparsable(Exception):
    pass


def _parse_tool(raw: bytes) -> Any:
    try:
        import tomllib  # type: ignore[import-not-found]
    except ImportError:  # pragma: no cover - Python < 3.11
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        return tomllib.loads(raw.decode("utf-8")).get("tool", {})
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        raise _Unparsable from None


@lru_cache(maxsize=64)
def _parsed(pyproject: Path, mtime: int, size: int, raw: bytes) -> Layout:
    from promptlint.config_cache import tool_table

    try:  # the ``[tool]`` table read by an earlier run while the file is unchanged: no TOML parser to import
        tool = _table(tool_table(str(pyproject.absolute()), lambda: _parse_tool(raw)))
    except _Unparsable:
        return NO_LAYOUT
    base = pyproject.parent
    folders: List[str] = []
    packages: Dict[str, str] = {}
    setuptools = _table(tool.get("setuptools"))
    for name, folder in _table(setuptools.get("package-dir")).items():
        if isinstance(folder, str):
            if name == "":
                folders.append(folder)
            else:
                packages[name] = folder
    find = _table(_table(setuptools.get("packages")).get("find"))
    folders.extend(_strings(find.get("where")))
    for entry in _list(_table(tool.get("poetry")).get("packages")):
        if isinstance(entry, dict) and isinstance(entry.get("from"), str):
            folders.append(entry["from"])
    wheel = _table(_table(_table(_table(tool.get("hatch")).get("build")).get("targets")).get("wheel"))
    for package in _strings(wheel.get("packages")):
        parent, _, name = package.rstrip("/").rpartition("/")
        if parent and name.isidentifier():
            folders.append(parent)
    sources = wheel.get("sources")
    if isinstance(sources, list):
        folders.extend(_strings(sources))
    for folder, name in _table(sources).items():
        if isinstance(name, str):
            if name.strip("/") == "":
                folders.append(folder)
            else:
                packages[name.strip("/").replace("/", ".")] = folder
    return Layout(
        tuple(dict.fromkeys(p for p in (_inside(base, f) for f in folders) if p is not None)),
        tuple(
            sorted(
                (
                    (name, path)
                    for name, folder in packages.items()
                    for path in (_inside(base, folder),)
                    if path
                ),
                key=lambda item: (-item[0].count("."), item[0]),
            )
        ),
    )


def _inside(base: Path, folder: str) -> Path | None:
    """``folder`` (relative, ``/``-separated) under ``base``; None for one that leaves it."""
    parts = [part for part in folder.replace("\\", "/").split("/") if part not in ("", ".")]
    if any(part == ".." for part in parts) or folder.startswith("/"):
        return None
    return base.joinpath(*parts)


def _table(value: Any) -> Dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> List[Any]:
    return value if isinstance(value, list) else []


def _strings(value: Any) -> List[str]:
    if isinstance(value, str):
        return [value]
    return [item for item in _list(value) if isinstance(item, str)]
