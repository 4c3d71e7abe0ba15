"""A kept workspace brought up to date while `devagent solve` is still loading its code.

Loading the settings, the agent and the pipeline takes about a third of a second, and bringing
a kept workspace up to date (fetch, check-out, status: git's work, in child processes) about a
fifth; started first, on a thread, the git work is done by the time the pipeline asks for the
workspace. Only a slot an earlier run kept is touched early: nothing is cloned before the
request has been checked (a refused run leaves no clone), and the pipeline takes the result only
when its own settings name the same repository, cache directory, base and dirty-tree choice
(`WorkspaceKey`); otherwise the slot is released and the pipeline does the work itself."""

from __future__ import annotations

import contextlib
import logging
import os
import tomllib
from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from devagent.background import in_background
from devagent.errors import DevagentError
from devagent.workspace import Workspace
from devagent.wspool import slot_root, workspace_slot

if TYPE_CHECKING:
    from devagent.earlybox import EarlySandbox

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkspaceKey:
    """What decides which workspace a run gets and how it is brought up to date."""

    repo: Path
    """The local repository, resolved."""
    cache_dir: Path
    base: str | None
    include_dirty: bool


def cache_dir_setting(env: Mapping[str, str]) -> Path | None:
    """The cache directory the settings will give (`devagent.config`: $DEVAGENT_CACHE_DIR, else
    the person's config file's `cache_dir`, else ~/.cache/devagent), read without loading them;
    None when the config file cannot be read (the settings will say why)."""
    if env.get("DEVAGENT_CACHE_DIR"):
        return Path(env["DEVAGENT_CACHE_DIR"])
    if env.get("DEVAGENT_CONFIG"):
        path = Path(env["DEVAGENT_CONFIG"]).expanduser()
    else:
        home = Path(env["HOME"]) if env.get("HOME") else Path.home()
        path = Path(env.get("XDG_CONFIG_HOME") or home / ".config") / "devagent" / "config.toml"
    try:
        data = tomllib.loads(path.read_text()) if path.is_file() else {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    value = data.get("cache_dir", Path.home() / ".cache" / "devagent")
    return Path(value) if isinstance(value, (str, Path)) else None


class EarlyWorkspace:
    """A kept slot of `key`, held from construction, its workspace brought up to date on a
    thread and, on another, its last run's sandbox started (`EarlySandbox.for_slot`). The run
    whose key it is uses the slot (`workspace`) and is handed the sandbox (`sandbox`); `close`
    releases the slot and removes a sandbox nobody was handed."""

    def __init__(self, key: WorkspaceKey, slot: Path, held: contextlib.ExitStack) -> None:
        self.key = key
        self.slot = slot
        self._held = held
        self._done: Future[Workspace] = in_background(self._bring_up_to_date)
        self._box: Future[EarlySandbox | None] | None = in_background(self._start_sandbox)

    @classmethod
    def start(
        cls,
        repo: str | Path,
        base: str | None,
        include_dirty: bool,
        env: Mapping[str, str] = os.environ,
    ) -> EarlyWorkspace | None:
        """Started for a local repository whose free slot, in the cache the settings name, an
        earlier run kept; None otherwise (the pipeline then does all the work)."""
        cache_dir = cache_dir_setting(env)
        local = Path(repo).expanduser()
        if cache_dir is None or not local.is_dir():
            return None
        key = WorkspaceKey(local.resolve(), cache_dir, base, include_dirty)
        if not slot_root(cache_dir, key.repo).is_dir():
            return None  # never cloned: nothing is made before the request is checked
        held = contextlib.ExitStack()
        slot = held.enter_context(workspace_slot(cache_dir, key.repo))
        if slot is None or not (slot / "git").is_dir():
            held.close()
            return None
        return cls(key, slot, held)

    def _bring_up_to_date(self) -> Workspace:
        ws = Workspace.reuse(
            self.key.repo, self.slot, base=self.key.base,
            include_dirty=self.key.include_dirty, hand_over_later=True,
        )  # fmt: skip
        ws.listing()  # what the image is chosen by, read while git's files are warm
        ws.base_date()
        return ws

    def _start_sandbox(self) -> EarlySandbox | None:
        from devagent.earlybox import EarlySandbox  # the Docker SDK loads here, not before

        return EarlySandbox.for_slot(self.slot)

    def sandbox(self) -> EarlySandbox | None:
        """The sandbox started as the slot's last run's was (None: none was), now the caller's
        to take or discard; once."""
        box, self._box = self._box, None
        return _settled(box)

    def workspace(self) -> Workspace | None:
        """The slot's workspace once up to date; None when that failed (the caller brings it
        up to date itself, in the same slot, and meets the error itself)."""
        try:
            return self._done.result()
        except (DevagentError, OSError) as exc:
            log.info("early workspace of %s not made (%s)", self.key.repo, exc)
        except Exception:  # the pipeline does the work again, and meets what went wrong
            log.warning("early workspace of %s failed", self.key.repo, exc_info=True)
        return None

    def close(self) -> None:
        """Release the slot, once the work on it has ended (and whatever it handed over)."""
        ws = self.workspace()
        if ws is not None:
            with contextlib.suppress(DevagentError, OSError):
                ws.handed_over()
        self._held.close()
        box = self.sandbox()
        if box is not None:
            box.discard()


def _settled(box: Future[EarlySandbox | None] | None) -> EarlySandbox | None:
    try:
        return box.result() if box is not None else None
    except Exception:  # the sandbox is then started as if none had been
        log.warning("the early sandbox failed", exc_info=True)
        return None
