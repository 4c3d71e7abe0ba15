"""What the person must approve in a chat turn: decisions, and which commands ask first. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

EDIT_TOOLS = frozenset({"apply_patch", "replace", "create"})
"""Tools whose change to the workspace is previewed and approved before it stays."""

NETWORK_PATTERNS = (
    r"\bpip3?\s+(install|download)\b",
    r"\bpython3?\s+-m\s+pip\s+(install|download)\b",
    r"\b(npm|pnpm|yarn)\s+(install|add|ci|i)\b",
    r"\b(curl|wget)\b",
    r"\bgit\s+(clone|fetch|pull|push|ls-remote)\b",
    r"\bapt(-get)?\s+(install|update|upgrade)\b",
    r"\b(cargo|go)\s+(install|get|fetch)\b",
)
_NETWORK = re.compile("|".join(NETWORK_PATTERNS))


@dataclass(frozen=True)
class Decision:
    """The person's answer: `yes`, `no`, or `edit` with the instruction that replaces the turn."""

    kind: Literal["yes", "no", "edit"]
    instruction: str = ""

    @property
    def approved(self) -> bool:
        return self.kind == "yes"


YES = Decision("yes")
NO = Decision("no")


def parse_answer(answer: str) -> Decision | None:
    """`y`/`yes`, `n`/`no`, `e`/`edit` (case-insensitive); None when it is none of them."""
    word = answer.strip().lower()
    if word in ("y", "yes"):
        return YES
    if word in ("n", "no"):
        return NO
    if word in ("e", "edit"):
        return Decision("edit")
    return None


def command_concern(command: str, timeout: float | None, limit: float) -> str | None:
    """Why a `run` command should be confirmed first (network use, a long timeout), or None."""
    if _NETWORK.search(command):
        return "it looks like it needs the network (the sandbox has none unless you allowed it)"
    if timeout is not None and timeout > limit:
        return f"it asks for a {timeout:g}s timeout, above the {limit:g}s limit"
    return None
