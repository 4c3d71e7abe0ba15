"""The whole solve path, shared by `devagent solve`, `bench` and `ci`: private workspace,
environment image, sandbox, tools, repo map, the agent, and the run's files."""

from __future__ import annotations

import contextlib
import functools
import logging
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import docker.errors

from devagent.agent import (
    AgentConfig,
    AgentIO,
    BudgetConfig,
    MemoryStore,
    ReplayReport,
    RunResult,
    SolveRequest,
    Task,
    parse_issue,
    replay,
    run_agent,
)
from devagent.agent.checks import CheckResult, run_checks
from devagent.agent.hookrun import build_hooks
from devagent.agent.hooks import HooksConfig
from devagent.agent.replay import load_recording
from devagent.agent.resume import ResumePoint
from devagent.agent.signals import closed_whole, commands_stopped_by
from devagent.agent.trajectory import Listener
from devagent.assembly import sandbox_config
from devagent.background import in_background
from devagent.earlybox import SlotStart
from devagent.envreport import EnvironmentReport
from devagent.errors import DevagentError
from devagent.firstmap import FirstMap, MapShelf
from devagent.llm.types import Model
from devagent.mapworker import MapWorker
from devagent.tools.base import Tool, ToolContext
from devagent.tools.mcp.config import McpConfig
from devagent.tools.mcp.session import open_mcp
from devagent.tools.registry import build_tools
from devagent.tools.repomap import TreeSource
from devagent.tools.run import detect_test_command
from devagent.workspace import Workspace
from devagent.wspool import prune_stale, workspace_slot
from sandbox.client import docker_client
from sandbox.docker import DockerSandbox
from sandbox.egress import is_allowlist
from sandbox.egressimage import ensure_egress_image
from sandbox.envspec import EnvironmentSpec
from sandbox.hostconfig import HostIndexConfig
from sandbox.images import ensure_base_image, ensure_env_image
from sandbox.pyimage import Listing

log = logging.getLogger(__name__)

INITIAL_MAP_SECONDS = 5.0
"""Parsing time the first repo map may take; a huge repository's first map is made of what was
parsed by then (mentioned files first) while the rest is parsed in the background."""


@dataclass
class SolveOptions:
    """One solve. Flags win over the issue's front matter, which wins over defaults."""

    issue: str
    """The issue as Markdown (TOML/YAML front matter may carry checks, test_command, budget)."""
    repo: str | Path
    out: Path
    model: Model
    checks: Sequence[str] = ()
    test_command: str | None = None
    budget: dict[str, Any] = field(default_factory=dict)
    """BudgetConfig fields given on the command line (they win over the issue's front matter)."""
    budget_defaults: dict[str, Any] = field(default_factory=dict)
    """BudgetConfig fields from the settings (environment, config, their documented defaults);
    the issue's front matter and the flags win over them."""
    agent: AgentConfig = field(default_factory=AgentConfig)
    image: str | None = None
    """Sandbox image; None: the repo's environment image (built or reused)."""
    network: bool | str = False
    """True: the whole network; `allow:LIST`: only LIST (connections logged to OUT/egress.jsonl)."""
    runtime: str | None = None
    """Docker runtime of the sandbox ('runsc': gVisor); None: Docker's default."""
    base: str | None = None
    include_dirty: bool = False
    secrets: Sequence[str] = ()
    stop: threading.Event = field(default_factory=threading.Event)
    listeners: Sequence[Listener] = ()
    cache_dir: Path | None = None
    keep_workspace: bool = False
    """Keep the private clone of a local repository in the cache for the next run on it
    (`devagent solve`); a bench's scratch repositories are never seen again."""
    host: HostIndexConfig | Future[HostIndexConfig] | None = None
    """The host's package indexes (baked into images): given, being read (a future), or None to
    read them when an image is needed."""
    repo_map_tokens: int = 1024
    environment: EnvironmentSpec | None = None
    """The repository's [environment]: image setup, sandbox variables, default test command."""
    on_progress: Callable[[str], None] = lambda message: None
    mcp: McpConfig = field(default_factory=McpConfig)
    """The person's MCP servers (never a repository's)."""
    mcp_environ: Mapping[str, str] = field(default_factory=dict)
    """The host environment the servers' `env` names are read from."""
    mcp_host: bool = True
    """Start the servers that run on the host (False in `devagent ci`)."""
    hooks: HooksConfig = field(default_factory=HooksConfig)
    """The person's hooks (the repository's .devagent/hooks.json is read from the workspace)."""
    hooks_host: bool = False
    """Run the person's hooks that ask for the host (`devagent solve`; never `devagent ci`)."""
    hooks_environ: Mapping[str, str] = field(default_factory=dict)
    """The host environment that host hooks' `env` names are read from."""
    resume: ResumePoint | None = None
    """Go on from an earlier run (`solve --resume`): its patch is put back on the base once
    the goal checks ran there; `out` is its folder."""


