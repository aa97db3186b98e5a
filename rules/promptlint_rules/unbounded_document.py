"""LLM302 unbounded-document."""

from __future__ import annotations

from typing import Iterable, Optional, Set

from promptlint.ir import Dynamic, LLMCall
from promptlint.rule import Finding, Rule, RuleContext, SavingsBasis
from promptlint.testing import Invalid, Valid
from promptlint_rules._loops import shorten

_WHAT = {
    "file": "a whole file",
    "web page": "a whole web page",
    "collection": "a whole collection",
    "query results": "every row of a query",
    "data frame": "a whole data frame",
}


def _code(node) -> str:
    import libcst as cst  # imported when a finding is made: rules load before any file is parsed

    return cst.Module([]).code_for_node(node)


class UnboundedDocument(Rule):
    """
    ## What it does
    Checks for whole documents put into a prompt with nothing to bound their size:
    - a file read from a path the caller chooses (a parameter, `sys.argv`, parsed arguments, `input()`, a
      loop over the files of a directory it names): `open(path).read()`, `Path(path).read_text()`,
      `f.readlines()`, every page of a `PdfReader`, `sys.stdin.read()`;
    - a fetched web page: `requests.get(url).text`, `httpx` responses, `urlopen(url).read()`, and the same
      through `BeautifulSoup(...).get_text()`, `markdownify` or `trafilatura`;
    - every row of a query or every item of a listing, joined or serialised: `json.dumps(rows)` where
      `rows = db.execute("SELECT ...").fetchall()` and the query has no `LIMIT`, `GROUP BY` or aggregate,
      `"\\n".join(str(note) for note in Note.objects.all())` (no `.limit()` or slice on the way),
      `"\\n".join(os.listdir(folder))`;
    - a whole data frame read from a file or a database: `df.to_string()`, `df.to_csv()`.

    The read may happen before the prompt is built, through names bound once. Not reported: prompt files
    read from a path fixed in the code (`Path(__file__).parent / "prompt.md"`: a template, see LLM301),
    values that are sliced or passed through a helper on the way (`text[:8000]`, `truncate(text)`,
    `summarise(page)`), names whose size the function checks (`if len(text) > MAX_CHARS:`,
    `count_tokens(text)`), parameters whose origin is not visible, and retrieval results (a vector search
    returns `k` passages, not a whole corpus).

    Opt-in (enable with `--select LLM302`): when the whole document is the task (summarise this file,
    review this diff), sending it whole is correct, and the code does not say which case it is.

    Sent through the project's own wrapper (a function or a method of a known instance whose request takes
    the prompt from its parameters, also a wrapper of a wrapper, in the module or imported from the
    project): the caller's arguments are bound into the request, and the finding is reported where the
    caller writes the text, where the document is read, with each wrapper as a related location (`= via:
    sent through `ask()``); the wrapper's own request reports only what is written inside it.

    ## Why is this bad?
    The prompt is as large as the biggest document the program ever meets: a log file, a long web page or a
    table of every row is billed in full on every call, can exceed the context window, and costs the same
    whether the answer needed all of it or one paragraph.

    ## Example

    ## Use instead

    ## Fix safety
    No automatic fix: how much to keep (the start, the relevant passages, a summary) depends on the task.

    ## Savings
    A document's size is not known statically, so the figure rests on two labelled assumptions: a document
    of `assumed-document-tokens` tokens, cut to `truncate-to-tokens`; the difference is priced at the
    input price, per call. Set both to your data's sizes for a meaningful figure.

    ## Options
    - `assumed-document-tokens` (int, default 10000): the assumed size of one document, for the saving.
    - `truncate-to-tokens` (int, default 2000): the tokens of it a bounded prompt keeps, for the saving.
    """

    code = "LLM302"
    name = "unbounded-document"
    summary = "Whole file, web page or query result sent in a prompt without truncation"
    default_enabled = False
    fix_title = "Truncate the document or retrieve only the passages the request needs"
    options = {"assumed-document-tokens": 10000, "truncate-to-tokens": 2000}

    examples = (
        Invalid(
            r"""
                import requests
                from openai import OpenAI

                client = OpenAI()


                def ask_about(url: str, question: str) -> str:
                    page = requests.get(url, timeout=10).text
                    response = client.chat.completions.create(
                        model="gpt-4o",
                        messages=[{"role": "user", "content": f"{page}\n\n{question}"}],
                        max_completion_tokens=500,
                    )
                    return response.choices[0].message.content
            """,
            "LLM302",
            line=8,
            column=12,
        ),
        Valid(
            r"""
                import requests
                from openai import OpenAI

                client = OpenAI()
                MAX_PAGE_CHARS = 20_000


                def ask_about(url: str, question: str) -> str:
                    page = requests.get(url, timeout=10).text[:MAX_PAGE_CHARS]
                    response = client.chat.completions.create(
                        model="gpt-4o",
                        messages=[{"role": "user", "content": f"{page}\n\n{question}"}],
                        max_completion_tokens=500,
                    )
                    return response.choices[0].message.content
            """,
        ),
    )

    def check(self, call: LLMCall, context: RuleContext) -> Iterable[Finding]:
        seen: Set[int] = set()
        for part in call.prompt:
            for segment in part.text.segments:
                if not (isinstance(segment, Dynamic) and segment.document in _WHAT):
                    continue
                node = segment.document_node if segment.document_node is not None else segment.node
                if node is None or id(node) in seen:
                    continue
                seen.add(id(node))
                source = shorten(_code(node))
                message = (
                    f"`{source}` puts {_WHAT[segment.document]} into the prompt of `{call.callee}`, "
                    "with nothing to bound its size"
                )
                yield Finding(node, message, savings=self._savings(call, context))

    def _savings(self, call: LLMCall, context: RuleContext) -> Optional[SavingsBasis]:
        assumed = int(context.options["assumed-document-tokens"])
        kept = int(context.options["truncate-to-tokens"])
        if assumed <= kept:
            return None
        return SavingsBasis(
            model=context.model_for(call),
            input_tokens=assumed - kept,
            assumptions=(
                f"assumption: a document of {assumed:,} tokens (`assumed-document-tokens`); "
                "its real size is not known statically",
                f"after the fix: {kept:,} tokens of it are sent (`truncate-to-tokens`)",
            ),
        )
