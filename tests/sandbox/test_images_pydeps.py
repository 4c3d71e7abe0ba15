"""images/python/gather.py, the in-image requirement gathering: which requirements and extras it
derives from a project's manifests (run here on the host's Python, which has tomllib too)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from sandbox.images import IMAGES_DIR


@pytest.fixture(scope="module")
def gather() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gather", IMAGES_DIR / "python" / "gather.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("gather", module)
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
lint = ["ruff"]
dev = ["mypy", {include-group = "lint"}]
"""


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_pyproject_dependencies_test_extras_groups_and_self_references(
    gather: ModuleType, tmp_path: Path
) -> None:
    deps = gather.declared_requirements(_write(tmp_path, {"pyproject.toml": PYPROJECT}))
    tomli = "tomli; python_version < '3.11'"
    assert sorted(deps) == sorted(
        ["six>=1.16", "requests", "pytest-cov", "attrs", tomli, "mypy", "ruff"]
    )


def test_poetry_dependencies_dev_dependencies_and_test_group(
    gather: ModuleType, tmp_path: Path
) -> None:
    pyproject = (
        '[tool.poetry]\nname = "demo"\n[tool.poetry.dependencies]\npython = "^3.8"\n'
        'attrs = "^21.4"\nclick = {version = "~8.0", extras = ["x"]}\n'
        'local = {path = "../local"}\nfast = {version = "*", optional = true}\n'
        '[tool.poetry.dev-dependencies]\ntoml = "0.10.2"\n'
        '[tool.poetry.group.test.dependencies]\nhypothesis = ">=6"\n'
        '[tool.poetry.group.docs.dependencies]\nsphinx = "*"\n'
    )
    deps = gather.declared_requirements(_write(tmp_path, {"pyproject.toml": pyproject}))
    assert deps == [
        "attrs>=21.4,<22",
        "click[x]>=8.0,<8.1",
        "toml==0.10.2",
        "hypothesis>=6",
    ]


def test_setup_cfg_install_requires_and_testing_extra(gather: ModuleType, tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text(
        "[metadata]\nname = demo\n\n[options]\ninstall_requires =\n    six\n    attrs>=20\n\n"
        "[options.extras_require]\ntesting =\n    pytest-mock\n    demo[fast]\nfast = ujson\n"
    )
    deps = gather.declared_requirements(tmp_path)
    assert sorted(deps) == ["attrs>=20", "pytest-mock", "six", "ujson"]


def test_requirement_files_at_the_root_and_under_requirements(
    gather: ModuleType, tmp_path: Path
) -> None:
    _write(
        tmp_path,
        {
            "requirements.txt": "-e .\nsix\n.[test]\n",
            "requirements/tests.txt": "pytest-mock\n",
            "requirements/docs.txt": "sphinx\n",
        },
    )
    args = gather.install_arguments(tmp_path)
    assert [Path(a).name for a in args[1::2]] == [
        ".devagent-requirements.txt",
        ".devagent-tests.txt",
    ]
    assert (tmp_path / ".devagent-requirements.txt").read_text() == "six\n"


def test_includes_of_files_outside_the_manifests_are_left_out(
    gather: ModuleType, tmp_path: Path
) -> None:
    """Seen on more-itertools: requirements/development.txt says `-r ../docs/requirements.txt`,
    a file the manifests-only build context does not have; uv failed the whole build."""
    _write(
        tmp_path,
        {
            "requirements/development.txt": "-r ../docs/x.txt\n-r testing.txt\ncoverage\n",
            "requirements/testing.txt": "pytest-mock\n",
        },
    )
    gather.install_arguments(tmp_path)
    copy = tmp_path / "requirements" / ".devagent-development.txt"
    assert copy.read_text() == "-r testing.txt\ncoverage\n"


def test_tox_deps_that_are_plain(gather: ModuleType, tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "tox.ini": (
                "[tox]\nenvlist = py39\n[testenv]\ndeps =\n    pytest>=7\n"
                "    -r{toxinidir}/req-test.txt\n    py39: mock\n    {env:EXTRA:}\n"
            ),
            "req-test.txt": "hypothesis\n",
        },
    )
    args = gather.tox_requirements(tmp_path)
    assert args[0] == "pytest>=7"
    assert args[1] == "-r"
    assert Path(args[2]).read_text() == "hypothesis\n"
    assert len(args) == 3


