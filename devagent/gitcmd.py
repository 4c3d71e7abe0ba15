"""The hardened host-side git command: every repo-controlled way to run code is switched off.

Every git process devagent starts on a workspace or on the user's repository goes through
`HardenedGit.run`. It uses `subprocess` with an explicit environment rather than GitPython's
`Git.execute`, because the latter always merges `os.environ` into the child's environment and so
cannot keep `GIT_*` variables (`GIT_DIR`, `GIT_EXEC_PATH`, `GIT_SSH_COMMAND`...) from leaking in.

What is switched off, on the command line (which wins over every config file, included ones):
hooks (`core.hooksPath=/dev/null`: not a directory, so no hook can ever be found there),
`core.fsmonitor`, `diff.external`, the pager, credential helpers, the `ext::` transport, and
submodule recursion. Diff commands also get `--no-ext-diff --no-textconv` from the callers. The
environment is rebuilt from scratch: `GIT_CONFIG_NOSYSTEM=1`, `GIT_TERMINAL_PROMPT=0`, and, unless
the global config is trusted (the user's own repository), `GIT_CONFIG_GLOBAL=/dev/null`.

Secrets (a push token) travel in `GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_n`/`GIT_CONFIG_VALUE_n`, so they
appear neither in argv (visible in `ps`) nor in logs, and every error text is scrubbed of them.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from devagent.errors import DevagentError

log = logging.getLogger(__name__)

HARDENING: tuple[str, ...] = (
    "core.hooksPath=/dev/null",
    "core.fsmonitor=false",
    "core.untrackedCache=false",
    "diff.external=",
    "core.pager=cat",
    "credential.helper=",
    "protocol.ext.allow=never",
    "submodule.recurse=false",
    "status.submoduleSummary=false",
    "gc.auto=0",
    "maintenance.auto=false",
    "commit.gpgSign=false",
    "tag.gpgSign=false",
    "log.showSignature=false",
)
"""`-c` settings given to every git call; they override any value a config file sets."""


COMMAND_KEYS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), safe)
    for pattern, safe in (
        (r"filter\..+\.(clean|smudge|process)", ""),
        (r"filter\..+\.required", "false"),
        (r"merge\..+\.driver", "false"),
        (r"diff\..+\.(command|textconv)", ""),
        (r"core\.(sshcommand|askpass|alternaterefscommand)", ""),
        (r"(core|sequence)\.editor", "false"),
        (r"gpg\.(.+\.)?program", "false"),
        (r"gpg\.ssh\.defaultkeycommand", "false"),
        (r"uploadpack\.packobjectshook", ""),
        (r"interactive\.difffilter", ""),
        (r"submodule\..+\.update", "none"),
        (r"pager\..+", "false"),
        (r"(browser|man|difftool|mergetool)\..+\.cmd", "false"),
        (r"web\.browser", "false"),
        (r"sendemail\..*(cmd|command)", ""),
    )
)
"""Config keys (lower-case, as `git config --list` prints them) whose value git runs as a
command, each with the value that makes it harmless: an empty filter or textconv is no filter, a
merge driver of `false` is a conflict (never a silent merge). A repository's own `.git/config`
(and the user's global config, which a committed `.gitattributes` can name) may set any of them;
a `-c` on the command line wins over all files."""

UNOVERRIDABLE_KEYS = re.compile(r"core\.gitproxy")
"""Multi-valued keys where the first value found wins, so a `-c` cannot take their place: a
repository that sets one is refused by name. (`remote.<r>.receivepack`/`uploadpack` are such keys
too, but the commands that read them take the program as an option: see `PACK_PROGRAMS`.)"""

PACK_PROGRAMS: dict[str, str] = {
    "push": "--receive-pack=git-receive-pack",
    "fetch": "--upload-pack=git-upload-pack",
    "pull": "--upload-pack=git-upload-pack",
    "ls-remote": "--upload-pack=git-upload-pack",
    "clone": "--upload-pack=git-upload-pack",
}
"""The option that replaces a remote's configured pack program (first-wins config, so `-c`
cannot), added to every such command."""


class GitError(DevagentError):
    """A git command failed. The text carries the command and git's stderr, secrets removed."""

    def __init__(self, args: Sequence[str], returncode: int, stderr: str):
        self.git_args = list(args)
        self.returncode = returncode
        self.stderr = stderr
        super().__init__(f"git {' '.join(args[:3])} failed (exit {returncode}): {stderr.strip()}")


@dataclass(frozen=True)
class GitResult:
    returncode: int
    stdout: bytes
    stderr: str

    @property
    def text(self) -> str:
        """stdout decoded losslessly (undecodable bytes kept as surrogates)."""
        return self.stdout.decode("utf-8", "surrogateescape")


