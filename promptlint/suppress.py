"""Suppression comments: which findings the author has already seen and accepted.

Line-level, on the line a finding is reported on::

    x = call()  # noqa                      every rule
    x = call()  # noqa: LLM201, E501        listed codes (flake8/ruff syntax, `noqa` in any case)
    x = call()  # promptlint: ignore        every rule
    x = call()  # promptlint: ignore[LLM201, missing-output-limit]   codes or rule names

File-level, anywhere in the file: ``# promptlint: file-ignore`` or ``# promptlint: file-ignore[LLM101]``.

Only real comments count: the text is tokenized, so ``"# noqa"`` inside a string suppresses nothing. A
suppression applies to its own physical line only. It does not spread over the other lines of a
multi-line statement: put it on the line the finding is reported on. Malformed directives
(``# noqa:`` with no codes, an unclosed ``ignore[``) suppress nothing, so a typo never hides findings.
Codes come back upper-cased and rule names lower-cased; ``is_suppressed`` compares the same way.
"""

from __future__ import annotations

import io
import re
import tokenize
from functools import lru_cache
from typing import Dict, FrozenSet, Iterator, List, Mapping, Tuple

ALL = "*"

_CODE = r"[A-Za-z]+[0-9]+(?![\w-])"
_CODE_RE = re.compile(r"[A-Za-z]+[0-9]+\Z")
_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_-]*\Z")
# The bare form, or a colon and codes split by commas and/or spaces; a colon with no code is ignored.
_NOQA_RE = re.compile(
    r"#\s*noqa(?![\w-])(?P<colon>\s*:\s*(?P<codes>" + _CODE + r"(?:(?:\s*,\s*|\s+)" + _CODE + r")*)?)?",
    re.IGNORECASE,
)
# `# promptlint: ignore`, `# promptlint: ignore[...]`, same for `file-ignore`; `open` flags a `[`
# without its `]`.
_DIRECTIVE_RE = re.compile(
    r"#\s*promptlint\s*:\s*(?P<kind>file-ignore|ignore)(?![\w-])"
    r"(?:\s*\[(?P<items>[^\]\n]*)\]|(?P<open>\s*\[))?",
    re.IGNORECASE,
)
_CANDIDATE_RE = re.compile(r"noqa|promptlint", re.IGNORECASE)
_COMMENT_LINE_RE = re.compile(r"#.*")

Table = Mapping[int, FrozenSet[str]]


def suppressions(text: str) -> Dict[int, FrozenSet[str]]:
    """Map each 1-based line with a suppression comment to what it suppresses (``ALL`` for everything)."""
    table: Dict[int, FrozenSet[str]] = {}
    if _CANDIDATE_RE.search(text) is None:
        return table
    for line, comment in _comments(text):
        found = set(_line_items(comment))
        if found:
            table[line] = table.get(line, frozenset()) | found
    return table


def is_suppressed(table: Table, line: int, code: str, name: str) -> bool:
    """Whether a finding of rule ``code``/``name`` reported on ``line`` is suppressed."""
    items = table.get(line)
    if not items:
        return False
    return ALL in items or code.upper() in items or name.lower() in items


def file_ignores(text: str) -> FrozenSet[str]:
    """Codes and names (or ``ALL``) switched off for the whole file by ``# promptlint: file-ignore``."""
    if _CANDIDATE_RE.search(text) is None:
        return frozenset()
    found = set()
    for _line, comment in _comments(text):
        for match in _DIRECTIVE_RE.finditer(comment):
            if match.group("kind").lower() == "file-ignore":
                found.update(_directive_items(match))
    return frozenset(found)


def unknown_rules(text: str, codes: FrozenSet[str], names: FrozenSet[str]) -> List[Tuple[int, str]]:
    """``(line, item)`` for every rule a suppression names that is not in the registry: a typo there silently
    suppresses nothing. In ``# noqa`` only codes with one of our prefixes count (others belong to other
    linters); in ``# promptlint: ignore[...]`` every item must be one of our codes or names.

    The whole text is read first as if it were one comment: what that finds is a superset of what its
    comments name (a match cannot start inside another, as each starts with ``#``), so when it finds nothing
    the text is not tokenized, which a warm run would otherwise pay for every file with a ``# noqa``.
    """
    if _CANDIDATE_RE.search(text) is None:
        return []
    prefixes = frozenset(code.rstrip("0123456789") for code in codes)
    if not _unknown_in(text, prefixes, codes, names):
        return []
    return [
        (line, item)
        for line, comment in _comments(text)
        for item in _unknown_in(comment, prefixes, codes, names)
    ]


def _unknown_in(
    comment: str, prefixes: FrozenSet[str], codes: FrozenSet[str], names: FrozenSet[str]
) -> List[str]:
    unknown = []
    for match in _NOQA_RE.finditer(comment):
        for code in re.split(r"[\s,]+", match.group("codes") or ""):
            if code and code.upper().rstrip("0123456789") in prefixes and code.upper() not in codes:
                unknown.append(code)
    for match in _DIRECTIVE_RE.finditer(comment):
        for item in (part.strip() for part in (match.group("items") or "").split(",")):
            if item and item.upper() not in codes and item.lower() not in names:
                unknown.append(item)
    return unknown


def _line_items(comment: str) -> Iterator[str]:
    for match in _NOQA_RE.finditer(comment):
        if match.group("colon") is None:
            yield ALL
        elif match.group("codes"):
            yield from (code.upper() for code in re.split(r"[\s,]+", match.group("codes")))
    for match in _DIRECTIVE_RE.finditer(comment):
        if match.group("kind").lower() == "ignore":
            yield from _directive_items(match)


def _directive_items(match: re.Match[str]) -> Iterator[str]:
    """``ALL`` for a bare directive, else its codes (upper-cased) and rule names (lower-cased)."""
    if match.group("open") is not None:
        return
    items = match.group("items")
    if items is None:
        yield ALL
        return
    for item in (part.strip() for part in items.split(",")):
        if _CODE_RE.match(item):
            yield item.upper()
        elif _NAME_RE.match(item):
            yield item.lower()


@lru_cache(maxsize=4)
def _comments(text: str) -> Tuple[Tuple[int, str], ...]:
    """``(line, comment text)`` for every comment, via ``tokenize``; a line regex if tokenizing fails.

    Cached because ``suppressions`` and ``file_ignores`` are asked about the same text in a row.
    """
    try:
        return tuple(
            (token.start[0], token.string)
            for token in tokenize.generate_tokens(io.StringIO(text, newline="").readline)
            if token.type == tokenize.COMMENT
        )
    except (tokenize.TokenError, SyntaxError, ValueError):
        return tuple(_comments_by_line(text))


def _comments_by_line(text: str) -> Iterator[Tuple[int, str]]:
    """Fallback for files ``tokenize`` rejects: anything after a ``#`` counts, strings included."""
    from promptlint.lines import split_lines

    for number, line in enumerate(split_lines(text), start=1):
        match = _COMMENT_LINE_RE.search(line)
        if match is not None:
            yield number, match.group()
