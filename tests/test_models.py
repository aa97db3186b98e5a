"""The shipped model table: lookups, user overrides and the sanity of the data itself."""

from __future__ import annotations

import pytest

from promptlint import models
from promptlint.models import OVERRIDE_KEYS, ModelDataError, ModelInfo, load_model_table


@pytest.fixture(scope="module")
def table():
    return load_model_table()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # exact ids
        ("claude-sonnet-4-5", "claude-sonnet-4-5"),
        ("gpt-4o", "gpt-4o"),
        ("gpt-5.6-terra", "gpt-5.6-terra"),
        ("gemini-2.5-pro", "gemini-2.5-pro"),
        ("deepseek-chat", "deepseek-chat"),
        # aliases
        ("claude-3-5-haiku-latest", "claude-3-5-haiku"),
        ("claude-sonnet-4-0", "claude-sonnet-4"),
        ("gpt-4-0613", "gpt-4"),
        ("gpt-5-chat-latest", "gpt-5"),
        # provider prefixes
        ("openai/gpt-4o-mini", "gpt-4o-mini"),
        ("anthropic/claude-opus-4-5", "claude-opus-4-5"),
        ("azure/gpt-4.1", "gpt-4.1"),
        ("gemini/gemini-2.5-flash", "gemini-2.5-flash"),
        ("models/gemini-3-flash-preview", "gemini-3-flash-preview"),
        ("deepseek/deepseek-reasoner", "deepseek-reasoner"),
        # dated snapshots and -latest
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
        ("claude-opus-4-20250514", "claude-opus-4"),
        ("gpt-4o-2024-08-06", "gpt-4o"),
        ("o3-mini-2025-01-31", "o3-mini"),
        ("claude-3-7-sonnet-latest", "claude-3-7-sonnet"),
        ("vertex_ai/claude-sonnet-4-5@20250929", "claude-sonnet-4-5"),
        # Bedrock
        ("anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5"),
        ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5"),
        ("bedrock/global.anthropic.claude-haiku-5-5", "claude-haiku-5-5"),
        ("bedrock/anthropic.claude-3-haiku-20240307-v1:0", "claude-3-haiku"),
        # an exact entry wins over date stripping: this snapshot has its own price
        ("gpt-4o-2024-05-13", "gpt-4o-2024-05-13"),
    ],
)
def test_lookup_resolves(table, name, expected):
    info = table.lookup(name)
    assert info is not None, name
    assert info.id == expected


@pytest.mark.parametrize(
    "name",
    [
        "gpt-4o-foo",
        "claude-sonnet-4-5-foo",
        "gpt-3.5-turbo-1106",  # priced differently from gpt-3.5-turbo: not an alias, not stripped
        "chatgpt-4o-latest",
        "openrouter/gpt-4o",  # not a known prefix
        "GPT-4o",  # no case folding
        "",
        "my-fine-tune",
    ],
)
def test_lookup_unknown_is_none(table, name):
    assert table.lookup(name) is None


def test_bedrock_without_anthropic_vendor_is_unknown(table):
    assert table.lookup("meta.llama3-70b-instruct-v1:0") is None


def test_known_prices(table):
    sonnet = table.lookup("claude-sonnet-4-5")
    assert (sonnet.input, sonnet.output, sonnet.cache_read, sonnet.cache_write) == (3.0, 15.0, 0.30, 3.75)
    assert (sonnet.batch_discount, sonnet.context_window, sonnet.max_output, sonnet.min_cacheable) == (
        0.5,
        200000,
        64000,
        1024,
    )
    assert sonnet.provider == "anthropic"
    gpt4o = table.lookup("gpt-4o")
    assert (gpt4o.context_window, gpt4o.max_output) == (128000, 16384)
    assert gpt4o.cache_write == gpt4o.input  # no write premium before gpt-5.6
    sol = table.lookup("gpt-5.6-sol")
    assert sol.cache_write == pytest.approx(1.25 * sol.input)
    assert table.lookup("gpt-4.1").context_window == 1047576


def test_required_models_present(table):
    required = """
        gpt-3.5-turbo gpt-4 gpt-4-turbo gpt-4o gpt-4o-mini gpt-4.1 gpt-4.1-mini gpt-4.1-nano o1 o1-mini o3
        o3-mini o3-pro o4-mini gpt-5 gpt-5-mini gpt-5-nano gpt-5-pro gpt-5.1 gpt-5.2 gpt-5.4 gpt-5.4-mini
        gpt-5.4-nano gpt-5.5 gpt-5.6-sol gpt-5.6-terra gpt-5.6-luna
        claude-3-haiku claude-3-5-haiku claude-3-7-sonnet claude-sonnet-4 claude-opus-4 claude-opus-4-1
        claude-sonnet-4-5 claude-haiku-4-5 claude-opus-4-5 claude-opus-4-6 claude-opus-4-7 claude-opus-4-8
        claude-opus-5 claude-sonnet-5 claude-opus-5-5 claude-sonnet-5-5
        gemini-2.5-pro gemini-2.5-flash gemini-2.5-flash-lite gemini-3-pro-preview gemini-3-flash-preview
        deepseek-chat deepseek-reasoner
    """.split()
    ids = {info.id for info in table.all()}
    assert not set(required) - ids


def test_every_model_has_provider_and_listed_source(table):
    source_texts = set(models._base().sources.values())
    for info in table.all():
        assert info.provider and info.provider != "unknown", info.id
        assert info.source in source_texts, info.id
        assert info.tokenizer_factor > 0


