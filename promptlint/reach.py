"""The cheap pass behind the byte prefilter: a file that imports no LLM SDK may still send requests through
the project's own modules.

``from .llm import ask`` where ``llm.py`` imports ``openai``; ``class ChatClient(OpenAIClient)`` with the
base imported from a module that builds the client. Such a file is linted, and only such a file: the pass
reads the modules the file imports (lazily, each once per run, within the project root and its excludes,
with ``promptlint.modules``), from their bytes alone. No module is parsed, imported or run.

An imported name *reaches an LLM* when the module it is read from passes the byte prefilter (imports an
LLM SDK) and writes a client construction, a call into an SDK module or a request method call (``_CALLS``:
``OpenAI(``, ``litellm.completion(``, ``.chat.completions.create(``): ``from .llm import ask``, ``from pkg
import llm``, ``import pkg.llm``. A module that imports an SDK only for its types, constants or errors makes
no file pass. A name read from a
package is followed through the re-exports of its ``__init__.py`` (``from .llm import ask``, up to 8 hops)
to the module that binds it, or to its submodule. A class of the file whose base is imported from the
project reaches an LLM when the base's module passes the prefilter, or the base's own bases do (up to 8
classes deep, through the bases written on each ``class`` line).

Not followed, and so never a reason to lint a file: a wrapper of a wrapper in a third module (``llm.py``
importing ``ask`` from a ``client.py`` that imports the SDK; following every import of every module costs
a read of most of a large project for each run), a name re-exported by a module that is not a package's
``__init__.py``, ``*`` imports, ``__import__``/``importlib``, an import after ``;`` or continued with a
backslash. A name bound more than once at the top of an ``__init__.py`` is unknown, and an unknown name
never makes a file pass.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from promptlint.modules import Excluded, Module, ModuleFinder, Package, Ref
from promptlint.prefilter import _unify_breaks, may_call_llm
from promptlint.record import Frozen, Record

_MAX_HOPS = 8  # re-exports followed from one name, and base classes followed from one class
_MAX_MODULE_SIZE = 2 * 1024 * 1024

# One import statement at a line start (the text gets a leading newline): ``from <dots><module> import
# <names>`` (names up to the end of the line, or a parenthesised list over lines), or ``import <modules>``.
_IMPORT = (
    rb"\n[ \t]*(?:from[ \t]+(\.*)[ \t]*([\w.]*)[ \t]+import[ \t]*(\([^)]*\)|[^\n#;\\]*)"
    rb"|import[ \t]+([^\n#;\\(]*))"
)
# Top-level definitions: ``def``/``async def``/``class`` names and simple assignments at column 0.
_DEFINED = (
    rb"\n(?:(?:async[ \t]+)?def[ \t]+(\w+)|class[ \t]+(\w+)[ \t]*(\([^)]*\))?|(\w+)[ \t]*(?::[^=\n]*)?=(?!=))"
)
_NAME = r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*"
# After a name: an attribute path that is called (``.ask(``); before it: a ``class`` line up to its bases.
_CALLED_ATTRIBUTE = rb"(?:\.[ \t]*\w+[ \t]*)+\("
_ON_CLASS_LINE = rb"\n[ \t]*class[ \t]+\w+[ \t]*\([^)\n]*$"
# What a module that sends requests writes, besides its SDK import: a client class constructed, a call
# into an SDK module, or a request method called. A module that imports an SDK for its types, constants or
# errors (``from openai import NOT_GIVEN``) writes none of these.
_CALLS = (
    rb"\b(?:Async)?(?:OpenAI|AzureOpenAI|Anthropic|AnthropicBedrock|AnthropicVertex|Groq|Together|Mistral"
    rb"|ClientV2|GenerativeModel|ChatOpenAI|AzureChatOpenAI|ChatAnthropic|ChatGoogleGenerativeAI)[ \t]*\("
    rb"|\b(?:openai|anthropic|genai|generativeai|litellm|cohere|groq|mistralai|together|boto3|vertexai)"
    rb"\.[\w.]*\("
    rb"|\.(?:completions|messages|responses|models|chat)\.(?:create|stream|parse|complete|generate_content)"
    rb"\w*[ \t]*\("
    rb"|\b(?:a?completion|converse|converse_stream|invoke_model)[ \t]*\("
)


_COMPILED: Dict[Any, Any] = {}


def _re(source: Any) -> Any:
    """The pattern ``source`` (one of the above), compiled when first used: compiling them all costs more
    than the rest of the pass on a few files."""
    pattern = _COMPILED.get(source)
    if pattern is None:
        pattern = _COMPILED[source] = re.compile(source)
    return pattern


class Import(Frozen):
    """One imported name: ``from <dots><module> import <name> as <alias>``, or ``import <module> as <alias>``
    (``name`` None); ``alias`` is the name bound, ``top`` whether the statement is at column 0."""

    __slots__ = ("dots", "module", "name", "alias", "top")

    def __init__(
        self, dots: int, module: Tuple[str, ...], name: Optional[str], alias: str, top: bool
    ) -> None:
        self.dots = dots
        self.module = module
        self.name = name
        self.alias = alias
        self.top = top


class Facts(Record):
    """What the pass needs from one module's bytes."""

    __slots__ = ("imports", "defined", "bases")

    def __init__(
        self,
        imports: List[Import],
        defined: Optional[Dict[str, str]] = None,  # top-level name -> "def", "class", "value"
        bases: Optional[Dict[str, Tuple[str, ...]]] = None,  # class -> dotted base names
    ) -> None:
        self.imports = imports
        self.defined = {} if defined is None else defined
        self.bases = {} if bases is None else bases


