"""The run's first repo map: made fresh, or an earlier run's for the same focus when the fresh one
is late (its header then names the files changed since)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

from devagent.background import in_background
from devagent.tools.index import SCHEMA_VERSION, TagIndex
from devagent.tools.repomap import MAP_VERSION

FRESH_MAP_WAIT_S = 0.02
"""How long the first model call waits for the fresh map, once the rest is ready, when an
earlier run's map for the same focus is there to show instead (with the files changed since
named above it). Was 0.1 s: after a one-file change on 5,000 files the fresh map was late by
far more in every measured run, so the wait only delayed the first call."""
SHOWN_CHANGES = 20
"""Changed files named in a kept map's notice (the others are counted)."""

MakeMap = Callable[[Callable[[], None]], tuple[str, bool]]
"""Makes the map, calling its argument once the tree is read; (text, whether it is whole: a
map cut short by its time limit is not kept)."""
ChangedSince = Callable[[str], list[str] | None]
"""The files that differ between a commit and the run's start (None: that commit is unknown)."""


@dataclass(frozen=True)
class KeptMap:
    """A whole first map and the commit whose tree it was made from."""

    start: str
    text: str


class MapShelf:
    """Where each workspace's last whole first map for a focus is kept (the tag index's cache)."""

    def __init__(self, cache_dir: Path | None, workspace: Path, focus: str, tokens: int) -> None:
        self.cache_dir = cache_dir
        self.key = f"first{MAP_VERSION}.{SCHEMA_VERSION}\0{workspace}\0{tokens}\0{focus}"

    def get(self) -> KeptMap | None:
        if self.cache_dir is None:
            return None
        with TagIndex(self.cache_dir) as index:
            stored = index.memo_get(self.key)
        return KeptMap(**json.loads(stored)) if stored else None

    def put(self, kept: KeptMap) -> None:
        if self.cache_dir is not None:
            with TagIndex(self.cache_dir) as index:
                index.memo_put(self.key, json.dumps({"start": kept.start, "text": kept.text}))


def stale_notice(kept: KeptMap, changed: list[str]) -> str:
    """`kept`'s text under a line saying it is older than the tree and what changed since."""
    if not changed:
        return kept.text
    shown = ", ".join(changed[:SHOWN_CHANGES])
    more = f" and {len(changed) - SHOWN_CHANGES} more" if len(changed) > SHOWN_CHANGES else ""
    notice = (
        f"[This map was made by an earlier run at commit {kept.start[:12]}; "
        f"{len(changed)} file(s) changed since and are not reflected in it: {shown}{more}. "
        "Call repo_map for a current map.]"
    )
    return f"{notice}\n{kept.text}"


class FirstMap:
    """The first map of a tree at commit `start`, made on a daemon thread; the kept map of an
    earlier run at the same commit is the same map (the map is a function of the tree), so it
    is shown without making one."""

    def __init__(
        self, make: MakeMap, start: str, shelf: MapShelf, changed_since: ChangedSince
    ) -> None:
        self.start = start
        self._read = threading.Event()
        self.kept = shelf.get()
        self._changes: Future[list[str] | None] = Future()
        if self.kept is not None and self.kept.start == start:
            self._read.set()
            self._fresh: Future[str] = Future()
            self._fresh.set_result(self.kept.text)
            return
        self._fresh = in_background(self._make, make, shelf)
        if self.kept is not None:  # listed while the fresh map is made, in case it is late
            self._changes = in_background(changed_since, self.kept.start)

    def _make(self, make: MakeMap, shelf: MapShelf) -> str:
        try:
            text, whole = make(self._read.set)
        finally:
            self._read.set()
        if whole and text:
            shelf.put(KeptMap(self.start, text))
        return text

    def wait_read(self) -> None:
        """Until the tree has been read: nothing may change it before."""
        self._read.wait()

    def text(self, wait_s: float = FRESH_MAP_WAIT_S) -> str:
        """The fresh map if it is ready within `wait_s`; past that, a kept map of another commit
        with its notice (the fresh one is still made and kept, for the next run); without one,
        or when the files changed since cannot be listed, the fresh map whenever it is ready."""
        if self.kept is None:
            return self._fresh.result()
        try:
            return self._fresh.result(timeout=wait_s)
        except TimeoutError:
            changed = self._changes.result()
            if changed is None:
                return self._fresh.result()
            return stale_notice(self.kept, changed)
