"""A real container writes to the bind-mounted tree; host-side git still runs none of its code."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from docker.types import Mount
from gitrepo import GIT_ENV

from devagent.workspace import Workspace

IMAGE = "devagent/base:latest"
SANDBOX_USER = "1000:1000"


def plant_script(marker: Path) -> str:
    """What a hostile command in the sandbox could do to /workspace/.git, as the sandbox user."""
    hook = f"#!/bin/sh\\necho hook >> {marker}\\n"
    return f"""
set -e
cd /workspace
for h in post-checkout pre-commit post-index-change reference-transaction; do
  printf '{hook}' > .git/hooks/$h && chmod +x .git/hooks/$h
done
printf '[core]\\n\\tfsmonitor = echo fsmonitor >> {marker}\\n' >> .git/config
printf '[diff "evil"]\\n\\ttextconv = echo textconv >> {marker}\\n' >> .git/config
echo '* diff=evil' > .gitattributes
echo 'x = 2' > app.py
"""


def run_in_container(tree: Path, script: str) -> str:
    import docker

    client = docker.from_env()
    try:
        client.images.get(IMAGE)
    except docker.errors.ImageNotFound:
        pytest.fail(f"{IMAGE} is missing: run `make image` (it builds the base image offline)")
    container = client.containers.run(
        IMAGE,
        ["sh", "-c", script],
        user=SANDBOX_USER,
        network_mode="none",
        labels={"devagent.sandbox": "1"},
        mounts=[Mount("/workspace", str(tree), type="bind")],
        detach=True,
    )
    try:
        status = container.wait(timeout=120)
        logs = container.logs().decode(errors="replace")
    finally:
        container.remove(force=True)
        client.close()
    assert status["StatusCode"] == 0, logs
    return logs


@pytest.mark.docker
@pytest.mark.skipif(os.geteuid() != 0, reason="handing the tree to the sandbox user needs root")
def test_container_planted_git_config_never_runs_on_the_host(make_repo, tmp_path):
    ws = Workspace.create(make_repo({"app.py": "x = 1\n"}), tmp_path / "ws")
    for path in [ws.tree, *ws.tree.rglob("*")]:
        os.lchown(path, 1000, 1000)
    marker = tmp_path / "marker"
    run_in_container(ws.tree, plant_script(marker))

    patch = ws.diff()
    assert ws.changed_files() == [".gitattributes", "app.py"]
    ws.reset_to("")
    ws.reset_to(patch)
    assert "+x = 2" in ws.diff()
    assert not marker.exists()

    trusting = ["git", "-c", "safe.directory=*", "diff", "HEAD"]
    subprocess.run(trusting, cwd=ws.tree, env=GIT_ENV, capture_output=True, check=False)
    assert "fsmonitor" in marker.read_text(), "control: the plant is live for a trusting git"
