"""Delivery flags of `solve` (--apply, --branch, --pr and their options) and the checks made on
them before any work; carrying the delivery out is `devagent.commands.deliver`."""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from devagent.commands.solvecmd import DEFAULT_AUTHOR, SolveCommand
from devagent.deliverypolicy import DEFAULT_MAX_DELETIONS
from devagent.errors import DevagentError
from devagent.forge.github import DEFAULT_API_URL

if TYPE_CHECKING:
    from devagent.delivery import Author


def add_flags(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("delivery (the user's repo is untouched without these)")
    g.add_argument("--apply", action="store_true", help="apply a solved patch to the working tree")
    g.add_argument("--branch", metavar="NAME", help="commit the patch on a new branch NAME")
    g.add_argument("--checkout", action="store_true", help="with --branch: check it out")
    g.add_argument("--pr", action="store_true", help="push a branch and open/update a pull request")
    g.add_argument("--remote", default="origin", help="the git remote --pr pushes to")
    g.add_argument("--base-branch", help="branch the PR targets (default: the current branch)")
    g.add_argument("--author", default=DEFAULT_AUTHOR, help="'Name <email>' of the commit")
    g.add_argument(
        "--allow-sensitive",
        action="store_true",
        help="deliver without asking even when the patch changes CI workflows, devagent's "
        "config, git hooks, deletes many files or adds invisible characters",
    )
    g.add_argument(
        "--max-deletions",
        type=int,
        default=DEFAULT_MAX_DELETIONS,
        metavar="N",
        help=f"more deleted files than N needs your yes (default {DEFAULT_MAX_DELETIONS})",
    )
    g.add_argument(
        "--github-api-url",
        default=os.environ.get("GITHUB_API_URL", DEFAULT_API_URL),
        help="GitHub (Enterprise) REST API URL",
    )


def parse_author(text: str) -> Author:
    from devagent.delivery import Author  # git and the workspace: only once a run is asked for

    match = re.fullmatch(r"\s*(.+?)\s*<([^<>@\s]+@[^<>\s]+)>\s*", text)
    if match is None:
        raise DevagentError(f"--author must look like 'Name <email>', got {text!r}")
    return Author(match[1], match[2])


def check_flags(args: SolveCommand, repo: Path | None) -> None:
    """Refuse impossible delivery requests before any work is done."""
    wants = [flag for flag in ("apply", "branch", "pr") if getattr(args, flag)]
    if wants and repo is None:
        raise DevagentError(f"--{wants[0]} needs --repo to be a local git repository")
    if args.pr and not os.environ.get("GITHUB_TOKEN"):
        raise DevagentError("--pr needs GITHUB_TOKEN in the environment")
    if args.checkout and not args.branch:
        raise DevagentError("--checkout goes with --branch NAME")
    parse_author(args.author)
