"""Score promptlint against hand labels on pinned, published LLM applications.

Usage (from anywhere; needs network access to PyPI the first time)::

    python benchmarks/real_code/evaluate.py                     # fetch, lint, score, print
    python benchmarks/real_code/evaluate.py --json-out /tmp/eval.json
    python benchmarks/real_code/evaluate.py --check-labels      # validate labels.jsonl against the corpus only
    python benchmarks/real_code/evaluate.py --prepare-only      # download and extract, no lint
    python benchmarks/real_code/evaluate.py --set heldout       # the held-out set (heldout/), same options
    python benchmarks/real_code/evaluate.py --set wholeprog     # requests across functions/modules (wholeprog/)
    python benchmarks/real_code/evaluate.py --promptlint-root /path/to/other/checkout   # score another promptlint

The packages are pinned in ``packages.json`` (file name and sha256) and fetched with the same code as
``benchmarks/run.py`` into ``benchmarks/.corpora/sdists``, then extracted to
``benchmarks/.corpora/real-code/<name>-<version>/``. The labels in ``labels.jsonl`` are the ground truth; see
README.md beside this file for the policy. ``--set heldout`` reads ``heldout/packages.json`` and
``heldout/labels.jsonl`` instead and extracts into ``benchmarks/.corpora/real-code-heldout/``: a second set that
nobody tunes against. ``--set wholeprog`` is a third set (``wholeprog/``), chosen for requests whose prompt,
client or loop crosses functions and modules (issue 13), labelled for the prompt rules too. Stdlib only, Python 3.9+.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, Tuple

HERE = Path(__file__).resolve().parent
BENCH_DIR = HERE.parent
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

import run as bench  # noqa: E402  (benchmarks/run.py: the pinned-sdist fetcher shared with the timing benchmark)

PACKAGES_FILE = HERE / "packages.json"
LABELS_FILE = HERE / "labels.jsonl"
CORPUS_NAME = "real-code"
CORPUS_DIR = bench.CORPORA_DIR / CORPUS_NAME


@dataclass(frozen=True)
class LabelSet:
    """One labelled set: its pinned packages, its labels and the directory its corpus is extracted to."""

    name: str
    packages_file: Path
    labels_file: Path
    corpus_dir: Path


# "dev" is the development set of issues 12 and 13; "heldout" is scored only, never tuned against.
SETS: Dict[str, LabelSet] = {
    "dev": LabelSet("dev", PACKAGES_FILE, LABELS_FILE, CORPUS_DIR),
    "heldout": LabelSet(
        "heldout",
        HERE / "heldout" / "packages.json",
        HERE / "heldout" / "labels.jsonl",
        bench.CORPORA_DIR / "real-code-heldout",
    ),
    "wholeprog": LabelSet(
        "wholeprog",
        HERE / "wholeprog" / "packages.json",
        HERE / "wholeprog" / "labels.jsonl",
        bench.CORPORA_DIR / "real-code-wholeprog",
    ),
}

# A finding within this many lines of a label's line (or of an also_at place) belongs to that label.
LINE_WINDOW = 3

LABEL_FIELDS = (
    "file",
    "line",
    "callee",
    "api",
    "model",
    "model_source",
    "output_limit",
    "expected",
    "acceptable",
    "scope",
    "also_at",
    "shape",
    "notes",
)
SCOPES = ("call", "function", "file", "cross-file")


class EvalError(Exception):
    """A problem that stops the evaluation (download, labels, promptlint output)."""


# --------------------------------------------------------------------------------------------- corpus


def load_packages(path: Path = PACKAGES_FILE) -> List[bench.Sdist]:
    """The pinned packages, as the benchmark's ``Sdist`` records."""
    rows = json.loads(path.read_text(encoding="utf-8"))
    return [bench.Sdist(r["name"], r["version"], r["filename"], r["sha256"], r["why"]) for r in rows]


