"""Where an expression comes from: an imported SDK object, an instance of an SDK client, or nothing known.

Recognition is by provenance, never by method name: ``client.messages.create`` is an Anthropic call only when
``client`` can be traced back, through assignments, parameters' annotations, ``with`` targets, ``self``
attributes or a factory's return annotation, to an ``anthropic`` import.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, List, Optional, Tuple, Union

import libcst as cst

from promptlint.extract.closures import method_of
from promptlint.extract.constructed import constructed_origin
from promptlint.extract.scopes import Binding, Scope, lineage, module_of
from promptlint.prefilter import FROM_MODULES, SDK_MODULES

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
# Client methods that return a client configured differently, sending the same requests.
_RECONFIGURED = {"with_options", "copy"}
# Functions that wrap a client and return one sending the same requests through the same paths (structured
# outputs, tracing), by the keyword that may pass the client instead of the first positional argument. From
# their documentation: instructor (python.useinstructor.com, client setup), LangSmith (reference, wrappers),
# Braintrust (docs, AI providers), Opik (Python SDK reference, integrations).
WRAPPERS = {
    "instructor.from_openai": "client",
    "instructor.from_anthropic": "client",
    "instructor.from_gemini": "client",
    "instructor.patch": "client",
    "instructor.apatch": "client",
    "langsmith.wrappers.wrap_openai": "client",
    "langsmith.wrappers.wrap_anthropic": "client",
    "braintrust.wrap_openai": "",
    "braintrust.wrap_anthropic": "",
    "opik.integrations.openai.track_openai": "openai_client",
    "opik.integrations.anthropic.track_anthropic": "anthropic_client",
}
# Observability drop-ins: modules that re-export an SDK's classes (or the SDK module itself) instrumented
# (langfuse.com, OpenAI Python integration: ``from langfuse.openai import openai`` or ``OpenAI``, ...).
DROP_INS = {
    "langfuse.openai.openai": "openai",
    "langfuse.openai": "openai",
}
# Top-level packages whose names are SDK objects, never the project's own functions.
_SDK_ROOTS = frozenset(
    name.split(".")[0] for name in (*CLIENT_CLASSES, *WRAPPERS, *DROP_INS, *SDK_MODULES, *FROM_MODULES)
)
# More candidates than this and the value is not worth following.
_MAX_CANDIDATES = 8


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


@dataclass(frozen=True)
class Alternatives:
    """A value that is one of several SDK objects, depending on a branch, a parameter's default or the class
    that set it: ``OpenAI()`` in one branch, ``AzureOpenAI()`` in the other. Each option is followed; the
    call is recognised only when every option is a request of one provider (or of compatible ones)."""

    options: Tuple[Union[Qualified, Instance], ...]


Origin = Union[Qualified, Instance, Alternatives, None]


@dataclass(frozen=True)
class _Returns:
    """What calling a local function or method gives: a factory, a getter."""

    origin: Origin


def is_client(origin: object) -> bool:
    """Whether ``origin`` is an SDK client (or something taken from one) whatever the branch."""
    if isinstance(origin, Alternatives):
        return all(isinstance(option, Instance) for option in origin.options)
    return isinstance(origin, Instance)


def single_binding(bindings: list) -> Optional[Binding]:
    """The binding a name stands for, when it is bound exactly once."""
    return bindings[0] if len(bindings) == 1 else None


def canonical(name: str) -> str:
    """A dotted name with an observability drop-in replaced by the SDK it instruments."""
    for prefix, sdk in DROP_INS.items():
        if name == prefix or name.startswith(prefix + "."):
            return sdk + name[len(prefix) :]
    return name


def merge(origins: Iterable[object]) -> Origin:
    """One origin for a value that may be any of ``origins``: the one when they agree, the alternatives when
    each is an SDK object, None (unknown) when any of them is unknown or there are too many."""
    options: List[Union[Qualified, Instance]] = []
    seen = set()
    for origin in origins:
        found = origin.options if isinstance(origin, Alternatives) else (origin,)
        for option in found:
            if not isinstance(option, (Qualified, Instance)):
                return None
            key = (_freeze(option), id(option.constructor) if isinstance(option, Instance) else 0)
            if key not in seen:
                seen.add(key)
                options.append(option)
    if not options or len(options) > _MAX_CANDIDATES:
        return None
    if len(options) == 1:
        return options[0]
    frozen = {_freeze(option) for option in options}
    if len(frozen) == 1 and all(not isinstance(o, Instance) or o.constructor is None for o in options):
        return options[0]
    return Alternatives(tuple(options))


def qualify(expr: cst.BaseExpression, scope: Scope, depth: int = 0) -> Origin:
    """Trace ``expr`` to an SDK object, or return None when it cannot be known."""
    found = _trace(expr, scope, depth)
    return None if isinstance(found, _Returns) else found


def _trace(expr: cst.BaseExpression, scope: Scope, depth: int) -> Union[Origin, _Returns]:
    if depth > _MAX_DEPTH:
        return None
    if isinstance(expr, cst.Name):
        return _qualify_name(expr.value, scope, depth)
    if isinstance(expr, cst.Attribute):
        base_self = _self_attribute(expr, scope, depth)
        if base_self is not None:
            return base_self
        return _attribute(_trace(expr.value, scope, depth + 1), expr.attr.value)
    if isinstance(expr, cst.Call):
        return _called(_trace(expr.func, scope, depth + 1), expr, scope, depth)
    if isinstance(expr, cst.Await):
        return _trace(expr.expression, scope, depth + 1)
    if isinstance(expr, cst.BooleanOperation) and isinstance(expr.operator, cst.Or):
        # ``client or AsyncOpenAI()`` with ``client: Optional[AsyncOpenAI]``: both sides are candidates.
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


def _attribute(base: Union[Origin, _Returns], attribute: str) -> Origin:
    """``base.attribute``."""
    if isinstance(base, Qualified):
        return Qualified(canonical(f"{base.name}.{attribute}"))
    if isinstance(base, Instance):
        if attribute in _TRANSPARENT:
            return base  # ``client.chat.completions.with_raw_response.create``: the same request
        return base.extend(attribute)
    if isinstance(base, Alternatives):
        return merge(_attribute(option, attribute) for option in base.options)
    return None


def _called(callee: Union[Origin, _Returns], call: cst.Call, scope: Scope, depth: int) -> Origin:
    """What ``call`` gives, its callee traced to ``callee``."""
    if isinstance(callee, Qualified) and callee.name in CLIENT_CLASSES:
        return Instance(callee.name, (), call, scope)
    if (
        isinstance(callee, Qualified)
        and callee.name in _BOTO3_FACTORIES
        or isinstance(callee, Instance)
        and callee.family == "boto3-session"
        and callee.path == ("client",)
    ):
        return _boto3_client(call, scope)
    if isinstance(callee, Qualified) and callee.name in WRAPPERS:
        wrapped = _wrapped_client(call, WRAPPERS[callee.name])
        return qualify(wrapped, scope, depth + 1) if wrapped is not None else None
    if isinstance(callee, Instance) and callee.path and callee.path[-1] in _RECONFIGURED:
        return Instance(callee.cls, callee.path[:-1], callee.constructor, callee.constructor_scope)
    if isinstance(callee, Alternatives):
        return merge(_called(option, call, scope, depth) for option in callee.options)
    if isinstance(callee, _Returns):
        return callee.origin
    return None


def _wrapped_client(call: cst.Call, keyword: str) -> Optional[cst.BaseExpression]:
    """The client a wrapper is given: its first positional argument, or ``keyword=``."""
    for arg in call.args:
        if arg.star:
            return None
        if arg.keyword is None:
            return arg.value
        if keyword and arg.keyword.value == keyword:
            return arg.value
    return None


def _agreeing(first: cst.BaseExpression, second: cst.BaseExpression, scope: Scope, depth: int) -> Origin:
    """Either side: ``client or OpenAI()`` where ``client`` is a parameter defaulting to None is the
    fallback's kind (the default says what the parameter is for)."""
    sides = [side for side in (first, second) if not _defaults_to_none(side, scope)]
    return merge(qualify(side, scope, depth + 1) for side in sides)