@dataclass
class SolveOutcome:
    result: RunResult
    base: str
    """The commit the run started from."""
    patch_since_start: str
    """The agent's change alone, from the starting point (= `result.patch`; for --apply,
    whose tree already holds the person's uncommitted changes)."""
    image: str
    prechecks: list[CheckResult] = field(default_factory=list)
    """The goal checks as run once before the agent started (a goal that already passes, or
    cannot run, shows here)."""
    dirty: str = ""
    """The person's uncommitted changes the run started from (--include-dirty), against
    `base`: OUT/dirty.diff."""
    patch_since_base: str = ""
    """The person's carried-over changes and the agent's together, against `base` (what
    --branch and --pr commit on it)."""
    out: Path | None = None
    """The run folder: patch.diff, report.md, result.json, trajectory.jsonl."""

    @property
    def patch_path(self) -> str:
        """Where the run's patch is, for a person to read or apply."""
        return str(self.out / "patch.diff") if self.out is not None else "OUT/patch.diff"


def build_task(opts: SolveOptions) -> tuple[Task, BudgetConfig]:
    spec = parse_issue(opts.issue)
    task = Task(
        issue=spec.body,
        checks=tuple(spec.checks) + tuple(opts.checks),
        test_command=opts.test_command or spec.test_command,
    )
    budget = BudgetConfig.model_validate({**opts.budget_defaults, **spec.budget, **opts.budget})
    return task, budget


def choose_image(
    opts: SolveOptions,
    tree: Path,
    as_of: str | None = None,
    listing: Listing | None = None,
    client: docker.DockerClient | None = None,
) -> str:
    """The given image, or the repository's env image resolved as of `as_of` (the base
    commit's date unless the [environment] says otherwise); `listing`: the tree's files as git
    lists them (it matches its starting commit), which saves hashing them; `client`: the
    run's connection (else one is made)."""
    if opts.image:
        return opts.image
    host = opts.host.result() if isinstance(opts.host, Future) else opts.host
    client = client or docker_client()  # one connection for both checks
    opts.on_progress("sandbox image: base")
    ensure_base_image(host=host, on_progress=opts.on_progress, client=client)
    opts.on_progress("sandbox image: the repository's environment")
    return ensure_env_image(
        tree,
        env=opts.environment,
        as_of=as_of,
        host=host,
        on_progress=opts.on_progress,
        listing=listing,
        client=client,
    )


@contextlib.contextmanager
def environment_written(
    image: str, out: Path, client: docker.DockerClient | None = None
) -> Iterator[EnvironmentReport]:
    """OUT/environment.json, written on a daemon thread from the run's first model request on
    (the report's `on_record` listens for it; no model request needs the file), and waited
    for when the body ends, however it ends (started then if no request was made)."""
    report = EnvironmentReport(image, out, client)
    try:
        yield report
    finally:
        report.wait()


def first_map_request(task: Task, tree: TreeSource, tokens: int) -> dict[str, Any]:
    """The first map, toward the issue, bounded by `INITIAL_MAP_SECONDS` of parsing (what a
    `MapWorker` is asked for)."""
    return {
        "tree": str(tree.workspace),
        "cache_dir": str(tree.cache_dir) if tree.cache_dir else None,
        "focus": task.issue.strip(),
        "tokens": max(64, tokens),
        "time_limit_s": INITIAL_MAP_SECONDS,
    }


