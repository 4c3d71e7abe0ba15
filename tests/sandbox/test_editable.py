"""sandbox/recipes/python/editable.py, run here on the host's Python: what it reads from an
editable wheel, the requirement that installs it, and the install recorded as editable from
/workspace (direct_url.json and its RECORD row)."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

from sandbox.images import IMAGES_DIR

METADATA = (
    "Metadata-Version: 2.4\nName: My_Pkg\nVersion: 1.0\n"
    "Provides-Extra: test\nProvides-Extra: docs\n"
)


@pytest.fixture(scope="module")
def editable() -> ModuleType:
    spec = importlib.util.spec_from_file_location("editable", IMAGES_DIR / "python" / "editable.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _wheel(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("__editable__.my_pkg-1.0.pth", "/workspace/src\n")
        archive.writestr("my_pkg-1.0.dist-info/METADATA", METADATA)
        archive.writestr("my_pkg-1.0.dist-info/licenses/METADATA", "Name: other\n")
        archive.writestr("my_pkg-1.0.dist-info/RECORD", "")
    return path


def test_a_wheel_gives_its_name_dist_info_folder_and_extras(
    editable: ModuleType, tmp_path: Path
) -> None:
    wheel = editable.read_wheel(_wheel(tmp_path / "my_pkg-1.0-0.editable-py3-none-any.whl"))
    assert wheel == ("My_Pkg", "my_pkg-1.0.dist-info", ["test", "docs"])


def test_the_requirement_names_the_wheel_file_with_the_extras(editable: ModuleType) -> None:
    wheel = editable.Wheel("My_Pkg", "my_pkg-1.0.dist-info", ["test"])
    path = Path("/tmp/w/my_pkg-1.0-0.editable-py3-none-any.whl")
    assert editable.requirement(wheel, path, ["test"]) == (
        "My_Pkg[test] @ file:///tmp/w/my_pkg-1.0-0.editable-py3-none-any.whl"
    )
    assert editable.requirement(wheel, path, []) == (
        "My_Pkg @ file:///tmp/w/my_pkg-1.0-0.editable-py3-none-any.whl"
    )


def test_the_install_is_recorded_as_editable_from_the_workspace(
    editable: ModuleType, tmp_path: Path
) -> None:
    folder = tmp_path / "my_pkg-1.0.dist-info"
    folder.mkdir()
    (folder / "direct_url.json").write_text('{"url":"file:///tmp/w/x.whl","archive_info":{}}')
    (folder / "RECORD").write_text(
        "my_pkg-1.0.dist-info/METADATA,sha256=abc,10\n"
        "my_pkg-1.0.dist-info/direct_url.json,sha256=old,47\n"
        "my_pkg-1.0.dist-info/RECORD,,\n"
    )
    editable.mark_editable(tmp_path, editable.Wheel("My_Pkg", folder.name, []))
    data = (folder / "direct_url.json").read_bytes()
    assert json.loads(data) == {"url": "file:///workspace", "dir_info": {"editable": True}}
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    assert (folder / "RECORD").read_text().splitlines() == [
        "my_pkg-1.0.dist-info/METADATA,sha256=abc,10",
        f"my_pkg-1.0.dist-info/direct_url.json,sha256={digest},{len(data)}",
        "my_pkg-1.0.dist-info/RECORD,,",
    ]


def test_a_record_without_the_row_gets_it(editable: ModuleType) -> None:
    assert editable.with_record("a,sha256=x,1\n", "b", b"") == (
        "a,sha256=x,1\nb,sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU,0\n"
    )


BACKEND = """\
import os, sys
def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    name = "demo-1.0-0.editable-py3-none-any.whl"
    with open(os.path.join(wheel_directory, name), "w") as f:
        f.write(os.getcwd() + " " + str("" in sys.path))
    return name
"""


def _hook(editable: ModuleType, tree: Path, backend: str, *path: str) -> dict[str, str]:
    result = tree.parent / "result.json"
    argv = [sys.executable, "-c", editable.HOOK, backend, str(tree.parent), str(result), *path]
    subprocess.run(argv, cwd=tree, check=True)
    return dict(json.loads(result.read_text()))


def test_the_hook_builds_the_wheel_in_the_tree_with_the_backend_path_only(
    editable: ModuleType, tmp_path: Path
) -> None:
    tree = tmp_path / "tree"
    (tree / "_build").mkdir(parents=True)
    (tree / "_build" / "backend.py").write_text(BACKEND)
    built = _hook(editable, tree, "backend", str(tree / "_build"))
    assert built["wheel"] == "demo-1.0-0.editable-py3-none-any.whl"
    assert (tmp_path / built["wheel"]).read_text() == f"{tree} False"
    assert built["purelib"] == sysconfig.get_paths()["purelib"]


def test_a_backend_without_the_editable_hook_gives_no_wheel(
    editable: ModuleType, tmp_path: Path
) -> None:
    tree = tmp_path / "tree"
    (tree / "_build").mkdir(parents=True)
    (tree / "_build" / "backend.py").write_text("class hooks:\n    pass\n")
    assert _hook(editable, tree, "backend:hooks", str(tree / "_build"))["wheel"] == ""
