"""What in a patch needs a person's yes before it is delivered. Pure: reads the diff text only.

A patch is the model's work, and the model read hostile text (the issue, the repository). Some
changes are worth a look from a person however good the run was: CI workflows (they run with the
repository's secrets), devagent's own config and instruction files, git hooks and attributes, a
mass deletion, and invisible or bidirectional characters (text that reads differently from what
it does). `ci` and headless runs refuse such a patch; a person at a terminal is asked; the
`--allow-sensitive` flag says yes up front. The pull request body lists every concern.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fnmatch import fnmatchcase

SENSITIVE_PATHS: tuple[tuple[str, str], ...] = (
    (".github/workflows/*", "a CI workflow"),
    (".github/actions/*", "a CI action"),
    (".gitlab-ci.yml", "a CI pipeline"),
    (".circleci/*", "a CI pipeline"),
    (".travis.yml", "a CI pipeline"),
    ("azure-pipelines.yml", "a CI pipeline"),
    ("Jenkinsfile", "a CI pipeline"),
    (".buildkite/*", "a CI pipeline"),
    ("devagent.toml", "devagent's config"),
    (".devagent/*", "devagent's config"),
    ("AGENTS.md", "instructions for agents"),
    ("CLAUDE.md", "instructions for agents"),
    (".githooks/*", "a git hook"),
    (".husky/*", "a git hook"),
    (".pre-commit-config.yaml", "pre-commit hooks"),
    (".gitattributes", "git attributes (filters, diff and merge drivers)"),
    (".gitmodules", "git submodules"),
)
"""(glob on the repository path, what it is); '*' also crosses folders."""

INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u00ad]")
"""Zero-width characters, bidirectional controls, word joiners, the BOM and the soft hyphen."""

DEFAULT_MAX_DELETIONS = 20
"""More deleted files than this in one patch is a mass deletion."""


@dataclass(frozen=True)
class Concern:
    path: str
    what: str

    def __str__(self) -> str:
        return f"{self.path}: {self.what}"


def review_patch(patch: str, *, max_deletions: int = DEFAULT_MAX_DELETIONS) -> list[Concern]:
    """Every concern about `patch` (a git diff), in file order; [] when it can go as it is."""
    concerns: list[Concern] = []
    deleted: list[str] = []
    for path, is_deleted, added in _files(patch):
        for pattern, what in SENSITIVE_PATHS:
            if fnmatchcase(path, pattern) or fnmatchcase(path, f"*/{pattern}"):
                concerns.append(Concern(path, f"changes {what}"))
                break
        if is_deleted:
            deleted.append(path)
        hidden = sorted({f"U+{ord(c):04X}" for line in added for c in INVISIBLE.findall(line)})
        if hidden:
            concerns.append(
                Concern(path, f"adds invisible or bidi characters ({', '.join(hidden)})")
            )
    if len(deleted) > max_deletions:
        concerns.append(Concern(f"{len(deleted)} files", f"deleted (over {max_deletions})"))
    return concerns


def _files(patch: str) -> list[tuple[str, bool, list[str]]]:
    """(path, deleted, added lines) per file of a git diff."""
    files: list[tuple[str, bool, list[str]]] = []
    path, deleted, added = "", False, list[str]()
    for line in patch.splitlines():
        if line.startswith("diff --git "):
            if path:
                files.append((path, deleted, added))
            path, deleted, added = _git_path(line), False, []
        elif line.startswith("deleted file mode"):
            deleted = True
        elif line.startswith("+++ b/"):
            path = line[6:]
        elif line.startswith("+") and not line.startswith("+++"):
            added.append(line[1:])
    if path:
        files.append((path, deleted, added))
    return files


def _git_path(line: str) -> str:
    rest = line[len("diff --git ") :]
    return rest.split(" b/", 1)[1] if " b/" in rest else rest