def _defaults_to_none(expr: cst.BaseExpression, scope: Scope) -> bool:
    """A parameter without annotation whose default is None, bound nowhere else."""
    if not isinstance(expr, cst.Name):
        return False
    binding = single_binding(scope.lookup(expr.value)[1])
    return (
        binding is not None
        and binding.kind == "param"
        and binding.annotation is None
        and binding.value is not None
        and _is_none(binding.value)
    )


def _qualify_name(name: str, scope: Scope, depth: int) -> Union[Origin, _Returns]:
    owner, bindings = scope.lookup(name)
    bindings = _in_force(name, owner, scope, bindings)
    binding = single_binding(bindings)
    if binding is None:
        return _agreeing_bindings(name, bindings, depth)
    if binding.imported is not None:  # an import (a relative one has no ``qualified`` name)
        factory = _project_factory(binding, depth)
        if factory is not None:
            return factory
    if binding.kind == "import":
        return Qualified(canonical(binding.qualified)) if binding.qualified else None
    if binding.kind in ("assign", "with") and binding.value is not None:
        return _assigned(binding, depth)
    if binding.kind == "param":
        return _parameter(binding, depth)
    if binding.kind == "def":
        return _function(binding, depth)
    return None


def _project_factory(binding: Binding, depth: int) -> Union[Origin, _Returns]:
    """A function imported from another module of the project (``from .clients import make_client``) that
    returns a client. Not for the callee of a call site itself (depth 0: ``helper(x)`` is never a request
    because of what it returns), nor for a name imported from an SDK."""
    if depth == 0 or (binding.qualified and binding.qualified.split(".")[0] in _SDK_ROOTS):
        return None
    table = module_of(binding.scope).class_table
    factory = table.function(binding) if table is not None else None
    return _function(factory, depth) if factory is not None else None