def run_pipeline(opts: SolveOptions) -> SolveOutcome:
    """Clone (or bring a kept workspace up to date), build or reuse the image, start the
    sandbox, run the agent, write OUT/*. The container is removed whatever happens, and so is
    a scratch workspace (a kept one stays for the next run)."""
    task, budget = build_task(opts)
    opts.out.mkdir(parents=True, exist_ok=True)
    spec = opts.environment or EnvironmentSpec()
    # A kept workspace's last image starts early, while the workspace is brought up to date.
    start = SlotStart(
        sandbox_config(
            opts.image or "",
            None,
            network=opts.network,
            env=spec.env,
            egress_log=opts.out / "egress.jsonl",
            runtime=opts.runtime,
        )
    )
    worker = MapWorker()  # loads its modules while the workspace is made
    try:
        return _run_in_workspace(opts, task, budget, spec, start, worker)
    finally:
        worker.close()
        start.discard()


def _run_in_workspace(
    opts: SolveOptions,
    task: Task,
    budget: BudgetConfig,
    spec: EnvironmentSpec,
    start: SlotStart,
    worker: MapWorker,
) -> SolveOutcome:
    with private_workspace(opts, start) as ws:
        if not task.test_command and spec.test_command:
            task = replace(task, test_command=spec.test_command)
        if not task.checks and not task.test_command:  # the goal: the suite plus a repro test
            task = replace(task, test_command=detect_test_command(ws.tree))
        # The repository is mapped while the image is chosen and the container starts
        # (Docker's work): the map reads the tree before anything runs in it.
        tree = TreeSource(ws.tree, opts.cache_dir)
        shelf = MapShelf(opts.cache_dir, ws.tree, task.issue.strip(), opts.repo_map_tokens)
        asked = first_map_request(task, tree, opts.repo_map_tokens)
        made = functools.partial(worker.make, asked)
        first_map = FirstMap(made, ws.start, shelf, ws.changed_since)
        client = docker_client()  # the run's one connection: image, sandbox and report
        as_of, listing = ws.base_date(), ws.listing()
        image = choose_image(opts, ws.tree, as_of=as_of, listing=listing, client=client)
        if isinstance(opts.network, str) and is_allowlist(opts.network):
            # built once, on first use: said here, not silently inside the sandbox's start
            ensure_egress_image(client, on_progress=opts.on_progress)
        config = sandbox_config(
            image,
            ws.tree,
            network=opts.network,
            env=spec.env,
            egress_log=opts.out / "egress.jsonl",
            runtime=opts.runtime,
        )
        opts.on_progress(f"starting the sandbox ({image})")
        sandbox = start.sandbox(config, client)
        with (
            environment_written(image, opts.out, client) as report,
            closed_whole(sandbox),
            commands_stopped_by(opts.stop, lambda: sandbox),
        ):
            sandbox.start()
            ws.handed_over()  # the sandbox's .git and the tree's owner: while the image was chosen
            ctx = ToolContext(workspace=ws.tree, sandbox=sandbox, cache_dir=opts.cache_dir)
            first_map.wait_read()  # the ranking goes on while the goal checks run
            if task.goal_checks():
                opts.on_progress("running the goal checks once before the agent starts")
            prechecks = run_checks(sandbox, task.goal_checks(), timeout=opts.agent.check_timeout)
            task = replace(task, repo_map=first_map.text())
            worker.close()
            if opts.resume is not None:  # after the checks: they are the base's, a baseline
                ws.reset_to(opts.resume.patch)
            memory = MemoryStore.in_cache_dir(opts.cache_dir) if opts.cache_dir else None
            if opts.mcp.servers:
                opts.on_progress("starting the MCP servers")
            mcp = open_mcp(opts.mcp, sandbox, opts.mcp_environ, host_allowed=opts.mcp_host)
            hooks = build_hooks(
                opts.hooks, ws.tree, host_allowed=opts.hooks_host, environ=opts.hooks_environ
            )
            request = SolveRequest(
                task=task,
                model=opts.model,
                tools={**build_tools(), **mcp.tools},
                sandbox=sandbox,
                workspace=ws,
                out=opts.out,
                budget=budget,
                config=opts.agent,
                secrets=(*opts.secrets, *mcp.secrets),
                stop=opts.stop,
                memory=memory,
                repo_key=str(opts.repo),
                listeners=(*opts.listeners, report.on_record),
                cache_dir=opts.cache_dir,
                context=ctx,
                prechecks=prechecks,
                hooks=hooks,
                resume=opts.resume,
                meta={
                    "repo": str(opts.repo),
                    "base": ws.base,
                    "image": image,
                    "model": opts.model.name,
                    **({"mcp": mcp.describe()} if opts.mcp.servers else {}),
                    **({"hooks": hooks.describe()} if hooks.hooks or hooks.warnings else {}),
                },
            )
            opts.on_progress("the agent is working")
            try:
                result = run_agent(request)
            finally:
                mcp.close()
                if memory is not None:
                    memory.close()
            dirty = ws.dirty_diff()
            whole = ws.diff() if dirty else result.patch
            return SolveOutcome(
                result, ws.base, result.patch, image, prechecks, dirty, whole, opts.out
            )


