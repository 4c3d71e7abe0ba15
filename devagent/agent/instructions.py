"""Repository instructions (`AGENTS.md` and its fallbacks), read from the workspace for the prompt.

The root file goes into the system prompt; a nested `AGENTS.md` is loaded once, the first time
a tool works in its directory (or below). Files are read through `WorkspaceRoot`, so a symlink
or a FIFO planted in the workspace is never followed; each file and all of them together are
capped in (estimated) tokens. The text is the repository's: it is quoted, never obeyed as policy.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from devagent.agent.prompts import render
from devagent.llm.tokens import CHARS_PER_TOKEN, SAFETY_MARGIN, estimate_tokens
from devagent.llm.types import ToolCall
from devagent.tools.base import Observation
from devagent.tools.paths import PathError
from devagent.tools.safefs import WorkspaceRoot
from sandbox import WORKDIR

ROOT_FILES = ("AGENTS.md", "CLAUDE.md", ".github/copilot-instructions.md")
"""Read at the repository root, the first that exists wins."""
NESTED_FILE = "AGENTS.md"
READ_LIMIT = 512 * 1024
"""Bytes read of one file at most (a larger file is skipped)."""
_CD = re.compile(r"(?:^|&&|;|\|\||\n)\s*cd\s+(?:--\s+)?([^\s;&|]+)")


class InstructionsConfig(BaseModel):
    """How much of the repository's own instructions the model reads."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    enabled: bool = True
    """Read AGENTS.md (CLAUDE.md, .github/copilot-instructions.md) into the prompt."""
    max_tokens: int = Field(default=2_000, ge=0)
    """Estimated tokens of one file kept (its head; the cut is marked)."""
    max_total_tokens: int = Field(default=6_000, ge=0)
    """Estimated tokens of all instruction files of a run together; later ones are skipped."""


@dataclass(frozen=True)
class Instruction:
    """One instruction file as the model sees it."""

    path: str
    """Workspace-relative, e.g. 'AGENTS.md' or 'pkg/AGENTS.md'."""
    text: str
    """The file's text, capped."""
    scope: Literal["root", "nested"]
    tokens: int
    """Estimated tokens of `text`."""
    truncated: bool

    def prompt(self) -> str:
        """The text quoted for the model, with the rule that it cannot change the policy."""
        quoted = self.text.replace("</repository-instructions", "<\\/repository-instructions")
        return render("repo_instructions.j2", path=self.path, scope=self.scope, text=quoted)

    def to_record(self) -> dict[str, Any]:
        """What the trajectory and the report show (the text itself is in the prompt)."""
        return {
            "path": self.path,
            "scope": self.scope,
            "tokens": self.tokens,
            "truncated": self.truncated,
        }


class RepoInstructions:
    """The instruction files of one run: the root one, then nested ones as directories are
    entered. Cost: one file read per directory, the first time it is entered."""

    def __init__(self, workspace: Path, config: InstructionsConfig | None = None) -> None:
        self.workspace = workspace
        self.config = config or InstructionsConfig()
        self.loaded: list[Instruction] = []
        self._visited: set[str] = set()

    def root(self) -> Instruction | None:
        """The root file (the first of `ROOT_FILES` that exists), None when there is none."""
        if not self.config.enabled:
            return None
        self._visited.add("")
        for name in ROOT_FILES:
            found = self._load(name, "root")
            if found is not None:
                return found
        return None

    def enter(self, paths: Iterable[str]) -> list[Instruction]:
        """The nested `AGENTS.md` files of the directories `paths` lead into, each once."""
        if not self.config.enabled:
            return []
        found = []
        for path in paths:
            for folder in ancestors(path):
                if folder in self._visited:
                    continue
                self._visited.add(folder)
                loaded = self._load(f"{folder}/{NESTED_FILE}", "nested")
                if loaded is not None:
                    found.append(loaded)
        return found

    def nested(self) -> list[Instruction]:
        return [i for i in self.loaded if i.scope == "nested"]

    def _load(self, rel: str, scope: Literal["root", "nested"]) -> Instruction | None:
        raw = _read(self.workspace, rel)
        if raw is None or not raw.strip():
            return None
        used = sum(i.tokens for i in self.loaded)
        allowed = min(self.config.max_tokens, self.config.max_total_tokens - used)
        if allowed <= 0:
            return None
        text, truncated = cap_tokens(raw.strip(), allowed)
        if not text:
            return None
        instruction = Instruction(rel, text, scope, estimate_tokens(text), truncated)
        self.loaded.append(instruction)
        return instruction


def report_section(records: Sequence[dict[str, Any]]) -> list[str]:
    """The report's lines on the instruction files read (`Instruction.to_record()`)."""
    if not records:
        return []
    lines = ["## Repository instructions", ""]
    for r in records:
        cut = ", cut to fit" if r["truncated"] else ""
        lines.append(f"- `{r['path']}` ({r['scope']}, about {r['tokens']} tokens{cut})")
    return [*lines, ""]


def _read(workspace: Path, rel: str) -> str | None:
    try:
        with WorkspaceRoot(workspace) as root:
            data = root.read_bytes(rel, READ_LIMIT)
    except (OSError, PathError):  # a symlink, a FIFO, too large, no workspace: not read
        return None
    return None if data is None else data.decode("utf-8", errors="replace")


def cap_tokens(text: str, tokens: int) -> tuple[str, bool]:
    """`text` cut at a line end so that its estimate fits `tokens` ("" when not even a line
    fits); whether it was cut."""
    if estimate_tokens(text) <= tokens:
        return text, False
    marker = "\n[... the rest of this file was cut to fit the instructions budget ...]"
    room = int((tokens - estimate_tokens(marker)) * CHARS_PER_TOKEN / SAFETY_MARGIN)
    head = text[: max(room, 0)]
    if "\n" in head:
        head = head[: head.rindex("\n")]
    return (head.rstrip() + marker if head.strip() else ""), True


def ancestors(path: str) -> list[str]:
    """The workspace directories `path` (a file or a directory) lies in, outermost first; the
    root itself and paths outside the workspace are left out."""
    path = path.strip()
    if path.startswith(WORKDIR + "/") or path == WORKDIR:
        path = path[len(WORKDIR) :]
    path = path.lstrip("/")
    clean = posixpath.normpath(path) if path else "."
    if clean == "." or clean.startswith(".."):
        return []
    parts = clean.split("/")
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def touched_paths(call: ToolCall, observation: Observation) -> list[str]:
    """The workspace paths a tool call worked in: a `path` argument, the files an edit
    changed, a `cd` in a command, the files of a test selection."""
    args = call.arguments
    paths = [args["path"]] if isinstance(args.get("path"), str) else []
    changed = observation.data.get("changed_paths")
    if isinstance(changed, list):
        paths += [p for p in changed if isinstance(p, str)]
    command = args.get("command")
    if isinstance(command, str):
        paths += [target.strip("'\"") + "/" for target in _CD.findall(command)]
    selection = args.get("selection")
    if isinstance(selection, list):
        paths += [s.split("::")[0] for s in selection if isinstance(s, str) and "/" in s]
    return paths