def prepare_corpus(packages: Sequence[bench.Sdist], corpus_dir: Path = CORPUS_DIR) -> Path:
    """Fetch (verified by sha256), extract, and write the empty promptlint configuration; return the root."""
    corpus_dir.mkdir(parents=True, exist_ok=True)
    for sdist in packages:
        archive = bench.fetch_sdist(sdist)
        target = corpus_dir / sdist.dirname
        if not target.is_dir():
            print(f"  extracting {archive.name} -> {target.relative_to(bench.REPO_ROOT)}", flush=True)
            bench.extract_sdist(archive, target)
    (corpus_dir / "pyproject.toml").write_text(bench.CORPUS_PYPROJECT, encoding="utf-8")
    return corpus_dir


# --------------------------------------------------------------------------------------------- labels


@dataclass(frozen=True)
class Place:
    """A file and line where a finding counts for a label."""

    file: str
    line: int


@dataclass
class Label:
    """One labelled call site or look-alike."""

    index: int
    file: str
    line: int
    callee: str
    api: str
    expected: List[Tuple[str, ...]]  # each entry: the codes any one of which satisfies it ("LLM101|LLM102")
    acceptable: Set[str]
    scope: str
    shape: str
    places: Tuple[Place, ...]
    raw: Dict[str, Any] = field(repr=False)

    @property
    def is_negative(self) -> bool:
        """A look-alike: no LLM request at all."""
        return self.api == "not-an-llm-call"

    @property
    def allowed(self) -> Set[str]:
        """Every code that may fire here without being a false alarm."""
        codes = set(self.acceptable)
        for alternatives in self.expected:
            codes.update(alternatives)
        return codes


def load_labels(path: Path = LABELS_FILE) -> List[Label]:
    """Parse labels.jsonl; raise EvalError on a malformed line."""
    labels: List[Label] = []
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not text.strip():
            continue
        try:
            row = json.loads(text)
        except json.JSONDecodeError as exc:
            raise EvalError(f"{path.name}:{number}: not JSON: {exc}") from exc
        missing = [f for f in LABEL_FIELDS if f not in row]
        if missing:
            raise EvalError(f"{path.name}:{number}: missing field(s) {', '.join(missing)}")
        if row["scope"] not in SCOPES:
            raise EvalError(f"{path.name}:{number}: scope {row['scope']!r} is not one of {', '.join(SCOPES)}")
        expected = [tuple(part.split("|")) for part in row["expected"]]
        if row["api"] == "not-an-llm-call" and expected:
            raise EvalError(f"{path.name}:{number}: a look-alike cannot expect a finding")
        places = [Place(row["file"], int(row["line"]))]
        places += [Place(a["file"], int(a["line"])) for a in row["also_at"]]
        labels.append(
            Label(
                index=number,
                file=row["file"],
                line=int(row["line"]),
                callee=row["callee"],
                api=row["api"],
                expected=expected,
                acceptable=set(row["acceptable"]),
                scope=row["scope"],
                shape=row["shape"],
                places=tuple(places),
                raw=row,
            )
        )
    return labels


def check_labels(labels: Iterable[Label], root: Path) -> List[str]:
    """Problems with labels against the extracted corpus: missing files, callee not ending on its line."""
    problems: List[str] = []
    for label in labels:
        path = root / label.file
        if not path.is_file():
            problems.append(f"line {label.index}: {label.file} does not exist")
            continue
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        if not 1 <= label.line <= len(lines):
            problems.append(f"line {label.index}: {label.file}:{label.line} is past the end of the file")
            continue
        last_part = label.callee.strip().splitlines()[-1].strip()
        if last_part not in lines[label.line - 1]:
            problems.append(
                f"line {label.index}: {label.file}:{label.line}: callee {last_part!r} not on that line "
                f"({lines[label.line - 1].strip()!r})"
            )
        for place in label.places[1:]:
            if not (root / place.file).is_file():
                problems.append(f"line {label.index}: also_at {place.file} does not exist")
    return problems


# --------------------------------------------------------------------------------------------- matching


@dataclass(frozen=True)
class Finding:
    """One promptlint diagnostic, reduced to what matching needs."""

    file: str
    line: int
    code: str
    message: str


def near(place: Place, finding: Finding, window: int = LINE_WINDOW) -> bool:
    """True when the finding is in the place's file within ``window`` lines."""
    return place.file == finding.file and abs(place.line - finding.line) <= window


