"""A cache file is replaced in one rename, and a write the file system refuses leaves nothing behind."""

from __future__ import annotations

import os
from pathlib import Path

from promptlint.cache_files import write_cache_file


def test_a_cache_file_is_written_and_replaced_with_its_folder_made(tmp_path: Path) -> None:
    target = tmp_path / "cache" / "v1" / "entry.json"
    assert write_cache_file(str(target), b"first") is True
    assert write_cache_file(str(target), b"second") is True
    assert target.read_bytes() == b"second"
    assert sorted(os.listdir(target.parent)) == ["entry.json"]


def test_a_refused_replace_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "entry.json"
    target.mkdir()  # a folder where the file should go: the rename fails
    (target / "inside").write_text("kept", encoding="utf-8")
    assert write_cache_file(str(target), b"data") is False
    assert sorted(os.listdir(tmp_path)) == ["entry.json"]
    assert (target / "inside").read_text(encoding="utf-8") == "kept"
