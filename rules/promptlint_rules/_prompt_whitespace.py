"""The implementation of prompt-whitespace (PromptWhitespace): imported on first use, with libcst."""

from __future__ import annotations

import ast
import os
import re
import textwrap
import warnings
from dataclasses import dataclass
from typing import Callable, Dict, Iterable, List, Optional, Sequence

import libcst as cst

from promptlint.extract.nodes import ModuleIndex
from promptlint.ir import Dynamic, LLMCall, PromptPart, Static
from promptlint.rule import Applicability, Finding, Fix, Replacement, RuleContext, SavingsBasis
from promptlint_rules._wording import PART_LABELS

_HOLE = "\x00"  # stands for an f-string replacement field in a template
_TRIPLE = ('"""', "'''")
_WHITESPACE = re.compile(r"\s+")
_MAX_FACTOR = 2  # see dynamic_prefix: text under minimum / 2 bytes is never tokenized


class Checker:
    """Checks calls for PromptWhitespace; one instance per linted module."""

    def __init__(self) -> None:
        self._index: Optional[ModuleIndex] = None
        self._seen: set = set()

    def check(self, call: LLMCall, context: RuleContext) -> Iterable[Finding]:
        minimum = int(context.options["min-tokens"])
        model = context.model_for(call)
        varied_before = False
        for part in call.prompt:
            finding = self._check_part(call, part, context, model, minimum, varied_before)
            if finding is not None:
                yield finding
            if part.text.first_varying() is not None:
                varied_before = True

    # -- one prompt part ---------------------------------------------------------------------------------
    def _check_part(self, call, part, context, model, minimum, varied_before):
        segments = part.text.segments
        if not segments or context.module is None:
            return None
        self._prepare(context.module)
        literal = self._literal_of(segments)
        if literal is None or id(literal.node) in self._seen:
            return None
        relations = _relations(literal, segments)
        if relations is None:
            return None
        margin_allowed = literal.first_line_blank or self._layout_margin(literal)
        rewrite = _rewrite(literal, remove_margin=True, margin_allowed=margin_allowed)
        if rewrite is None or not rewrite.details():
            return None
        after_pieces = self._after_pieces(literal, rewrite, None)
        if after_pieces is None:
            return None
        before = sum(context.count_tokens(r(u), model) for r, u in zip(relations, literal.values) if u)
        after = sum(context.count_tokens(r(u), model) for r, u in zip(relations, after_pieces) if u)
        saving = before - after
        if saving < minimum or saving <= 0:
            return None
        # Reported: a module that imports ``textwrap`` gets the wrapper instead of a rewritten literal, when
        # it gives the model exactly the same text.
        wrapper = self._wrapper(call, literal)
        if wrapper is not None:
            wrapped = _rewrite(literal, remove_margin=False, margin_allowed=margin_allowed)
            if wrapped is not None and self._after_pieces(literal, wrapped, wrapper) == after_pieces:
                rewrite = wrapped
            else:
                wrapper = None
        self._seen.add(id(literal.node))
        new_node = rewrite.node
        if wrapper is not None:
            new_node = cst.Call(func=cst.parse_expression(wrapper), args=[cst.Arg(value=rewrite.node)])
            description = f"Wrap the string in `{wrapper}(...)`"
            if rewrite.changed:
                description += " and drop its trailing spaces and extra blank lines"
        else:
            description = "Rewrite the string without the layout whitespace"
        applicability = (
            Applicability.SAFE if self._local_to(literal.node, call.node) else Applicability.UNSAFE
        )
        fix = Fix(description, applicability, (Replacement(literal.node, new_node),))
        where = PART_LABELS.get(part.role, "prompt")
        message = f"Prompt text `{_snippet(literal.values)}` ({where}) spends {_plural(saving, 'token')} on "
        message += "whitespace: " + ", ".join(rewrite.details())
        savings = self._savings(call, context, model, saving, varied_before)
        node = context.anchor((part.node, call.node))
        return Finding(node or literal.node, message, fix=fix, savings=savings)

    def _savings(self, call, context, model, saving, varied_before) -> SavingsBasis:
        cached = False
        if not varied_before and call.prefix_cached:
            info = context.model_info(model)
            minimum = info.min_cacheable if info is not None and info.min_cacheable else 1024
            prefix = _static_prefix(call.prompt)
            if len(prefix.encode("utf-8")) * _MAX_FACTOR >= minimum:
                cached = context.count_tokens(prefix, model) >= minimum
        if cached:
            return SavingsBasis(
                model=model,
                removed_cached_tokens=saving,
                assumptions=(
                    f"{saving:,} whitespace tokens removed; they sit in a cached prefix (cache-read price)",
                ),
            )
        return SavingsBasis(
            model=model,
            input_tokens=saving,
            assumptions=(f"{saving:,} whitespace tokens removed, billed at the input price",),
        )

    # -- the module around the string --------------------------------------------------------------------
    def _prepare(self, module: cst.Module) -> None:
        if self._index is None or self._index.module is not module:
            self._index, self._seen = ModuleIndex(module), set()

    @property
    def _parents(self) -> Dict[cst.CSTNode, cst.CSTNode]:
        return self._index.parents

    def _ancestors(self, node: cst.CSTNode) -> Iterable[cst.CSTNode]:
        return self._index.ancestors(node)

    def _literal_of(self, segments: Sequence[object]) -> Optional[_Literal]:
        """The triple-quoted string that the first segment of a part begins, if it is one."""
        first = segments[0]
        node = getattr(first, "node", None)
        if isinstance(first, Static) and isinstance(node, cst.SimpleString):
            return _Literal.of_string(node)
        if isinstance(first, Static) and isinstance(node, cst.FormattedStringText):
            fstring = first.literal
            if isinstance(fstring, cst.FormattedString) and fstring.parts and fstring.parts[0] is node:
                return _Literal.of_fstring(fstring)
            return None
        if isinstance(first, Dynamic) and node is not None and len(segments) > 1:
            # An f-string that starts with a replacement field: its next text part names the f-string.
            fstring = getattr(segments[1], "literal", None)
            if (
                isinstance(fstring, cst.FormattedString)
                and fstring.parts
                and isinstance(fstring.parts[0], cst.FormattedStringExpression)
                and fstring.parts[0].expression is node
            ):
                return _Literal.of_fstring(fstring)
        return None

    def _layout_margin(self, literal: _Literal) -> Callable[[str], bool]:
        """For a string whose first line has text: its other lines' common indentation is layout when it is
        no deeper than the indentation of the statement that holds the string (inside a block). Computed
        only when there is such an indentation."""

        def allowed(margin: str) -> bool:
            indent = ""
            for ancestor in self._ancestors(literal.node):
                if isinstance(ancestor, cst.IndentedBlock):
                    block = ancestor.indent
                    indent = (block if block is not None else self._index.module.default_indent) + indent
            return bool(margin) and bool(indent) and indent.startswith(margin)

        return allowed

    def _wrapper(self, call: LLMCall, literal: _Literal) -> Optional[str]:
        """``textwrap.dedent`` (or ``dedent``) when the module imports it and a plain string can be wrapped."""
        if literal.is_fstring or not literal.first_line_blank or call.scope is None:
            return None
        if isinstance(self._parents.get(literal.node), cst.ConcatenatedString):
            return None
        module_scope = call.scope
        while module_scope.parent is not None:
            module_scope = module_scope.parent
        for name, qualified, spelled in (
            ("textwrap", "textwrap", "textwrap.dedent"),
            ("dedent", "textwrap.dedent", "dedent"),
        ):
            bindings = module_scope.bindings.get(name, [])
            if len(bindings) == 1 and bindings[0].kind == "import" and bindings[0].qualified == qualified:
                return spelled
        return None

    def _after_pieces(
        self, literal: _Literal, rewrite: _Rewrite, wrapper: Optional[str]
    ) -> Optional[List[str]]:
        """The text of each piece after the fix, checked to differ from the original only in whitespace."""
        pieces = rewrite.values
        if pieces is None:
            return None
        if wrapper is not None:
            pieces = [textwrap.dedent(pieces[0])]
        if len(pieces) != len(literal.values):
            return None
        for old, new in zip(literal.values, pieces):
            if _WHITESPACE.sub("", old) != _WHITESPACE.sub("", new):
                return None
        if pieces == literal.values:
            return None
        return pieces

    def _local_to(self, literal: cst.CSTNode, call: cst.CSTNode) -> bool:
        """The string is written in the call itself or in the function that makes the call."""
        if call is None:
            return False
        literal_ancestors = list(self._ancestors(literal))
        if any(ancestor is call for ancestor in literal_ancestors):
            return True
        function = next((a for a in literal_ancestors if isinstance(a, cst.FunctionDef)), None)
        return function is not None and any(a is function for a in self._ancestors(call))


