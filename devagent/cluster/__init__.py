"""devagent on many machines: a Ray cluster whose nodes each offer a number of sandbox slots.

ClusterError   a node could not be started, stopped or reached (the message names the fix)
"""

from __future__ import annotations

from devagent.errors import DevagentError

SANDBOX_RESOURCE = "devagent_sandbox"
"""The Ray custom resource a node offers once per sandbox it can run; a bench task asks for 1."""


class ClusterError(DevagentError):
    """A cluster node could not be started, stopped or reached."""


__all__ = ["SANDBOX_RESOURCE", "ClusterError"]