def _in_force(name: str, owner: Optional[Scope], scope: Scope, bindings: List[Binding]) -> List[Binding]:
    """The bindings of a module-level name that can be what it holds when a function runs: the assignments
    that reach the end of the module body (``stub`` then ``if``/``else`` both rebinding leaves the two)."""
    if len(bindings) < 2 or owner is None or owner.kind != "module" or scope.is_module_level:
        return bindings
    if owner.reaching is None:
        from promptlint.extract.reaching import reaching_at_end

        assert isinstance(owner.node, cst.Module)
        owner.reaching = reaching_at_end(owner.node)
    live = owner.reaching.get(name)
    if live is None:
        return bindings
    return [
        binding
        for binding in bindings
        if binding.kind != "assign" or binding.value is None or id(binding.value) in live
    ]


def _parameter(binding: Binding, depth: int) -> Origin:
    """A parameter: what its annotation says, else what its default is (``client=OpenAI()``)."""
    if binding.annotation is not None:
        return _instance_from_annotation(binding.annotation, binding.scope, depth)
    if binding.value is not None and not _is_none(binding.value):
        return qualify(binding.value, binding.scope, depth + 1)
    return None


def _function(binding: Binding, depth: int) -> Union[Origin, _Returns]:
    """A local function: calling it gives what its return annotation names, else what it returns."""
    if binding.annotation is not None:
        origin = _instance_from_annotation(binding.annotation, binding.scope, depth)
        if origin is not None:
            return _Returns(origin)
    origin = _returned(binding.body, depth)
    return _Returns(origin) if origin is not None else None


def _returned(function: Optional[Scope], depth: int) -> Origin:
    """What a function returns when every ``return`` gives an SDK object (``return None`` aside)."""
    if function is None or function.yields or not function.returns:
        return None
    values = [value for value in function.returns if value is not None and not _is_none(value)]
    if not values:
        return None
    return merge(qualify(value, function, depth + 1) for value in values)


