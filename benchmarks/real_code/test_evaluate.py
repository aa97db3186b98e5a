"""Tests of the label matcher (run with ``python -m pytest benchmarks/real_code``; not part of the main suite)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, List

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import evaluate as ev  # noqa: E402


def write_labels(tmp_path: Path, rows: List[dict]) -> Path:
    path = tmp_path / "labels.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def row(
    file: str,
    line: int,
    expected: Any = (),
    acceptable: Any = (),
    api: str = "openai.chat.completions.create",
    also_at: Any = (),
    callee: str = "client.chat.completions.create",
    shape: str = "direct-sdk-call",
) -> dict:
    return {
        "file": file,
        "line": line,
        "callee": callee,
        "api": api,
        "model": None,
        "model_source": "unknown",
        "output_limit": {"param": None, "value": None, "source": "absent"},
        "expected": list(expected),
        "acceptable": list(acceptable),
        "scope": "call",
        "also_at": [{"file": f, "line": n} for f, n in also_at],
        "shape": shape,
        "notes": "",
    }


def finding(file: str, line: int, code: str) -> ev.Finding:
    return ev.Finding(file, line, code, f"{code} message")


def test_expected_found_within_window_is_a_true_positive_and_outside_is_a_miss(tmp_path: Path) -> None:
    labels = ev.load_labels(
        write_labels(tmp_path, [row("a.py", 10, ["LLM201"]), row("b.py", 10, ["LLM201"])])
    )
    outcome = ev.match(labels, [finding("a.py", 13, "LLM201"), finding("b.py", 14, "LLM201")])
    assert [(lab.file, alts, f.line) for lab, alts, f in outcome.true_positives] == [
        ("a.py", ("LLM201",), 13)
    ]
    assert [(lab.file, alts) for lab, alts in outcome.misses] == [("b.py", ("LLM201",))]
    assert outcome.unjudged == [finding("b.py", 14, "LLM201")]
    assert outcome.false_alarms == []


def test_alternatives_acceptable_codes_and_false_alarms(tmp_path: Path) -> None:
    labels = ev.load_labels(write_labels(tmp_path, [row("a.py", 5, ["LLM101|LLM102"], ["LLM401"])]))
    outcome = ev.match(
        labels, [finding("a.py", 5, "LLM102"), finding("a.py", 5, "LLM401"), finding("a.py", 6, "LLM601")]
    )
    assert [(alts, f.code) for _, alts, f in outcome.true_positives] == [(("LLM101", "LLM102"), "LLM102")]
    assert [f.code for _, f in outcome.tolerated] == ["LLM401"]
    assert [f.code for _, f in outcome.false_alarms] == ["LLM601"]
    assert outcome.misses == []


def test_one_finding_satisfies_one_expected_entry_and_a_duplicate_is_tolerated(tmp_path: Path) -> None:
    labels = ev.load_labels(write_labels(tmp_path, [row("a.py", 5, ["LLM201", "LLM201"])]))
    outcome = ev.match(labels, [finding("a.py", 5, "LLM201")])
    assert len(outcome.true_positives) == 1
    assert [alts for _, alts in outcome.misses] == [("LLM201",)]
    labels = ev.load_labels(write_labels(tmp_path, [row("a.py", 5, ["LLM201"])]))
    outcome = ev.match(labels, [finding("a.py", 5, "LLM201"), finding("a.py", 6, "LLM201")])
    assert len(outcome.true_positives) == 1 and [f.line for _, f in outcome.tolerated] == [6]


def test_also_at_counts_and_a_finding_goes_to_the_nearest_label(tmp_path: Path) -> None:
    rows = [
        row("a.py", 10, ["LLM502"], also_at=[("main.py", 22)]),
        row("a.py", 14, [], api="not-an-llm-call", callee="x.create"),
    ]
    labels = ev.load_labels(write_labels(tmp_path, rows))
    outcome = ev.match(labels, [finding("main.py", 21, "LLM502"), finding("a.py", 13, "LLM201")])
    assert [(lab.line, f.file) for lab, _, f in outcome.true_positives] == [(10, "main.py")]
    assert [(lab.line, lab.is_negative, f.code) for lab, f in outcome.false_alarms] == [(14, True, "LLM201")]


def test_report_tables_and_byte_identical_json(tmp_path: Path) -> None:
    rows = [row("a.py", 10, ["LLM201"], shape="s1"), row("b.py", 10, ["LLM303"], shape="s2")]
    labels = ev.load_labels(write_labels(tmp_path, rows))
    findings = [finding("b.py", 40, "LLM104"), finding("a.py", 10, "LLM201")]
    report = ev.build_report(labels, ev.match(labels, findings), {"files_checked": 2})
    assert report["rules"] == [
        {
            "rule": "LLM201",
            "expected": 1,
            "found": 1,
            "missed": 0,
            "false_alarms": 0,
            "recall": "1/1 (100%)",
            "precision": "1/1 (100%)",
        },
        {
            "rule": "LLM303",
            "expected": 1,
            "found": 0,
            "missed": 1,
            "false_alarms": 0,
            "recall": "0/1 (0%)",
            "precision": "0/0",
        },
    ]
    assert report["overall"]["recall"] == "1/2 (50%)" and report["overall"]["unjudged"] == 1
    assert [r["shape"] for r in report["recall_by_shape"]] == ["s1", "s2"]
    again = ev.build_report(labels, ev.match(labels, list(reversed(findings))), {"files_checked": 2})
    assert json.dumps(report, sort_keys=True) == json.dumps(again, sort_keys=True)


def test_label_file_errors(tmp_path: Path) -> None:
    bad = row("a.py", 1, ["LLM201"], api="not-an-llm-call")
    with pytest.raises(ev.EvalError, match="look-alike cannot expect"):
        ev.load_labels(write_labels(tmp_path, [bad]))
    missing = row("a.py", 1)
    del missing["shape"]
    with pytest.raises(ev.EvalError, match="missing field"):
        ev.load_labels(write_labels(tmp_path, [missing]))


def test_check_labels_catches_line_drift(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\nr = client.chat.completions.create(\n", encoding="utf-8")
    labels = ev.load_labels(write_labels(tmp_path, [row("a.py", 2), row("a.py", 1), row("gone.py", 1)]))
    problems = ev.check_labels(labels, tmp_path)
    assert len(problems) == 2
    assert "not on that line" in problems[0] and "gone.py does not exist" in problems[1]


def test_set_selection_defaults_to_the_dev_set_and_heldout_reads_its_own_files() -> None:
    dev = ev.SETS[ev.parse_args([]).label_set]
    assert (dev.packages_file, dev.labels_file, dev.corpus_dir) == (
        ev.HERE / "packages.json",
        ev.HERE / "labels.jsonl",
        ev.bench.CORPORA_DIR / "real-code",
    )
    heldout = ev.SETS[ev.parse_args(["--set", "heldout", "--check-labels"]).label_set]
    assert (heldout.packages_file, heldout.labels_file, heldout.corpus_dir) == (
        ev.HERE / "heldout" / "packages.json",
        ev.HERE / "heldout" / "labels.jsonl",
        ev.bench.CORPORA_DIR / "real-code-heldout",
    )
    assert {p.name for p in ev.load_packages(heldout.packages_file)}.isdisjoint(
        p.name for p in ev.load_packages(dev.packages_file)
    )
    with pytest.raises(SystemExit):
        ev.parse_args(["--set", "other"])


def test_wholeprog_set_reads_its_own_files_and_shares_no_package() -> None:
    chosen = ev.SETS[ev.parse_args(["--set", "wholeprog"]).label_set]
    assert (chosen.packages_file, chosen.labels_file, chosen.corpus_dir) == (
        ev.HERE / "wholeprog" / "packages.json",
        ev.HERE / "wholeprog" / "labels.jsonl",
        ev.bench.CORPORA_DIR / "real-code-wholeprog",
    )
    names = {p.name for p in ev.load_packages(chosen.packages_file)}
    for other in ("dev", "heldout"):
        assert names.isdisjoint(p.name for p in ev.load_packages(ev.SETS[other].packages_file))
    for corpus in ev.bench.CORPORA.values():
        assert names.isdisjoint(s.name for s in corpus)


def test_promptlint_root_goes_first_on_the_import_path(tmp_path: Path) -> None:
    default = ev.promptlint_env()
    assert default["PYTHONPATH"].split(ev.os.pathsep)[0] == str(ev.bench.REPO_ROOT)
    other = ev.promptlint_env(tmp_path)
    assert other["PYTHONPATH"].split(ev.os.pathsep)[:2] == [str(tmp_path), str(ev.bench.REPO_ROOT)]
    assert ev.parse_args(["--promptlint-root", str(tmp_path)]).promptlint_root == tmp_path
    assert ev.main(["--set", "wholeprog", "--promptlint-root", str(tmp_path)]) == 1