def owner_of(finding: Finding, labels: Sequence[Label], window: int = LINE_WINDOW) -> Optional[Label]:
    """The label a finding belongs to: the nearest place in its file (ties: the earlier label), or None."""
    best: Optional[Tuple[int, int, Label]] = None
    for label in labels:
        for place in label.places:
            if near(place, finding, window):
                key = (abs(place.line - finding.line), label.index)
                if best is None or key < best[:2]:
                    best = (key[0], key[1], label)
    return None if best is None else best[2]


@dataclass
class Outcome:
    """What matching found: true positives, misses, false alarms, tolerated and unjudged findings."""

    true_positives: List[Tuple[Label, Tuple[str, ...], Finding]] = field(default_factory=list)
    misses: List[Tuple[Label, Tuple[str, ...]]] = field(default_factory=list)
    false_alarms: List[Tuple[Label, Finding]] = field(default_factory=list)
    tolerated: List[Tuple[Label, Finding]] = field(default_factory=list)  # acceptable codes, or duplicates
    unjudged: List[Finding] = field(default_factory=list)


def match(labels: Sequence[Label], findings: Sequence[Finding], window: int = LINE_WINDOW) -> Outcome:
    """Judge every finding against the labels; each expected entry is satisfied by at most one finding."""
    outcome = Outcome()
    by_label: Dict[int, List[Finding]] = {}
    for finding in sorted(findings, key=lambda f: (f.file, f.line, f.code, f.message)):
        label = owner_of(finding, labels, window)
        if label is None:
            outcome.unjudged.append(finding)
        else:
            by_label.setdefault(label.index, []).append(finding)
    for label in labels:
        own = by_label.get(label.index, [])
        used: Set[int] = set()
        for alternatives in label.expected:
            hit = next(
                (i for i, f in enumerate(own) if i not in used and f.code in alternatives),
                None,
            )
            if hit is None:
                outcome.misses.append((label, alternatives))
            else:
                used.add(hit)
                outcome.true_positives.append((label, alternatives, own[hit]))
        for i, finding in enumerate(own):
            if i in used:
                continue
            if finding.code in label.allowed:
                outcome.tolerated.append((label, finding))
            else:
                outcome.false_alarms.append((label, finding))
    return outcome


# --------------------------------------------------------------------------------------------- running


def promptlint_env(promptlint_root: Optional[Path] = None) -> Dict[str, str]:
    """The benchmark's child environment; with ``promptlint_root``, that checkout first on the import path.

    Scoring another checkout (the commit before a change) with this script and these labels is how before/after
    figures are taken without checking the old commit out here.
    """
    env = bench.promptlint_env()
    if promptlint_root is not None:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(promptlint_root), env.get("PYTHONPATH", "")) if p)
    return env


def run_promptlint(
    root: Path, promptlint_root: Optional[Path] = None
) -> Tuple[List[Finding], Dict[str, Any]]:
    """Lint the corpus with every rule; return the findings (paths relative to ``root``) and the summary."""
    cmd = [
        sys.executable,
        "-m",
        "promptlint",
        "check",
        str(root),
        "--output-format",
        "json",
        "--select",
        "ALL",
        "--no-cache",
        "--exit-zero",
        "--config",
        str(root / "pyproject.toml"),
    ]
    proc = subprocess.run(
        cmd,
        cwd=root,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=promptlint_env(promptlint_root),
    )
    if proc.returncode != 0:
        raise EvalError(f"promptlint exited {proc.returncode}:\n{bench.tail(proc.stderr)}")
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        raise EvalError(f"promptlint printed no JSON ({exc}):\n{bench.tail(proc.stdout)}") from exc
    findings = []
    for diag in report.get("diagnostics") or []:
        path = Path(diag["path"])
        rel = (path if path.is_absolute() else root / path).resolve().relative_to(root.resolve())
        findings.append(Finding(rel.as_posix(), int(diag["line"]), diag["code"], diag.get("message", "")))
    if report.get("errors"):
        raise EvalError(f"promptlint reported errors: {json.dumps(report['errors'])[:2000]}")
    return sorted(findings, key=lambda f: (f.file, f.line, f.code, f.message)), report.get("summary") or {}


