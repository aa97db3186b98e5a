"""How often a value changes, as tables and predicates: the calls and module values known to change on
every call, once a day, once per process or once per request, and the names that say a value identifies
one request.

Data and pure predicates only: the walk that applies them to an expression (``TextResolver.volatility``)
stays with prompt resolution, since the two are mutually recursive (``"a" if paid else "b"``).
"""

from __future__ import annotations

import re
from typing import Optional, Sequence

import libcst as cst

from promptlint.extract.scopes import Scope
from promptlint.ir import Volatility

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
DATE_METHODS = frozenset({"date", "weekday", "isoweekday", "isocalendar", "toordinal"})
# strftime directives that print a part of the calendar date (no time of day).
_DATE_DIRECTIVES = frozenset("aAbBhdeDFjmuUVwWxyYCGg%")
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

_RANK = {Volatility.PER_PROCESS: 0, Volatility.UNKNOWN: 1, Volatility.PER_REQUEST: 2, Volatility.PER_CALL: 3}

# Names that say a value identifies one request: a request, trace, span or correlation id, a nonce.
_REQUEST_ID = re.compile(r"^(?:x_)?(?:(?:request|req|trace|span|correlation)_?id|idempotency_?key|nonce)$")


def worst(volatilities: Sequence[Volatility]) -> Volatility:
    """The most often changing of ``volatilities`` (per process when there are none)."""
    return max(volatilities, key=_RANK.__getitem__, default=Volatility.PER_PROCESS)


def below_unknown(volatility: Volatility) -> bool:
    """Known to change less often than an unknown value: fixed for the process."""
    return _RANK[volatility] < _RANK[Volatility.UNKNOWN]


def of_callee(name: str) -> Optional[Volatility]:
    """The volatility the tables give a qualified call or module value, or None when they say nothing."""
    if name in DAILY_CALLS:
        return Volatility.PER_PROCESS
    if name in PER_CALL_CALLS or name.startswith(PER_CALL_MODULES):
        return Volatility.PER_CALL
    if name in PER_PROCESS_VALUES:
        return Volatility.PER_PROCESS
    if under(name, PER_REQUEST_PROXIES):
        return Volatility.PER_REQUEST
    return None


def date_only_format(pattern: str) -> bool:
    """True when a strftime pattern prints only the calendar date: ``"%Y-%m-%d"``, ``"%A %d %B"``."""
    directives = [d for d in _DIRECTIVE.findall(pattern) if d != "%"]
    return bool(directives) and all(directive in _DATE_DIRECTIVES for directive in directives)


def coarsen(volatility: Volatility) -> Volatility:
    """A date taken from a value that changes on every call changes once a day."""
    return Volatility.PER_PROCESS if volatility is Volatility.PER_CALL else volatility


def under(name: str, prefixes: Sequence[str]) -> bool:
    """``name`` is one of ``prefixes`` or an attribute of one."""
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def _request_id_identifier(name: str) -> bool:
    """An identifier naming a request id (``request_id``, ``traceId``); ``REQUEST_ID`` names a constant."""
    return not name.isupper() and _request_id_text(name)


def _request_id_text(name: str) -> bool:
    """A text naming a request id, in any case or separator style: ``X-Request-ID``, ``requestId``."""
    snake = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower().replace("-", "_")
    return bool(_REQUEST_ID.match(snake))


def request_id_holder(expr: cst.CSTNode) -> Optional[cst.CSTNode]:
    """For a value named as a request id (``request_id``, ``ctx.trace_id``, ``headers["X-Request-ID"]``,
    ``event.get("requestId")``), what holds it (the name itself for a plain name); else None."""
    if isinstance(expr, cst.Name):
        return expr if _request_id_identifier(expr.value) else None
    if isinstance(expr, cst.Attribute):
        return expr.value if _request_id_identifier(expr.attr.value) else None
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
        if isinstance(value, str) and _request_id_text(value):
            return holder
    return None


def is_self_attribute(expr: cst.Attribute, scope: Scope) -> bool:
    """``self.x`` / ``self.x.y`` (or ``cls.x``) inside a method."""
    root: cst.BaseExpression = expr
    while isinstance(root, cst.Attribute):
        root = root.value
    if not isinstance(root, cst.Name):
        return False
    function = scope.enclosing_function()
    return function is not None and function.owner_class is not None and root.value == function.self_name


def carries_expression(node: cst.CSTNode) -> bool:
    """A node that is not an expression but holds one whose value the enclosing expression uses."""
    return isinstance(
        node,
        (cst.Arg, cst.Element, cst.DictElement, cst.StarredElement, cst.FormattedStringExpression, cst.Index),
    ) or isinstance(node, (cst.SubscriptElement, cst.StarredDictElement, cst.FormattedString))
