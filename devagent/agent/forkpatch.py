"""The patch of a forked sandbox's workspace, read with git inside that sandbox."""

from __future__ import annotations

import uuid

from devagent.errors import DevagentError
from sandbox import WORKDIR, Sandbox

_GIT = "git -c core.hooksPath=/dev/null -c core.fsmonitor=false"


class ForkPatchError(DevagentError):
    """git could not diff the forked workspace."""


def sandbox_diff(sandbox: Sandbox, timeout: float = 120.0) -> str:
    """`git diff` of the sandbox's workspace against HEAD, untracked files included.

    The diff goes through a file (`get`), not the command output, which the sandbox caps. The
    file lives in `.git/`: never part of the diff, and not on a tmpfs (which `get` cannot read).
    """
    target = f".git/devagent-fork-{uuid.uuid4().hex}.patch"  # relative to the workspace
    command = (
        f"{_GIT} add --all --intent-to-add . >/dev/null 2>&1; "
        f"{_GIT} diff --binary --no-ext-diff --no-textconv HEAD > {target}"
    )
    result = sandbox.exec(command, timeout=timeout, cwd=WORKDIR, session=False)
    if not result.ok:
        raise ForkPatchError(f"git diff failed in the sandbox: {result.output[-500:]}")
    try:
        return sandbox.get(f"{WORKDIR}/{target}").decode("utf-8", errors="replace")
    finally:
        sandbox.exec(f"rm -f {target}", timeout=30, cwd=WORKDIR, session=False)
