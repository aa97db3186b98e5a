"""Recognise expressions that produce a whole document of unbounded size: a file read from a path the
caller chooses, a fetched web page, every row of a query, a whole collection joined into one string.

A prompt file read from a path fixed in the code (``Path(__file__).parent / "prompt.md"``) is a template, not
a document. A sliced or otherwise wrapped value (``text[:4000]``, ``truncate(text)``) is not recognised: only
the read itself, or a name bound once to it, is. When the origin cannot be seen, nothing is recognised.
"""

from __future__ import annotations

import re
from typing import Optional, Tuple

import libcst as cst

from promptlint.extract.provenance import Qualified, qualify, single_binding
from promptlint.extract.scopes import Scope
from promptlint.extract.tree import nodes_under

_MAX_DEPTH = 8
# HTTP clients whose responses carry a whole page in ``.text`` / ``.content``.
_HTTP_CALLS = {
    "requests.get",
    "requests.post",
    "requests.request",
    "httpx.get",
    "httpx.post",
    "httpx.request",
}
_HTTP_SESSIONS = {"requests.Session", "requests.session", "httpx.Client", "httpx.AsyncClient"}
_URL_OPENERS = {"urllib.request.urlopen"}
# Conversions that keep a whole page or file whole.
_CONVERTERS = {"markdownify.markdownify", "html2text.html2text", "trafilatura.extract"}
_SOUPS = {"bs4.BeautifulSoup"}
_PDF_READERS = {"pypdf.PdfReader", "PyPDF2.PdfReader", "PyPDF2.PdfFileReader"}
_DATAFRAME_READERS = re.compile(r"^(pandas|polars)\.read_[a-z_]+$")
_DATAFRAME_DUMPS = {"to_string", "to_csv", "to_markdown", "to_json", "to_html"}
# Methods that return every row of a query, or every item of a listing.
# SQL whose result has a bounded number of rows: a LIMIT, an aggregate, a grouping.
_BOUNDED_SQL = re.compile(
    r"\b(limit|top\s+\d|fetch\s+first|group\s+by|count\s*\(|sum\s*\(|avg\s*\(|min\s*\(|max\s*\()",
    re.IGNORECASE,
)
# ORM chain methods that bound a result: ``.limit(10)``, ``.paginate(...)``, ``.head()``.
_LIMITING_METHODS = {"limit", "slice", "paginate", "head", "sample", "top", "first", "fetchmany"}
_LISTINGS = {"os.listdir", "glob.glob", "os.scandir"}
# Names of helpers that bound a text's size, and what a bounding comparison looks like.
_ORDERING = (cst.LessThan, cst.LessThanEqual, cst.GreaterThan, cst.GreaterThanEqual)
_BOUNDING_CALL = re.compile(r"truncat|trim|token|chunk|split|summar|shorten|clip|limit", re.IGNORECASE)


def document(expr: cst.BaseExpression, scope: Scope) -> Tuple[str, Optional[cst.BaseExpression]]:
    """(kind, the expression that reads it) when ``expr`` is a whole document, else ("", None)."""
    kind = _kind(expr, scope, 0)
    return (kind, expr) if kind else ("", None)


def _kind(expr: cst.BaseExpression, scope: Scope, depth: int) -> str:
    if depth > _MAX_DEPTH:
        return ""
    if isinstance(expr, cst.Await):
        return _kind(expr.expression, scope, depth + 1)
    if isinstance(expr, cst.Attribute) and expr.attr.value in ("text", "content"):
        return "web page" if _http_response(expr.value, scope, depth + 1) else ""
    if isinstance(expr, cst.Attribute) and expr.attr.value == "pages":
        return "file" if _constructed(expr.value, scope, _PDF_READERS, depth + 1) else ""
    if not isinstance(expr, cst.Call):
        return ""
    func = expr.func
    origin = qualify(func, scope)
    name = origin.name if isinstance(origin, Qualified) else None
    if name in _CONVERTERS and expr.args and not expr.args[0].star:
        return _kind(_value(expr.args[0].value, scope), scope, depth + 1)
    if name == "json.dumps" and expr.args and not expr.args[0].star:
        return _collection(expr.args[0].value, scope, depth + 1)
    if not isinstance(func, cst.Attribute):
        return ""
    method = func.attr.value
    receiver = func.value
    if method == "read" and not expr.args:
        if _opened_file(receiver, scope, depth + 1):
            return "file"
        if _url_opened(receiver, scope, depth + 1):
            return "web page"
        if isinstance(origin, Qualified) and origin.name == "sys.stdin.read":
            return "file"
        return ""
    if method == "read_text":
        return "file" if _caller_path(receiver, scope, depth + 1) else ""
    if method == "decode":
        return _kind(_value(receiver, scope), scope, depth + 1)
    if method == "get_text":
        soup = _value(receiver, scope)
        if isinstance(soup, cst.Call) and _qualified(soup.func, scope) in _SOUPS and soup.args:
            return _kind(_value(soup.args[0].value, scope), scope, depth + 1)
        return ""
    if method == "join" and len(expr.args) == 1 and not expr.args[0].star:
        if not isinstance(receiver, (cst.SimpleString, cst.ConcatenatedString)):
            return ""
        return _collection(expr.args[0].value, scope, depth + 1)
    if method in _DATAFRAME_DUMPS and _whole_frame(receiver, scope, depth + 1):
        return "data frame"
    return ""


