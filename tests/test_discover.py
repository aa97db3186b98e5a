from __future__ import annotations

import os
from pathlib import Path

import pytest

from promptlint import discover as discover_module
from promptlint.discover import DEFAULT_EXCLUDE, Discovered, DiscoveryError, discover
from promptlint.source import PathProblem


def make(root: Path, *files: str) -> None:
    """Create files (and their directories); a trailing `/` makes an empty directory."""
    for name in files:
        path = root / name
        if name.endswith("/"):
            path.mkdir(parents=True, exist_ok=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("x = 1\n")


def run(*paths: str, root: Path = Path("."), **options) -> Discovered:
    options.setdefault("exclude", None)
    options.setdefault("extend_exclude", ())
    options.setdefault("force_exclude", False)
    return discover(list(paths), root=root, **options)


def names(result: Discovered) -> list:
    return [str(p) for p in result.files]


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_default_excludes(tree: Path) -> None:
    make(
        tree,
        "a.py",
        "pkg/mod.py",
        "pkg/__pycache__/c.py",
        ".venv/lib/site.py",
        "venv/x.py",
        "build/gen.py",
        "dist/d.py",
        "node_modules/n.py",
        "proj.egg-info/e.py",
        ".git/hooks/h.py",
        ".promptlint_cache/c.py",
        "stub.pyi",
        "notes.txt",
    )
    result = run(".")
    assert names(result) == ["a.py", "pkg/mod.py"]
    assert result.errors == ()
    assert all(isinstance(p, Path) for p in result.files)


def test_default_exclude_list_has_ruffs_entries() -> None:
    for name in (".git", ".venv", "venv", "__pycache__", "build", "dist", "*.egg-info", "site-packages"):
        assert name in DEFAULT_EXCLUDE


def test_exclude_replaces_defaults_and_empty_means_nothing(tree: Path) -> None:
    make(tree, "a.py", "build/gen.py", "pkg/mod.py")
    assert names(run(".", exclude=["pkg"])) == ["a.py", "build/gen.py"]
    assert names(run(".", exclude=[])) == ["a.py", "build/gen.py", "pkg/mod.py"]


def test_extend_exclude_patterns(tree: Path) -> None:
    make(
        tree,
        "keep.py",
        "fixtures/f.py",
        "tests/fixtures/f.py",
        "tests/data/a.py",
        "tests/data/sub/b.py",
        "other/tests/data/a.py",
        "src/gen/g.py",
        "src/deep/gen/h.py",
        "docs/conf.py",
        "docs/api/x.py",
        "tools/t.py",
        "pkg/tools/t.py",
        "test_a.py",
        "test_ab.py",
        "c1.py",
        "c2.py",
    )
    result = run(
        ".",
        extend_exclude=[
            "fixtures",
            "tests/data/*.py",
            "**/gen/*.py",
            "docs/**",
            "./tools",
            "test_?.py",
            "c[!2].py",
        ],
    )
    assert names(result) == [
        "c2.py",
        "keep.py",
        "other/tests/data/a.py",
        "pkg/tools/t.py",
        "test_ab.py",
        "tests/data/sub/b.py",
    ]


def test_trailing_slash_matches_directories_only(tree: Path) -> None:
    make(tree, "mod.py", "out/x.py")
    assert names(run(".", extend_exclude=["mod.py/", "out/"])) == ["mod.py"]


def test_explicit_files_bypass_exclude_unless_forced(tree: Path) -> None:
    make(tree, "build/x.py", "tests/fixtures/deep/f.py", "a.py")
    assert names(run("build/x.py", "a.py")) == ["a.py", "build/x.py"]
    assert names(run("build/x.py", "a.py", force_exclude=True)) == ["a.py"]
    # An excluded directory above the file counts too, at any depth below root.
    assert names(run("tests/fixtures/deep/f.py", extend_exclude=["fixtures"])) == ["tests/fixtures/deep/f.py"]
    assert names(run("tests/fixtures/deep/f.py", extend_exclude=["fixtures"], force_exclude=True)) == []


def test_explicit_directory_bypasses_exclude_unless_forced(tree: Path) -> None:
    make(tree, "build/x.py", "build/dist/y.py")
    # The named directory is walked, but the default excludes still prune below it.
    assert names(run("build")) == ["build/x.py"]
    assert names(run("build", force_exclude=True)) == []


def test_gitignore_negation_and_directory_only(tree: Path) -> None:
    (tree / ".gitignore").write_text(
        "# generated code\n"
        "\n"
        "*.py\n"
        "!keep*.py\n"
        "out/\n"
        "!out/keep_me.py\n"  # cannot re-include: its directory is excluded
    )
    make(tree, "a.py", "keep.py", "keep2.py", "pkg/keep.py", "pkg/b.py", "out/keep_me.py")
    assert names(run(".")) == ["keep.py", "keep2.py", "pkg/keep.py"]


def test_gitignore_trailing_slash_matches_directories_only(tree: Path) -> None:
    (tree / ".gitignore").write_text("gen.py/\n")
    make(tree, "gen.py", "pkg/gen.py/x.py", "pkg/y.py")
    assert names(run(".")) == ["gen.py", "pkg/y.py"]


def test_gitignore_anchoring_and_globs(tree: Path) -> None:
    (tree / ".gitignore").write_text("/top.py\nsub/only.py\n**/cache/*.py\ngen/**\n[ab].py\n")
    make(
        tree,
        "top.py",
        "pkg/top.py",
        "sub/only.py",
        "pkg/sub/only.py",
        "x/cache/c.py",
        "cache/d.py",
        "gen/a/b.py",
        "pkg/gen/g.py",
        "a.py",
        "c.py",
    )
    assert names(run(".")) == ["c.py", "pkg/gen/g.py", "pkg/sub/only.py", "pkg/top.py"]


def test_nested_gitignore_overrides_parent(tree: Path) -> None:
    (tree / ".gitignore").write_text("gen_*.py\n")
    make(tree, "gen_keep.py", "gen_x.py", "local.py", "pkg/gen_keep.py", "pkg/gen_x.py", "pkg/local.py")
    (tree / "pkg" / ".gitignore").write_text("!gen_keep.py\nlocal.py\n/sub/\n")
    make(tree, "pkg/sub/s.py", "pkg/deep/sub/s.py")
    assert names(run(".")) == ["local.py", "pkg/deep/sub/s.py", "pkg/gen_keep.py"]


def test_gitignore_can_be_turned_off(tree: Path) -> None:
    (tree / ".gitignore").write_text("*.py\n")
    make(tree, "a.py")
    assert names(run(".")) == []
    assert names(run(".", respect_gitignore=False)) == ["a.py"]


def test_git_info_exclude_has_lowest_precedence(tree: Path) -> None:
    make(tree, ".git/info/", "a.py", "b.py", "c.py")
    (tree / ".git" / "info" / "exclude").write_text("a.py\nb.py\n")
    (tree / ".gitignore").write_text("!b.py\n")
    assert names(run(".")) == ["b.py", "c.py"]


def test_gitignore_above_the_walked_directory_applies(tree: Path) -> None:
    (tree / ".gitignore").write_text("ignored.py\n")
    make(tree, "pkg/.gitignore", "pkg/sub/ignored.py", "pkg/sub/kept.py")
    (tree / "pkg" / ".gitignore").write_text("sub/kept2.py\n")
    make(tree, "pkg/sub/kept2.py")
    assert names(run("pkg/sub")) == ["pkg/sub/kept.py"]


def test_gitignore_of_the_repository_above_root_applies(tree: Path) -> None:
    make(tree, ".git/", "project/a.py", "project/b.py")
    (tree / ".gitignore").write_text("project/a.py\n")
    assert names(run(".", root=tree / "project")) == ["project/b.py"]


def test_explicit_files_ignore_gitignore_even_when_forced(tree: Path) -> None:
    (tree / ".gitignore").write_text("*.py\n")
    make(tree, "tracked.py")
    assert names(run("tracked.py", force_exclude=True)) == ["tracked.py"]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlink_loop_reported_once(tree: Path) -> None:
    make(tree, "a.py", "pkg/mod.py", "pkg/inner/i.py")
    os.symlink("..", tree / "pkg" / "loop")  # points at the root being walked
    os.symlink(".", tree / "pkg" / "inner" / "me")  # points at its own directory
    result = run(".", "pkg")
    assert names(result) == ["a.py", "pkg/inner/i.py", "pkg/mod.py"]
    # In walk order: pkg's own entries are visited before its subdirectories are scanned.
    assert result.errors == (
        DiscoveryError("pkg/loop", PathProblem.LOOP),
        DiscoveryError("pkg/inner/me", PathProblem.LOOP),
    )
    assert [error.reason for error in result.errors] == ["symlink loop", "symlink loop"]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_self_referencing_symlink(tree: Path) -> None:
    os.symlink("spin", tree / "spin")
    make(tree, "a.py")
    result = run(".", "spin")
    assert names(result) == ["a.py"]
    assert result.errors == (DiscoveryError("spin", PathProblem.LOOP),)


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlinked_directories_are_followed_and_deduplicated(tree: Path) -> None:
    make(tree, "pkg/mod.py", "outside/o.py")
    make(tree / "proj", "main.py")
    os.symlink(tree / "pkg", tree / "proj" / "alias")
    os.symlink(tree / "outside", tree / "proj" / "ext")
    result = run(".", root=tree / "proj")
    # pkg/mod.py is reached twice; the path without a symlink wins.
    assert names(result) == ["outside/o.py", "pkg/mod.py", "proj/main.py"]
    assert names(run("proj", root=tree / "proj")) == ["proj/alias/mod.py", "proj/ext/o.py", "proj/main.py"]


def test_missing_path_and_explicit_files_of_any_suffix(tree: Path) -> None:
    make(tree, "a.py", "script", "stub.pyi", "empty/")
    result = run("nope.py", "a.py", "script", "stub.pyi", "empty", "missing/dir")
    assert names(result) == ["a.py", "script", "stub.pyi"]
    assert result.errors == (
        DiscoveryError("nope.py", PathProblem.MISSING),
        DiscoveryError("missing/dir", PathProblem.MISSING),
    )
    assert [error.reason for error in result.errors] == ["No such file or directory"] * 2


def test_directory_without_python_files_is_not_an_error(tree: Path) -> None:
    make(tree, "docs/readme.md")
    assert run("docs") == Discovered((), ())


def test_unreadable_directory(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make(tree, "a.py", "locked/x.py")
    real_scandir = os.scandir

    def scandir(path):
        if os.path.basename(path) == "locked":
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(discover_module.os, "scandir", scandir)
    result = run(".", "locked")
    assert names(result) == ["a.py"]
    assert result.errors == (DiscoveryError("locked", PathProblem.DENIED),)
    assert result.errors[0].reason == "permission denied"


def test_an_error_of_no_known_kind_keeps_the_systems_words(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make(tree, "a.py", "flaky/x.py")
    real_scandir = os.scandir

    def scandir(path):
        if os.path.basename(path) == "flaky":
            raise OSError(5, "Input/output error", path)
        return real_scandir(path)

    monkeypatch.setattr(discover_module.os, "scandir", scandir)
    result = run(".")
    assert result.errors == (DiscoveryError("flaky", PathProblem.OTHER, "input/output error"),)
    assert result.errors[0].reason == "input/output error"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads everything")
def test_unreadable_directory_for_real(tree: Path) -> None:
    make(tree, "a.py", "locked/x.py")
    (tree / "locked").chmod(0)
    try:
        result = run(".")
    finally:
        (tree / "locked").chmod(0o755)
    assert names(result) == ["a.py"]
    assert result.errors == (DiscoveryError("locked", PathProblem.DENIED),)


def test_sorted_by_components_and_deduplicated(tree: Path) -> None:
    make(tree, "b.py", "a-b/x.py", "a/x.py", "A.py", "a/b/c.py")
    expected = ["A.py", "a/b/c.py", "a/x.py", "a-b/x.py", "b.py"]
    assert names(run(".")) == expected
    assert names(run("b.py", "a", "./a-b/x.py", ".", "a/x.py", str(tree / "b.py"))) == expected


def test_paths_outside_root_match_names_only(tree: Path) -> None:
    make(tree, "proj/a.py", "outside/tests/data/a.py", "outside/build/b.py", "outside/c.py")
    os.chdir(tree / "proj")
    result = run(".", "../outside", root=tree / "proj", extend_exclude=["tests/data/*.py"])
    outside = tree / "outside"
    assert [str(p) for p in result.files] == [str(outside / "c.py"), str(outside / "tests/data/a.py"), "a.py"]
    # Forced exclusion of a path outside root looks at that path's own name only.
    forced = run(
        str(outside / "c.py"),
        str(outside / "build" / "b.py"),
        "a.py",
        root=tree / "proj",
        extend_exclude=["c.py"],
        force_exclude=True,
    )
    assert [str(p) for p in forced.files] == [str(outside / "build" / "b.py"), "a.py"]


def test_patterns_are_relative_to_root_not_cwd(tree: Path) -> None:
    make(tree, "proj/tests/data/a.py", "proj/tests/b.py", "tests/data/c.py")
    result = run("proj", "tests", root=tree / "proj", extend_exclude=["tests/data/*.py"])
    assert names(result) == ["proj/tests/b.py", "tests/data/c.py"]


def test_absolute_paths_under_cwd_are_shown_relative(tree: Path) -> None:
    make(tree, "pkg/a.py")
    assert run(str(tree / "pkg")).files == (Path("pkg/a.py"),)
    assert run(str(tree / "pkg" / "a.py")).files == (Path("pkg/a.py"),)


def test_gitignore_parser_details() -> None:
    patterns = discover_module._gitignore_patterns(
        "\\#hash.py\n\\!bang.py\ntrailing.py   \nspace\\ .py\n[[:digit:]]x.py\n[z-a].py\n"
    )
    pset = discover_module._PatternSet(patterns)

    def ignored(name: str) -> bool:
        return bool(pset.decide(name, name, False))

    assert [ignored(n) for n in ("#hash.py", "!bang.py", "trailing.py", "space .py", "7x.py")] == [True] * 5
    assert [ignored(n) for n in ("trailing.py   ", "ax.py", "z.py", "a.py", "[z-a].py")] == [False] * 5


SIMPLE_SETS = [
    list(DEFAULT_EXCLUDE),
    ["build", "dist/", "*.egg-info", "*_pb2.py", "*"],
    ["generated/", "*.tmp/", "vendor"],
    [],
]
NAMES = ["build", "dist", "x.egg-info", ".egg-info", "egg-info", "a_pb2.py", "pb2.py", "generated", "x.tmp"]
NAMES += ["vendor", "vendors", "src", ".git", ".gitignore", "__pycache__", "venv", "a.py", "Build"]


@pytest.mark.parametrize("patterns", SIMPLE_SETS)
def test_names_and_suffixes_are_decided_as_the_regex_decides(patterns) -> None:
    compiled = [p for p in map(discover_module._exclude_pattern, patterns) if p is not None]
    simple = discover_module._PatternSet(compiled)
    assert simple._simple is not None
    regex = discover_module._PatternSet(compiled)
    regex._simple = None  # decided by the one regex, as any other set is
    for name in NAMES:
        for rel in (None, name, f"sub/{name}"):
            for is_dir in (False, True):
                assert (name, rel, is_dir, simple.decide(rel, name, is_dir)) == (
                    name,
                    rel,
                    is_dir,
                    regex.decide(rel, name, is_dir),
                )


@pytest.mark.parametrize("patterns", [["/build"], ["a/b"], ["b?ild"], ["[ab]uild"], ["\\*x"], ["**/x"]])
def test_other_patterns_keep_their_regex(patterns) -> None:
    compiled = [p for p in map(discover_module._exclude_pattern, patterns) if p is not None]
    assert discover_module._PatternSet(compiled)._simple is None
    negated = discover_module._gitignore_patterns("build\n!build/keep\n")
    assert discover_module._PatternSet(negated)._simple is None


def test_default_excluded_is_fnmatch_over_the_default_patterns() -> None:
    import fnmatch

    for name in NAMES + list(DEFAULT_EXCLUDE) + ["pkg.egg-info", "site-packages", "node_modules2"]:
        expected = any(fnmatch.fnmatchcase(name, pattern) for pattern in DEFAULT_EXCLUDE)
        assert (name, discover_module.default_excluded(name)) == (name, expected)
