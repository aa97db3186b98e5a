"""The dated model table: prices and limits that turn token savings into money.

The numbers live in ``data/models.toml`` (with their sources and an ``as_of`` date) and in the user's
``[tool.promptlint.models."<id>"]`` overrides, never in code. An unknown model or an absent field means
"unpriced": callers must say so rather than guess. Model names are resolved by a fixed set of exact
rewrites (provider prefixes, dated snapshots, Bedrock ids), never by similarity.
"""

from __future__ import annotations

import datetime
import functools
import math
import re
import sys
from collections.abc import Mapping as _MappingABC
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple

__all__ = [
    "OVERRIDE_KEYS",
    "ModelData",
    "ModelDataError",
    "ModelInfo",
    "ModelTable",
    "Retirement",
    "load_model_table",
    "shipped_retirement",
    "shipped_table_date",
]

_DATA_PATH = Path(__file__).parent / "data" / "models.toml"

# Keys a user may set for a model; the shipped table additionally has aliases, source and tokenizer-factor.
OVERRIDE_KEYS = frozenset(
    {
        "provider",
        "input",
        "output",
        "cache-read",
        "cache-write",
        "batch-discount",
        "context-window",
        "max-output",
        "min-cacheable",
    }
)
# Package-only keys besides: ``reasoning`` (the model spends reasoning tokens by default, inside the output
# cap), ``tier`` ("frontier", "standard" or "small" within its provider's line-up) and ``small-alternative``
# (the same provider's small model that would do a tiny-output task; an id of this table).
_BASE_KEYS = OVERRIDE_KEYS | {
    "aliases",
    "source",
    "tokenizer-factor",
    "reasoning",
    "tier",
    "small-alternative",
}
_TIERS = ("frontier", "standard", "small")
_RETIREMENT_KEYS = frozenset({"provider", "shutdown", "successor", "source"})
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PRICE_KEYS = ("input", "output", "cache-read", "cache-write")
_TOKEN_KEYS = ("context-window", "max-output", "min-cacheable")
_USER_SOURCE = "user"

# Prefixes that routers and SDK wrappers put before a provider's own id (litellm, Vertex, the Gemini API).
_PROVIDER_PREFIXES = frozenset(
    {"openai", "anthropic", "azure", "gemini", "vertex_ai", "bedrock", "models", "deepseek"}
)
# The prefixes of a provider's own API: retirement dates apply there, not on Azure, Bedrock or Vertex AI.
_FIRST_PARTY_PREFIXES = frozenset({"openai", "anthropic", "gemini", "models", "deepseek"})
# Dated snapshots: -20250929 (Anthropic), -2024-08-06 (OpenAI), @20250929 (Claude on Vertex AI).
_DATE_SUFFIX = re.compile(r"(?:-\d{8}|-\d{4}-\d{2}-\d{2}|@\d{8})$")
# Bedrock: optional cross-region prefix (us., eu., apac., global.), the vendor, an optional -v1:0 version.
_BEDROCK_ID = re.compile(r"^(?:[a-z][a-z-]{1,7}\.)?anthropic\.(?P<id>[a-z0-9.-]+?)(?:-v\d+(?::\d+)?)?$")


class ModelDataError(ValueError):
    """A model entry (shipped or user-supplied) has an unknown key or a value of the wrong type."""


@dataclass(frozen=True)
class ModelInfo:
    """One model's prices (USD per 1M tokens) and limits (tokens); ``None`` means not known."""

    id: str
    provider: str
    input: Optional[float]
    output: Optional[float]
    cache_read: Optional[float]
    cache_write: Optional[float]
    batch_discount: Optional[float]
    context_window: Optional[int]
    max_output: Optional[int]
    min_cacheable: Optional[int]
    source: str  # the text of the source the prices come from
    tokenizer_factor: float  # multiplier on o200k_base counts approximating this model's tokenizer
    reasoning: bool = False  # spends reasoning tokens by default, counted inside the output cap
    tier: Optional[str] = None  # "frontier", "standard" or "small" within the provider's line-up
    small_alternative: Optional[str] = None  # the same provider's small model for tiny-output tasks

    @property
    def caches_at_breakpoints_only(self) -> bool:
        """OpenAI's gpt-5.6 and later cache only at breakpoints (an implicit one at the latest message, no
        fallback to a shorter prefix; PROVIDER_FACTS 2.2, "GPT-5.6 and later"). The table tells them apart
        by their cache-write premium: earlier OpenAI models write to the cache at the input price."""
        return (
            self.provider == "openai"
            and self.input is not None
            and self.cache_write is not None
            and self.cache_write > self.input
        )

    aliases: Tuple[str, ...] = ()  # other ids that resolve to this entry


