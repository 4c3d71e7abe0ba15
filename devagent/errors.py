"""The root of devagent's exception tree; each package derives its own errors from it."""

from __future__ import annotations


class DevagentError(Exception):
    """Base of every error devagent raises on purpose. The CLI prints it as one line."""

    hint: str = ""
