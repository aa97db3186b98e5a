"""Resolve the expression that builds a prompt into static and dynamic segments.

Static text is what the code fixes at lint time: literals, implicit concatenation, ``+``, f-strings,
``str.format`` and ``%`` on literal templates, ``textwrap.dedent``/``inspect.cleandoc``, ``.strip()``,
``sep.join([...])``, constants bound once, and prompt files read with a literal path that exists in the tree.
Anything else becomes a dynamic segment whose volatility says how often it changes.
"""

from __future__ import annotations

import ast
import inspect
import re
import string
import textwrap
from dataclasses import replace
from pathlib import Path
from typing import Callable, List, Optional, Sequence

import libcst as cst

from promptlint.extract.documents import bounded_in, document
from promptlint.extract.provenance import Qualified, qualify, single_binding
from promptlint.extract.scopes import Scope
from promptlint.ir import Dynamic, PromptText, Static, Volatility

# Calls whose result differs on every request.
PER_CALL_CALLS = frozenset(
    {
        "datetime.datetime.now",
        "datetime.datetime.utcnow",
        "datetime.datetime.today",
        "time.time",
        "time.time_ns",
        "time.strftime",
        "time.ctime",
        "time.asctime",
        "time.localtime",
        "time.gmtime",
        "time.monotonic",
        "time.perf_counter",
        "uuid.uuid1",
        "uuid.uuid4",
        "os.urandom",
        "pendulum.now",
        "arrow.now",
        "arrow.utcnow",
    }
)
PER_CALL_MODULES = ("random.", "secrets.", "numpy.random.")
# Calls whose result changes once a day: slower than any prompt cache lives, so not a cache breaker. The
# same goes for the date part of a clock reading (``now.date()``, ``now.strftime("%Y-%m-%d")``).
DAILY_CALLS = frozenset({"datetime.date.today", "pendulum.today"})
_DATE_METHODS = {"date", "weekday", "isoweekday", "isocalendar", "toordinal"}
# strftime directives that print a part of the calendar date (no time of day).
_DATE_DIRECTIVES = set("aAbBhdeDFjmuUVwWxyYCGg%")
_DIRECTIVE = re.compile(r"%[-_0^#]?([A-Za-z%])")
# Values fixed for the life of the process: not a per-request cache breaker.
PER_PROCESS_VALUES = frozenset(
    {
        "os.name",
        "os.getcwd",
        "os.getenv",
        "os.environ",
        "os.environ.get",
        "os.getpid",
        "os.sep",
        "os.linesep",
        "sys.platform",
        "sys.version",
        "sys.executable",
        "platform.system",
        "platform.platform",
        "platform.release",
        "platform.machine",
        "platform.python_version",
        "platform.node",
        "getpass.getuser",
        "socket.gethostname",
        "pathlib.Path.cwd",
        "pathlib.Path.home",
        "shutil.which",
    }
)

# Module-level proxies that stand for the request being served (Flask, Quart, Streamlit).
PER_REQUEST_PROXIES = (
    "flask.request",
    "flask.g",
    "flask.session",
    "quart.request",
    "quart.g",
    "quart.session",
    "streamlit.session_state",
)

# ``os.path`` functions that return (a spelling of) the same path.
_OS_PATH_SAME = ("os.path.abspath", "os.path.realpath", "os.path.normpath")

_RANK = {Volatility.PER_PROCESS: 0, Volatility.UNKNOWN: 1, Volatility.PER_REQUEST: 2, Volatility.PER_CALL: 3}
_MAX_DEPTH = 12
_FEW = 16  # a table of at most this many fixed texts is "a few variants", each cached on its own
_MAX_PROMPT_FILE = 1024 * 1024
_SENTINEL = re.compile(r"\x00(\d+)\x00")
_PERCENT = re.compile(
    r"%(?:\((?P<key>[^)]*)\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?(?P<conv>[diouxXeEfFgGcrsa%])"
)


def _worst(volatilities: Sequence[Volatility]) -> Volatility:
    return max(volatilities, key=_RANK.__getitem__, default=Volatility.PER_PROCESS)


