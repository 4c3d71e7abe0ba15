"""Sdists found, cached and unpacked safely; a real task becomes a dated mirror and an instance
(against an in-memory PyPI: no network)."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from datetime import UTC, datetime

import pytest

from devagent.bench.gitrepo import apply, clone_at, git
from devagent.bench.realmirror import NOT_A_FIX, materialize, not_a_fix
from devagent.bench.realtask import RealTaskError, parse_real_task
from devagent.bench.sdist import (
    SdistError,
    download,
    extract,
    find_release,
    sdist_version,
    strip_top,
)

BASE = {
    "demo/core.py": "def size(items):\n    return len(items) + 1\n",
    "tests/test_core.py": (
        "from demo.core import size\n\ndef test_full():\n    assert size([1]) == 2\n"
    ),
    "PKG-INFO": "Name: demo\nVersion: 1.0\n",
}
FIX = {
    "demo/core.py": "def size(items):\n    return len(items)\n",
    "tests/test_core.py": BASE["tests/test_core.py"].replace("== 2", "== 1")
    + "\ndef test_empty():\n    assert size([]) == 0\n",
    "PKG-INFO": "Name: demo\nVersion: 1.1\n",
}
TASK = parse_real_task(
    """
id = "demo-1-1"
project = "demo"
base_version = "1.0"
fix_version = "1.1"
title = "size is off by one"
issue = "size() counts one item too many."
fix_files = ["demo/core.py"]
test_files = ["tests/test_core.py"]
fail_to_pass = ["tests/test_core.py::test_empty", "tests/test_core.py::test_full"]
[environment]
env = {A = "1"}
""",
    "inline",
)


def sdist(top: str, files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{top}/{name}")
            info.size = len(data)
            info.mode = 0o755 if name.endswith(".sh") else 0o644
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


class FakePypi:
    """An in-memory simple index and file host; counts file downloads."""

    def __init__(self, releases: dict[str, tuple[bytes, str]]) -> None:
        self.files = {
            f"https://files.test/demo-{v}.tar.gz": body for v, (body, _) in releases.items()
        }
        self.index = {
            "files": [
                {"filename": "demo-1.0-py3-none-any.whl", "url": "x", "hashes": {"sha256": "0"}},
                *(
                    {
                        "filename": f"demo-{v}.tar.gz",
                        "url": f"https://files.test/demo-{v}.tar.gz",
                        "hashes": {"sha256": hashlib.sha256(body).hexdigest()},
                        "upload-time": uploaded,
                    }
                    for v, (body, uploaded) in releases.items()
                ),
            ]
        }
        self.downloads = 0

    def __call__(self, url: str) -> bytes:
        if url.endswith("/simple/demo/"):
            return json.dumps(self.index).encode()
        self.downloads += 1
        return self.files[url]


@pytest.fixture
def pypi() -> FakePypi:
    return FakePypi(
        {
            "1.0": (sdist("demo-1.0", BASE), "2021-03-04T05:06:07.123456Z"),
            "1.1": (sdist("demo-1.1", FIX), "2021-04-01T00:00:00Z"),
        }
    )


def test_sdist_file_names_give_their_version():
    assert sdist_version("more_itertools-10.1.0.tar.gz", "more-itertools") == "10.1.0"
    assert sdist_version("Demo-1.0.zip", "demo") == "1.0"
    assert sdist_version("demo-1.0-py3-none-any.whl", "demo") is None
    assert sdist_version("demolition-1.0.tar.gz", "demo") is None


def test_the_release_is_the_sdist_with_its_upload_time(pypi):
    release = find_release("demo", "1.0", pypi)
    assert (release.filename, release.upload_time) == ("demo-1.0.tar.gz", "2021-03-04T05:06:07Z")


def test_a_version_without_sdist_is_an_error(pypi):
    with pytest.raises(SdistError, match=r"demo 9\.9 has no sdist"):
        find_release("demo", "9.9", pypi)


def test_downloads_are_cached_and_checked(pypi, tmp_path):
    release = find_release("demo", "1.0", pypi)
    first = download(release, tmp_path, pypi)
    second = download(release, tmp_path, pypi)
    assert first == second and pypi.downloads == 1
    pypi.files[release.url] = b"tampered"
    first.unlink()
    with pytest.raises(SdistError, match="sha256"):
        download(release, tmp_path, pypi)


def test_archive_paths_lose_the_top_directory_and_may_not_escape():
    assert strip_top("demo-1.0/src/demo/x.py") == "src/demo/x.py"
    assert strip_top("demo-1.0") is None
    for bad in ("/etc/passwd", "demo-1.0/../../x"):
        with pytest.raises(SdistError, match="unsafe"):
            strip_top(bad)


def test_extract_writes_the_tree_below_the_top_keeping_executables(tmp_path):
    archive = tmp_path / "demo-1.0.tar.gz"
    archive.write_bytes(sdist("demo-1.0", {**BASE, "run.sh": "echo hi\n"}))
    extract(archive, tmp_path / "out")
    assert (tmp_path / "out" / "demo" / "core.py").read_text() == BASE["demo/core.py"]
    assert (tmp_path / "out" / "run.sh").stat().st_mode & 0o111
    assert not (tmp_path / "out" / "demo" / "core.py").stat().st_mode & 0o111


def test_materialize_builds_a_dated_base_and_the_two_patches(pypi, tmp_path):
    repos = tmp_path / "repos"
    instance = materialize(TASK, repos, tmp_path / "cache", pypi)
    mirror = repos / "devagent-real__demo-1-1"
    assert instance.repo == "devagent-real/demo-1-1"
    uploaded = int(datetime(2021, 3, 4, 5, 6, 7, tzinfo=UTC).timestamp())
    assert git(mirror, "log", "-1", "--format=%at %ct").split() == [str(uploaded)] * 2
    assert "+    return len(items)\n" in instance.patch
    assert "tests/test_core.py" not in instance.patch
    assert "+def test_empty():" in instance.test_patch
    assert "PKG-INFO" not in instance.patch + instance.test_patch
    assert instance.problem_statement == "size() counts one item too many."
    assert list(TASK.fail_to_pass) == instance.FAIL_TO_PASS
    tree = tmp_path / "tree"
    clone_at(mirror, tree, instance.base_commit)
    apply(tree, instance.patch)
    apply(tree, instance.test_patch)
    assert (tree / "demo" / "core.py").read_text() == FIX["demo/core.py"]


def test_a_file_unchanged_between_releases_is_an_error(pypi, tmp_path):
    task = TASK.model_copy(update={"fix_files": ["demo/core.py", "PKG-INFO", "README"]})
    with pytest.raises(RealTaskError, match="README is in neither release"):
        materialize(task, tmp_path / "repos", tmp_path / "cache", pypi)
    same = FakePypi(
        {
            "1.0": (sdist("demo-1.0", BASE), "2021-03-04T05:06:07Z"),
            "1.1": (sdist("demo-1.1", {**FIX, "demo/core.py": BASE["demo/core.py"]}), "2021-04-01"),
        }
    )
    with pytest.raises(RealTaskError, match=r"unchanged between the releases: \['demo/core.py'\]"):
        materialize(TASK, tmp_path / "repos2", tmp_path / "cache2", same)


def test_not_a_fix_applies_and_only_adds_a_comment(pypi, tmp_path):
    repos = tmp_path / "repos"
    instance = materialize(TASK, repos, tmp_path / "cache", pypi)
    wrong = not_a_fix(instance, repos)
    tree = tmp_path / "tree"
    clone_at(repos / "devagent-real__demo-1-1", tree, instance.base_commit)
    apply(tree, wrong)
    assert (tree / "demo" / "core.py").read_text() == BASE["demo/core.py"] + NOT_A_FIX
