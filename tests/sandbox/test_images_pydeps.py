"""images/python/install_deps.py, the in-image installer: which requirements it derives from a
project's manifests (run here on the host's Python, which has tomllib too)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from sandbox.images import IMAGES_DIR


def _installer() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "install_deps", IMAGES_DIR / "python" / "install_deps.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


PYPROJECT = """\
[project]
name = "My_Pkg"
dependencies = ["six>=1.16", "requests"]

[project.optional-dependencies]
test = ["pytest-cov", "my-pkg[extra,other]"]
extra = ["attrs"]
other = ["tomli; python_version < '3.11'"]
docs = ["sphinx"]

[dependency-groups]
dev = ["ruff", {include-group = "test"}]
"""


def test_pyproject_dependencies_test_extras_and_self_references(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    deps = _installer().declared_requirements(tmp_path)
    assert sorted(deps) == sorted(
        ["six>=1.16", "requests", "pytest-cov", "attrs", "tomli; python_version < '3.11'", "ruff"]
    )


def test_setup_cfg_install_requires_and_testing_extra(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text(
        "[metadata]\nname = demo\n\n[options]\ninstall_requires =\n    six\n    attrs>=20\n\n"
        "[options.extras_require]\ntesting =\n    pytest-mock\n    demo[fast]\nfast = ujson\n"
    )
    deps = _installer().declared_requirements(tmp_path)
    assert sorted(deps) == ["attrs>=20", "pytest-mock", "six", "ujson"]


def test_requirement_files_lose_lines_that_install_the_project_itself(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("-e .\nsix\n.[test]\n-r requirements-dev.txt\n")
    (tmp_path / "requirements-dev.txt").write_text("pytest\n")
    copies = _installer().filtered_requirement_files(tmp_path)
    assert [p.name for p in copies] == [
        ".devagent-requirements-dev.txt",
        ".devagent-requirements.txt",
    ]
    assert copies[1].read_text() == "six\n-r requirements-dev.txt\n"