def imports_of(text: bytes) -> List[Import]:
    """Every import statement's names, in order (``text`` with a leading newline and ``\\n`` breaks)."""
    found: List[Import] = []
    for match in _re(_IMPORT).finditer(text):
        top = text[match.start() + 1 : match.start() + 2] not in (b" ", b"\t")
        dots, module, names, plain = match.groups()
        if plain is not None:
            for item in plain.decode("utf-8", "replace").split(","):
                words = item.split()
                if not words or not _re(_NAME).fullmatch(words[0]):
                    continue
                dotted = tuple(words[0].split("."))
                alias = words[2] if len(words) == 3 and words[1] == "as" else dotted[0]
                found.append(Import(0, dotted, None, alias, top))
            continue
        spelled = module.decode("utf-8", "replace")
        if spelled and not _re(_NAME).fullmatch(spelled):
            continue
        path = tuple(spelled.split(".")) if spelled else ()
        for item in names.strip(b"()").decode("utf-8", "replace").split(","):
            words = item.split("#")[0].split()
            if not words or not words[0].isidentifier():
                continue
            alias = words[2] if len(words) == 3 and words[1] == "as" else words[0]
            found.append(Import(len(dots), path, words[0], alias, top))
    return found


def facts_of(raw: bytes, text: Optional[bytes] = None) -> Facts:
    """The imports, top-level definitions and class bases of a module (``text``: ``_text(raw)``)."""
    text = _text(raw) if text is None else text
    facts = Facts(imports_of(text))
    for match in _re(_DEFINED).finditer(text):
        function, cls, bases, value = match.groups()
        name = (function or cls or value).decode("ascii", "replace")
        kind = "def" if function else "class" if cls else "value"
        if facts.defined.setdefault(name, kind) != kind:
            facts.defined[name] = "many"
        if cls and bases:
            facts.bases[name] = tuple(
                b.strip()
                for b in bases.strip(b"()").decode("utf-8", "replace").split(",")
                if _re(_NAME).fullmatch(b.strip())
            )
    return facts


