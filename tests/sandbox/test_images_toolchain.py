"""Toolchain detection, manifest selection and the env image's content hash."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox.errors import ImageBuildError
from sandbox.hostconfig import HostIndexConfig
from sandbox.images import (
    IMAGES_DIR,
    base_recipe_hash,
    base_tag,
    bootstrap_script,
    env_context_files,
)
from sandbox.toolchain import ToolchainKind, content_hash, detect_toolchain


def _repo(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.mark.parametrize(
    ("files", "kind"),
    [
        ({"pyproject.toml": "[project]\nname='x'\n"}, ToolchainKind.PYTHON),
        ({"setup.py": "", "README.md": ""}, ToolchainKind.PYTHON),
        ({"setup.cfg": ""}, ToolchainKind.PYTHON),
        ({"requirements-dev.txt": "six\n"}, ToolchainKind.PYTHON),
        ({"package.json": "{}"}, ToolchainKind.NODE),
        ({"go.mod": "module x\n"}, ToolchainKind.GO),
        ({"Cargo.toml": "[package]\n"}, ToolchainKind.RUST),
        ({"main.c": "", "sub/package.json": "{}"}, ToolchainKind.BASE),
    ],
)
def test_detects_toolchain_from_root_files(
    tmp_path: Path, files: dict[str, str], kind: ToolchainKind
) -> None:
    assert detect_toolchain(_repo(tmp_path, files)).kind is kind


def test_python_manifests_are_only_dependency_files(tmp_path: Path) -> None:
    repo = _repo(
        tmp_path,
        {
            "pyproject.toml": "",
            "requirements.txt": "",
            "requirements-test.txt": "",
            "pkg/__init__.py": "",
            "README.md": "",
        },
    )
    toolchain = detect_toolchain(repo)
    assert toolchain.manifests == ("pyproject.toml", "requirements-test.txt", "requirements.txt")


def test_node_manifests_include_the_lockfile(tmp_path: Path) -> None:
    repo = _repo(tmp_path, {"package.json": "{}", "package-lock.json": "{}", "index.js": ""})
    assert detect_toolchain(repo).manifests == ("package-lock.json", "package.json")


def _env_hash(repo: Path, host: HostIndexConfig | None = None) -> str:
    files = env_context_files(repo, detect_toolchain(repo), host or HostIndexConfig())
    return content_hash(files.items())


def test_env_hash_changes_with_a_manifest_not_with_source(tmp_path: Path) -> None:
    repo = _repo(tmp_path, {"requirements.txt": "six\n", "app.py": "print(1)\n"})
    before = _env_hash(repo)
    (repo / "app.py").write_text("print(2)\n")
    (repo / "new_module.py").write_text("x = 1\n")
    assert _env_hash(repo) == before
    (repo / "requirements.txt").write_text("six==1.16.0\n")
    assert _env_hash(repo) != before


def test_env_hash_changes_with_the_index_configuration(tmp_path: Path) -> None:
    repo = _repo(tmp_path, {"package.json": "{}"})
    mirror = HostIndexConfig(npm_registry="https://npm.mirror.example/")
    assert _env_hash(repo) != _env_hash(repo, mirror)


def test_env_context_holds_recipe_host_config_and_manifests(tmp_path: Path) -> None:
    repo = _repo(tmp_path, {"package.json": "{}", "index.js": ""})
    files = env_context_files(repo, detect_toolchain(repo), HostIndexConfig())
    assert set(files) == {
        "Dockerfile",
        "fetch_npm.js",
        "host/pip.conf",
        "host/npmrc",
        "host/ca.crt",
        "manifests/package.json",
    }


def test_content_hash_ignores_order_but_not_names() -> None:
    a = content_hash([("a", b"1"), ("b", b"2")])
    assert a == content_hash([("b", b"2"), ("a", b"1")])
    assert a != content_hash([("a", b"2"), ("b", b"1")])


def test_missing_recipes_raise_a_build_error_naming_them(tmp_path: Path) -> None:
    with pytest.raises(ImageBuildError, match=r"base/Dockerfile, bootstrap-rootfs.sh"):
        base_recipe_hash(tmp_path)


def test_base_recipe_hash_follows_the_dockerfile(tmp_path: Path) -> None:
    repo = _repo(tmp_path, {"base/Dockerfile": "FROM x\n", "bootstrap-rootfs.sh": "echo\n"})
    before = base_recipe_hash(repo)
    (repo / "base" / "Dockerfile").write_text("FROM y\n")
    assert base_recipe_hash(repo) != before


def test_the_bootstrap_script_names_its_suite_bookworm_unchanged() -> None:
    script = (IMAGES_DIR / "bootstrap-rootfs.sh").read_bytes()
    assert bootstrap_script(IMAGES_DIR, "bookworm") == script
    trixie = bootstrap_script(IMAGES_DIR, "trixie")
    assert b"\nSUITE=trixie\n" in trixie
    assert b"\nSUITE=bookworm\n" not in trixie


def test_base_recipe_hash_and_tag_follow_the_suite() -> None:
    assert base_recipe_hash(IMAGES_DIR, "bookworm") == base_recipe_hash(IMAGES_DIR)
    assert base_recipe_hash(IMAGES_DIR, "trixie") != base_recipe_hash(IMAGES_DIR)
    assert [base_tag("bookworm"), base_tag("bullseye")] == [
        "devagent/base:latest",
        "devagent/base:bullseye",
    ]
