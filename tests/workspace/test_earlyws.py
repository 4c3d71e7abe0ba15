"""A kept workspace brought up to date while the command still loads: used by the run whose
settings name the same slot, released for any other, and never the first clone of a repository
(a refused request leaves no clone)."""

from __future__ import annotations

import os
from pathlib import Path

import docker
import pytest
from gitrepo import git, write

from devagent.assembly import sandbox_config
from devagent.config import load_settings
from devagent.earlybox import record_config
from devagent.earlyws import EarlyWorkspace, cache_dir_setting
from devagent.pipeline import SolveOptions, private_workspace
from devagent.workspace import WorkspaceError
from devagent.wspool import slot_root, workspace_slot

FILES = {"app.py": "x = 1\n"}


def commit(repo: Path, files: dict[str, str | bytes]) -> str:
    write(repo, files)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "change")
    return git(repo, "rev-parse", "HEAD").strip()


def options(repo: Path, cache: Path, early: EarlyWorkspace | None, **over) -> SolveOptions:
    return SolveOptions(
        issue="x", repo=repo, out=cache.parent / "out", model=None,  # type: ignore[arg-type]
        cache_dir=cache, keep_workspace=True, early=early, **over,
    )  # fmt: skip


def kept_run(repo: Path, cache: Path) -> Path:
    """A first run on `repo`: its slot is kept."""
    with private_workspace(options(repo, cache, None)) as ws:
        return ws.root


def env(cache: Path, home: Path) -> dict[str, str]:
    return {"DEVAGENT_CACHE_DIR": str(cache), "HOME": str(home)}


def test_a_repository_never_run_on_gets_nothing_early(make_repo, tmp_path):
    repo = make_repo(FILES)
    cache = tmp_path / "cache"

    assert EarlyWorkspace.start(repo, None, False, env(cache, tmp_path)) is None
    assert not slot_root(cache, repo).exists()  # nothing made before the request is checked


def test_the_run_s_own_slot_is_brought_up_to_date_early_and_used(make_repo, tmp_path):
    repo = make_repo(FILES)
    cache = tmp_path / "cache"
    slot = kept_run(repo, cache)
    head = commit(repo, {"app.py": "x = 2\n"})

    early = EarlyWorkspace.start(repo, None, False, env(cache, tmp_path))
    assert early is not None and early.slot == slot
    with workspace_slot(cache, repo) as other:
        assert other != slot  # held from the start
    with private_workspace(options(repo, cache, early)) as ws:
        assert ws.root == slot
        assert ws.base == head
        assert (ws.tree / "app.py").read_text() == "x = 2\n"
    with workspace_slot(cache, repo) as again:
        assert again == slot  # released at the end


def test_another_base_releases_the_early_slot_and_the_run_gets_its_own(make_repo, tmp_path):
    repo = make_repo(FILES)
    cache = tmp_path / "cache"
    first = git(repo, "rev-parse", "HEAD").strip()
    kept_run(repo, cache)
    commit(repo, {"app.py": "x = 2\n"})
    early = EarlyWorkspace.start(repo, None, False, env(cache, tmp_path))
    assert early is not None

    with private_workspace(options(repo, cache, early, base=first)) as ws:
        assert ws.root == early.slot  # released first, then taken by the run as usual
        assert ws.base == first
        assert (ws.tree / "app.py").read_text() == "x = 1\n"


def test_what_failed_early_is_met_by_the_run_itself(make_repo, tmp_path):
    repo = make_repo(FILES)
    cache = tmp_path / "cache"
    kept_run(repo, cache)
    early = EarlyWorkspace.start(repo, "no-such-rev", False, env(cache, tmp_path))
    assert early is not None
    assert early.workspace() is None

    with pytest.raises(WorkspaceError), private_workspace(
        options(repo, cache, early, base="no-such-rev")
    ):
        pass
    with workspace_slot(cache, repo) as again:
        assert again == early.slot  # released


def test_an_unused_early_slot_is_released_by_close(make_repo, tmp_path):
    repo = make_repo(FILES)
    cache = tmp_path / "cache"
    slot = kept_run(repo, cache)
    early = EarlyWorkspace.start(repo, None, False, env(cache, tmp_path))
    assert early is not None

    early.close()

    with workspace_slot(cache, repo) as again:
        assert again == slot


def test_the_cache_folder_is_read_as_the_settings_read_it(tmp_path):
    home = tmp_path / "home"
    config = home / ".config" / "devagent" / "config.toml"
    assert cache_dir_setting({"HOME": str(home)}) == Path.home() / ".cache" / "devagent"
    config.parent.mkdir(parents=True)
    config.write_text('cache_dir = "/srv/cache"\n')
    assert cache_dir_setting({"HOME": str(home)}) == Path("/srv/cache")
    assert cache_dir_setting({"HOME": str(home), "DEVAGENT_CACHE_DIR": "/x"}) == Path("/x")
    config.write_text("cache_dir = [\n")
    assert cache_dir_setting({"HOME": str(home)}) is None  # the settings will say why


@pytest.mark.parametrize(
    "config",
    [None, 'cache_dir = "/srv/cache"\n', 'cache_dir = "relative/c"\n', "model = 'openai:x'\n"],
)
@pytest.mark.parametrize("variable", [None, "/from/env"])
def test_the_cache_folder_read_early_is_the_settings_own(tmp_path, config, variable):
    home = tmp_path / "home"
    environ = {"HOME": str(home), **({"DEVAGENT_CACHE_DIR": variable} if variable else {})}
    if config is not None:
        path = home / ".config" / "devagent" / "config.toml"
        path.parent.mkdir(parents=True)
        path.write_text(config)

    assert cache_dir_setting(environ) == load_settings({}, None, environ).cache_dir


def containers_on(tree: Path) -> list[str]:
    client = docker.from_env()
    return [
        c.id
        for c in client.containers.list(all=True, filters={"label": "devagent.session"})
        if any(m.get("Source") == str(tree.resolve()) for m in c.attrs.get("Mounts", []))
    ]


@pytest.mark.docker
def test_the_last_run_s_sandbox_starts_early_and_goes_when_nobody_takes_it(make_repo, tmp_path):
    repo = make_repo(FILES)
    cache = tmp_path / "cache"
    slot = kept_run(repo, cache)
    record_config(slot, sandbox_config("devagent/base:latest", None))
    for path in [slot / "tree", *(slot / "tree").rglob("*")]:  # as a run hands it over
        os.lchown(path, 1000, 1000)

    early = EarlyWorkspace.start(repo, None, False, env(cache, tmp_path))
    assert early is not None
    box = early.sandbox()
    assert box is not None
    sandbox = box.take(sandbox_config("devagent/base:latest", (slot / "tree").resolve()))
    assert sandbox is not None  # the recorded configuration read back is the run's own
    try:
        assert sandbox.exec("cat app.py").output.strip() == "x = 1"
    finally:
        early.close()
        sandbox.close()
    assert containers_on(slot / "tree") == []

    again = EarlyWorkspace.start(repo, None, False, env(cache, tmp_path))
    assert again is not None
    again.close()  # nobody was handed it
    assert containers_on(slot / "tree") == []