def concat(parts: Sequence[PromptText]) -> PromptText:
    """Join prompt texts, merging neighbouring static segments."""
    segments: List[object] = []
    for part in parts:
        for segment in part.segments:
            if isinstance(segment, Static) and segments and isinstance(segments[-1], Static):
                previous = segments[-1]
                segments[-1] = replace(previous, text=previous.text + segment.text)  # type: ignore[arg-type]
            elif not (isinstance(segment, Static) and segment.text == "" and segments):
                segments.append(segment)
    return PromptText(tuple(segments))


class TextResolver:
    """Resolves prompt expressions within one module."""

    def __init__(self, source_dir: Optional[Path], project_root: Optional[Path]) -> None:
        self.source_dir = source_dir
        self.project_root = project_root.resolve() if project_root is not None else None
        self.files_read: List[Path] = []

    # -- volatility ---------------------------------------------------------------------------------------
    def volatility(self, expr: cst.CSTNode, scope: Scope, depth: int = 0) -> Volatility:
        """How often the value of ``expr`` changes: per call, per request, per process or unknown."""
        if depth > _MAX_DEPTH:
            return Volatility.UNKNOWN
        if isinstance(expr, (cst.SimpleString, cst.Integer, cst.Float, cst.Imaginary)):
            return Volatility.PER_PROCESS
        holder = _request_id_holder(expr)
        if holder is not None:
            # ``request_id``, ``ctx.trace_id``, ``headers["X-Request-ID"]``: new on every request, unless it
            # is a value fixed for the process (a module-level name).
            if isinstance(expr, cst.Name):
                base = self._name_volatility(expr.value, scope, depth)
            else:
                base = self.volatility(holder, scope, depth + 1)
            return Volatility.PER_PROCESS if base is Volatility.PER_PROCESS else Volatility.PER_CALL
        if isinstance(expr, cst.Name):
            return self._name_volatility(expr.value, scope, depth)
        daily = self._date_only_value(expr, scope, depth)
        if daily is not None:
            return daily
        if self._few_constants(expr, scope, depth):
            return Volatility.UNKNOWN
        if isinstance(expr, (cst.Attribute, cst.Call)):
            target = expr.func if isinstance(expr, cst.Call) else expr
            origin = qualify(target, scope)
            if isinstance(origin, Qualified):
                if origin.name in DAILY_CALLS:
                    return Volatility.PER_PROCESS
                if origin.name in PER_CALL_CALLS or origin.name.startswith(PER_CALL_MODULES):
                    return Volatility.PER_CALL
                if origin.name in PER_PROCESS_VALUES:
                    return Volatility.PER_PROCESS
                if _under(origin.name, PER_REQUEST_PROXIES):
                    return Volatility.PER_REQUEST
        if isinstance(expr, cst.Attribute) and _is_self_attribute(expr, scope):
            # ``self.company``: set once per instance, and an instance may live for the whole process (a
            # service object) or for one request (a session object). Not known: never a cache breaker.
            return Volatility.UNKNOWN
        if isinstance(expr, cst.Lambda):
            return Volatility.UNKNOWN
        children = [
            self.volatility(child, scope, depth + 1)
            for child in expr.children
            if isinstance(child, cst.BaseExpression) or _carries_expression(child)
        ]
        worst = _worst(children)
        if isinstance(expr, cst.Call) and _RANK[worst] < _RANK[Volatility.UNKNOWN]:
            return Volatility.UNKNOWN  # an opaque function of constants: unknown, not constant
        return worst

    def _few_constants(self, expr: cst.CSTNode, scope: Scope, depth: int) -> bool:
        """One of a few fixed texts picked per request: ``"pro" if paid else "free"``, ``PERSONAS[tier]``,
        ``PERSONAS.get(tier, DEFAULT)``. Each variant is a prefix of its own that the cache serves after its
        first request, so the choice is not a per-request cache breaker."""
        if depth > _MAX_DEPTH:
            return False
        if isinstance(expr, cst.IfExp):
            return all(
                self.resolve(branch, scope, depth + 1).is_static
                or self._few_constants(branch, scope, depth + 1)
                for branch in (expr.body, expr.orelse)
            )
        table: Optional[cst.BaseExpression] = None
        if isinstance(expr, cst.Subscript) and len(expr.slice) == 1:
            table = expr.value
        elif (
            isinstance(expr, cst.Call)
            and isinstance(expr.func, cst.Attribute)
            and expr.func.attr.value == "get"
            and 1 <= len(expr.args) <= 2
            and not any(arg.star or arg.keyword for arg in expr.args)
        ):
            if len(expr.args) == 2:
                default = expr.args[1].value
                if not (
                    self.resolve(default, scope, depth + 1).is_static
                    or self._few_constants(default, scope, depth + 1)
                ):
                    return False
            table = expr.func.value
        return isinstance(table, cst.Name) and self._constant_table(table, scope, depth, keys=False)

    def _constant_table(self, expr: cst.BaseExpression, scope: Scope, depth: int, keys: bool) -> bool:
        """``expr`` is (or names, at module level) a literal list, tuple, set or dict of at most a few fixed
        texts: its values, or with ``keys`` what iterating over it gives."""
        if isinstance(expr, cst.Name):
            owner, bindings = scope.lookup(expr.value)
            binding = single_binding(bindings)
            if binding is None or owner is None or binding.kind != "assign" or binding.value is None:
                return False
            if not binding.scope.is_module_level:
                return False
            if any(mutation.method != "escape" for mutation in owner.mutations.get(expr.value, [])):
                return False  # entries added or replaced elsewhere
            return self._constant_table(binding.value, binding.scope, depth + 1, keys)
        if isinstance(expr, cst.Dict):
            elements = [e for e in expr.elements if isinstance(e, cst.DictElement)]
            items = [e.key if keys else e.value for e in elements]
            complete = len(elements) == len(expr.elements)
        elif isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
            items = [e.value for e in expr.elements if isinstance(e, cst.Element)]
            complete = len(items) == len(expr.elements)
        else:
            return False
        return (
            complete
            and 0 < len(items) <= _FEW
            and all(self.resolve(item, scope, depth + 1).is_static for item in items)
        )

    def _date_only_value(self, expr: cst.CSTNode, scope: Scope, depth: int) -> Optional[Volatility]:
        """The calendar date of a clock reading (``now.strftime("%Y-%m-%d")``, ``now.date()``, ``now.year``):
        it changes once a day, more slowly than any prompt cache lives, so it breaks no cache between
        requests (reported as per-process). None when ``expr`` is not such a value."""
        if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute):
            method = expr.func.attr.value
            if method == "strftime" and len(expr.args) == 1 and not expr.args[0].star:
                pattern = self.literal(expr.args[0].value, scope)
                if pattern is not None and date_only_format(pattern):
                    return _coarsen(self.volatility(expr.func.value, scope, depth + 1))
            if method in _DATE_METHODS and not expr.args:
                return _coarsen(self.volatility(expr.func.value, scope, depth + 1))
            origin = qualify(expr.func, scope)
            if isinstance(origin, Qualified) and origin.name == "time.strftime" and len(expr.args) == 1:
                pattern = self.literal(expr.args[0].value, scope)
                if pattern is not None and date_only_format(pattern):
                    return Volatility.PER_PROCESS
        if isinstance(expr, cst.Attribute) and expr.attr.value in ("year", "month", "day"):
            return _coarsen(self.volatility(expr.value, scope, depth + 1))
        return None

    def _name_volatility(self, name: str, scope: Scope, depth: int) -> Volatility:
        if name in ("True", "False", "None"):
            return Volatility.PER_PROCESS
        owner, bindings = scope.lookup(name)
        binding = single_binding(bindings)
        if binding is None:
            return Volatility.UNKNOWN
        if binding.kind == "for" and binding.value is not None:
            if self._constant_table(binding.value, binding.scope, depth + 1, keys=True):
                return Volatility.UNKNOWN  # ``for lang in ("en", "fr")``: a few variants, each cached
            return Volatility.PER_REQUEST
        if binding.kind in ("param", "for"):
            return Volatility.PER_REQUEST
        if binding.kind == "import" and binding.qualified and _under(binding.qualified, PER_REQUEST_PROXIES):
            return Volatility.PER_REQUEST
        if binding.kind in ("import", "def", "class"):
            return Volatility.PER_PROCESS
        if binding.kind == "assign" and binding.value is not None:
            if binding.scope.is_module_level:
                return Volatility.PER_PROCESS
            return self.volatility(binding.value, binding.scope, depth + 1)
        return Volatility.UNKNOWN

    # -- text ---------------------------------------------------------------------------------------------
    def literal(self, expr: cst.BaseExpression, scope: Scope) -> Optional[str]:
        """The string ``expr`` evaluates to, when it is fully static."""
        text = self.resolve(expr, scope)
        return text.static_text if text.is_static else None

    def resolve(self, expr: cst.BaseExpression, scope: Scope, depth: int = 0) -> PromptText:
        if depth > _MAX_DEPTH:
            return self._dynamic(expr, scope, depth)
        if isinstance(expr, cst.SimpleString):
            value = expr.evaluated_value
            if isinstance(value, str):
                return PromptText((Static(value, expr),))
            return self._dynamic(expr, scope, depth)
        if isinstance(expr, cst.ConcatenatedString):
            return concat(
                [self.resolve(expr.left, scope, depth + 1), self.resolve(expr.right, scope, depth + 1)]
            )
        if isinstance(expr, cst.FormattedString):
            return self._fstring(expr, scope, depth)
        if isinstance(expr, cst.BinaryOperation):
            if isinstance(expr.operator, cst.Add):
                left = self.resolve(expr.left, scope, depth + 1)
                right = self.resolve(expr.right, scope, depth + 1)
                return concat([left, right])
            if isinstance(expr.operator, cst.Modulo):
                template = self.literal(expr.left, scope)
                if template is not None:
                    return self._percent(template, expr, scope, depth)
            return self._dynamic(expr, scope, depth)
        if isinstance(expr, cst.Name):
            return self._name(expr, scope, depth)
        if isinstance(expr, cst.Attribute):
            constant = self._class_constant(expr, scope)
            if constant is not None:
                value, value_scope = constant
                return self._module_level(self.resolve(value, value_scope, depth + 1))
            return self._dynamic(expr, scope, depth)
        if isinstance(expr, cst.Call):
            resolved = self._call(expr, scope, depth)
            if resolved is not None:
                return resolved
        if isinstance(expr, cst.IfExp):
            return self._dynamic(expr, scope, depth)
        return self._dynamic(expr, scope, depth)

    def _dynamic(self, expr: cst.BaseExpression, scope: Scope, depth: int) -> PromptText:
        source = cst.Module([]).code_for_node(expr)
        kind, reader = document(expr, scope)
        volatility = self.volatility(expr, scope, depth)
        return PromptText(
            (Dynamic(source, volatility, expr, document=kind, document_node=reader, scope=scope),)
        )

    def _module_level(self, text: PromptText) -> PromptText:
        """Code at module or class level runs once: whatever it computes is fixed for the process."""
        segments = tuple(
            replace(s, volatility=Volatility.PER_PROCESS) if isinstance(s, Dynamic) else s
            for s in text.segments
        )
        return PromptText(segments)

    def _name(self, expr: cst.Name, scope: Scope, depth: int) -> PromptText:
        owner, bindings = scope.lookup(expr.value)
        binding = single_binding(bindings)
        if binding is not None and binding.kind in ("assign", "with") and binding.value is not None:
            value = binding.value
            if binding.kind == "with":
                read = self._file_read(value, binding.scope)
                return read if read is not None else self._dynamic(expr, scope, depth)
            resolved = _unless_bounded(
                self.resolve(value, binding.scope, depth + 1), expr.value, binding.scope
            )
            return self._module_level(resolved) if binding.scope.is_module_level else resolved
        return self._dynamic(expr, scope, depth)

    def _class_constant(self, expr: cst.Attribute, scope: Scope):
        """``self.X``, ``cls.X`` or ``ClassName.X`` where the class body binds X once and nothing reassigns it."""
        if not isinstance(expr.value, cst.Name):
            return None
        function = scope.enclosing_function()
        owner = None
        if (
            function is not None
            and function.owner_class is not None
            and expr.value.value == function.self_name
        ):
            owner = function.owner_class
        else:
            found, bindings = scope.lookup(expr.value.value)
            binding = single_binding(bindings)
            if binding is not None and binding.kind == "class" and found is not None:
                owner = next(
                    (
                        child
                        for child in _class_scopes(found)
                        if isinstance(child.node, cst.ClassDef) and child.node.name.value == expr.value.value
                    ),
                    None,
                )
        if owner is None:
            return None
        attribute = expr.attr.value
        if owner.attribute_bindings.get(attribute):
            return None
        binding = single_binding(owner.bindings.get(attribute, []))
        if binding is None or binding.kind != "assign" or binding.value is None:
            return None
        return binding.value, binding.scope

    def _fstring(self, expr: cst.FormattedString, scope: Scope, depth: int) -> PromptText:
        prefix = expr.start.replace("f", "").replace("F", "")
        parts: List[PromptText] = []
        for part in expr.parts:
            if isinstance(part, cst.FormattedStringText):
                text = _unescape(prefix, part.value, expr.end)
                parts.append(PromptText((Static(text, part, literal=expr),)))
                continue
            assert isinstance(part, cst.FormattedStringExpression)
            inner = self.resolve(part.expression, scope, depth + 1)
            plain = part.format_spec is None and part.conversion in (None, "s")
            if inner.is_static and plain:
                parts.append(inner)
            else:
                volatility = self.volatility(part.expression, scope, depth + 1)
                spec = part.format_spec
                if spec and all(isinstance(piece, cst.FormattedStringText) for piece in spec):
                    if date_only_format("".join(piece.value for piece in spec)):  # {now:%Y-%m-%d}
                        volatility = _coarsen(volatility)
                source = cst.Module([]).code_for_node(part.expression)
                hole = Dynamic(source, volatility, part.expression, scope=scope, **_document_of(inner))
                parts.append(PromptText((hole,)))
        return concat(parts)

    def _percent(self, template: str, expr: cst.BinaryOperation, scope: Scope, depth: int) -> PromptText:
        right = expr.right
        positional: List[cst.BaseExpression] = []
        named = {}
        if isinstance(right, cst.Tuple):
            if any(isinstance(e, cst.StarredElement) for e in right.elements):
                return self._dynamic(expr, scope, depth)
            positional = [e.value for e in right.elements]
        elif isinstance(right, cst.Dict):
            for element in right.elements:
                if not isinstance(element, cst.DictElement):
                    return self._dynamic(expr, scope, depth)
                key = self.literal(element.key, scope)
                if key is None:
                    return self._dynamic(expr, scope, depth)
                named[key] = element.value
        else:
            positional = [right]
        parts: List[PromptText] = []
        position = 0
        cursor = 0
        for match in _PERCENT.finditer(template):
            parts.append(PromptText((Static(template[cursor : match.start()]),)))
            cursor = match.end()
            if match.group("conv") == "%":
                parts.append(PromptText((Static("%"),)))
                continue
            key = match.group("key")
            if key is not None:
                argument = named.get(key)
            else:
                argument = positional[position] if position < len(positional) else None
                position += 1
            if argument is None:
                return self._dynamic(expr, scope, depth)
            parts.append(self._argument(argument, match.group("conv") in ("s", "r", "a"), scope, depth))
        parts.append(PromptText((Static(template[cursor:]),)))
        return concat(parts)

    def _argument(self, argument: cst.BaseExpression, as_text: bool, scope: Scope, depth: int) -> PromptText:
        resolved = self.resolve(argument, scope, depth + 1)
        if resolved.is_static and as_text:
            return resolved
        source = cst.Module([]).code_for_node(argument)
        volatility = self.volatility(argument, scope, depth + 1)
        return PromptText((Dynamic(source, volatility, argument, scope=scope, **_document_of(resolved)),))

    def _format(self, template: str, call: cst.Call, scope: Scope, depth: int) -> Optional[PromptText]:
        positional = [a.value for a in call.args if a.keyword is None and not a.star]
        named = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
        has_splat = any(a.star for a in call.args)
        try:
            fields = list(string.Formatter().parse(template))
        except ValueError:
            return None
        parts: List[PromptText] = []
        auto = 0
        for literal_text, field_name, spec, conversion in fields:
            parts.append(PromptText((Static(literal_text),)))
            if field_name is None:
                continue
            base = re.split(r"[.\[]", field_name, maxsplit=1)[0]
            argument: Optional[cst.BaseExpression]
            if base == "":
                argument = positional[auto] if auto < len(positional) else None
                auto += 1
            elif base.isdigit():
                index = int(base)
                argument = positional[index] if index < len(positional) else None
            else:
                argument = named.get(base)
            if argument is None:
                if has_splat:
                    parts.append(PromptText((Dynamic("{" + field_name + "}", Volatility.UNKNOWN, call),)))
                    continue
                return None
            plain = base == field_name and not spec and conversion in (None, "s")
            parts.append(self._argument(argument, plain, scope, depth))
        return concat(parts)

    def _call(self, call: cst.Call, scope: Scope, depth: int) -> Optional[PromptText]:
        func = call.func
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            if method == "format":
                template = self.literal(func.value, scope)
                if template is not None:
                    return self._format(template, call, scope, depth)
            if method in ("strip", "lstrip", "rstrip") and not call.args:
                inner = self.resolve(func.value, scope, depth + 1)
                return _strip(inner, method)
            if method == "join" and len(call.args) == 1:
                separator = self.literal(func.value, scope)
                items = call.args[0].value
                if separator is not None and isinstance(items, (cst.List, cst.Tuple)):
                    if all(isinstance(e, cst.Element) for e in items.elements):
                        pieces: List[PromptText] = []
                        for index, element in enumerate(items.elements):
                            if index:
                                pieces.append(PromptText((Static(separator),)))
                            pieces.append(self.resolve(element.value, scope, depth + 1))
                        return concat(pieces)
            read = self._file_read(call, scope)
            if read is not None:
                return read
        origin = qualify(func, scope)
        if isinstance(origin, Qualified) and origin.name in ("textwrap.dedent", "inspect.cleandoc"):
            if len(call.args) == 1 and not call.args[0].star:
                inner = self.resolve(call.args[0].value, scope, depth + 1)
                transform = textwrap.dedent if origin.name == "textwrap.dedent" else inspect.cleandoc
                return _transform(inner, transform)
        return None

    # -- prompt files -------------------------------------------------------------------------------------
    def _file_read(self, call: cst.BaseExpression, scope: Scope) -> Optional[PromptText]:
        """``open("p").read()``, ``Path("p").read_text()``, ``f.read()`` on ``with open("p") as f``."""
        if not isinstance(call, cst.Call) or not isinstance(call.func, cst.Attribute):
            return None
        method = call.func.attr.value
        target = call.func.value
        path: Optional[Path] = None
        if method == "read" and not call.args:
            opener = target
            if isinstance(target, cst.Name):
                owner, bindings = scope.lookup(target.value)
                binding = single_binding(bindings)
                if binding is not None and binding.kind in ("with", "assign") and binding.value is not None:
                    opener = binding.value
            path = self._opened_path(opener, scope)
        elif method == "read_text":
            path = self._path_expression(target, scope)
        if path is None:
            return None
        text = self._read_prompt_file(path)
        if text is None:
            return None
        return PromptText((Static(text, call),))

    def _opened_path(self, opener: cst.BaseExpression, scope: Scope) -> Optional[Path]:
        if not isinstance(opener, cst.Call) or not opener.args:
            return None
        origin = qualify(opener.func, scope)
        is_builtin_open = isinstance(opener.func, cst.Name) and opener.func.value == "open" and origin is None
        if not (
            is_builtin_open or (isinstance(origin, Qualified) and origin.name in ("io.open", "codecs.open"))
        ):
            if isinstance(opener.func, cst.Attribute) and opener.func.attr.value == "open":
                return self._path_expression(opener.func.value, scope)
            return None
        mode = opener.args[1].value if len(opener.args) > 1 and opener.args[1].keyword is None else None
        if mode is not None and "b" in (self.literal(mode, scope) or "b"):
            return None
        return self._path_expression(opener.args[0].value, scope)

    def _path_expression(self, expr: cst.BaseExpression, scope: Scope, depth: int = 0) -> Optional[Path]:
        """A path the code names with literals: ``"p"``, ``Path("p")``, ``Path(__file__).parent / "p"``."""
        if depth > _MAX_DEPTH or self.source_dir is None:
            return None
        if isinstance(expr, cst.Name):
            if expr.value == "__file__":
                return None
            owner, bindings = scope.lookup(expr.value)
            binding = single_binding(bindings)
            if binding is not None and binding.kind == "assign" and binding.value is not None:
                return self._path_expression(binding.value, binding.scope, depth + 1)
            return None
        literal = (
            self.literal(expr, scope)
            if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString))
            else None
        )
        if literal is not None:
            return self.source_dir / literal
        if isinstance(expr, cst.Call) and len(expr.args) == 1 and not expr.args[0].star:
            origin = qualify(expr.func, scope)
            if isinstance(origin, Qualified) and origin.name in (
                "pathlib.Path",
                "pathlib.PurePath",
                *_OS_PATH_SAME,
            ):
                argument = expr.args[0].value
                if isinstance(argument, cst.Name) and argument.value == "__file__":
                    return self.source_dir / "__file__"
                return self._path_expression(argument, scope, depth + 1)
            if isinstance(origin, Qualified) and origin.name == "os.path.dirname":
                base = self._path_expression(expr.args[0].value, scope, depth + 1)
                if base is None and _is_file_name(expr.args[0].value):
                    base = self.source_dir / "__file__"
                return base.parent if base is not None else None
        if (
            isinstance(expr, cst.Call)
            and len(expr.args) >= 2
            and not any(a.star or a.keyword for a in expr.args)
        ):
            origin = qualify(expr.func, scope)
            if isinstance(origin, Qualified) and origin.name == "os.path.join":
                base = self._path_expression(expr.args[0].value, scope, depth + 1)
                names = [self.literal(a.value, scope) for a in expr.args[1:]]
                if base is None or any(name is None for name in names):
                    return None
                for name in names:
                    base = base / name  # type: ignore[operator]
                return base
        if isinstance(expr, cst.Attribute) and expr.attr.value == "parent":
            base = self._path_expression(expr.value, scope, depth + 1)
            return base.parent if base is not None else None
        if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and not expr.args:
            if expr.func.attr.value in ("resolve", "absolute"):
                return self._path_expression(expr.func.value, scope, depth + 1)
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Divide):
            base = self._path_expression(expr.left, scope, depth + 1)
            name = self.literal(expr.right, scope)
            if base is not None and name is not None:
                return base / name
        return None

    def _read_prompt_file(self, path: Path) -> Optional[str]:
        try:
            resolved = path.resolve()
        except (OSError, RuntimeError):
            return None
        if self.project_root is not None and self.project_root not in resolved.parents:
            return None  # only files inside the project tree: lint results must not depend on the machine
        try:
            if not resolved.is_file() or resolved.stat().st_size > _MAX_PROMPT_FILE:
                return None
            data = resolved.read_bytes()
            text = data.decode("utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        self.files_read.append(resolved)
        return text.replace("\r\n", "\n")


def _document_of(text: PromptText) -> dict:
    """The whole document a value carries (see ``documents``), for the dynamic hole that value fills."""
    for segment in text.segments:
        if isinstance(segment, Dynamic) and segment.document:
            return {"document": segment.document, "document_node": segment.document_node}
    return {}


def _unless_bounded(text: PromptText, name: str, scope: Scope) -> PromptText:
    """A document bound to ``name`` is not unbounded when its function compares its size or hands it to a
    truncating helper (``if len(text) > MAX``, ``truncate(text)``)."""
    if not any(isinstance(segment, Dynamic) and segment.document for segment in text.segments):
        return text
    home = scope
    while home.kind == "comprehension" and home.parent is not None:
        home = home.parent
    if not bounded_in(name, home.node):
        return text
    return PromptText(
        tuple(
            replace(s, document="", document_node=None) if isinstance(s, Dynamic) else s
            for s in text.segments
        ),
        text.node,
    )


def date_only_format(pattern: str) -> bool:
    """True when a strftime pattern prints only the calendar date: ``"%Y-%m-%d"``, ``"%A %d %B"``."""
    directives = [d for d in _DIRECTIVE.findall(pattern) if d != "%"]
    return bool(directives) and all(directive in _DATE_DIRECTIVES for directive in directives)


def _coarsen(volatility: Volatility) -> Volatility:
    """A date taken from a value that changes on every call changes once a day."""
    return Volatility.PER_PROCESS if volatility is Volatility.PER_CALL else volatility


def _is_file_name(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "__file__"


# Names that say a value identifies one request: a request, trace, span or correlation id, a nonce.
_REQUEST_ID = re.compile(r"^(?:x_)?(?:(?:request|req|trace|span|correlation)_?id|idempotency_?key|nonce)$")


def _request_id_name(name: str, identifier: bool = True) -> bool:
    if identifier and name.isupper():
        return False  # ``REQUEST_ID``: a constant's name
    snake = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower().replace("-", "_")
    return bool(_REQUEST_ID.match(snake))


def _request_id_holder(expr: cst.CSTNode) -> Optional[cst.CSTNode]:
    """For a value named as a request id (``request_id``, ``ctx.trace_id``, ``headers["X-Request-ID"]``,
    ``event.get("requestId")``), what holds it (the name itself for a plain name); else None."""
    if isinstance(expr, cst.Name):
        return expr if _request_id_name(expr.value) else None
    if isinstance(expr, cst.Attribute):
        return expr.value if _request_id_name(expr.attr.value) else None
    key: Optional[cst.BaseExpression] = None
    holder: Optional[cst.BaseExpression] = None
    if (
        isinstance(expr, cst.Subscript)
        and len(expr.slice) == 1
        and isinstance(expr.slice[0].slice, cst.Index)
    ):
        key, holder = expr.slice[0].slice.value, expr.value
    elif (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Attribute)
        and expr.func.attr.value == "get"
        and expr.args
        and not expr.args[0].star
        and expr.args[0].keyword is None
    ):
        key, holder = expr.args[0].value, expr.func.value
    if isinstance(key, cst.SimpleString):
        value = key.evaluated_value
        if isinstance(value, str) and _request_id_name(value, identifier=False):
            return holder
    return None


def _under(name: str, prefixes: Sequence[str]) -> bool:
    """``name`` is one of ``prefixes`` or an attribute of one."""
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def _is_self_attribute(expr: cst.Attribute, scope: Scope) -> bool:
    """``self.x`` / ``self.x.y`` (or ``cls.x``) inside a method."""
    root: cst.BaseExpression = expr
    while isinstance(root, cst.Attribute):
        root = root.value
    if not isinstance(root, cst.Name):
        return False
    function = scope.enclosing_function()
    return function is not None and function.owner_class is not None and root.value == function.self_name


def _class_scopes(scope: Scope) -> List[Scope]:
    return [child for child in scope.children if child.kind == "class"]


def _carries_expression(node: cst.CSTNode) -> bool:
    return isinstance(
        node,
        (cst.Arg, cst.Element, cst.DictElement, cst.StarredElement, cst.FormattedStringExpression, cst.Index),
    ) or isinstance(node, (cst.SubscriptElement, cst.StarredDictElement, cst.FormattedString))


def _unescape(prefix: str, value: str, quote: str) -> str:
    unbraced = value.replace("{{", "{").replace("}}", "}")
    try:
        evaluated = ast.literal_eval(prefix + unbraced + quote)
    except (SyntaxError, ValueError):
        return unbraced
    return evaluated if isinstance(evaluated, str) else unbraced


def _transform(text: PromptText, function: Callable[[str], str]) -> PromptText:
    """Apply a text function to a prompt with dynamic holes, keeping the holes in place."""
    holes: List[Dynamic] = []
    pieces: List[str] = []
    for segment in text.segments:
        if isinstance(segment, Static):
            pieces.append(segment.text)
        else:
            pieces.append(f"\x00{len(holes)}\x00")
            holes.append(segment)
    joined = "".join(pieces)
    transformed = function(joined)
    segments: List[object] = []
    cursor = 0
    for match in _SENTINEL.finditer(transformed):
        if match.start() > cursor:
            segments.append(Static(transformed[cursor : match.start()]))
        segments.append(holes[int(match.group(1))])
        cursor = match.end()
    if cursor < len(transformed):
        segments.append(Static(transformed[cursor:]))
    return PromptText(tuple(segments))


def _strip(text: PromptText, method: str) -> PromptText:
    segments = list(text.segments)
    if method in ("strip", "lstrip") and segments and isinstance(segments[0], Static):
        segments[0] = replace(segments[0], text=segments[0].text.lstrip())
    if method in ("strip", "rstrip") and segments and isinstance(segments[-1], Static):
        segments[-1] = replace(segments[-1], text=segments[-1].text.rstrip())
    return PromptText(tuple(segments))
