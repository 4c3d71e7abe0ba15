"""The private workspace: a clone of the user's repo that the sandbox may write to, and its patch.

Layout under `dest` (the private directory):

    dest/git/    the workspace's real git directory. Host side only: never mounted.
    dest/tree/   the work tree, bind-mounted as /workspace. Its own `.git` is a throw-away copy
                 for tools inside the sandbox (`git status`, `git log`); the host never reads it.

The work tree is untrusted as soon as the sandbox has written to it. Host-side git therefore runs
with `--git-dir=dest/git --work-tree=dest/tree` (git skips any entry named `.git` in a work tree,
so hooks, `core.fsmonitor`, `include.path` or textconv drivers planted in `tree/.git` are never
seen), and through `HardenedGit`, which also disables those mechanisms on the command line in case
`dest/git` itself were ever tampered with. The patch is `git diff --binary` of the work tree,
untracked files included, against the base commit, computed in a temporary index.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Self

from devagent.background import in_background
from devagent.errors import DevagentError
from devagent.gitcmd import GitError, HardenedGit, redact_urls
from devagent.tools.paths import is_git_dir_name

log = logging.getLogger(__name__)

DIFF_OPTIONS: tuple[str, ...] = (
    "--binary",
    "--full-index",
    "--no-renames",
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "--no-relative",
    "--ignore-submodules=all",
    "--src-prefix=a/",
    "--dst-prefix=b/",
)
"""Fixed so that no config (diff.noprefix, diff.renames, a textconv driver) changes the patch."""

MAX_UNTRACKED_BYTES = 10 << 20
"""An untracked file larger than this (a data dump, a build artefact) stays out of the patch."""
MAX_UNTRACKED_FILES = 5_000
"""At most this many untracked files join the patch (200,000 made by a command would take the
host minutes to add)."""
GIT_TIMEOUT_S = 300.0
"""Each host-side git call on the work tree; past it, a GitError instead of a hang."""

BASE_REF = "refs/devagent/base"
START_REF = "refs/devagent/start"
USER_HEAD_REF = "refs/devagent/user-head"
"""The user's HEAD at the last refresh of a reused workspace (it may be a detached commit)."""
IDENTITY = {
    "GIT_AUTHOR_NAME": "devagent",
    "GIT_AUTHOR_EMAIL": "devagent@localhost",
    "GIT_COMMITTER_NAME": "devagent",
    "GIT_COMMITTER_EMAIL": "devagent@localhost",
}


class WorkspaceError(DevagentError):
    """The workspace could not be created or changed (bad repo, unknown base, patch mismatch)."""


def to_bytes(patch: str) -> bytes:
    """A patch string from `diff()` back to its exact bytes."""
    return patch.encode("utf-8", "surrogateescape")


@contextlib.contextmanager
def snapshot_index(git: HardenedGit, index: Path | None) -> Iterator[dict[str, str]]:
    """A temporary index holding the whole work tree (tracked changes and untracked-not-ignored
    files); yields the env that selects it. `index` (the real one) is copied, never written."""
    with tempfile.TemporaryDirectory(prefix="devagent-index-") as tmp:
        env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
        if index is not None and index.exists():
            shutil.copy2(index, env["GIT_INDEX_FILE"])  # keeps mtime: racy-git checks
        else:
            git.run("read-tree", "HEAD", env=env)
        git.run("add", "--update", "--", ".", env=env, timeout=GIT_TIMEOUT_S)
        listed = git.run(
            "ls-files", "-z", "--others", "--exclude-standard", env=env, timeout=GIT_TIMEOUT_S
        ).stdout
        # A path ending in "/" is a nested repository: never part of the patch, never entered;
        # a `.git` in another spelling (`.GIT/config`) is refused by `git add` and left out.
        untracked = admit_untracked(
            git.work_tree,
            [
                p
                for p in listed.split(b"\0")
                if p and not p.endswith(b"/") and not _under_git_dir(p)
            ],
        )
        if untracked:
            git.run(
                "add", "--pathspec-from-file=-", "--pathspec-file-nul",
                stdin=b"\0".join(untracked),
                env={**env, "GIT_LITERAL_PATHSPECS": "1"},
                timeout=GIT_TIMEOUT_S,
            )  # fmt: skip
        yield env


