from __future__ import annotations

from promptlint.suppress import ALL, file_ignores, is_suppressed, suppressions


def test_no_directives() -> None:
    assert suppressions("x = 1\n# a comment\n") == {}
    assert file_ignores("x = 1\n") == frozenset()


def test_noqa_forms() -> None:
    text = "\n".join(
        [
            "a = 1  # noqa",
            "b = 1  # noqa: LLM201",
            "c = 1  # noqa: LLM201, E501",
            "d = 1  # noqa:LLM201 E501",
            "e = 1  # NOQA:llm201,e501",
            "f = 1  #noqa",
            "g = 1  # type: ignore  # noqa: LLM101",
            "h = 1  # noqa: LLM201 because the prompt is tiny",
            "i = 1  # noqa : LLM201",
            "",
        ]
    )
    assert suppressions(text) == {
        1: frozenset({ALL}),
        2: frozenset({"LLM201"}),
        3: frozenset({"LLM201", "E501"}),
        4: frozenset({"LLM201", "E501"}),
        5: frozenset({"LLM201", "E501"}),
        6: frozenset({ALL}),
        7: frozenset({"LLM101"}),
        8: frozenset({"LLM201"}),
        9: frozenset({"LLM201"}),
    }


def test_malformed_noqa_suppresses_nothing() -> None:
    text = "a = 1  # noqa:\nb = 1  # noqa: please\nc = 1  # noqanope\nd = 1  # see noqa docs\n"
    assert suppressions(text) == {}


def test_promptlint_ignore_forms() -> None:
    text = (
        "a = 1  # promptlint: ignore\n"
        "b = 1  # promptlint: ignore[LLM201]\n"
        "c = 1  # promptlint: ignore[LLM201, missing-output-limit]\n"
        "d = 1  # promptlint:ignore [llm101,Oversized-Prompt]\n"
        "e = 1  # promptlint: ignore[]\n"
        "f = 1  # promptlint: ignore[LLM201\n"
        "g = 1  # promptlint: ignored\n"
        "h = 1  # noqa: E501  # promptlint: ignore[LLM201]\n"
    )
    assert suppressions(text) == {
        1: frozenset({ALL}),
        2: frozenset({"LLM201"}),
        3: frozenset({"LLM201", "missing-output-limit"}),
        4: frozenset({"LLM101", "oversized-prompt"}),
        8: frozenset({"E501", "LLM201"}),
    }


def test_strings_that_look_like_comments_do_not_count() -> None:
    text = (
        'a = "# noqa"\n'
        "b = '# promptlint: ignore'\n"
        'c = """\n# noqa\n"""\n'
        'd = f"{x} # noqa: LLM201"  # noqa: LLM101\n'
    )
    assert suppressions(text) == {6: frozenset({"LLM101"})}


def test_suppression_does_not_spread_over_a_multiline_statement() -> None:
    text = "client.create(\n    model=m,  # noqa: LLM201\n    messages=msgs,\n)\n"
    table = suppressions(text)
    assert table == {2: frozenset({"LLM201"})}
    assert is_suppressed(table, 2, "LLM201", "missing-output-limit") is True
    assert is_suppressed(table, 1, "LLM201", "missing-output-limit") is False
    assert is_suppressed(table, 4, "LLM201", "missing-output-limit") is False


def test_is_suppressed_by_code_name_or_all() -> None:
    table = suppressions(
        "a = 1  # noqa\nb = 1  # noqa: LLM201\nc = 1  # promptlint: ignore[missing-output-limit]\n"
    )
    assert is_suppressed(table, 1, "LLM999", "anything") is True
    assert is_suppressed(table, 2, "LLM201", "missing-output-limit") is True
    assert is_suppressed(table, 2, "llm201", "missing-output-limit") is True
    assert is_suppressed(table, 2, "LLM202", "other-rule") is False
    assert is_suppressed(table, 3, "LLM201", "missing-output-limit") is True
    assert is_suppressed(table, 3, "LLM201", "Missing-Output-Limit") is True
    assert is_suppressed(table, 3, "LLM202", "other-rule") is False
    assert is_suppressed(table, 9, "LLM201", "missing-output-limit") is False


def test_crlf_lines() -> None:
    assert suppressions("a = 1\r\nb = 1  # noqa: LLM201\r\n") == {2: frozenset({"LLM201"})}


def test_file_ignores() -> None:
    assert file_ignores("x = 1\n# promptlint: file-ignore[LLM101, oversized-prompt]\n") == frozenset(
        {"LLM101", "oversized-prompt"}
    )
    assert file_ignores("def f():\n    pass  # promptlint: file-ignore\n") == frozenset({ALL})
    assert file_ignores('s = "# promptlint: file-ignore"\n') == frozenset()
    assert file_ignores("# promptlint: ignore[LLM101]\n") == frozenset()
    # A file-level directive is not a line-level one.
    assert suppressions("# promptlint: file-ignore[LLM101]\n") == {}


def test_fallback_when_tokenize_fails() -> None:
    text = "x = (\n    1  # noqa: LLM201\n"  # unclosed bracket: tokenize gives up at EOF
    assert suppressions(text) == {2: frozenset({"LLM201"})}
    text = 's = """never closed\n# noqa\n'
    assert suppressions(text) == {2: frozenset({ALL})}
    assert file_ignores("if x:\n  a = 1\n b = 2  # promptlint: file-ignore\n") == frozenset({ALL})