# --------------------------------------------------------------------------------------------- reporting


def ratio(num: int, den: int) -> str:
    """'n/d (p%)' or 'n/0' when there is nothing to divide by."""
    return f"{num}/{den} ({100 * num / den:.0f}%)" if den else f"{num}/0"


def rule_table(labels: Sequence[Label], outcome: Outcome) -> List[Dict[str, Any]]:
    """Per rule code: expected, found (TP), missed, false alarms, recall and precision."""
    codes: Set[str] = set()
    for label in labels:
        for alternatives in label.expected:
            codes.update(alternatives)
    codes.update(f.code for _, f in outcome.false_alarms)
    codes.update(f.code for _, _, f in outcome.true_positives)
    rows = []
    for code in sorted(codes):
        tp = sum(1 for _, _, f in outcome.true_positives if f.code == code)
        missed = sum(1 for _, alts in outcome.misses if alts[0] == code)
        fa = sum(1 for _, f in outcome.false_alarms if f.code == code)
        expected = sum(1 for label in labels for alts in label.expected if alts[0] == code)
        rows.append(
            {
                "rule": code,
                "expected": expected,
                "found": tp,
                "missed": missed,
                "false_alarms": fa,
                "recall": ratio(tp, tp + missed),
                "precision": ratio(tp, tp + fa),
            }
        )
    return rows


def recall_by(key: str, outcome: Outcome) -> List[Dict[str, Any]]:
    """Recall grouped by a label field (``scope`` or ``shape``)."""
    groups: Dict[str, List[int]] = {}
    for label, _, _ in outcome.true_positives:
        groups.setdefault(getattr(label, key), [0, 0])[0] += 1
    for label, _ in outcome.misses:
        groups.setdefault(getattr(label, key), [0, 0])[1] += 1
    return [
        {key: name, "found": tp, "missed": missed, "recall": ratio(tp, tp + missed)}
        for name, (tp, missed) in sorted(groups.items())
    ]


