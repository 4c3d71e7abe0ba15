"""The forge package's exceptions: `ForgeError` and its subclass `CiRefused`."""

from __future__ import annotations

from devagent.errors import DevagentError


class ForgeError(DevagentError):
    """The forge could not be reached or refused a request. Never carries the token."""

    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.status = status


class CiRefused(ForgeError):
    """The CI event must not start a run (wrong event, label or sender); the text says why."""
