"""The public test harness: cases are checked exactly, and nothing outside the case can change the answer."""

from __future__ import annotations

from pathlib import Path

import pytest
from promptlint_rules import BelowCacheMinimum, LegacyLimitParam, OversizedPrompt

from promptlint.testing import Invalid, Valid, check_case, example_cases, normalise

SOURCE = """
    from openai import OpenAI

    OpenAI().chat.completions.create(model="o4-mini", messages=[], max_tokens=2000)
"""
FIXED = """
    from openai import OpenAI

    OpenAI().chat.completions.create(model="o4-mini", messages=[], max_completion_tokens=2000)
"""


def test_an_exact_invalid_case_passes() -> None:
    check_case(
        LegacyLimitParam,
        Invalid(
            SOURCE,
            "LLM204",
            line=3,
            column=64,
            expected_fix=FIXED,
            has_fix=True,
            message=(
                "`max_tokens` is not supported by the reasoning model `o4-mini` on Chat Completions: "
                "the request is rejected"
            ),
        ),
    )


@pytest.mark.parametrize(
    ("case", "complaint"),
    [
        (Invalid(SOURCE, "LLM204", line=3, column=63), "LLM204: expected exactly ('LLM204', 3, 63), got"),
        (Invalid(SOURCE, "LLM204", line=2, column=64), "LLM204: expected exactly ('LLM204', 2, 64), got"),
        (Invalid(SOURCE, "LLM999", line=3, column=64), "LLM204: expected exactly ('LLM999', 3, 64), got"),
        (Invalid(SOURCE, "LLM204", 3, 64, expected_fix=SOURCE), "LLM204: fixed source differs."),
        (Invalid(SOURCE, "LLM204", 3, 64, has_fix=False), "LLM204: has_fix is True, expected False"),
        (Invalid(SOURCE, "LLM204", 3, 64, message="other"), "LLM204: message "),
        (Valid(SOURCE), "LLM204: expected no finding on a Valid case, got [('LLM204', 3, 64, "),
        (Invalid(FIXED, "LLM204", line=3, column=64), "LLM204: expected exactly ('LLM204', 3, 64), got []"),
    ],
)
def test_any_difference_fails_the_case(case, complaint: str) -> None:
    with pytest.raises(AssertionError) as raised:
        check_case(LegacyLimitParam, case)
    assert str(raised.value).startswith(complaint)


def test_a_case_reporting_an_error_fails() -> None:
    with pytest.raises(AssertionError) as raised:
        check_case(LegacyLimitParam, Valid("import openai\nopenai.chat(\n"))
    assert str(raised.value) == ("LLM204: errors on the case: ['syntax error at 2:1: invalid syntax']")


def test_sources_are_dedented_and_lose_their_leading_newline() -> None:
    assert normalise(SOURCE) == (
        "from openai import OpenAI\n\n"
        'OpenAI().chat.completions.create(model="o4-mini", messages=[], max_tokens=2000)\n'
    )


PROMPT_READER = """
    from pathlib import Path

    from openai import OpenAI

    SYSTEM = (Path(__file__).parent / "prompts" / "all.md").read_text(encoding="utf-8")
    OpenAI().chat.completions.create(
        model="gpt-4o", messages=[{"role": "system", "content": SYSTEM}], max_completion_tokens=5
    )
"""


MARKED = """
    from anthropic import Anthropic

    Anthropic().messages.create(
        max_tokens=5,
        system=[{"type": "text", "text": "Be brief.", "cache_control": {"type": "ephemeral"}}],
        messages=[],
    )
"""


def test_user_configuration_and_files_of_the_working_directory_do_not_leak_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = "Every policy of Acme, written out in full for the model to read.\n" * 2000
    (tmp_path / "pyproject.toml").write_text(
        '[tool.promptlint]\ndefault-model = "claude-sonnet-4-5"\n'
        "[tool.promptlint.rules.LLM301]\nthreshold = 1\n",
        encoding="utf-8",
    )
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "all.md").write_text(big, encoding="utf-8")
    (tmp_path / "app.py").write_text(normalise(PROMPT_READER), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    # The prompt file is in the working directory, not in the case: the case cannot see it.
    check_case(OversizedPrompt, Valid(PROMPT_READER))
    # Given in the case, the same file is read.
    check_case(OversizedPrompt, Invalid(PROMPT_READER, "LLM301", 7, 61, files={"prompts/all.md": big}))
    # The configured default model is not used: the call's model stays unknown, so nothing is reported.
    check_case(BelowCacheMinimum, Valid(MARKED))


def test_options_and_default_model_come_from_the_case() -> None:
    check_case(BelowCacheMinimum, Invalid(MARKED, "LLM105", 5, 51, default_model="claude-sonnet-4-5"))
    small = {"prompts/all.md": "Answer briefly.\n" * 20}
    check_case(OversizedPrompt, Valid(PROMPT_READER, files=small))
    check_case(
        OversizedPrompt, Invalid(PROMPT_READER, "LLM301", 7, 61, files=small, options={"threshold": 10})
    )


def test_example_cases_are_named_by_code_and_kind() -> None:
    class Pack(LegacyLimitParam):
        examples = (Valid(FIXED), Invalid(SOURCE, "LLM204", 3, 64), Valid(FIXED))

    assert [param.id for param in example_cases([Pack])] == [
        "LLM204-valid-0",
        "LLM204-invalid-0",
        "LLM204-valid-1",
    ]
    assert example_cases([Pack])[1].values == (Pack, Invalid(SOURCE, "LLM204", 3, 64))
