"""Real-task manifests load or fail naming their file; the bundled suite is valid."""

from __future__ import annotations

from pathlib import Path

import pytest

from devagent.bench.realtask import (
    RealTaskError,
    is_real_suite,
    load_real_task,
    load_real_tasks,
    parse_real_task,
)
from devagent.commands.benchrun import real_suite
from devagent.errors import DevagentError

REAL = Path(__file__).resolve().parents[2] / "tasks" / "real"

MANIFEST = """
id = "demo-1-1"
project = "demo"
base_version = "1.0"
fix_version = "1.1"
title = "Widgets break"
issue = "Widgets break when empty."
fix_files = ["demo/core.py"]
test_files = ["tests/test_core.py"]
fail_to_pass = ["tests/test_core.py::test_empty"]
pass_to_pass = ["tests/test_core.py::test_full"]
styles = ["flat-layout"]

[environment]
pip = ["pytest==8.2.2"]
env = {SETUPTOOLS_SCM_PRETEND_VERSION = "1.0"}
"""


def write(tmp_path: Path, text: str, name: str = "demo-1-1.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_manifest_loads_with_its_environment(tmp_path):
    task = load_real_task(write(tmp_path, MANIFEST))
    assert (task.project, task.base_version, task.fix_version) == ("demo", "1.0", "1.1")
    assert task.environment.pip == ["pytest==8.2.2"]
    assert task.environment.env == {"SETUPTOOLS_SCM_PRETEND_VERSION": "1.0"}
    assert task.test_select_command == "python -m pytest -q {tests}"


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        (MANIFEST.replace("[environment]", 'colour = "red"\n[environment]'), "colour"),
        (MANIFEST.replace('fix_files = ["demo/core.py"]\n', ""), "fix_files"),
        (MANIFEST.replace('"flat-layout"', '"flat-layuot"'), "flat-layuot"),
        (MANIFEST.replace('"demo/core.py"', '"../core.py"'), "relative"),
        (MANIFEST.replace("[environment]", '[environment]\ndocker = "yes"'), "docker"),
        (MANIFEST.replace("[environment]", 'test_select_command = "x"\n[environment]'), "{tests}"),
        (MANIFEST.replace("fail_to_pass = [", "fail_to_pass = [] #"), "fail_to_pass"),
        ("id = [", "not TOML"),
    ],
)
def test_a_bad_manifest_is_an_error_naming_the_file(tmp_path, text, complaint):
    path = write(tmp_path, text)
    with pytest.raises(RealTaskError) as caught:
        load_real_task(path)
    assert str(path) in str(caught.value)
    assert complaint in str(caught.value)


def test_the_id_must_match_the_file_name(tmp_path):
    with pytest.raises(RealTaskError, match="differs from the file name"):
        load_real_task(write(tmp_path, MANIFEST, name="other.toml"))


def test_duplicate_ids_across_paths_are_an_error(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    write(tmp_path / "a", MANIFEST)
    write(tmp_path / "b", MANIFEST)
    with pytest.raises(RealTaskError, match="duplicate"):
        load_real_tasks([tmp_path / "a", tmp_path / "b"])


def test_a_suite_is_a_directory_of_manifests_not_a_bundled_task(tmp_path):
    write(tmp_path, MANIFEST)
    bundled = tmp_path / "bundled"
    bundled.mkdir()
    (bundled / "task.toml").write_text("", encoding="utf-8")
    assert is_real_suite(tmp_path)
    assert is_real_suite(tmp_path / "demo-1-1.toml")
    assert not is_real_suite(bundled)
    assert not is_real_suite(bundled / "task.toml")


def test_parse_names_its_source():
    with pytest.raises(RealTaskError, match=r"^somewhere: "):
        parse_real_task("id = 1", "somewhere")


def test_the_bundled_real_suite_is_valid_and_broad():
    tasks = load_real_tasks([REAL])
    assert len(tasks) >= 10
    assert len({t.project for t in tasks}) >= 6
    covered = {style for t in tasks for style in t.styles}
    assert {
        "setup-py-extras",
        "src-layout",
        "flat-layout",
        "pytest-dependency",
        "importlib-metadata-version",
        "filterwarnings-error",
    } <= covered
    assert covered & {"poetry", "hatch"}
    assert all(set(t.fail_to_pass).isdisjoint(t.pass_to_pass) for t in tasks)


def test_the_bench_command_takes_real_suites_whole_and_never_mixed(tmp_path):
    write(tmp_path, MANIFEST)
    bundled = Path(__file__).resolve().parents[2] / "tasks" / "lru-cache-eviction"
    assert real_suite([tmp_path]) is True
    assert real_suite([bundled]) is False
    assert real_suite([]) is False
    with pytest.raises(DevagentError, match="cannot be mixed"):
        real_suite([tmp_path, bundled])
