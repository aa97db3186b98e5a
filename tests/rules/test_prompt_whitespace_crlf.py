"""LLM601 on files saved with Windows line ends: Python reads ``\\r\\n`` as ``\\n``, so the model receives the
same text as from the LF twin, and the fix keeps ``\\r\\n`` (written as bytes: the tree has no CRLF files)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import List

import cli_in_process

SOURCE = textwrap.dedent(
    '''
    import textwrap

    from openai import OpenAI

    client = OpenAI()


    def triage(ticket: str) -> str:
        system = """
            You are the triage assistant for Acme's help desk.
            Read the whole ticket, including any quoted earlier messages.
            Classify the ticket as billing, shipping or technical.
            Billing: invoices, refunds, charges and payment methods.
            Shipping: delivery dates, lost parcels, returns and addresses.
            Technical: errors, crashes, log-in problems and the mobile app.
            When a ticket fits two labels, choose the one it asks about first.
            When it fits none, choose technical.
            Never answer the customer.
            Answer with the label only.
        """
        response = client.chat.completions.create(
            model="gpt-4.1-mini",
            messages=[{"role": "system", "content": system}, {"role": "user", "content": ticket}],
            max_completion_tokens=5,
        )
        return response.choices[0].message.content


    def answer(question: str) -> str:
        prompt = f"""
            You are a careful assistant.
            Answer in one short paragraph.
            Do not use lists.
            Cite no sources.
            Keep it friendly.
            Be precise about numbers.
            Avoid jargon where possible.
            Never invent facts.
            Say so when you are unsure.
            Use plain English.
            Question: {question}
        """
        response = client.chat.completions.create(
            model="gpt-4.1",
            max_completion_tokens=300,
            messages=[{"role": "user", "content": prompt}],
        )
        return response.choices[0].message.content
    '''
).lstrip("\n")

# The plain string is wrapped in ``textwrap.dedent`` (the module imports it); the f-string is rewritten.
FIXED = SOURCE.replace('    system = """', '    system = textwrap.dedent("""').replace(
    '    """\n    response = client.chat.completions.create(\n        model="gpt-4.1-mini"',
    '    """)\n    response = client.chat.completions.create(\n        model="gpt-4.1-mini"',
)
_ANSWER = SOURCE[
    SOURCE.index('f"""\n') + 5 : SOURCE.index(
        '    """\n    response = client.chat.completions.create(\n        model="gpt-4.1",'
    )
    + 4
]
FIXED = FIXED.replace(_ANSWER, textwrap.dedent(_ANSWER))

EXPECTED = [
    (
        "LLM601",
        23,
        49,
        "Prompt text `You are the triage assistant for Acme's…` (system prompt) spends 11 tokens on "
        "whitespace: 10 lines indented by 8 spaces",
        "Wrap the string in `textwrap.dedent(...)`",
    ),
    (
        "LLM601",
        46,
        47,
        "Prompt text `You are a careful assistant. Answer in …` (user message) spends 11 tokens on "
        "whitespace: 11 lines indented by 8 spaces",
        "Rewrite the string without the layout whitespace",
    ),
]


def _write(directory: Path, data: bytes) -> Path:
    directory.mkdir()
    (directory / "app.py").write_bytes(data)
    return directory


def _check(cwd: Path) -> List[tuple]:
    result = cli_in_process.run(
        "check", "--no-cache", "--output-format", "json", "--select", "LLM601", "app.py", cwd=cwd
    )
    assert result.returncode in (0, 1), result.stderr
    document = json.loads(result.stdout)
    assert document["errors"] == []
    return [
        (d["code"], d["line"], d["column"], d["message"], d["fix"]["description"])
        for d in document["diagnostics"]
    ]


def test_llm601_crlf_file_reports_what_its_lf_twin_reports(tmp_path: Path) -> None:
    lf = _write(tmp_path / "lf", SOURCE.encode("utf-8"))
    crlf = _write(tmp_path / "crlf", SOURCE.replace("\n", "\r\n").encode("utf-8"))
    assert _check(lf) == EXPECTED
    assert _check(crlf) == EXPECTED


def test_llm601_fix_keeps_crlf_line_ends(tmp_path: Path) -> None:
    lf = _write(tmp_path / "lf", SOURCE.encode("utf-8"))
    crlf = _write(tmp_path / "crlf", SOURCE.replace("\n", "\r\n").encode("utf-8"))
    for project in (lf, crlf):
        result = cli_in_process.run(
            "check", "--no-cache", "--select", "LLM601", "--fix", "app.py", cwd=project
        )
        assert result.returncode == 0, result.stdout + result.stderr
    assert (lf / "app.py").read_bytes() == FIXED.encode("utf-8")
    assert (crlf / "app.py").read_bytes() == FIXED.replace("\n", "\r\n").encode("utf-8")
    assert _check(crlf) == []  # fixed to a fixpoint


def test_llm601_mixed_or_lone_cr_line_ends_stay_silent(tmp_path: Path) -> None:
    crlf = SOURCE.replace("\n", "\r\n")
    # One line of each prompt ends in a bare ``\n`` (or a lone ``\r``): a rewrite could not keep the ends.
    mixed = crlf.replace("shipping or technical.\r\n", "shipping or technical.\n").replace(
        "Do not use lists.\r\n", "Do not use lists.\n"
    )
    lone_cr = crlf.replace("shipping or technical.\r\n", "shipping or technical.\r").replace(
        "Do not use lists.\r\n", "Do not use lists.\r"
    )
    # A backslash continuation written with ``\r\n`` joins two source lines into one text line.
    continued = crlf.replace("shipping or technical.\r\n", "shipping or technical. \\\r\n").replace(
        "Do not use lists.\r\n", "Do not use lists. \\\r\n"
    )
    for name, text in (("mixed", mixed), ("lone_cr", lone_cr), ("continued", continued)):
        assert _check(_write(tmp_path / name, text.encode("utf-8"))) == [], name