@dataclass(frozen=True)
class Retirement:
    """A model id the provider shuts down (or has shut down) on its own API, from the dated table.

    ``retired`` compares ``shutdown`` with the table's ``as_of`` date, never with the machine's clock, so
    that output is the same wherever and whenever promptlint runs.
    """

    id: str  # the exact id the provider lists
    provider: str
    shutdown: str  # ISO date
    successor: Optional[str]  # the provider's named replacement, when it names one without conflict
    source: str  # the text of the source
    as_of: str  # the table's date

    @property
    def retired(self) -> bool:
        return self.shutdown <= self.as_of

    def days_after_table(self) -> int:
        """Days from the table's date to the shutdown (negative when already retired)."""
        return (datetime.date.fromisoformat(self.shutdown) - datetime.date.fromisoformat(self.as_of)).days


class ModelTable:
    """Model entries with exact-name lookup; build it with :func:`load_model_table`."""

    def __init__(
        self,
        as_of: str,
        models: Mapping[str, ModelInfo],
        aliases: Mapping[str, str],
        retirements: Optional[Mapping[str, Retirement]] = None,
    ) -> None:
        self.as_of = as_of
        self._models: Dict[str, ModelInfo] = dict(models)
        self._aliases: Dict[str, str] = dict(aliases)
        self._retirements: Dict[str, Retirement] = dict(retirements or {})

    def lookup(self, model: str) -> Optional[ModelInfo]:
        """The entry for ``model``, or None when no normalisation step yields a known id or alias."""
        for candidate in _candidates(model):
            found = self._exact(candidate)
            if found is not None:
                return found
        return None

    def all(self) -> List[ModelInfo]:
        """Every entry, sorted by provider then id."""
        return sorted(self._models.values(), key=lambda info: (info.provider, info.id))

    def retirement(self, model: str) -> Optional[Retirement]:
        """The provider's shutdown of ``model`` on its own API, or None when the table lists none.

        Retirements are listed per exact id, because a dated snapshot may be shut down while its alias moves
        on. The name is tried as written, without first-party router prefixes (``openai/``, ``anthropic/``,
        ``gemini/``, ``models/``, ``deepseek/``; never ``azure/``, ``bedrock/`` or ``vertex_ai/``, whose
        platforms keep their own schedules), then without a date suffix: a retired alias takes its dated
        snapshots with it, unless a snapshot has a row of its own.
        """
        name = model
        while "/" in name and name.split("/", 1)[0] in _FIRST_PARTY_PREFIXES:
            name = name.split("/", 1)[1]
        found = self._retirements.get(name)
        if found is None:
            undated = _DATE_SUFFIX.sub("", name)
            if undated != name and undated:
                found = self._retirements.get(undated)
        return found

    def retirements(self) -> List[Retirement]:
        """Every retirement row, by shutdown date then id."""
        return sorted(self._retirements.values(), key=lambda r: (r.shutdown, r.id))

    def _exact(self, name: str) -> Optional[ModelInfo]:
        info = self._models.get(name)
        if info is None and name in self._aliases:
            info = self._models[self._aliases[name]]
        return info


def _candidates(model: str) -> Iterator[str]:
    """The names tried for ``model``, in order: as given, without router prefixes, as a Bedrock id, then
    without ``-latest`` or a date suffix. Each step is an exact rewrite, so ``gpt-4o-foo`` stays unknown."""
    name = model
    yield name
    while "/" in name and name.split("/", 1)[0] in _PROVIDER_PREFIXES:
        name = name.split("/", 1)[1]
        yield name
    bedrock = _BEDROCK_ID.match(name)
    if bedrock:
        name = bedrock.group("id")
        yield name
    if name.endswith("-latest"):
        name = name[: -len("-latest")]
        yield name
    undated = _DATE_SUFFIX.sub("", name)
    if undated != name and undated:
        yield undated


