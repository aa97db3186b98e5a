"""``docs/ir.md``, generated from ``promptlint/ir.py`` itself: its classes, fields, enum members and
properties, each with the comment or docstring written beside it. A test compares the file with this
output, so the reference cannot drift from the code (``python -m promptlint.ir_reference > docs/ir.md``).
"""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path
from typing import Dict, List, Tuple

_HEADER = """\
# The `LLMCall` IR (version {version})

Generated from `promptlint/ir.py` by `python -m promptlint.ir_reference`; do not edit by hand. Rules read
these objects (import them from `promptlint.api`), never SDK syntax. Within one `IR_VERSION`, fields and
members may be added; none is renamed, removed or changes meaning. Fields typed `Any` and named `node` are
libcst nodes: report findings at them and build fixes from them, but do not depend on their shape.
"""


def render() -> str:
    from promptlint import ir

    source = Path(ir.__file__).read_text(encoding="utf-8")
    comments = _comments(source)
    tree = ast.parse(source)
    sections = [_HEADER.format(version=ir.IR_VERSION)]
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            sections.append(_class(node, comments, source))
    return "\n".join(sections)


def _comments(source: str) -> Dict[int, Tuple[str, bool]]:
    """Every comment's text by line number, and whether it is alone on its line."""
    found: Dict[int, Tuple[str, bool]] = {}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            found[token.start[0]] = (token.string.lstrip("#").strip(), token.line.lstrip().startswith("#"))
    return found


def _class(node: ast.ClassDef, comments: Dict[int, Tuple[str, bool]], source: str) -> str:
    bases = [ast.unparse(base) for base in node.bases]
    is_enum = any(base.endswith(("Enum", "StrCode")) for base in bases)
    lines = [f"## `{node.name}`" + (" (enumeration)" if is_enum else ""), ""]
    docstring = ast.get_docstring(node)
    if docstring:
        lines += [" ".join(docstring.split()), ""]
    rows: List[str] = []
    for item in node.body:
        if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            annotation = ast.get_source_segment(source, item.annotation) or ""
            if annotation.startswith("ClassVar"):
                continue
            rows.append(f"| `{item.target.id}` | `{annotation}` | {_note(item, comments)} |")
        elif is_enum and isinstance(item, ast.Assign) and _public(item.targets[0]):
            value = ast.get_source_segment(source, item.value) or ""
            rows.append(f"| `{item.targets[0].id}` | `{value}` | {_note(item, comments)} |")
        elif isinstance(item, ast.FunctionDef) and not item.name.startswith("_"):
            kind = "property" if _is_property(item) else "method"
            doc = ast.get_docstring(item) or ""
            rows.append(f"| `{item.name}` | {kind} | {' '.join(doc.split())} |")
    if rows:
        header = "| member | value | meaning |" if is_enum else "| field | type | meaning |"
        lines += [header, "|---|---|---|", *rows, ""]
    return "\n".join(lines)


def _public(target: ast.expr) -> bool:
    return isinstance(target, ast.Name) and not target.id.startswith("_")


def _is_property(function: ast.FunctionDef) -> bool:
    return any(
        getattr(d, "id", getattr(d, "attr", "")) in ("property", "cached_property")
        for d in function.decorator_list
    )


def _note(item: ast.stmt, comments: Dict[int, Tuple[str, bool]]) -> str:
    """The comment on the statement's own line, after the comment lines right above it."""
    above: List[str] = []
    line = item.lineno - 1
    while line in comments and comments[line][1]:
        above.insert(0, comments[line][0])
        line -= 1
    trailing = comments.get(item.lineno)
    parts = above + ([trailing[0]] if trailing and not trailing[1] else [])
    return " ".join(" ".join(parts).split()).replace("|", "\\|")


if __name__ == "__main__":  # pragma: no cover
    import sys

    sys.stdout.write(render())