# -- the string literal ----------------------------------------------------------------------------------


@dataclass
class _Literal:
    """A triple-quoted string literal (plain or f-string) as a template whose holes are replacement fields."""

    node: cst.BaseExpression
    prefix: str  # the string prefix without ``f``: "", "r", "u"
    quote: str
    template: str  # the source text between the quotes, replacement fields as ``_HOLE``
    texts: List[Optional[cst.CSTNode]]  # per piece between holes: the node holding its text, or None
    values: List[str]  # per piece: its text as the program sees it
    is_fstring: bool = False

    @property
    def first_line_blank(self) -> bool:
        return _blank(self.template.split("\n", 1)[0])

    @staticmethod
    def of_string(node: cst.SimpleString) -> Optional[_Literal]:
        prefix = node.prefix.lower()
        if "b" in prefix or node.quote not in _TRIPLE:
            return None
        value = node.evaluated_value
        if not isinstance(value, str) or _HOLE in node.raw_value or "\n" not in node.raw_value:
            return None
        return _Literal(node, prefix, node.quote, node.raw_value, [node], [value])

    @staticmethod
    def of_fstring(node: cst.FormattedString) -> Optional[_Literal]:
        quote = node.end
        if quote not in _TRIPLE:
            return None
        prefix = node.start[: -len(quote)].lower().replace("f", "")
        if "b" in prefix:
            return None
        template: List[str] = []
        texts: List[Optional[cst.CSTNode]] = [None]
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                if _HOLE in part.value:
                    return None
                template.append(part.value)
                texts[-1] = part
            else:
                template.append(_HOLE)
                texts.append(None)
        joined = "".join(template)
        if "\n" not in joined:
            return None
        values = []
        for piece in joined.split(_HOLE):
            value = _evaluate(prefix, quote, piece, fstring=True)
            if value is None:
                return None
            values.append(value)
        return _Literal(node, prefix, quote, joined, texts, values, is_fstring=True)


