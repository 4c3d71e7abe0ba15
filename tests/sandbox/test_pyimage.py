"""The pure parts of Python env images: the date filter, the build context, the tree's hash."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from sandbox.envspec import EnvironmentSpec
from sandbox.errors import ImageBuildError
from sandbox.hostconfig import HostIndexConfig
from sandbox.images import IMAGES_DIR
from sandbox.pyimage import PythonEnvRequest, deps_context, exclude_newer, tree_hash
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
    manifests = sorted(n for n in files if n.startswith("manifests/"))
    assert manifests == [
        "manifests/.devagent/setup.sh",
        "manifests/requirements/test.txt",
        "manifests/setup.py",
    ]
    spec = json.loads(files["spec.json"])
    assert spec["setup_script"] == ".devagent/setup.sh"
    assert spec["pip"] == ["pytest<8"]
    assert spec["exclude_newer"] == "2024-01-01T23:59:59Z"
    assert (spec["suite"], spec["python"]) == ("bookworm", "3.11")


def test_a_named_setup_script_that_is_missing_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "setup.py").write_text("")
    with pytest.raises(ImageBuildError, match=r"setup_script 'ci/setup.sh' not found"):
        deps_context(_request(tmp_path, EnvironmentSpec(setup_script="ci/setup.sh")))


def test_tree_hash_follows_sources_not_git(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD").write_text("ref\n")
    before = tree_hash(tmp_path)
    (tmp_path / ".git" / "HEAD").write_text("other\n")
    assert tree_hash(tmp_path) == before
    (tmp_path / "a.py").write_text("x = 2\n")
    assert tree_hash(tmp_path) != before


def test_the_dependency_layer_reads_the_deps_repos_manifests(tmp_path: Path) -> None:
    repo, deps = tmp_path / "repo", tmp_path / "env-commit"
    for tree, requirement in ((repo, "six==1.17.0\n"), (deps, "six==1.16.0\n")):
        tree.mkdir()
        (tree / "requirements.txt").write_text(requirement)
    files = deps_context(replace(_request(repo, EnvironmentSpec()), deps_repo=deps))
    assert files["manifests/requirements.txt"] == b"six==1.16.0\n"


def test_only_the_benchmarks_pip_baseline_names_an_installer(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("six\n")
    request = _request(tmp_path, EnvironmentSpec())
    production = json.loads(deps_context(request)["spec.json"])
    baseline = json.loads(deps_context(replace(request, installer="pip"))["spec.json"])
    assert "installer" not in production  # production hashes stay what they were
    assert baseline == {**production, "installer": "pip"}
