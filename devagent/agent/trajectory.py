"""The trajectory file: one JSON object per line, redacted, flushed after every record."""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from devagent.agent.redact import Redactor

log = logging.getLogger(__name__)

Listener = Callable[[dict[str, Any]], None]


class Trajectory:
    """Appends records such as `{"type": "completion", "completion": {...}}` to a JSONL file.

    Record types: start, meta, request, completion, tool_call, observation, budget, check, note,
    stuck (a loop check: pattern, detail, response), resume (a run taken up again: from_status,
    spent, patch_bytes, meta), instructions (a repository instruction file read: path, scope,
    tokens), hook (a hook run: event, command, where, decision, reason, output), attempts
    (parallel attempts: their count, then which was chosen and each one's outcome; the
    attempts' records carry their labels, '0.a1'...), end; a chat session (the same loop) adds
    user (the person's message), decision (their answer to an approval), command (a slash
    command's), undo and clear.
    Every record gets `ts` (epoch seconds). Listeners (e.g. a live view) see each record after
    redaction; `path=None` keeps records in memory only (sub-agents and tests); `append` adds
    to an existing file (a resumed run) instead of starting it anew. A file that cannot be
    written to any more (a full disk) does not stop the run: `lost` says why, and the records
    go on in memory.
    """

    def __init__(
        self, path: Path | None, redactor: Redactor | None = None, *, append: bool = False
    ) -> None:
        self.path = path
        self.redactor = redactor or Redactor()
        self.records: list[dict[str, Any]] = []
        self._listeners: list[Listener] = []
        self._file: IO[str] | None = None
        self._lock = threading.RLock()
        """Attempts running at once write to one trajectory from their threads."""
        self.lost: str | None = None
        """Why the file stopped being written (e.g. 'No space left on device'), else None."""
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = path.open("a" if append else "w", encoding="utf-8")

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def write(self, record: dict[str, Any]) -> dict[str, Any]:
        """Append one record (thread-safe: records and listener calls never interleave)."""
        with self._lock:
            clean = self.redactor.value({**record, "ts": round(time.time(), 3)})
            self.records.append(clean)
            if self._file is not None:
                # A second pass over the line catches secrets in non-JSON values (`default=str`).
                line = self.redactor.text(json.dumps(clean, ensure_ascii=False, default=str))
                try:
                    self._file.write(line + "\n")
                    self._file.flush()
                except OSError as exc:
                    self._lose(exc)
            for listener in self._listeners:
                listener(clean)
            return clean

    def _lose(self, exc: OSError) -> None:
        self.lost = exc.strerror or str(exc)
        log.warning("trajectory %s no longer written: %s", self.path, self.lost)
        file, self._file = self._file, None
        with contextlib.suppress(OSError):
            if file is not None:
                file.close()

    def close(self) -> None:
        if self._file is not None:
            try:
                self._file.close()
            except OSError as exc:
                self._lose(exc)
            self._file = None

    def __enter__(self) -> Trajectory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_trajectory(path: Path) -> Iterator[dict[str, Any]]:
    """The records of a trajectory file, in order (a torn last line is ignored)."""
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                continue
