"""Where an expression comes from: an imported SDK object, an instance of an SDK client, or nothing known.

Recognition is by provenance, never by method name: ``client.messages.create`` is an Anthropic call only when
``client`` can be traced back, through assignments, parameters' annotations, ``with`` targets, ``self``
attributes or a factory's return annotation, to an ``anthropic`` import.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple, Union

import libcst as cst

from promptlint.extract.scopes import Binding, Scope

BEDROCK_RUNTIME = "boto3.client(bedrock-runtime)"
# ``boto3.client(...)`` and a session's ``.client(...)``: what they build depends on the service name.
_BOTO3_FACTORIES = frozenset({"boto3.client"})

# Classes whose instances are SDK clients (or model handles), by the dotted name their import gives them.
CLIENT_CLASSES = {
    "openai.OpenAI": "openai",
    "openai.AsyncOpenAI": "openai",
    "openai.AzureOpenAI": "openai",
    "openai.AsyncAzureOpenAI": "openai",
    "openai.Client": "openai",
    "openai.AsyncClient": "openai",
    "anthropic.Anthropic": "anthropic",
    "anthropic.AsyncAnthropic": "anthropic",
    "anthropic.AnthropicBedrock": "anthropic",
    "anthropic.AsyncAnthropicBedrock": "anthropic",
    "anthropic.AnthropicVertex": "anthropic",
    "anthropic.AsyncAnthropicVertex": "anthropic",
    "anthropic.Client": "anthropic",
    "anthropic.AsyncClient": "anthropic",
    "google.genai.Client": "google",
    "google.genai.client.Client": "google",
    "google.generativeai.GenerativeModel": "google-legacy",
    "vertexai.generative_models.GenerativeModel": "google-vertex",
    "vertexai.preview.generative_models.GenerativeModel": "google-vertex",
    "mistralai.Mistral": "mistral",
    "mistralai.client.Mistral": "mistral",
    "cohere.Client": "cohere-v1",
    "cohere.AsyncClient": "cohere-v1",
    "cohere.ClientV2": "cohere",
    "cohere.AsyncClientV2": "cohere",
    "groq.Groq": "groq",
    "groq.AsyncGroq": "groq",
    "together.Together": "together",
    "together.AsyncTogether": "together",
    # boto3 builds clients by service name: only ``boto3.client("bedrock-runtime")`` (or a session's) is one.
    BEDROCK_RUNTIME: "bedrock",
    "boto3.Session": "boto3-session",
    "boto3.session.Session": "boto3-session",
}

_MAX_DEPTH = 12
# Attributes that wrap an endpoint without changing the request it sends.
_TRANSPARENT = {"with_raw_response", "with_streaming_response"}


@dataclass(frozen=True)
class Qualified:
    """A module-level object reached through imports: ``openai``, ``openai.OpenAI``, ``litellm.completion``."""

    name: str


@dataclass(frozen=True)
class Instance:
    """An SDK client instance, and the attribute path taken from it (``("chat", "completions", "create")``)."""

    cls: str
    path: Tuple[str, ...]
    constructor: Optional[cst.Call] = None
    constructor_scope: Optional[Scope] = None

    @property
    def family(self) -> str:
        return CLIENT_CLASSES[self.cls]

    def extend(self, attribute: str) -> Instance:
        return Instance(self.cls, self.path + (attribute,), self.constructor, self.constructor_scope)


Origin = Union[Qualified, Instance, None]


def single_binding(bindings: list) -> Optional[Binding]:
    """The binding a name stands for, when it is bound exactly once."""
    return bindings[0] if len(bindings) == 1 else None


def qualify(expr: cst.BaseExpression, scope: Scope, depth: int = 0) -> Origin:
    """Trace ``expr`` to an SDK object, or return None when it cannot be known."""
    if depth > _MAX_DEPTH:
        return None
    if isinstance(expr, cst.Name):
        return _qualify_name(expr.value, scope, depth)
    if isinstance(expr, cst.Attribute):
        base_self = _self_attribute(expr, scope, depth)
        if base_self is not None:
            return base_self
        base = qualify(expr.value, scope, depth + 1)
        if isinstance(base, Qualified):
            return Qualified(f"{base.name}.{expr.attr.value}")
        if isinstance(base, Instance):
            if expr.attr.value in _TRANSPARENT:
                return base  # ``client.chat.completions.with_raw_response.create``: the same request
            return base.extend(expr.attr.value)
        return None
    if isinstance(expr, cst.Call):
        callee = qualify(expr.func, scope, depth + 1)
        if isinstance(callee, Qualified) and callee.name in CLIENT_CLASSES:
            return Instance(callee.name, (), expr, scope)
        if (
            isinstance(callee, Qualified)
            and callee.name in _BOTO3_FACTORIES
            or isinstance(callee, Instance)
            and callee.family == "boto3-session"
            and callee.path == ("client",)
        ):
            return _boto3_client(expr, scope)
        if isinstance(callee, Instance) and callee.path and callee.path[-1] in ("with_options", "copy"):
            return Instance(callee.cls, callee.path[:-1], callee.constructor, callee.constructor_scope)
        if isinstance(callee, _FactoryResult):
            return callee.origin
        return None
    if isinstance(expr, cst.Await):
        return qualify(expr.expression, scope, depth + 1)
    if isinstance(expr, cst.BooleanOperation) and isinstance(expr.operator, cst.Or):
        # ``client or AsyncOpenAI()`` with ``client: Optional[AsyncOpenAI]``: known only when both sides agree.
        return _agreeing(expr.left, expr.right, scope, depth)
    if isinstance(expr, cst.IfExp):
        return _agreeing(expr.body, expr.orelse, scope, depth)
    return None


def _boto3_client(call: cst.Call, scope: Scope) -> Origin:
    """A Bedrock runtime client when the service name is the literal ``"bedrock-runtime"``; any other service
    (Cost Explorer, S3, the ``bedrock`` control plane) or a name that cannot be read is nothing known."""
    service: Optional[cst.BaseExpression] = None
    for position, arg in enumerate(call.args):
        if arg.star == "*":
            return None  # ``*args`` may come first: the service name is not known
        if arg.star:
            continue  # ``**session_kwargs``: credentials and settings, never a second service name
        if arg.keyword is None and position == 0:
            service = arg.value
        elif arg.keyword is not None and arg.keyword.value == "service_name":
            service = arg.value
    if isinstance(service, cst.SimpleString) and service.evaluated_value == "bedrock-runtime":
        return Instance(BEDROCK_RUNTIME, (), call, scope)
    return None


def _agreeing(first: cst.BaseExpression, second: cst.BaseExpression, scope: Scope, depth: int) -> Origin:
    one = _freeze(qualify(first, scope, depth + 1))
    other = _freeze(qualify(second, scope, depth + 1))
    if isinstance(one, (Qualified, Instance)) and one == other:
        return one
    return None


@dataclass(frozen=True)
class _FactoryResult:
    """What calling a local function whose return annotation names an SDK class gives."""

    origin: Origin


def _qualify_name(name: str, scope: Scope, depth: int) -> Origin:
    owner, bindings = scope.lookup(name)
    binding = single_binding(bindings)
    if binding is None:
        return _agreeing_bindings(name, bindings, depth)
    if binding.kind == "import":
        return Qualified(binding.qualified) if binding.qualified else None
    if binding.kind in ("assign", "with") and binding.value is not None:
        return _assigned(binding, depth)
    if binding.kind == "param" and binding.annotation is not None:
        return _instance_from_annotation(binding.annotation, binding.scope, depth)
    if binding.kind == "def" and binding.annotation is not None:
        origin = _instance_from_annotation(binding.annotation, binding.scope, depth)
        return _FactoryResult(origin) if origin is not None else None  # type: ignore[return-value]
    return None


def _assigned(binding: Binding, depth: int) -> Origin:
    """What an assignment binds: its value traced, else what its annotation says (``c: OpenAI = make()``)."""
    assert binding.value is not None
    origin = qualify(binding.value, binding.scope, depth + 1)
    if origin is None and binding.annotation is not None:
        return _instance_from_annotation(binding.annotation, binding.scope, depth)
    return origin


def _agreeing_bindings(name: str, bindings: list, depth: int) -> Origin:
    """A name bound a few times to the same thing: ``client: Optional[OpenAI] = None`` then ``if client is
    None: client = OpenAI()`` (or ``client = client or OpenAI()``); an optional import with a ``None``
    fallback. Any other binding, or two that disagree, and nothing is known."""
    if not 1 < len(bindings) <= 4:
        return None
    origins = set()
    for binding in bindings:
        if binding.kind == "param" and binding.annotation is not None:
            origins.add(_freeze(_instance_from_annotation(binding.annotation, binding.scope, depth)))
        elif binding.kind == "import" and binding.qualified:
            origins.add(Qualified(binding.qualified))  # ``try: from openai import OpenAI`` twice over
        elif binding.kind in ("assign", "with") and binding.value is not None:
            if isinstance(binding.value, cst.Name) and binding.value.value == "None":
                continue  # ``except ImportError: OpenAI = None``: never called while it is None
            value = _other_than(binding.value, name)
            origins.add(_freeze(qualify(value, binding.scope, depth + 1)) if value is not None else None)
        else:
            return None
    if len(origins) != 1:
        return None
    origin = origins.pop()
    return origin if isinstance(origin, (Instance, Qualified)) else None


def _other_than(value: cst.BaseExpression, name: str) -> Optional[cst.BaseExpression]:
    """``name or X`` and ``X if name is None else name`` -> X; a value that does not mention ``name`` as is."""

    def is_name(node: cst.BaseExpression) -> bool:
        return isinstance(node, cst.Name) and node.value == name

    if isinstance(value, cst.BooleanOperation) and isinstance(value.operator, cst.Or) and is_name(value.left):
        return value.right
    if isinstance(value, cst.IfExp):
        if is_name(value.orelse):
            return value.body
        if is_name(value.body):
            return value.orelse
    if is_name(value):
        return None
    return value


def _instance_from_annotation(annotation: cst.BaseExpression, scope: Scope, depth: int) -> Origin:
    """``client: OpenAI``, ``Optional[OpenAI]``, ``OpenAI | None``, ``"OpenAI"`` -> an instance."""
    if isinstance(annotation, cst.SimpleString):
        value = annotation.evaluated_value
        if not isinstance(value, str):
            return None
        try:
            annotation = cst.parse_expression(value)
        except cst.ParserSyntaxError:
            return None
    if isinstance(annotation, cst.Subscript) and len(annotation.slice) == 1:
        inner = annotation.slice[0].slice
        if isinstance(inner, cst.Index):
            return _instance_from_annotation(inner.value, scope, depth + 1)
        return None
    if isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator, cst.BitOr):
        for side in (annotation.left, annotation.right):
            if not (isinstance(side, cst.Name) and side.value == "None"):
                return _instance_from_annotation(side, scope, depth + 1)
        return None
    origin = qualify(annotation, scope, depth + 1)
    if isinstance(origin, Qualified) and origin.name in CLIENT_CLASSES:
        return Instance(origin.name, ())
    return None


def _self_attribute(expr: cst.Attribute, scope: Scope, depth: int) -> Origin:
    """``self.client`` inside a method: what the class sets ``client`` to, when it is one thing."""
    if not isinstance(expr.value, cst.Name):
        return None
    function = scope.enclosing_function()
    if function is None or function.owner_class is None or expr.value.value != function.self_name:
        return None
    owner = function.owner_class
    attribute = expr.attr.value
    candidates = list(owner.attribute_bindings.get(attribute, [])) + list(owner.bindings.get(attribute, []))
    if not candidates:
        return None
    if len(candidates) == 1 and candidates[0].kind == "assign" and candidates[0].value is not None:
        return _assigned(candidates[0], depth)
    # Several bindings: a class-level annotation (``client: OpenAI``) types the attribute whatever is assigned
    # to it; otherwise every assignment but ``= None`` must trace to the same client.
    annotated = any(binding.kind == "annotated" for binding in candidates)
    origins = set()
    for binding in candidates:
        if binding.kind == "annotated" and binding.annotation is not None:
            origins.add(_instance_from_annotation(binding.annotation, binding.scope, depth))
        elif binding.kind == "assign" and binding.value is not None:
            if isinstance(binding.value, cst.Name) and binding.value.value == "None":
                continue  # ``self._client = None`` until first use
            origin = _freeze(_assigned(binding, depth))
            if origin is None and not annotated:
                return None  # assigned something that cannot be traced: it may be another kind of client
            origins.add(origin)
        else:
            return None
    origins.discard(None)
    if len(origins) != 1:
        return None
    return origins.pop()


def _freeze(origin: Origin) -> Origin:
    """Drop constructor nodes so that two assignments of the same client compare equal."""
    if isinstance(origin, Instance) and origin.constructor is not None:
        return Instance(origin.cls, origin.path)
    return origin
