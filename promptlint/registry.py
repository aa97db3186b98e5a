"""Rule discovery through the ``promptlint.rules`` entry-point group, and rule selection.

The built-in rules are found exactly as a third-party pack is: the entry-point name is the code prefix the
pack owns, its value a sequence of ``Rule`` subclasses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Sequence, Tuple, Type

from promptlint.rule import Rule

GROUP = "promptlint.rules"


class PluginError(Exception):
    """A rule pack that cannot be loaded or declares a broken rule."""


@dataclass(frozen=True)
class Registry:
    rules: Tuple[Type[Rule], ...]  # sorted by code

    def by_code(self, code: str) -> Optional[Type[Rule]]:
        return next((rule for rule in self.rules if rule.code == code), None)

    def find(self, key: str) -> Optional[Type[Rule]]:
        """A rule by code (``LLM201``) or name (``missing-output-limit``)."""
        return next((rule for rule in self.rules if key in (rule.code, rule.name)), None)

    def matching(self, selector: str) -> List[Type[Rule]]:
        """Rules a selector names: ``ALL``, a code prefix (``LLM``, ``LLM2``), a code, or a rule name."""
        if selector == "ALL":
            return list(self.rules)
        by_name = [rule for rule in self.rules if rule.name == selector]
        if by_name:
            return by_name
        return [rule for rule in self.rules if rule.code.startswith(selector)]

    def select(
        self, select: Optional[Sequence[str]], ignore: Sequence[str], extend_select: Sequence[str] = ()
    ) -> List[Type[Rule]]:
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


def _entry_points() -> Iterable[Tuple[object, str]]:
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


def load_registry() -> Registry:
    """Load every installed rule pack; raise PluginError naming the pack at the first problem."""
    rules: Dict[str, Type[Rule]] = {}
    names: Dict[str, str] = {}
    seen_prefixes: Dict[str, str] = {}
    for entry_point, distribution_name in sorted(
        _entry_points(), key=lambda item: (item[0].name, item[0].value)
    ):
        prefix = entry_point.name
        distribution = f" (from distribution `{distribution_name}`)"
        if prefix in seen_prefixes and seen_prefixes[prefix] != entry_point.value:
            raise PluginError(
                f"rule packs `{seen_prefixes[prefix]}` and `{entry_point.value}` both claim the prefix `{prefix}`"
            )
        seen_prefixes[prefix] = entry_point.value
        try:
            pack = entry_point.load()
        except Exception as error:  # a broken plugin must not take the linter down with a traceback
            raise PluginError(
                f"cannot load rule pack `{prefix} = {entry_point.value}`{distribution}: "
                f"{type(error).__name__}: {error}"
            ) from error
        for rule in _rules_of(pack, prefix, entry_point.value):
            if rule.code in rules and rules[rule.code] is not rule:
                raise PluginError(f"rule code `{rule.code}` is declared twice ({entry_point.value})")
            if rule.name in names and names[rule.name] != rule.code:
                raise PluginError(f"rule name `{rule.name}` is declared twice ({entry_point.value})")
            rules[rule.code] = rule
            names[rule.name] = rule.code
    return Registry(tuple(sorted(rules.values(), key=lambda rule: rule.code)))


def _rules_of(pack: object, prefix: str, where: str) -> List[Type[Rule]]:
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