def scrub(text: str, secrets: Sequence[str]) -> str:
    """`text` with every non-empty secret replaced by `***`."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def redact_urls(text: str) -> str:
    """`text` with the credentials of any `scheme://user:secret@host` URL replaced by `***`."""
    return re.sub(r"(\w+://)[^/@\s]+@", r"\1***@", text)


@dataclass(frozen=True)
class HardenedGit:
    """Runs git on one repository with the hardening above.

    `git_dir=None` lets git discover the repository from `work_tree` (the user's own repo);
    otherwise `--git-dir`/`--work-tree` are passed, so a `.git` inside the work tree is never read.
    """

    work_tree: Path
    git_dir: Path | None = None
    trust_global_config: bool = False
    """True only for the user's own repository: their ~/.gitconfig (identity, lfs) applies."""
    secrets: tuple[str, ...] = ()
    config_env: Mapping[str, str] = field(default_factory=dict)
    """Extra config passed through the environment (never argv), e.g. an auth header."""

    def argv(self, args: Sequence[str]) -> list[str]:
        argv = ["git"]
        for setting in HARDENING:
            argv += ["-c", setting]
        for key, value in self.overrides:
            argv += ["-c", f"{key}={value}"]
        if self.git_dir is not None:
            argv += [f"--git-dir={self.git_dir}", f"--work-tree={self.work_tree}"]
        if args and args[0] in PACK_PROGRAMS:
            return [*argv, args[0], PACK_PROGRAMS[args[0]], *args[1:]]
        return argv + list(args)

    @functools.cached_property
    def overrides(self) -> tuple[tuple[str, str], ...]:
        """`hostile_overrides` of this repository, read once per instance."""
        return hostile_overrides(self)

    def environment(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LC_ALL": "C",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_ATTR_NOSYSTEM": "1",
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_NO_REPLACE_OBJECTS": "1",
            "GIT_OPTIONAL_LOCKS": "0",  # `git status` must not rewrite the user's index
        }
        if self.trust_global_config:
            for name in ("HOME", "SSH_AUTH_SOCK"):
                if name in os.environ:
                    env[name] = os.environ[name]
        else:
            env["HOME"] = "/nonexistent"
            env["GIT_CONFIG_GLOBAL"] = "/dev/null"
        if self.config_env:
            env["GIT_CONFIG_COUNT"] = str(len(self.config_env))
            for i, (key, value) in enumerate(self.config_env.items()):
                env[f"GIT_CONFIG_KEY_{i}"] = key
                env[f"GIT_CONFIG_VALUE_{i}"] = value
        env.update(extra or {})
        return env

    def run(
        self,
        *args: str,
        stdin: bytes | None = None,
        env: Mapping[str, str] | None = None,
        check: bool = True,
        timeout: float | None = None,
    ) -> GitResult:
        """Run `git <args>` in the work tree; raise `GitError` on failure when `check`, and
        always when it runs longer than `timeout` seconds."""
        log.debug("git %s", scrub(" ".join(args), self.secrets))
        try:
            proc = subprocess.run(
                self.argv(args),
                cwd=self.work_tree,
                env=self.environment(env),
                input=stdin,
                stdin=None if stdin is not None else subprocess.DEVNULL,
                capture_output=True,
                check=False,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            shown = [scrub(a, self.secrets) for a in args]
            raise GitError(shown, -1, f"timed out after {timeout} s") from None
        stderr = scrub(proc.stderr.decode("utf-8", "replace"), self.secrets)
        if check and proc.returncode != 0:
            raise GitError([scrub(a, self.secrets) for a in args], proc.returncode, stderr)
        return GitResult(proc.returncode, proc.stdout, stderr)


def hostile_overrides(git: HardenedGit) -> tuple[tuple[str, str], ...]:
    """`(key, harmless value)` for every command-valued key (`COMMAND_KEYS`) that the config
    `git` would read sets, from any file: system, global, the repository's, included ones.

    Reading config runs nothing. Raises `GitError` naming the key when one cannot be overridden
    (`UNOVERRIDABLE_KEYS`)."""
    argv = ["git", *(f"--git-dir={git.git_dir}",) * (git.git_dir is not None)]
    proc = subprocess.run(
        [*argv, "config", "--list", "--null", "--name-only"],
        cwd=git.work_tree if git.work_tree.is_dir() else None,
        env=git.environment(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        check=False,
    )
    keys = sorted({k for k in proc.stdout.decode("utf-8", "replace").split("\0") if k})
    refused = [key for key in keys if UNOVERRIDABLE_KEYS.fullmatch(key.lower())]
    if refused:
        message = (
            f"the git config of {git.work_tree} sets {', '.join(refused)}: a command devagent "
            "will not run on the host and cannot switch off; remove it (git config --unset)"
        )
        raise GitError(["config"], 1, message)
    found = []
    for key in keys:
        for pattern, safe in COMMAND_KEYS:
            if pattern.fullmatch(key.lower()):
                found.append((key, safe))
                break
    return tuple(found)


def is_branch_name(name: str) -> bool:
    """Whether git takes `name` for a new branch (`git check-ref-format --branch`), asked in an
    empty directory outside any repository, with the hardening above and no config file."""
    with tempfile.TemporaryDirectory(prefix="devagent-refname-") as scratch:
        git = HardenedGit(work_tree=Path(scratch))
        ceiling = {"GIT_CEILING_DIRECTORIES": str(Path(scratch).parent)}
        done = git.run("check-ref-format", "--branch", name, env=ceiling, check=False)
    return done.returncode == 0
