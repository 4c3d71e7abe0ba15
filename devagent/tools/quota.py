"""The workspace's quota: how much a run's commands may grow it, measured from the host.

A bind mount takes no size limit from Docker (its storage quotas cover the container's own
layer only), so devagent checks instead: the workspace is measured once before the run's first
command, and after each command the model runs; growth past `GROWTH_FILES` files or
`GROWTH_BYTES` bytes is reported to the model as a failure to act on. Cost: one walk of the
workspace per command, linear in its files (symlinks are not followed); it stops counting as
soon as both limits are passed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

GROWTH_FILES = 50_000
"""More new files than this (beyond what the workspace held at the start) is over quota."""
GROWTH_BYTES = 1 << 30
"""More new bytes than this (1 GiB) is over quota."""
BASELINE_KEY = "workspace_usage_at_start"


@dataclass(frozen=True)
class Usage:
    files: int
    bytes: int


def measure(root: Path, stop_past: Usage | None = None) -> Usage:
    """Files (anything but folders) and their apparent bytes under `root`; with `stop_past`,
    counting stops once both of its figures are exceeded."""
    files = size = 0
    pending = [str(root)]
    while pending:
        folder = pending.pop()
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        pending.append(entry.path)
                        continue
                    files += 1
                    try:
                        size += entry.stat(follow_symlinks=False).st_size
                    except OSError:
                        continue
        except OSError:
            continue
        if stop_past and files > stop_past.files and size > stop_past.bytes:
            break
    return Usage(files, size)


def baseline(root: Path, extra: dict[str, object]) -> Usage:
    """The workspace's usage before the run's first command (measured once, kept in `extra`)."""
    known = extra.get(BASELINE_KEY)
    if isinstance(known, Usage):
        return known
    usage = measure(root)
    extra[BASELINE_KEY] = usage
    return usage


def over_quota(root: Path, start: Usage) -> str:
    """What to tell the model when the workspace grew past its quota since `start`; ''."""
    limit = Usage(start.files + GROWTH_FILES, start.bytes + GROWTH_BYTES)
    now = measure(root, stop_past=limit)
    problems = []
    if now.files > limit.files:
        problems.append(f"{now.files - start.files:,}+ new files (quota {GROWTH_FILES:,})")
    if now.bytes > limit.bytes:
        grown = now.bytes - start.bytes
        problems.append(f"{_human(grown)}+ more data (quota {_human(GROWTH_BYTES)})")
    if not problems:
        return ""
    return (
        f"[the workspace is over its quota: {', '.join(problems)}. Delete what the command "
        "created (build output, data, caches) before going on; keep large or numerous files "
        "in /tmp, which is not part of the patch.]"
    )


def _human(size: int) -> str:
    if size >= 1 << 30:
        return f"{size / (1 << 30):.1f} GiB"
    return f"{size / (1 << 20):.0f} MiB"
