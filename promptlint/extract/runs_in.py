"""Where a call runs: code that answers a person interactively (a web route, a websocket, a UI app, a chat
bot) or code that does not (a script, a CLI, a job or task queue worker, a notebook), as far as the module
shows. Interactive evidence wins over batch evidence, and no evidence is "unknown".
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator, Optional, Tuple

import libcst as cst

from promptlint.extract.provenance import Qualified, qualify
from promptlint.extract.scopes import Scope

# Frameworks whose import makes a module part of something that answers people or peers as they wait.
INTERACTIVE_MODULES = (
    "fastapi",
    "flask",
    "starlette",
    "django.http",
    "django.views",
    "django.shortcuts",
    "rest_framework",
    "ninja",
    "quart",
    "sanic",
    "litestar",
    "aiohttp.web",
    "tornado",
    "falcon",
    "bottle",
    "streamlit",
    "gradio",
    "chainlit",
    "panel",
    "dash",
    "nicegui",
    "reflex",
    "mesop",
    "fasthtml",
    "slack_bolt",
    "discord",
    "telegram",
    "aiogram",
    "websockets",
    "socketio",
    "channels",
    "http.server",
    "socketserver",
    "grpc",
    "mcp",
)
# Decorator methods that register a request, message or event handler: ``@app.get``, ``@router.post``,
# ``@bp.route``, ``@app.websocket``, ``@sio.on``, ``@bot.command``, ``@app.message`` (Slack), ``@cl.on_message``.
_HANDLER_METHODS = {
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "head",
    "options",
    "route",
    "api_route",
    "websocket",
    "websocket_route",
    "on",
    "event",
    "message",
    "command",
    "on_message",
    "on_chat_start",
    "tool",
    "callback",
}
# Command-line tools and job runners.
_CLI_MODULES = ("argparse", "click", "typer", "fire", "docopt")
_JOB_MODULES = ("celery", "airflow", "prefect", "dagster", "luigi", "rq", "dramatiq", "huey", "arq")
_JOB_DECORATORS = (
    "celery.shared_task",
    "prefect.flow",
    "prefect.task",
    "airflow.decorators.task",
    "airflow.decorators.dag",
    "airflow.sdk.task",
    "airflow.sdk.dag",
    "dagster.op",
    "dagster.asset",
    "dagster.job",
    "click.command",
    "click.group",
    "dramatiq.actor",
)
# ``@app.task`` on ``app = Celery(...)``, ``@app.command()`` on ``app = typer.Typer()``, ``@cli.command()`` on a
# click group.
_JOB_FACTORIES = {
    "celery.Celery": "task",
    "typer.Typer": "command",
    "click.Group": "command",
    "rq.Queue": "task",
}
_BATCH_DIRECTORIES = {
    "scripts",
    "script",
    "jobs",
    "job",
    "batch",
    "batches",
    "pipelines",
    "pipeline",
    "etl",
    "cron",
}


class RunsIn:
    """Where the calls of one module run. What the module as a whole says (its imports, where it lives, a
    main guard, notebook cells) is computed once, on first use, and held here: one instance per module, so
    nothing carries over to the next."""

    def __init__(self, source_dir: Optional[Path], project_root: Optional[Path]) -> None:
        self._source_dir = source_dir
        self._project_root = project_root
        self._module_evidence: Optional[Tuple[str, str]] = None

    def of(self, scope: Scope) -> Tuple[str, str]:
        """("interactive" | "batch" | "unknown", the evidence as written) for a call made in ``scope``."""
        batch: Optional[str] = None
        for function in _functions(scope):
            for decorator in getattr(function.node, "decorators", ()):
                kind, evidence = _decorator(decorator.decorator, function.parent or function)
                if kind == "interactive":
                    return kind, evidence
                if kind == "batch" and batch is None:
                    batch = evidence
        module = scope
        while module.parent is not None:
            module = module.parent
        for function in _functions(scope):
            for name in _imports(function):
                if _under(name, INTERACTIVE_MODULES):
                    return "interactive", f"`{name}`"
                if batch is None and (_under(name, _CLI_MODULES) or _under(name, _JOB_MODULES)):
                    batch = f"`{name}`"
        if self._module_evidence is None:
            self._module_evidence = _compute_module_evidence(module, self._source_dir, self._project_root)
        interactive, module_batch = self._module_evidence
        if interactive:
            return "interactive", interactive
        if batch is not None:
            return "batch", batch
        if module_batch:
            return "batch", module_batch
        return "unknown", ""


def _compute_module_evidence(
    module: Scope, source_dir: Optional[Path], project_root: Optional[Path]
) -> Tuple[str, str]:
    imported = list(_imports(module))
    for name in imported:
        if _under(name, INTERACTIVE_MODULES):
            return f"`{name}`", ""
    relative = _relative_parts(source_dir, project_root)
    if "commands" in relative and "management" in relative:
        return "", "a Django management command"
    if isinstance(module.node, cst.Module) and _has_main_guard(module.node):
        return "", '`if __name__ == "__main__":`'
    for name in imported:
        if _under(name, _CLI_MODULES) or _under(name, _JOB_MODULES):
            return "", f"`{name}`"
    for part in relative:
        if part in _BATCH_DIRECTORIES:
            return "", f"a module under `{part}/`"
    if isinstance(module.node, cst.Module) and _has_cells(module.node):
        return "", "notebook cells (`# %%`)"
    return "", ""


def _functions(scope: Scope) -> Iterator[Scope]:
    current: Optional[Scope] = scope
    while current is not None:
        if current.kind == "function":
            yield current
        current = current.parent


def _imports(scope: Scope) -> Iterator[str]:
    for bindings in scope.bindings.values():
        for binding in bindings:
            if binding.kind == "import" and binding.qualified:
                yield binding.qualified


def _under(name: str, prefixes) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def _decorator(expr: cst.BaseExpression, scope: Scope) -> Tuple[str, str]:
    target = expr.func if isinstance(expr, cst.Call) else expr
    written = "@" + " ".join(cst.Module([]).code_for_node(target).split())
    origin = qualify(target, scope)
    if isinstance(origin, Qualified):
        if _under(origin.name, _JOB_DECORATORS):
            return "batch", f"`{written}`"
        if _under(origin.name, INTERACTIVE_MODULES):
            return "interactive", f"`{written}`"
    if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name):
        factory = _factory(target.value.value, scope)
        if factory is not None and _JOB_FACTORIES.get(factory) == target.attr.value:
            return "batch", f"`{written}`"
        if factory is not None and _under(factory, INTERACTIVE_MODULES):
            return "interactive", f"`{written}`"
        if isinstance(expr, cst.Call) and target.attr.value in _HANDLER_METHODS and factory is None:
            # ``@app.post("/chat")`` on an object whose class is not known: a handler all the same.
            if expr.args and isinstance(expr.args[0].value, (cst.SimpleString, cst.FormattedString)):
                return "interactive", f"`{written}`"
    return "unknown", ""


def _factory(name: str, scope: Scope) -> Optional[str]:
    """``app = Celery(...)`` -> ``celery.Celery``."""
    binding = scope.assigned_once(name)
    if binding is None or not isinstance(binding.value, cst.Call):
        return None
    origin = qualify(binding.value.func, binding.scope)
    return origin.name if isinstance(origin, Qualified) else None


def _has_main_guard(module: cst.Module) -> bool:
    for statement in module.body:
        if isinstance(statement, cst.If) and isinstance(statement.test, cst.Comparison):
            test = statement.test
            if len(test.comparisons) != 1 or not isinstance(test.comparisons[0].operator, cst.Equal):
                continue
            sides = [test.left, test.comparisons[0].comparator]
            names = [s.value for s in sides if isinstance(s, cst.Name)]
            strings = [s.evaluated_value for s in sides if isinstance(s, cst.SimpleString)]
            if names == ["__name__"] and strings == ["__main__"]:
                return True
    return False


def _has_cells(module: cst.Module) -> bool:
    """Jupytext percent-format cells: ``# %%`` comment lines between top-level statements."""
    lines = list(module.header)
    for statement in module.body:
        lines.extend(getattr(statement, "leading_lines", ()))
    return any(line.comment is not None and line.comment.value.startswith("# %%") for line in lines)


def _relative_parts(source_dir: Optional[Path], project_root: Optional[Path]) -> Tuple[str, ...]:
    """The directories of the linted file inside its project (never above it)."""
    if source_dir is None or project_root is None:
        return ()
    try:
        return source_dir.resolve().relative_to(project_root).parts
    except (ValueError, OSError, RuntimeError):
        return ()
