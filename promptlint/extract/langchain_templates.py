"""LangChain string prompt templates formatted in the code: ``PromptTemplate.from_template(t).format(...)``
and ``PromptTemplate(template=t, input_variables=[...]).format(...)``. Their default syntax is that of
``str.format``, so the template's text resolves like a literal ``.format`` template.

A template in jinja2 or mustache syntax, with partial variables, or piped into a chat model
(``prompt | llm``) is not read here: the request LangChain sends is not known at the template.
"""

from __future__ import annotations

from typing import Callable, Optional

import libcst as cst

from promptlint.extract.provenance import Qualified, qualify
from promptlint.extract.scopes import Scope

Literal = Callable[[cst.BaseExpression, Scope], Optional[str]]

_PACKAGES = (
    "langchain_core.prompts",
    "langchain_core.prompts.prompt",
    "langchain.prompts",
    "langchain.prompts.prompt",
)
_CONSTRUCTORS = tuple(f"{package}.PromptTemplate" for package in _PACKAGES)
_FROM_TEMPLATE = tuple(f"{name}.from_template" for name in _CONSTRUCTORS)
# Keywords that leave the text ``format`` renders as written.
_HARMLESS = ("input_variables", "template", "validate_template")


def template_text(expr: cst.BaseExpression, scope: Scope, literal: Literal, depth: int = 0) -> Optional[str]:
    """The ``str.format`` template of the LangChain prompt template ``expr`` builds, or None."""
    if depth > 4:
        return None
    if isinstance(expr, cst.Name):
        binding = scope.assigned_once(expr.value)
        if binding is None or binding.value is None:
            return None
        return template_text(binding.value, binding.scope, literal, depth + 1)
    if not isinstance(expr, cst.Call) or any(argument.star for argument in expr.args):
        return None
    origin = qualify(expr.func, scope)
    if not isinstance(origin, Qualified):
        return None
    text: Optional[cst.BaseExpression] = None
    for index, argument in enumerate(expr.args):
        keyword = argument.keyword.value if argument.keyword is not None else None
        if keyword is None and index == 0 and origin.name in _FROM_TEMPLATE:
            text = argument.value
        elif keyword == "template":
            text = argument.value
        elif keyword not in _HARMLESS:
            return None  # ``template_format="jinja2"``, ``partial_variables=...``, positional arguments
    if origin.name not in _CONSTRUCTORS + _FROM_TEMPLATE or text is None:
        return None
    return literal(text, scope)
