"""Prompt templates (issue 13, item 5): a prompt file formatted with ``.format(...)`` and jinja2 templates
resolve to their text with each placeholder a dynamic part bound to the value the call passes; a template
with statements, a value not passed, custom syntax or a file outside the project stays unknown."""

from __future__ import annotations

import textwrap
from pathlib import Path

import libcst as cst
import pytest

from promptlint.extract import extract_calls
from promptlint.extract.jinja import Jinja, pieces
from tests.test_extract import Segments, flatten

_PRELUDE = (
    "from pathlib import Path\nimport jinja2\nfrom jinja2 import Environment, FileSystemLoader, Template\n"
    "from openai import OpenAI\nclient = OpenAI()\n"
)


def system(tmp_path: Path, body: str, files: dict) -> Segments:
    """The system prompt of ``handler(name, tier)`` in ``tmp_path/app/app.py``, whose body assigns ``system``."""
    (tmp_path / "pyproject.toml").write_text("")
    for name, text in files.items():
        path = tmp_path / "app" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    source = (
        _PRELUDE
        + "def handler(name, tier):\n"
        + textwrap.indent(textwrap.dedent(body), "    ")
        + '    return client.chat.completions.create(model="gpt-4o", max_tokens=9, '
        + 'messages=[{"role": "system", "content": system}])\n'
    )
    module = cst.parse_module(source)
    found, _ = extract_calls(module, tmp_path / "app" / "app.py", tmp_path)
    assert len(found) == 1, found
    return flatten(found[0].prompt[0].text)


_NAME = ("dynamic", "name", "per-request")


def test_prompt_file_joined_with_joinpath_is_formatted_like_a_literal(tmp_path: Path) -> None:
    body = (
        'system = Path(__file__).parent.joinpath("p", "t.txt").read_text().format(name=name, tier="gold")\n'
    )
    assert system(tmp_path, body, {"p/t.txt": "Hi {name} ({tier}).\nPolicy."}) == [
        ("static", "Hi "),
        _NAME,
        ("static", " (gold).\nPolicy."),
    ]


def test_prompt_file_named_with_with_name(tmp_path: Path) -> None:
    body = 'system = open(Path(__file__).with_name("t.txt")).read().format(name=name)\n'
    assert system(tmp_path, body, {"t.txt": "Policy.\n{name}"}) == [("static", "Policy.\n"), _NAME]


def test_jinja_file_from_file_system_loader(tmp_path: Path) -> None:
    body = """
        env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"))
        system = env.get_template("s.j2").render(name=name, tier=tier)
    """
    files = {"templates/s.j2": "Hi {{ name }}, {{tier|upper}}.\nPolicy.\n"}
    assert system(tmp_path, body, files) == [
        ("static", "Hi "),
        _NAME,
        ("static", ", "),
        ("dynamic", "tier", "per-request"),
        ("static", ".\nPolicy."),  # jinja2 drops one trailing newline
    ]


def test_jinja_template_of_literal_text_with_a_dict_and_constants(tmp_path: Path) -> None:
    body = 'system = Template("Policy.\\n{{ who }} / {{ plan }}").render({"who": name, "plan": "gold"})\n'
    assert system(tmp_path, body, {}) == [("static", "Policy.\n"), _NAME, ("static", " / gold")]


def test_jinja_render_with_a_splat_leaves_unpassed_placeholders_unknown(tmp_path: Path) -> None:
    body = 'system = Template("Policy.\\n{{ who }}").render(**tier)\n'
    assert system(tmp_path, body, {}) == [("static", "Policy.\n"), ("dynamic", "{{ who }}", "unknown")]


@pytest.mark.parametrize(
    "body, volatility",
    [
        ('system = Template("{% if name %}x{% endif %}Policy.").render(name=name)\n', "per-request"),
        ('system = Template("{# note #}Policy. {{ name }}").render(name=name)\n', "per-request"),
        ('system = Template("Policy. {{- name }}").render(name=name)\n', "per-request"),
        ('system = Template("Policy. {{ name }} {{ tier }}").render(name=name)\n', "per-request"),
        (
            'system = Template("Policy. {{ name }}", keep_trailing_newline=True).render(name=name)\n',
            "per-request",
        ),
        (
            'system = jinja2.Environment(loader=jinja2.FileSystemLoader("/etc")).get_template("s.j2").render()\n',
            "unknown",
        ),
        ('system = Environment(variable_start_string="[[").from_string("Policy.").render()\n', "unknown"),
        (
            'system = Environment(loader=FileSystemLoader("templates")).get_template("../s.j2").render()\n',
            "unknown",
        ),
    ],
)
def test_jinja_templates_that_cannot_be_known_are_one_dynamic_part(
    tmp_path: Path, body: str, volatility: str
) -> None:
    """Statements, comments, whitespace control, a value not passed, settings that change the text, a
    loader outside the project, a name leaving the loader's directory: the whole render is unknown text."""
    assert system(tmp_path, body, {"templates/s.j2": "Policy.", "s.j2": "Policy."}) == [
        ("dynamic", body[len("system = ") : -1], volatility)
    ]


def test_jinja_autoescape_keeps_constants_dynamic() -> None:
    found = pieces(Jinja("A {{ x }} B", escapes=True))
    assert found == [("A ", "{{ x }}", "x", False), (" B", None, "", False)]


_LANGCHAIN = "from langchain_core.prompts import PromptTemplate\n"


def test_langchain_prompt_template_formatted_in_the_code(tmp_path: Path) -> None:
    body = (
        _LANGCHAIN
        + 'system = PromptTemplate.from_template("Policy.\\n{who} ({plan})").format(who=name, plan="gold")\n'
    )
    assert system(tmp_path, body, {}) == [("static", "Policy.\n"), _NAME, ("static", " (gold)")]


def test_langchain_prompt_template_constructed_with_a_template_keyword(tmp_path: Path) -> None:
    body = _LANGCHAIN + (
        'template = PromptTemplate(template="Hi {who}.\\nPolicy.", input_variables=["who"])\n'
        "system = template.format(who=name)\n"
    )
    assert system(tmp_path, body, {}) == [("static", "Hi "), _NAME, ("static", ".\nPolicy.")]


@pytest.mark.parametrize(
    "expression",
    [
        'PromptTemplate.from_template("Policy. {{ who }}", template_format="jinja2").format(who=name)',
        'PromptTemplate(template="Policy. {who}", input_variables=[], partial_variables={"x": 1}).format(who=name)',
        'PromptTemplate.from_template("Policy. {who} {plan}").format(who=name)',
    ],
)
def test_langchain_prompt_templates_that_cannot_be_known_are_one_dynamic_part(
    tmp_path: Path, expression: str
) -> None:
    body = _LANGCHAIN + f"system = {expression}\n"
    assert system(tmp_path, body, {}) == [("dynamic", expression, "per-request")]
