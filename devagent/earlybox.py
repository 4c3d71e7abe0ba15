"""A sandbox started before it is known to be the right one: a kept workspace's next run starts
its container on the image the last run used while the workspace is brought up to date, and
takes it only if the run's own configuration turns out the same (else it is removed)."""

from __future__ import annotations

import contextlib
import logging
from concurrent.futures import Future
from pathlib import Path

import docker

from devagent.background import in_background
from sandbox.config import SandboxConfig
from sandbox.docker import DockerSandbox
from sandbox.errors import SandboxError

log = logging.getLogger(__name__)

LAST_IMAGE = "last-image"
"""The file, in a workspace slot, naming the image its last run's sandbox used."""


class EarlySandbox:
    """A `DockerSandbox` on `config`, starting on a daemon thread from construction on."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.tree_id = _identity(config.workspace)
        self.sandbox = DockerSandbox(config)
        self._started: Future[DockerSandbox] = in_background(self.sandbox.start)
        self._taken = False

    @classmethod
    def for_slot(cls, slot: Path, config: SandboxConfig) -> EarlySandbox | None:
        """Start one on the slot's last image with `config`'s other settings, when the slot has
        a tree handed to the sandbox user before (a root-owned tree is chowned at start, which
        must not race the update) and a recorded image; else None."""
        tree = slot / "tree"
        try:
            image = (slot / LAST_IMAGE).read_text().strip()
            owner = tree.stat().st_uid
        except OSError:
            return None
        if not image or owner == 0:
            return None
        return cls(config.model_copy(update={"image": image, "workspace": tree.resolve()}))

    def take(self, config: SandboxConfig) -> DockerSandbox | None:
        """The started sandbox when `config` is the one it was started with and its tree is
        the same folder (not one re-created by a fresh clone); else None (it is removed)."""
        same = config == self.config and _identity(config.workspace) == self.tree_id
        if same:
            try:
                self._started.result()
            except (SandboxError, OSError) as exc:
                log.info("the early sandbox did not start (%s); starting another", exc)
            else:
                self._taken = True
                return self.sandbox
        self.discard()
        return None

    def discard(self) -> None:
        """Remove the sandbox unless it was taken (waits for its start to end first)."""
        if self._taken:
            return
        with contextlib.suppress(BaseException):
            self._started.result()
        self.sandbox.close()


class SlotStart:
    """One run's sandbox as far as a kept slot helps: `__call__(slot)` (told the slot before
    it is brought up to date) starts the last image's container early; `sandbox(config)` then
    takes it or makes a new one, and notes the image for the slot's next run; `discard` removes
    an early container nobody took."""

    def __init__(self, template: SandboxConfig) -> None:
        self.template = template
        """This run's configuration but for the image and the tree, which the slot supplies."""
        self.slot: Path | None = None
        self.early: EarlySandbox | None = None

    def __call__(self, slot: Path) -> None:
        self.slot = slot
        self.early = EarlySandbox.for_slot(slot, self.template)

    def sandbox(
        self, config: SandboxConfig, client: docker.DockerClient | None = None
    ) -> DockerSandbox:
        """The early sandbox when it fits `config`, else a new one on `client` (not started)."""
        taken = self.early.take(config) if self.early else None
        if self.slot is not None:
            record_image(self.slot, config.image)
        if taken is not None:
            log.info("using the sandbox started early on %s", config.image)
        return taken or DockerSandbox(config, client=client)

    def discard(self) -> None:
        if self.early is not None:
            self.early.discard()


def record_image(slot: Path, image: str) -> None:
    """Note the image this run's sandbox uses, for the slot's next run."""
    with contextlib.suppress(OSError):
        (slot / LAST_IMAGE).write_text(image + "\n")


def _identity(path: Path | None) -> tuple[int, int] | None:
    try:
        st = path.stat() if path else None
    except OSError:
        return None
    return (st.st_dev, st.st_ino) if st else None