def admit_untracked(tree: Path, paths: list[bytes]) -> list[bytes]:
    """The untracked files that may join the patch: none over `MAX_UNTRACKED_BYTES`, and at most
    `MAX_UNTRACKED_FILES` (in path order); what is left out is logged as a warning."""
    kept: list[bytes] = []
    too_big: list[bytes] = []
    for path in sorted(paths):
        try:
            size = os.lstat(tree / os.fsdecode(path)).st_size
        except OSError:
            continue
        (too_big if size > MAX_UNTRACKED_BYTES else kept).append(path)
    if too_big:
        shown = ", ".join(os.fsdecode(p) for p in too_big[:5])
        log.warning(
            "left out of the patch: %d untracked file(s) over %d MiB (%s)",
            len(too_big), MAX_UNTRACKED_BYTES >> 20, shown,
        )  # fmt: skip
    if len(kept) > MAX_UNTRACKED_FILES:
        log.warning(
            "left out of the patch: %d untracked files past the first %d",
            len(kept) - MAX_UNTRACKED_FILES, MAX_UNTRACKED_FILES,
        )  # fmt: skip
        kept = kept[:MAX_UNTRACKED_FILES]
    return kept


def worktree_diff(git: HardenedGit, base: str, index: Path | None) -> bytes:
    """`git diff --binary` of everything in the work tree against commit `base`."""
    with snapshot_index(git, index) as env:
        args = ("diff", "--cached", *DIFF_OPTIONS, base, "--")
        return git.run(*args, env=env, timeout=GIT_TIMEOUT_S).stdout


def _resolve(git: HardenedGit, rev: str) -> str:
    try:
        out = git.run("rev-parse", "--verify", "--end-of-options", f"{rev}^{{commit}}")
        return out.text.strip()
    except GitError as exc:
        raise WorkspaceError(f"unknown revision {rev!r} in {git.work_tree}") from exc


def resolve_revision(repo: str | Path, rev: str) -> str | None:
    """The commit `rev` names in a local repository (None for a URL: known only once cloned);
    `WorkspaceError` when it names none."""
    user = _local_repo(repo)
    return None if user is None else _resolve(user, rev)


def uncommitted_paths(repo: str | Path) -> list[str]:
    """What `git status` shows changed, staged or untracked (not ignored) in a local repository
    ([] for a URL): what a run without --include-dirty leaves out."""
    user = _local_repo(repo)
    if user is None:
        return []
    out = user.run("status", "--porcelain", "-z", "--untracked-files=normal").text
    return sorted({entry[3:] for entry in out.split("\0") if len(entry) > 3})


def _local_repo(repo: str | Path) -> HardenedGit | None:
    """The user's repository as a trusted-config `HardenedGit`, or None when `repo` is a URL."""
    path = Path(repo).expanduser()
    if not path.exists():
        return None
    probe = HardenedGit(work_tree=path.resolve(), trust_global_config=True)
    try:
        top = probe.run("rev-parse", "--show-toplevel").text.strip()
    except GitError as exc:
        raise WorkspaceError(f"{path} is not inside a git repository") from exc
    if Path(top) == probe.work_tree:  # the usual case: its config is read once, not twice
        return probe
    return HardenedGit(work_tree=Path(top), trust_global_config=True)


