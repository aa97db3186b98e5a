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

CACHE_DIRECTORY = ".promptlint_cache"
_FORMAT = "v1"


def _code_fingerprint() -> str:
    """Sizes and modification times of promptlint's and the rule packs' modules."""
    import hashlib

    import promptlint

    roots = [Path(promptlint.__file__).parent]
    try:
        import promptlint_rules

        roots.append(Path(promptlint_rules.__file__).parent)
    except ImportError:  # pragma: no cover
        pass
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


class Cache:
    def __init__(self, directory: Path, settings_fingerprint: str) -> None:
        self.directory = directory / _FORMAT
        self._settings = settings_fingerprint
        self._base: Optional[str] = None  # computed for the first file that passes the prefilter
        self._ready = False

    def key(self, raw: bytes, path: Path, display: str, codes: Iterable[str]) -> str:
        import hashlib

        if self._base is None:
            self._base = hashlib.sha256(f"{_code_fingerprint()}\0{self._settings}".encode()).hexdigest()
        digest = hashlib.sha256(self._base.encode())
        digest.update(f"\0{path.resolve()}\0{display}\0{','.join(sorted(codes))}\0".encode())
        digest.update(raw)
        return digest.hexdigest()

    def _entry(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str):
        """The cached (diagnostics, errors, dependencies) for ``key``, or None."""
        from promptlint.diagnostics import FileError, from_plain  # when a file passes the prefilter

        try:
            document = json.loads(self._entry(key).read_text(encoding="utf-8"))
            for dependency, digest in document["dependencies"]:
                if _sha256(Path(dependency)) != digest:
                    return None
            diagnostics = [from_plain(item) for item in document["diagnostics"]]
            errors = [FileError(**item) for item in document["errors"]]
            dependencies = [Path(dependency) for dependency, _ in document["dependencies"]]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return diagnostics, errors, dependencies

    def put(
        self, key: str, diagnostics: List[Diagnostic], errors: List[FileError], dependencies: List[Path]
    ) -> None:
        from promptlint.diagnostics import to_plain

        try:
            document: Dict[str, Any] = {
                "diagnostics": [to_plain(d) for d in diagnostics],
                "errors": [{"path": e.path, "reason": e.reason} for e in errors],
                "dependencies": [[str(d), _sha256(d)] for d in dependencies],
            }
            text = json.dumps(document, ensure_ascii=False)
        except (TypeError, ValueError):
            return  # a result a rule pack made of something JSON cannot hold: not cached, still reported
        entry = self._entry(key)
        try:
            import tempfile

            self._prepare()
            entry.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=entry.parent, suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
            os.replace(temporary, entry)
        except OSError:
            pass  # a read-only tree or a full disk costs speed, never a result

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
