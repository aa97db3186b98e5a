"""Requests recognised by their signature, when the client's origin cannot be known.

``def translate(client, text): client.chat.completions.create(model=…, messages=[…])``: nothing in the
module says what ``client`` is, yet no other API takes that path with those keywords. Such a call is read as
the request of the SDK whose path and keywords it matches, with ``confidence`` low, and only when:

- the receiver is a bare parameter (no annotation naming a type, no default), or ``self.<attr>`` that the
  class (and the bases found for it) never binds, or binds only from bare parameters: a client handed in by
  someone else;
- the callee ends in the SDK's path and the call passes, by keyword, every keyword that identifies the API
  (and no positional argument: these SDK methods take keywords only).

Anything the module says the receiver is (a project class, an HTTP client, a mock) wins: it is never
recognised this way. Twilio's ``messages.create(to=…, body=…)`` lacks the keywords; a local class's
``create(**data)`` passes none.
"""

from __future__ import annotations

from typing import Dict, FrozenSet, List, Optional, Tuple

import libcst as cst

from promptlint.extract.provenance import Instance
from promptlint.extract.scopes import Binding, Scope, lineage

# The SDK path a callee ends in -> (the client class whose request it is, the keywords that must be passed).
_SIGNATURES: Dict[Tuple[str, ...], Tuple[str, FrozenSet[str]]] = {
    ("chat", "completions", "create"): ("openai.OpenAI", frozenset({"model", "messages"})),
    ("responses", "create"): ("openai.OpenAI", frozenset({"model", "input"})),
    ("messages", "create"): ("anthropic.Anthropic", frozenset({"model", "max_tokens", "messages"})),
    ("models", "generate_content"): ("google.genai.Client", frozenset({"model", "contents"})),
}
# Annotations that say nothing about what a parameter holds.
_ANY = {"Any", "typing.Any", "object"}
# Message lists (and contents) are never written as these literals.
_NOT_A_LIST = (
    cst.SimpleString,
    cst.ConcatenatedString,
    cst.FormattedString,
    cst.Integer,
    cst.Float,
    cst.Dict,
)


def by_signature(func: cst.BaseExpression, call: cst.Call, scope: Scope) -> Optional[Instance]:
    """The client instance (and path) the call is a request of, by its signature alone; None unless it is
    unmistakable."""
    path: List[str] = []
    receiver = func
    while isinstance(receiver, cst.Attribute) and len(path) < 3:
        path.insert(0, receiver.attr.value)
        receiver = receiver.value
        for size in (2, 3):
            if len(path) == size and tuple(path) in _SIGNATURES:
                return _matching(tuple(path), receiver, call, scope)
    return None


def _matching(path: Tuple[str, ...], receiver: cst.BaseExpression, call: cst.Call, scope: Scope):
    cls, required = _SIGNATURES[path]
    keywords: Dict[str, cst.BaseExpression] = {}
    for arg in call.args:
        if arg.keyword is not None:
            keywords[arg.keyword.value] = arg.value
        elif not arg.star:
            return None  # a positional argument: not one of these keyword-only SDK methods
    if not required <= set(keywords):
        return None
    for name in ("messages", "contents"):
        if name in keywords and isinstance(keywords[name], _NOT_A_LIST):
            return None
    if not _unknowable(receiver, scope):
        return None
    return Instance(cls, path)


def _unknowable(receiver: cst.BaseExpression, scope: Scope) -> bool:
    """Whether nothing in the module says what ``receiver`` is: a client handed in from outside."""
    if isinstance(receiver, cst.Name):
        bindings = scope.lookup(receiver.value)[1]
        return bool(bindings) and all(_bare_parameter(binding) for binding in bindings)
    if isinstance(receiver, cst.Attribute) and isinstance(receiver.value, cst.Name):
        function = scope.enclosing_function()
        if function is None or function.owner_class is None or receiver.value.value != function.self_name:
            return False
        classes, _complete = lineage(function.owner_class, across_modules=True)
        attribute = receiver.attr.value
        if any(attribute in owner.bindings for owner in classes):
            return False  # a class attribute, a method or a property: the class says what it is
        for owner in classes:
            for binding in owner.attribute_bindings.get(attribute, []):
                if binding.value is None or not isinstance(binding.value, cst.Name):
                    return False
                if not _unknowable(binding.value, binding.scope):
                    return False
        return True
    return False


def _bare_parameter(binding: Binding) -> bool:
    if binding.kind != "param":
        return False
    if binding.value is not None and not (
        isinstance(binding.value, cst.Name) and binding.value.value == "None"
    ):
        return False  # a default says what it is
    annotation = binding.annotation
    if annotation is None:
        return True
    return cst.Module([]).code_for_node(annotation) in _ANY