def _qualified(expr: cst.BaseExpression, scope: Scope) -> Optional[str]:
    origin = qualify(expr, scope)
    return origin.name if isinstance(origin, Qualified) else None


def _value(expr: cst.BaseExpression, scope: Scope) -> cst.BaseExpression:
    """What a local name bound once stands for (in the same scope chain), else the expression."""
    if isinstance(expr, cst.Name):
        _owner, bindings = scope.lookup(expr.value)
        binding = single_binding(bindings)
        if binding is not None and binding.kind in ("assign", "with") and binding.value is not None:
            return binding.value
    return expr


def _bound(expr: cst.BaseExpression, scope: Scope) -> Tuple[cst.BaseExpression, Scope]:
    if isinstance(expr, cst.Name):
        _owner, bindings = scope.lookup(expr.value)
        binding = single_binding(bindings)
        if binding is not None and binding.kind in ("assign", "with") and binding.value is not None:
            return binding.value, binding.scope
    return expr, scope


def _http_response(expr: cst.BaseExpression, scope: Scope, depth: int) -> bool:
    expr, scope = _bound(expr, scope)
    if isinstance(expr, cst.Await):
        expr = expr.expression
    if not isinstance(expr, cst.Call):
        return False
    name = _qualified(expr.func, scope)
    if name in _HTTP_CALLS:
        return True
    if isinstance(expr.func, cst.Attribute) and expr.func.attr.value in ("get", "post", "request"):
        session, session_scope = _bound(expr.func.value, scope)
        return isinstance(session, cst.Call) and _qualified(session.func, session_scope) in _HTTP_SESSIONS
    return False


def _url_opened(expr: cst.BaseExpression, scope: Scope, depth: int) -> bool:
    expr, scope = _bound(expr, scope)
    return isinstance(expr, cst.Call) and _qualified(expr.func, scope) in _URL_OPENERS


def _constructed(expr: cst.BaseExpression, scope: Scope, classes, depth: int) -> bool:
    expr, scope = _bound(expr, scope)
    return isinstance(expr, cst.Call) and _qualified(expr.func, scope) in classes


def _opened_file(expr: cst.BaseExpression, scope: Scope, depth: int) -> bool:
    """``open(path)`` (directly or through ``with ... as f``) on a path the caller chooses, in text mode."""
    expr, scope = _bound(expr, scope)
    if not isinstance(expr, cst.Call) or not expr.args or expr.args[0].star:
        return False
    func = expr.func
    builtin_open = isinstance(func, cst.Name) and func.value == "open" and not scope.lookup("open")[1]
    if builtin_open or _qualified(func, scope) in ("io.open", "codecs.open"):
        mode = expr.args[1].value if len(expr.args) > 1 and expr.args[1].keyword is None else None
        for arg in expr.args:
            if arg.keyword is not None and arg.keyword.value == "mode":
                mode = arg.value
        if isinstance(mode, cst.SimpleString) and "b" in str(mode.evaluated_value):
            return False
        return _caller_path(expr.args[0].value, scope, depth + 1)
    if isinstance(func, cst.Attribute) and func.attr.value == "open":
        return _caller_path(func.value, scope, depth + 1)  # ``Path(p).open()``
    return False