class Reach:
    """The cheap pass for one project root; its memo lasts one run. ``sdk`` holds what the prefilter said
    of files read already (the run's own files), so that they are not read again."""

    def __init__(self, root: Path, excluded: Optional[Excluded] = None) -> None:
        self.finder = ModuleFinder(root, excluded)
        self.sdk: Dict[str, bool] = {}  # by absolute path
        self._excluded: Optional[Excluded] = None
        self.calls: Dict[Path, bool] = {}  # modules that import an SDK: whether they build or call
        self._facts: Dict[Path, Optional[Facts]] = {}
        self._read: List[str] = []  # modules read for the byte gate (the run's own files are in ``sdk``)
        self._modules: Dict[Tuple[str, Import], Optional[Tuple[Path, Optional[str]]]] = {}

    def through(self, path: Path, raw: bytes, excluded: Optional[Excluded] = None) -> Tuple[Path, ...]:
        """The project modules through which the file at ``path`` (bytes ``raw``, which import no SDK) may
        send a request: the module importing the SDK last, the modules of the base classes that lead there
        before it; empty when there are none. ``excluded``: the paths the configuration excludes for this
        file; a module there is never a reason to lint it."""
        if b"import" not in raw:
            return ()
        self._excluded = excluded
        path = Path(os.path.abspath(path))
        text = _text(raw)
        imports = imports_of(text)
        for item in imports:
            if not _used(text, item.alias):
                continue
            found = self._module(path, item)
            if found is not None and self._sdk(found[0]):
                return (found[0],)
        if b"class" not in raw:
            return ()
        own = facts_of(raw, text)
        for bases in own.bases.values():
            chain = self._bases(path, own, bases, 0)
            if chain:
                return chain
        return ()

    def _bases(self, path: Path, facts: Facts, bases: Tuple[str, ...], depth: int) -> Tuple[Path, ...]:
        """The modules from the first of ``bases`` (of a class in the module at ``path``) that reaches an
        SDK module, through the bases of the bases."""
        if depth > _MAX_HOPS:
            return ()
        for base in bases:
            head, _, rest = base.partition(".")
            item = next((i for i in facts.imports if i.alias == head), None)
            if item is None:
                continue
            if rest:  # ``module.Base`` or ``pkg.module.Base``: the class named last
                dotted = rest.split(".")
                item = Import(item.dots, _bound(item) + tuple(dotted[:-1]), dotted[-1], dotted[-1], True)
            found = self._module(path, item)
            if found is None or found[1] is None:
                continue
            module, name = found
            if self._sdk(module):
                return (module,)
            other = self.facts(module)
            if other is not None and name in other.bases:
                chain = self._bases(module, other, other.bases[name], depth + 1)
                if chain:
                    return (module, *chain)
        return ()

    def consulted(self) -> List[str]:
        """Every file this pass read and every directory or ``pyproject.toml`` it consulted."""
        return [*self._read, *(str(path) for path in self._facts), *(str(p) for p in self.calls)] + (
            self.finder.consulted()
        )

    # -- modules --------------------------------------------------------------------------------------------

    def _sdk(self, path: Path) -> bool:
        """Whether the module at ``path`` may send requests: it imports an SDK and builds or calls."""
        if self._excluded is not None and self._excluded(path, False):
            return False
        key = str(path)
        if key not in self.sdk:
            self._read.append(key)
            self.sdk[key] = may_call_llm(_read(path))
        return self.sdk[key] and makes_calls(path, self.calls)

    def facts(self, path: Path) -> Optional[Facts]:
        if path not in self._facts:
            try:
                raw = path.read_bytes() if path.stat().st_size <= _MAX_MODULE_SIZE else None
            except OSError:
                raw = None
            self._facts[path] = facts_of(raw) if raw is not None else None
        return self._facts[path]

    def _module(self, importer: Path, item: Import) -> Optional[Tuple[Path, Optional[str]]]:
        """The module file an imported name is read from, and the name there (None for a module)."""
        key = (os.path.dirname(importer), item)  # str: resolution depends on the directory alone
        if key not in self._modules:
            self._modules[key] = None  # a cycle of re-exports is unknown
            self._modules[key] = self._find(importer, item, 0)
        return self._modules[key]

    def _find(self, importer: Path, item: Import, hops: int) -> Optional[Tuple[Path, Optional[str]]]:
        if hops > _MAX_HOPS:
            return None
        started = self.finder.start(importer, item.dots, item.module)
        if started is None:
            return None
        ref: Optional[Ref] = started[0]
        for name in started[1]:  # ``from a.b import c`` and ``import a.b``: a.b is a (sub)module
            ref = self.finder.child(ref.directory, name) if isinstance(ref, Package) else None
            if ref is None:
                return None
        assert ref is not None
        if item.name is None:
            source = _file(ref)
            return (source, None) if source is not None else None
        if isinstance(ref, Module):
            return ref.path, item.name
        return self._in_package(ref, item.name, hops)

    def _in_package(self, package: Package, name: str, hops: int) -> Optional[Tuple[Path, Optional[str]]]:
        """What ``name`` read from a package is: bound in its ``__init__.py`` (a re-export followed), else
        its submodule."""
        facts = self.facts(package.init) if package.init is not None else None
        if facts is not None:
            exports = [i for i in facts.imports if i.top and i.alias == name]
            kind = facts.defined.get(name)
            if kind is not None and not exports:
                return package.init, name  # type: ignore[return-value]
            if len(exports) == 1 and kind is None:
                item = exports[0]
                if not (item.dots == 1 and item.module == () and item.name == name):
                    return self._find(package.init, item, hops + 1)  # type: ignore[arg-type]
            elif exports or kind is not None:
                return None
        submodule = self.finder.child(package.directory, name)
        if submodule is None:
            return None
        source = _file(submodule)
        return (source, None) if source is not None else None


