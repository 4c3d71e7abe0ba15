"""Saved chat sessions: `session.json` (where the work and the conversation stand) beside the
trajectory (the record of the session, as of a solve run), under one directory per session id,
so that `--resume ID` can continue both."""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from devagent.agent.redact import Redactor
from devagent.agent.trajectory import Trajectory, read_trajectory
from devagent.errors import DevagentError
from devagent.problems import problems

_ID = re.compile(r"^[0-9]{8}-[0-9]{6}-[0-9a-f]{6}$")


class SessionStoreError(DevagentError):
    """A saved session is missing or unreadable."""


class SessionState(BaseModel):
    """Where a session stands; rewritten after every turn and command."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    id: str
    repo: str
    """The person's repository (absolute path)."""
    base: str
    """The commit the workspace was cloned at."""
    model: str
    patch: str = ""
    """The workspace's changes against `base`."""
    undo_points: list[str] = Field(default_factory=list)
    messages: list[dict[str, Any]] = Field(default_factory=list)
    """The conversation the model sees (`Message.to_dict()` each), restored by `--resume`."""
    test_command: str | None = None
    created: float = Field(default_factory=time.time)


def new_session_id() -> str:
    """A sortable, unguessable id such as `20261125-164500-3fa2c1`."""
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime()) + "-" + secrets.token_hex(3)


@dataclass(frozen=True)
class SessionSummary:
    """One saved session as `devagent sessions` lists it."""

    id: str
    repo: str
    model: str
    last_used: float
    """When its state was last saved (seconds since the epoch)."""
    turns: int
    """The person's messages in the conversation."""
    resume: str
    """The command that continues it."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def summarize(state: SessionState, last_used: float) -> SessionSummary:
    turns = sum(1 for m in state.messages if m.get("role") == "user")
    resume = f"devagent chat --resume {state.id}"
    return SessionSummary(state.id, state.repo, state.model, last_used, turns, resume)


class SessionStore:
    """Sessions under `root`: `<id>/session.json`, `<id>/trajectory.jsonl`, `<id>/workspace/`."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, session_id: str) -> Path:
        if not _ID.match(session_id):
            raise SessionStoreError(f"{session_id!r} is not a chat session id")
        return self.root / session_id

    def save(self, state: SessionState) -> None:
        target = self.path(state.id) / "session.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".tmp")
        tmp.write_text(state.model_dump_json(indent=2), encoding="utf-8")
        tmp.replace(target)

    def load(self, session_id: str) -> SessionState:
        source = self.path(session_id) / "session.json"
        try:
            return SessionState.model_validate_json(source.read_text(encoding="utf-8"))
        except OSError as exc:
            known = ", ".join(self.ids()[-5:]) or "none"
            raise SessionStoreError(
                f"no saved chat session {session_id} (recent: {known})"
            ) from exc
        except ValidationError as exc:
            first = problems(exc)[0]
            raise SessionStoreError(
                f"{source}: {first.key}: {first.message} (the saved session is unreadable)"
            ) from exc

    def ids(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if _ID.match(p.name))

    def summaries(self) -> list[SessionSummary]:
        """Every readable saved session, the most recently used first (unreadable ones are
        skipped: `--resume` names the problem)."""
        found = []
        for session_id in self.ids():
            source = self.root / session_id / "session.json"
            try:
                state = SessionState.model_validate_json(source.read_text(encoding="utf-8"))
                found.append(summarize(state, source.stat().st_mtime))
            except (OSError, ValidationError):
                continue
        return sorted(found, key=lambda s: s.last_used, reverse=True)

    def open_trajectory(self, session_id: str, redactor: Redactor) -> Trajectory:
        """The session's trajectory, its earlier records (if any) carried over first."""
        path = self.path(session_id) / "trajectory.jsonl"
        earlier = list(read_trajectory(path)) if path.exists() else []
        trajectory = Trajectory(path, redactor)
        for record in earlier:
            trajectory.write({k: v for k, v in record.items() if k != "ts"})
        return trajectory