def _caller_path(expr: cst.BaseExpression, scope: Scope, depth: int) -> bool:
    """A path that comes from outside the code: a parameter, a loop over files, ``sys.argv``, parsed
    command-line arguments, ``input()``. A path rooted in the package (``__file__``, a literal, a module
    constant) is a template's, and an unknown origin is not claimed."""
    if depth > _MAX_DEPTH:
        return False
    if isinstance(expr, cst.Name):
        if expr.value == "__file__":
            return False
        owner, bindings = scope.lookup(expr.value)
        binding = single_binding(bindings)
        if binding is None:
            return False
        if binding.kind == "param":
            # ``self.prompt_path``: the object's own configuration, not what a caller hands in.
            return not (owner is not None and owner.self_name == expr.value)
        if binding.kind == "for":
            return binding.value is not None and _iterates_caller_files(
                binding.value, binding.scope, depth + 1
            )
        if binding.kind == "assign" and binding.value is not None:
            if binding.scope.is_module_level and not _from_outside(binding.value, binding.scope):
                return False
            return _caller_path(binding.value, binding.scope, depth + 1)
        return False
    if isinstance(expr, cst.Attribute):
        # ``args.input`` where ``args = parser.parse_args()``; ``doc.path`` where ``doc`` is a parameter.
        if expr.attr.value == "parent":
            return False
        return _caller_path(expr.value, scope, depth + 1) or _parsed_arguments(expr.value, scope)
    if isinstance(expr, cst.Subscript):
        name = _qualified(expr.value, scope)
        if name == "sys.argv":
            return True
        return _caller_path(expr.value, scope, depth + 1)
    if isinstance(expr, cst.Call):
        if isinstance(expr.func, cst.Name) and expr.func.value == "input" and not scope.lookup("input")[1]:
            return True
        name = _qualified(expr.func, scope)
        if name in (
            "pathlib.Path",
            "pathlib.PurePath",
            "os.path.join",
            "os.path.abspath",
            "os.path.expanduser",
        ):
            return bool(expr.args) and _caller_path(expr.args[0].value, scope, depth + 1)
        if isinstance(expr.func, cst.Attribute) and expr.func.attr.value in (
            "expanduser",
            "resolve",
            "absolute",
        ):
            return _caller_path(expr.func.value, scope, depth + 1)
        return False
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Divide):
        return _caller_path(expr.left, scope, depth + 1)  # the root decides: ``PROMPTS / name`` is a template
    return False


def _from_outside(expr: cst.BaseExpression, scope: Scope) -> bool:
    """At module level only ``sys.argv[...]`` and ``input()`` count as the caller's choice."""
    for node in nodes_under(expr, enter_nested_scopes=True):
        if isinstance(node, cst.Subscript) and _qualified(node.value, scope) == "sys.argv":
            return True
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "input":
            return True
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            if node.func.attr.value == "parse_args":
                return True
    return False


def _parsed_arguments(expr: cst.BaseExpression, scope: Scope) -> bool:
    value, _scope = _bound(expr, scope)
    return (
        isinstance(value, cst.Call)
        and isinstance(value.func, cst.Attribute)
        and value.func.attr.value in ("parse_args", "parse_known_args")
    )


def _iterates_caller_files(expr: cst.BaseExpression, scope: Scope, depth: int) -> bool:
    """``for path in paths`` over what the caller passes: a parameter, ``sys.argv[1:]``, parsed arguments, or
    a listing of a directory the caller names (``Path(folder).glob("*.md")``, ``os.listdir(folder)``)."""
    if depth > _MAX_DEPTH:
        return False
    while (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Name)
        and expr.func.value in ("sorted", "list", "enumerate", "reversed")
        and expr.args
    ):
        expr = expr.args[0].value
    if isinstance(expr, cst.Call):
        name = _qualified(expr.func, scope)
        if name in _LISTINGS or name == "glob.iglob":
            return bool(expr.args) and _caller_path(expr.args[0].value, scope, depth + 1)
        if isinstance(expr.func, cst.Attribute) and expr.func.attr.value in ("glob", "rglob", "iterdir"):
            return _caller_path(expr.func.value, scope, depth + 1)
        return False
    if isinstance(expr, cst.Subscript):
        return _qualified(expr.value, scope) == "sys.argv"
    if isinstance(expr, cst.Name):
        owner, bindings = scope.lookup(expr.value)
        binding = single_binding(bindings)
        if binding is not None and binding.kind == "param":
            return not (owner is not None and owner.self_name == expr.value)
        if binding is not None and binding.kind == "assign" and binding.value is not None:
            return _iterates_caller_files(binding.value, binding.scope, depth + 1)
        return False
    if isinstance(expr, cst.Attribute):
        return _parsed_arguments(expr.value, scope)
    return False


