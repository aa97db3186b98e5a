"""A persistent per-file result cache, so that an unchanged re-run is nearly free.

An entry is keyed by the file's bytes, its path, the settings that shape findings (selected rules and their
options, default model, model overrides) and promptlint itself (its version and the size and modification
time of its own modules and of the installed rule packs, so a development checkout never serves stale
results). Prompt files a result depends on are recorded with their hashes and re-checked on every hit.
Entries are JSON, never pickles: a cache directory committed to a repository must not be able to run code.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Optional, Tuple

from promptlint import __version__

if TYPE_CHECKING:
    from promptlint.diagnostics import Diagnostic, FileError
    from promptlint.stat_index import StatIndex

CACHE_DIRECTORY = ".promptlint_cache"
_FORMAT = "v1"
_INDEX_PREFIX = "index-"
_INDEXES = 8


def _code_fingerprint() -> str:
    """Sizes and modification times of promptlint's and the rule packs' modules."""
    import hashlib

    import promptlint

    roots = [Path(promptlint.__file__).parent]
    # Found, not imported: importing the rule pack costs more than the rest of a warm run.
    from importlib.util import find_spec

    try:
        spec = find_spec("promptlint_rules")
    except (ImportError, ValueError):  # pragma: no cover
        spec = None
    if spec is not None and spec.origin:
        roots.append(Path(spec.origin).parent)
    digest = hashlib.sha256(__version__.encode())
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.suffix in (".py", ".toml"):
                stat = path.stat()
                digest.update(f"{path.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def _sha256(path: Path) -> Optional[str]:
    import hashlib

    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _dependencies(paths: List[Path]) -> Dict[str, List[List[Any]]]:
    """Each file a result depends on, with its hash and, when settled, its ``stat`` signature (taken before
    hashing, so that a change in between shows as a different signature); and for the files that were
    absent, the nearest existing folder above each with its signature, when all are settled (creating the
    file, or a folder on its way, changes that folder's)."""
    import time

    from promptlint.stat_index import RACY_NS, signature

    limit = time.time_ns() - RACY_NS
    found: List[List[Any]] = []
    folders: Optional[Dict[str, Any]] = {}
    for path in paths:
        sig = signature(str(path))
        digest = _sha256(path)
        settled = sig is not None and max(sig[0], sig[1]) < limit
        found.append([str(path), digest, list(sig) if settled else None])
        if digest is None and folders is not None:
            if sig is not None:  # there, but unreadable: hashed again on each hit
                folders = None
                continue
            folder = os.path.dirname(str(path))
            folder_sig = signature(folder)
            while folder_sig is None and os.path.dirname(folder) != folder:
                folder = os.path.dirname(folder)
                folder_sig = signature(folder)
            if folder not in folders:
                if folder_sig is None or max(folder_sig[0], folder_sig[1]) >= limit:
                    folders = None
                    continue
                folders[folder] = list(folder_sig)
    document: Dict[str, List[List[Any]]] = {"dependencies": found}
    if folders is not None:
        document["folders"] = [[folder, sig] for folder, sig in sorted(folders.items())]
    return document


def _same(sig, recorded) -> bool:
    return sig is not None and list(sig) == recorded


class Cache:
    def __init__(self, directory: Path, settings_fingerprint: str) -> None:
        self.directory = directory / _FORMAT
        self._settings = settings_fingerprint
        self._base: Optional[str] = None  # computed for the first file that passes the prefilter
        self._ready = False

    def _base_key(self) -> str:
        import hashlib

        if self._base is None:
            self._base = hashlib.sha256(f"{_code_fingerprint()}\0{self._settings}".encode()).hexdigest()
        return self._base

    def stat_index(self, max_file_size: int) -> StatIndex:
        """The stat index of this cache's promptlint, settings and size limit (see ``stat_index``)."""
        import hashlib

        from promptlint.stat_index import StatIndex

        try:  # now rather than at the first write, which would change the project folder the index records
            self._prepare()
        except OSError:
            pass
        name = hashlib.sha256(f"{self._base_key()}\0{max_file_size}".encode()).hexdigest()[:24]
        return StatIndex(str(self.directory / f"{_INDEX_PREFIX}{name}.json"))

    def save_index(self, index: StatIndex) -> None:
        """Write ``index`` when it changed, keeping the most recent ``_INDEXES`` index files (one per
        promptlint, settings and size limit: a development checkout makes a new one at each edit)."""
        if not index.changed:
            return
        try:
            self._prepare()
        except OSError:
            return
        index.save()
        try:
            names = [
                n for n in os.listdir(self.directory) if n.startswith(_INDEX_PREFIX) and n.endswith(".json")
            ]
            if len(names) > _INDEXES:
                paths = [self.directory / n for n in names]
                paths.sort(key=lambda p: p.stat().st_mtime_ns, reverse=True)
                for old in paths[_INDEXES:]:
                    old.unlink()
        except OSError:
            pass

    def key(self, raw: bytes, path: Path, display: str, codes: Iterable[str]) -> str:
        import hashlib

        digest = hashlib.sha256(self._base_key().encode())
        digest.update(f"\0{path.resolve()}\0{display}\0{','.join(sorted(codes))}\0".encode())
        digest.update(raw)
        return digest.hexdigest()

    def _entry(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str):
        """The cached (diagnostics, errors, dependencies) for ``key``, or None."""
        from promptlint.diagnostics import FileError, from_plain  # when a file passes the prefilter
        from promptlint.stat_index import signature

        try:
            document = json.loads(self._entry(key).read_text(encoding="utf-8"))
            # Files that were absent stay absent while the folders holding them do not change.
            folders = document.get("folders")
            absent_known = folders is not None and all(
                _same(signature(folder), recorded) for folder, recorded in folders
            )
            for dependency, digest, *recorded in document["dependencies"]:
                if digest is None and absent_known:
                    continue
                # Unchanged since it was hashed (a signature is recorded only when settled, see
                # ``stat_index``): not hashed again.
                if recorded and recorded[0] is not None and _same(signature(dependency), recorded[0]):
                    continue
                if _sha256(Path(dependency)) != digest:
                    return None
            diagnostics = [from_plain(item) for item in document["diagnostics"]]
            errors = [FileError(**item) for item in document["errors"]]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return diagnostics, errors

    def put(
        self, key: str, diagnostics: List[Diagnostic], errors: List[FileError], dependencies: List[Path]
    ) -> None:
        from promptlint.diagnostics import to_plain

        try:
            document: Dict[str, Any] = {
                "diagnostics": [to_plain(d) for d in diagnostics],
                "errors": [{"path": e.path, "reason": e.reason} for e in errors],
                **_dependencies(dependencies),
            }
            text = json.dumps(document, ensure_ascii=False)
        except (TypeError, ValueError):
            return  # a result a rule pack made of something JSON cannot hold: not cached, still reported
        entry = self._entry(key)
        from promptlint.cache_files import write_cache_file

        try:
            self._prepare()
        except OSError:
            return  # a read-only tree or a full disk costs speed, never a result
        write_cache_file(str(entry), text.encode("utf-8"))

    def _prepare(self) -> None:
        if self._ready:
            return
        root = self.directory.parent
        root.mkdir(parents=True, exist_ok=True)
        for name, text in (
            (".gitignore", "# Created by promptlint.\n*\n"),
            ("CACHEDIR.TAG", "Signature: 8a477f597d28d172789f06886806bc55\n# promptlint result cache\n"),
        ):
            marker = root / name
            if not marker.exists():
                marker.write_text(text, encoding="utf-8")
        self._ready = True


def settings_fingerprint(
    rule_options: Dict[str, Any],
    default_model: Optional[str],
    models: Dict[str, Any],
    project_root: Path,
    signature_recognition: bool = True,
    exclude: Tuple[str, ...] = (),
) -> str:
    return json.dumps(
        {
            "options": rule_options,
            "default_model": default_model,
            "models": models,
            "root": str(project_root),
            "signature_recognition": signature_recognition,
            **({"exclude": list(exclude)} if exclude else {}),
        },
        sort_keys=True,
        default=str,
    )
