"""The stat index of one project: what the prefilter and the project pass decided of each file, keyed on the
file's ``stat``, so that a warm run does not read a file that has not changed since.

A file's entry holds its signature (modification and change times in nanoseconds, size, inode: what git and
ruff compare) and what the byte gate said of its bytes (``SKIP``: no SDK import and no import at all;
``DEFER``: no SDK import, some import; ``SDK``: an SDK import; ``LARGE``: over the size limit without one). These are functions of the bytes alone.

The project pass's decisions (which files that import no SDK send requests through project modules, and
through which) depend on many files: they are kept as one snapshot per set of run files, with the
signatures of every other file the pass read (modules, ``pyproject.toml`` files) and of the directories
whose listing it consulted (a module created or removed changes its directory's times). The snapshot is
used only when every run file's entry is valid and every one of those signatures is unchanged; anything
else recomputes the pass as a cold run does.

Racy entries: a file changed within the same tick of the file system's clock as it was read could keep its
signature. An entry (or a snapshot) is stored only when every time in it is older than the start of the run
by ``RACY_NS``; a newer file is read again on the next run. The index is one JSON file (never a pickle),
replaced atomically and written only when something changed; an unreadable, corrupt or foreign index is
an empty one.
"""

from __future__ import annotations

import os
import time
from typing import Any, Dict, Iterable, List, Optional, Tuple

Signature = Tuple[int, int, int, int]  # st_mtime_ns, st_ctime_ns, st_size, st_ino

# Entries newer than this at the start of the run are not stored (coarse clocks: FAT and some network file
# systems have a resolution of one or two seconds).
RACY_NS = 2_000_000_000
SKIP, DEFER, SDK, LARGE = 0, 1, 2, 3  # LARGE: over the size limit, and the streamed gate found no SDK
_FORMAT = 1
_MAX_SNAPSHOTS = 4


def signature(path: str) -> Optional[Signature]:
    """The ``stat`` signature of a file or directory, None when it does not exist or cannot be read."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino)


class StatIndex:
    """One project's index, loaded once per run and saved at its end when something changed."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.started = time.time_ns()
        self._files: Dict[str, List[Any]] = {}
        self._snapshots: Dict[str, Dict[str, Any]] = {}
        self._changed = False
        self._load()

    def _load(self) -> None:
        import json

        try:
            with open(self.path, encoding="utf-8") as stream:
                document = json.load(stream)
            if document.get("format") != _FORMAT:
                return
            files, snapshots = document["files"], document["snapshots"]
            if isinstance(files, dict) and isinstance(snapshots, dict):
                self._files, self._snapshots = files, snapshots
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass  # no index yet, or one that cannot be trusted: every file is read

    def settled(self, sig: Optional[Signature]) -> bool:
        """Whether ``sig`` is old enough to trust (see "racy entries")."""
        return sig is not None and max(sig[0], sig[1]) < self.started - RACY_NS

    def kind(self, path: str, sig: Optional[Signature]) -> Optional[int]:
        """What the byte gate said of the file at ``path`` when it had signature ``sig``; None when unknown."""
        entry = self._files.get(path)
        if sig is None or entry is None:
            return None
        try:
            if len(entry) == 5 and tuple(entry[:4]) == sig and entry[4] in (SKIP, DEFER, SDK, LARGE):
                return entry[4]
        except TypeError:
            pass
        return None

    def record(self, path: str, sig: Optional[Signature], kind: int) -> None:
        """The byte gate's answer for the bytes read after taking ``sig``."""
        entry = [*sig, kind] if sig is not None and self.settled(sig) else None
        if self._files.get(path) == entry:
            return
        if entry is None:
            del self._files[path]
        else:
            self._files[path] = entry
        # The snapshots were made from the file as it was: none can be trusted any longer.
        self._snapshots.clear()
        self._changed = True

    def forget_except(self, kept: Iterable[str]) -> None:
        """Drop the entries of files other than ``kept`` (the files of a run that covers the project)."""
        kept = set(kept)
        gone = [path for path in self._files if path not in kept]
        for path in gone:
            del self._files[path]
        self._changed = self._changed or bool(gone)

    # -- the project pass ---------------------------------------------------------------------------------

    def decisions(self, run: str) -> Optional[Dict[str, Optional[List[str]]]]:
        """The project pass's decisions for the run with signature ``run``, when nothing they were made
        from has changed: file path -> the modules it sends requests through, or None (skipped)."""
        snapshot = self._snapshots.get(run)
        if not isinstance(snapshot, dict):
            return None
        try:
            for path, recorded in snapshot["deps"]:
                current = signature(path)
                if (list(current) if current is not None else None) != recorded:
                    return None
            decisions = snapshot["through"]
            if not isinstance(decisions, dict):
                return None
            return decisions
        except (TypeError, ValueError, KeyError):
            return None

    def keep_decisions(
        self, run: str, decisions: Dict[str, Optional[List[str]]], deps: Iterable[str]
    ) -> None:
        """Store the pass's decisions with the signatures of ``deps`` (files and directories it read), unless
        one of them is too recent to trust."""
        recorded = []
        for path in sorted(set(deps)):
            sig = signature(path)
            if sig is not None and not self.settled(sig):
                return
            recorded.append([path, list(sig) if sig is not None else None])
        snapshot = {"deps": recorded, "through": decisions}
        if self._snapshots.get(run) == snapshot:
            return
        self._snapshots.pop(run, None)
        while len(self._snapshots) >= _MAX_SNAPSHOTS:
            del self._snapshots[next(iter(self._snapshots))]
        self._snapshots[run] = snapshot
        self._changed = True

    @property
    def changed(self) -> bool:
        return self._changed

    def save(self) -> None:
        """Replace the index file atomically, when this run changed it; a failure costs speed only."""
        if not self._changed:
            return
        import json

        from promptlint.cache_files import write_cache_file

        document = {"format": _FORMAT, "files": self._files, "snapshots": self._snapshots}
        write_cache_file(self.path, json.dumps(document, separators=(",", ":")).encode("utf-8"))
        self._changed = False
