"""The walk cache (``promptlint.walk_cache``): a warm run reuses discovery's file list only while nothing it
was made from changed, and then gives exactly the files a walk gives: after a file or folder is created or
deleted, a ``.gitignore`` changed or created, a symlinked folder changed or retargeted, a dangling symlink
mended, a named file deleted, and for other arguments or settings."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import List

import pytest

import promptlint.stat_index as stat_index
import promptlint.walk_cache as walk_cache
from promptlint.cli import main
from promptlint.discover import discover

OLD = 1_600_000_000_000_000_000  # 2020-09-13, in nanoseconds


def write(root: Path, files: dict) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def age(*roots: Path) -> None:
    """Set every file and folder back in time, so that a change is seen whatever the clock's resolution (only
    ``ctime`` stays recent: the tests trust recent times, ``RACY_NS`` = 0)."""
    for root in roots:
        for path in [root, *root.rglob("*")]:
            if ".promptlint_cache" not in path.parts:
                os.utime(path, ns=(OLD, OLD), follow_symlinks=False)


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    project = tmp_path / "project"
    write(
        project,
        {
            "pyproject.toml": "[tool.promptlint]\n",
            ".gitignore": "generated/\n",
            "app/main.py": "X = 1\n",
            "app/sub/deep.py": "Y = 2\n",
            "app/notes.txt": "",
            "generated/out.py": "Z = 3\n",
            "lib/util.py": "W = 4\n",
        },
    )
    (project / ".git").mkdir()
    (project / ".promptlint_cache").mkdir()
    write(tmp_path, {"outside/shared.py": "S = 5\n"})
    (project / "linked").symlink_to(tmp_path / "outside", target_is_directory=True)
    monkeypatch.chdir(project)
    monkeypatch.setattr(walk_cache, "RACY_NS", 0)
    monkeypatch.setattr(walk_cache, "MIN_FILES", 1)
    age(tmp_path)
    return project


@pytest.fixture
def walks(monkeypatch: pytest.MonkeyPatch) -> List[int]:
    """One item per walk made by the cache (none: the answer came from it)."""
    made: List[int] = []
    original = walk_cache.discover_recorded

    def counted(*args, **kwargs):
        made.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(walk_cache, "discover_recorded", counted)
    return made


def cached(tree: Path, paths=(".",), **settings) -> List[str]:
    found = walk_cache.discover_cached(
        list(paths), directory=tree / ".promptlint_cache", root=tree, **settings
    )
    walked = discover(list(paths), root=tree, **settings)
    assert found == walked and found.walked == walked.walked and found.hidden == walked.hidden
    return [path.as_posix() for path in found.files]


FILES = ["app/main.py", "app/sub/deep.py", "lib/util.py", "linked/shared.py"]


def test_an_unchanged_tree_is_not_walked_again(tree: Path, walks: List[int]) -> None:
    assert cached(tree) == FILES
    assert cached(tree) == FILES
    assert cached(tree) == FILES
    assert len(walks) == 1


def test_created_and_deleted_files_and_folders(tree: Path, walks: List[int]) -> None:
    assert cached(tree) == FILES
    write(tree, {"app/sub/new.py": ""})
    assert cached(tree) == [
        "app/main.py",
        "app/sub/deep.py",
        "app/sub/new.py",
        "lib/util.py",
        "linked/shared.py",
    ]
    age(tree)
    (tree / "app/sub/deep.py").unlink()
    assert cached(tree) == ["app/main.py", "app/sub/new.py", "lib/util.py", "linked/shared.py"]
    age(tree)
    write(tree, {"pkg/inner/mod.py": ""})
    assert cached(tree) == [
        "app/main.py",
        "app/sub/new.py",
        "lib/util.py",
        "linked/shared.py",
        "pkg/inner/mod.py",
    ]
    age(tree)
    for name in ("app/sub/new.py", "app/main.py"):
        (tree / name).unlink()
    (tree / "app/sub").rmdir()
    assert cached(tree) == ["lib/util.py", "linked/shared.py", "pkg/inner/mod.py"]
    age(tree)
    (tree / "lib/util.py").rename(tree / "lib/renamed.py")
    assert cached(tree) == ["lib/renamed.py", "linked/shared.py", "pkg/inner/mod.py"]
    assert len(walks) == 6


def test_gitignore_changed_created_and_above_the_walk(tree: Path, walks: List[int]) -> None:
    assert cached(tree) == FILES
    (tree / ".gitignore").write_text("generated/\nlib/\n", encoding="utf-8")
    assert cached(tree) == ["app/main.py", "app/sub/deep.py", "linked/shared.py"]
    age(tree)
    write(tree, {"app/sub/.gitignore": "deep.py\n"})
    assert cached(tree) == ["app/main.py", "linked/shared.py"]
    # Walking a folder: the ignore files above it apply, and a change to one of them is seen.
    assert cached(tree, ["app"]) == ["app/main.py"]
    age(tree)
    (tree / ".gitignore").write_text("main.py\n", encoding="utf-8")
    assert cached(tree, ["app"]) == []
    (tree / ".git/info").mkdir()
    (tree / ".git/info/exclude").write_text("", encoding="utf-8")
    age(tree)
    assert cached(tree, ["app"]) == []
    (tree / ".git/info/exclude").write_text("!main.py\n", encoding="utf-8")
    assert cached(tree, ["app"]) == []  # .gitignore files override info/exclude
    (tree / ".gitignore").unlink()
    assert cached(tree, ["app"]) == ["app/main.py"]
    assert cached(tree, ["app"]) == ["app/main.py"]
    assert len(walks) == 8


def test_a_repository_created_above_the_walk(tree: Path, tmp_path: Path, walks: List[int]) -> None:
    (tree / ".git").rmdir()
    write(tmp_path, {".gitignore": "project/lib/\n"})
    age(tmp_path)
    assert cached(tree) == FILES
    (tmp_path / ".git").mkdir()  # the outer .gitignore applies from now on
    assert cached(tree) == ["app/main.py", "app/sub/deep.py", "linked/shared.py"]
    assert cached(tree) == ["app/main.py", "app/sub/deep.py", "linked/shared.py"]
    assert len(walks) == 2


def test_symlinked_folders(tree: Path, tmp_path: Path, walks: List[int]) -> None:
    assert cached(tree) == FILES
    write(tmp_path, {"outside/more.py": ""})
    assert cached(tree) == [
        "app/main.py",
        "app/sub/deep.py",
        "lib/util.py",
        "linked/more.py",
        "linked/shared.py",
    ]
    write(tmp_path, {"elsewhere/other.py": ""})
    age(tmp_path)
    (tree / "linked").unlink()
    (tree / "linked").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    assert cached(tree) == ["app/main.py", "app/sub/deep.py", "lib/util.py", "linked/other.py"]
    age(tmp_path)
    # A dangling link, then its target created: its folder does not change, the link's target does.
    (tree / "later").symlink_to(tmp_path / "later", target_is_directory=True)
    (tree / "late.py").symlink_to(tmp_path / "late.py")
    age(tmp_path)
    assert cached(tree) == ["app/main.py", "app/sub/deep.py", "lib/util.py", "linked/other.py"]
    write(tmp_path, {"later/found.py": "", "late.py": ""})
    expected = [
        "app/main.py",
        "app/sub/deep.py",
        "late.py",
        "later/found.py",
        "lib/util.py",
        "linked/other.py",
    ]
    assert cached(tree) == expected
    assert cached(tree) == expected
    assert len(walks) == 5


def test_a_symlinked_folder_named_on_the_command_line(tree: Path, tmp_path: Path, walks: List[int]) -> None:
    write(tmp_path, {"elsewhere/other.py": ""})
    age(tmp_path)
    assert cached(tree, ["linked"]) == ["linked/shared.py"]
    (tree / "linked").unlink()
    (tree / "linked").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    assert cached(tree, ["linked"]) == ["linked/other.py"]
    assert len(walks) == 2


def test_named_files_next_to_a_folder(tree: Path, walks: List[int]) -> None:
    assert cached(tree, ["lib", "app/main.py", "generated/out.py"]) == [
        "app/main.py",
        "generated/out.py",
        "lib/util.py",
    ]
    assert cached(tree, ["lib", "app/main.py", "generated/out.py"]) == [
        "app/main.py",
        "generated/out.py",
        "lib/util.py",
    ]
    assert len(walks) == 1
    (tree / "app/main.py").unlink()
    named = ["lib", "app/main.py", "generated/out.py"]
    found = walk_cache.discover_cached(named, directory=tree / ".promptlint_cache", root=tree)
    assert [(e.path, e.reason) for e in found.errors] == [("app/main.py", "No such file or directory")]
    assert [path.as_posix() for path in found.files] == ["generated/out.py", "lib/util.py"]
    assert len(walks) == 2


def test_other_arguments_and_settings_have_their_own_entries(tree: Path, walks: List[int]) -> None:
    assert cached(tree) == FILES
    assert cached(tree, respect_gitignore=False) == [
        "app/main.py",
        "app/sub/deep.py",
        "generated/out.py",
        "lib/util.py",
        "linked/shared.py",
    ]
    assert cached(tree, extend_exclude=["sub"]) == ["app/main.py", "lib/util.py", "linked/shared.py"]
    assert cached(tree, ["generated/out.py", "app"], extend_exclude=["generated"], force_exclude=True) == [
        "app/main.py",
        "app/sub/deep.py",
    ]
    assert cached(tree, ["app", "lib"]) == ["app/main.py", "app/sub/deep.py", "lib/util.py"]
    assert cached(tree) == FILES
    assert cached(tree, respect_gitignore=False)[2] == "generated/out.py"
    assert len(walks) == 5


def test_recent_folders_are_walked_again(
    tree: Path, walks: List[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(walk_cache, "RACY_NS", stat_index.RACY_NS)
    write(tree, {"app/fresh.py": ""})  # app's times are now: a change within the same tick could hide
    assert cached(tree) == [
        "app/fresh.py",
        "app/main.py",
        "app/sub/deep.py",
        "lib/util.py",
        "linked/shared.py",
    ]
    assert cached(tree) == [
        "app/fresh.py",
        "app/main.py",
        "app/sub/deep.py",
        "lib/util.py",
        "linked/shared.py",
    ]
    assert len(walks) == 2


def test_a_corrupt_cache_file_costs_one_walk(tree: Path, walks: List[int]) -> None:
    assert cached(tree) == FILES
    [entry] = (tree / ".promptlint_cache").glob("walk-*.json")
    entry.write_text('{"format": 1, "deps": [["x", true', encoding="utf-8")
    assert cached(tree) == FILES
    assert cached(tree) == FILES
    assert len(walks) == 2


def test_a_warm_check_gives_the_cold_output_without_walking(tree: Path, walks: List[int], capsys) -> None:
    def output(*args: str) -> str:
        main(["check", "--output-format", "json", "--exit-zero", *args])
        return capsys.readouterr().out

    cold = output("--no-cache")
    assert json.loads(cold)["summary"]["files_checked"] == 4
    assert output() == cold
    assert output() == cold
    assert output("--jobs", "1") == cold
    assert len(walks) == 1
    write(tree, {"lib/extra.py": ""})
    assert output() == output("--no-cache") != cold
    assert json.loads(output())["summary"]["files_checked"] == 5
    assert len(walks) == 2
