"""Moved from tests/test_rules_hygiene.py (batch file dissolved into one file per rule or concern)."""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path
from typing import List, Optional

import cli_in_process

from promptlint.diagnostics import Edit
from promptlint.fixes import apply_edits

ROOT = Path(__file__).resolve().parents[2]


CODES = "LLM104,LLM601,LLM602"


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return cli_in_process.run(*args, cwd=cwd)


def diagnostics(*paths: str, cwd: Path = ROOT, select: str = CODES) -> List[dict]:
    result = run("check", "--no-cache", "--output-format", "json", "--select", select, *paths, cwd=cwd)
    assert result.returncode in (0, 1), result.stderr
    document = json.loads(result.stdout)
    assert document["errors"] == []
    return document["diagnostics"]


def lint(tmp_path: Path, source: str, config: Optional[str] = None, select: str = CODES) -> List[dict]:
    (tmp_path / "app.py").write_text(textwrap.dedent(source).lstrip("\n"), encoding="utf-8")
    if config is not None:
        (tmp_path / "pyproject.toml").write_text(textwrap.dedent(config), encoding="utf-8")
    return diagnostics("app.py", cwd=tmp_path, select=select)


def fixed(source: str, diagnostic: dict) -> str:
    edits = [Edit(**edit) for edit in diagnostic["fix"]["edits"]]
    return apply_edits(source, edits)


def brief(items: List[dict]) -> List[tuple]:
    return [(d["code"], d["line"], d["column"]) for d in items]


def test_llm601_fixture_findings_are_pinned() -> None:
    # The prompts sent through a wrapper (``sent_through_wrapper.py``) are pinned in test_prompt_wrappers.
    found = diagnostics(
        "fixtures/LLM601/negative_layout_kept.py",
        "fixtures/LLM601/release_notes_writer.py",
        "fixtures/LLM601/support_macros.py",
    )
    assert [(d["path"], d["line"], d["column"], d["code"]) for d in found] == [
        ("fixtures/LLM601/release_notes_writer.py", 42, 20, "LLM601"),
        ("fixtures/LLM601/release_notes_writer.py", 67, 47, "LLM601"),
        ("fixtures/LLM601/support_macros.py", 40, 43, "LLM601"),
    ]
    assert [d["message"] for d in found] == [
        "Prompt text `You write the release notes that Fernhi…` (system prompt) spends 17 tokens on "
        "whitespace: 15 lines indented by 8 spaces",
        "Prompt text `Translate the release notes below into …` (user message) spends 13 tokens on "
        "whitespace: 11 lines indented by 8 spaces",
        "Prompt text `You draft replies for Larkspur Outdoor'…` (system prompt) spends 12 tokens on "
        "whitespace: 11 lines indented by 8 spaces",
    ]
    assert [(d["savings"]["model"], d["savings"]["tokens_per_call"]) for d in found] == [
        ("claude-sonnet-4-5", 17),
        ("claude-haiku-4-5", 13),
        ("gpt-4.1-mini", 12),
    ]
    assert [(d["fix"]["description"], d["fix"]["applicability"]) for d in found] == [
        ("Rewrite the string without the layout whitespace", "unsafe"),  # a class constant
        ("Rewrite the string without the layout whitespace", "safe"),  # an f-string local to the function
        ("Wrap the string in `textwrap.dedent(...)`", "safe"),  # the module imports textwrap
    ]


def test_llm601_class_constant_is_rewritten_without_its_indentation() -> None:
    path = "fixtures/LLM601/release_notes_writer.py"
    source = (ROOT / path).read_text(encoding="utf-8")
    after = fixed(source, diagnostics(path)[0])
    old_literal = source[source.index('    SYSTEM = """') : source.index('    """\n\n    def write') + 8]
    new_literal = (
        '    SYSTEM = """\n'
        "You write the release notes that Fernhill publishes in the App Store and on Google Play.\n"
        "\n"
        "Audience: people who use the app to plan hikes; most of them are not technical.\n"
        "\n"
        "Structure:\n"
        "- Start with one sentence that sums up the release.\n"
        "- Then list the changes under the headings New, Improved and Fixed.\n"
        "- Leave out a heading when it has no changes.\n"
        "\n"
        "Style:\n"
        "- One line per change, at most eighteen words.\n"
        "- Describe what the user can now do, not how it was built.\n"
        '- Use the past tense for fixes ("Fixed a crash when ...").\n'
        "- Never mention pull request numbers, ticket ids, branch names or people.\n"
        "- Never promise features that are not in the list you are given.\n"
        "- Write in plain British English; no emoji, no exclamation marks.\n"
        "\n"
        "If a change is internal only (refactoring, CI, dependency bumps), leave it out.\n"
        "If nothing user-visible changed, answer with exactly: Performance and stability improvements.\n"
        '"""\n'
    )
    assert after == source.replace(old_literal, new_literal)


