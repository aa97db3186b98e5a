"""The cached index of installed rule packs: a run uses it only while the installed packs are those it was
built from, and answers exactly as a run that loads every pack would."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from test_plugins import EXAMPLE_PACK, LOOPING_CALL, install_pack

SECOND_RULE = textwrap.dedent(
    '''\


    class CallInLoopAgain(CallInLoop):
        """
        ## What it does
        Flags LLM calls in loops, again.
        """

        code = "XMP002"
        name = "call-in-loop-again"


    RULES = (CallInLoop, CallInLoopAgain)
    '''
)


def run(tmp_path: Path, *args: str, site: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PROMPTLINT_CACHE_DIR": str(tmp_path / "cache"), "NO_COLOR": "1"}
    env["PYTHONPATH"] = str(site if site is not None else tmp_path / "site")
    return subprocess.run(
        [sys.executable, "-m", "promptlint", *args],
        cwd=tmp_path / "project",
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def make_project(tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "project").mkdir()
    (tmp_path / "project" / "loop.py").write_text(LOOPING_CALL)
    (tmp_path / "project" / "plain.py").write_text("x = 1\n")
    (tmp_path / "project" / "call.py").write_text(
        "from openai import OpenAI\nOpenAI().chat.completions.create(model='gpt-4o', messages=[])\n"
    )


def index_files(tmp_path: Path) -> list:
    return sorted((tmp_path / "cache").glob("rules-*.json"))


def test_a_run_writes_the_index_and_the_next_run_answers_the_same_from_it(tmp_path: Path) -> None:
    make_project(tmp_path)
    first = run(tmp_path, "check", "--no-cache", "--output-format", "json", ".")
    assert len(index_files(tmp_path)) == 1
    second = run(tmp_path, "check", "--no-cache", "--output-format", "json", ".")
    assert (second.returncode, second.stdout, second.stderr) == (first.returncode, first.stdout, first.stderr)
    assert first.returncode == 1
    assert [(d["path"], d["code"]) for d in json.loads(first.stdout)["diagnostics"]] == [
        ("call.py", "LLM201")
    ]


def test_with_a_valid_index_no_rule_module_is_imported_for_a_file_without_llm_code(tmp_path: Path) -> None:
    make_project(tmp_path)
    script = (
        "import sys; from promptlint.cli import main; code = main(['check', 'plain.py']); "
        "print(code, sorted({m.split('.')[0] for m in sys.modules} & {'promptlint_rules', 'libcst', 'rich'}))"
    )
    env = {
        **os.environ,
        "PROMPTLINT_CACHE_DIR": str(tmp_path / "cache"),
        "PYTHONPATH": str(tmp_path / "site"),
    }
    runs = [
        subprocess.run(
            [sys.executable, "-c", script], cwd=tmp_path / "project", env=env, capture_output=True, text=True
        )
        for _ in range(2)
    ]
    # The first run builds the index (importing the packs), the second uses it.
    assert [result.stdout.splitlines()[-1] for result in runs] == ["0 ['promptlint_rules']", "0 []"]


def test_installing_upgrading_and_removing_a_pack_is_seen_by_the_next_run(tmp_path: Path) -> None:
    make_project(tmp_path)
    site = tmp_path / "site"
    unknown = run(tmp_path, "check", "--select", "XMP", "plain.py")
    assert (unknown.returncode, unknown.stderr) == (2, "promptlint: error: unknown rule selector `XMP`\n")

    install_pack(site, "example_pack", "XMP", "example_pack:RULES", EXAMPLE_PACK)
    installed = run(tmp_path, "check", "--select", "XMP", "loop.py", "plain.py")
    assert installed.returncode == 1, installed.stderr
    assert "loop.py:5:5: XMP001 LLM call inside a loop (`client.messages.create`)" in installed.stdout
    assert run(tmp_path, "check", "--select", "XMP002", "plain.py").stderr == (
        "promptlint: error: unknown rule selector `XMP002`\n"
    )

    # An upgrade: a new version's metadata and a module with one rule more.
    shutil.rmtree(site / "example_pack-0.1.dist-info")
    (site / "example_pack.py").write_text(EXAMPLE_PACK.replace("RULES = (CallInLoop,)\n", SECOND_RULE))
    dist_info = site / "example_pack-0.2.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: example_pack\nVersion: 0.2\n")
    (dist_info / "entry_points.txt").write_text("[promptlint.rules]\nXMP = example_pack:RULES\n")
    upgraded = run(tmp_path, "check", "--select", "XMP002", "loop.py")
    assert upgraded.returncode == 1, upgraded.stderr
    assert "loop.py:5:5: XMP002 LLM call inside a loop (`client.messages.create`)" in upgraded.stdout

    shutil.rmtree(dist_info)
    (site / "example_pack.py").unlink()
    removed = run(tmp_path, "check", "--select", "XMP", "plain.py")
    assert (removed.returncode, removed.stderr) == (2, "promptlint: error: unknown rule selector `XMP`\n")
    configured = run(tmp_path, "check", "--select", "XMP002", "--select", "LLM", "plain.py")
    assert configured.stderr == "promptlint: error: unknown rule selector `XMP002`\n"


def test_editing_a_pack_in_place_is_seen_by_the_next_run(tmp_path: Path) -> None:
    make_project(tmp_path)
    site = tmp_path / "site"
    install_pack(site, "example_pack", "XMP", "example_pack:RULES", EXAMPLE_PACK)
    assert run(tmp_path, "check", "--select", "XMP002", "plain.py").returncode == 2
    # An editable install: the module changes, its metadata does not.
    (site / "example_pack.py").write_text(EXAMPLE_PACK.replace("RULES = (CallInLoop,)\n", SECOND_RULE))
    edited = run(tmp_path, "check", "--select", "XMP002", "loop.py")
    assert edited.returncode == 1, edited.stderr
    assert "loop.py:5:5: XMP002 LLM call inside a loop (`client.messages.create`)" in edited.stdout


def test_an_index_that_disagrees_with_the_packs_stops_the_run_and_is_dropped(tmp_path: Path) -> None:
    make_project(tmp_path)
    assert run(tmp_path, "check", "plain.py").returncode == 0
    (path,) = index_files(tmp_path)
    document = json.loads(path.read_text())
    document["rules"] = [[code, name + "-renamed", *rest] for code, name, *rest in document["rules"]]
    path.write_text(json.dumps(document))

    assert run(tmp_path, "check", "plain.py").returncode == 0  # no file to lint: the packs are not imported
    stale = run(tmp_path, "check", "call.py")
    assert (stale.returncode, stale.stdout, stale.stderr) == (
        2,
        "",
        "promptlint: error: the installed rule packs changed during the run; run promptlint again\n",
    )
    assert not path.exists()
    again = run(tmp_path, "check", "call.py")
    assert again.returncode == 1
    assert "call.py:2:1: LLM201" in again.stdout


def test_an_unwritable_cache_directory_costs_nothing_but_speed(tmp_path: Path) -> None:
    make_project(tmp_path)
    (tmp_path / "cache").write_text("not a directory")
    result = run(tmp_path, "check", "--select", "LLM201", "call.py", "plain.py")
    assert result.returncode == 1
    assert "call.py:2:1: LLM201" in result.stdout
    assert result.stderr == ""


def test_the_cache_keeps_the_newest_indexes_of_other_environments(tmp_path: Path) -> None:
    from promptlint.rule_index import KEPT_INDEXES

    make_project(tmp_path)
    cache = tmp_path / "cache"
    cache.mkdir()
    others = [cache / f"rules-{number:08x}.json" for number in range(KEPT_INDEXES + 4)]
    for age, path in enumerate(others):
        path.write_text("{}")
        os.utime(path, (1_000_000 + age, 1_000_000 + age))  # the last one written is the newest
    run(tmp_path, "check", "--no-cache", ".")
    kept = set(index_files(tmp_path))
    assert len(kept) == KEPT_INDEXES
    assert kept - set(others) != set()  # this environment's index, just written, is kept
    assert sorted(kept & set(others)) == others[-(KEPT_INDEXES - 1) :]
