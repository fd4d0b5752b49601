"""The package's static facts, without building it (``make package`` builds and installs it:
scripts/check_package.py): package data covers exactly the files the package reads, one
version everywhere, a changelog entry for it, and missing extras named."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from importlib.metadata import version as installed_version
from pathlib import Path

import pytest
from click.testing import CliRunner

import groundswell
from groundswell.cli import main
from groundswell.engines import EngineUnavailable, require_spark

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
VERSION = PYPROJECT["project"]["version"]


def package_files() -> set[str]:
    """Files under groundswell/, relative to it: those git tracks in a checkout, those present
    in an unpacked sdist."""
    if (ROOT / ".git").exists():
        out = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z", "groundswell"],
                             capture_output=True, text=True, check=True).stdout
        names = {n for n in out.split("\0") if n and (ROOT / n).is_file()}
    else:
        names = {str(p.relative_to(ROOT)) for p in (ROOT / "groundswell").rglob("*")
                 if p.is_file() and "__pycache__" not in p.parts}
    return {n.removeprefix("groundswell/") for n in names}


def test_package_data_is_exactly_the_non_python_files():
    patterns = PYPROJECT["tool"]["setuptools"]["package-data"]["groundswell"]
    files = package_files()
    data = {f for f in files if not f.endswith(".py")}
    assert data, "no package data found: is this the repository?"
    covered = set()
    for pattern in patterns:
        # setuptools globs each pattern from the package's folder ("*" stops at a "/")
        matched = {str(p.relative_to(ROOT / "groundswell"))
                   for p in (ROOT / "groundswell").glob(pattern)} & files
        assert matched, f"package-data pattern {pattern!r} matches no file of the package"
        covered |= matched
    assert data - covered == set(), ("files the wheel would leave out: add them to "
                                     "[tool.setuptools.package-data] in pyproject.toml")
    assert covered - data == set(), "package-data patterns that match modules"


def test_one_version_everywhere():
    assert groundswell.__version__ == installed_version("groundswell") == VERSION, (
        "the installed metadata is stale: reinstall (make install) after changing pyproject")
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0 and result.stdout == f"groundswell, version {VERSION}\n"
    citation = ROOT / "CITATION.cff"
    if citation.exists():
        found = re.search(r"""^version:\s*["']?([^"'\s]+)""",
                          citation.read_text(encoding="utf-8"), re.MULTILINE)
        assert found and found.group(1) == VERSION, "CITATION.cff's version is not pyproject's"


def test_the_changelog_names_this_version_first():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## \[([^\]]+)\](.*)$", text, re.MULTILINE)
    assert headings and headings[0][0] == "Unreleased", "CHANGELOG.md starts with [Unreleased]"
    released = [(v, rest) for v, rest in headings if v != "Unreleased"]
    assert released, "CHANGELOG.md has no released version"
    top, rest = released[0]
    assert top == VERSION, f"CHANGELOG.md's latest release is {top}, pyproject's is {VERSION}"
    assert re.fullmatch(r" - \d{4}-\d{2}-\d{2}", rest), f"[{top}] without a date: {rest!r}"


def test_the_licence_is_declared_and_shipped():
    project = PYPROJECT["project"]
    assert project["license"] == "MIT"
    for name in project["license-files"]:
        assert (ROOT / name).is_file(), f"license-files names {name}, which is not there"
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License\n")


def test_make_test_runs_the_package_check():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^test:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert recipe and "$(CHECK_PACKAGE)" in recipe.group(1)
    assert re.search(r"^CHECK_PACKAGE = .*scripts/check_package\.py$", makefile, re.MULTILINE)


def test_the_spark_engine_without_pyspark_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyspark", None)
    with pytest.raises(EngineUnavailable) as caught:
        require_spark()
    assert str(caught.value) == ("the Spark engine needs the spark extra: "
                                 "pip install 'groundswell[spark]' (pyspark is not installed)")
