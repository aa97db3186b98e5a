"""Writing a file of one of promptlint's caches (results, the stat index, the walk list, the rule index, the
configuration and method tables): in one rename, so that a reader sees the old file or the new one, never
half of one, and best effort, since a cache that cannot be written costs speed, never a result. Unlike
``outfile`` (a user's source file or report) nothing is synced to disk and no permission bits are kept."""

from __future__ import annotations

import os


def write_cache_file(path: str, data: bytes) -> bool:
    """Replace ``path`` with ``data``, making its folder; False, leaving no temporary file behind, when the
    file system refuses (read-only, full, gone)."""
    import tempfile  # not on the start-up path: only a run that writes a cache pays for it

    directory = os.path.dirname(path)
    try:
        os.makedirs(directory, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=directory, suffix=".tmp")
    except OSError:
        return False
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except OSError:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        return False
    return True
