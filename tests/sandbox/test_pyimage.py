"""The pure parts of Python env images: the date filter, the build context, the tree's hash."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from sandbox.envspec import EnvironmentSpec
from sandbox.errors import ImageBuildError
from sandbox.hostconfig import HostIndexConfig
from sandbox.images import IMAGES_DIR
from sandbox.pyimage import (
    MANIFEST_DIR,
    SPEC_FILE,
    PythonEnvRequest,
    build_inputs_hash,
    deps_context,
    exclude_newer,
)
from sandbox.pyversion import DEBIAN_PYTHONS


@pytest.mark.parametrize(
    ("as_of", "spec_as_of", "expected"),
    [
        ("2024-03-05T23:30:00-02:00", None, "2024-03-06T23:59:59Z"),
        ("2024-03-05", None, "2024-03-05T23:59:59Z"),
        ("2024-03-05", "2023-01-02", "2023-01-02T23:59:59Z"),
        ("2024-03-05", "none", ""),
        (None, None, ""),
    ],
)
def test_exclude_newer_is_the_end_of_the_utc_day(
    as_of: str | None, spec_as_of: str | None, expected: str
) -> None:
    assert exclude_newer(as_of, EnvironmentSpec(as_of=spec_as_of)) == expected


def _request(repo: Path, spec: EnvironmentSpec) -> PythonEnvRequest:
    return PythonEnvRequest(
        repo=repo,
        deps_repo=repo,
        spec=spec,
        interpreter=DEBIAN_PYTHONS[0],
        base_id="sha256:base",
        host=HostIndexConfig(),
        images_dir=IMAGES_DIR,
        exclude_newer="2024-01-01T23:59:59Z",
    )


def test_deps_context_holds_manifests_setup_script_and_spec(tmp_path: Path) -> None:
    (tmp_path / "setup.py").write_text("from setuptools import setup\nsetup()\n")
    (tmp_path / "requirements").mkdir()
    (tmp_path / "requirements" / "test.txt").write_text("six\n")
    (tmp_path / ".devagent").mkdir()
    (tmp_path / ".devagent" / "setup.sh").write_text("echo hi\n")
    (tmp_path / "pkg.py").write_text("")
    files = deps_context(_request(tmp_path, EnvironmentSpec(pip=["pytest<8"])))
    manifests = sorted(n for n in files if n.startswith(MANIFEST_DIR))
    assert manifests == [
        f"{MANIFEST_DIR}.devagent/setup.sh",
        f"{MANIFEST_DIR}requirements/test.txt",
        f"{MANIFEST_DIR}setup.py",
    ]
    spec = json.loads(files[SPEC_FILE])
    assert spec["setup_script"] == ".devagent/setup.sh"
    assert spec["pip"] == ["pytest<8"]
    assert spec["exclude_newer"] == "2024-01-01T23:59:59Z"
    assert (spec["suite"], spec["python"]) == ("bookworm", "3.11")


def test_a_named_setup_script_that_is_missing_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "setup.py").write_text("")
    with pytest.raises(ImageBuildError, match=r"setup_script 'ci/setup.sh' not found"):
        deps_context(_request(tmp_path, EnvironmentSpec(setup_script="ci/setup.sh")))


def test_the_project_key_follows_build_inputs_not_git(tmp_path: Path) -> None:
    (tmp_path / "setup.py").write_text("setup()\n")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD").write_text("ref\n")
    before = build_inputs_hash(tmp_path)
    (tmp_path / ".git" / "HEAD").write_text("other\n")
    assert build_inputs_hash(tmp_path) == before
    (tmp_path / "setup.py").write_text("setup(name='x')\n")
    assert build_inputs_hash(tmp_path) != before


def test_editing_or_adding_a_module_keeps_the_project_image(tmp_path: Path) -> None:
    """The checkout is bind-mounted over the image's copy: a module's content is not an input."""
    pkg = tmp_path / "src" / "pkg"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "core.py").write_text("x = 1\n")
    before = build_inputs_hash(tmp_path)
    (pkg / "core.py").write_text("x = 2\n")
    (pkg / "extra.py").write_text("y = 1\n")
    assert build_inputs_hash(tmp_path) == before


@pytest.mark.parametrize(
    "path",
    ["pyproject.toml", "tool.py", "src/pkg/__init__.py", "src/pkg/_version.py",
     "src/pkg/speedups.c", "src/pkg/data/table.json", "src/other/mod.py"],
)  # fmt: skip
def test_what_an_install_reads_changes_the_project_key(tmp_path: Path, path: str) -> None:
    pkg = tmp_path / "src" / "pkg"
    (pkg / "data").mkdir(parents=True)
    for name in ("pyproject.toml", "tool.py", "src/pkg/__init__.py", "src/pkg/_version.py",
                 "src/pkg/speedups.c", "src/pkg/data/table.json"):  # fmt: skip
        (tmp_path / name).write_text("original\n")
    before = build_inputs_hash(tmp_path)
    (tmp_path / path).parent.mkdir(exist_ok=True)
    (tmp_path / path).write_text("changed\n")
    assert build_inputs_hash(tmp_path) != before


def test_the_dependency_layer_reads_the_deps_repos_manifests(tmp_path: Path) -> None:
    repo, deps = tmp_path / "repo", tmp_path / "env-commit"
    for tree, requirement in ((repo, "six==1.17.0\n"), (deps, "six==1.16.0\n")):
        tree.mkdir()
        (tree / "requirements.txt").write_text(requirement)
    files = deps_context(replace(_request(repo, EnvironmentSpec()), deps_repo=deps))
    assert files[f"{MANIFEST_DIR}requirements.txt"] == b"six==1.16.0\n"


def test_the_key_from_gits_listing_equals_the_key_from_the_files(tmp_path: Path) -> None:
    """The pipeline passes `git ls-tree -r` of the commit the tree matches instead of reading
    every file; both must name the same image."""
    tree = tmp_path / "tree"
    (tree / "src" / "pkg").mkdir(parents=True)
    (tree / "pyproject.toml").write_text("[project]\nname = 'pkg'\n")
    (tree / "src" / "pkg" / "__init__.py").write_text("__version__ = '1'\n")
    (tree / "src" / "pkg" / "core.py").write_text("x = 1\n")
    (tree / "src" / "pkg" / "table.json").write_text("{}\n")
    (tree / "run.sh").write_text("#!/bin/sh\n")
    (tree / "run.sh").chmod(0o755)
    (tree / "link").symlink_to("pyproject.toml")
    env = {"GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(tmp_path)}
    git = ["git", "-C", str(tree), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "c"]):
        subprocess.run([*git, *args], check=True, env={**os.environ, **env})
    out = subprocess.run([*git, "ls-tree", "-r", "-z", "HEAD"], capture_output=True, check=True)
    listing = {}
    for record in out.stdout.decode().split("\0"):
        if record:
            meta, path = record.split("\t")
            mode, _, blob = meta.split(" ")
            listing[path] = f"{mode} {blob}"

    assert build_inputs_hash(tree, listing) == build_inputs_hash(tree)
    (tree / "src" / "pkg" / "table.json").write_text('{"a": 1}\n')
    assert build_inputs_hash(tree, listing) != build_inputs_hash(tree)


def test_only_the_benchmarks_pip_baseline_names_an_installer(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("six\n")
    request = _request(tmp_path, EnvironmentSpec())
    production = json.loads(deps_context(request)[SPEC_FILE])
    baseline = json.loads(deps_context(replace(request, installer="pip"))[SPEC_FILE])
    assert "installer" not in production  # production hashes stay what they were
    assert baseline == {**production, "installer": "pip"}
