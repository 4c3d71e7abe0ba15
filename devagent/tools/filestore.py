"""Reading workspace text files as they are, and writing a set of them all at once."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Mapping
from pathlib import Path

from devagent.errors import DevagentError

_BINARY_SNIFF = 8192


class NotTextError(DevagentError):
    """The file is binary (has NUL bytes); edits refuse it."""


def read_text(path: Path) -> str | None:
    """The file's text with its line endings untouched; None when it does not exist.

    Undecodable bytes survive a read/write round trip (surrogateescape)."""
    try:
        data = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return None
    if b"\0" in data[:_BINARY_SNIFF]:
        raise NotTextError(f"{path.name} is a binary file ({len(data)} bytes)")
    return data.decode("utf-8", "surrogateescape")


def write_all(changes: Mapping[Path, str | None]) -> None:
    """Write every text (None deletes) only once all are staged beside their targets."""
    staged: list[tuple[str, Path]] = []
    try:
        for path, text in changes.items():
            if text is not None:
                staged.append((_stage(path, text), path))
    except OSError:
        for tmp, _ in staged:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise
    for tmp, path in staged:
        os.replace(tmp, path)
    for path, text in changes.items():
        if text is None:
            path.unlink(missing_ok=True)


def _stage(path: Path, text: str) -> str:
    """A temp file beside `path` with its content, mode and owner (a new file takes the owner
    of its nearest existing directory: run as root, the host must not leave files the sandbox
    user cannot change)."""
    owner = _nearest_existing(path).stat()
    _make_parents(path.parent, owner)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "wb") as handle:
        handle.write(text.encode("utf-8", "surrogateescape"))
    mode = stat.S_IMODE(owner.st_mode) if path.exists() else 0o644
    os.chmod(tmp, mode)
    _chown_like(tmp, owner)
    return tmp


def _nearest_existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _make_parents(directory: Path, owner: os.stat_result) -> None:
    missing = []
    while not directory.exists():
        missing.append(directory)
        directory = directory.parent
    for created in reversed(missing):
        created.mkdir()
        _chown_like(str(created), owner)


def _chown_like(path: str, owner: os.stat_result) -> None:
    if os.geteuid() == 0 and (owner.st_uid, owner.st_gid) != (0, 0):
        os.chown(path, owner.st_uid, owner.st_gid)