def _load_toml(path: Path) -> Dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.9/3.10 only
        import tomli as tomllib
    with path.open("rb") as handle:
        return tomllib.load(handle)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _check_fields(model: str, fields: Mapping[str, Any], allowed: frozenset) -> None:
    """Raise ModelDataError naming the model and the key for the first bad key or value."""
    if not isinstance(fields, _MappingABC):
        raise ModelDataError(f"models.{model}: expected a table of keys, got {type(fields).__name__}")
    for key, value in fields.items():
        where = f"models.{model}.{key}"
        if key not in allowed:
            raise ModelDataError(f"models.{model}: unknown key `{key}`")
        if key in ("provider", "source"):
            if not isinstance(value, str) or not value:
                raise ModelDataError(f"{where}: expected a non-empty string, got {value!r}")
        elif key == "aliases":
            if not isinstance(value, list) or not all(isinstance(a, str) and a for a in value):
                raise ModelDataError(f"{where}: expected a list of model ids, got {value!r}")
        elif key in _TOKEN_KEYS:
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ModelDataError(f"{where}: expected a whole number of tokens >= 0, got {value!r}")
        elif key == "batch-discount":
            if not _is_number(value) or not 0 <= value <= 1:
                raise ModelDataError(f"{where}: expected a fraction between 0 and 1, got {value!r}")
        elif key == "tokenizer-factor":
            if not _is_number(value) or value <= 0:
                raise ModelDataError(f"{where}: expected a number > 0, got {value!r}")
        elif key in _PRICE_KEYS:
            if not _is_number(value) or value < 0:
                raise ModelDataError(f"{where}: expected a price in USD per 1M tokens >= 0, got {value!r}")
        elif key == "reasoning":
            if not isinstance(value, bool):
                raise ModelDataError(f"{where}: expected true or false, got {value!r}")
        elif key == "tier":
            if value not in _TIERS:
                raise ModelDataError(f"{where}: expected one of {', '.join(_TIERS)}, got {value!r}")
        elif key == "small-alternative":
            if not isinstance(value, str) or not value:
                raise ModelDataError(f"{where}: expected a model id, got {value!r}")


def _info(model: str, fields: Mapping[str, Any], source: str, factor: float) -> ModelInfo:
    def price(key: str) -> Optional[float]:
        value = fields.get(key)
        return None if value is None else float(value)

    return ModelInfo(
        id=model,
        provider=fields.get("provider", "unknown"),
        input=price("input"),
        output=price("output"),
        cache_read=price("cache-read"),
        cache_write=price("cache-write"),
        batch_discount=price("batch-discount"),
        context_window=fields.get("context-window"),
        max_output=fields.get("max-output"),
        min_cacheable=fields.get("min-cacheable"),
        source=source,
        tokenizer_factor=factor,
        reasoning=bool(fields.get("reasoning", False)),
        tier=fields.get("tier"),
        small_alternative=fields.get("small-alternative"),
        aliases=tuple(fields.get("aliases", ())),
    )


_FIELD_NAMES = {key: key.replace("-", "_") for key in OVERRIDE_KEYS}


@dataclass(frozen=True)
class _Base:
    table: ModelTable
    sources: Mapping[str, str]
    factors: Mapping[str, float]


def _parse(data: Mapping[str, Any]) -> _Base:
    """Validate the shipped table; its errors are bugs in promptlint's data, reported like user errors."""
    as_of = data.get("as_of")
    if not isinstance(as_of, str):
        raise ModelDataError("as_of: expected the date the table was compiled, as a string")
    sources = data.get("sources", {})
    factors = data.get("tokenizer-factors", {})
    if not all(isinstance(v, str) for v in sources.values()):
        raise ModelDataError("sources: every source must be a string")
    if not all(_is_number(v) and v > 0 for v in factors.values()):
        raise ModelDataError("tokenizer-factors: every factor must be a number > 0")
    models: Dict[str, ModelInfo] = {}
    aliases: Dict[str, str] = {}
    for model, fields in data.get("models", {}).items():
        _check_fields(model, fields, _BASE_KEYS)
        for key in ("provider", "source"):
            if key not in fields:
                raise ModelDataError(f"models.{model}: missing key `{key}`")
        if fields["source"] not in sources:
            raise ModelDataError(f"models.{model}.source: `{fields['source']}` is not listed in [sources]")
        factor = fields.get("tokenizer-factor", factors.get(fields["provider"], 1.0))
        models[model] = _info(model, fields, sources[fields["source"]], float(factor))
        for alias in fields.get("aliases", ()):
            if alias in aliases or alias in models:
                raise ModelDataError(f"models.{model}.aliases: `{alias}` is already a model id or alias")
            aliases[alias] = model
    clash = set(aliases) & set(models)
    if clash:
        raise ModelDataError(f"models: `{sorted(clash)[0]}` is both a model id and an alias")
    for model, info in models.items():
        if info.small_alternative is not None and info.small_alternative not in models:
            raise ModelDataError(
                f"models.{model}.small-alternative: `{info.small_alternative}` is not a model id"
            )
    retirements = _retirements(data.get("retirements", {}), as_of, sources)
    return _Base(ModelTable(as_of, models, aliases, retirements), dict(sources), dict(factors))


