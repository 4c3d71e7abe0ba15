"""Choosing a repository's Python: hints from its files, and the pure chooser."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox.errors import ImageBuildError
from sandbox.pyversion import PythonHints, choose_python, python_hints


def _minor(hints: PythonHints, requested: str | None = None) -> str:
    return choose_python(hints, requested).minor


def test_no_hint_gives_bookworms_python() -> None:
    assert _minor(PythonHints()) == "3.11"


def test_requires_python_excludes_newer_interpreters() -> None:
    assert _minor(PythonHints(requires=">=3.7,<3.10")) == "3.9"


def test_requires_python_above_bookworm_gives_trixie() -> None:
    assert _minor(PythonHints(requires=">=3.12")) == "3.13"


def test_python_version_file_wins_among_the_allowed() -> None:
    assert _minor(PythonHints(requires=">=3.8", pinned="3.13")) == "3.13"


def test_classifiers_pick_the_listed_interpreter() -> None:
    assert _minor(PythonHints(requires=">=3.6", listed=("3.6", "3.7", "3.8", "3.9"))) == "3.9"
    assert _minor(PythonHints(listed=("3.9", "3.10", "3.11", "3.12"))) == "3.11"


def test_listed_versions_none_available_pick_the_nearest_to_the_newest_listed() -> None:
    assert _minor(PythonHints(listed=("3.6", "3.7", "3.8"))) == "3.9"
    assert _minor(PythonHints(listed=("3.12",))) == "3.11"


def test_requested_version_wins_and_an_unknown_one_is_a_clear_error() -> None:
    assert _minor(PythonHints(requires=">=3.11"), "3.9") == "3.9"
    with pytest.raises(ImageBuildError, match=r"python 3\.12 is not available .*python:3\.12-slim"):
        choose_python(PythonHints(), "3.12")


def test_requires_python_that_nothing_fits_names_what_would_be_needed() -> None:
    with pytest.raises(ImageBuildError, match=r"requires-python '>=3.14' fits none"):
        choose_python(PythonHints(requires=">=3.14"))


def test_malformed_requires_python_is_no_hint() -> None:
    assert _minor(PythonHints(requires="three point eight")) == "3.11"


def test_hints_from_pyproject_python_version_and_tox(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\nrequires-python = ">=3.8"\n'
        'classifiers = ["Programming Language :: Python :: 3.10"]\n'
    )
    (tmp_path / ".python-version").write_text("3.9.18\n")
    (tmp_path / "tox.ini").write_text("[tox]\nenvlist = py38, py3.11, lint\n")
    assert python_hints(tmp_path) == PythonHints(
        requires=">=3.8", pinned="3.9", listed=("3.8", "3.10", "3.11")
    )


def test_hints_from_setup_cfg_and_pkg_info(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text(
        "[metadata]\nclassifiers =\n    Programming Language :: Python :: 3.7\n"
        "[options]\npython_requires = >=3.7\n"
    )
    (tmp_path / "PKG-INFO").write_text(
        "Metadata-Version: 2.1\nName: x\nRequires-Python: >=3.6\n"
        "Classifier: Programming Language :: Python :: 3.8\n"
    )
    assert python_hints(tmp_path) == PythonHints(requires=">=3.7", listed=("3.7", "3.8"))


def test_poetry_python_constraint(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.poetry.dependencies]\npython = "^3.12"\n')
    assert python_hints(tmp_path).requires == ">=3.12"
