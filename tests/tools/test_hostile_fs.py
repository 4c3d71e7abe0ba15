"""The host-side file tools against a hostile sandbox: a process that swaps a workspace folder
for a symlink to a host folder in a tight loop, and special files (FIFO, socket, device, long
and unprintable names). Nothing outside the workspace is ever read, leaked or written, nothing
blocks, and no call raises."""

from __future__ import annotations

import contextlib
import io
import os
import shlex
import shutil
import socket
import stat
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from rich.console import Console

from devagent.agent.calls import dispatch
from devagent.chat.changes import give_to_tree_owner, unified_diff
from devagent.chat.repl import TerminalUI
from devagent.llm.types import ToolCall
from devagent.tools.base import Observation, Tool, ToolContext
from devagent.tools.registry import all_tools
from devagent.tools.safefs import UnsafeFileError, WorkspaceRoot
from sandbox.config import SandboxConfig
from sandbox.docker import DockerSandbox
from tests.tools.helpers import make_ctx

TOOLS = all_tools()
CANARY = "CANARY-7f3a"
CANARY_DEF = "canary_7f3a_host_only"
"""A definition only the host folder has: the repo map and find_symbol must never show it."""
TRIES = 2000
"""Calls per tool while the swapper runs."""
DOCKER_TRIES = 1000
"""Calls per tool against a swapper inside a real container."""
RG_TRIES = 500
MAP_TRIES = 300
"""Calls of repo_map and find_symbol (each walks, hashes and parses the workspace)."""
"""Calls of the rg-backed search (one rg process each: slower)."""

SWAPPER = r"""
import ctypes, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
a, b = os.fsencode(sys.argv[1]), os.fsencode(sys.argv[2])
parent, deadline = os.getppid(), time.monotonic() + float(sys.argv[3])
while time.monotonic() < deadline and (parent == 1 or os.getppid() == parent):
    for _ in range(1000):
        libc.renameat2(-100, a, -100, b, 2)  # AT_FDCWD, RENAME_EXCHANGE
"""
"""Exchanges two names atomically in a loop, for at most argv[3] seconds, until its parent (the
test run; none when started detached) goes away."""

ENGINES = ["python"] + (["rg"] if shutil.which("rg") else [])


def call(tool: str, ctx: ToolContext, /, **args: object) -> Observation:
    return TOOLS[tool](dict(args), ctx)


def _snapshot(folder: Path) -> list[tuple[str, int, int, int]]:
    return sorted(
        (e.name, e.inode(), e.stat(follow_symlinks=False).st_size, e.stat().st_mtime_ns)
        for e in os.scandir(folder)
    )


class Race:
    """A workspace whose folder `d` a background process keeps swapping with `lnk`, a symlink to
    a host folder holding a canary; counts what each call did."""

    def __init__(self, root: Path, engine: str = "python") -> None:
        self.host = root / "host"
        self.host.mkdir()
        (self.host / "secret.txt").write_text(f"needle {CANARY}\nhost only\n")
        (self.host / f"{CANARY}-name.txt").write_text(f"needle {CANARY}\n")
        (self.host / "secret.py").write_text(
            f"def {CANARY_DEF}():\n    return '{CANARY}'\n\ndef workspace_function():\n    pass\n"
        )
        self.ws = root / "ws"
        (self.ws / "d").mkdir(parents=True)
        (self.ws / "d" / "secret.txt").write_text("needle here\nworkspace text\n")
        (self.ws / "lnk").symlink_to(self.host)
        self.folder = os.open(self.ws / "d", os.O_PATH | os.O_DIRECTORY)
        """The swapped workspace folder, wherever its name is."""
        self.ctx = make_ctx(self.ws, extra={"search_engine": engine})
        self.baseline = _snapshot(self.host)
        self.counts: dict[str, Counter[str]] = {}

    def start(self) -> subprocess.Popen[bytes]:
        args = [sys.executable, "-c", SWAPPER, str(self.ws / "d"), str(self.ws / "lnk"), "300"]
        return subprocess.Popen(args)

    def attempt(self, tool: str, **args: object) -> None:
        counter = self.counts.setdefault(tool, Counter())
        try:
            text = call(tool, self.ctx, **args).text
        except Exception:  # counted: any exception escaping a tool aborts a real run
            counter["raised"] += 1
            text = ""
        if CANARY in text or CANARY_DEF in text or "secret.py" in text:
            counter["leaked"] += 1
        now = _snapshot(self.host)
        if now != self.baseline:
            counter["wrote_outside"] += 1
            self.baseline = now
        counter["tries"] += 1


