"""Rule discovery through the ``promptlint.rules`` entry-point group, and rule selection.

The built-in rules are found exactly as a third-party pack is: the entry-point name is the code prefix the
pack owns, its value a sequence of ``Rule`` subclasses.

Selecting and configuring rules needs only their codes, names, defaults and option defaults, which the
cached index of the installed packs (``promptlint.rule_index``) holds: a ``LazyRegistry`` answers from it
and imports the rule modules only when a file is linted. ``load_registry`` loads every pack at once.
"""

from __future__ import annotations

from collections import abc
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

if TYPE_CHECKING:
    from promptlint.rule import Rule

GROUP = "promptlint.rules"

# One installed pack, as its entry point declares it: (prefix, "module:attribute", distribution name).
Pack = Tuple[str, str, str]


class PluginError(Exception):
    """A rule pack that cannot be loaded or declares a broken rule."""


class _Selecting:
    """Selection over ``self.rules``: anything with ``code``, ``name`` and ``default_enabled``."""

    rules: Tuple[Any, ...]  # sorted by code

    def by_code(self, code: str) -> Optional[Any]:
        return next((rule for rule in self.rules if rule.code == code), None)

    def find(self, key: str) -> Optional[Any]:
        """A rule by code (``LLM201``) or name (``missing-output-limit``)."""
        return next((rule for rule in self.rules if key in (rule.code, rule.name)), None)

    def matching(self, selector: str) -> List[Any]:
        """Rules a selector names: ``ALL``, a code prefix (``LLM``, ``LLM2``), a code, or a rule name."""
        if selector == "ALL":
            return list(self.rules)
        by_name = [rule for rule in self.rules if rule.name == selector]
        if by_name:
            return by_name
        return [rule for rule in self.rules if rule.code.startswith(selector)]

    def select(
        self, select: Optional[Sequence[str]], ignore: Sequence[str], extend_select: Sequence[str] = ()
    ) -> List[Any]:
        """The enabled rules: ``select`` (default: the rules on by default) plus ``extend_select``, less
        ``ignore``. Raises ValueError naming a selector that matches nothing."""
        for selector in [*(select or ()), *ignore, *extend_select]:
            if not self.matching(selector):
                raise ValueError(f"unknown rule selector `{selector}`")
        if select is None:
            chosen = {rule.code for rule in self.rules if rule.default_enabled}
        else:
            chosen = {rule.code for selector in select for rule in self.matching(selector)}
        chosen |= {rule.code for selector in extend_select for rule in self.matching(selector)}
        chosen -= {rule.code for selector in ignore for rule in self.matching(selector)}
        return [rule for rule in self.rules if rule.code in chosen]


class Registry(_Selecting):
    """Every installed rule class, sorted by code."""

    def __init__(self, rules: Tuple[type[Rule], ...]) -> None:
        self.rules = rules

    def loaded(self) -> Registry:
        return self

    def classes(self, rules: Sequence[Any]) -> Sequence[type[Rule]]:
        return list(rules)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Registry) and other.rules == self.rules

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Registry(rules={self.rules!r})"


class RuleInfo:
    """What selection and configuration need of a rule without importing it: its code, name, whether it is
    on by default and its options' defaults."""

    __slots__ = ("code", "name", "default_enabled", "options")

    def __init__(self, code: str, name: str, default_enabled: bool, options: Mapping[str, Any]) -> None:
        self.code = code
        self.name = name
        self.default_enabled = default_enabled
        self.options = options

    def __repr__(self) -> str:
        return f"RuleInfo({self.code!r}, {self.name!r})"


class LazyRegistry(_Selecting):
    """The rules as the index describes them; ``loaded()`` imports the packs (once) and checks that they
    still declare what the index says, raising PluginError when they do not."""

    def __init__(
        self,
        infos: Iterable[Tuple[str, str, bool, Mapping[str, Any]]],
        packs: Sequence[Pack],
        on_stale: Optional[Callable[[], None]] = None,
    ) -> None:
        self.rules = tuple(RuleInfo(*info) for info in infos)
        self.packs = tuple(packs)
        self._on_stale = on_stale
        self._loaded: Optional[Registry] = None

    def loaded(self) -> Registry:
        if self._loaded is None:
            registry = assemble((prefix, value, dist, _importer(value)) for prefix, value, dist in self.packs)
            if describe(registry) != [(r.code, r.name, r.default_enabled, r.options) for r in self.rules]:
                if self._on_stale is not None:
                    self._on_stale()
                raise PluginError("the installed rule packs changed during the run; run promptlint again")
            self._loaded = registry
        return self._loaded

    def classes(self, rules: Sequence[Any]) -> Sequence[type[Rule]]:
        """The rule classes of ``rules`` (what ``select`` returned), loaded on first use."""
        return _LoadedRules(self, [rule.code for rule in rules])

    def __reduce__(self):  # a worker started by spawn gets the index, and loads the packs itself
        infos = [(r.code, r.name, r.default_enabled, r.options) for r in self.rules]
        return (LazyRegistry, (infos, self.packs))