def _retirements(raw: Any, as_of: str, sources: Mapping[str, str]) -> Dict[str, Retirement]:
    """Validate the ``[retirements."<id>"]`` rows of the shipped table."""
    if not isinstance(raw, _MappingABC):
        raise ModelDataError("retirements: expected a table of model ids")
    rows: Dict[str, Retirement] = {}
    for model, fields in raw.items():
        where = f"retirements.{model}"
        if not isinstance(fields, _MappingABC):
            raise ModelDataError(f"{where}: expected a table of keys")
        unknown = sorted(set(fields) - _RETIREMENT_KEYS)
        if unknown:
            raise ModelDataError(f"{where}: unknown key `{unknown[0]}`")
        for key in ("provider", "shutdown", "source"):
            if not isinstance(fields.get(key), str) or not fields[key]:
                raise ModelDataError(f"{where}: missing key `{key}`")
        shutdown = fields["shutdown"]
        try:
            valid = bool(_ISO_DATE.match(shutdown)) and datetime.date.fromisoformat(shutdown) is not None
        except ValueError:
            valid = False
        if not valid:
            raise ModelDataError(f"{where}.shutdown: expected a date YYYY-MM-DD, got {shutdown!r}")
        if fields["source"] not in sources:
            raise ModelDataError(f"{where}.source: `{fields['source']}` is not listed in [sources]")
        successor = fields.get("successor")
        if successor is not None and (not isinstance(successor, str) or not successor):
            raise ModelDataError(f"{where}.successor: expected a model id, got {successor!r}")
        rows[model] = Retirement(
            model, fields["provider"], shutdown, successor, sources[fields["source"]], as_of
        )
    return rows


@functools.lru_cache(maxsize=1)
def _base() -> _Base:
    return _parse(_load_toml(_DATA_PATH))


def _changed(
    start: ModelInfo, fields: Mapping[str, Any], source: str, factors: Mapping[str, float]
) -> ModelInfo:
    changes: Dict[str, Any] = {_FIELD_NAMES[key]: value for key, value in fields.items()}
    for key in ("input", "output", "cache_read", "cache_write", "batch_discount"):
        if key in changes:
            changes[key] = float(changes[key])
    if "provider" in changes:
        changes["tokenizer_factor"] = float(factors.get(changes["provider"], 1.0))
    return replace(start, source=source, **changes)


def _apply(base: _Base, overrides: Mapping[str, Mapping[str, Any]]) -> ModelTable:
    """Change known entries first, then add new ids from the changed table, so order never matters."""
    user_source = base.sources.get(_USER_SOURCE, "user configuration")
    suffix = f"; changed by {user_source}"
    for model, fields in overrides.items():
        _check_fields(model, fields, OVERRIDE_KEYS)
    models = dict(base.table._models)
    new_ids = []
    for model, fields in overrides.items():
        known = base.table._exact(model)
        if known is None:
            new_ids.append(model)
        else:
            source = known.source + suffix
            models[known.id] = _changed(models[known.id], fields, source, base.factors)
    changed = ModelTable(base.table.as_of, models, base.table._aliases, base.table._retirements)
    for model in new_ids:
        # A new id starts from the entry it normalises to (a pinned snapshot inherits its family's
        # prices and limits), or from a blank entry.
        inherited = changed.lookup(model)
        if inherited is not None:
            source = inherited.source if inherited.source.endswith(suffix) else inherited.source + suffix
            start = replace(inherited, id=model)
        else:
            start = _info(model, {}, user_source, float(base.factors.get("unknown", 1.0)))
            source = user_source
        models[model] = _changed(start, overrides[model], source, base.factors)
    return ModelTable(base.table.as_of, models, base.table._aliases, base.table._retirements)


def shipped_retirement(model: str) -> Optional[Retirement]:
    """The shipped table's retirement row for ``model`` (user overrides cannot change retirements)."""
    return _base().table.retirement(model)


def shipped_table_date() -> str:
    """The date the shipped table was compiled: the reference date for every retirement."""
    return _base().table.as_of


def load_model_table(overrides: Optional[Mapping[str, Mapping[str, Any]]] = None) -> ModelTable:
    """The shipped table (parsed once per process), with the user's overrides applied on a copy.

    An override whose id is a known id or alias changes that entry. Any other id adds an entry: a copy of
    the entry the id normalises to (``gpt-4o-2024-11-20`` starts from ``gpt-4o``), else a blank one with
    provider "unknown". Raises ModelDataError naming the model and key for an unknown key or a bad value.
    """
    base = _base()
    if not overrides:
        return base.table
    return _apply(base, overrides)


class ModelData:
    """The model table of one run (the shipped one and the user's overrides), loaded on first use, with the
    token counting that depends on it."""

    def __init__(self, overrides: Mapping[str, Mapping[str, Any]]) -> None:
        self._overrides = overrides
        self._table = None

    @property
    def table(self):
        if self._table is None:
            self._table = load_model_table(self._overrides)
        return self._table

    def info(self, model: Optional[str]):
        return self.table.lookup(model) if model else None

    def count(self, text: str, model: Optional[str]) -> int:
        from promptlint.tokens import count_tokens

        tokens = count_tokens(text)
        info = self.info(model)
        factor = info.tokenizer_factor if info is not None else 1.0
        return tokens if factor == 1.0 else int(round(tokens * factor))