def _evaluate(prefix: str, quote: str, raw: str, fstring: bool) -> Optional[str]:
    """The text a piece of string source stands for."""
    if fstring:
        raw = raw.replace("{{", "{").replace("}}", "}")
    if raw.endswith("\\") and not raw.endswith("\\\\"):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # an invalid escape such as ``\d`` warns, and means itself
            value = ast.literal_eval(prefix + quote + raw + quote)
    except (SyntaxError, ValueError):
        return None
    return value if isinstance(value, str) else None


def _relations(literal: _Literal, segments: Sequence[object]) -> Optional[List[Callable[[str], str]]]:
    """How each piece of the string reaches the prompt: as is, followed by more text, or stripped.

    None when a piece cannot be found in the prompt as it was resolved (it was transformed on the way).
    """
    by_node = {id(s.node): s for s in segments if isinstance(s, Static) and s.node is not None}
    relations: List[Callable[[str], str]] = []
    last = len(literal.values) - 1
    for index, (node, value) in enumerate(zip(literal.texts, literal.values)):
        if not value:
            relations.append(lambda x: x)
            continue
        segment = by_node.get(id(node)) if node is not None else None
        if segment is None:
            return None
        relation = _relation(segment.text, value, first=index == 0, last=index == last)
        if relation is None:
            return None
        relations.append(relation)
    return relations


def _relation(text: str, value: str, first: bool, last: bool) -> Optional[Callable[[str], str]]:
    if text.startswith(value):
        rest = text[len(value) :]
        return lambda x: x + rest
    if first and value.lstrip() and text.startswith(value.lstrip()):
        rest = text[len(value.lstrip()) :]
        return lambda x: x.lstrip() + rest
    if last and first and text == value.strip():
        return lambda x: x.strip()
    if last and text == value.rstrip():
        return lambda x: x.rstrip()
    return None


# -- the rewrite -----------------------------------------------------------------------------------------


@dataclass
class _Rewrite:
    node: cst.BaseExpression  # the literal with the whitespace removed (indentation only if asked to)
    values: Optional[List[str]]  # its pieces' text
    changed: bool  # whether the literal itself changed
    margin: str = ""
    indented_lines: int = 0
    trailing_lines: int = 0
    extra_blank_lines: int = 0

    def details(self) -> List[str]:
        found = []
        if self.margin and self.indented_lines:
            found.append(
                f"{_plural(self.indented_lines, 'line')} indented by {_describe_margin(self.margin)}"
            )
        if self.trailing_lines:
            found.append(f"trailing spaces on {_plural(self.trailing_lines, 'line')}")
        if self.extra_blank_lines:
            found.append(_plural(self.extra_blank_lines, "extra blank line"))
        return found