def _used(text: bytes, alias: str) -> bool:
    """Whether the file calls the name an import binds, or something reached through it (``ask(``,
    ``llm.ask(``), or names it on a ``class`` line's bases (``class C(Base``): an imported name used only
    in annotations, ``isinstance`` checks or ``except`` clauses sends nothing. Each occurrence is looked at
    where ``find`` puts it, with no pattern to compile per name."""
    word = alias.encode()
    start = text.find(word)
    while start >= 0:
        end = start + len(word)
        before = text[start - 1 : start]
        if not (before.isalnum() or before in (b"_", b".")):
            after = text[end : end + 200].lstrip(b" \t")
            if after[:1] == b"(" or (after[:1] == b"." and _re(_CALLED_ATTRIBUTE).match(after)):
                return True
            if after[:1] in (b")", b",") and _re(_ON_CLASS_LINE).search(
                text, text.rfind(b"\n", 0, start), start
            ):
                return True
        start = text.find(word, end)
    return False


def makes_calls(path: Path, known: Dict[Path, bool]) -> bool:
    """Whether the module at ``path`` (which imports an SDK) builds a client or calls (``_CALLS``)."""
    if path not in known:
        known[path] = _re(_CALLS).search(_read(path)) is not None
    return known[path]


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes() if path.stat().st_size <= _MAX_MODULE_SIZE else b""
    except OSError:
        return b""


def _text(raw: bytes) -> bytes:
    """The bytes the patterns read: a leading newline, no byte-order mark, ``\n`` line breaks."""
    return b"\n" + _unify_breaks(raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw)


def _bound(item: Import) -> Tuple[str, ...]:
    """The module path the name an import binds stands for: ``import a.b`` binds ``a``, ``import a.b as
    c`` binds ``a.b``, ``from a import b`` binds ``a.b``."""
    if item.name is not None:
        return item.module + (item.name,)
    if len(item.module) > 1 and item.alias == item.module[0]:
        return item.module[:1]
    return item.module


def _file(ref: Ref) -> Optional[Path]:
    return ref.path if isinstance(ref, Module) else ref.init
