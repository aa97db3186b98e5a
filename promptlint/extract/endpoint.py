"""Whether a request goes to a server on the user's own machine or network (a ``base_url`` on localhost or
a private address): the model table's list prices do not apply there, so its savings are unpriced."""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

import libcst as cst

from promptlint.extract.arguments import collect_arguments
from promptlint.extract.literals import literal_value
from promptlint.extract.provenance import Instance, Qualified
from promptlint.extract.scopes import Scope

# Keywords that name the server, on a client's constructor or on a LiteLLM / LangChain call.
_URL_KEYWORDS = ("base_url", "api_base", "openai_api_base", "anthropic_api_url")
_LOCAL_NAMES = frozenset({"localhost", "host.docker.internal"})


def self_hosted_host(request: Any, provider: str) -> str:
    """The ``host[:port]`` of a literal server URL on a local or private network, else ``""``."""
    found = _url_arguments(request, provider)
    if found is None:
        return ""
    keywords, scopes = found
    for name in _URL_KEYWORDS:
        if name in keywords:
            value = literal_value(keywords[name], scopes[name], request.resolver)
            if isinstance(value, str):
                return local_host(value)
    return ""


def _url_arguments(
    request: Any, provider: str
) -> Optional[Tuple[Dict[str, cst.BaseExpression], Dict[str, Scope]]]:
    origin = request.origin
    if isinstance(origin, Instance):
        if origin.constructor is None or origin.constructor_scope is None:
            return None
        ctor = collect_arguments(
            tuple(origin.constructor.args),
            origin.constructor_scope,
            request.resolver.for_scope(origin.constructor_scope),
        )
        return ctor.keywords, ctor.scopes
    if isinstance(origin, Qualified) and provider in ("litellm", "langchain"):
        keywords = request.args.keywords
        return keywords, {name: request.scope_of(name) for name in keywords}
    return None


def local_host(url: str) -> str:
    """``host[:port]`` when ``url`` names localhost, a ``.localhost`` name, Docker's host alias, or a
    loopback, private, link-local or unspecified IP address; else ``""``."""
    import ipaddress
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url if "//" in url else "//" + url)
        host, port = parts.hostname, parts.port
    except ValueError:
        return ""
    if not host:
        return ""
    local = host in _LOCAL_NAMES or host.endswith(".localhost")
    if not local:
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return ""
        local = address.is_loopback or address.is_private or address.is_link_local or address.is_unspecified
    if not local:
        return ""
    shown = f"[{host}]" if ":" in host else host
    return f"{shown}:{port}" if port is not None else shown
