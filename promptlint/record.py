"""Plain records for the start-up path, instead of dataclasses.

Creating a dataclass compiles its ``__init__``, ``__repr__``, ``__eq__`` (and more) from generated source
when its module is imported: about 4 M instructions a class, and ``dataclasses`` itself imports
``inspect``. The two dozen records a pre-commit call needs cost more than the rest of the call did. A
``Record`` subclass writes its ``__init__`` by hand (compiled once, into the bytecode cache) and lists its
fields in ``__slots__``; equality, hashing and ``repr`` follow the fields as a dataclass's would.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Tuple


class Record:
    """Equality and ``repr`` by the fields in ``__slots__`` (in order), like ``@dataclass``; not hashable,
    like a dataclass that is not frozen. ``_compared`` and ``_hidden`` narrow equality and ``repr`` as
    ``field(compare=False)`` and ``field(repr=False)`` do."""

    __slots__ = ()
    _compared: Tuple[str, ...] = ()  # the fields equality (and the hash) looks at; () for all of them
    _hidden: Tuple[str, ...] = ()  # fields left out of ``repr``

    def _values(self) -> Tuple[Any, ...]:
        return tuple(getattr(self, name) for name in (self._compared or self.__slots__))

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            return self._values() == other._values()  # type: ignore[attr-defined]
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        fields = ", ".join(
            f"{name}={getattr(self, name)!r}" for name in self.__slots__ if name not in self._hidden
        )
        return f"{type(self).__qualname__}({fields})"


class Frozen(Record):
    """A record that is never changed once made (by convention: nothing enforces it), and so hashable."""

    __slots__ = ()

    def __hash__(self) -> int:
        return hash(self._values())
