"""Delivery of a finished patch into the user's repository: their tree, a branch, a remote.

Every git call goes through `HardenedGit` (hooks, fsmonitor, external diff and credential
helpers off). `apply_to_tree` checks before it writes and refuses, changing nothing, when the patch
conflicts. `commit_to_branch` builds the commit in a temporary index with `commit-tree`, so the
user's checkout, index and HEAD are never touched. `push_branch` sends the token as an HTTP header
through the environment: it is never in argv, a URL, a log record or an error message.
"""

from __future__ import annotations

import base64
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from devagent.errors import DevagentError
from devagent.gitcmd import GitError, HardenedGit, redact_urls
from devagent.workspace import to_bytes

log = logging.getLogger(__name__)

SUBJECT_LIMIT = 72
PUSH_TIMEOUT_S = 300.0


class DeliveryError(DevagentError):
    """The patch could not be delivered; nothing in the user's repository was changed."""


@dataclass(frozen=True)
class Author:
    name: str
    email: str


@dataclass(frozen=True)
class ApplyResult:
    files: list[str]
    """Paths the patch touched, relative to the repository root."""
    three_way: bool
    """True when a plain apply failed and the three-way merge was used."""


def user_git(
    user_repo: Path, *, secrets: tuple[str, ...] = (), config_env: dict[str, str] | None = None
) -> HardenedGit:
    """`HardenedGit` at the top level of the user's repository (their global config trusted)."""
    probe = HardenedGit(work_tree=Path(user_repo).resolve(), trust_global_config=True)
    try:
        top = probe.run("rev-parse", "--show-toplevel").text.strip()
    except GitError as exc:
        raise DeliveryError(f"{user_repo} is not inside a git repository") from exc
    return HardenedGit(
        work_tree=Path(top), trust_global_config=True, secrets=secrets, config_env=config_env or {}
    )


def _touched(git: HardenedGit, data: bytes) -> list[str]:
    out = git.run("apply", "--numstat", "-z", "-", stdin=data).text
    return [entry.split("\t", 2)[2] for entry in out.split("\0") if entry.count("\t") >= 2]


def _dirty(git: HardenedGit, paths: list[str]) -> list[str]:
    args = ("status", "--porcelain", "-z", "--untracked-files=all", "--", *paths)
    out = git.run(*args, env={"GIT_LITERAL_PATHSPECS": "1"}).text
    return sorted({entry[3:] for entry in out.split("\0") if len(entry) > 3})


def _three_way_applies(git: HardenedGit, data: bytes) -> bool:
    """Dry run of `git apply --3way` in a throw-away index: does it merge without conflicts?"""
    with tempfile.TemporaryDirectory(prefix="devagent-index-") as tmp:
        env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
        git.run("read-tree", "HEAD", env=env)
        args = ("apply", "--cached", "--3way", "--binary", "-")
        return git.run(*args, stdin=data, env=env, check=False).returncode == 0


def apply_to_tree(user_repo: Path, patch: str) -> ApplyResult:
    """Apply `patch` to the user's working tree, three-way when a plain apply does not fit.

    Refuses with `DeliveryError`, touching nothing, when the patch conflicts with the tree or
    with the user's uncommitted changes. A three-way apply leaves the user's index as it was."""
    git, data = user_git(user_repo), to_bytes(patch)
    if not data.strip():
        raise DeliveryError("the patch is empty: nothing to apply")
    try:
        files = _touched(git, data)
    except GitError as exc:
        raise DeliveryError(f"not a valid patch: {exc.stderr.strip()}") from exc
    if git.run("apply", "--check", "--binary", "-", stdin=data, check=False).returncode == 0:
        git.run("apply", "--binary", "-", stdin=data)
        return ApplyResult(files=files, three_way=False)
    dirty = _dirty(git, files)
    if dirty:
        raise DeliveryError(
            f"the patch conflicts with uncommitted changes in {', '.join(dirty)}; nothing was "
            "changed. Commit or stash them and retry, or deliver with --branch instead."
        )
    if not _three_way_applies(git, data):
        raise DeliveryError(
            f"the patch does not apply to your tree, even three-way (files: {', '.join(files)}); "
            "nothing was changed. Deliver it with --branch and merge it yourself."
        )
    git.run("apply", "--3way", "--binary", "-", stdin=data)
    git.run("reset", "--quiet", "--", *files, env={"GIT_LITERAL_PATHSPECS": "1"})
    return ApplyResult(files=files, three_way=True)


def is_checked_out(user_repo: Path, branch: str) -> bool:
    """Whether `branch` is checked out in any worktree of the user's repository (delivery
    would refuse to replace it)."""
    return f"refs/heads/{branch}" in _checked_out_branches(user_git(user_repo))


def _checked_out_branches(git: HardenedGit) -> set[str]:
    out = git.run("worktree", "list", "--porcelain").text
    return {line.removeprefix("branch ") for line in out.splitlines() if line.startswith("branch ")}


