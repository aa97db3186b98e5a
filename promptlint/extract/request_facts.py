"""Facts about a request that several rules share: literal keyword values, where it is served, and how its
response is read."""

from __future__ import annotations

from typing import Any, Dict, Optional

import libcst as cst

from promptlint.extract.endpoint import self_hosted_host
from promptlint.extract.literals import UNKNOWN, literal_value
from promptlint.extract.platform import platform_of
from promptlint.extract.response_reads import reads_first_choice_only
from promptlint.extract.scopes import Scope
from promptlint.extract.text import TextResolver

# Keywords that ask for several choices (OpenAI/LiteLLM ``n``; Gemini's ``candidate_count``).
_CHOICE_COUNTS = ("n", "candidate_count", "config.candidate_count")


def cap_value(expr: Optional[cst.BaseExpression], scope: Scope, resolver: TextResolver) -> Optional[int]:
    """A cap's value: an int literal, or a name bound once to one."""
    value = literal_value(expr, scope, resolver)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def request_facts(request: Any, provider: str, model: Optional[str], extra: Optional[dict] = None) -> dict:
    """``LLMCall`` fields: the literal keyword values and their nodes, the platform, and whether the response
    is read through its first choice only (looked at only when the call asks for several). ``extra`` adds
    literal values found elsewhere (Google's config fields, as ``"config.<field>"``)."""
    literals: Dict[str, Any] = {}
    for name, expr in request.args.keywords.items():
        value = literal_value(expr, request.scope_of(name), request.resolver)
        if value is not UNKNOWN:
            literals[name] = value
    literals.update(extra or {})
    return {
        "literal_arguments": literals,
        "argument_nodes": dict(request.args.keywords),
        "platform": platform_of(request, provider, model),
        "self_hosted": self_hosted_host(request, provider),
        "reads_first_choice_only": asks_several(literals)
        and reads_first_choice_only(request.site, request.node),
    }


def asks_several(literals: Dict[str, Any]) -> bool:
    for key in _CHOICE_COUNTS:
        value = literals.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > 1:
            return True
    return False


def config_literals(fields: Optional[dict], resolver: TextResolver) -> Dict[str, Any]:
    """Google config fields (``{name: (expr, scope)}``) with a literal value, keyed ``"config.<name>"``."""
    found: Dict[str, Any] = {}
    for name, (expr, scope) in (fields or {}).items():
        value = literal_value(expr, scope, resolver)
        if value is not UNKNOWN:
            found[f"config.{name}"] = value
    return found


def with_config(request: Any, call: Any, *field_sets: Optional[dict]) -> Any:
    """``call`` with the fields of Google configs added to its literal arguments and argument nodes."""
    from dataclasses import replace

    extra: Dict[str, Any] = {}
    nodes: Dict[str, Any] = {}
    for fields in field_sets:
        extra.update(config_literals(fields, request.resolver))
        nodes.update({f"config.{name}": expr for name, (expr, _scope) in (fields or {}).items()})
    if not extra and not nodes:
        return call
    literals = {**call.literal_arguments, **extra}
    several = asks_several(literals) and reads_first_choice_only(request.site, request.node)
    return replace(
        call,
        literal_arguments=literals,
        argument_nodes={**call.argument_nodes, **nodes},
        reads_first_choice_only=several,
    )