@contextlib.contextmanager
def private_workspace(
    opts: SolveOptions, on_slot: Callable[[Path], None] = lambda slot: None
) -> Iterator[Workspace]:
    """The run's private workspace: with `keep_workspace`, for a local repository, a kept slot
    of the cache brought up to date (`Workspace.reuse`: only what changed is written; the next
    run reuses it again); otherwise a fresh clone in a scratch directory, removed at the end.
    `on_slot` is told the kept slot before it is brought up to date."""
    local = Path(opts.repo).expanduser()
    kept = opts.keep_workspace and opts.cache_dir is not None and local.is_dir()
    slots = workspace_slot(opts.cache_dir, local) if opts.cache_dir and kept else None
    if opts.cache_dir is not None:
        in_background(prune_stale, opts.cache_dir)  # old slots of any repository
    with slots or contextlib.nullcontext() as slot:
        if slot is not None:
            if (slot / "git").is_dir():
                opts.on_progress("bringing the private workspace up to date")
            else:
                opts.on_progress("cloning the repository privately (kept for the next run)")
            on_slot(slot)
            ws = Workspace.reuse(
                opts.repo, slot, base=opts.base, include_dirty=opts.include_dirty,
                hand_over_later=True,
            )  # fmt: skip
            try:
                yield ws
            finally:  # the slot is the next run's only once nothing writes in it any more
                with contextlib.suppress(DevagentError, OSError):
                    ws.handed_over()
            return
        scratch = Path(tempfile.mkdtemp(prefix="devagent-ws-"))
        try:
            opts.on_progress("cloning the repository privately")
            yield Workspace.create(
                opts.repo, scratch / "ws", base=opts.base, include_dirty=opts.include_dirty
            )
        finally:
            shutil.rmtree(scratch, ignore_errors=True)


Replayer = Callable[[Path, Mapping[str, Tool], DockerSandbox, Workspace], ReplayReport]
"""Re-runs a recording on a fresh workspace and sandbox (a chat session's has its own)."""


def replay_agent_run(
    trajectory: Path, tools: Mapping[str, Tool], sandbox: DockerSandbox, ws: Workspace
) -> ReplayReport:
    io = AgentIO(workspace=ws.tree, patch_fn=ws.diff, restore_fn=ws.reset_to)
    return replay(trajectory, tools, sandbox, io)


def replay_run(
    trajectory: Path, repo: str | Path | None = None, replayer: Replayer = replay_agent_run
) -> ReplayReport:
    """Re-run a recorded run's model replies against a fresh workspace and sandbox made like
    the original (repo, base, image from its meta record); report the first divergence."""
    meta = load_recording(trajectory).meta
    source = repo or meta.get("repo")
    if not source or not meta.get("base") or not meta.get("image"):
        raise DevagentError(f"{trajectory} lacks repo/base/image in its meta record; pass --repo")
    scratch = Path(tempfile.mkdtemp(prefix="devagent-replay-"))
    try:
        ws = Workspace.create(source, scratch / "ws", base=meta["base"])
        config = sandbox_config(meta["image"], ws.tree)
        with DockerSandbox(config) as sandbox:
            return replayer(trajectory, build_tools(), sandbox, ws)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
