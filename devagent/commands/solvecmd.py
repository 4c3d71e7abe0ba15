"""What one `devagent solve` is asked to do, typed: the flags of `solve` (and what `ci` fills in
for them) as one value, so no command builds another's `argparse.Namespace` by hand."""

from __future__ import annotations

import argparse
import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

from devagent.deliverypolicy import DEFAULT_MAX_DELETIONS
from devagent.forge.github import DEFAULT_API_URL

DEFAULT_AUTHOR = "devagent <devagent@users.noreply.github.com>"
"""The commit author of a delivered patch unless --author says otherwise."""


@dataclass
class SolveCommand:
    """A solve and its delivery. Field names are the flags' destinations."""

    issue: str
    """A Markdown file, '-' for stdin, or gh:OWNER/REPO#N ("" with --resume)."""
    repo: str = "."
    base: str | None = None
    include_dirty: bool = False
    model: str | None = None
    base_url: str | None = None
    tool_protocol: str | None = None
    test: list[str] = field(default_factory=list)
    max_steps: int | None = None
    max_tokens: int | None = None
    max_usd: float | None = None
    max_time: str | None = None
    attempts: int | None = None
    """--attempts N: parallel attempts (None: the settings' `agent.attempts`)."""
    image: str | None = None
    network: bool | str | None = None
    """--network: True, or `allow:LIST`."""
    runtime: str | None = None
    """--runtime: Docker runtime of the sandbox, e.g. runsc (None: the settings')."""
    out: Path | None = None
    json: bool = False
    apply: bool = False
    branch: str | None = None
    checkout: bool = False
    pr: bool = False
    remote: str = "origin"
    base_branch: str | None = None
    author: str = DEFAULT_AUTHOR
    allow_sensitive: bool = False
    max_deletions: int = DEFAULT_MAX_DELETIONS
    github_api_url: str = field(
        default_factory=lambda: os.environ.get("GITHUB_API_URL", DEFAULT_API_URL)
    )
    headless: bool = False
    """No one to ask (CI): a delivery that needs a yes is refused instead."""
    quiet: bool = False
    """-q: no progress and no live view; the result and errors only."""
    events: str | None = None
    """`jsonl`: stdout carries only events, one JSON object per line, the result last."""
    resume: Path | None = None
    """A run folder to go on from (the issue, repo, base, image and model are the run's)."""
    verbose: bool = False
    """-v: the whole image build log on the screen too (it is always in OUT/image-build.log)."""

    @classmethod
    def from_args(cls, args: argparse.Namespace, **given: object) -> SolveCommand:
        """The command from parsed flags (those this class knows), `given` winning."""
        names = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in vars(args).items() if k in names}
        spilled = getattr(args, "issue_after_network", None)  # `--network issue.md`
        if spilled and not values.get("issue"):
            values["issue"] = spilled
        return cls(**{**values, **given})  # type: ignore[arg-type]
