"""LangChain chat models run inside the project's wrappers: ``self.llm = ChatOpenAI(...)`` then
``def ask(self, prompt): return self.llm.invoke([HumanMessage(content=prompt)])``.

The run (``invoke``/``ainvoke``/``stream``/``astream``, of the chat model or of a chain into it) is a request
(``langchain_chains``); a function or method whose run takes its prompt from its parameters is a wrapper like
one around an SDK call: its callers' prompts are read through it (``prompt_wrappers``), reported where they
are written, and priced with the chat model's model. The cap stays where it is set, on the chat model's
constructor, reported there once. Only chains of the linted module are followed; a chat model handed in as
a parameter (``llm: BaseChatModel``) is not known.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable, Dict, Optional

import libcst as cst

from promptlint.extract.context import ModuleContext
from promptlint.extract.langchain_chains import chain_request
from promptlint.extract.ordering import with_order_risks
from promptlint.extract.scopes import CallSite
from promptlint.extract.wrappers import Wrapper, find_wrapper
from promptlint.ir import LLMCall, PromptPart


def chain_wrapper(
    call: LLMCall,
    site: CallSite,
    context: ModuleContext,
    recognised: Dict[int, LLMCall],
    rereads: Dict[int, Callable[[], Optional[LLMCall]]],
) -> Optional[Wrapper]:
    """The wrapper whose run of a chain is ``call`` (at ``site``), when its prompt comes from parameters;
    how to read the run again with them bound is added to ``rereads``."""
    wrapper = find_wrapper(call, site, lambda name: None)
    if wrapper is None or not wrapper.prompt_parameters:
        return None

    def reread() -> Optional[LLMCall]:
        again = chain_request(site, context.resolver, lambda node: recognised.get(id(node)))
        if again is None:
            return None
        parts = tuple(_at_content(part) for part in again.prompt)
        return with_order_risks(replace(again, prompt=parts), site.scope, context.resolver.hole_scopes)

    rereads[id(site.node)] = reread
    return replace(wrapper, context=context, caller_literal=context.resolver.literal)


def _at_content(part: PromptPart) -> PromptPart:
    """A message whose content is a plain name (``HumanMessage(content=prompt)``, ``("human", prompt)``,
    ``{"role": "user", "content": prompt}``) placed at that name, so that a parameter's part is placed at
    the caller's argument, where its text is written (``prompt_wrappers``)."""
    node = part.node
    content: Optional[cst.BaseExpression] = None
    if isinstance(node, cst.Call):
        keywords = [arg for arg in node.args if arg.keyword is not None and arg.keyword.value == "content"]
        positional = [arg for arg in node.args if arg.keyword is None and not arg.star]
        if keywords:
            content = keywords[0].value
        elif len(positional) == 1:
            content = positional[0].value
    elif isinstance(node, cst.Tuple) and len(node.elements) == 2:
        content = node.elements[1].value
    elif isinstance(node, cst.Dict):
        for element in node.elements:
            key = getattr(element, "key", None)
            if isinstance(key, cst.SimpleString) and key.evaluated_value == "content":
                content = element.value
    return replace(part, node=content) if isinstance(content, cst.Name) else part
