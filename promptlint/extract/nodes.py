"""Compatibility alias: ``ModuleIndex`` now lives in ``promptlint.extract.module_index``.

Kept only while rule modules still import it from here; remove once none does.
"""

from promptlint.extract.module_index import ModuleIndex

__all__ = ["ModuleIndex"]