@pytest.fixture
def race(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Race]:
    state = Race(tmp_path, getattr(request, "param", "python"))
    proc = state.start()
    try:
        seen: set[bool] = set()
        deadline = time.monotonic() + 120  # wait for the swapper to start, however loaded
        while seen != {True, False} and time.monotonic() < deadline:
            seen.add(os.path.islink(state.ws / "d"))
        assert seen == {True, False}, "the swapper is not running"
        yield state
    finally:
        proc.kill()
        proc.wait()
        os.close(state.folder)
        print({tool: dict(counter) for tool, counter in state.counts.items()})


def _clean(counter: Counter[str], tries: int = TRIES) -> bool:
    return set(counter) == {"tries"} and counter["tries"] == tries


def test_view_never_reads_through_a_swapped_symlink(race: Race) -> None:
    for i in range(TRIES):
        path = "d/secret.txt" if i % 2 else "d"
        race.attempt("view", path=path)
    assert _clean(race.counts["view"]), race.counts


@pytest.mark.parametrize("race", ENGINES, indirect=True)
def test_search_never_leaks_through_a_swapped_symlink(race: Race) -> None:
    tries = RG_TRIES if race.ctx.extra["search_engine"] == "rg" else TRIES
    for i in range(tries):
        path = "d" if i % 2 else "."
        race.attempt("search", pattern="needle", path=path)
    assert _clean(race.counts["search"], tries), race.counts


@pytest.mark.parametrize("use_openat2", [True, False], ids=["openat2", "per-component"])
def test_both_resolvers_stay_beneath_the_root(race: Race, use_openat2: bool) -> None:
    seen: Counter[str] = Counter()
    with WorkspaceRoot(race.ws, use_openat2=use_openat2) as root:
        for _ in range(TRIES):
            try:
                data = root.read_bytes("d/secret.txt")
                names = [item.name for item in root.list_dir("d")]
            except UnsafeFileError:
                seen["refused"] += 1
                continue
            seen["leaked"] += CANARY.encode() in (data or b"") or any(CANARY in n for n in names)
            seen["read" if data else "missing"] += 1
    assert seen["leaked"] == 0 and seen["read"] > 0, seen
    assert seen["refused"] + seen["missing"] > 0, seen


def test_create_never_writes_through_a_swapped_symlink(race: Race) -> None:
    for i in range(TRIES):
        race.attempt("create", path=f"d/new{i}.txt", content="x\n")
    assert _clean(race.counts["create"]), race.counts


def test_replace_never_reads_or_writes_through_a_swapped_symlink(race: Race) -> None:
    for i in range(TRIES):
        old = "needle" if i % 2 else "absent snippet"
        race.attempt("replace", path="d/secret.txt", old=old, new=old)
    assert _clean(race.counts["replace"]), race.counts


