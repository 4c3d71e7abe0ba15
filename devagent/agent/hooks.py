"""Hooks: their configuration (the `hooks.json` shape), which run for an event, and what their
exit code and output decide. Pure: nothing here runs a command."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from devagent.errors import DevagentError
from devagent.problems import problems

Event = Literal["PreToolUse", "PostToolUse", "PreSubmit", "Stop"]
EVENTS: tuple[Event, ...] = ("PreToolUse", "PostToolUse", "PreSubmit", "Stop")
Decision = Literal["allow", "block", "error"]
"""`allow`: exit 0 without a block; `block`: exit 2 or a JSON block; `error`: any other exit or
a timeout (recorded; it blocks nothing)."""

REPO_HOOKS_FILE = ".devagent/hooks.json"
"""Where a repository keeps its hooks (they run only in the sandbox)."""
OUTPUT_LIMIT = 16384
"""Bytes of a hook's stdout and of its stderr that are kept."""
PAYLOAD_LIMIT = 1_000_000
"""Characters of JSON a hook's payload may have; past that, long strings in it are clipped."""
CLIPPED_STRING = 16384
"""How long each string of an oversized payload's `tool_input` and `tool_response` stays."""


class HooksConfigError(DevagentError):
    """A hooks file or `[hooks]` table is invalid."""


class HookCommand(BaseModel):
    """One command a hook runs: it reads a JSON payload on stdin; exit 2 blocks."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    type: Literal["command"] = "command"
    """Only 'command' hooks exist."""
    command: str = Field(min_length=1)
    """A bash command line, run in /workspace (in the sandbox unless `where` says host)."""
    timeout: float = Field(default=60.0, gt=0, le=3600)
    """Seconds before the command is killed (a timeout is recorded and blocks nothing)."""
    where: Literal["sandbox", "host"] = "sandbox"
    """'host': run on the host, in the run's private clone; only from your own config, and
    never in `devagent ci`. A repository's host hook is refused."""
    env: list[str] = Field(default_factory=list)
    """A host hook's host environment variables, by name (it gets PATH, HOME, LANG and these)."""

    @model_validator(mode="after")
    def _env_on_host(self) -> HookCommand:
        if self.env and self.where != "host":
            raise ValueError("`env` is for a hook with where = 'host' (the sandbox has its own)")
        return self


class HookGroup(BaseModel):
    """Commands run for the tools whose name `matcher` matches."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    matcher: str = ""
    """A regular expression matched against the whole tool name (`replace|create`,
    `mcp__.*`); '' or '*' matches every tool. PreSubmit and Stop ignore it."""
    hooks: list[HookCommand] = Field(default_factory=list)

    @field_validator("matcher")
    @classmethod
    def _compiles(cls, matcher: str) -> str:
        try:
            re.compile("" if matcher == "*" else matcher)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from exc
        return matcher


class HookEvents(BaseModel):
    """Hooks by event: the `hooks` object of a hooks.json."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    PreToolUse: list[HookGroup] = Field(default_factory=list)
    """Before a tool call runs; a block answers the call with the reason instead."""
    PostToolUse: list[HookGroup] = Field(default_factory=list)
    """After a tool call ran; a block adds the reason to what the model is told."""
    PreSubmit: list[HookGroup] = Field(default_factory=list)
    """Before `submit` runs the goal checks; a block refuses the submit with the reason."""
    Stop: list[HookGroup] = Field(default_factory=list)
    """When the run ends; output recorded only."""


