"""Adopting promptlint on a large code base: a baseline of known findings, and changed-lines mode.

A baseline entry is keyed by rule, file and the whitespace-normalised text of the reported lines, never by
line number, so moving code (or editing elsewhere in the file) does not bring old findings back. Each key
is counted: a second identical finding in the same file is new.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from collections import Counter
from pathlib import Path, PurePath
from typing import Dict, List, Optional, Sequence, Set, Tuple

from promptlint.diagnostics import Diagnostic

FORMAT_VERSION = 1


class BaselineError(Exception):
    """A baseline or git problem, as one line."""


def fingerprint(d: Diagnostic) -> str:
    return _digest(d.code, PurePath(d.path).as_posix(), d.source)


def _digest(code: str, path: str, source: Sequence[str]) -> str:
    text = " ".join(" ".join(source).split())
    return hashlib.sha256(f"{code}\0{path}\0{text}".encode()).hexdigest()[:32]


def _key(d: Diagnostic) -> Tuple[str, str, str]:
    return (PurePath(d.path).as_posix(), d.code, fingerprint(d))


def write_baseline(path: Path, diagnostics: Sequence[Diagnostic]) -> None:
    entries = sorted(
        (
            {"path": key[0], "code": key[1], "fingerprint": key[2], "message": d.message}
            for d in diagnostics
            for key in [_key(d)]
        ),
        key=lambda e: (e["path"], e["code"], e["fingerprint"], e["message"]),
    )
    document = {"version": FORMAT_VERSION, "tool": "promptlint", "findings": entries}
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def read_baseline(path: Path) -> Counter:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise BaselineError(f"{path}: baseline file not found") from error
    except (OSError, ValueError) as error:
        raise BaselineError(f"{path}: not a promptlint baseline ({error})") from error
    if not isinstance(document, dict) or document.get("version") != FORMAT_VERSION:
        raise BaselineError(f"{path}: not a promptlint baseline of format version {FORMAT_VERSION}")
    try:
        return Counter((e["path"], e["code"], e["fingerprint"]) for e in document["findings"])
    except (KeyError, TypeError) as error:
        raise BaselineError(f"{path}: malformed baseline entry ({error})") from error


def new_findings(diagnostics: Sequence[Diagnostic], known: Counter) -> List[Diagnostic]:
    """The diagnostics the baseline does not account for. A request's finding on a prompt defined in
    another file is accounted for by the baseline's finding at that definition, which a run over both files
    reports once for every request that sends the prompt (see ``shared``)."""
    remaining = Counter(known)
    fresh = []
    for d in diagnostics:
        key = _key(d)
        if remaining[key] > 0:
            remaining[key] -= 1
        elif not _at_known_definition(d, known):
            fresh.append(d)
    return fresh


def _at_known_definition(d: Diagnostic, known: Counter) -> bool:
    shared = d.shared
    if shared is None:
        return False
    for place in d.related:
        if (place.line, place.column) == (shared.line, shared.column) and place.path != d.path:
            path = PurePath(place.path).as_posix()
            return known[(path, d.code, _digest(d.code, path, shared.source))] > 0
    return False


_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


def changed_lines(reference: str, cwd: Path) -> Dict[Path, Optional[Set[int]]]:
    """Lines added or changed since ``reference`` per file (resolved path), from git; ``None`` means the whole
    file (untracked files)."""
    top = Path(_git(["rev-parse", "--show-toplevel"], cwd).strip())
    # The ref is data, never an option: after --end-of-options, `--output=x` is a (bad) revision.
    diff = _git(
        [
            "diff",
            "--no-color",
            "--no-ext-diff",
            "--unified=0",
            "--relative=",
            "--end-of-options",
            reference,
            "--",
        ],
        top,
    )
    changed: Dict[Path, Optional[Set[int]]] = {}
    current: Optional[Set[int]] = None
    for line in diff.split("\n"):  # git ends its lines with \n only; a \r or U+2028 is content
        if line.startswith("+++ "):
            name = line[4:]
            if name == "/dev/null":
                current = None
                continue
            current = set()
            changed[(top / name[2:]).resolve()] = current
        elif line.startswith("@@") and current is not None:
            match = _HUNK.match(line)
            if match:
                start = int(match.group(1))
                count = int(match.group(2)) if match.group(2) is not None else 1
                # A pure deletion touches the lines on either side of it.
                current.update(range(start, start + count) if count else (start, start + 1))
    for name in _git(["ls-files", "--others", "--exclude-standard", "-z"], top).split("\0"):
        if name:
            changed[(top / name).resolve()] = None
    return changed


def on_changed_lines(
    diagnostics: Sequence[Diagnostic], changed: Dict[Path, Optional[Set[int]]]
) -> List[Diagnostic]:
    kept = []
    for d in diagnostics:
        lines = changed.get(Path(d.path).resolve(), set())
        if lines is None or any(line in lines for line in range(d.line, d.end_line + 1)):
            kept.append(d)
    return kept


def _git(arguments: List[str], cwd: Path) -> str:
    try:
        result = subprocess.run(
            ["git", *arguments],
            cwd=cwd,
            capture_output=True,
            text=True,
            check=False,
            encoding="utf-8",
            errors="replace",
        )
    except FileNotFoundError as error:
        raise BaselineError("--changed-since needs git, which is not installed") from error
    if result.returncode != 0:
        message = (result.stderr.strip().splitlines() or ["git failed"])[-1]
        raise BaselineError(f"git {arguments[0]}: {message}")
    return result.stdout