def test_prices_are_sane(table):
    for info in table.all():
        if info.cache_read is not None and info.input is not None:
            assert info.cache_read <= info.input, info.id
        if info.cache_write is not None and info.input is not None:
            assert info.cache_write >= info.input, info.id
        if info.output is not None and info.input is not None:
            assert info.output >= info.input, info.id
        if info.batch_discount is not None:
            assert 0 <= info.batch_discount <= 1, info.id
        if info.min_cacheable is not None and info.context_window is not None:
            assert info.min_cacheable < info.context_window, info.id
        if info.max_output is not None and info.context_window is not None:
            assert info.max_output <= info.context_window, info.id


def test_models_with_caching_discount_reads(table):
    """A model with a known caching threshold must make reads cheaper than input, or caching is pointless."""
    for info in table.all():
        if info.min_cacheable is not None and info.cache_read is not None and info.input is not None:
            assert info.cache_read < info.input, info.id


def test_tokenizer_factors(table):
    assert table.lookup("gpt-4o").tokenizer_factor == 1.0
    assert table.lookup("claude-sonnet-4-5").tokenizer_factor == pytest.approx(1.05)
    assert table.lookup("claude-opus-4-7").tokenizer_factor == pytest.approx(1.35)


def test_all_is_sorted_and_as_of(table):
    infos = table.all()
    assert infos == sorted(infos, key=lambda info: (info.provider, info.id))
    assert table.as_of == "2026-11-28"
    assert len(infos) >= 60


def test_base_table_is_parsed_once():
    assert load_model_table() is load_model_table()


def test_override_changes_a_price(table):
    changed = load_model_table({"gpt-4o": {"input": 3.0, "max-output": 8000}})
    info = changed.lookup("openai/gpt-4o-2024-08-06")
    assert info.input == 3.0
    assert info.max_output == 8000
    assert info.output == 10.0  # untouched fields stay
    assert "user configuration" in info.source
    assert table.lookup("gpt-4o").input == 2.5  # the shared base table is not modified
    assert load_model_table().lookup("gpt-4o").input == 2.5


def test_override_through_an_alias_changes_the_model():
    changed = load_model_table({"claude-sonnet-4-5-20250929": {"min-cacheable": 2048}})
    assert changed.lookup("claude-sonnet-4-5").min_cacheable == 2048


def test_override_adds_a_model():
    changed = load_model_table({"my-model": {"input": 1, "output": 2}})
    info = changed.lookup("my-model")
    assert isinstance(info, ModelInfo)
    assert info.provider == "unknown"
    assert (info.input, info.output, info.cache_read) == (1.0, 2.0, None)
    assert isinstance(info.input, float)
    assert info.tokenizer_factor == 1.0


def test_override_new_model_with_provider_gets_its_tokenizer_factor():
    info = load_model_table({"claude-internal": {"provider": "anthropic"}}).lookup("claude-internal")
    assert info.provider == "anthropic"
    assert info.tokenizer_factor == pytest.approx(1.05)


def test_new_snapshot_inherits_from_its_family_after_family_overrides():
    changed = load_model_table({"gpt-4o-2024-11-20": {"output": 11}, "gpt-4o": {"input": 3}})
    info = changed.lookup("gpt-4o-2024-11-20")
    assert (info.id, info.input, info.output, info.context_window) == ("gpt-4o-2024-11-20", 3.0, 11.0, 128000)
    assert info.source.count("changed by") == 1


def test_override_unknown_key_names_model_and_key():
    with pytest.raises(ModelDataError, match=r"models\.my-model: unknown key `inptu`"):
        load_model_table({"my-model": {"inptu": 1.0}})


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"input": -1}, "input"),
        ({"cache-read": "cheap"}, "cache-read"),
        ({"output": True}, "output"),
        ({"output": float("nan")}, "output"),
        ({"max-output": 1.5}, "max-output"),
        ({"context-window": -10}, "context-window"),
        ({"batch-discount": 1.5}, "batch-discount"),
        ({"provider": ""}, "provider"),
    ],
)
def test_override_bad_value_names_model_and_key(fields, key):
    with pytest.raises(ModelDataError, match=rf"models\.gpt-4o\.{key}:"):
        load_model_table({"gpt-4o": fields})


def test_override_cannot_set_package_only_keys():
    with pytest.raises(ModelDataError, match="unknown key `aliases`"):
        load_model_table({"gpt-4o": {"aliases": ["x"]}})
    assert "aliases" not in OVERRIDE_KEYS


def test_override_must_be_a_table():
    with pytest.raises(ModelDataError, match=r"models\.gpt-4o"):
        load_model_table({"gpt-4o": 3})


def _shipped(**model):
    return {"as_of": "2026-01-01", "sources": {"s": "somewhere"}, "models": {"m": model}}


def test_shipped_data_errors_are_caught():
    assert models._parse(_shipped(provider="openai", source="s")).table.lookup("m").source == "somewhere"
    with pytest.raises(ModelDataError, match="missing key `source`"):
        models._parse(_shipped(provider="openai"))
    with pytest.raises(ModelDataError, match="not listed in"):
        models._parse(_shipped(provider="openai", source="nowhere"))
    with pytest.raises(ModelDataError, match="unknown key `inptu`"):
        models._parse(_shipped(provider="openai", source="s", inptu=1))
    data = _shipped(provider="openai", source="s", aliases=["a"])
    data["models"]["n"] = {"provider": "openai", "source": "s", "aliases": ["a"]}
    with pytest.raises(ModelDataError, match="already a model id or alias"):
        models._parse(data)