class Workspace:
    """A private clone at `root`; `tree` is what the sandbox mounts; `base` is a commit sha."""

    def __init__(self, root: Path, base: str, start: str | None = None):
        self.root = root
        self.tree = root / "tree"
        self.base = base
        self.start = start or base
        """The starting point: `base`, plus the user's uncommitted changes with include_dirty."""
        self.git = HardenedGit(work_tree=self.tree, git_dir=root / "git")
        self._handover: Future[None] | None = None

    @property
    def path(self) -> Path:
        """The working tree (what the agent and the sandbox see)."""
        return self.tree

    @classmethod
    def create(
        cls,
        repo: str | Path,
        dest: Path,
        *,
        base: str | None = None,
        include_dirty: bool = False,
        sandbox_git: bool = True,
    ) -> Workspace:
        """Clone `repo` (a local path or a URL) privately into `dest` at `base` (default HEAD).

        `include_dirty` carries the user's staged, unstaged and untracked-not-ignored changes
        over as the starting point; the base stays the user's commit. `sandbox_git` gives the
        tree a disposable `.git` of its own for git commands run inside the sandbox.
        """
        dest = Path(dest)
        if dest.exists() and any(dest.iterdir()):
            raise WorkspaceError(f"workspace directory {dest} exists and is not empty")
        (dest / "tree").mkdir(parents=True)
        try:
            return cls._populate(repo, dest.resolve(), base, include_dirty, sandbox_git)
        except DevagentError:
            for child in dest.iterdir():  # leave `dest` as empty as it was given
                shutil.rmtree(child)
            raise

    @classmethod
    def reuse(
        cls,
        repo: str | Path,
        dest: Path,
        *,
        base: str | None = None,
        include_dirty: bool = False,
        sandbox_git: bool = True,
        hand_over_later: bool = False,
    ) -> Workspace:
        """`create`, except that when `dest` holds the workspace of an earlier run on the same
        local repository, it is brought to the new base in place: the user's new commits are
        fetched, only the files that differ are written, and everything the earlier run left in
        the tree (its edits, untracked and ignored files, the sandbox's `.git`) is removed.
        The tree must then match the base exactly, or `dest` is emptied and cloned anew.

        `hand_over_later`: the tree's files are final on return, while the sandbox's `.git` and
        the hand-over to the tree's owner go on on a daemon thread; `handed_over()` waits for
        them (before anything runs in the tree)."""
        dest = Path(dest).resolve()
        user = _local_repo(repo)
        if user is not None and (dest / "git").is_dir() and (dest / "tree").is_dir():
            try:
                return cls._refresh(user, dest, base, include_dirty, sandbox_git, hand_over_later)
            except (DevagentError, OSError) as exc:
                log.info("workspace %s not reusable (%s); cloning anew", dest, exc)
        if dest.exists():
            _empty(dest)
        return cls.create(
            repo, dest, base=base, include_dirty=include_dirty, sandbox_git=sandbox_git
        )

    @classmethod
    def _refresh(
        cls,
        user: HardenedGit,
        dest: Path,
        base: str | None,
        include_dirty: bool,
        sandbox_git: bool,
        hand_over_later: bool,
    ) -> Workspace:
        ws = cls(dest, "")
        trash = dest.with_name(f"{dest.name}.trash")  # beside the workspace, never in it
        _remove_later(ws.tree / ".git", trash)  # the sandbox's: never read, never kept
        ws.git.run(
            "fetch", "--quiet", "--no-tags", "--prune", "--", str(user.work_tree),
            "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*", f"+HEAD:{USER_HEAD_REF}",
            timeout=GIT_TIMEOUT_S,
        )  # fmt: skip
        # Stat data only (an owner handed to the sandbox) must not make checkout rewrite a file.
        ws.git.run("update-index", "-q", "--refresh", check=False, timeout=GIT_TIMEOUT_S)
        ws._check_out(_resolve(user, base or "HEAD"))
        if ws._leftovers():  # one walk of the tree when the earlier run left nothing behind
            ws.git.run("clean", "--quiet", "-ffdx", timeout=GIT_TIMEOUT_S)
            ws._verify_pristine()
        return ws._finish(user, include_dirty, sandbox_git, hand_over_later)

    @classmethod
    def _populate(
        cls, repo: str | Path, dest: Path, base: str | None, include_dirty: bool, sandbox_git: bool
    ) -> Workspace:
        user = _local_repo(repo)
        if include_dirty and user is None:
            raise WorkspaceError("--include-dirty needs a local repository, not a URL")
        ws = cls._clone(str(user.work_tree) if user else str(repo), dest)
        ws._check_out(_resolve(user or ws.git, base or "HEAD"))
        return ws._finish(user, include_dirty, sandbox_git)

    def _finish(
        self, user: HardenedGit | None, include_dirty: bool, sandbox_git: bool, later: bool = False
    ) -> Self:
        """The user's uncommitted changes (with include_dirty), the start ref, the sandbox's
        `.git`, and the tree handed to its owner (those two on a daemon thread when `later`)."""
        if include_dirty and user is not None:
            dirty = worktree_diff(user, self.base, _index_path(user))
            if dirty:
                self.apply(dirty.decode("utf-8", "surrogateescape"))
                self.start = self._commit_tree("devagent: the user's uncommitted changes")
        self.git.run("update-ref", START_REF, self.start)
        branch = _branch_name(user) if sandbox_git else None
        if later:
            self._handover = in_background(self._hand_over, branch)
        else:
            self._hand_over(branch)
        return self

    def _hand_over(self, branch: str | None) -> None:
        """The sandbox's `.git` (on `branch`; None: none) and the tree given to its owner."""
        if branch is not None:
            self._init_sandbox_git(branch)
        self._restore_ownership()

    def handed_over(self) -> None:
        """Wait until the tree is the sandbox's (see `reuse`'s `hand_over_later`); raises what
        the hand-over raised."""
        if self._handover is not None:
            self._handover.result()

    def _leftovers(self) -> bytes:
        """What the tree holds besides the base: modified, untracked and ignored entries, as
        `git status -z` lists them (this also brings the index's stat data up to date)."""
        args = ("status", "--porcelain", "-z", "--ignored", "--untracked-files=all")
        return self.git.run(*args, timeout=GIT_TIMEOUT_S).stdout

    def _verify_pristine(self) -> None:
        """The tree must hold exactly the base: nothing modified, untracked or ignored."""
        left = self._leftovers()
        if left:
            shown = left.decode("utf-8", "replace").replace("\0", " ")[:200]
            raise WorkspaceError(f"the tree does not match the starting point: {shown}")

    @classmethod
    def _clone(cls, source: str, dest: Path) -> Workspace:
        try:
            cloner = HardenedGit(work_tree=dest)
            cloner.run("clone", "--quiet", "--bare", "--", source, str(dest / "git"))
        except GitError as exc:
            message = redact_urls(f"could not clone {source}: {exc.stderr.strip()}")
            raise WorkspaceError(message) from None  # the cause may show a credentialed URL
        ws = cls(dest, "")
        ws.git.run("config", "core.bare", "false")
        _write_excludes(dest / "git")
        return ws

    def _check_out(self, base: str) -> None:
        if self.git.run("cat-file", "-e", f"{base}^{{commit}}", check=False).returncode:
            raise WorkspaceError(f"base commit {base} is missing from the clone")
        self.base = self.start = base
        self.git.run("update-ref", BASE_REF, base)
        self.git.run("checkout", "--quiet", "--force", "--detach", base)

    def listing(self) -> dict[str, str]:
        """Path -> "<mode> <blob id>" of every file of the starting point: what the tree holds
        before anything runs in it (`git ls-tree -r`; submodules left out)."""
        out = self.git.run("ls-tree", "-r", "-z", "--full-tree", self.start).stdout
        listing = {}
        for record in out.split(b"\0"):
            meta, _, path = record.partition(b"\t")
            mode, kind, blob = meta.decode().split(" ") if meta else ("", "", "")
            if kind == "blob":
                listing[path.decode("utf-8", "surrogateescape")] = f"{mode} {blob}"
        return listing

    def base_date(self) -> str:
        """The base commit's committer date (ISO 8601): what the environment is resolved as of."""
        return self.git.run("show", "-s", "--format=%cI", self.base).text.strip()

    @classmethod
    def open(cls, root: Path) -> Workspace:
        """Reattach to a workspace made by `create` (its base and start are kept as refs)."""
        ws = cls(Path(root).resolve(), "")
        try:
            ws.base = ws.git.run("rev-parse", "--verify", BASE_REF).text.strip()
            ws.start = ws.git.run("rev-parse", "--verify", START_REF).text.strip()
        except GitError as exc:
            raise WorkspaceError(f"{root} is not a devagent workspace") from exc
        return ws

    def _init_sandbox_git(self, branch: str) -> None:
        """A fresh, independent `.git` in the tree for the sandbox, at the starting point, so
        that its `git status`/`git diff` show only the agent's work.

        It holds the starting point and its ancestors only: no other branch, tag, stash,
        remote-tracking ref or reflog, and no object past the base (an agent that could read a
        later commit could copy the upstream fix). `fetch` packs just the objects reachable from
        the one ref asked for, and copies them (never hard links: the sandbox owns these files
        and must not reach the user's objects)."""
        pristine = self._pristine
        kept = HardenedGit(work_tree=self.tree, git_dir=pristine)
        if not self._is_at_start(kept, branch):  # else the run before made it just so
            self._bring_to_start(kept, branch)
        shutil.copytree(pristine, self.tree / ".git", symlinks=True)
        if self.start == self.base:  # the host's index describes this very tree
            shutil.copy2(self._index, self.tree / ".git" / "index")
        else:
            HardenedGit(work_tree=self.tree, git_dir=self.tree / ".git").run("reset", "--quiet")
        _write_excludes(self.tree / ".git")

    def _bring_to_start(self, kept: HardenedGit, branch: str) -> None:
        """Make the kept sandbox repository hold the starting point on `branch` and nothing
        else (see `_init_sandbox_git`)."""
        if not self._extends(kept):
            _remove(self._pristine)
            kept.run("init", "--quiet", f"--initial-branch={branch}")
            kept.run("config", "--unset", "core.worktree", check=False)  # the copy sits in the tree
        kept.run(
            "fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "--update-head-ok",
            "--", str(self.root / "git"), f"+{START_REF}:refs/heads/{branch}",
        )  # fmt: skip
        kept.run("symbolic-ref", "HEAD", f"refs/heads/{branch}")
        refs = kept.run("for-each-ref", "--format=%(refname)").text.split()
        for ref in refs:
            if ref != f"refs/heads/{branch}":
                kept.run("update-ref", "-d", ref)
        kept.run("reflog", "expire", "--expire=all", "--all")

    def _is_at_start(self, kept: HardenedGit, branch: str) -> bool:
        """Whether the kept sandbox repository is already what `_bring_to_start` makes: its
        only ref `branch` at the starting point, HEAD on it (an earlier run started here too;
        the repository is the host's own, never mounted, so nothing else changed it)."""
        if not (kept.git_dir and (kept.git_dir / "HEAD").is_file()):
            return False
        refs = kept.run("for-each-ref", "--format=%(refname) %(objectname)", check=False).text
        head = kept.run("symbolic-ref", "--quiet", "HEAD", check=False).text.strip()
        return refs.splitlines() == [f"refs/heads/{branch} {self.start}"] and head == (
            f"refs/heads/{branch}"
        )

    def _extends(self, kept: HardenedGit) -> bool:
        """Whether the kept sandbox repository holds only ancestors of the starting point (then
        fetching the start into it adds nothing later than the start)."""
        if not (kept.git_dir and (kept.git_dir / "HEAD").is_file()):
            return False
        heads = kept.run("for-each-ref", "--format=%(objectname)", check=False).text.split()
        return all(
            self.git.run("merge-base", "--is-ancestor", head, self.start, check=False).returncode
            == 0
            for head in heads
        )

    def _commit_tree(self, message: str) -> str:
        """A commit (on top of `base`) of the work tree as it is; no ref or index changes."""
        with snapshot_index(self.git, self._index) as env:
            tree = self.git.run("write-tree", env=env).text.strip()
        args = ("commit-tree", tree, "-p", self.base, "-m", message)
        return self.git.run(*args, env=IDENTITY).text.strip()

    @property
    def _pristine(self) -> Path:
        """The sandbox repository as the host keeps it (never mounted); the tree gets a copy."""
        return self.root / "sandbox-git"

    @property
    def _index(self) -> Path:
        return self.root / "git" / "index"

    def diff(self, *, since_start: bool = False) -> str:
        """The patch: the work tree against the base, binary-safe, untracked files included.

        `since_start=True` leaves out the user's carried-over uncommitted changes (the patch to
        apply to their tree, which already has them). Undecodable bytes are kept as surrogates;
        `to_bytes` restores them exactly."""
        against = self.start if since_start else self.base
        return worktree_diff(self.git, against, self._index).decode("utf-8", "surrogateescape")

    def diff_of(self, tree: Path) -> str:
        """The patch of another work tree (a fork's copy of this one) against the starting
        point, made like `diff(since_start=True)` by host-side git; this workspace's index is
        only read (its stat data does not match the copy, so every file of the copy is hashed:
        cost grows with the tree's size)."""
        git = HardenedGit(work_tree=tree, git_dir=self.root / "git")
        return worktree_diff(git, self.start, self._index).decode("utf-8", "surrogateescape")

    def dirty_diff(self) -> str:
        """The person's carried-over uncommitted changes: the starting point against the base
        ("" without include_dirty, or when there were none)."""
        if self.start == self.base:
            return ""
        args = ("diff", *DIFF_OPTIONS, self.base, self.start, "--")
        out = self.git.run(*args, timeout=GIT_TIMEOUT_S).stdout
        return out.decode("utf-8", "surrogateescape")

    def changed_since(self, commit: str) -> list[str] | None:
        """Paths that differ between `commit` and the starting point, sorted (None: `commit` is
        not in this workspace's repository)."""
        args = ("diff", "--name-only", "-z", "--no-renames", "--no-ext-diff", "--no-textconv")
        done = self.git.run(*args, commit, self.start, "--", check=False, timeout=GIT_TIMEOUT_S)
        if done.returncode != 0:
            return None
        return sorted(p for p in done.text.split("\0") if p)

    def changed_files(self) -> list[str]:
        """Paths (relative to the tree) that differ from the base, sorted."""
        with snapshot_index(self.git, self._index) as env:
            args = ("diff", "--cached", "--name-only", "-z", "--no-renames", "--no-ext-diff")
            out = self.git.run(*args, "--ignore-submodules=all", self.base, env=env).text
        return sorted(p for p in out.split("\0") if p)

    def reset_to(self, patch: str, *, since_start: bool = False) -> None:
        """Make the tree exactly base + `patch` (ignored files, e.g. build output, are kept);
        `since_start`: the starting point (the person's carried-over changes) + `patch`."""
        self.git.run("reset", "--quiet", "--hard", self.base)
        self.git.run("clean", "--quiet", "--force", "-d")
        for part in (self.dirty_diff() if since_start else "", patch):
            if part:
                self.apply(part)
        self._restore_ownership()

    def apply(self, patch: str) -> None:
        """Apply `patch` to the work tree as it is now; `WorkspaceError` when it does not apply."""
        try:
            self.git.run("apply", "--binary", "--whitespace=nowarn", "-", stdin=to_bytes(patch))
        except GitError as exc:
            raise WorkspaceError(f"patch does not apply to the workspace: {exc.stderr}") from exc
        self._restore_ownership()

    def _restore_ownership(self) -> None:
        """Give what host-side git (running as root) just wrote back to the tree's owner (the
        sandbox user, once the sandbox has taken the tree over), so the sandbox can edit it.
        Only root-owned entries change hands (`chown --from`), symlinks themselves, never their
        targets; one pass in C instead of a stat per file here."""
        owner = self.tree.stat()
        if os.geteuid() != 0 or owner.st_uid == 0:
            return
        command = ["chown", "-R", "-P", "-h", "--from=0:0", f"{owner.st_uid}:{owner.st_gid}"]
        done = subprocess.run(
            [*command, "--", str(self.tree)], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise WorkspaceError(f"cannot hand the tree back to its owner: {done.stderr[-300:]}")


# Build and tool litter that commands in the sandbox leave behind; never part of a patch.
EXCLUDES = (
    "__pycache__/",
    "*.py[cod]",
    ".pytest_cache/",
    ".mypy_cache/",
    ".ruff_cache/",
    ".tox/",
    ".nox/",
    "*.egg-info/",
    ".coverage",
    "node_modules/",
    ".npm/",
    ".cache/",
)


def _write_excludes(git_dir: Path) -> None:
    info = git_dir / "info"
    info.mkdir(exist_ok=True)
    with open(info / "exclude", "a") as f:
        f.write("\n# devagent: never part of a patch\n" + "\n".join(EXCLUDES) + "\n")


def _under_git_dir(path: bytes) -> bool:
    parts = path.decode("utf-8", "surrogateescape").split("/")
    return any(is_git_dir_name(part) for part in parts)


def _index_path(git: HardenedGit) -> Path:
    rel = git.run("rev-parse", "--git-path", "index").text.strip()
    return (git.work_tree / rel).resolve()


def _remove_later(path: Path, trash: Path) -> None:
    """Take a directory `path` away at once (a rename into `trash`, on the same file system)
    and delete it on a daemon thread with whatever else `trash` holds (what a process cut short
    left there); anything else at `path` is removed now."""
    if path.is_dir() and not path.is_symlink():
        trash.mkdir(exist_ok=True)
        path.rename(trash / f"{os.getpid()}-{time.monotonic_ns()}")
    else:
        _remove(path)
    if trash.is_dir():
        in_background(shutil.rmtree, trash, ignore_errors=True)


def _remove(path: Path) -> None:
    """Remove `path` whatever it is (a symlink is removed, never followed)."""
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)


def _empty(path: Path) -> None:
    for child in path.iterdir():
        _remove(child)


def _branch_name(user: HardenedGit | None) -> str:
    if user is None:
        return "main"
    result = user.run("symbolic-ref", "--quiet", "--short", "HEAD", check=False)
    return result.text.strip() or "main"