@pytest.mark.parametrize(
    ("provided", "wanted"),
    [
        (["docs", "Tests", "dev"], ["Tests"]),
        (["docs", "dev"], ["dev"]),
        (["docs"], []),
        (["test", "testing"], ["test", "testing"]),
    ],
)
def test_wanted_extras_are_the_test_ones_else_dev(
    gather: ModuleType, provided: list[str], wanted: list[str]
) -> None:
    assert gather.wanted_extras(provided) == wanted


def test_poetry_specifiers(gather: ModuleType) -> None:
    spec = gather.poetry_specifier
    assert [spec("^1.2.3"), spec("^0.2"), spec("~1.2"), spec("*"), spec("1.2")] == [
        ">=1.2.3,<2",
        ">=0.2,<0.3",
        ">=1.2,<1.3",
        "",
        "==1.2",
    ]


def test_import_names_prefer_the_distribution_in_src(gather: ModuleType, tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "src/aaa/__init__.py": "",
            "src/my_pkg/__init__.py": "",
            "src/single.py": "",
            "tests/__init__.py": "",
        },
    )
    assert gather.import_names(tmp_path, "My-Pkg") == ["my_pkg", "aaa", "single"]


def test_import_names_at_the_root_skip_tests_and_scripts(
    gather: ModuleType, tmp_path: Path
) -> None:
    _write(
        tmp_path,
        {"pkg/__init__.py": "", "tests/__init__.py": "", "setup.py": "", "tool.py": ""},
    )
    assert gather.import_names(tmp_path, "") == ["pkg"]


def test_a_single_module_distribution_at_the_root(gather: ModuleType, tmp_path: Path) -> None:
    _write(tmp_path, {"six.py": "", "test_six.py": "", "setup.py": ""})
    assert gather.import_names(tmp_path, "six") == ["six"]


def test_pkg_info_version(gather: ModuleType, tmp_path: Path) -> None:
    assert gather.pkg_info_version(tmp_path) == ""
    (tmp_path / "PKG-INFO").write_text("Metadata-Version: 2.1\nName: x\nVersion: 1.4.0\n")
    assert gather.pkg_info_version(tmp_path) == "1.4.0"


def test_build_requirements(gather: ModuleType, tmp_path: Path) -> None:
    assert gather.build_requirements(tmp_path) == []
    (tmp_path / "setup.py").write_text("")
    assert gather.build_requirements(tmp_path) == ["setuptools>=40.8.0", "wheel"]
    (tmp_path / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["hatchling", "hatch-vcs"]\nbuild-backend = "hatchling.build"\n'
    )
    assert gather.build_requirements(tmp_path) == ["hatchling", "hatch-vcs", "editables"]


def test_build_backend_is_the_declared_one_with_its_path_else_the_legacy_one(
    gather: ModuleType, tmp_path: Path
) -> None:
    assert gather.build_backend(tmp_path) == ("setuptools.build_meta:__legacy__", [])
    (tmp_path / "pyproject.toml").write_text('[build-system]\nrequires = ["setuptools"]\n')
    assert gather.build_backend(tmp_path) == ("setuptools.build_meta:__legacy__", [])
    (tmp_path / "pyproject.toml").write_text(
        '[build-system]\nbuild-backend = "backend:hooks"\nbackend-path = ["_build"]\n'
    )
    assert gather.build_backend(tmp_path) == ("backend:hooks", [str(tmp_path / "_build")])
    (tmp_path / "pyproject.toml").write_text('[build-system]\nbackend-path = [".."]\n')
    with pytest.raises(ValueError, match="backend-path outside the project"):
        gather.build_backend(tmp_path)
