"""The checks a run's request gets before any clone, sandbox or model call: budgets, branch
names, the base revision, the output folder. Each failure is one line naming the flag."""

from __future__ import annotations

import argparse
import math
import os
from pathlib import Path

from devagent.agent.budget import parse_duration
from devagent.commands.solvecmd import SolveCommand
from devagent.delivery import is_checked_out
from devagent.errors import DevagentError
from devagent.forge.refs import is_issue_ref
from devagent.gitcmd import is_branch_name
from devagent.workspace import WorkspaceError, resolve_revision


class FlagError(DevagentError):
    """A flag's value cannot work; nothing has been done yet (the one error line names the
    flag and what is wrong with it: no hint line)."""


def check_request(args: SolveCommand, local_repo: Path | None) -> None:
    """Refuse, before any work, a solve that cannot run or deliver as asked (`FlagError`)."""
    resumed = args.resume is not None  # the issue is the run's
    if (
        not resumed
        and args.issue != "-"
        and not is_issue_ref(args.issue)
        and not Path(args.issue).is_file()
    ):
        raise FlagError(f"issue file not found: {args.issue}")
    check_budget_flags(args)
    if args.out is not None:
        check_out(args.out)
    if local_repo is None and args.include_dirty:
        raise FlagError("--include-dirty needs --repo to be a local git repository, not a URL")
    if local_repo is None and ":" not in args.repo:
        raise FlagError(f"--repo {args.repo}: no such folder (and not a URL)")
    if local_repo is not None:
        try:
            resolve_revision(local_repo, args.base or "HEAD")
        except WorkspaceError as exc:
            raise FlagError(f"{'--base' if args.base else '--repo'}: {exc}") from exc
    for flag, name in (("--branch", args.branch), ("--base-branch", args.base_branch)):
        if name is not None and not is_branch_name(name):
            raise FlagError(
                f"{flag} {name!r} is not a valid branch name (git check-ref-format --branch)"
            )
    if local_repo is not None and args.branch and is_checked_out(local_repo, args.branch):
        raise FlagError(f"--branch {args.branch} is checked out in {local_repo}; choose another")


def check_budget_flags(args: SolveCommand | argparse.Namespace) -> None:
    """Each budget given must be above 0 and finite (0 steps or NaN dollars would be reported
    only after the clone, the sandbox or the whole run)."""
    for flag in ("max_steps", "max_tokens"):
        value = getattr(args, flag, None)
        if value is not None and value <= 0:
            raise FlagError(f"{_flag(flag)} must be a whole number above 0, not {value}")
    usd = getattr(args, "max_usd", None)
    if usd is not None and not (math.isfinite(usd) and usd > 0):
        raise FlagError(f"--max-usd must be a finite number above 0, not {usd}")
    text = getattr(args, "max_time", None)
    if text is not None:
        try:
            seconds = parse_duration(text)
        except ValueError:
            seconds = math.nan
        if not (math.isfinite(seconds) and seconds > 0):
            raise FlagError(
                f"--max-time must be a duration above 0 such as 90s, 10m or 1h30m, not {text!r}"
            )


def check_out(out: Path) -> None:
    """`--out` must be a writable folder, or one that can be made (nothing is created here)."""
    problem = out_problem(out)
    if problem:
        raise FlagError(f"--out {out}: {problem}")


def out_problem(out: Path) -> str:
    """Why `out` cannot hold a run's files ("" when it can). Looks, never creates."""
    path = Path(os.path.abspath(out.expanduser()))
    if path.is_dir():
        return "" if os.access(path, os.W_OK | os.X_OK) else "the folder is not writable"
    if os.path.lexists(path):
        return "is a file, not a folder" if path.exists() else "is a broken symbolic link"
    parent = path.parent
    while not os.path.lexists(parent) and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        return f"cannot be created: {parent} is not a folder"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"cannot be created: {parent} is not writable"
    return ""


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")