def test_llm601_wrap_in_dedent_fixed_source(tmp_path: Path) -> None:
    source = '''
        from textwrap import dedent

        from openai import OpenAI

        client = OpenAI()


        def review(diff: str) -> str:
            system = """
                You review pull requests for the payments service.
                Report only problems that can lose or double-charge money.
                For each problem, quote the changed line and explain the failure.
                Ignore style, naming and formatting.
                Ignore test files unless a test asserts the wrong amount.
                Treat every currency amount as an integer number of cents.
                Flag floating-point arithmetic on amounts.
                Flag retries that are not idempotent.
                Flag missing database transactions around balance updates.
                Answer "No findings." when there is nothing to report.
            """
            response = client.chat.completions.create(
                model="gpt-4.1",
                max_completion_tokens=800,
                messages=[{"role": "system", "content": system}, {"role": "user", "content": diff}],
            )
            return response.choices[0].message.content or ""
        '''
    found = lint(tmp_path, source)
    assert brief(found) == [("LLM601", 24, 49)]
    assert found[0]["message"] == (
        "Prompt text `You review pull requests for the paymen…` (system prompt) spends 11 tokens on "
        "whitespace: 10 lines indented by 8 spaces"
    )
    assert found[0]["fix"]["description"] == "Wrap the string in `dedent(...)`"
    assert found[0]["fix"]["applicability"] == "safe"
    assert found[0]["savings"]["tokens_per_call"] == 11
    text = (tmp_path / "app.py").read_text(encoding="utf-8")
    after = fixed(text, found[0])
    assert after == text.replace('    system = """', '    system = dedent("""').replace(
        '    """\n    response', '    """)\n    response'
    )


def test_llm601_fstring_rewrite_keeps_fields_and_strip(tmp_path: Path) -> None:
    source = '''
        from openai import OpenAI

        client = OpenAI()


        def summarise(thread: str, customer: str) -> str:
            prompt = f"""
                Summarise the support thread below for {customer}'s account manager.@@@
                Keep it under five bullet points.
                Mention any promised follow-up and its date.
                Mention any refund that was promised, with its amount.
                Mention the customer's mood in one word.


                Do not quote the customer.
                Do not include email addresses or phone numbers.
                Write in English.
                Thread:
                {thread}
            """
            response = client.chat.completions.create(
                model="gpt-4.1-mini",
                max_completion_tokens=300,
                messages=[{"role": "user", "content": prompt.strip()}],
            )
            return response.choices[0].message.content or ""
        '''.replace("@@@", "   ")
    found = lint(tmp_path, source)
    assert brief(found) == [("LLM601", 24, 47)]
    assert found[0]["message"] == (
        "Prompt text `Summarise the support thread below for …` (user message) spends 10 tokens on "
        "whitespace: 10 lines indented by 8 spaces, trailing spaces on 1 line, 1 extra blank line"
    )
    assert found[0]["fix"]["description"] == "Rewrite the string without the layout whitespace"
    assert found[0]["fix"]["applicability"] == "safe"
    text = (tmp_path / "app.py").read_text(encoding="utf-8")
    after = fixed(text, found[0])
    assert after == text.replace(
        text[text.index('f"""\n') + 5 : text.index('    """\n    response') + 4],
        "Summarise the support thread below for {customer}'s account manager.\n"
        "Keep it under five bullet points.\n"
        "Mention any promised follow-up and its date.\n"
        "Mention any refund that was promised, with its amount.\n"
        "Mention the customer's mood in one word.\n"
        "\n"
        "Do not quote the customer.\n"
        "Do not include email addresses or phone numbers.\n"
        "Write in English.\n"
        "Thread:\n"
        "{thread}\n",
    )
    # Fixed to a fixpoint: linting the fixed file finds nothing more.
    (tmp_path / "app.py").write_text(after, encoding="utf-8")
    assert diagnostics("app.py", cwd=tmp_path) == []


def test_llm601_first_line_style_inside_a_function(tmp_path: Path) -> None:
    source = '''
        from anthropic import Anthropic

        claude = Anthropic()


        def notes(changes: str) -> str:
            response = claude.messages.create(
                model="claude-haiku-4-5",
                max_tokens=500,
                system="""You are the release-notes writer for the Fernhill app.
            Group the changes under New, Improved and Fixed.
            Write one line per change, in the past tense.
            Never mention pull request numbers or people.
            Leave out internal changes such as refactoring.
            Keep the whole note under two hundred words.
            Write in plain British English.
            Use no emoji and no exclamation marks.
            Answer with the notes only.
            Put the most visible change first.
            """,
                messages=[{"role": "user", "content": changes}],
            )
            return response.content[0].text
        '''
    found = lint(tmp_path, source)
    # Reported on the call: the string's own first line cannot carry a suppression comment.
    assert brief(found) == [("LLM601", 7, 16)]
    assert found[0]["fix"]["applicability"] == "safe"
    text = (tmp_path / "app.py").read_text(encoding="utf-8")
    after = fixed(text, found[0])
    assert (
        '        system="""You are the release-notes writer for the Fernhill app.\nGroup the changes' in after
    )
    assert 'Put the most visible change first.\n""",\n' in after


def test_llm601_threshold_option(tmp_path: Path) -> None:
    source = '''
        from openai import OpenAI

        client = OpenAI()


        def thank(ticket: str) -> str:
            system = """
                Reply to the customer in one friendly sentence.
                Thank them for their patience.
                Do not promise anything.
            """
            response = client.chat.completions.create(
                model="gpt-4.1-nano",
                max_completion_tokens=60,
                messages=[{"role": "system", "content": system}, {"role": "user", "content": ticket}],
            )
            return response.choices[0].message.content or ""
        '''
    assert lint(tmp_path, source) == []  # 4 tokens: below the default minimum of 10
    config = """
        [tool.promptlint.rules.prompt-whitespace]
        min-tokens = 3
        """
    found = lint(tmp_path, source, config)
    assert brief(found) == [("LLM601", 15, 49)]
    assert found[0]["savings"]["tokens_per_call"] == 4


def test_llm601_look_alikes_stay_silent() -> None:
    assert diagnostics("fixtures/LLM601/negative_layout_kept.py") == []
