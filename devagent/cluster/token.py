"""The cluster's shared secret: a token file only its owner can read, handed to Ray by path.

Ray (2.60) checks a token on every connection when RAY_AUTH_MODE=token; each Ray process reads
it from the file named by RAY_AUTH_TOKEN_PATH. The token never appears on a command line or in
a log: `up` writes it, the operator copies the file to the other machines (or sets
DEVAGENT_CLUSTER_TOKEN for `join`, which writes it to the node's own file).
"""

from __future__ import annotations

import os
import re
import secrets
import stat
from pathlib import Path

from devagent.cluster import ClusterError

TOKEN_ENV = "DEVAGENT_CLUSTER_TOKEN"
"""For `join`: the token itself, instead of a copy of the head's file."""
_TOKEN = re.compile(r"^[0-9a-f]{32,128}$")


def new_token() -> str:
    """256 random bits, as hex."""
    return secrets.token_hex(32)


def write_token(path: Path, token: str) -> Path:
    """Write `token` to `path`, readable by its owner only (0600, in a 0700 folder when made
    here); the file is replaced whole, never left half-written or readable by others."""
    check_token(token, where=str(path))
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, token.encode())
    finally:
        os.close(fd)
    tmp.replace(path)
    return path


def check_token(token: str, *, where: str) -> str:
    if not _TOKEN.match(token):
        raise ClusterError(
            f"{where}: not a cluster token (expected hex from `devagent cluster up`)"
        )
    return token


def read_token(path: Path) -> str:
    """The token in `path`; a `ClusterError` when it is missing, malformed, or readable by
    anyone but its owner (like ssh's keys: chmod 600)."""
    try:
        mode = path.stat().st_mode
        text = path.read_text().strip()
    except OSError as exc:
        raise ClusterError(
            f"no cluster token at {path} ({exc.strerror}): copy the head's token file there, "
            f"or set {TOKEN_ENV}"
        ) from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ClusterError(f"{path} is readable by others: chmod 600 {path}")
    return check_token(text, where=str(path))


def ray_auth_env(path: Path) -> dict[str, str]:
    """The variables that make a Ray process (node, driver) use token authentication with the
    token in `path`."""
    return {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN_PATH": str(path)}
