"""Dataclass methods compiled by an earlier run are served from the user's cache, and are the same."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROBE = """
import sys
from promptlint import method_cache
if sys.argv[1] == "install":
    method_cache.install(sys.argv[2])
import dataclasses

@dataclasses.dataclass(frozen=True)
class Point:
    x: int
    y: "tuple[int, ...]" = dataclasses.field(default=(), compare=True)

point = Point(1)
methods = [getattr(Point, name).__code__ for name in ("__init__", "__repr__", "__eq__", "__hash__", "__setattr__")]
shape = [(c.co_code, c.co_consts, c.co_names, c.co_varnames, c.co_filename, c.co_flags) for c in methods]
try:
    point.x = 2
    frozen = False
except dataclasses.FrozenInstanceError:
    frozen = True
print(repr((repr(point), point == Point(1, ()), hash(point) == hash(Point(1)), frozen, Point.__init__.__annotations__)))
print(repr(shape))
print(len(method_cache._new))
"""


def run(*args: str) -> list:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True, env=dict(os.environ)
    )
    return result.stdout.splitlines()


def test_methods_come_back_from_the_cache_exactly_as_compiled(tmp_path: Path) -> None:
    plain = run("plain")
    first = run("install", str(tmp_path))
    (table,) = tmp_path.glob("dataclass-methods-*.marshal")
    second = run("install", str(tmp_path))
    assert plain[0] == (
        "('Point(x=1, y=())', True, True, True, {'x': <class 'int'>, 'y': 'tuple[int, ...]', 'return': None})"
    )
    assert first[:2] == second[:2] == plain[:2]  # same behaviour, same code objects
    assert (plain[2], int(first[2]) > 0, second[2]) == ("0", True, "0")  # the second run compiled nothing
    assert table.stat().st_size > 0


def test_a_damaged_table_is_compiled_again(tmp_path: Path) -> None:
    run("install", str(tmp_path))
    (table,) = tmp_path.glob("dataclass-methods-*.marshal")
    table.write_bytes(b"\x00garbage")
    again = run("install", str(tmp_path))
    assert int(again[2]) > 0
    assert again[:2] == run("plain")[:2]
