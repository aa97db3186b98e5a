"""A prompt several requests send, reported once at its definition with how many requests send it.

Each file is linted on its own, so a finding about prompt text that a constant or a helper defines is first
placed at each request that sends it, carrying that definition (``Diagnostic.shared``). Once every file of
the run is known, the findings of one rule with the same message on the same definition, from two requests
or more, become one finding at the definition: its message says how many requests send the text, each
request is a related place, and its saving is the members' savings added up (one call of each request,
each priced with its own model). This happens only when the definition's file is one of the files the run
reports on (with that rule enabled): a run on one changed file keeps each request's own finding there. The
grouping reads nothing but the run's results, in the order of its files, so it is the same whatever the
number of workers or the state of the cache.
"""

from __future__ import annotations

from typing import Callable, Dict, List, Optional, Sequence, Tuple

from promptlint.diagnostics import Diagnostic, RelatedLocation, Savings

# The rules whose finding is about the prompt text itself, the same for every request that sends it: its
# size (LLM301), its layout whitespace (LLM601), sentences it repeats (LLM602), set order in it (LLM104).
# Not the rules about a request's own shape (its cap, its model, where a per-request value sits, its cache
# breakpoints): those stay at each request.
SHARED_RULES = frozenset({"LLM104", "LLM301", "LLM601", "LLM602"})

Key = Tuple[str, str, int, int, str]


def shared_groups(diagnostics: Sequence[Diagnostic]) -> Dict[Key, List[Diagnostic]]:
    """The findings of two requests or more on one definition, with the same rule and message, by
    (rule, file, line, column, message); each group in the order of the findings' positions."""
    groups: Dict[Key, List[Diagnostic]] = {}
    for d in diagnostics:
        shared = d.shared
        if shared is None or d.code not in SHARED_RULES:
            continue
        groups.setdefault((d.code, shared.file, shared.line, shared.column, d.message), []).append(d)
    return {
        key: sorted(members, key=lambda d: d.sort_key)
        for key, members in groups.items()
        if len({(d.path, d.line, d.column) for d in members}) > 1
    }


def grouped(display: str, members: Sequence[Diagnostic]) -> Diagnostic:
    """One finding at the definition for ``members`` (already priced, when the run prices), shown in the
    file ``display``."""
    first = members[0]
    shared = first.shared
    assert shared is not None
    count = len(members)
    related = tuple(
        RelatedLocation(d.path, d.line, d.column, f"sent by {d.shared.request}" if d.shared else "sent")
        for d in members
    )
    return Diagnostic(
        code=first.code,
        name=first.name,
        severity=first.severity,
        path=display,
        line=shared.line,
        column=shared.column,
        end_line=shared.end_line,
        end_column=shared.end_column,
        message=f"{first.message}; {shared.label} is sent by {count} requests",
        fix=_fix(display, members),
        basis=None,
        source=shared.source,
        help=first.help,
        savings=summed([d.savings for d in members], [d.path for d in members], [d.line for d in members]),
        confidence="high" if all(d.confidence == "high" for d in members) else "low",
        self_hosted=first.self_hosted if all(d.self_hosted == first.self_hosted for d in members) else "",
        related=related,
    )


def _fix(display: str, members: Sequence[Diagnostic]):
    """The members' fix, offered once: only when each request's finding is in the definition's own file and
    offers the very same edits there (the text that changes is in one place)."""
    fix = members[0].fix
    if fix is None or any(d.path != display or d.fix != fix for d in members):
        return None
    return fix


def summed(
    savings: Sequence[Optional[Savings]], paths: Sequence[str], lines: Sequence[int]
) -> Optional[Savings]:
    """The saving of one call of each request, added up; unpriced when any request's saving is."""
    from promptlint.reporters.money import usd

    if any(s is None for s in savings):
        return None
    known: List[Savings] = [s for s in savings if s is not None]
    first = known[0]
    models = {s.model for s in known}
    tokens = sum(s.tokens_per_call for s in known)
    assumptions = [f"sent by {len(known)} requests: the saving of one call of each, added up"]
    for s, path, line in zip(known, paths, lines):
        figure = f"{usd(s.usd_per_1k_calls)} per 1k calls" if s.usd_per_1k_calls is not None else "unpriced"
        assumptions.append(f"{path}:{line}: {s.tokens_per_call:,} tokens/call, {figure} (`{s.model}`)")
    for s in known:
        assumptions.extend(a for a in s.assumptions if a not in assumptions)
    unpriced = next((s.unpriced_reason for s in known if s.usd_per_call is None), None)
    kinds = {s.kind for s in known}
    if unpriced is None and len(kinds) > 1:
        unpriced = "price-missing"  # figures of different kinds are never added together
    return Savings(
        model=first.model if len(models) == 1 else None,
        tokens_per_call=tokens,
        usd_per_call=None if unpriced else _sum([s.usd_per_call for s in known]),
        usd_per_1k_calls=None if unpriced else _sum([s.usd_per_1k_calls for s in known]),
        usd_per_month=None if unpriced else _sum([s.usd_per_month for s in known]),
        assumptions=tuple(assumptions),
        kind=first.kind,
        unpriced_reason=unpriced,
        compare_model=None,
    )


def _sum(values: Sequence[Optional[float]]) -> Optional[float]:
    if any(v is None for v in values):
        return None
    return round(sum(v for v in values if v is not None), 6)


def regroup(
    found: List[Diagnostic],
    reported: List[Diagnostic],
    definition: Callable[[str, str], Optional[str]],
    price: Optional[Callable[[Diagnostic], Diagnostic]],
    reports: Callable[[Diagnostic], bool],
) -> Tuple[List[Diagnostic], List[Diagnostic], List[Diagnostic]]:
    """``found`` and ``reported`` with each group of ``shared_groups`` replaced by its one finding, and the
    new findings reported. ``definition(file, code)``: the display path of the run's file ``file`` when the
    run reports ``code`` there, else None (the requests keep their findings). ``price``: the member priced
    (None: the run does not price). ``reports``: whether the run reports a finding (a baseline, changed
    lines)."""
    groups = shared_groups(found)
    if not groups:
        return found, reported, []
    moved = set()
    new_found: List[Diagnostic] = []
    new_reported: List[Diagnostic] = []
    for (code, file, *_), members in groups.items():
        display = definition(file, code)
        if display is None:
            continue
        one = grouped(display, [price(d) for d in members] if price is not None else members)
        moved.update(id(d) for d in members)
        new_found.append(one)
        if reports(one):
            new_reported.append(one)
    if not moved:
        return found, reported, []
    found = [d for d in found if id(d) not in moved] + new_found
    reported = [d for d in reported if id(d) not in moved] + new_reported
    return found, reported, new_reported