def build_report(labels: Sequence[Label], outcome: Outcome, summary: Dict[str, Any]) -> Dict[str, Any]:
    """Everything printed, as one JSON-ready dict (sorted, so that it is byte-identical between runs)."""
    tp, missed, fa = len(outcome.true_positives), len(outcome.misses), len(outcome.false_alarms)
    real = [label for label in labels if not label.is_negative]
    return {
        "labels": {"total": len(labels), "real_calls": len(real), "look_alikes": len(labels) - len(real)},
        "summary": {k: summary[k] for k in sorted(summary) if k in ("files_checked", "files_skipped")},
        "overall": {
            "expected": tp + missed,
            "found": tp,
            "missed": missed,
            "false_alarms": fa,
            "recall": ratio(tp, tp + missed),
            "precision": ratio(tp, tp + fa),
            "tolerated": len(outcome.tolerated),
            "unjudged": len(outcome.unjudged),
        },
        "rules": rule_table(labels, outcome),
        "recall_by_scope": recall_by("scope", outcome),
        "recall_by_shape": recall_by("shape", outcome),
        "misses": [
            {
                "file": lab.file,
                "line": lab.line,
                "rule": "|".join(alts),
                "shape": lab.shape,
                "scope": lab.scope,
            }
            for lab, alts in sorted(outcome.misses, key=lambda m: (m[0].file, m[0].line, m[1]))
        ],
        "false_alarms": [
            {
                "file": f.file,
                "line": f.line,
                "rule": f.code,
                "label_line": lab.line,
                "api": lab.api,
                "shape": lab.shape,
                "message": f.message,
            }
            for lab, f in sorted(outcome.false_alarms, key=lambda m: (m[1].file, m[1].line, m[1].code))
        ],
        "found": [
            {"file": f.file, "line": f.line, "rule": f.code, "shape": lab.shape}
            for lab, _, f in sorted(outcome.true_positives, key=lambda m: (m[2].file, m[2].line, m[2].code))
        ],
        "tolerated": [
            {"file": f.file, "line": f.line, "rule": f.code, "shape": lab.shape}
            for lab, f in sorted(outcome.tolerated, key=lambda m: (m[1].file, m[1].line, m[1].code))
        ],
        "unjudged": [
            {"file": f.file, "line": f.line, "rule": f.code, "message": f.message} for f in outcome.unjudged
        ],
    }


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Left-aligned first column, right-aligned others."""
    text_rows = [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in [list(headers), *text_rows]) for i in range(len(headers))]
    for row in [list(headers), *text_rows]:
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))))


def print_report(report: Dict[str, Any]) -> None:
    """The human-readable form of ``build_report``."""
    lab, ov = report["labels"], report["overall"]
    print(f"\nlabels: {lab['total']} ({lab['real_calls']} real calls, {lab['look_alikes']} look-alikes)")
    print(
        f"overall: recall {ov['recall']}, precision {ov['precision']}; "
        f"{ov['tolerated']} tolerated (acceptable codes), {ov['unjudged']} far from any label (not judged)\n"
    )
    print_table(
        ["rule", "expected", "found", "missed", "false alarms", "recall", "precision"],
        [
            [
                r["rule"],
                r["expected"],
                r["found"],
                r["missed"],
                r["false_alarms"],
                r["recall"],
                r["precision"],
            ]
            for r in report["rules"]
        ],
    )
    for key, title in (("scope", "recall by scope"), ("shape", "recall by shape")):
        print(f"\n{title}:")
        rows = report[f"recall_by_{key}"]
        print_table(
            [key, "found", "missed", "recall"], [[r[key], r["found"], r["missed"], r["recall"]] for r in rows]
        )
    print("\nmisses:")
    for m in report["misses"]:
        print(f"  {m['file']}:{m['line']}  {m['rule']}  [{m['shape']}, {m['scope']}]")
    print("\nfalse alarms:")
    for f in report["false_alarms"]:
        print(f"  {f['file']}:{f['line']}  {f['rule']}  [{f['shape']}, {f['api']}]  {f['message'][:160]}")
    print("\nfindings far from any label (not judged):")
    for f in report["unjudged"]:
        print(f"  {f['file']}:{f['line']}  {f['rule']}  {f['message'][:160]}")


# --------------------------------------------------------------------------------------------- main


def parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json-out", type=Path, help="also write the report as JSON to this file")
    parser.add_argument("--prepare-only", action="store_true", help="download and extract, then stop")
    parser.add_argument(
        "--check-labels", action="store_true", help="validate labels.jsonl against the corpus, do not lint"
    )
    parser.add_argument(
        "--set",
        dest="label_set",
        choices=sorted(SETS),
        default="dev",
        help="which labelled set: dev (packages.json, labels.jsonl; the default), heldout (heldout/) or "
        "wholeprog (wholeprog/)",
    )
    parser.add_argument(
        "--promptlint-root",
        type=Path,
        help="lint with the promptlint package of this checkout (put first on PYTHONPATH) instead of this one's",
    )
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Prepare, validate the labels, lint, match and report; 1 on any problem."""
    args = parse_args(argv)
    chosen = SETS[args.label_set]
    try:
        promptlint_root = args.promptlint_root.resolve() if args.promptlint_root else None
        if promptlint_root is not None and not (promptlint_root / "promptlint" / "__init__.py").is_file():
            raise EvalError(f"--promptlint-root {args.promptlint_root}: no promptlint package there")
        print(f"corpus {chosen.corpus_dir.name}: preparing", flush=True)
        root = prepare_corpus(load_packages(chosen.packages_file), chosen.corpus_dir)
        if args.prepare_only:
            return 0
        labels = load_labels(chosen.labels_file)
        problems = check_labels(labels, root)
        if problems:
            raise EvalError("labels do not fit the corpus:\n  " + "\n  ".join(problems))
        if args.check_labels:
            real = sum(1 for label in labels if not label.is_negative)
            print(f"{len(labels)} labels OK ({real} real calls, {len(labels) - real} look-alikes)")
            return 0
        findings, summary = run_promptlint(root, promptlint_root)
    except (EvalError, bench.BenchError) as exc:
        print(f"\nFAILED: {exc}", file=sys.stderr)
        return 1
    report = build_report(labels, match(labels, findings), summary)
    print_report(report)
    if args.json_out:
        args.json_out.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