def test_apply_patch_never_reads_or_writes_through_a_swapped_symlink(race: Race) -> None:
    for i in range(TRIES):
        if i % 2:
            patch = f"--- /dev/null\n+++ b/d/p{i}.txt\n@@ -0,0 +1 @@\n+x\n"
        else:
            patch = (
                "--- a/d/secret.txt\n+++ b/d/secret.txt\n@@ -1,2 +1,2 @@\n needle\n-absent\n+y\n"
            )
        race.attempt("apply_patch", patch=patch)
    assert _clean(race.counts["apply_patch"]), race.counts
    assert not [p for p in race.host.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.skipif(os.geteuid() != 0, reason="changing file owners needs root")
def test_chat_hands_files_back_without_chowning_outside(race: Race) -> None:
    os.chown(race.ws, 1000, 1000)
    for _ in range(TRIES):
        give_to_tree_owner(race.ws, ["d/secret.txt"])
    owners = {p.name: p.lstat().st_uid for p in (race.host, *race.host.iterdir())}
    assert set(owners.values()) == {0}, owners
    assert os.stat("secret.txt", dir_fd=race.folder).st_uid == 1000


@pytest.mark.docker
def test_a_swapper_inside_the_docker_sandbox_cannot_redirect_the_tools(tmp_path: Path) -> None:
    race = Race(tmp_path)
    (race.ws / "lnk").unlink()  # made in the container: a link to a path it cannot even see
    # By default the sandbox kills what a command leaves running; a swapper that survives is
    # the worst case, so let it live here.
    config = SandboxConfig(image="devagent/base:latest", workspace=race.ws, keep_background=True)
    with DockerSandbox(config) as box:
        race.ctx = ToolContext(workspace=race.ws, sandbox=box)
        script = shlex.quote(SWAPPER)
        started = box.exec(
            f"ln -s {shlex.quote(str(race.host))} /workspace/lnk && "
            f"(setsid python3 -c {script} /workspace/d /workspace/lnk 120 >/dev/null 2>&1 &)",
            timeout=30,
        )
        assert started.exit_code == 0, started.output
        seen: set[bool] = set()
        deadline = time.monotonic() + 120  # the swapper may take a while to start under load
        while seen != {True, False} and time.monotonic() < deadline:
            seen.add(os.path.islink(race.ws / "d"))
        assert seen == {True, False}, "the swapper in the container is not running"
        for i in range(DOCKER_TRIES):
            race.attempt("view", path="d/secret.txt" if i % 2 else "d")
            race.attempt("create", path=f"d/c{i}.txt", content="x\n")
            patch = f"--- /dev/null\n+++ b/d/p{i}.txt\n@@ -0,0 +1 @@\n+x\n"
            race.attempt("apply_patch", patch=patch)
    print({tool: dict(counter) for tool, counter in race.counts.items()})
    assert all(_clean(counter, DOCKER_TRIES) for counter in race.counts.values()), race.counts


# -- special files ---------------------------------------------------------------------------


def _in_thread(fn: Callable[[], Observation], release: Callable[[], None]) -> Observation:
    """`fn()`'s observation; fails (after calling `release`) when it blocks for 5 s or raises."""
    box: list[Observation | BaseException] = []

    def run() -> None:
        try:
            box.append(fn())
        except BaseException as exc:
            box.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout=5)
    if worker.is_alive():
        release()
        worker.join(timeout=5)
        pytest.fail("the tool call blocked")
    result = box[0]
    if isinstance(result, BaseException):
        raise AssertionError(f"the tool call raised {result!r}") from result
    return result


def test_repo_map_and_find_symbol_never_index_through_a_swapped_symlink(race: Race) -> None:
    fd = os.open("mod.py", os.O_CREAT | os.O_WRONLY, 0o644, dir_fd=race.folder)  # not via "d"
    os.write(fd, b"def workspace_function():\n    return 1\n")
    os.close(fd)
    for _ in range(MAP_TRIES):
        race.attempt("repo_map", max_tokens=2000)
        race.attempt("find_symbol", name="workspace_function")
    assert _clean(race.counts["repo_map"], MAP_TRIES), race.counts
    assert _clean(race.counts["find_symbol"], MAP_TRIES), race.counts


def _release_fifo(path: Path) -> Callable[[], None]:
    def release() -> None:
        for _ in range(50):  # open a writer so that a blocked reader returns
            with contextlib.suppress(OSError):
                os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
            time.sleep(0.01)

    return release


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    root.mkdir()
    (root / "a.txt").write_text("needle\n")
    return root


EDIT_CALLS: list[tuple[str, Callable[[str], dict[str, object]]]] = [
    ("view", lambda p: {"path": p}),
    ("search", lambda p: {"pattern": "needle", "path": p}),
    ("replace", lambda p: {"path": p, "old": "a", "new": "b"}),
    ("create", lambda p: {"path": p, "content": "x\n", "overwrite": True}),
    ("apply_patch", lambda p: {"patch": f"--- a/{p}\n+++ b/{p}\n@@ -1 +1 @@\n-a\n+b\n"}),
]


@pytest.mark.parametrize(("tool", "args"), EDIT_CALLS, ids=[t for t, _ in EDIT_CALLS])
def test_a_fifo_is_refused_without_blocking(ws: Path, tool: str, args: Callable[..., dict]) -> None:
    os.mkfifo(ws / "pipe")
    obs = _in_thread(lambda: call(tool, make_ctx(ws), **args("pipe")), _release_fifo(ws / "pipe"))
    assert not obs.ok and "named pipe" in obs.text


@pytest.mark.parametrize(("tool", "args"), EDIT_CALLS, ids=[t for t, _ in EDIT_CALLS])
def test_a_socket_is_refused(ws: Path, tool: str, args: Callable[..., dict]) -> None:
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(ws / "sock"))
    try:
        obs = _in_thread(lambda: call(tool, make_ctx(ws), **args("sock")), lambda: None)
    finally:
        server.close()
    assert not obs.ok and "socket" in obs.text


