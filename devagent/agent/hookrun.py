"""Running hooks for the loop: each command in the sandbox (or, only when the person's own config
says so, on the host), its payload on stdin, its verdict recorded.

The payload holds what the model wrote (a tool call's arguments): it is hostile text. It never
reaches a shell command line: for the sandbox it travels in environment variables, which a fixed
wrapper writes into a file (`printf '%s' "$VAR"`: an expansion is not evaluated again) and
redirects to the hook's stdin; on the host it is written to the hook's stdin pipe. The hook's
command line comes from configuration and reaches the sandbox's bash through an environment
variable as well, so no quoting is involved anywhere.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devagent.agent.hooks import (
    OUTPUT_LIMIT,
    REPO_HOOKS_FILE,
    Event,
    Hook,
    HookCommand,
    HookRun,
    HooksConfig,
    HooksConfigError,
    Verdict,
    clip,
    fitted,
    hooks_of,
    matching,
    parse_hooks_file,
    repo_hooks,
    verdict,
)
from devagent.agent.prompts import render
from devagent.llm.types import ToolCall
from devagent.tools.base import Observation
from sandbox import WORKDIR, Sandbox, SandboxError

log = logging.getLogger(__name__)

Record = Callable[..., None]
"""The loop's `_record(kind, **fields)`."""
ENV_CHUNK = 100_000
"""Characters of the payload per environment variable (Linux takes 128 KiB per variable)."""
HOST_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")
"""What a host hook gets of the host's environment, besides the names its `env` lists."""


@dataclass(frozen=True)
class Ran:
    """What one hook command did."""

    exit_code: int | None
    """None: it could not be run (`stderr` says why)."""
    stdout: str
    stderr: str
    timed_out: bool
    duration_s: float


def run_in_sandbox(sandbox: Sandbox, command: HookCommand, payload: str, event: str) -> Ran:
    """Run `command` in a fresh shell of `sandbox` (in /workspace) with `payload` on stdin.

    `payload` (ASCII JSON) travels in environment variables of at most `ENV_CHUNK` characters
    (a file cannot be copied into the sandbox's /tmp: it is a tmpfs, which Docker's archive API
    does not see); the wrapper writes them into a file and unsets them before the hook runs."""
    nonce = uuid.uuid4().hex
    tmp, mark = f"/tmp/.devagent-hook-{nonce}", f"--devagent-hook-{nonce}--"
    chunks = [payload[i : i + ENV_CHUNK] for i in range(0, len(payload), ENV_CHUNK)] or [""]
    names = [f"DEVAGENT_HOOK_PAYLOAD_{i}" for i in range(len(chunks))]
    script = (
        f"umask 077; mkdir -p {tmp} && printf '%s' "
        + " ".join(f'"${name}"' for name in names)
        + f" >{tmp}/in.json || exit 125; unset {' '.join(names)}; "
        f'bash -c "$DEVAGENT_HOOK_COMMAND" <{tmp}/in.json >{tmp}/out 2>{tmp}/err; rc=$?; '
        f"head -c {OUTPUT_LIMIT} {tmp}/out; printf '\\n{mark}\\n'; "
        f"head -c {OUTPUT_LIMIT} {tmp}/err; rm -rf {tmp}; exit $rc"
    )
    env = {
        **dict(zip(names, chunks, strict=True)),
        "DEVAGENT_HOOK_COMMAND": command.command,
        "DEVAGENT_HOOK_EVENT": event,
        "DEVAGENT_PROJECT_DIR": WORKDIR,
    }
    started = time.monotonic()
    try:
        result = sandbox.exec(script, timeout=command.timeout, cwd=WORKDIR, env=env, session=False)
        if result.timed_out:
            sandbox.exec(f"rm -rf {tmp}", timeout=30, session=False)
    except (SandboxError, OSError) as exc:
        return Ran(None, "", f"not run: {exc}", False, time.monotonic() - started)
    stdout, found, stderr = result.output.partition(f"\n{mark}\n")
    if not found:  # killed before the output was shown, or the output was capped in between
        stdout, stderr = "", result.output
    exit_code = None if result.timed_out else result.exit_code
    return Ran(exit_code, stdout, stderr, result.timed_out, result.duration_s)


