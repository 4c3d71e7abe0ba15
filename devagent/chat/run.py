"""`devagent chat`: its arguments, and the wiring of a session (workspace, sandbox, model,
store) around the terminal loop. The only chat module that reads the environment."""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from devagent.agent.budget import Budget, BudgetConfig
from devagent.agent.redact import Redactor, secret_values_from_env
from devagent.agent.trajectory import Trajectory
from devagent.assembly import model_named, sandbox_config
from devagent.chat.commands import CommandEnv
from devagent.chat.repl import ChatRepl, line_history
from devagent.chat.session import ChatSession
from devagent.chat.store import SessionState, SessionStore, new_session_id
from devagent.config import ChatConfig, Settings, host_environ, load_settings
from devagent.delivery import user_git
from devagent.llm import default_model_spec
from devagent.llm.types import Message, Model
from devagent.tools.mcp.config import McpConfig
from devagent.tools.mcp.session import McpTools, open_mcp
from devagent.tools.registry import build_tools
from devagent.usage import UsageEntry, record_run
from devagent.workspace import Workspace
from sandbox.config import SandboxConfig
from sandbox.docker import DockerSandbox

log = logging.getLogger(__name__)

CHAT_TOOLS = ["view", "search", "find_symbol", "repo_map", "apply_patch", "replace", "create",
              "run", "run_tests"]  # fmt: skip


class SandboxSlot:
    """The session's sandbox, replaceable by a fresh one on the same workspace (after Ctrl-C
    abandoned a running command)."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.sandbox = DockerSandbox(config).start()

    def restart(self) -> DockerSandbox:
        self.sandbox.close()
        self.sandbox = DockerSandbox(self.config).start()
        return self.sandbox

    def close(self) -> None:
        self.sandbox.close()


def _new_state(args: argparse.Namespace, spec: str) -> SessionState:
    git = user_git(args.repo)
    base = git.run("rev-parse", "HEAD").text.strip()
    return SessionState(
        id=new_session_id(), repo=str(git.work_tree), base=base, model=spec,
        test_command=args.test_cmd,
    )  # fmt: skip


def _image(args: argparse.Namespace, settings: Settings, repo: Path, env: Mapping[str, str]) -> str:
    if args.image or settings.image:
        return str(args.image or settings.image)
    from sandbox.hostconfig import read_host_config
    from sandbox.images import ensure_env_image

    host = read_host_config(environ=host_environ(settings, env))
    return ensure_env_image(repo, env=settings.environment, host=host)


@dataclass
class ChatSetup:
    """A session's collaborators, built from the arguments and the environment."""

    state: SessionState
    store: SessionStore
    workspace: Workspace
    slot: SandboxSlot
    model: Model
    build: Callable[[str], Model]
    redactor: Redactor
    chat: ChatConfig
    mcp: McpConfig
    """The person's MCP servers; their `ask` tools ask the person before each call."""
    environ: Mapping[str, str]
    """Where the servers' `env` names are read from."""
    cache_dir: Path | None = None
    """Where the cost ledger is (the settings' cache directory)."""
    """The session's config: the settings' [chat] table, the flags over it."""


def chat_config(settings: Settings, args: argparse.Namespace) -> ChatConfig:
    """The settings' [chat] table with the flags given over it; the sandbox is online when the
    settings' `network` or the chat's says so."""
    given = {"auto": args.auto, "command_timeout": args.timeout, "network": args.network}
    chat = settings.chat.model_copy(update={k: v for k, v in given.items() if v is not None})
    return chat.model_copy(update={"network": chat.network or settings.network})


def _setup(args: argparse.Namespace, env: Mapping[str, str]) -> ChatSetup:
    given = {
        "model": args.model,
        "base_url": args.base_url,
        "runtime": getattr(args, "runtime", None),
    }
    settings = load_settings(given, args.repo, env)
    store = SessionStore(args.sessions_dir or settings.cache_dir / "chat")
    if args.resume:
        state = store.load(args.resume)
        state.model = args.model or state.model
    else:
        spec = default_model_spec(env, flag=args.model, configured=settings.model)
        state = _new_state(args, spec)
    model = model_named(state.model, settings, env=env)
    ws_dir = store.path(state.id) / "workspace"
    shutil.rmtree(ws_dir, ignore_errors=True)
    workspace = Workspace.create(state.repo, ws_dir, base=state.base)
    if state.patch:
        workspace.reset_to(state.patch)
    chat = chat_config(settings, args)
    network = chat.network
    try:
        image = _image(args, settings, Path(state.repo), env)
        config = sandbox_config(
            image,
            workspace.tree,
            network=network,
            env=settings.environment.env,
            egress_log=store.path(state.id) / "egress.jsonl",
            runtime=settings.runtime,
        )
        slot = SandboxSlot(config)
    except BaseException:
        shutil.rmtree(ws_dir, ignore_errors=True)
        raise
    return ChatSetup(
        state, store, workspace, slot, model,
        build=lambda name: model_named(name, settings, env=env),
        redactor=Redactor([*secret_values_from_env(env), *_mcp_secrets(settings.mcp, env)]),
        chat=chat, mcp=settings.mcp, environ=env, cache_dir=settings.cache_dir,
    )  # fmt: skip