@pytest.mark.parametrize(("tool", "args"), EDIT_CALLS, ids=[t for t, _ in EDIT_CALLS])
def test_a_device_is_refused(ws: Path, tool: str, args: Callable[..., dict]) -> None:
    try:
        os.mknod(ws / "dev", stat.S_IFCHR | 0o666, os.makedev(1, 3))  # like /dev/null
    except PermissionError:
        pytest.skip("making a device node needs CAP_MKNOD")
    obs = _in_thread(lambda: call(tool, make_ctx(ws), **args("dev")), lambda: None)
    assert not obs.ok and "device" in obs.text


@pytest.mark.parametrize(("tool", "args"), EDIT_CALLS, ids=[t for t, _ in EDIT_CALLS])
def test_a_name_too_long_is_a_failed_observation(
    ws: Path, tool: str, args: Callable[..., dict]
) -> None:
    obs = _in_thread(lambda: call(tool, make_ctx(ws), **args("n" * 300)), lambda: None)
    assert not obs.ok and "too long" in obs.text


def test_a_fifo_package_json_does_not_block_run_tests(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "package.json")
    release = _release_fifo(tmp_path / "package.json")
    obs = _in_thread(lambda: call("run_tests", make_ctx(tmp_path)), release)
    assert not obs.ok and "no test command" in obs.text


def test_a_fifo_gitignore_blocks_neither_view_nor_search(ws: Path) -> None:
    os.mkfifo(ws / ".gitignore")
    ctx = make_ctx(ws, extra={"search_engine": "python"})
    release = _release_fifo(ws / ".gitignore")
    assert "a.txt" in _in_thread(lambda: call("view", ctx, path="."), release).text
    assert "a.txt:1" in _in_thread(lambda: call("search", ctx, pattern="needle"), release).text


def test_fifos_block_neither_repo_map_nor_find_symbol(ws: Path) -> None:
    (ws / "lib.py").write_text("def visible_function():\n    return 1\n")
    os.mkfifo(ws / ".gitignore")
    os.mkfifo(ws / "pipe.py")
    ctx = make_ctx(ws)
    release = _release_fifo(ws / "pipe.py")
    shown = _in_thread(lambda: call("repo_map", ctx, max_tokens=500), release).text
    assert "visible_function" in shown
    found = _in_thread(lambda: call("find_symbol", ctx, name="visible_function"), release).text
    assert "lib.py" in found


HOSTILE = "evil\x1b[31m\u202etxt.exe\u200b\x07"
"""A name with an ANSI escape, a right-to-left override, a zero-width space and a bell."""


def test_unprintable_names_are_escaped_in_view_and_search(ws: Path) -> None:
    (ws / HOSTILE).write_text("needle\n")
    os.close(os.open(os.fsencode(ws) + b"/bad\xff.txt", os.O_CREAT | os.O_WRONLY, 0o644))
    ctx = make_ctx(ws, extra={"search_engine": "python"})
    tree = call("view", ctx, path=".").text
    found = call("search", ctx, pattern="needle").text
    for text in (tree, found):
        assert not any(c in text for c in "\x1b\u202e\u200b\x07"), text
    assert "evil\\x1b[31m\\u202etxt.exe\\u200b\\x07" in tree and "bad\\xff.txt" in tree
    assert "evil\\x1b[31m\\u202etxt.exe\\u200b\\x07:1: needle" in found


def test_an_unprintable_path_is_escaped_in_edit_results(ws: Path) -> None:
    obs = call("create", make_ctx(ws), path=HOSTILE, content="x\n")
    assert obs.ok and "\x1b" not in obs.text and "\\x1b" in obs.text


def _raising(args: dict[str, object], ctx: ToolContext) -> Observation:
    raise PermissionError(13, "Permission denied", "/workspace/x\x1b")


def test_an_os_error_in_any_tool_is_a_failed_observation(ws: Path) -> None:
    tool = Tool("boom", "raises", {"type": "object", "properties": {}}, _raising)
    obs = dispatch(ToolCall("1", "boom", {}), {"boom": tool}, make_ctx(ws))
    assert not obs.ok and "Permission denied" in obs.text and "\x1b" not in obs.text


def test_unprintable_names_are_escaped_for_the_person(ws: Path) -> None:
    diff = unified_diff({HOSTILE: None}, {HOSTILE: "x\n"})
    screen = io.StringIO()
    TerminalUI(Console(file=screen, width=200)).show_tool(
        ToolCall("1", "view", {"path": HOSTILE}), Observation("ok")
    )
    shown = screen.getvalue()
    for text in (diff, shown):
        assert "\x1b" not in text and "\u202e" not in text and "evil\\x1b[31m" in text
