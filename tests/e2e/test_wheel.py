"""devagent as a wheel in a fresh virtualenv, away from the checkout: its recipes travel with it.

The wheel is built from a copy of the sources, installed with its dependencies from the package
index into a virtualenv under tmp_path, and run from a directory outside the checkout with no
PYTHONPATH, so nothing can come from the checkout: `doctor` finds the image recipes inside the
virtualenv, and the demo's bundled task is solved there with its scripted model.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
import venv
import zipfile
from pathlib import Path

import docker
import pytest

from tests.support import git

ROOT = Path(__file__).resolve().parents[2]
TASK = ROOT / "tasks" / "lru-cache-eviction"
SCRIPT = ROOT / "examples" / "demo" / "lru-cache-eviction.scripted.yaml"
SOURCES = ("pyproject.toml", "README.md", "devagent", "sandbox")
"""What the build reads; copied so that no build/ or egg-info lands in the checkout."""

pytestmark = pytest.mark.docker


def _outside_env(**extra: str) -> dict[str, str]:
    """This process's environment without PYTHONPATH (which could point at the checkout)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    return {**env, "PIP_DISABLE_PIP_VERSION_CHECK": "1", **extra}


def _run(args: list[str], cwd: Path, env: dict[str, str], timeout: float = 240) -> str:
    done = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"{args} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("src")
    for name in SOURCES:
        if (ROOT / name).is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
            shutil.copytree(ROOT / name, src / name, ignore=ignore)
        else:
            shutil.copy(ROOT / name, src / name)
    dist = tmp_path_factory.mktemp("dist")
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist), str(src)]
    _run(pip_wheel, dist, _outside_env())
    (built,) = dist.glob("devagent-*.whl")
    return built


@pytest.fixture(scope="module")
def venv_dir(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv holding the wheel and its dependencies from the package index."""
    home = tmp_path_factory.mktemp("venv")
    venv.create(home)  # no pip of its own: this pip installs into it (saves ensurepip's 5 s)
    python = str(home / "bin" / "python")
    # --no-compile: what runs compiles on import; all of it up front took 3x as long here
    install = ["install", "-q", "--no-compile", str(wheel)]
    _run([sys.executable, "-m", "pip", "--python", python, *install], home, _outside_env())
    return home


@pytest.fixture
def outside(tmp_path: Path, venv_dir: Path):
    """Run the installed `devagent` in tmp_path, as a person who never saw the checkout."""

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        env = _outside_env(
            HOME=str(tmp_path),
            DEVAGENT_CACHE_DIR=str(tmp_path / "cache"),
            COLUMNS="400",
            PATH=f"{venv_dir / 'bin'}{os.pathsep}{os.environ['PATH']}",
        )
        return subprocess.run(
            [str(venv_dir / "bin" / "devagent"), *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )

    return run


def test_the_wheel_carries_every_image_recipe(wheel: Path):
    recipes = ROOT / "sandbox" / "recipes"
    expected = {
        path.relative_to(ROOT).as_posix()
        for path in recipes.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    names = set(zipfile.ZipFile(wheel).namelist())
    assert expected - names == set()
    assert {"sandbox/recipes/base/Dockerfile", "sandbox/recipes/bootstrap-rootfs.sh"} <= names
    assert "devagent/llm/prices.toml" in names
    assert "devagent/agent/prompts/system.j2" in names
    assert "devagent/agent/events.schema.json" in names  # the event stream's documented schema


def test_the_installed_packages_come_from_the_virtualenv(venv_dir: Path, tmp_path: Path):
    probe = "import devagent, sandbox.images as i; print(devagent.__file__); print(i.IMAGES_DIR)"
    out = _run([str(venv_dir / "bin" / "python"), "-c", probe], tmp_path, _outside_env())
    module, recipes = (Path(line) for line in out.splitlines())
    assert module.is_relative_to(venv_dir)
    assert recipes.is_relative_to(venv_dir)
    assert (recipes / "base" / "Dockerfile").read_bytes() == (
        ROOT / "sandbox" / "recipes" / "base" / "Dockerfile"
    ).read_bytes()


def test_doctor_outside_the_checkout_finds_the_recipes_in_the_virtualenv(outside, venv_dir):
    result = outside("doctor")
    assert result.returncode == 0, result.stdout + result.stderr
    (row,) = [line for line in result.stdout.splitlines() if "image recipes" in line]
    assert "ok" in row
    assert str(venv_dir) in row
    (base,) = [line for line in result.stdout.splitlines() if "base image" in line]
    assert "built from other recipes" not in base


BUILD_PROBE = """
import sys
from pathlib import Path
from sandbox.images import IMAGES_DIR, ensure_env_image
print("recipes", IMAGES_DIR)
ensure_env_image(Path(sys.argv[1]), on_progress=print)
"""


def test_an_env_image_builds_from_the_recipes_in_the_virtualenv(venv_dir: Path, tmp_path: Path):
    """A python repository no image was made for (a nonce in its manifest): both layers are
    built here, from the recipe files of the installed package."""
    repo = tmp_path / "probe"
    (repo / "probe").mkdir(parents=True)
    (repo / "probe" / "__init__.py").write_text("")
    (repo / "pyproject.toml").write_text(
        f'[project]\nname = "probe"\nversion = "0.1"\n# {uuid.uuid4().hex}\n'
    )
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "probe")
    python = str(venv_dir / "bin" / "python")
    out = _run([python, "-c", BUILD_PROBE, str(repo)], tmp_path, _outside_env(), timeout=280)
    lines = out.splitlines()
    built = [line.split()[1].rstrip(":") for line in lines if line.startswith("building ")]
    client = docker.from_env(timeout=60)
    try:
        assert Path(lines[0].removeprefix("recipes ")).is_relative_to(venv_dir)
        assert [tag.split(":")[0] for tag in built] == ["devagent/envdeps", "devagent/env"]
        assert "import check: probe -> /workspace/probe/__init__.py" in lines[-1]
    finally:
        for tag in reversed(built):
            client.images.remove(tag, force=True)
        client.close()


def test_the_demo_task_is_solved_outside_the_checkout(outside, tmp_path: Path):
    repo = tmp_path / "repo"
    shutil.copytree(TASK / "repo", repo)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "lrucache 1.0")
    shutil.copy(TASK / "issue.md", tmp_path / "issue.md")
    shutil.copy(SCRIPT, tmp_path / "model.yaml")
    result = outside(
        "solve", "issue.md", "--repo", "repo", "--model", "scripted:model.yaml",
        "--test", "python -m pytest -q tests/test_lru.py", "--max-steps", "20", "--out", "out",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads((tmp_path / "out" / "result.json").read_text())["status"] == "solved"
