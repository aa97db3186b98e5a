"""Offline o200k_base counting from the shipped encoding file."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from promptlint import tokens
from promptlint.tokens import ENCODING_SHA256, TokenizerError, count_tokens

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def fresh(monkeypatch):
    """Forget the process-wide encoding so a test sees the first load; restored afterwards."""
    monkeypatch.setattr(tokens, "_encoding", None)
    monkeypatch.setattr(tokens, "_failure", None)
    count_tokens.cache_clear()
    yield
    count_tokens.cache_clear()


def test_shipped_file_matches_pinned_hash():
    data = (REPO / "promptlint" / "data" / "o200k_base.tiktoken").read_bytes()
    assert hashlib.sha256(data).hexdigest() == ENCODING_SHA256


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("", 0),
        ("hello world", 2),
        ("Hello, world!", 4),
        ("You are a helpful assistant.", 6),
        ("def f(x):\n    return x * 2\n", 11),
        ("こんにちは世界", 2),
        ("1234567890", 4),
        ("  leading and trailing  ", 5),
        ("<|endoftext|> hi", 8),  # special-token text is counted as plain text, not rejected
    ],
)
def test_pinned_counts(text, count):
    assert count_tokens(text) == count


def test_known_token_ids():
    assert tokens._get_encoding().encode("hello world") == [24912, 2375]


def test_never_uses_tiktoken_registry_or_cache(fresh, monkeypatch, tmp_path):
    import tiktoken
    import tiktoken.load

    def forbidden(*args, **kwargs):
        raise AssertionError("promptlint must not use tiktoken's download/cache path")

    monkeypatch.setattr(tiktoken, "get_encoding", forbidden)
    monkeypatch.setattr(tiktoken.load, "read_file_cached", forbidden)
    monkeypatch.setattr(tiktoken.load, "load_tiktoken_bpe", forbidden)
    cache = tmp_path / "cache"
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(cache))
    assert count_tokens("hello world") == 2
    assert not cache.exists()


def test_corrupt_file_raises(tmp_path):
    data = bytearray((REPO / "promptlint" / "data" / "o200k_base.tiktoken").read_bytes())
    data[100] ^= 0x01
    bad = tmp_path / "o200k_base.tiktoken"
    bad.write_bytes(bytes(data))
    with pytest.raises(TokenizerError, match="corrupt"):
        tokens._build_encoding(bad)


def test_missing_file_raises(tmp_path):
    with pytest.raises(TokenizerError, match="cannot read"):
        tokens._build_encoding(tmp_path / "absent.tiktoken")


def test_hash_checked_once_per_process(fresh, monkeypatch, tmp_path):
    bad = tmp_path / "o200k_base.tiktoken"
    bad.write_bytes(b"not an encoding\n")
    monkeypatch.setattr(tokens, "_ENCODING_PATH", bad)
    reads = []
    real_read = tokens._read_ranks
    monkeypatch.setattr(tokens, "_read_ranks", lambda path: reads.append(path) or real_read(path))
    for text in ("a", "b"):
        with pytest.raises(TokenizerError, match="corrupt"):
            count_tokens(text)
    assert len(reads) == 1


def test_encoding_built_once(fresh, monkeypatch):
    builds = []
    real_build = tokens._build_encoding
    monkeypatch.setattr(tokens, "_build_encoding", lambda path: builds.append(path) or real_build(path))
    count_tokens("one")
    count_tokens("two")
    assert len(builds) == 1


def test_import_does_not_import_tiktoken():
    env = dict(os.environ, PYTHONPATH=str(REPO))
    code = (
        "import promptlint.tokens, sys; assert 'tiktoken' not in sys.modules; "
        "promptlint.tokens.count_tokens('x'); assert 'tiktoken' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=str(REPO))
