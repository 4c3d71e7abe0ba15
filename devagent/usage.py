"""The cost ledger: one JSON line per finished run (solve, ci, bench task, chat session) in
the cache directory, appended at the end of the run and read by `devagent usage`.

Writing it never breaks a run: a full disk, a read-only cache or a file another process holds
locked for longer than a moment is a warning and the run goes on. The file grows by about 300
bytes a run (a year of a hundred runs a day is about 11 MB); reading it is one pass.
"""

from __future__ import annotations

import calendar
import fcntl
import json
import logging
import re
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

LEDGER_FILE = "usage.jsonl"
LOCK_WAIT_S = 0.5
"""How long a run waits for another writer's lock before it gives up (with a warning)."""
_AGO = re.compile(r"^(\d+(?:\.\d+)?)([mhdw])$")
_UNIT_S = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


@dataclass(frozen=True)
class UsageEntry:
    """One finished run."""

    ts: float
    """When it ended (seconds since the epoch)."""
    kind: str
    """solve, ci, bench or chat."""
    repo: str
    """The repository (a bench task: the task's id)."""
    model: str
    verdict: str
    """The run's status (solved, unsolved, ...); a bench task's graded status; chat: 'session'."""
    tokens: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    wall_s: float = 0.0
    out: str = ""
    """The run's folder, where there is one."""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> UsageEntry:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


class UsageLockedError(OSError):
    """Another writer held the ledger locked for longer than `LOCK_WAIT_S`."""


def ledger_path(cache_dir: Path) -> Path:
    return cache_dir / LEDGER_FILE


def record_run(cache_dir: Path | None, entry: UsageEntry, wait_s: float = LOCK_WAIT_S) -> bool:
    """Append `entry` to the ledger under `cache_dir`; False (and a warning) when it cannot be
    written. Writers from parallel bench workers and other processes take turns by a lock."""
    if cache_dir is None:
        return False
    path = ledger_path(cache_dir)
    line = json.dumps(asdict(entry), separators=(",", ":")) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            _lock(fh, wait_s)
            fh.write(line)
            fh.flush()
    except OSError as exc:
        log.warning("the usage ledger %s was not updated: %s", path, exc.strerror or exc)
        return False
    return True


def _lock(fh: Any, wait_s: float) -> None:
    deadline = time.monotonic() + wait_s
    while True:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise UsageLockedError(0, "locked by another writer") from None
            time.sleep(0.02)


def read_ledger(path: Path) -> list[UsageEntry]:
    """Every readable line, oldest first (a torn or foreign line is skipped)."""
    if not path.is_file():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            entries.append(UsageEntry.from_dict(json.loads(line)))
        except (json.JSONDecodeError, TypeError, AttributeError):
            continue
    return entries


def since_timestamp(text: str, now: float) -> float:
    """`7d`, `12h`, `30m`, `2w` before `now`, or a date `2026-12-01` (UTC midnight)."""
    match = _AGO.match(text.strip())
    if match:
        return now - float(match.group(1)) * _UNIT_S[match.group(2)]
    try:
        return float(calendar.timegm(time.strptime(text.strip(), "%Y-%m-%d")))
    except ValueError as exc:
        raise ValueError(
            f"cannot read {text!r} as a time: use e.g. 7d, 12h, 2w or 2026-12-01"
        ) from exc


def select(
    entries: Sequence[UsageEntry], *, repo: str | None = None, since: float | None = None
) -> list[UsageEntry]:
    """The entries whose repo contains `repo` and that ended at or after `since`."""
    return [
        e for e in entries if (repo is None or repo in e.repo) and (since is None or e.ts >= since)
    ]


@dataclass(frozen=True)
class UsageTotals:
    runs: int
    tokens: int
    cost_usd: float
    wall_s: float
    verdicts: dict[str, int]


def totals(entries: Sequence[UsageEntry]) -> UsageTotals:
    verdicts: dict[str, int] = {}
    for e in entries:
        verdicts[e.verdict] = verdicts.get(e.verdict, 0) + 1
    return UsageTotals(
        runs=len(entries),
        tokens=sum(e.tokens for e in entries),
        cost_usd=round(sum(e.cost_usd for e in entries), 6),
        wall_s=round(sum(e.wall_s for e in entries), 1),
        verdicts=verdicts,
    )
