"""Facts learned about a repository, kept across runs in a small SQLite store."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Mapping
from pathlib import Path

from devagent.agent.task import RunResult, Task

MAX_FACTS = 20
"""At most this many facts (the most recent) are offered to a run."""


class MemoryStore:
    """`(repo, key) -> value` facts; `repo` is any stable name the caller picks (URL, path)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS facts (repo TEXT NOT NULL, key TEXT NOT NULL, "
            "value TEXT NOT NULL, updated REAL NOT NULL, PRIMARY KEY (repo, key))"
        )
        self._db.commit()

    @classmethod
    def in_cache_dir(cls, cache_dir: Path) -> MemoryStore:
        return cls(cache_dir / "memory.sqlite3")

    def remember(self, repo: str, facts: Mapping[str, str]) -> None:
        now = time.time()
        self._db.executemany(
            "INSERT INTO facts VALUES (?, ?, ?, ?) ON CONFLICT (repo, key) "
            "DO UPDATE SET value = excluded.value, updated = excluded.updated",
            [(repo, key, value, now) for key, value in facts.items()],
        )
        self._db.commit()

    def recall(self, repo: str) -> dict[str, str]:
        rows = self._db.execute(
            "SELECT key, value FROM facts WHERE repo = ? ORDER BY updated DESC, key LIMIT ?",
            (repo, MAX_FACTS),
        )
        return dict(rows.fetchall())

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> MemoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def learned_facts(task: Task, result: RunResult) -> dict[str, str]:
    """What a finished run teaches about the repo: how its checks run and how long they take."""
    facts: dict[str, str] = {}
    if task.test_command:
        facts["test command"] = f"`{task.test_command}`"
    for check in result.checks:
        outcome = "timed out" if check.timed_out else f"exit {check.exit_code}"
        facts[f"check `{check.command}`"] = f"takes about {check.duration_s:.1f}s ({outcome})"
    return facts
