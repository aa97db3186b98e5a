from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from promptlint import source as source_module
from promptlint.source import SourceError, SourceFile, decode_source, read_source


def test_plain_utf8() -> None:
    assert decode_source("s = 'é'\n".encode()) == ("s = 'é'\n", "utf-8", False)


def test_latin1_cookie_on_line_one_or_two() -> None:
    body = "s = 'é'\n".encode("latin-1")
    assert decode_source(b"# -*- coding: latin-1 -*-\n" + body) == (
        "# -*- coding: latin-1 -*-\ns = 'é'\n",
        "iso-8859-1",
        False,
    )
    assert (
        decode_source(b"#!/usr/bin/env python\n# vim: set fileencoding=latin-1 :\n" + body)[1] == "iso-8859-1"
    )
    assert decode_source(b"# coding=cp1252\n" + body)[1] == "cp1252"


def test_cookie_on_line_two_needs_a_comment_or_blank_line_one() -> None:
    raw = "x = 1\n# coding: latin-1\ns = 'é'\n".encode("latin-1")
    with pytest.raises(SourceError) as info:
        decode_source(raw)
    assert info.value.reason == "cannot decode as utf-8 (byte 0xe9 at offset 29)"


def test_cookie_on_line_three_is_not_a_cookie() -> None:
    raw = b"#\n#\n# coding: latin-1\n"
    assert decode_source(raw) == ("#\n#\n# coding: latin-1\n", "utf-8", False)


def test_utf8_spellings_normalise() -> None:
    assert decode_source(b"# coding: UTF8\nx = 1\n")[1] == "utf-8"
    assert decode_source(b"# coding: utf_8\nx = 1\n")[1] == "utf-8"


def test_bom_is_stripped_and_recorded() -> None:
    raw = codecs.BOM_UTF8 + "x = 'é'\r\n".encode()
    assert decode_source(raw) == ("x = 'é'\r\n", "utf-8", True)
    assert decode_source(codecs.BOM_UTF8 + b"# coding: utf-8\n")[1:] == ("utf-8", True)


def test_bom_with_latin1_cookie_is_an_error() -> None:
    with pytest.raises(SourceError) as info:
        decode_source(codecs.BOM_UTF8 + b"# coding: latin-1\nx = 1\n")
    assert info.value.reason == "UTF-8 byte-order mark conflicts with coding cookie 'latin-1'"


def test_unknown_encoding_is_named() -> None:
    with pytest.raises(SourceError) as info:
        decode_source(b"# coding: klingon\nx = 1\n")
    assert info.value.reason == "unknown encoding: klingon"
    assert str(info.value) == "unknown encoding: klingon"


def test_invalid_utf8_reports_byte_and_offset() -> None:
    with pytest.raises(SourceError) as info:
        decode_source(b"x = 1\ny = '\xff'\n")
    assert info.value.reason == "cannot decode as utf-8 (byte 0xff at offset 11)"


def test_offset_counts_the_bom() -> None:
    with pytest.raises(SourceError) as info:
        decode_source(codecs.BOM_UTF8 + b"x = '\xc3('\n")
    assert info.value.reason == "cannot decode as utf-8 (byte 0xc3 at offset 8)"


def test_read_source_keeps_crlf(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(b"import openai\r\nx = 1\r\n")
    result = read_source(path)
    assert result == SourceFile(
        path=path,
        raw=b"import openai\r\nx = 1\r\n",
        text="import openai\r\nx = 1\r\n",
        encoding="utf-8",
        has_bom=False,
        newline="\r\n",
    )


def test_newline_is_the_first_one_seen(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(b"a = 1\nb = 2\r\n")
    assert read_source(path).newline == "\n"
    path.write_bytes(b"a = 1")
    assert read_source(path).newline == "\n"
    path.write_bytes(b"\r\n")
    assert read_source(path).newline == "\r\n"


def test_read_source_errors(tmp_path: Path) -> None:
    with pytest.raises(SourceError) as info:
        read_source(tmp_path / "gone.py")
    assert info.value.reason == "file vanished"
    with pytest.raises(SourceError) as info:
        read_source(tmp_path)
    assert info.value.reason == "is a directory"


def test_permission_denied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(source_module, "open", refuse, raising=False)
    with pytest.raises(SourceError) as info:
        read_source(tmp_path / "x.py")
    assert info.value.reason == "permission denied"


def test_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.py"
    path.write_bytes(b"#" * 101)
    assert read_source(path, max_bytes=101).text == "#" * 101
    with pytest.raises(SourceError) as info:
        read_source(path, max_bytes=100)
    assert info.value.reason == "file is larger than 100 bytes"
    path.write_bytes(b"#" * (10 * 1024 * 1024 + 1))
    with pytest.raises(SourceError) as info:
        read_source(path)
    assert info.value.reason == "file is larger than 10 MiB"