def _rewrite(literal: _Literal, remove_margin: bool, margin_allowed) -> Optional[_Rewrite]:
    template = literal.template
    if "\r" in template or re.search(r"(?<!\\)(?:\\\\)*\\\n", template):
        return None  # line continuations and CR line ends: source lines are not text lines
    lines = template.split("\n")
    body = lines[1:]
    content = [line for line in body[:-1] if not _blank(line)]
    if not _blank(body[-1]):
        content.append(body[-1])
    margin = os.path.commonprefix([_indent(line) for line in content]) if content else ""
    if margin and not (margin_allowed is True or (callable(margin_allowed) and margin_allowed(margin))):
        margin = ""
    result = _Rewrite(node=literal.node, values=None, changed=False, margin=margin)
    out: List[str] = [lines[0]]
    if _blank(lines[0]):
        out[0] = "" if remove_margin else lines[0]
    elif lines[0] != lines[0].rstrip(" \t"):
        out[0] = lines[0].rstrip(" \t")
        result.trailing_lines += 1
    previous_blank = _blank(lines[0])
    for index, line in enumerate(body, start=1):
        is_last = index == len(lines) - 1
        if _blank(line):
            if is_last:
                # The closing quotes' indentation is layout exactly when the lines' indentation is.
                out.append("" if remove_margin and margin else line)
                continue
            if previous_blank and index > 1:
                result.extra_blank_lines += 1
                continue
            if len(line) > len(margin):
                result.trailing_lines += 1  # spaces beyond the indentation on an empty line
            out.append("" if remove_margin else line)  # ``dedent`` empties whitespace-only lines itself
            previous_blank = True
            continue
        previous_blank = False
        text = line
        if margin:
            result.indented_lines += 1
            if remove_margin:
                text = text[len(margin) :]
        if not is_last:
            stripped = text.rstrip(" \t")
            if stripped != text:
                result.trailing_lines += 1
            text = stripped
        out.append(text)
    new_template = "\n".join(out)
    if new_template == template:
        result.values = list(literal.values)
        return result
    result.changed = True
    result.node = _rebuild(literal, new_template)
    if result.node is None:
        return None
    values = []
    for piece in new_template.split(_HOLE):
        value = _evaluate(literal.prefix, literal.quote, piece, literal.is_fstring)
        if value is None:
            return None
        values.append(value)
    result.values = values
    return result


def _rebuild(literal: _Literal, template: str) -> Optional[cst.BaseExpression]:
    node = literal.node
    if isinstance(node, cst.SimpleString):
        rebuilt: cst.BaseExpression = node.with_changes(
            value=node.prefix + node.quote + template + node.quote
        )
    else:
        assert isinstance(node, cst.FormattedString)
        pieces = iter(template.split(_HOLE))
        parts: List[cst.BaseFormattedStringContent] = []
        current = next(pieces)
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                continue
            if current:
                parts.append(cst.FormattedStringText(current))
            parts.append(part)
            current = next(pieces)
        if current:
            parts.append(cst.FormattedStringText(current))
        rebuilt = node.with_changes(parts=parts)
    try:
        cst.parse_expression(cst.Module([]).code_for_node(rebuilt))
    except cst.ParserSyntaxError:
        return None
    return rebuilt


def _static_prefix(parts: Sequence[PromptPart]) -> str:
    """The static text of the request up to its first segment that changes between requests."""
    pieces: List[str] = []
    for part in parts:
        for segment in part.text.segments:
            if isinstance(segment, Static):
                pieces.append(segment.text)
            elif isinstance(segment, Dynamic) and segment.volatility.varies_between_requests:
                return "".join(pieces)
    return "".join(pieces)


def _blank(line: str) -> bool:
    return line.strip(" \t") == "" and _HOLE not in line


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def _describe_margin(margin: str) -> str:
    if set(margin) == {" "}:
        return _plural(len(margin), "space")
    if set(margin) == {"\t"}:
        return _plural(len(margin), "tab")
    return f"{len(margin)} whitespace characters"


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}" + ("" if count == 1 else "s")


def _snippet(values: Sequence[str], limit: int = 40) -> str:
    text = " ".join(" ".join(values).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