class HooksFile(BaseModel):
    """A hooks.json: `{"hooks": {"PreToolUse": [{"matcher": ..., "hooks": [...]}]}}`."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    hooks: HookEvents = Field(default_factory=HookEvents)


class HooksConfig(HookEvents):
    """Your hooks (`[hooks]` in your config): inline events, and/or a hooks.json `file`."""

    file: Path | None = None
    """A hooks.json whose hooks run after the inline ones (`~` is expanded)."""


@dataclass(frozen=True)
class Hook:
    """One command to run for an event, with where it was configured."""

    event: Event
    matcher: str
    command: HookCommand
    source: str
    """'repo' (the repository's .devagent/hooks.json) or 'user' (your config)."""

    def matches(self, tool: str) -> bool:
        if self.event in ("PreSubmit", "Stop") or self.matcher in ("", "*"):
            return True
        return re.fullmatch(self.matcher, tool) is not None


@dataclass(frozen=True)
class Verdict:
    """What one hook run decided."""

    decision: Decision
    reason: str = ""
    """The text the model is shown on a block; on an error, what went wrong."""


@dataclass(frozen=True)
class HookRun:
    """One hook run, as the trajectory's `hook` record holds it."""

    event: str
    matcher: str
    command: str
    where: str
    source: str
    tool: str
    call_id: str
    index: int
    """Position among the hooks run for the same event and call (0 first)."""
    exit_code: int | None
    timed_out: bool
    duration_s: float
    decision: str
    reason: str
    output: str

    def to_record(self) -> dict[str, Any]:
        return asdict(self)


def hooks_of(events: HookEvents, source: str) -> list[Hook]:
    """The commands of `events`, in order, each with its event and matcher."""
    return [
        Hook(event, group.matcher, command, source)
        for event in EVENTS
        for group in getattr(events, event)
        for command in group.hooks
    ]


def matching(hooks: Sequence[Hook], event: Event, tool: str = "") -> list[Hook]:
    """The hooks that run for `event` on `tool`, in configuration order."""
    return [hook for hook in hooks if hook.event == event and hook.matches(tool)]


def parse_hooks_file(text: str, source: str) -> HookEvents:
    """The events of a hooks.json text; `HooksConfigError` naming `source` when invalid."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise HooksConfigError(f"{source}: invalid JSON: {exc}") from exc
    try:
        return HooksFile.model_validate(data).hooks
    except ValidationError as exc:
        lines = [f"{source}: {p.key}: {p.message}" for p in problems(exc)]
        raise HooksConfigError("; ".join(dict.fromkeys(lines))) from exc


def repo_hooks(events: HookEvents, source: str) -> tuple[list[Hook], list[str]]:
    """A repository's hooks: those asking for the host are refused (the warnings say which)."""
    kept, warnings = [], []
    for hook in hooks_of(events, "repo"):
        if hook.command.where == "host":
            warnings.append(
                f"{source}: {hook.event} hook `{clip(hook.command.command, 80)}` asks to run on "
                "the host; a repository's hooks run only in the sandbox: refused"
            )
        else:
            kept.append(hook)
    return kept, warnings


def verdict(
    exit_code: int, stdout: str, stderr: str, *, timed_out: bool, timeout: float
) -> Verdict:
    """What a hook's exit decides: 0 allows unless stdout is a JSON block; 2 blocks with stderr
    as the reason; any other exit, or a timeout, is an error that blocks nothing."""
    if timed_out:
        return Verdict("error", f"timed out after {timeout:g}s; killed")
    if exit_code == 2:
        return Verdict("block", stderr.strip() or "blocked by a hook (exit 2, no reason given)")
    if exit_code != 0:
        return Verdict("error", f"exit {exit_code}: {clip(stderr.strip(), 500)}")
    reason = json_block(stdout)
    return Verdict("allow") if reason is None else Verdict("block", reason)


def json_block(stdout: str) -> str | None:
    """The reason of a JSON block on stdout (`{"decision": "block", "reason": ...}`, or
    `hookSpecificOutput.permissionDecision` "deny"); None when stdout is no such object."""
    try:
        data = json.loads(stdout)
    except (json.JSONDecodeError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    if data.get("decision") == "block":
        return str(data.get("reason") or "blocked by a hook")
    specific = data.get("hookSpecificOutput")
    if isinstance(specific, dict) and specific.get("permissionDecision") == "deny":
        return str(specific.get("permissionDecisionReason") or "blocked by a hook")
    return None


def fitted(payload: dict[str, Any], limit: int = PAYLOAD_LIMIT) -> dict[str, Any]:
    """`payload`, or when its JSON is longer than `limit` a copy with the strings of its
    `tool_input` and `tool_response` clipped (and `"clipped": true`); if that is still too long,
    without them."""
    if len(json.dumps(payload, default=str)) <= limit:
        return payload
    small = {**payload, "clipped": True}
    for key in ("tool_input", "tool_response"):
        if isinstance(small.get(key), dict):
            small[key] = {k: _clip_value(v) for k, v in small[key].items()}
    if len(json.dumps(small, default=str)) <= limit:
        return small
    return {k: v for k, v in small.items() if k not in ("tool_input", "tool_response")}


def _clip_value(value: Any) -> Any:
    return clip(value, CLIPPED_STRING) if isinstance(value, str) else value


def clip(text: str, limit: int) -> str:
    mark = " […clipped]"
    return text if len(text) <= limit else text[: limit - len(mark)] + mark


def report_section(runs: Sequence[dict[str, Any]]) -> list[str]:
    """The report's lines on the hooks that ran (`HookRun.to_record()`); [] when none did."""
    if not runs:
        return []
    lines = ["## Hooks", ""]
    for run in runs[:100]:
        on = f" on `{run['tool']}`" if run.get("tool") else ""
        why = f": {clip(run['reason'], 200)}" if run.get("reason") else ""
        lines.append(
            f"- {run['event']}{on}, `{clip(run['command'], 80)}` ({run['source']}, "
            f"{run['where']}) -> {run['decision']}{why}"
        )
    if len(runs) > 100:
        lines.append(f"- … and {len(runs) - 100} more (see trajectory.jsonl)")
    return [*lines, ""]