def _collection(expr: cst.BaseExpression, scope: Scope, depth: int) -> str:
    """The kind of a whole collection ``expr`` holds: every row of a query ("query results"), every line of
    a file or page of a PDF ("file"), every entry of a listing ("collection"); "" otherwise, parameters
    included."""
    if depth > _MAX_DEPTH:
        return ""
    if isinstance(expr, (cst.GeneratorExp, cst.ListComp)):
        return _collection(expr.for_in.iter, scope, depth + 1)
    if isinstance(expr, cst.Name):
        owner, bindings = scope.lookup(expr.value)
        binding = single_binding(bindings)
        if binding is None or binding.value is None or binding.kind not in ("assign", "with"):
            return ""
        if owner is not None and any(m.method == "other" for m in owner.mutations.get(expr.value, [])):
            return ""  # ``rows.pop()``, ``rows.clear()``: changed after the read
        return _collection(binding.value, binding.scope, depth + 1)
    if isinstance(expr, cst.Await):
        return _collection(expr.expression, scope, depth + 1)
    if isinstance(expr, cst.Attribute) and expr.attr.value == "pages":
        return "file" if _constructed(expr.value, scope, _PDF_READERS, depth + 1) else ""
    if not isinstance(expr, cst.Call):
        return ""
    func = expr.func
    name = _qualified(func, scope)
    if isinstance(func, cst.Name) and func.value in ("list", "sorted", "tuple") and len(expr.args) == 1:
        if not scope.lookup(func.value)[1]:
            return _collection(expr.args[0].value, scope, depth + 1)
    if name in _LISTINGS:
        return "collection"
    if not isinstance(func, cst.Attribute):
        return ""
    method = func.attr.value
    if method == "fetchall" and not expr.args:
        sql = _query_text(func.value, scope)
        return "query results" if sql is not None and not _BOUNDED_SQL.search(sql) else ""
    if method == "all" and not expr.args:
        return "" if _limited_chain(func.value) else "query results"
    if method in ("values", "values_list") and isinstance(func.value, cst.Call):
        return _collection(func.value, scope, depth + 1)  # ``Note.objects.all().values("title")``
    if method == "readlines" and _opened_file(func.value, scope, depth + 1):
        return "file"
    if method == "splitlines" and isinstance(func.value, cst.Call):
        inner = _kind(func.value, scope, depth + 1)
        return inner
    if method in ("glob", "rglob", "iterdir"):
        return "collection"
    return ""


def _query_text(receiver: cst.BaseExpression, scope: Scope) -> Optional[str]:
    """The SQL that ``receiver.fetchall()`` fetches: ``db.execute("...").fetchall()``, or the one
    ``cursor.execute("...")`` of the function for ``cursor.fetchall()``; None when it is not a literal."""
    execute: Optional[cst.Call] = None
    if isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Attribute):
        if receiver.func.attr.value in ("execute", "exec_driver_sql"):
            execute = receiver
    elif isinstance(receiver, cst.Name):
        home = scope
        while home.kind == "comprehension" and home.parent is not None:
            home = home.parent
        found = [
            node
            for node in nodes_under(home.node, enter_nested_scopes=True)
            if isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and node.func.attr.value == "execute"
            and isinstance(node.func.value, cst.Name)
            and node.func.value.value == receiver.value
        ]
        if len(found) == 1:
            execute = found[0]
    if execute is None or not execute.args or execute.args[0].star:
        return None
    return _literal_text(execute.args[0].value, scope)


def _literal_text(expr: cst.BaseExpression, scope: Scope) -> Optional[str]:
    value, _scope = _bound(expr, scope)
    if isinstance(value, cst.SimpleString):
        text = value.evaluated_value
        return text if isinstance(text, str) else None
    if isinstance(value, cst.ConcatenatedString):
        left = _literal_text(value.left, scope)
        right = _literal_text(value.right, scope)
        return left + right if left is not None and right is not None else None
    return None


def _limited_chain(expr: cst.BaseExpression) -> bool:
    """An ORM chain that bounds its rows somewhere: ``session.query(X).limit(10)``."""
    for node in nodes_under(expr, enter_nested_scopes=True):
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            if node.func.attr.value in _LIMITING_METHODS:
                return True
        if isinstance(node, cst.Subscript):
            return True
    return False


def _whole_frame(expr: cst.BaseExpression, scope: Scope, depth: int) -> bool:
    value, value_scope = _bound(expr, scope)
    if not isinstance(value, cst.Call):
        return False
    name = _qualified(value.func, value_scope)
    return name is not None and bool(_DATAFRAME_READERS.match(name))


def bounded_in(name: str, function: cst.CSTNode) -> bool:
    """Whether the code around a document bound to ``name`` bounds its size: a comparison that reads it
    (``len(text) > MAX``, ``count_tokens(text) > n``) or a helper named for it (``truncate(text)``)."""
    for node in nodes_under(function, enter_nested_scopes=True):
        if isinstance(node, cst.Comparison) and _mentions(node, name):
            if any(isinstance(target.operator, _ORDERING) for target in node.comparisons):
                return True
        if isinstance(node, cst.Call) and any(_mentions(arg.value, name) for arg in node.args):
            func = node.func
            callee = ""
            if isinstance(func, cst.Name):
                callee = func.value
            elif isinstance(func, cst.Attribute):
                callee = func.attr.value
            if _BOUNDING_CALL.search(callee):
                return True
    return False


def _mentions(expr: cst.CSTNode, name: str) -> bool:
    return any(
        isinstance(node, cst.Name) and node.value == name
        for node in nodes_under(expr, enter_nested_scopes=True)
    )
