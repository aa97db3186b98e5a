"""``self`` read inside a function nested in a method: ``def process(batch): self.client.chat...`` in a
method of the class.

A nested ``def`` or ``lambda`` that does not bind the name itself sees the method's ``self`` as a closure
variable: it is the same object, so ``self.client`` there is what the class gives ``client``. The method is
found by walking out through the nested functions (up to a few), and only when none of them rebinds the name.
"""

from __future__ import annotations

from typing import Optional

from promptlint.extract.scopes import Scope

_MAX_NESTING = 4


def method_of(scope: Scope, name: str) -> Optional[Scope]:
    """The method whose ``self`` (its first parameter, spelled ``name``) is what ``name`` stands for in
    ``scope``: the enclosing method itself, or one that a nested function inside it closes over."""
    function = scope.enclosing_function()
    for _ in range(_MAX_NESTING):
        if function is None:
            return None
        if function.owner_class is not None:
            return function if name == function.self_name else None
        if name in function.bindings or function.parent is None:
            return None  # the nested function binds the name itself: not the method's ``self``
        outer = function.parent
        while outer is not None and outer.kind == "comprehension":
            if name in outer.bindings:
                return None
            outer = outer.parent
        if outer is None or outer.kind != "function":
            return None  # a function at module level or in a class body: nothing is closed over
        function = outer
    return None