def _is_none(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "None"


def _assigned(binding: Binding, depth: int) -> Origin:
    """What an assignment binds: its value traced, else what its annotation says (``c: OpenAI = make()``)."""
    assert binding.value is not None
    origin = qualify(binding.value, binding.scope, depth + 1)
    if origin is None and binding.annotation is not None:
        return _instance_from_annotation(binding.annotation, binding.scope, depth)
    return origin


def _agreeing_bindings(name: str, bindings: list, depth: int) -> Origin:
    """A name bound a few times: ``client: Optional[OpenAI] = None`` then ``if client is None: client =
    OpenAI()`` (or ``client = client or OpenAI()``); an optional import with a ``None`` fallback; a client
    chosen in an ``if``/``else``. Every binding is a candidate (``= None`` aside); one that cannot be
    traced, or a kind of binding that says nothing, and nothing is known."""
    if not 1 < len(bindings) <= _MAX_CANDIDATES:
        return None
    origins: List[Origin] = []
    for binding in bindings:
        if binding.kind == "param":
            if binding.annotation is None and (binding.value is None or _is_none(binding.value)):
                if binding.value is None:
                    return None  # a bare parameter: the caller may pass anything
                continue  # ``client=None`` then ``client = client or OpenAI()``
            origins.append(_parameter(binding, depth))
        elif binding.kind == "import" and binding.qualified:
            origins.append(
                Qualified(canonical(binding.qualified))
            )  # ``try: from openai import OpenAI`` twice
        elif binding.kind in ("assign", "with") and binding.value is not None:
            if _is_none(binding.value):
                continue  # ``except ImportError: OpenAI = None``: never called while it is None
            value = _other_than(binding.value, name)
            if value is None:
                continue  # ``client = client``: adds nothing
            origins.append(_assigned_value(binding, value, depth))
        else:
            return None
    return merge(origins)


def _assigned_value(binding: Binding, value: cst.BaseExpression, depth: int) -> Origin:
    origin = qualify(value, binding.scope, depth + 1)
    if origin is None and binding.annotation is not None:
        return _instance_from_annotation(binding.annotation, binding.scope, depth)
    return origin


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


def _self_attribute(expr: cst.Attribute, scope: Scope, depth: int) -> Union[Origin, _Returns]:
    """``self.client`` inside a method: every value the class, or a class it inherits from (in the module, or
    in another module of the project), may give ``client`` (assignments in any method, a class attribute, a
    getter, a property)."""
    if not isinstance(expr.value, cst.Name):
        return None
    function = method_of(scope, expr.value.value)  # the method, or one a nested function closes over
    if function is None or function.owner_class is None:
        return None
    # A base class that cannot be found may set the attribute too; like a method of the class that is never
    # read, it is not followed: the candidates seen decide. Bases imported from the project's other modules
    # are read only when the module's own classes say nothing of the attribute (``self.client`` set in
    # the ``__init__`` of a base class in ``base.py``): what resolved in the module stays as it was, and no
    # other module is parsed for it.
    attribute = expr.attr.value
    classes, complete = lineage(function.owner_class)
    candidates = _attribute_bindings(classes, attribute)
    if not candidates and not complete:
        candidates = _attribute_bindings(lineage(function.owner_class, across_modules=True)[0], attribute)
    if not candidates:
        return None
    if len(candidates) == 1:
        only = candidates[0]
        if only.kind == "assign" and only.value is not None:
            origin = _assigned(only, depth)
            if origin is None:
                origin = constructed_origin(only, _constructed, depth)
            return origin
        if only.kind == "def":
            return _method(only, depth)
    # Several bindings: a class-level annotation (``client: OpenAI``) types the attribute whatever is assigned
    # to it; otherwise every assignment but ``= None`` is a candidate, and must be traced.
    annotated = any(binding.kind == "annotated" for binding in candidates)
    origins: List[Origin] = []
    for binding in candidates:
        if binding.kind == "annotated" and binding.annotation is not None:
            origins.append(_instance_from_annotation(binding.annotation, binding.scope, depth))
        elif binding.kind == "assign" and binding.value is not None:
            if _is_none(binding.value):
                continue  # ``self._client = None`` until first use
            origin = _assigned(binding, depth)
            if origin is None and annotated:
                continue  # the annotation says what it is
            origins.append(origin)
        else:
            return None
    return merge(origins)


def _constructed(arguments: list, depth: int) -> Origin:
    """The client every construction site passes (``Bot(OpenAI())``), merged like branches."""
    return merge(qualify(argument, scope, depth + 1) for argument, scope in arguments)


def _attribute_bindings(classes: List[Scope], attribute: str) -> List[Binding]:
    """What ``classes`` (a lineage, nearest first) bind ``attribute`` to: ``self.attr = ...`` in any of
    their methods, and the nearest class body's binding."""
    candidates: List[Binding] = []
    for owner in classes:
        candidates.extend(owner.attribute_bindings.get(attribute, []))
    for owner in classes:  # the nearest class body that binds the name hides the others'
        if attribute in owner.bindings:
            candidates.extend(owner.bindings[attribute])
            break
    return candidates


def _method(binding: Binding, depth: int) -> Union[Origin, _Returns]:
    """A method read as ``self.name``: a property gives what it returns; a plain method, when called."""
    node = binding.body.node if binding.body is not None else None
    if not isinstance(node, cst.FunctionDef):
        return None
    if any(_decorator_name(d.decorator) in _PROPERTIES for d in node.decorators):
        origin = _returned(binding.body, depth)
        if origin is None and binding.annotation is not None:
            origin = _instance_from_annotation(binding.annotation, binding.scope, depth)
        return origin
    if node.decorators:
        return None  # a decorator may change what calling it gives
    return _function(binding, depth)


# Decorators that make a method read as an attribute.
_PROPERTIES = {"property", "cached_property", "functools.cached_property"}


def _decorator_name(expr: cst.BaseExpression) -> str:
    parts = []
    while isinstance(expr, cst.Attribute):
        parts.append(expr.attr.value)
        expr = expr.value
    if isinstance(expr, cst.Name):
        parts.append(expr.value)
    return ".".join(reversed(parts))


def _freeze(origin: Union[Qualified, Instance]) -> Union[Qualified, Instance]:
    """Drop constructor nodes so that two assignments of the same client compare equal."""
    if isinstance(origin, Instance) and origin.constructor is not None:
        return Instance(origin.cls, origin.path)
    return origin