class _LoadedRules(abc.Sequence):
    """Rule classes by code, imported when first looked at: most reporters never look."""

    def __init__(self, registry: LazyRegistry, codes: List[str]) -> None:
        self._registry = registry
        self._codes = codes
        self._rules: Optional[List[type[Rule]]] = None

    def _load(self) -> List[type[Rule]]:
        if self._rules is None:
            by_code = {rule.code: rule for rule in self._registry.loaded().rules}
            self._rules = [by_code[code] for code in self._codes]
        return self._rules

    def __getitem__(self, index):  # type: ignore[override]
        return self._load()[index]

    def __len__(self) -> int:
        return len(self._codes)


def describe(registry: Registry) -> List[Tuple[str, str, bool, Mapping[str, Any]]]:
    """What the index keeps of each rule."""
    return [(rule.code, rule.name, bool(rule.default_enabled), dict(rule.options)) for rule in registry.rules]


def _importer(value: str) -> Callable[[], object]:
    """``module:attr.attr`` loaded the way ``EntryPoint.load`` does."""

    def load() -> object:
        import importlib

        module, _, attributes = value.partition(":")
        found: object = importlib.import_module(module.strip())
        for attribute in filter(None, attributes.strip().split(".")):
            found = getattr(found, attribute)
        return found

    return load


def _entry_points() -> Iterable[Tuple[Any, str]]:
    """Every ``promptlint.rules`` entry point with the name of the distribution that declares it.

    Walking the distributions (rather than ``entry_points(group=...)``) names the distribution on every
    Python version; a distribution found twice on ``sys.path`` is counted once.
    """
    from importlib import metadata

    seen = set()
    for distribution in metadata.distributions():
        name = distribution.metadata["Name"] or "?"
        for entry_point in distribution.entry_points:
            if entry_point.group != GROUP:
                continue
            key = (name, entry_point.name, entry_point.value)
            if key not in seen:
                seen.add(key)
                yield entry_point, name


def installed_packs() -> List[Tuple[str, str, str, Callable[[], object]]]:
    """Every installed pack as (prefix, value, distribution, loader), found through the distributions'
    metadata."""
    return [(ep.name, ep.value, name, ep.load) for ep, name in _entry_points()]


def load_registry() -> Registry:
    """Load every installed rule pack; raise PluginError naming the pack at the first problem."""
    return assemble(installed_packs())


def assemble(packs: Iterable[Tuple[str, str, str, Callable[[], object]]]) -> Registry:
    """Load the given packs, in the order of their prefixes and values; raise PluginError naming the pack
    at the first problem."""
    rules: Dict[str, type[Rule]] = {}
    names: Dict[str, str] = {}
    seen_prefixes: Dict[str, str] = {}
    for prefix, value, distribution_name, load in sorted(packs, key=lambda item: (item[0], item[1])):
        distribution = f" (from distribution `{distribution_name}`)"
        if prefix in seen_prefixes and seen_prefixes[prefix] != value:
            raise PluginError(
                f"rule packs `{seen_prefixes[prefix]}` and `{value}` both claim the prefix `{prefix}`"
            )
        seen_prefixes[prefix] = value
        try:
            pack = load()
        except Exception as error:  # a broken plugin must not take the linter down with a traceback
            raise PluginError(
                f"cannot load rule pack `{prefix} = {value}`{distribution}: {type(error).__name__}: {error}"
            ) from error
        for rule in _rules_of(pack, prefix, value):
            if rule.code in rules and rules[rule.code] is not rule:
                raise PluginError(f"rule code `{rule.code}` is declared twice ({value})")
            if rule.name in names and names[rule.name] != rule.code:
                raise PluginError(f"rule name `{rule.name}` is declared twice ({value})")
            rules[rule.code] = rule
            names[rule.name] = rule.code
    return Registry(tuple(sorted(rules.values(), key=lambda rule: rule.code)))


def _rules_of(pack: object, prefix: str, where: str) -> List[type[Rule]]:
    from promptlint.rule import Rule

    if isinstance(pack, type):
        pack = (pack,)
    if not isinstance(pack, (list, tuple)):
        raise PluginError(f"rule pack `{where}` is not a sequence of Rule classes")
    result = []
    for rule in pack:
        if not (isinstance(rule, type) and issubclass(rule, Rule)):
            raise PluginError(f"rule pack `{where}` lists `{rule!r}`, which is not a Rule subclass")
        try:
            rule.validate_declaration()
        except ValueError as error:
            raise PluginError(f"rule pack `{where}`: {error}") from error
        if not rule.code.startswith(prefix):
            raise PluginError(f"rule pack `{where}`: code `{rule.code}` is outside its prefix `{prefix}`")
        result.append(rule)
    return result
