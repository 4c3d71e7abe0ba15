"""HardenedGit: a rebuilt environment, secrets scrubbed from errors, a bounded run time."""

from __future__ import annotations

import pytest
from gitrepo import write

from devagent.gitcmd import GitError, HardenedGit
from devagent.workspace import Workspace


def test_git_variables_of_the_caller_do_not_leak_in(make_repo, tmp_path, monkeypatch):
    ws = Workspace.create(make_repo({"a.txt": "a\n"}), tmp_path / "ws")
    write(ws.tree, {"a.txt": "b\n"})
    expected = ws.diff()
    decoy = make_repo({"other.txt": "x\n"}, name="decoy")
    monkeypatch.setenv("GIT_DIR", str(decoy / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(decoy))
    monkeypatch.setenv("GIT_INDEX_FILE", str(tmp_path / "bogus-index"))
    monkeypatch.setenv("GIT_EXTERNAL_DIFF", "false")
    assert ws.diff() == expected
    assert ws.changed_files() == ["a.txt"]


def test_git_and_its_children_see_only_the_rebuilt_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_INDEX_FILE", str(tmp_path / "bogus-index"))
    monkeypatch.setenv("GIT_SSH_COMMAND", "evil-ssh")
    monkeypatch.setenv("GIT_CONFIG_PARAMETERS", "'core.fsmonitor'='evil-monitor'")
    out = HardenedGit(work_tree=tmp_path).run("-c", "alias.env=!env", "env").text
    env = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    assert "GIT_INDEX_FILE" not in env and "GIT_SSH_COMMAND" not in env
    assert "evil" not in env["GIT_CONFIG_PARAMETERS"]
    assert "'core.hooksPath'='/dev/null'" in env["GIT_CONFIG_PARAMETERS"]
    assert (env["GIT_CONFIG_NOSYSTEM"], env["GIT_TERMINAL_PROMPT"]) == ("1", "0")
    assert env["GIT_CONFIG_GLOBAL"] == "/dev/null"


def test_errors_and_logs_never_show_secrets(tmp_path, caplog):
    git = HardenedGit(work_tree=tmp_path, secrets=("hunter2",))
    caplog.set_level("DEBUG")
    with pytest.raises(GitError) as err:
        git.run("rev-parse", "--verify", "hunter2")
    assert "hunter2" not in str(err.value) and "***" in str(err.value)
    assert "hunter2" not in caplog.text


def test_timeout_is_an_error(tmp_path):
    git = HardenedGit(work_tree=tmp_path)
    with pytest.raises(GitError, match=r"timed out after 0\.2 s"):
        git.run("-c", "alias.slow=!sleep 2", "slow", timeout=0.2)
