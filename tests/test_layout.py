"""Package folders read from a ``pyproject.toml`` (``promptlint.layout``): each backend's spelling, exactly."""

from __future__ import annotations

from pathlib import Path

from promptlint.layout import NO_LAYOUT, Layout, layout_of


def layout(tmp_path: Path, text: str) -> Layout:
    path = tmp_path / "pyproject.toml"
    path.write_text(text, encoding="utf-8")
    return layout_of(path)


def test_setuptools_package_dir_and_find_where(tmp_path: Path) -> None:
    found = layout(
        tmp_path,
        '[tool.setuptools]\npackage-dir = {"" = "lib", "Acme" = ".", "acme.extra" = "code/extra"}\n\n'
        '[tool.setuptools.packages.find]\nwhere = ["more"]\n',
    )
    assert found == Layout(
        (tmp_path / "lib", tmp_path / "more"),
        (("acme.extra", tmp_path / "code" / "extra"), ("Acme", tmp_path)),
    )


def test_poetry_packages_from(tmp_path: Path) -> None:
    found = layout(
        tmp_path, '[tool.poetry]\npackages = [{include = "acme", from = "lib"}, {include = "x"}]\n'
    )
    assert found == Layout((tmp_path / "lib",), ())


def test_hatch_wheel_packages_and_sources(tmp_path: Path) -> None:
    assert layout(tmp_path, '[tool.hatch.build.targets.wheel]\npackages = ["lib/acme"]\n') == Layout(
        (tmp_path / "lib",), ()
    )
    assert layout(tmp_path, '[tool.hatch.build.targets.wheel]\nsources = ["src"]\n') == Layout(
        (tmp_path / "src",), ()
    )
    assert layout(tmp_path, '[tool.hatch.build.targets.wheel.sources]\n"lib/code" = "acme"\n') == Layout(
        (), (("acme", tmp_path / "lib" / "code"),)
    )


def test_folders_outside_the_project_and_broken_files_map_nothing(tmp_path: Path) -> None:
    assert (
        layout(tmp_path, '[tool.setuptools]\npackage-dir = {"" = "../elsewhere", x = "/abs"}\n') == NO_LAYOUT
    )
    assert layout(tmp_path, "[tool.setuptools\npackage-dir = 1\n") == NO_LAYOUT
    assert layout(tmp_path, '[project]\nname = "no-mapping"\n') == NO_LAYOUT