def run_on_host(
    command: HookCommand, payload: bytes, cwd: Path, environ: Mapping[str, str], event: str
) -> Ran:
    """Run `command` with bash on the host in `cwd` (the private clone), with `payload` on stdin
    and a minimal environment: `HOST_ENV` and the names the hook lists."""
    names = [*HOST_ENV, *command.env]
    env = {name: environ[name] for name in names if name in environ}
    env.update(DEVAGENT_HOOK_EVENT=event, DEVAGENT_PROJECT_DIR=str(cwd))
    started = time.monotonic()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.Popen(
                ["bash", "-c", command.command],
                stdin=subprocess.PIPE,
                stdout=out,
                stderr=err,
                cwd=cwd,
                env=env,
                start_new_session=True,
            )
        except OSError as exc:
            return Ran(None, "", f"not run: {exc}", False, time.monotonic() - started)
        timed_out = False
        try:
            proc.communicate(payload, timeout=command.timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        out.seek(0)
        err.seek(0)
        stdout, stderr = (f.read(OUTPUT_LIMIT).decode(errors="replace") for f in (out, err))
    exit_code = None if timed_out else proc.returncode
    return Ran(exit_code, stdout, stderr, timed_out, time.monotonic() - started)


class Hooks:
    """The run's hooks and the records of their runs (one for the agent and its sub-agents)."""

    def __init__(
        self,
        hooks: Sequence[Hook] = (),
        *,
        environ: Mapping[str, str] | None = None,
        warnings: Sequence[str] = (),
    ) -> None:
        self.hooks = list(hooks)
        self.environ = dict(environ or {})
        """The host environment host hooks' `env` names are read from."""
        self.warnings = list(warnings)
        self.runs: list[dict[str, Any]] = []
        """Every run's `HookRun.to_record()`, in order."""
        self.session_id = uuid.uuid4().hex

    def session(self, sandbox: Sandbox, workspace: Path, record: Record) -> HookSession:
        """What one agent calls: its sandbox, its host workspace, its trajectory records."""
        return HookSession(self, sandbox, workspace, record)

    def describe(self) -> dict[str, Any]:
        """The hooks for the trajectory's meta record."""
        return {
            "hooks": [
                {"event": h.event, "matcher": h.matcher, "source": h.source,
                 "where": h.command.where, "command": h.command.command}
                for h in self.hooks
            ],
            "warnings": self.warnings,
        }  # fmt: skip

    def fire(
        self, event: Event, tool: str, call_id: str, fields: dict[str, Any], at: HookSession
    ) -> Verdict | None:
        """Run the hooks of `event` on `tool` in order; the first block's verdict (Stop: None)."""
        for index, hook in enumerate(matching(self.hooks, event, tool)):
            ran = self._run(hook, fields, at)
            if ran.exit_code is None and not ran.timed_out:
                found = Verdict("error", ran.stderr)
            else:
                found = verdict(
                    ran.exit_code or 0,
                    ran.stdout,
                    ran.stderr,
                    timed_out=ran.timed_out,
                    timeout=hook.command.timeout,
                )
            run = HookRun(
                event=event,
                matcher=hook.matcher,
                command=clip(hook.command.command, 500),
                where=hook.command.where,
                source=hook.source,
                tool=tool,
                call_id=call_id,
                index=index,
                exit_code=ran.exit_code,
                timed_out=ran.timed_out,
                duration_s=round(ran.duration_s, 3),
                decision=found.decision,
                reason=clip(found.reason, 4000),
                output=clip((ran.stdout + ("\n" if ran.stderr else "") + ran.stderr).strip(), 2000),
            )
            self.runs.append(run.to_record())
            at.record("hook", **run.to_record())
            if found.decision == "block" and event != "Stop":
                return found
        return None

    def _run(self, hook: Hook, fields: dict[str, Any], at: HookSession) -> Ran:
        """Run one hook where it says, its payload `fields` plus the session, event and cwd."""
        on_host = hook.command.where == "host"
        cwd = str(at.workspace) if on_host else WORKDIR
        payload = {"session_id": self.session_id, "hook_event_name": hook.event, "cwd": cwd}
        data = json.dumps(fitted({**payload, **fields}), default=str)  # ASCII
        if on_host:
            return run_on_host(hook.command, data.encode(), at.workspace, self.environ, hook.event)
        return run_in_sandbox(at.sandbox, hook.command, data, hook.event)


class HookSession:
    """The hooks as one agent meets them: before and after its tool calls, at submit, at the end."""

    def __init__(self, hooks: Hooks, sandbox: Sandbox, workspace: Path, record: Record) -> None:
        self.hooks, self.sandbox, self.workspace, self.record = hooks, sandbox, workspace, record

    def before_tool(self, call: ToolCall) -> ToolCall | Observation:
        """The call to run, or the observation answering it when a PreToolUse hook blocks."""
        fields = {"tool_name": call.name, "tool_input": call.arguments, "tool_use_id": call.id}
        found = self.hooks.fire("PreToolUse", call.name, call.id, fields, self)
        if found is None:
            return call
        return Observation.failure(render("hook_blocked.j2", event="PreToolUse", tool=call.name,
                                          reason=found.reason))  # fmt: skip

    def after_tool(self, call: ToolCall, observation: Observation) -> Observation:
        """What the model is told: `observation`, with a PostToolUse hook's block reason added."""
        fields = {
            "tool_name": call.name,
            "tool_input": call.arguments,
            "tool_use_id": call.id,
            "tool_response": {"ok": observation.ok, "text": clip(observation.text, 65536)},
        }
        found = self.hooks.fire("PostToolUse", call.name, call.id, fields, self)
        if found is None:
            return observation
        note = render("hook_blocked.j2", event="PostToolUse", tool=call.name, reason=found.reason)
        return Observation(f"{observation.text}\n\n{note}", observation.ok, observation.data)

    def before_submit(self, summary: str, call: ToolCall | None) -> Observation | None:
        """None to go on with the goal checks, or the refusal a PreSubmit hook's block makes."""
        call_id = call.id if call is not None else ""
        fields = {"tool_name": "submit", "summary": summary, "tool_use_id": call_id}
        found = self.hooks.fire("PreSubmit", "submit", call_id, fields, self)
        if found is None:
            return None
        return Observation.failure(render("hook_blocked.j2", event="PreSubmit", tool="submit",
                                          reason=found.reason))  # fmt: skip

    def at_stop(self, status: str, reason: str) -> None:
        """The run ended: the Stop hooks run; their output is recorded only."""
        self.hooks.fire("Stop", "", "", {"status": status, "reason": reason}, self)


def build_hooks(
    config: HooksConfig, tree: Path, *, host_allowed: bool, environ: Mapping[str, str]
) -> Hooks:
    """The run's hooks: the repository's `.devagent/hooks.json` (sandbox only), then the person's
    `[hooks]` and its `file`; host hooks left out unless `host_allowed` (not in `devagent ci`)."""
    hooks: list[Hook] = []
    warnings: list[str] = []
    repo_file = tree / REPO_HOOKS_FILE
    inside = repo_file.resolve().is_relative_to(tree.resolve())  # a symlink out is not read
    if inside and repo_file.is_file():
        events = parse_hooks_file(_read(repo_file), REPO_HOOKS_FILE)
        kept, refused = repo_hooks(events, REPO_HOOKS_FILE)
        hooks += kept
        warnings += refused
    mine = hooks_of(config, "user")
    if config.file is not None:
        path = config.file.expanduser()
        mine += hooks_of(parse_hooks_file(_read(path), str(path)), "user")
    for hook in mine:
        if hook.command.where == "host" and not host_allowed:
            warnings.append(
                f"{hook.event} hook `{clip(hook.command.command, 80)}` left out: hooks on the "
                "host do not run here (ci)"
            )
        else:
            hooks.append(hook)
    for warning in warnings:
        log.warning("%s", warning)
    return Hooks(hooks, environ=environ, warnings=warnings)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise HooksConfigError(f"{path}: cannot read the hooks file: {exc}") from exc