def _build_commit(git: HardenedGit, parent: str, data: bytes, message: str, author: Author) -> str:
    with tempfile.TemporaryDirectory(prefix="devagent-index-") as tmp:
        env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
        git.run("read-tree", parent, env=env)
        applied = git.run("apply", "--cached", "--binary", "-", stdin=data, env=env, check=False)
        if applied.returncode != 0:
            three_way = ("apply", "--cached", "--3way", "--binary", "-")
            if git.run(*three_way, stdin=data, env=env, check=False).returncode != 0:
                raise DeliveryError(f"the patch does not apply to {parent[:12]}: {applied.stderr}")
        tree = git.run("write-tree", env=env).text.strip()
    ident = {
        "GIT_AUTHOR_NAME": author.name,
        "GIT_AUTHOR_EMAIL": author.email,
        "GIT_COMMITTER_NAME": author.name,
        "GIT_COMMITTER_EMAIL": author.email,
    }
    args = ("commit-tree", tree, "-p", parent, "-F", "-")
    return git.run(*args, stdin=message.encode(), env=ident).text.strip()


def commit_to_branch(
    user_repo: Path,
    patch: str,
    branch: str,
    message: str,
    author: Author,
    *,
    base: str = "HEAD",
) -> str:
    """Commit `patch` on top of `base` as branch `branch` in the user's repo; return the sha.

    The branch is created, or replaced when it exists (a re-run for the same issue), but never
    checked out; the user's checkout, index and HEAD are untouched. A branch checked out in any
    worktree is refused. When the branch already holds the same change, its sha is returned."""
    git = user_git(user_repo)
    ref = f"refs/heads/{branch}"
    if git.run("check-ref-format", ref, check=False).returncode != 0:
        raise DeliveryError(f"{branch!r} is not a valid branch name")
    if ref in _checked_out_branches(git):
        raise DeliveryError(f"branch {branch} is checked out; choose another --branch name")
    try:
        parent = git.run("rev-parse", "--verify", "--end-of-options", f"{base}^{{commit}}").text
    except GitError as exc:
        raise DeliveryError(f"unknown base revision {base!r}") from exc
    sha = _build_commit(git, parent.strip(), to_bytes(patch), message, author)
    old = git.run("rev-parse", "--verify", "--quiet", ref, check=False).text.strip()
    if old and _same_change(git, old, sha):
        return old
    git.run("update-ref", "-m", "devagent: deliver patch", ref, sha, *([old] if old else []))
    log.info("committed %s on branch %s", sha[:12], branch)
    return sha


def _same_change(git: HardenedGit, old: str, new: str) -> bool:
    """Same tree, same parents and same message: the second run produced nothing new."""
    fmt = ("log", "-1", "--format=%T %P%n%B")
    return git.run(*fmt, old).stdout == git.run(*fmt, new).stdout


def push_branch(
    user_repo: Path, branch: str, remote: str = "origin", token: str | None = None
) -> None:
    """Push `branch` to `remote`, replacing the remote branch (it is devagent's own branch).

    `token` goes out as an `Authorization` header (GitHub accepts basic auth as
    `x-access-token:<token>`), set through the environment and scoped to the push URL's host;
    it never appears in argv, logs or errors. Non-HTTP remotes never receive it."""
    config_env: dict[str, str] = {}
    secrets: tuple[str, ...] = ()
    if token:
        basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
        secrets = (token, basic)
        url = remote if "://" in remote else _push_url(user_repo, remote)
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.hostname:
            origin = f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")
            config_env = {f"http.{origin}/.extraheader": f"Authorization: Basic {basic}"}
    git = user_git(user_repo, config_env=config_env, secrets=secrets)
    refspec = f"+refs/heads/{branch}:refs/heads/{branch}"
    try:
        git.run("push", "--quiet", "--porcelain", "--", remote, refspec, timeout=PUSH_TIMEOUT_S)
    except GitError as exc:
        raise DeliveryError(
            f"push of {branch} to {remote} failed: {redact_urls(exc.stderr.strip())}"
        ) from None  # the cause could still name a remote URL with credentials in it
    log.info("pushed %s to %s", branch, remote)


def _push_url(user_repo: Path, remote: str) -> str:
    try:
        return user_git(user_repo).run("remote", "get-url", "--push", "--", remote).text.strip()
    except GitError as exc:
        raise DeliveryError(f"the repository has no remote {remote!r}") from exc


def check_out_branch(user_repo: Path, branch: str) -> None:
    """Switch the user's checkout to `branch` (only when they asked for it); git refuses, and so
    do we, when their uncommitted changes would be overwritten."""
    try:
        user_git(user_repo).run("checkout", "--quiet", branch, "--")
    except GitError as exc:
        raise DeliveryError(f"could not check out {branch}: {exc.stderr.strip()}") from exc


def remote_url(user_repo: Path, remote: str = "origin") -> str:
    """The URL of `remote` in the user's repo (e.g. to tell which GitHub repository it is)."""
    try:
        return user_git(user_repo).run("remote", "get-url", "--", remote).text.strip()
    except GitError as exc:
        raise DeliveryError(f"the repository has no remote {remote!r}") from exc


def commit_message(
    issue_title: str, *, status: str, summary: str = "", issue_ref: str | None = None
) -> str:
    """A commit message from the issue and the result; `Closes` only when the run was solved."""
    subject = " ".join(issue_title.split()) or "devagent patch"
    if len(subject) > SUBJECT_LIMIT:
        subject = subject[: SUBJECT_LIMIT - 1].rstrip() + "…"
    parts = [subject]
    if summary.strip():
        parts.append(summary.strip())
    trailer = f"devagent run status: {status}"
    if issue_ref:
        trailer = f"{'Closes' if status == 'solved' else 'Refs'} {issue_ref}\n{trailer}"
    parts.append(trailer)
    return "\n\n".join(parts) + "\n"