def _mcp_secrets(config: McpConfig, env: Mapping[str, str]) -> list[str]:
    return [value for server in config.env_values(env).values() for value in server.values()]


def run_chat(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> int:
    """Open (or resume) a session, run the terminal loop, save it, remove the container."""
    env = os.environ if environ is None else environ
    console = Console(highlight=False)
    setup = _setup(args, env)
    try:
        _serve(args, setup, console)
    finally:
        setup.slot.close()
        shutil.rmtree(setup.workspace.root, ignore_errors=True)
    page = session_page(setup.store.path(setup.state.id), setup.redactor, setup.state.patch)
    if page is not None:
        console.print(f"session page: {escape(str(page))}")
    console.print(f"session saved; continue it with: devagent chat --resume {setup.state.id}")
    return 0


def session_page(folder: Path, redactor: Redactor, patch: str) -> Path | None:
    """The session's page (folder/report.html, its current change as the diff); one that
    cannot be written is a warning, never a lost session."""
    from devagent.pages.run import write_run_page

    try:
        return write_run_page(folder, redact=redactor.text, patch=patch)
    except Exception as exc:  # a view of the session: whatever breaks it must not cost it
        log.warning("the session page in %s was not written: %s", folder, exc)
        return None


def _session(
    args: argparse.Namespace, setup: ChatSetup, trajectory: Trajectory, mcp: McpTools
) -> ChatSession:
    state = setup.state
    state.test_command = args.test_cmd or state.test_command or setup.chat.test_command
    config = setup.chat.model_copy(update={"test_command": state.test_command})
    # A session's only limit is the money the person sets; turns have their own step limit.
    limits = {"max_steps": None, "max_tokens": None, "max_time_s": None, "max_usd": args.max_usd}
    budget = Budget(BudgetConfig(**limits))
    session = ChatSession(
        setup.model, {**build_tools(CHAT_TOOLS), **mcp.tools}, setup.slot.sandbox, budget,
        setup.workspace,
        trajectory=trajectory, config=config, cache_dir=setup.store.root / "index",
    )  # fmt: skip
    session.restart_sandbox = setup.slot.restart
    session.messages = [Message.from_dict(m) for m in state.messages]
    session.undo_points = list(state.undo_points)
    image = setup.slot.config.image
    meta = {"repo": state.repo, "base": state.base, "image": image, "model": setup.model.name,
            "session": state.id, "resumed": bool(args.resume)}  # fmt: skip
    if setup.mcp.servers:
        meta["mcp"] = mcp.describe()
    session.record("meta", meta=meta)
    return session


def _serve(args: argparse.Namespace, setup: ChatSetup, console: Console) -> None:
    state, store = setup.state, setup.store
    sandbox = setup.slot.sandbox
    with (
        store.open_trajectory(state.id, setup.redactor) as trajectory,
        open_mcp(setup.mcp, sandbox, setup.environ, host_allowed=True, can_ask=True) as mcp,
    ):
        session = _session(args, setup, trajectory, mcp)

        def save() -> None:
            state.patch = setup.workspace.diff()
            state.undo_points = list(session.undo_points)
            state.messages = [m.to_dict() for m in session.messages]
            state.model = session.model.name
            store.save(state)

        save()
        resumed = f" · resumed with {len(session.messages)} messages" if args.resume else ""
        console.print(
            f"[bold]devagent chat[/] {state.id} · {escape(setup.model.name)} · "
            f"{escape(state.repo)}{resumed}\n"
            "[dim]/help for commands · Ctrl-C stops a turn · Ctrl-D ends the session[/]"
        )
        env = CommandEnv(session, Path(state.repo), state.id, state.base, build_model=setup.build)
        started = time.monotonic()
        try:
            with line_history(store.root / "history"):
                ChatRepl(env, console, save).run()
        finally:
            record_session(setup, session, time.monotonic() - started)
        save()


def record_session(setup: ChatSetup, session: ChatSession, wall_s: float) -> None:
    """The session's line in the cost ledger (`devagent usage`); never fails the session."""
    usage = session.budget.usage
    entry = UsageEntry(
        ts=time.time(),
        kind="chat",
        repo=setup.state.repo,
        model=session.model.name,
        verdict="session",
        tokens=usage.total_tokens,
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        cost_usd=round(session.budget.usd, 6),
        wall_s=round(wall_s, 1),
        out=str(setup.store.path(setup.state.id)),
    )
    record_run(setup.cache_dir, entry)
