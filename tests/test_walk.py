"""The read-only walk visits the nodes libcst's own traversal visits, in the same order (less the whitespace
and punctuation tokens it does not enter)."""

from __future__ import annotations

import textwrap

import libcst as cst

from promptlint.extract.walk import _TOKENS, walk

SOURCE = textwrap.dedent(
    '''\
    """Module docstring."""
    from __future__ import annotations

    import os.path as p, sys
    from a.b import (c as d, e)

    @decorator(arg=1)
    class Thing(Base, metaclass=Meta):
        x: int = 0

        async def method(self, a, /, b=2, *args, c, d=4, **kwargs) -> "Thing":
            global g
            async with open(a) as f, other() as (h, i):
                async for item in f:
                    yield item
            try:
                value = [x ** 2 for x in range(10) if x % 2] or {k: v for k, v in kwargs.items()}
            except (ValueError, TypeError) as error:
                raise RuntimeError("no") from error
            else:
                pass
            finally:
                del value
            while not a and (b or c):
                a -= 1
                if a is None: break
                elif a in b: continue
            lam = lambda q, *r: q[1:2, ::3]
            s = f"{a!r:>{width}} and {b}" "tail"
            t = {1, 2, *p}, (yield), await thing(), not a
            match command:
                case [x, y, *rest] if x > y:
                    pass
                case {"key": value, **others}:
                    pass
                case Point(x=0) | None:
                    pass
            return cast(Thing, self) if a else b[c](d).e
    '''
)


def _recorder() -> cst.CSTVisitor:
    names = {
        cls.__name__ for cls in vars(cst).values() if isinstance(cls, type) and issubclass(cls, cst.CSTNode)
    }

    class Recorder(cst.CSTVisitor):
        def __init__(self) -> None:
            super().__init__()
            self.seen: list = []

    for name in names:
        setattr(Recorder, f"visit_{name}", lambda self, node: self.seen.append(type(node).__name__))
    return Recorder()


def test_the_walk_visits_what_libcst_visits_in_the_same_order() -> None:
    module = cst.parse_module(SOURCE)
    theirs, ours = _recorder(), _recorder()
    module.visit(theirs)
    walk(module, ours)
    tokens = {
        cls.__name__ for cls in vars(cst).values() if isinstance(cls, type) and issubclass(cls, _TOKENS)
    }
    expected = [name for name in theirs.seen if name not in tokens]
    assert len(expected) > 150
    assert ours.seen == expected
