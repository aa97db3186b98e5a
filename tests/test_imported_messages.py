"""Message lists imported from another module of the project (issue 13, item 4): ``MESSAGES`` bound at
module level in ``prompts.py`` and sent (``MESSAGES + [turn]``, ``[*prompts.MESSAGES, turn]``) resolves
there, each part placed where this module names it; a list its module changes is unknown."""

from __future__ import annotations

from pathlib import Path

import libcst as cst

from promptlint.extract import extract_calls
from tests.test_extract import flatten

_PROMPTS = """\
POLICY = "Refunds within 30 days."
MESSAGES = [{"role": "system", "content": "Kiosk. " + POLICY}, {"role": "assistant", "content": "Hi."}]
GROWING = [{"role": "system", "content": POLICY}]
def remember(turn):
    GROWING.append(turn)
"""

_APP = """\
from openai import OpenAI
from . import prompts
from .prompts import GROWING, MESSAGES
client = OpenAI()
def a(q):
    client.chat.completions.create(model="gpt-4o", max_tokens=9, messages=MESSAGES + [{"role": "user", "content": q}])
def b(q):
    client.chat.completions.create(model="gpt-4o", max_tokens=9, messages=[*prompts.MESSAGES, {"role": "user", "content": q}])
def c(q):
    client.chat.completions.create(model="gpt-4o", max_tokens=9, messages=GROWING + [{"role": "user", "content": q}])
"""


def test_imported_message_lists_resolve_in_their_module_and_are_placed_here(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "desk").mkdir()
    (tmp_path / "desk" / "__init__.py").write_text("")
    (tmp_path / "desk" / "prompts.py").write_text(_PROMPTS)
    path = tmp_path / "desk" / "app.py"
    path.write_text(_APP)
    module = cst.parse_module(_APP)
    found, _ = extract_calls(module, path, tmp_path)
    first, second, third = found
    expected = [
        ("system", [("static", "Kiosk. Refunds within 30 days.")]),
        ("assistant", [("static", "Hi.")]),
        ("user", [("dynamic", "q", "per-request")]),
    ]
    for call in (first, second):
        assert [(part.role, flatten(part.text)) for part in call.prompt] == expected
        assert call.prompt_complete
        assert not call.prompt[0].marks_known
    assert [module.code_for_node(part.node) for part in first.prompt[:2]] == ["MESSAGES", "MESSAGES"]
    assert [module.code_for_node(part.node) for part in second.prompt[:2]] == ["prompts.MESSAGES"] * 2
    assert (third.prompt, third.prompt_complete) == ((), False)  # ``remember`` changes it
