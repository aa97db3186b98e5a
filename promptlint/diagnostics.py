"""What the engine reports: diagnostics with positions, fixes as text edits, and priced savings."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING, Optional, Tuple

if TYPE_CHECKING:
    from promptlint.rule import SavingsBasis


@dataclass(frozen=True)
class Edit:
    """Replace the text from (line, column) up to (end_line, end_column), 1-based, end exclusive."""

    line: int
    column: int
    end_line: int
    end_column: int
    content: str


@dataclass(frozen=True)
class FixInfo:
    description: str
    applicability: str  # "safe" | "unsafe"
    edits: Tuple[Edit, ...]
    # The affected source lines before and after the fix, for the text reporter's small diff.
    before: Tuple[str, ...] = ()
    after: Tuple[str, ...] = ()


@dataclass(frozen=True)
class Savings:
    """A finding's priced saving. ``kind`` keeps figures that must never be added together apart:
    "expected", "worst_case" (an upper bound) or "cost_increase" (a model change that costs more; the dollar
    fields are then negative). ``unpriced_reason`` is a code from ``promptlint.savings.UNPRICED`` when the
    dollar fields are empty."""

    model: Optional[str]
    tokens_per_call: int
    usd_per_call: Optional[float]
    usd_per_1k_calls: Optional[float]
    usd_per_month: Optional[float]
    assumptions: Tuple[str, ...]
    kind: str = "expected"
    unpriced_reason: Optional[str] = None
    compare_model: Optional[str] = None


@dataclass(frozen=True)
class RelatedLocation:
    """Another place a finding depends on (the wrapper a request is sent through), 1-based."""

    path: str
    line: int
    column: int
    message: str


@dataclass(frozen=True)
class SharedText:
    """Where the prompt text a finding is about is defined, when a definition of its own holds it (a module
    or class constant, a helper that builds it) and the finding is about that text itself (``shared``).
    Carried by each request's finding so that a run can report the findings of several requests on one
    definition once, at the definition; never shown as such."""

    file: str  # the definition's file, resolved: to find it among the files of the run
    line: int  # the definition's span, 1-based, end exclusive
    column: int
    end_line: int
    end_column: int
    label: str  # what is defined there: "prompt `CATALOG`"
    source: Tuple[str, ...] = ()  # the definition's lines, for the text reporter
    request: str = ""  # the request as written at its call: "`client.chat.completions.create`", "`ask()`"


@dataclass(frozen=True)
class Diagnostic:
    code: str
    name: str
    severity: str
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    message: str
    fix: Optional[FixInfo]
    basis: Optional[SavingsBasis]
    source: Tuple[str, ...] = ()  # the reported lines, for the text reporter
    help: Optional[str] = None  # the rule's suggestion, shown when there is no fix
    savings: Optional[Savings] = None
    # "low" when the request was recognised by its signature alone (``LLMCall.confidence``).
    confidence: str = "high"
    # The local or private host serving the request the finding is about (``LLMCall.self_hosted``), or "".
    self_hosted: str = ""
    # The other places the finding depends on (``LLMCall.related``), in the order the request reaches them.
    related: Tuple[RelatedLocation, ...] = ()
    # For a finding about prompt text defined elsewhere, that definition (see ``shared``); None otherwise.
    shared: Optional[SharedText] = None

    @property
    def sort_key(self) -> tuple:
        return (self.path, self.line, self.column, self.code, self.message)


@dataclass(frozen=True)
class FileError:
    path: str
    reason: str
    internal: bool = False  # promptlint's own failure (a rule crashed), not the file's: exit 2, never cached


def to_plain(diagnostic: Diagnostic) -> dict:
    """A JSON-ready form of a diagnostic without its priced savings (for the cache and worker processes)."""
    plain = asdict(diagnostic)
    plain.pop("savings", None)
    return plain


def from_plain(plain: dict) -> Diagnostic:
    data = dict(plain)
    fix = data.get("fix")
    if fix is not None:
        data["fix"] = FixInfo(
            description=fix["description"],
            applicability=fix["applicability"],
            edits=tuple(Edit(**edit) for edit in fix["edits"]),
            before=tuple(fix["before"]),
            after=tuple(fix["after"]),
        )
    basis = data.get("basis")
    if basis is not None:
        from promptlint.rule import SavingsBasis

        known = {f.name for f in fields(SavingsBasis)}
        data["basis"] = SavingsBasis(
            **{
                key: tuple(value) if isinstance(value, list) else value
                for key, value in basis.items()
                if key in known
            }
        )
    data["source"] = tuple(data.get("source", ()))
    data["related"] = tuple(RelatedLocation(**place) for place in data.get("related", ()))
    shared = data.get("shared")
    if shared is not None:
        data["shared"] = SharedText(**{**shared, "source": tuple(shared.get("source", ()))})
    return Diagnostic(**data)


def internal_error(display: str, error: BaseException, limit: int = 200) -> FileError:
    """promptlint's own failure on one file, as one line: exit code 2, never cached, the other files
    still reported."""
    message = " ".join(str(error).split())
    if len(message) > limit:
        message = message[: limit - 1] + "…"
    reason = f"internal error: {type(error).__name__}" + (f": {message}" if message else "")
    return FileError(display, reason, internal=True)
